/**
 * The benchmark's summary numbers, Markdown tables and SVG chart, from the results that
 * scripts/bench.mjs collects (the shape of bench-results/latest.json). No measuring here:
 * `npm run bench -- --render FILE` re-renders a saved JSON with this module.
 */

/** Layers with at least this many useful multiply-adds count as large. */
export const LARGE_MACS = 20e6;

/** Titles of the suites, in the order they are reported. */
const SUITE_TITLES = {
  '2d': '2-D suite: image decoders (NCHW)',
  '1d': '1-D suite: audio decoders (NCW)',
  '3d': '3-D suite: volumes (NCDHW)',
};

/** The suite of a layer result (results written before there were suites are 2-D). */
function suiteOf(l) {
  return l.suite ?? '2d';
}

function variant(layer, id) {
  return layer.variants.find((v) => v.id === id);
}

function okMs(v) {
  return v && v.status === 'ok' && typeof v.medianMs === 'number' ? v.medianMs : null;
}

/** Our float32 kernels on a layer: the fastest one that matched the reference. */
function bestKernel(layer) {
  let best = null;
  for (const v of layer.variants) {
    if (v.engine !== 'ours' || v.kernel === 'auto' || v.dtype === 'float16') continue;
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

function geomean(values) {
  return values.length ? Math.exp(values.reduce((a, v) => a + Math.log(v), 0) / values.length) : null;
}

/** The faster of several roof measurements, with every measured rate kept in `measurements`. */
export function bestRoof(roofs) {
  const ok = roofs.filter((r) => r.status === 'ok');
  if (!ok.length) return roofs[0];
  const best = ok.reduce((a, b) => (b.gflops > a.gflops ? b : a));
  return { ...best, measurements: ok.map((r) => r.gflops) };
}

/** A variant of ours that failed only because its kernel is not in this build. */
function unavailable(v, registered) {
  return (
    v.engine === 'ours' && v.status === 'error' && registered && !registered.includes(v.kernel) && v.kernel !== 'auto'
  );
}

function summarizeSuite(layers, roof) {
  const perLayer = layers.map((l) => {
    const auto = okMs(variant(l, 'ours:auto'));
    const peer = bestPeer(l);
    const kernel = bestKernel(l);
    const subpixel = variant(l, 'ours:subpixel');
    const roofGflops = l.roof?.gflops ?? (roof.status === 'ok' ? roof.gflops : null);
    return {
      id: l.layer.id,
      bestPeer: peer?.id ?? null,
      speedupVsBestPeer: auto !== null && peer ? peer.ms / auto : null,
      bestKernel: kernel?.kernel ?? null,
      autoKernel: variant(l, 'ours:auto')?.chosenKernel ?? null,
      autoVsBestKernel: auto !== null && kernel ? auto / kernel.ms : null,
      // Against the GEMM timed in this layer's own rounds when there is one (else the run's roof).
      roofGflops: l.roof?.gflops ?? null,
      autoOfRoof:
        okMs(variant(l, 'ours:auto')) !== null && roofGflops ? variant(l, 'ours:auto').gflops / roofGflops : null,
      subpixelOfRoof: okMs(subpixel) !== null && roofGflops ? subpixel.gflops / roofGflops : null,
    };
  });
  const speedups = perLayer.map((p) => p.speedupVsBestPeer).filter((s) => s !== null);
  return {
    layers: layers.length,
    geomeanSpeedupVsBestPeer: geomean(speedups),
    comparedLayers: speedups.length,
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
  };
}

/** float16 beside float32: our 'auto' in both, per layer. */
function summarizeHalf(layers) {
  const perLayer = [];
  for (const l of layers) {
    const h = variant(l, 'ours:f16:auto');
    if (!h) continue;
    const f32 = okMs(variant(l, 'ours:auto'));
    const f16 = okMs(h);
    const peer = bestPeer(l);
    perLayer.push({
      id: l.layer.id,
      suite: suiteOf(l),
      f32Ms: f32,
      f16Ms: f16,
      /** > 1: float16 is slower. */
      f16TimeOverF32: f32 !== null && f16 !== null ? f16 / f32 : null,
      f16SpeedupVsBestPeer: f16 !== null && peer ? peer.ms / f16 : null,
      storage: h.storage ?? null,
      kernel: h.chosenKernel ?? null,
      status: h.status,
      maxAbsErr: h.maxAbsErr ?? null,
      errRatio: h.errRatio ?? null,
    });
  }
  const bySuite = {};
  for (const suite of new Set(perLayer.map((p) => p.suite))) {
    const ratios = perLayer.filter((p) => p.suite === suite && p.f16TimeOverF32 !== null).map((p) => p.f16TimeOverF32);
    bySuite[suite] = { geomeanF16TimeOverF32: geomean(ratios), comparedLayers: ratios.length };
  }
  return { perLayer, bySuite };
}

function summarizeGenerator(gen) {
  if (!gen) return null;
  const tfMs = okMs(gen.variants.find((v) => v.id === 'tfjs'));
  const oursMs = okMs(gen.variants.find((v) => v.id === 'tfjs+ours'));
  return {
    id: gen.spec.id,
    tfjsMs: tfMs,
    withOursMs: oursMs,
    speedup: tfMs !== null && oursMs !== null ? tfMs / oursMs : null,
    maxAbsDiff: gen.variants.find((v) => v.id === 'tfjs+ours')?.maxAbsErr ?? null,
  };
}

/** Every summary number of a run (recomputed from the layers, so `--render` of an old JSON works). */
export function summarize(results) {
  const layers = results.layers;
  const registered = results.kernelsRegistered;
  const suites = {};
  for (const suite of Object.keys(SUITE_TITLES)) {
    const of = layers.filter((l) => suiteOf(l) === suite);
    if (of.length) suites[suite] = summarizeSuite(of, results.roof);
  }
  const crossCheckFailures = [];
  const peerMismatches = [];
  const kernelsUnavailable = new Set();
  for (const l of layers) {
    for (const v of l.variants) {
      const what = `${l.layer.id} ${v.id}: max |err| ${v.maxAbsErr}`;
      if (v.status === 'mismatch') (v.engine === 'ours' ? crossCheckFailures : peerMismatches).push(what);
      if (unavailable(v, registered)) kernelsUnavailable.add(v.kernel);
      else if (v.engine === 'ours' && v.status === 'error')
        crossCheckFailures.push(`${l.layer.id} ${v.id}: ${v.message}`);
    }
  }
  const gen = results.generator;
  for (const v of gen?.variants ?? []) {
    // The generator with our kernels must give TF.js's own output.
    if (v.id === 'tfjs+ours' && v.status !== 'ok')
      crossCheckFailures.push(`${gen.spec.id} ${v.id}: ${v.status} ${v.message ?? `max |diff| ${v.maxAbsErr}`}`);
  }
  return {
    suites,
    float16: summarizeHalf(layers),
    generator: summarizeGenerator(gen),
    crossCheckFailures,
    peerMismatches,
    kernelsUnavailable: [...kernelsUnavailable],
  };
}

// --- Markdown ------------------------------------------------------------------------

export function adapterName(a) {
  return [a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(' / ') || 'unknown adapter';
}

function fmt(ms) {
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}

function times(x) {
  return x === null || x === undefined ? '' : `${x.toFixed(2)}×`;
}

function shape(s) {
  return s.join('×');
}

function oneLine(text) {
  return String(text).replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();
}

/** Numbered notes for the messages behind table cells, each message once. */
class Notes {
  constructor() {
    this.list = [];
  }
  ref(text) {
    const t = oneLine(text);
    let i = this.list.indexOf(t);
    if (i < 0) i = this.list.push(t) - 1;
    return `[${i + 1}]`;
  }
  lines() {
    return this.list.map((t, i) => `${i + 1}. ${t}`);
  }
}

/** One table cell for a variant: time, or why there is none. */
function cell(v, best, notes) {
  if (!v) return '';
  if (v.status === 'unsupported') return v.engine === 'ours' ? '—' : `unsupported ${notes.ref(v.message)}`;
  if (v.status === 'n/a') return `n/a ${notes.ref(v.message)}`;
  if (v.status === 'error') return `error ${notes.ref(v.message)}`;
  const ms = fmt(v.medianMs);
  const text = v.status === 'mismatch' ? `${ms} ✗` : ms;
  return best !== null && v.medianMs === best ? `**${text}**` : text;
}

function table(head, rows, leftColumns = 1) {
  return [
    `| ${head.map((h) => h.replace(/\|/g, '\\|')).join(' | ')} |`,
    `|${head.map((_, i) => (i < leftColumns ? ' --- ' : ' ---: ')).join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ];
}

function suiteSection(r, suite, layers, s, notes) {
  const kernels = [
    ...new Set(
      layers.flatMap((l) =>
        l.variants.filter((v) => v.engine === 'ours' && v.dtype !== 'float16').map((v) => v.kernel),
      ),
    ),
  ];
  const lines = ['', `## ${SUITE_TITLES[suite]}`, ''];
  lines.push(
    `- \`auto\` vs the best peer (TF.js, ORT Web), geomean: ` +
      (s.geomeanSpeedupVsBestPeer === null
        ? 'n/a'
        : `**${s.geomeanSpeedupVsBestPeer.toFixed(2)}×** over ${s.comparedLayers} of ${s.layers} layers (target ≥ 3×)`),
    `- Layers where \`auto\` is slower than the best peer: ${s.layersSlowerThanBestPeer.join(', ') || 'none'} (target: none)`,
    `- Layers where \`auto\` is more than 10% slower than our fastest kernel: ${s.layersAutoOver10PctOfBestKernel.join(', ') || 'none'} (target: none)`,
    `- \`subpixel\` useful GFLOP/s as a share of the plain GEMM rate (timed in the same rounds) on the large layers (≥ ${LARGE_MACS / 1e6} M useful MACs): ` +
      (s.subpixelOfRoofLarge.length
        ? s.subpixelOfRoofLarge.map((x) => `${x.id} ${(100 * x.share).toFixed(0)}%`).join(', ')
        : 'n/a') +
      ' (target ≥ 70%)',
  );
  lines.push('', '### Median ms per layer (lower is better; bold: fastest)', '');
  const rows = layers.map((l, i) => {
    const oks = l.variants.map(okMs).filter((m) => m !== null);
    const best = oks.length ? Math.min(...oks) : null;
    const p = s.perLayer[i];
    return [
      `${l.layer.id}${l.layer.note ? ` (${l.layer.note})` : ''}`,
      shape(l.outputShape),
      ((2 * l.usefulMacs) / 1e6).toFixed(1),
      cell(variant(l, 'tfjs'), best, notes),
      cell(variant(l, 'ort'), best, notes),
      ...kernels.map((k) => cell(variant(l, `ours:${k}`), best, notes)),
      p.autoKernel ?? '',
      p.autoVsBestKernel === null ? '' : `${p.autoVsBestKernel.toFixed(2)}× (${p.bestKernel})`,
      times(p.speedupVsBestPeer),
    ];
  });
  lines.push(
    ...table(
      [
        'layer',
        'output',
        'useful MFLOP',
        'TF.js',
        'ORT Web',
        ...kernels.map((k) => `ours: ${k}`),
        'auto picks',
        'auto vs our fastest',
        'auto vs best peer',
      ],
      rows,
      2,
    ),
  );
  lines.push('', '### Useful GFLOP/s (2 × MACs on non-inserted values / time)', '');
  const gf = (v) => (okMs(v) !== null && v.gflops ? v.gflops.toFixed(2) : '');
  lines.push(
    ...table(
      [
        'layer',
        'TF.js',
        'ORT Web',
        ...kernels.map((k) => `ours: ${k}`),
        'plain GEMM, same rounds',
        'auto / GEMM',
        'subpixel / GEMM',
      ],
      layers.map((l, i) => {
        const p = s.perLayer[i];
        const pct = (x) => (x === null ? '' : `${(100 * x).toFixed(0)}%`);
        return [
          l.layer.id,
          gf(variant(l, 'tfjs')),
          gf(variant(l, 'ort')),
          ...kernels.map((k) => gf(variant(l, `ours:${k}`))),
          p.roofGflops === null ? (r.roof.status === 'ok' ? '' : 'unavailable') : p.roofGflops.toFixed(2),
          pct(p.autoOfRoof),
          pct(p.subpixelOfRoof),
        ];
      }),
    ),
  );
  lines.push('', '### Cross-check: max |output − CPU reference|', '');
  lines.push(`Pass: every element within ${r.config.atol} + ${r.config.rtol}·|ref|.`, '');
  const e = (v) =>
    !v || v.maxAbsErr === undefined ? '' : `${v.maxAbsErr.toExponential(1)}${v.status === 'mismatch' ? ' ✗' : ''}`;
  lines.push(
    ...table(
      ['layer', 'CPU ref ms', 'TF.js', 'ORT Web', ...kernels.map((k) => `ours: ${k}`)],
      layers.map((l) => [
        l.layer.id,
        fmt(l.cpuMs),
        e(variant(l, 'tfjs')),
        e(variant(l, 'ort')),
        ...kernels.map((k) => e(variant(l, `ours:${k}`))),
      ]),
    ),
  );
  return lines;
}

function halfSection(r, h, notes) {
  const lines = ['', '## float16 beside float32 (our `auto`)', ''];
  lines.push(
    "Our engine with `dtype: 'float16'`: input uploaded as half, weights prepared as half, output half, float32 arithmetic; " +
      `storage ${r.float16Native ? "'f16' (shader-f16: halves read and written natively)" : "'f16-packed' (two halves per 32-bit word, unpacked in the shader)"}. ` +
      'Checked against the float64 CPU reference on the half-rounded input and filter: each element within one half ulp of the reference plus 1e-4 × max |reference|. ' +
      'TF.js has no float16; ORT Web is not run in float16 here. The peers columns of the suites above are float32.',
    '',
  );
  for (const [suite, s] of Object.entries(h.bySuite)) {
    lines.push(
      `- ${suite}: float16 time / float32 time, geomean: ${s.geomeanF16TimeOverF32 === null ? 'n/a' : `**${s.geomeanF16TimeOverF32.toFixed(2)}**`} over ${s.comparedLayers} layers (below 1: float16 is faster)`,
    );
  }
  lines.push('');
  lines.push(
    ...table(
      [
        'layer',
        'suite',
        'float32 ms',
        'float16 ms',
        'f16 / f32 time',
        'f16 vs best peer (f32)',
        'storage',
        'f16 kernel',
        'max |err|',
        'err / bound',
      ],
      h.perLayer.map((p) => {
        const l = r.layers.find((x) => x.layer.id === p.id);
        const v = variant(l, 'ours:f16:auto');
        return [
          p.id,
          p.suite,
          p.f32Ms === null ? '' : fmt(p.f32Ms),
          cell(v, null, notes),
          p.f16TimeOverF32 === null ? '' : p.f16TimeOverF32.toFixed(2),
          times(p.f16SpeedupVsBestPeer),
          p.storage ?? '',
          p.kernel ?? '',
          p.maxAbsErr === null ? '' : p.maxAbsErr.toExponential(1),
          p.errRatio === null ? '' : `${p.errRatio.toFixed(2)}${p.errRatio > 1 ? ' ✗' : ''}`,
        ];
      }),
    ),
  );
  return lines;
}

function generatorSection(r, gs, notes) {
  const gen = r.generator;
  const lines = ['', `## TF.js generator: ${gen.spec.model}`, ''];
  const layerText = gen.convLayers
    .map((c, i) => `${shape(c.inputShape)} → ${shape(c.outputShape)} (${gen.kernels[i]})`)
    .join('; ');
  lines.push(
    `A \`tf.layers\` model run by TF.js on its WebGPU backend (\`model.predict\`, NHWC): ${gen.convLayers.length} \`conv2dTranspose\` layers ` +
      `(k4, the first s1 'valid', the others s2 'same'), each but the last followed by \`batchNormalization\` and \`reLU\`, the last by tanh; ` +
      `${((2 * gen.usefulMacs) / 1e6).toFixed(0)} useful MFLOP in the transposed convolutions. ` +
      '`tfjs`: TF.js alone; `tfjs+ours`: the same model after `registerTfjsKernels(tf)` (our kernels registered at the start of each of their rounds and unregistered after; an untimed run after registering prepares the weights).',
    '',
    `Layers (NHWC) and the kernel our planner picks: ${layerText}.`,
    '',
    `- End to end, TF.js with our kernels vs TF.js alone: ${gs.speedup === null ? 'n/a' : `**${gs.speedup.toFixed(2)}×**`} (target ≥ 2×)`,
    '',
  );
  lines.push(
    ...table(
      [
        'variant',
        'median ms',
        'useful GFLOP/s (transposed convolutions / whole run)',
        'first run ms',
        "max |out − TF.js's|",
      ],
      gen.variants.map((v) => [
        v.id,
        v.status === 'ok'
          ? fmt(v.medianMs)
          : v.status === 'mismatch'
            ? `${fmt(v.medianMs)} ✗`
            : `${v.status} ${notes.ref(v.message ?? '')}`,
        v.gflops ? v.gflops.toFixed(2) : '',
        v.firstRunMs === undefined ? '' : fmt(v.firstRunMs),
        v.maxAbsErr === undefined ? '' : v.maxAbsErr.toExponential(1),
      ]),
    ),
  );
  if (gen.roof) lines.push('', `Plain GEMM in the same rounds: ${gen.roof.gflops.toFixed(2)} GFLOP/s.`);
  return lines;
}

/** The Markdown report (bench-results/latest.md). */
export function markdown(r) {
  const s = r.summary;
  const a = r.adapter;
  const notes = new Notes();
  const lines = [];
  lines.push(`# Benchmark results`, '');
  lines.push(`- Command: \`${r.command}\``);
  lines.push(`- Date: ${r.date}${r.durationS ? `; the run took ${Math.round(r.durationS)} s` : ''}`);
  lines.push(
    `- Adapter: ${adapterName(a)}` +
      (a.isFallbackAdapter ? ' (fallback adapter)' : '') +
      (r.engineSoftware === null || r.engineSoftware === undefined
        ? ''
        : `; our planner treats it as ${r.engineSoftware ? 'software' : 'hardware'}`) +
      (r.features ? `; device features: ${r.features.join(', ') || 'none'}` : ''),
  );
  lines.push(`- Browser: ${r.userAgent}`);
  lines.push(
    `- Host: ${r.host.cpus} CPUs; 1-minute load average ${r.host.loadAvgStart[0].toFixed(1)} at start, ${r.host.loadAvgEnd[0].toFixed(1)} at end`,
  );
  lines.push(
    `- Peers: TF.js ${r.versions['tfjs-core']} (WebGPU backend), onnxruntime-web ${r.versions['onnxruntime-web']} (WebGPU EP)`,
  );
  if (r.kernelsRegistered) {
    const missing = (r.kernels ?? []).filter((k) => !r.kernelsRegistered.includes(k));
    lines.push(
      `- Our kernels in this build: ${r.kernelsRegistered.join(', ')}` +
        (missing.length ? `; not in this build (reported as errors): ${missing.join(', ')}` : ''),
    );
  }
  lines.push(
    `- Method: one GPUDevice for all engines, data resident, median over ${r.config.rounds} rounds of R back-to-back runs ending in one wait for the queue (a 1-element readback; onSubmittedWorkDone for ours); our engine in ${r.config.layout === 'nhwc' ? 'channels last' : 'channels first'}.`,
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
      : `- Practical roof: ${r.roof.status === 'unavailable' ? '' : 'not measured: '}${r.roof.message}`,
  );
  if (r.layers.some((l) => l.roof)) {
    lines.push(
      `- The faster GEMM variant is also timed in every layer's interleaved rounds; each layer's share of the roof is taken against that rate, measured under the same load.`,
    );
  }

  lines.push('', '## Summary (measured here, never asserted)', '');
  const half = s.float16?.bySuite ?? {};
  lines.push(
    ...table(
      [
        'suite',
        'layers',
        '`auto` vs best peer, geomean (target ≥ 3×)',
        'layers slower than the best peer',
        '`auto` > 10% slower than our fastest kernel',
        'float16 / float32 time, geomean',
      ],
      Object.entries(s.suites).map(([suite, x]) => [
        suite,
        String(x.layers),
        x.geomeanSpeedupVsBestPeer === null
          ? 'n/a'
          : `**${x.geomeanSpeedupVsBestPeer.toFixed(2)}×** (${x.comparedLayers} layers)`,
        x.layersSlowerThanBestPeer.join(', ') || 'none',
        x.layersAutoOver10PctOfBestKernel.join(', ') || 'none',
        half[suite]?.geomeanF16TimeOverF32 ? half[suite].geomeanF16TimeOverF32.toFixed(2) : '',
      ]),
    ),
  );
  if (s.generator) {
    lines.push(
      '',
      `- TF.js generator (${s.generator.id}), end to end with our kernels vs without: ${s.generator.speedup === null ? 'n/a' : `**${s.generator.speedup.toFixed(2)}×**`} (target ≥ 2×)`,
    );
  }
  if (s.kernelsUnavailable?.length) {
    lines.push('', `Kernels not in this build, reported as errors in the tables: ${s.kernelsUnavailable.join(', ')}.`);
  }

  for (const suite of Object.keys(s.suites)) {
    const layers = r.layers.filter((l) => suiteOf(l) === suite);
    lines.push(...suiteSection(r, suite, layers, s.suites[suite], notes));
  }
  if (s.float16?.perLayer.length) lines.push(...halfSection(r, s.float16, notes));
  if (r.generator && s.generator) lines.push(...generatorSection(r, s.generator, notes));
  lines.push('', '—: our kernel refuses this geometry (UNSUPPORTED_BY_KERNEL). ✗: differs from the reference.');
  if (notes.list.length) lines.push('', 'Notes:', '', ...notes.lines());
  return `${lines.join('\n')}\n`;
}

// --- chart ------------------------------------------------------------------------

const COLORS = {
  tfjs: '#e8710a',
  ort: '#7b3fb5',
  'ours:auto': '#111111',
  'ours:f16:auto': '#f4b400',
  'ours:subpixel': '#1a73e8',
  'ours:im2col-gemm': '#34a853',
  'ours:gemm-col2im': '#00a5a8',
  'ours:scatter': '#c5221f',
  'ours:zero-insertion': '#9aa0a6',
};

function esc(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Horizontal bars, ms per layer for each engine and kernel, log scale. Variants that ran
 * on no layer (kernels not in the build) are left out.
 */
export function chart(r) {
  const all = r.layers.flatMap((l) => l.variants.map((v) => v.id));
  const ids = [...new Set(all)].filter((id) => r.layers.some((l) => okMs(variant(l, id)) !== null));
  const label = (id) =>
    ({ tfjs: 'TF.js', ort: 'ORT Web', 'ours:f16:auto': 'ours: auto, float16' })[id] ?? id.replace('ours:', 'ours: ');
  const msAll = r.layers.flatMap((l) => l.variants.map(okMs)).filter((m) => m !== null && m > 0);
  const lo = Math.pow(10, Math.floor(Math.log10(Math.min(...msAll, 1))));
  const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...msAll, 10))));
  const left = 270;
  const plotW = 560;
  const bar = 11;
  const gap = 14;
  const top = 60;
  const x = (ms) => left + (plotW * Math.log10(ms / lo)) / Math.log10(hi / lo);
  const groupH = ids.length * bar + gap;
  const height = top + r.layers.length * groupH + 30;
  const width = left + plotW + 170;
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
      `<text x="${left - 8}" y="${y0 + (ids.length * bar) / 2 + 4}" text-anchor="end">${esc(`${suiteOf(l)}: ${l.layer.id}`)}</text>`,
    );
    ids.forEach((id, i) => {
      const v = variant(l, id);
      const y = y0 + i * bar;
      const ms = okMs(v);
      if (ms === null) {
        const why = !v ? '' : v.status === 'unsupported' && v.engine === 'ours' ? '—' : v.status;
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
