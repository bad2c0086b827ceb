#!/usr/bin/env node
/**
 * `npm run bench`: transposed convolution in our engine, TF.js (WebGPU backend) and
 * onnxruntime-web (WebGPU EP), side by side in headless Chromium on one adapter, on
 * layers with two spatial axes (2-D), one (1-D, audio) and three (3-D, volumes), float32
 * and float16, and a whole TF.js generator with and without our kernels.
 *
 * Serves bench/ with Vite on 127.0.0.1, drives bench/index.html with Playwright,
 * prints progress, and writes <out>/latest.json, latest.md and latest.svg.
 * Exits 1 only when one of our outputs fails the cross-check (or the page fails);
 * timings are reported, never judged. A kernel that this build does not register is
 * reported as an error in the tables and does not fail the run.
 *
 * Options:
 *   --suite a,b        suites to run: 2d, 1d, 3d, generator (default: all, in that order)
 *   --smoke            one small layer per suite and a small generator, 3 short rounds
 *                      (used by e2e/bench-smoke.e2e.ts)
 *   --layers a,b       only these layer ids (see bench/suite.ts), within the selected suites
 *   --dtypes a,b       float32 (every kernel), float16 (our 'auto'); default both
 *   --rounds N         timed rounds per variant (default 9; smoke 3)
 *   --target-ms N      aim for rounds of about N ms (default 150; smoke 30)
 *   --layout nchw|nhwc activation layout given to our engine: channels first or last, at every rank (default nchw)
 *   --out DIR          output directory (default bench-results)
 *   --render FILE      measure nothing: rewrite latest.md and latest.svg in --out from a results JSON
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createServer } from 'vite';
import { chromium } from 'playwright';
import { chromiumArgs, chromiumPath } from './chromium.mjs';
import { adapterName, bestRoof, chart, markdown, summarize } from '../bench/report.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const { values: args } = parseArgs({
  options: {
    suite: { type: 'string' },
    smoke: { type: 'boolean', default: false },
    layers: { type: 'string' },
    dtypes: { type: 'string' },
    rounds: { type: 'string' },
    'target-ms': { type: 'string' },
    layout: { type: 'string', default: 'nchw' },
    out: { type: 'string', default: 'bench-results' },
    render: { type: 'string' },
  },
});

/** A comma-separated option whose every entry must be one of `known`. */
function list(name, value, known) {
  if (value === undefined) return [...known];
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const item of items) {
    if (!known.includes(item)) throw new Error(`--${name}: unknown '${item}'; known: ${known.join(', ')}`);
  }
  if (!items.length) throw new Error(`--${name}: give at least one of ${known.join(', ')}`);
  return items;
}

if (args.layout !== 'nchw' && args.layout !== 'nhwc')
  throw new Error(`--layout must be nchw or nhwc, got ${args.layout}`);
const outDir = resolve(root, args.out);
const smoke = args.smoke;

/** @type {import('../bench/types.ts').BenchConfig} */
const config = {
  smoke,
  suites: list('suite', args.suite, ['2d', '1d', '3d', 'generator']),
  layers: args.layers ? args.layers.split(',').map((s) => s.trim()) : [],
  dtypes: list('dtypes', args.dtypes, ['float32', 'float16']),
  rounds: Number(args.rounds ?? (smoke ? 3 : 9)),
  targetRoundMs: Number(args['target-ms'] ?? (smoke ? 30 : 150)),
  maxRunsPerRound: smoke ? 5 : 50,
  slowRunMs: smoke ? 200 : 1000,
  ortWasmPath: `/@fs${join(root, 'node_modules/onnxruntime-web/dist')}/`,
  layout: args.layout,
  atol: 1e-4,
  rtol: 1e-3,
};

function logRoof(log, roof) {
  log(
    roof.status === 'ok' ? `  ${roof.m}×${roof.n}×${roof.k}: ${roof.gflops.toFixed(2)} GFLOP/s` : `  ${roof.message}`,
  );
}

