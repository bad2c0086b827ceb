#!/usr/bin/env node
/**
 * `npm run bench`: transposed convolution in our engine, TF.js (WebGPU backend) and
 * onnxruntime-web (WebGPU EP), side by side in headless Chromium on one adapter.
 *
 * Serves bench/ with Vite on 127.0.0.1, drives bench/index.html with Playwright,
 * prints progress, and writes <out>/latest.json, latest.md and latest.svg.
 * Exits 1 only when one of our outputs fails the cross-check (or the page fails);
 * timings are reported, never judged.
 *
 * Options:
 *   --smoke            one small layer, 3 short rounds (used by e2e/bench-smoke.e2e.ts)
 *   --layers a,b       only these layer ids (see bench/suite.ts)
 *   --rounds N         timed rounds per variant (default 9; smoke 3)
 *   --target-ms N      aim for rounds of about N ms (default 150; smoke 30)
 *   --layout nchw|nhwc activation layout given to our engine (default nchw)
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

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const { values: args } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    layers: { type: 'string' },
    rounds: { type: 'string' },
    'target-ms': { type: 'string' },
    layout: { type: 'string', default: 'nchw' },
    out: { type: 'string', default: 'bench-results' },
    render: { type: 'string' },
  },
});
if (args.layout !== 'nchw' && args.layout !== 'nhwc')
  throw new Error(`--layout must be nchw or nhwc, got ${args.layout}`);
const outDir = resolve(root, args.out);
const smoke = args.smoke;

/** @type {import('../bench/bench.ts').BenchConfig} */
const config = {
  smoke,
  layers: args.layers ? args.layers.split(',').map((s) => s.trim()) : [],
  rounds: Number(args.rounds ?? (smoke ? 3 : 9)),
  targetRoundMs: Number(args['target-ms'] ?? (smoke ? 30 : 150)),
  maxRunsPerRound: smoke ? 5 : 50,
  slowRunMs: smoke ? 200 : 1000,
  ortWasmPath: `/@fs${join(root, 'node_modules/onnxruntime-web/dist')}/`,
  layout: args.layout,
  atol: 1e-4,
  rtol: 1e-3,
};

// --- summary, table and chart --------------------------------------------------------

function variant(layer, id) {
  return layer.variants.find((v) => v.id === id);
}

function okMs(v) {
  return v && v.status === 'ok' && typeof v.medianMs === 'number' ? v.medianMs : null;
}

/** Our kernels on a layer: the fastest one that matched the reference. */
function bestKernel(layer) {
  let best = null;
  for (const v of layer.variants) {
    if (v.engine !== 'ours' || v.kernel === 'auto') continue;
    const ms = okMs(v);
    if (ms !== null && (best === null || ms < best.ms)) best = { kernel: v.kernel, ms };
  }
  return best;
}

function bestPeer(layer) {
  let best = null;
  for (const id of ['tfjs', 'ort']) {
    const ms = okMs(variant(layer, id));
    if (ms !== null && (best === null || ms < best.ms)) best = { id, ms };
  }
  return best;
}

/** Layers with at least this many useful multiply-adds count as large. */
const LARGE_MACS = 20e6;

function logRoof(log, roof) {
  log(
    roof.status === 'ok' ? `  ${roof.m}×${roof.n}×${roof.k}: ${roof.gflops.toFixed(2)} GFLOP/s` : `  ${roof.message}`,
  );
}

/** The faster of several roof measurements, with every measured rate kept in `measurements`. */
function bestRoof(roofs) {
  const ok = roofs.filter((r) => r.status === 'ok');
  if (!ok.length) return roofs[0];
  const best = ok.reduce((a, b) => (b.gflops > a.gflops ? b : a));
  return { ...best, measurements: ok.map((r) => r.gflops) };
}

