/**
 * The demo page: the geometry explorer works at once (it needs no GPU); the engine
 * starts beside it, on WebGPU when the browser has it, else on the CPU reference.
 * Every panel's controls live in the URL, so a reload or a shared link restores them.
 */
import { byId, copyText, messageOf } from './dom.js';
import { describeBackend, startEngine } from './engine.js';
import { Explorer } from './explorer.js';
import { GeneratorPanel } from './generator.js';
import { GlyphPanel } from './glyphs.js';
import { RunPanel } from './run.js';
import { UpsamplePanel } from './upsample.js';
import { addUrlSource, initialParams, saveUrl, stateUrl } from './url-state.js';

function fatal(message: string): void {
  const box = byId('fatal');
  box.hidden = false;
  box.textContent = message;
}

// A bug must never leave a blank page: say what went wrong at the top.
window.addEventListener('error', (e) => fatal(`Unexpected error: ${e.message}`));
window.addEventListener('unhandledrejection', (e) => fatal(`Unexpected error: ${messageOf(e.reason)}`));

async function main(): Promise<void> {
  const params = initialParams();
  const explorer = new Explorer(params);
  addUrlSource(() => explorer.urlParams());
  // The other panels start with the engine; until then their part of the URL is kept as it came.
  let started = false;
  const later = [
    'batch',
    'reps',
    'data',
    'seed',
    'bias',
    'act',
    'up',
    'zoom',
    'gseed',
    'word',
    'style-a',
    'style-b',
    'style-seed',
    'morph',
  ];
  addUrlSource(() => (started ? [] : later.flatMap((k) => params.getAll(k).map((v): [string, string] => [k, v]))));
  explorer.onChange(() => saveUrl());
  saveUrl();
  const resets: (() => void)[] = [() => explorer.restore(new URLSearchParams())];
  byId('reset').addEventListener('click', () => {
    for (const reset of resets) reset();
    saveUrl();
  });
  byId('copy-link').addEventListener('click', (e) =>
    copyText(new URL(stateUrl(), location.href).href, e.currentTarget as HTMLButtonElement),
  );

  const status = byId('backend-status');
  let engine;
  try {
    engine = await startEngine();
  } catch (err) {
    status.dataset.backend = 'none';
    status.textContent = `Could not start the engine: ${messageOf(err)}`;
    return;
  }
  status.dataset.backend = engine.backend;
  status.textContent = describeBackend(engine);
  status.classList.toggle('warn', engine.backend !== 'webgpu');
  const run = new RunPanel(engine, explorer, params);
  const upsample = new UpsamplePanel(engine, params);
  const generator = new GeneratorPanel(engine, params);
  const glyphs = new GlyphPanel(engine, params);
  for (const panel of [run, upsample, generator, glyphs]) {
    addUrlSource(() => panel.urlParams());
    resets.push(() => panel.reset());
  }
  started = true;
  saveUrl();
  await upsample.run();
  await generator.rebuild();
  await glyphs.start();
  document.body.dataset.ready = 'true';
}

void main().catch((err: unknown) => fatal(`Unexpected error: ${messageOf(err)}`));