async function main() {
  const started = Date.now();
  const loadAvgStart = loadavg();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s`;
  const log = (line) => console.log(`[bench ${elapsed()}] ${line}`);

  const server = await createServer({
    configFile: false,
    root: join(root, 'bench'),
    logLevel: 'warn',
    clearScreen: false,
    server: { host: '127.0.0.1', port: 0, strictPort: false, fs: { allow: [root] }, hmr: false },
    // Pre-bundle up front so that a late dependency discovery never reloads the page mid-run.
    optimizeDeps: {
      entries: ['index.html'],
      include: [
        '@tensorflow/tfjs-core',
        '@tensorflow/tfjs-backend-webgpu',
        '@tensorflow/tfjs-layers',
        'onnxruntime-web/webgpu',
        'wgsl_reflect',
      ],
    },
  });
  await server.listen();
  const address = server.httpServer?.address();
  if (!address || typeof address === 'string') throw new Error('vite did not report a TCP address');
  const origin = `http://127.0.0.1:${address.port}`;
  log(`serving bench/ at ${origin}`);

  const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs, headless: true });
  let exitCode = 0;
  try {
    const page = await browser.newPage();
    /** Requests the page tried to make outside its origin (blocked). */
    const foreign = [];
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(`${origin}/`) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
      foreign.push(url);
      return route.abort();
    });
    page.on('console', (msg) => {
      if (msg.type() === 'error' || msg.type() === 'warning') log(`[page ${msg.type()}] ${msg.text()}`);
    });
    page.on('pageerror', (err) => log(`[page error] ${err.message}`));
    await page.exposeFunction('benchProgress', (line) => log(line));

    await page.goto(`${origin}/index.html`);
    await page.waitForFunction(() => window.bench !== undefined, null, { timeout: 120_000 });
    const info = await page.evaluate((c) => window.bench.init(c), config);
    const a = info.adapter;
    log(`adapter: ${adapterName(a)}${a.isFallbackAdapter ? ' (fallback adapter)' : ''}`);
    log(`chromium: ${info.userAgent}`);
    if (info.engineError) log(`our engine failed to start: ${info.engineError}`);
    else log(`our planner treats the adapter as ${info.engineSoftware ? 'software' : 'hardware'}`);

    log(
      `our kernels in this build: ${info.kernelsRegistered.join(', ')}` +
        (info.kernels.length > info.kernelsRegistered.length
          ? `; not in it (reported as errors): ${info.kernels.filter((k) => !info.kernelsRegistered.includes(k)).join(', ')}`
          : ''),
    );
    log(
      `float16: ${info.float16Native ? 'native (shader-f16)' : 'packed two per 32-bit word'}; device features: ${info.features.join(', ') || 'none'}`,
    );

    // Layers of the selected suites (all of them, or those named by --layers), then the generator.
    const known = info.suites.flatMap((s) => s.layers.map((l) => ({ ...l, suite: s.suite })));
    for (const id of config.layers) {
      if (!known.some((l) => l.id === id))
        throw new Error(`unknown layer ${id}; known in the selected suites: ${known.map((l) => l.id).join(', ')}`);
    }
    const jobs = known.filter((l) => !config.layers.length || config.layers.includes(l.id));
    // The roof is measured before and after the layers: on a shared CPU the same GEMM's
    // rate drifts between runs, and the better of the two is the practical peak.
    log('plain GEMM (practical roof), before the layers');
    const roofBefore = await page.evaluate(() => window.bench.gemmRoof());
    logRoof(log, roofBefore);
    const layers = [];
    let generator = null;
    for (const [i, job] of jobs.entries()) {
      log(`[${i + 1}/${jobs.length}] ${job.suite}: ${job.id}`);
      if (job.suite === 'generator') {
        generator = await page.evaluate((id) => window.bench.runGenerator(id), job.id);
      } else {
        layers.push(await page.evaluate((id) => window.bench.runLayer(id), job.id));
      }
    }
    log('plain GEMM (practical roof), after the layers');
    const roofAfter = await page.evaluate(() => window.bench.gemmRoof());
    logRoof(log, roofAfter);
    const roof = bestRoof([roofBefore, roofAfter]);

    const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
    const results = {
      date: new Date().toISOString(),
      // Other processes share the CPUs that software WebGPU runs on; record how busy they were.
      host: { cpus: cpus().length, loadAvgStart, loadAvgEnd: loadavg() },
      command,
      config,
      adapter: info.adapter,
      features: info.features,
      engineSoftware: info.engineSoftware,
      float16Native: info.float16Native,
      kernels: info.kernels,
      kernelsRegistered: info.kernelsRegistered,
      userAgent: info.userAgent,
      versions: info.versions,
      foreignRequests: foreign,
      roof,
      layers,
      ...(generator ? { generator } : {}),
      durationS: (Date.now() - started) / 1000,
    };
    results.summary = summarize(results);
    await mkdir(outDir, { recursive: true });
    await writeFile(join(outDir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
    await writeFile(join(outDir, 'latest.md'), markdown(results));
    await writeFile(join(outDir, 'latest.svg'), chart(results));
    log(
      `wrote ${['latest.json', 'latest.md', 'latest.svg'].map((f) => relative(process.cwd(), join(outDir, f))).join(', ')}`,
    );

    const s = results.summary;
    for (const [suite, x] of Object.entries(s.suites)) {
      if (x.geomeanSpeedupVsBestPeer !== null)
        log(
          `${suite}: auto vs best peer: geomean ${x.geomeanSpeedupVsBestPeer.toFixed(2)}× over ${x.comparedLayers} layers`,
        );
    }
    for (const [suite, x] of Object.entries(s.float16.bySuite)) {
      if (x.geomeanF16TimeOverF32 !== null)
        log(
          `${suite}: float16 time / float32 time, geomean ${x.geomeanF16TimeOverF32.toFixed(2)} over ${x.comparedLayers} layers`,
        );
    }
    if (s.generator?.speedup) log(`generator: TF.js with our kernels vs alone ${s.generator.speedup.toFixed(2)}×`);
    if (s.kernelsUnavailable.length)
      log(`kernels not in this build (errors in the tables): ${s.kernelsUnavailable.join(', ')}`);
    if (foreign.length) {
      log(`FAIL: the page requested ${foreign.length} URL(s) outside its origin: ${foreign.slice(0, 3).join(', ')}`);
      exitCode = 1;
    }
    for (const f of s.crossCheckFailures) log(`FAIL cross-check: ${f}`);
    if (s.crossCheckFailures.length) exitCode = 1;
    for (const f of s.peerMismatches) log(`note: peer disagrees with the CPU reference: ${f}`);
  } catch (e) {
    console.error(e);
    exitCode = 1;
  } finally {
    await browser.close();
    await server.close();
  }
  log(`done in ${elapsed().trim()}`);
  process.exit(exitCode);
}

if (args.render) {
  const results = JSON.parse(await readFile(resolve(args.render), 'utf8'));
  results.summary = summarize(results);
  await mkdir(outDir, { recursive: true });
  await writeFile(join(outDir, 'latest.md'), markdown(results));
  await writeFile(join(outDir, 'latest.svg'), chart(results));
} else {
  await main();
}