function summarize(layers, roof) {
  const perLayer = [];
  const crossCheckFailures = [];
  const peerMismatches = [];
  let logSum = 0;
  let compared = 0;
  for (const l of layers) {
    for (const v of l.variants) {
      const what = `${l.layer.id} ${v.id}: max |err| ${v.maxAbsErr}`;
      if (v.status === 'mismatch') (v.engine === 'ours' ? crossCheckFailures : peerMismatches).push(what);
      if (v.engine === 'ours' && v.status === 'error') crossCheckFailures.push(`${l.layer.id} ${v.id}: ${v.message}`);
    }
    const auto = okMs(variant(l, 'ours:auto'));
    const peer = bestPeer(l);
    const kernel = bestKernel(l);
    const speedup = auto !== null && peer ? peer.ms / auto : null;
    if (speedup !== null) {
      logSum += Math.log(speedup);
      compared++;
    }
    const subpixel = variant(l, 'ours:subpixel');
    perLayer.push({
      id: l.layer.id,
      bestPeer: peer?.id ?? null,
      speedupVsBestPeer: speedup,
      bestKernel: kernel?.kernel ?? null,
      autoKernel: variant(l, 'ours:auto')?.chosenKernel ?? null,
      autoVsBestKernel: auto !== null && kernel ? auto / kernel.ms : null,
      // Against the GEMM timed in this layer's own rounds when there is one (else the run's roof).
      roofGflops: l.roof?.gflops ?? null,
      subpixelOfRoof:
        subpixel?.status === 'ok' && subpixel.gflops && (l.roof?.gflops ?? roof.gflops)
          ? subpixel.gflops / (l.roof?.gflops ?? roof.gflops)
          : null,
    });
  }
  return {
    geomeanSpeedupVsBestPeer: compared ? Math.exp(logSum / compared) : null,
    comparedLayers: compared,
    layersSlowerThanBestPeer: perLayer
      .filter((p) => p.speedupVsBestPeer !== null && p.speedupVsBestPeer < 1)
      .map((p) => p.id),
    layersAutoOver10PctOfBestKernel: perLayer
      .filter((p) => p.autoVsBestKernel !== null && p.autoVsBestKernel > 1.1)
      .map((p) => p.id),
    subpixelOfRoofLarge: perLayer
      .filter((p, i) => p.subpixelOfRoof !== null && layers[i].usefulMacs >= LARGE_MACS)
      .map((p) => ({ id: p.id, share: p.subpixelOfRoof })),
    perLayer,
    crossCheckFailures,
    peerMismatches,
  };
}

