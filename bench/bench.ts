/**
 * The benchmark page. scripts/bench.mjs loads it in headless Chromium and drives it
 * through `window.bench`: `init(config)` once, then `gemmRoof()`, `runLayer(id)` per layer
 * of the selected suites (1-D, 2-D, 3-D), `runGenerator(id)` for the TF.js generator, and
 * `gemmRoof()` again.
 *
 * Every engine runs on one GPUDevice (so on the same adapter), with the same input
 * values, and with its data resident: inputs and weights are on the GPU before
 * timing, a round enqueues R runs back to back and ends with one wait for the last
 * output. The result is the median over rounds of (round time / R). Rounds of all
 * variants of a layer, and of the plain GEMM that sets the practical roof, are
 * interleaved so that background noise hits them alike.
 */
import * as tf from '@tensorflow/tfjs-core';
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import * as ort from 'onnxruntime-web/webgpu';
import {
  convTransposeCpu,
  createEngine,
  fromHalf,
  KERNEL_NAMES,
  resolveConvTranspose,
  toHalf,
  type Engine,
  type KernelName,
} from '../src/index.js';
import { allKernels } from '../src/gpu/kernels/registry.js';
import { channelsLastShape, compare, compareHalfOutput, fmtMs, maxAbsDiff, random, seedOf } from './data.js';
import { oursOptions, prepareOrt, prepareOurs, prepareTf, type LayerData } from './engines.js';
import { runGenerator } from './generator.js';
import {
  BenchGpu,
  calibrate,
  calibrationLine,
  interleave,
  medianOf,
  message,
  Skip,
  type Prepared,
  type Timed,
} from './gpu.js';
import { measureRoof, type RoofGemm } from './roof.js';
import { GENERATOR, SMOKE_GENERATOR, suiteLayers, type BenchLayerNd, type SuiteName } from './suite.js';
import type { BenchConfig, BenchInfo, GeneratorResult, LayerResult, RoofResult, VariantResult } from './types.js';

export type * from './types.js';

interface BenchApi {
  init(config: BenchConfig): Promise<BenchInfo>;
  runLayer(id: string): Promise<LayerResult>;
  runGenerator(id: string): Promise<GeneratorResult>;
  gemmRoof(): Promise<RoofResult>;
}

declare global {
  interface Window {
    bench?: BenchApi;
    /** Exposed by scripts/bench.mjs: prints a progress line in the terminal. */
    benchProgress?: (line: string) => Promise<void>;
  }
}

let config: BenchConfig;
let gpu: BenchGpu;
let ours: Engine | null = null;
let oursError = '';
let tfError = '';
/**
 * The faster plain-GEMM variant of the last `gemmRoof()`, prepared once (buffers and CPU
 * product) and timed again in every later layer's rounds; null before it ran or without one.
 */
let roofGemm: RoofGemm | null = null;

const logEl = document.getElementById('log');

function progress(line: string): void {
  if (logEl) logEl.textContent += `${line}\n`;
  void window.benchProgress?.(line);
}

const tolerance = () => ({ atol: config.atol, rtol: config.rtol });

// --- setup ----------------------------------------------------------------------

