/**
 * The demo page: the geometry explorer works at once (it needs no GPU); the engine
 * starts beside it, on WebGPU when the browser has it, else on the CPU reference.
 */
import { byId, messageOf } from './dom.js';
import { describeBackend, startEngine } from './engine.js';
import { Explorer } from './explorer.js';
import { GeneratorPanel } from './generator.js';
import { RunPanel } from './run.js';
import { UpsamplePanel } from './upsample.js';

function fatal(message: string): void {
  const box = byId('fatal');
  box.hidden = false;
  box.textContent = message;
}

// A bug must never leave a blank page: say what went wrong at the top.
window.addEventListener('error', (e) => fatal(`Unexpected error: ${e.message}`));
window.addEventListener('unhandledrejection', (e) => fatal(`Unexpected error: ${messageOf(e.reason)}`));

async function main(): Promise<void> {
  const explorer = new Explorer();
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
  new RunPanel(engine, explorer);
  const upsample = new UpsamplePanel(engine);
  const generator = new GeneratorPanel(engine);
  await upsample.run();
  await generator.rebuild();
  document.body.dataset.ready = 'true';
}

void main().catch((err: unknown) => fatal(`Unexpected error: ${messageOf(err)}`));