function adapterName(a) {
  return [a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(' / ') || 'unknown adapter';
}

function fmt(ms) {
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}

/** One table cell for a variant: time, or why there is none. */
function cell(v, best) {
  if (!v) return '';
  if (v.status === 'unsupported') return '—';
  if (v.status === 'n/a') return `n/a¹`;
  if (v.status === 'error')
    return `error: ${String(v.message).replace(/\|/g, '\\|').replace(/\s+/g, ' ').slice(0, 80)}`;
  const ms = fmt(v.medianMs);
  const text = v.status === 'mismatch' ? `${ms} ✗` : ms;
  return best && v.medianMs === best ? `**${text}**` : text;
}

function shape(s) {
  return s.join('×');
}

function markdown(r) {
  const kernels = [
    ...new Set(r.layers.flatMap((l) => l.variants.filter((v) => v.engine === 'ours').map((v) => v.kernel))),
  ];
  const a = r.adapter;
  const lines = [];
  lines.push(`# Benchmark results`, '');
  lines.push(`- Command: \`${r.command}\``);
  lines.push(`- Date: ${r.date}`);
  lines.push(
    `- Adapter: ${adapterName(a)}` +
      (a.isFallbackAdapter ? ' (fallback adapter)' : '') +
      (r.engineSoftware === null ? '' : `; our planner treats it as ${r.engineSoftware ? 'software' : 'hardware'}`),
  );
  lines.push(`- Browser: ${r.userAgent}`);
  lines.push(
    `- Host: ${r.host.cpus} CPUs; 1-minute load average ${r.host.loadAvgStart[0].toFixed(1)} at start, ${r.host.loadAvgEnd[0].toFixed(1)} at end`,
  );
  lines.push(
    `- Peers: TF.js ${r.versions['tfjs-core']} (WebGPU backend), onnxruntime-web ${r.versions['onnxruntime-web']} (WebGPU EP)`,
  );
  lines.push(
    `- Method: one GPUDevice for all engines, data resident, median over ${r.config.rounds} rounds of R back-to-back runs ending in one wait for the queue (a 1-element readback; onSubmittedWorkDone for ours); our engine in ${r.config.layout.toUpperCase()}.`,
  );
  lines.push(
    r.roof.status === 'ok'
      ? `- Practical roof (our plain GEMM ${r.roof.m}×${r.roof.n}×${r.roof.k}): **${r.roof.gflops.toFixed(2)} GFLOP/s** (${Object.entries(
          r.roof.variants ?? {},
        )
          .map(([k, v]) => `${k} ${v.toFixed(2)}`)
          .join(', ')}${
          r.roof.measurements?.length > 1
            ? `; the best of ${r.roof.measurements.length} measurements, before and after the layers: ${r.roof.measurements.map((g) => g.toFixed(2)).join(', ')}`
            : ''
        })`
      : `- Practical roof: not measured (${r.roof.message})`,
  );
  if (r.layers.some((l) => l.roof)) {
    lines.push(
      `- The faster GEMM variant is also timed in every layer's interleaved rounds; each layer's \`subpixel\` share is taken against that rate, measured under the same load.`,
    );
  }
  const s = r.summary;
  lines.push('', '## Targets of the suite (measured here, never asserted)', '');
  lines.push(
    `- \`auto\` vs the best peer (TF.js, ORT Web), geomean: ` +
      (s.geomeanSpeedupVsBestPeer === null
        ? 'n/a'
        : `**${s.geomeanSpeedupVsBestPeer.toFixed(2)}×** over ${s.comparedLayers} layers (target ≥ 3×)`),
  );
  lines.push(
    `- Layers where \`auto\` is slower than the best peer: ${s.layersSlowerThanBestPeer.join(', ') || 'none'} (target: none)`,
  );
  lines.push(
    `- Layers where \`auto\` is more than 10% slower than our fastest kernel: ${s.layersAutoOver10PctOfBestKernel.join(', ') || 'none'} (target: none)`,
  );
  lines.push(
    `- \`subpixel\` useful GFLOP/s as a share of the plain GEMM rate (timed in the same rounds) on the large layers (≥ ${LARGE_MACS / 1e6} M useful MACs): ` +
      (s.subpixelOfRoofLarge.length
        ? s.subpixelOfRoofLarge.map((x) => `${x.id} ${(100 * x.share).toFixed(0)}%`).join(', ')
        : 'n/a') +
      ' (target ≥ 70%)',
  );
  lines.push('', '## Median ms per layer (lower is better; bold: fastest)', '');
  const head = [
    'layer',
    'output',
    'useful MFLOP',
    'TF.js',
    'ORT Web',
    ...kernels.map((k) => `ours: ${k}`),
    'auto picks',
    'auto vs our fastest',
    'auto vs best peer',
  ];
  lines.push(`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i < 2 ? ' --- ' : ' ---: ')).join('|')}|`);
  for (const [i, l] of r.layers.entries()) {
    const oks = l.variants.map(okMs).filter((m) => m !== null);
    const best = oks.length ? Math.min(...oks) : null;
    const p = s.perLayer[i];
    const row = [
      `${l.layer.id}${l.layer.note ? ` (${l.layer.note})` : ''}`,
      shape(l.outputShape),
      ((2 * l.usefulMacs) / 1e6).toFixed(1),
      cell(variant(l, 'tfjs'), best),
      cell(variant(l, 'ort'), best),
      ...kernels.map((k) => cell(variant(l, `ours:${k}`), best)),
      p.autoKernel ?? '',
      p.autoVsBestKernel === null ? '' : `${p.autoVsBestKernel.toFixed(2)}× (${p.bestKernel})`,
      p.speedupVsBestPeer === null ? '' : `${p.speedupVsBestPeer.toFixed(2)}×`,
    ];
    lines.push(`| ${row.join(' | ')} |`);
  }
  lines.push('', '## Useful GFLOP/s (2 × MACs on non-inserted values / time)', '');
  const head2 = [
    'layer',
    'TF.js',
    'ORT Web',
    ...kernels.map((k) => `ours: ${k}`),
    'plain GEMM, same rounds',
    'subpixel / GEMM',
  ];
  lines.push(`| ${head2.join(' | ')} |`, `|${head2.map((_, i) => (i < 1 ? ' --- ' : ' ---: ')).join('|')}|`);
  for (const [i, l] of r.layers.entries()) {
    const gf = (v) => (v && v.status === 'ok' && v.gflops ? v.gflops.toFixed(2) : '');
    const p = s.perLayer[i];
    lines.push(
      `| ${[
        l.layer.id,
        gf(variant(l, 'tfjs')),
        gf(variant(l, 'ort')),
        ...kernels.map((k) => gf(variant(l, `ours:${k}`))),
        p.roofGflops === null ? '' : p.roofGflops.toFixed(2),
        p.subpixelOfRoof === null ? '' : `${(100 * p.subpixelOfRoof).toFixed(0)}%`,
      ].join(' | ')} |`,
    );
  }
  lines.push('', '## Cross-check: max |output − CPU reference|', '');
  lines.push(`Pass: every element within ${r.config.atol} + ${r.config.rtol}·|ref|.`, '');
  const head3 = ['layer', 'CPU ref ms', 'TF.js', 'ORT Web', ...kernels.map((k) => `ours: ${k}`)];
  lines.push(`| ${head3.join(' | ')} |`, `|${head3.map((_, i) => (i < 1 ? ' --- ' : ' ---: ')).join('|')}|`);
  for (const l of r.layers) {
    const e = (v) =>
      !v || v.maxAbsErr === undefined ? '' : `${v.maxAbsErr.toExponential(1)}${v.status === 'mismatch' ? ' ✗' : ''}`;
    lines.push(
      `| ${[l.layer.id, fmt(l.cpuMs), e(variant(l, 'tfjs')), e(variant(l, 'ort')), ...kernels.map((k) => e(variant(l, `ours:${k}`)))].join(' | ')} |`,
    );
  }
  const na = r.layers.flatMap((l) =>
    l.variants.filter((v) => v.status === 'n/a').map((v) => `${l.layer.id} ${v.id}: ${v.message}`),
  );
  lines.push('', '—: the kernel refuses this geometry (UNSUPPORTED_BY_KERNEL). ✗: differs from the CPU reference.');
  if (na.length) lines.push(`¹ n/a: ${na.join('; ')}.`);
  return `${lines.join('\n')}\n`;
}

const COLORS = {
  tfjs: '#e8710a',
  ort: '#7b3fb5',
  'ours:auto': '#111111',
  'ours:subpixel': '#1a73e8',
  'ours:im2col-gemm': '#34a853',
  'ours:gemm-col2im': '#00a5a8',
  'ours:scatter': '#c5221f',
  'ours:zero-insertion': '#9aa0a6',
};

function esc(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Horizontal bars, ms per layer for each engine and kernel, log scale. */
function chart(r) {
  const ids = [...new Set(r.layers.flatMap((l) => l.variants.map((v) => v.id)))];
  const label = (id) => ({ tfjs: 'TF.js', ort: 'ORT Web' })[id] ?? id.replace('ours:', 'ours: ');
  const all = r.layers.flatMap((l) => l.variants.map(okMs)).filter((m) => m !== null && m > 0);
  const lo = Math.pow(10, Math.floor(Math.log10(Math.min(...all, 1))));
  const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...all, 10))));
  const left = 250;
  const plotW = 560;
  const bar = 11;
  const gap = 14;
  const top = 60;
  const x = (ms) => left + (plotW * Math.log10(ms / lo)) / Math.log10(hi / lo);
  const groupH = ids.length * bar + gap;
  const height = top + r.layers.length * groupH + 30;
  const width = left + plotW + 150;
  const out = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="18" font-size="14" font-weight="bold">Transposed convolution, median ms per layer (log scale, lower is better)</text>`,
    `<text x="10" y="34" fill="#555">${esc(adapterName(r.adapter))}; ${esc(r.command)}; ${esc(r.date.slice(0, 10))}</text>`,
  );
  for (let t = lo; t <= hi * 1.0001; t *= 10) {
    out.push(
      `<line x1="${x(t).toFixed(1)}" y1="${top - 8}" x2="${x(t).toFixed(1)}" y2="${height - 25}" stroke="#ddd"/>`,
      `<text x="${x(t).toFixed(1)}" y="${height - 12}" text-anchor="middle" fill="#555">${t >= 1 ? t : t.toPrecision(1)} ms</text>`,
    );
  }
  ids.forEach((id, i) => {
    const lx = left + plotW + 12;
    const ly = top + i * 15;
    out.push(
      `<rect x="${lx}" y="${ly}" width="10" height="10" fill="${COLORS[id] ?? '#666'}"/>`,
      `<text x="${lx + 14}" y="${ly + 9}">${esc(label(id))}</text>`,
    );
  });
  r.layers.forEach((l, li) => {
    const y0 = top + li * groupH;
    out.push(
      `<text x="${left - 8}" y="${y0 + (ids.length * bar) / 2 + 4}" text-anchor="end">${esc(l.layer.id)}</text>`,
    );
    ids.forEach((id, i) => {
      const v = variant(l, id);
      const y = y0 + i * bar;
      const ms = okMs(v);
      if (ms === null) {
        const why = !v ? '' : v.status === 'unsupported' ? '—' : v.status;
        out.push(
          `<text x="${left + 4}" y="${y + bar - 2}" font-size="9" fill="#999">${esc(label(id))}: ${esc(why)}</text>`,
        );
        return;
      }
      const w = Math.max(1, x(ms) - left);
      out.push(
        `<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${bar - 2}" fill="${COLORS[id] ?? '#666'}"><title>${esc(label(id))}: ${fmt(ms)} ms</title></rect>`,
        `<text x="${(left + w + 3).toFixed(1)}" y="${y + bar - 2}" font-size="9" fill="#333">${fmt(ms)}</text>`,
      );
    });
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
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
      include: ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-webgpu', 'onnxruntime-web/webgpu', 'wgsl_reflect'],
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

    const ids = config.layers.length ? config.layers : info.layers.map((l) => l.id);
    for (const id of ids) {
      if (!info.layers.some((l) => l.id === id))
        throw new Error(`unknown layer ${id}; known: ${info.layers.map((l) => l.id).join(', ')}`);
    }
    // The roof is measured before and after the layers: on a shared CPU the same GEMM's
    // rate drifts between runs, and the better of the two is the practical peak.
    log('plain GEMM (practical roof), before the layers');
    const roofBefore = await page.evaluate(() => window.bench.gemmRoof());
    logRoof(log, roofBefore);
    const layers = [];
    for (const [i, id] of ids.entries()) {
      log(`[${i + 1}/${ids.length}] ${id}`);
      layers.push(await page.evaluate((layerId) => window.bench.runLayer(layerId), id));
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
      engineSoftware: info.engineSoftware,
      userAgent: info.userAgent,
      versions: info.versions,
      foreignRequests: foreign,
      roof,
      layers,
      summary: summarize(layers, roof),
      durationS: (Date.now() - started) / 1000,
    };
    await mkdir(outDir, { recursive: true });
    await writeFile(join(outDir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
    await writeFile(join(outDir, 'latest.md'), markdown(results));
    await writeFile(join(outDir, 'latest.svg'), chart(results));
    log(
      `wrote ${['latest.json', 'latest.md', 'latest.svg'].map((f) => relative(process.cwd(), join(outDir, f))).join(', ')}`,
    );

    const s = results.summary;
    if (s.geomeanSpeedupVsBestPeer !== null) {
      log(`auto vs best peer: geomean ${s.geomeanSpeedupVsBestPeer.toFixed(2)}× over ${s.comparedLayers} layers`);
    }
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
  results.summary = summarize(results.layers, results.roof);
  await mkdir(outDir, { recursive: true });
  await writeFile(join(outDir, 'latest.md'), markdown(results));
  await writeFile(join(outDir, 'latest.svg'), chart(results));
} else {
  await main();
}