async function init(cfg: BenchConfig): Promise<BenchInfo> {
  config = cfg;
  if (!navigator.gpu) throw new Error('navigator.gpu is missing: WebGPU is not enabled in this browser');
  const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('navigator.gpu.requestAdapter() returned null: no WebGPU adapter');
  const adapterInfo = adapter.info;
  // One device for every engine, with the adapter's limits for sizes all of them ask for.
  const names = [
    'maxStorageBufferBindingSize',
    'maxBufferSize',
    'maxComputeWorkgroupStorageSize',
    'maxComputeInvocationsPerWorkgroup',
    'maxComputeWorkgroupSizeX',
    'maxComputeWorkgroupSizeY',
    'maxComputeWorkgroupSizeZ',
    'maxComputeWorkgroupsPerDimension',
    'maxStorageBuffersPerShaderStage',
  ] as const;
  const requiredLimits: Record<string, number> = {};
  for (const name of names) requiredLimits[name] = adapter.limits[name];
  // shader-f16 where the adapter has it, as our engine requests it for itself: float16 is then
  // read and written natively (else packed two per 32-bit word).
  const requiredFeatures: GPUFeatureName[] = adapter.features.has('shader-f16') ? ['shader-f16'] : [];
  const device = await adapter.requestDevice({ label: 'bench', requiredLimits, requiredFeatures });
  gpu = new BenchGpu(device, progress);

  // TF.js: replace the auto-registered factory (which requests its own adapter) by one on our device.
  try {
    tf.removeBackend('webgpu');
    tf.registerBackend('webgpu', () => new WebGPUBackend(device, adapterInfo), 3);
    if (!(await tf.setBackend('webgpu'))) throw new Error('tf.setBackend("webgpu") failed');
    await tf.ready();
  } catch (e) {
    tfError = message(e);
  }

  // onnxruntime-web: single-threaded wasm (the page is not cross-origin isolated),
  // its files served by the same origin.
  ort.env.wasm.wasmPaths = cfg.ortWasmPath;
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'error';

  try {
    ours = await createEngine({ device, fallback: 'none' });
  } catch (e) {
    oursError = message(e);
  }

  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  return {
    userAgent: navigator.userAgent,
    adapter: {
      vendor: info.vendor,
      architecture: info.architecture,
      device: info.device,
      description: info.description,
      isFallbackAdapter:
        info.isFallbackAdapter ?? (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? false,
    },
    features: [...device.features].sort(),
    versions: {
      'tfjs-core': tf.version_core,
      'onnxruntime-web': ort.env.versions.web ?? '?',
    },
    suites: cfg.suites.map((suite) => ({
      suite,
      layers:
        suite === 'generator'
          ? [generatorSpec()].map((g) => ({ id: g.id, model: g.model }))
          : suiteLayers(suite, cfg.smoke).map((l) => ({ id: l.id, model: l.model })),
    })),
    kernels: [...KERNEL_NAMES],
    kernelsRegistered: allKernels().map((k) => k.name),
    engineSoftware: ours ? ours.software : null,
    float16Native: ours ? ours.float16Native : null,
    ...(oursError ? { engineError: oursError } : {}),
  };
}

function generatorSpec() {
  return config.smoke ? SMOKE_GENERATOR : GENERATOR;
}

// --- one layer ------------------------------------------------------------------

/** A variant of a layer: what it reports and how to prepare it. */
interface Candidate {
  result: VariantResult;
  prepare: () => Prepared | Promise<Prepared>;
  /** The reference its output is checked against. */
  check: (out: Float32Array) => { maxAbsErr: number; errRatio: number };
}

/** The reason a variant did not run: a known skip, our kernel's refusal, or an error. */
function fail(result: VariantResult, e: unknown): void {
  const err = e as { code?: unknown };
  if (e instanceof Skip) {
    result.status = e.status;
  } else if (err.code === 'UNSUPPORTED_BY_KERNEL') {
    result.status = 'unsupported';
  } else {
    result.status = 'error';
  }
  if (result.engine === 'ours' && typeof err.code === 'string') result.code = err.code;
  result.message = message(e);
}

function findLayer(id: string): { suite: SuiteName; layer: BenchLayerNd } {
  for (const suite of ['2d', '1d', '3d'] as const) {
    for (const smoke of [false, true]) {
      const layer = suiteLayers(suite, smoke).find((l) => l.id === id);
      if (layer) return { suite, layer };
    }
  }
  throw new Error(`no layer ${id}`);
}

async function runLayer(id: string): Promise<LayerResult> {
  const { suite, layer } = findLayer(id);
  const rank = layer.inputShape.length - 2;
  const options = {
    strides: layer.strides,
    padding: layer.padding,
    outputPadding: layer.outputPadding,
    groups: layer.groups,
  };
  const g = resolveConvTranspose(layer.inputShape, layer.filterShape, options);
  // Weights scaled so that outputs are O(1) whatever the fan-in.
  const taps = g.kernelSizes.reduce((a, k) => a * k, 1);
  const fanIn = (g.inChannelsPerGroup * taps) / g.strides.reduce((a, s) => a * s, 1);
  const seed = seedOf(id);
  const x = random(g.inputSize, seed);
  const w = random(g.filterSize, seed + 1, 1 / Math.sqrt(fanIn));
  const outputShape = g.outputShape;

  const t0 = performance.now();
  const ref = convTransposeCpu(x, layer.inputShape, w, layer.filterShape, options).data;
  const cpuMs = performance.now() - t0;
  progress(
    `  CPU reference ${fmtMs(cpuMs)} ms; output ${outputShape.join('×')}, ${(g.usefulMacs / 1e6).toFixed(1)} M useful MACs`,
  );
  // float16: the reference is the same convolution of the half-rounded input and filter.
  const half = config.dtypes.includes('float16');
  const refHalf = half
    ? convTransposeCpu(fromHalf(toHalf(x)), layer.inputShape, fromHalf(toHalf(w)), layer.filterShape, options).data
    : null;

  const data: LayerData = { layer, rank, x, w, outputShape };
  const channelsLast = config.layout === 'nhwc';
  const engine = () => {
    if (!ours) throw new Error(oursError);
    return ours;
  };
  const check32 = (out: Float32Array) => compare(out, ref, tolerance());
  const oursCandidate = (kernel: KernelName | 'auto', dtype: 'float32' | 'float16'): Candidate => ({
    result: {
      id: dtype === 'float16' ? `ours:f16:${kernel}` : `ours:${kernel}`,
      engine: 'ours',
      kernel,
      dtype,
      status: 'ok',
    },
    prepare: () => prepareOurs(engine(), data, kernel, dtype, channelsLast),
    check: dtype === 'float16' ? (out) => compareHalfOutput(out, refHalf!) : check32,
  });
  const candidates: Candidate[] = [
    { result: { id: 'tfjs', engine: 'tfjs', status: 'ok' }, prepare: () => prepareTf(data, tfError), check: check32 },
    { result: { id: 'ort', engine: 'ort', status: 'ok' }, prepare: () => prepareOrt(gpu, data), check: check32 },
    ...(config.dtypes.includes('float32')
      ? (['auto', ...KERNEL_NAMES] as const).map((k) => oursCandidate(k, 'float32'))
      : []),
    ...(half ? [oursCandidate('auto', 'float16')] : []),
  ];

  // Prepare, warm up (compiles pipelines) and calibrate runs per round.
  const live: { c: Candidate; t: Timed }[] = [];
  for (const c of candidates) {
    const v = c.result;
    if (v.engine === 'ours' && ours) {
      try {
        const shape = channelsLast ? channelsLastShape(layer.inputShape) : layer.inputShape;
        v.storage = ours.plan(shape, layer.filterShape, {
          ...oursOptions(data, channelsLast),
          kernel: v.kernel as KernelName | 'auto',
          dtype: v.dtype,
        })?.storage;
      } catch {
        // The variant's own preparation reports why it cannot run.
      }
    }
    let p: Prepared | null = null;
    try {
      p = await gpu.charged(v.id, () => c.prepare());
      const { timed, firstRunMs, oneMs } = await calibrate(gpu, v.id, p, config);
      live.push({ c, t: timed });
      v.firstRunMs = firstRunMs;
      v.runsPerRound = timed.runs;
      v.samplesMs = timed.samples;
      progress(calibrationLine(v.id, firstRunMs, oneMs, timed));
    } catch (e) {
      p?.dispose();
      fail(v, e);
      progress(`  ${v.id.padEnd(20)} ${v.status}: ${v.message}`);
    }
  }

  // The roof's GEMM joins the rounds (see LayerResult.roof); a failure there costs the layer
  // its same-rounds rate only.
  const gemm: Timed | null = roofGemm
    ? { id: 'gemm', p: roofGemm.p, runs: roofGemm.runs, rounds: config.rounds, samples: [] }
    : null;
  await interleave(gpu, [...(gemm ? [gemm] : []), ...live.map((l) => l.t)], config.rounds);

  // Cross-check the last output of every variant against the CPU and each other.
  const outputs = new Map<string, Float32Array>();
  for (const { c, t } of live) {
    const v = c.result;
    if (t.error !== undefined) {
      v.status = 'error';
      v.message = t.error;
    }
    try {
      const out = await t.p.read();
      outputs.set(v.id, out);
      Object.assign(v, c.check(out));
      if (v.status === 'ok' && !((v.errRatio ?? Infinity) <= 1)) v.status = 'mismatch';
    } catch (e) {
      fail(v, e);
    }
    if (v.kernel === 'auto') {
      const chosen = t.p.chosenKernel?.();
      if (chosen) v.chosenKernel = chosen;
    }
    t.p.dispose();
  }
  for (const { c, t } of live) {
    const v = c.result;
    const out = outputs.get(v.id);
    if (out) {
      v.diffVs = {};
      for (const [other, o] of outputs) if (other !== v.id) v.diffVs[other] = maxAbsDiff(out, o);
    }
    const ms = medianOf(t);
    if (ms !== null) {
      v.medianMs = ms;
      v.gflops = (2 * g.usefulMacs) / (ms * 1e6);
    }
    progress(
      `  ${v.id.padEnd(20)} ${v.status.padEnd(8)} ${ms === null ? '' : `${fmtMs(ms)} ms`}` +
        (v.gflops === undefined ? '' : `, ${v.gflops.toFixed(2)} GFLOP/s`) +
        `; max |err| ${v.maxAbsErr?.toExponential(1)}` +
        (v.chosenKernel ? `; picked ${v.chosenKernel}` : '') +
        (v.storage && v.dtype === 'float16' ? ` (${v.storage})` : '') +
        (v.message ? `; ${v.message}` : ''),
    );
  }
  return {
    suite,
    rank,
    layer,
    outputShape: [...outputShape],
    usefulMacs: g.usefulMacs,
    cpuMs,
    variants: candidates.map((c) => c.result),
    ...sameRoundsRoof(gemm),
  };
}

/** The GEMM's rate in a layer's own rounds, when it ran and still matches the CPU product. */
function sameRoundsRoof(gemm: Timed | null): { roof?: LayerResult['roof'] } {
  if (!gemm || !roofGemm) return {};
  const n = roofGemm.n;
  const ms = medianOf(gemm);
  const why = gemm.error ?? (ms === null ? 'no samples' : '');
  if (why) {
    progress(`  plain GEMM ${n}³ (${roofGemm.variant}), same rounds: ${why}`);
    return {};
  }
  const roof = { variant: roofGemm.variant, medianMs: ms!, gflops: (2 * n ** 3) / (ms! * 1e6) };
  progress(
    `  plain GEMM ${n}³ (${roofGemm.variant}), same rounds: ${fmtMs(roof.medianMs)} ms, ${roof.gflops.toFixed(2)} GFLOP/s`,
  );
  return { roof };
}

// --- the roof and the generator ------------------------------------------------

async function gemmRoof(): Promise<RoofResult> {
  roofGemm?.p.dispose();
  roofGemm = null;
  const { result, best } = await measureRoof(gpu, config, tolerance(), progress);
  roofGemm = best;
  return result;
}

async function generator(id: string): Promise<GeneratorResult> {
  const spec = generatorSpec();
  if (spec.id !== id) throw new Error(`no generator ${id}; known: ${spec.id}`);
  if (tfError) throw new Error(`TF.js's WebGPU backend did not start: ${tfError}`);
  return runGenerator(gpu, spec, config, tolerance(), ours, roofGemm, progress);
}

window.bench = { init, runLayer, runGenerator: generator, gemmRoof };
