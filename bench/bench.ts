/**
 * The benchmark page. scripts/bench.mjs loads it in headless Chromium and drives it
 * through `window.bench`: `init(config)` once, then `runLayer(id)` per layer and
 * `gemmRoof()`.
 *
 * Every engine runs on one GPUDevice (so on the same adapter), with the same input
 * values, and with its data resident: inputs and weights are on the GPU before
 * timing, a round enqueues R runs back to back and ends with one tiny readback of
 * the last output (4 bytes), which waits for all of them. The result is the median
 * over rounds of (round time / R). Rounds of all variants of a layer, and of the
 * plain GEMM that sets the practical roof, are interleaved so that background noise
 * hits them alike.
 */
import * as tf from '@tensorflow/tfjs-core';
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import * as ort from 'onnxruntime-web/webgpu';
import {
  convTranspose2dCpu,
  createEngine,
  KERNEL_NAMES,
  resolveConvTranspose2d,
  type Engine,
  type GPUTensor,
  type KernelName,
} from '../src/index.js';
import { CallContext } from '../src/gpu/context.js';
import { encodeMatmul, type GemmVariant } from '../src/gpu/kernels/gemm/index.js';
import { convTransposeModel } from '../test/helpers/onnx-model.js';
import { SMOKE, SUITE, type BenchLayer } from './suite.js';

/** Settings sent by scripts/bench.mjs. */
export interface BenchConfig {
  smoke: boolean;
  /** Layer ids to run; all of the suite when empty. */
  layers: string[];
  /** Timed rounds per variant. */
  rounds: number;
  /** Runs per round are chosen so that a round lasts about this long. */
  targetRoundMs: number;
  maxRunsPerRound: number;
  /** Variants slower than this per run get only 3 rounds. */
  slowRunMs: number;
  /** Directory URL (same origin) of onnxruntime-web's .wasm files. */
  ortWasmPath: string;
  /** Activation layout our engine is given ('nchw' is PyTorch's, 'nhwc' TF's). */
  layout: 'nchw' | 'nhwc';
  /** Elementwise tolerance of the cross-check: |a − ref| ≤ atol + rtol·|ref|. */
  atol: number;
  rtol: number;
}

/** Outcome of one engine (or one of our kernels) on one layer. */
export interface VariantResult {
  /** 'tfjs', 'ort', 'ours:auto', 'ours:subpixel', … */
  id: string;
  engine: 'tfjs' | 'ort' | 'ours';
  kernel?: string;
  /**
   * ok: ran and matched the CPU reference; mismatch: ran but differs;
   * unsupported: our kernel refuses the geometry (UNSUPPORTED_BY_KERNEL);
   * n/a: the engine has no such operation; error: it threw.
   */
  status: 'ok' | 'mismatch' | 'unsupported' | 'n/a' | 'error';
  message?: string;
  /** For 'ours:auto': the kernel the planner picked. */
  chosenKernel?: string;
  /** First run including pipeline compilation, ms. */
  firstRunMs?: number;
  runsPerRound?: number;
  samplesMs?: number[];
  medianMs?: number;
  /** Useful GFLOP/s: 2 × usefulMacs / median time. */
  gflops?: number;
  /** Max |out − cpu|. */
  maxAbsErr?: number;
  /** Max of |out − cpu| / (atol + rtol·|cpu|); ≤ 1 passes. */
  errRatio?: number;
  /** Max |out − other| against each other engine's output. */
  diffVs?: Record<string, number>;
}

/** Everything measured on one layer. */
export interface LayerResult {
  layer: BenchLayer;
  /** NCHW. */
  outputShape: number[];
  usefulMacs: number;
  cpuMs: number;
  variants: VariantResult[];
  /**
   * The roof's GEMM (the variant `gemmRoof` found faster) timed in this layer's interleaved
   * rounds, so that a layer's share of the roof compares rates measured under the same load.
   */
  roof?: { variant: GemmVariant; medianMs: number; gflops: number };
}

/** The plain GEMM rate of our engine on this adapter. */
export interface RoofResult {
  status: 'ok' | 'error';
  message?: string;
  m?: number;
  n?: number;
  k?: number;
  /** The faster GEMM variant, whose rate is the roof. */
  variant?: string;
  medianMs?: number;
  gflops?: number;
  /** GFLOP/s of each variant. */
  variants?: Record<string, number>;
}

/** What `init` reports about the page and the adapter. */
export interface BenchInfo {
  userAgent: string;
  adapter: Record<string, string | boolean>;
  versions: Record<string, string>;
  layers: { id: string; model: string }[];
  kernels: string[];
  /** Whether our planner treats the adapter as software (SwiftShader); null when the engine failed. */
  engineSoftware: boolean | null;
  /** Why our engine could not be created, if it could not. */
  engineError?: string;
}

interface BenchApi {
  init(config: BenchConfig): Promise<BenchInfo>;
  runLayer(id: string): Promise<LayerResult>;
  gemmRoof(): Promise<RoofResult>;
}

declare global {
  interface Window {
    bench?: BenchApi;
    /** Exposed by scripts/bench.mjs: prints a progress line in the terminal. */
    benchProgress?: (line: string) => Promise<void>;
  }
}

/** A variant that cannot run for a reason known in advance (shown as n/a or —). */
class Skip extends Error {
  constructor(
    readonly status: 'unsupported' | 'n/a',
    message: string,
  ) {
    super(message);
  }
}

/** One engine or kernel, prepared on one layer, with its data resident. */
interface Prepared {
  /** Enqueues one run. */
  run(): void | Promise<void>;
  /** Waits for every enqueued run, through a 4-byte readback of the last output. */
  sync(): Promise<void>;
  /** The last output, NCHW. */
  read(): Promise<Float32Array>;
  dispose(): void;
  chosenKernel?: () => string | undefined;
}

let config: BenchConfig;
let device: GPUDevice;
let adapterInfo: GPUAdapterInfo;
let ours: Engine | null = null;
let oursError = '';
let tfError = '';
let stagingBuffer: GPUBuffer;
/**
 * The faster plain-GEMM variant of the last `gemmRoof()`, prepared once (buffers and CPU
 * product) and timed again in every later layer's rounds; null before it ran.
 */
let roofGemm: { p: PreparedGemm; variant: GemmVariant; runs: number } | null = null;
/** The variant running now, so that an uncaptured WebGPU error is charged to it. */
let current: { id: string; errors: string[] } | null = null;

const logEl = document.getElementById('log');

function progress(line: string): void {
  if (logEl) logEl.textContent += `${line}\n`;
  void window.benchProgress?.(line);
}

function message(e: unknown): string {
  return e instanceof Error ? `${e.name === 'Error' ? '' : `${e.name}: `}${e.message}` : String(e);
}

// --- data -----------------------------------------------------------------------

/** Seeded uniform [-1, 1) values (mulberry32), so every run of the suite uses the same data. */
function random(size: number, seed: number, scale = 1): Float32Array<ArrayBuffer> {
  let a = seed >>> 0;
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1) * scale;
  }
  return out;
}

/** Permutes a 4-D array: output axis j is input axis perm[j]. */
function permute(data: Float32Array, shape: readonly number[], perm: readonly number[]): Float32Array<ArrayBuffer> {
  const [, d1, d2, d3] = shape as [number, number, number, number];
  const inStrides = [d1 * d2 * d3, d2 * d3, d3, 1];
  const outShape = perm.map((p) => shape[p] ?? 1);
  const s = perm.map((p) => inStrides[p] ?? 0) as [number, number, number, number];
  const [o0, o1, o2, o3] = outShape as [number, number, number, number];
  const out = new Float32Array(data.length);
  let i = 0;
  for (let a = 0; a < o0; a++)
    for (let b = 0; b < o1; b++)
      for (let c = 0; c < o2; c++)
        for (let d = 0; d < o3; d++) out[i++] = data[a * s[0] + b * s[1] + c * s[2] + d * s[3]] as number;
  return out;
}

const NCHW_TO_NHWC = [0, 2, 3, 1];
const NHWC_TO_NCHW = [0, 3, 1, 2];

function nhwcShape([n, c, h, w]: readonly number[]): number[] {
  return [n ?? 1, h ?? 1, w ?? 1, c ?? 1];
}

// --- GPU helpers ----------------------------------------------------------------

function align4(bytes: number): number {
  return Math.ceil(bytes / 16) * 16;
}

function createStorage(data: Float32Array<ArrayBuffer> | number, label: string): GPUBuffer {
  const floats = typeof data === 'number' ? data : data.length;
  const buffer = device.createBuffer({
    label: `bench:${label}`,
    size: align4(floats * 4),
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
  });
  if (typeof data !== 'number') device.queue.writeBuffer(buffer, 0, data);
  return buffer;
}

/** Copies 4 bytes of `buffer` out and maps them: waits for all work submitted before. */
async function tinyReadback(buffer: GPUBuffer): Promise<void> {
  const encoder = device.createCommandEncoder({ label: 'bench:sync' });
  encoder.copyBufferToBuffer(buffer, 0, stagingBuffer, 0, 4);
  device.queue.submit([encoder.finish()]);
  await stagingBuffer.mapAsync(GPUMapMode.READ);
  stagingBuffer.unmap();
}

async function readBuffer(buffer: GPUBuffer, floats: number): Promise<Float32Array> {
  const staging = device.createBuffer({
    label: 'bench:read',
    size: align4(floats * 4),
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  const encoder = device.createCommandEncoder({ label: 'bench:read' });
  encoder.copyBufferToBuffer(buffer, 0, staging, 0, staging.size);
  device.queue.submit([encoder.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const out = new Float32Array(staging.getMappedRange().slice(0, floats * 4));
  staging.destroy();
  return out;
}

// --- setup ----------------------------------------------------------------------

async function init(cfg: BenchConfig): Promise<BenchInfo> {
  config = cfg;
  if (!navigator.gpu) throw new Error('navigator.gpu is missing: WebGPU is not enabled in this browser');
  const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('navigator.gpu.requestAdapter() returned null: no WebGPU adapter');
  adapterInfo = adapter.info;
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
  device = await adapter.requestDevice({ label: 'bench', requiredLimits });
  device.addEventListener('uncapturederror', (event) => {
    const text = (event as GPUUncapturedErrorEvent).error.message;
    if (current) current.errors.push(text);
    else progress(`WebGPU error outside any variant: ${text}`);
  });
  stagingBuffer = device.createBuffer({
    label: 'bench:sync',
    size: 4,
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });

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
    versions: {
      'tfjs-core': tf.version_core,
      'onnxruntime-web': ort.env.versions.web ?? '?',
    },
    layers: (cfg.smoke ? SMOKE : SUITE).map((l) => ({ id: l.id, model: l.model })),
    kernels: ['auto', ...(ours?.kernels ?? KERNEL_NAMES)],
    engineSoftware: ours ? ours.software : null,
    ...(oursError ? { engineError: oursError } : {}),
  };
}

// --- engines --------------------------------------------------------------------

interface LayerData {
  layer: BenchLayer;
  /** NCHW input and iohw filter. */
  x: Float32Array<ArrayBuffer>;
  w: Float32Array<ArrayBuffer>;
  outputShape: [number, number, number, number];
}

function prepareTf(d: LayerData): Prepared {
  if (tfError) throw new Error(tfError);
  const { layer, x, w, outputShape } = d;
  const [n, c, h, wd] = layer.inputShape;
  const [, ocg, kh, kw] = layer.filterShape;
  const [, oc, oh, ow] = outputShape;
  const [pt, pb, pl, pr] = layer.padding;
  const pad: [[number, number], [number, number], [number, number], [number, number]] = [
    [0, 0],
    [pt, pb],
    [pl, pr],
    [0, 0],
  ];
  const xT = tf.tensor4d(permute(x, layer.inputShape, NCHW_TO_NHWC), [n, h, wd, c]);
  let op: () => tf.Tensor4D;
  let fT: tf.Tensor4D;
  if (layer.groups === 1) {
    // TF filter: [kH, kW, C_out, C_in].
    fT = tf.tensor4d(permute(w, layer.filterShape, [2, 3, 1, 0]), [kh, kw, oc, c]);
    op = () => tf.conv2dTranspose(xT, fT, [n, oh, ow, oc], layer.strides, pad);
  } else if (layer.groups === c && ocg === 1) {
    // Depthwise transposed convolution = the input gradient of depthwiseConv2d,
    // a kernel TF.js has (DepthwiseConv2dNativeBackpropInput) but no public op for.
    fT = tf.tensor4d(permute(w, layer.filterShape, [2, 3, 0, 1]), [kh, kw, c, 1]);
    op = () =>
      tf
        .engine()
        .runKernel(
          tf.DepthwiseConv2dNativeBackpropInput,
          { dy: xT, filter: fT },
          { strides: layer.strides, dilations: [1, 1], pad, inputShape: [n, oh, ow, oc] },
        ) as tf.Tensor4D;
  } else {
    xT.dispose();
    throw new Skip('n/a', 'TF.js has no grouped transposed convolution');
  }
  let last: tf.Tensor4D | null = null;
  return {
    run() {
      last?.dispose();
      last = op();
    },
    async sync() {
      if (!last) return;
      const one = tf.slice(last, [0, 0, 0, 0], [1, 1, 1, 1]);
      await one.data();
      one.dispose();
    },
    async read() {
      if (!last) throw new Error('no output');
      const data = (await last.data()) as Float32Array;
      return permute(data, [n, oh, ow, oc], NHWC_TO_NCHW);
    },
    dispose() {
      last?.dispose();
      xT.dispose();
      fT.dispose();
    },
  };
}

async function prepareOrt(d: LayerData): Promise<Prepared> {
  const { layer, x, w, outputShape } = d;
  const [pt, pb, pl, pr] = layer.padding;
  const model = convTransposeModel(
    layer.inputShape,
    layer.filterShape,
    {
      kernel_shape: [layer.filterShape[2], layer.filterShape[3]],
      strides: [...layer.strides],
      dilations: [1, 1],
      pads: [pt, pl, pb, pr],
      output_padding: [...layer.outputPadding],
      group: layer.groups,
    },
    false,
    17,
    { weight: w, yShape: outputShape },
  );
  const session = await ort.InferenceSession.create(model, {
    executionProviders: [{ name: 'webgpu', device }],
    preferredOutputLocation: 'gpu-buffer',
    graphOptimizationLevel: 'all',
  });
  const outSize = outputShape.reduce((a, b) => a * b, 1);
  const xBuf = createStorage(x, 'ort:x');
  const yBuf = createStorage(outSize, 'ort:y');
  // Resident input and a pre-bound output (ORT's IO binding), so a run copies nothing.
  const xT = ort.Tensor.fromGpuBuffer(xBuf, { dataType: 'float32', dims: layer.inputShape });
  const yT = ort.Tensor.fromGpuBuffer(yBuf, { dataType: 'float32', dims: outputShape });
  return {
    async run() {
      await session.run({ X: xT }, { Y: yT });
    },
    sync: () => tinyReadback(yBuf),
    read: () => readBuffer(yBuf, outSize),
    dispose() {
      void session.release();
      xBuf.destroy();
      yBuf.destroy();
    },
  };
}

function prepareOurs(d: LayerData, kernel: KernelName | 'auto'): Prepared {
  if (!ours) throw new Error(oursError);
  const engine = ours;
  const { layer, x, w, outputShape } = d;
  const nhwc = config.layout === 'nhwc';
  const layerObj = engine.createConvTranspose2d(w, [...layer.filterShape], {
    strides: layer.strides,
    padding: layer.padding,
    outputPadding: layer.outputPadding,
    groups: layer.groups,
    inputLayout: config.layout,
    kernel,
  });
  const xG = nhwc
    ? engine.upload(permute(x, layer.inputShape, NCHW_TO_NHWC), nhwcShape(layer.inputShape))
    : engine.upload(x, [...layer.inputShape]);
  let last: GPUTensor | null = null;
  return {
    run() {
      last?.destroy();
      last = layerObj.run(xG);
    },
    // layer.run submits its work at once, so the queue's completion covers every run.
    sync: () => device.queue.onSubmittedWorkDone(),
    async read() {
      if (!last) throw new Error('no output');
      const data = await last.read();
      return nhwc ? permute(data, nhwcShape(outputShape), NHWC_TO_NCHW) : data;
    },
    dispose() {
      last?.destroy();
      xG.destroy();
      layerObj.destroy();
    },
    chosenKernel: () => layerObj.kernelFor(xG.shape),
  };
}

// --- measuring ------------------------------------------------------------------

async function timeRuns(p: Prepared, runs: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) await p.run();
  await p.sync();
  return (performance.now() - t0) / runs;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

function compare(out: Float32Array, ref: Float32Array): { maxAbsErr: number; errRatio: number } {
  let maxAbsErr = 0;
  let errRatio = 0;
  if (out.length !== ref.length) return { maxAbsErr: Infinity, errRatio: Infinity };
  for (let i = 0; i < ref.length; i++) {
    const r = ref[i] as number;
    const d = Math.abs((out[i] as number) - r);
    const ratio = d / (config.atol + config.rtol * Math.abs(r));
    // NaN compares false: count it as a failure explicitly.
    if (!(d <= maxAbsErr)) maxAbsErr = Number.isNaN(d) ? Infinity : d;
    if (!(ratio <= errRatio)) errRatio = Number.isNaN(ratio) ? Infinity : ratio;
  }
  return { maxAbsErr, errRatio };
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs((a[i] as number) - (b[i] as number));
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

function fmtMs(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}

async function runLayer(id: string): Promise<LayerResult> {
  const layer = [...SUITE, ...SMOKE].find((l) => l.id === id);
  if (!layer) throw new Error(`no layer ${id}`);
  const options = {
    strides: layer.strides,
    padding: layer.padding,
    outputPadding: layer.outputPadding,
    groups: layer.groups,
  };
  const g = resolveConvTranspose2d(layer.inputShape, layer.filterShape, options);
  const [, cinPerGroup, kh, kw] = [0, g.inChannelsPerGroup, g.kernelHeight, g.kernelWidth];
  // Weights scaled so that outputs are O(1) whatever the fan-in.
  const fanIn = (cinPerGroup * kh * kw) / (layer.strides[0] * layer.strides[1]);
  const seed = [...id].reduce((a, ch) => (a * 31 + ch.charCodeAt(0)) >>> 0, 7);
  const x = random(g.inputSize, seed);
  const w = random(g.filterSize, seed + 1, 1 / Math.sqrt(fanIn));
  const outputShape = g.outputShape;

  const t0 = performance.now();
  const ref = convTranspose2dCpu(x, layer.inputShape, w, layer.filterShape, options).data;
  const cpuMs = performance.now() - t0;
  progress(
    `  CPU reference ${fmtMs(cpuMs)} ms; output ${outputShape.join('×')}, ${(g.usefulMacs / 1e6).toFixed(1)} M useful MACs`,
  );

  const data: LayerData = { layer, x, w, outputShape };
  const variants: { result: VariantResult; prepare: () => Prepared | Promise<Prepared> }[] = [
    { result: { id: 'tfjs', engine: 'tfjs', status: 'ok' }, prepare: () => prepareTf(data) },
    { result: { id: 'ort', engine: 'ort', status: 'ok' }, prepare: () => prepareOrt(data) },
    ...(['auto', ...(ours?.kernels ?? KERNEL_NAMES)] as const).map((k) => ({
      result: { id: `ours:${k}`, engine: 'ours' as const, kernel: k, status: 'ok' as const },
      prepare: () => prepareOurs(data, k),
    })),
  ];

  // Prepare, warm up (compiles pipelines) and calibrate runs per round.
  const live: { result: VariantResult; p: Prepared; runs: number; rounds: number }[] = [];
  for (const v of variants) {
    current = { id: v.result.id, errors: [] };
    let p: Prepared | null = null;
    try {
      p = await v.prepare();
      const first = performance.now();
      await p.run();
      await p.sync();
      v.result.firstRunMs = performance.now() - first;
      // A variant slower than slowRunMs even with compilation needs no separate calibration run.
      const one = v.result.firstRunMs > config.slowRunMs ? v.result.firstRunMs : await timeRuns(p, 1);
      const runs = Math.max(1, Math.min(config.maxRunsPerRound, Math.round(config.targetRoundMs / one)));
      const rounds = one > config.slowRunMs ? Math.min(3, config.rounds) : config.rounds;
      if (current.errors.length) throw new Error(current.errors.join('; '));
      live.push({ result: v.result, p, runs, rounds });
      v.result.runsPerRound = runs;
      v.result.samplesMs = [];
      progress(
        `  ${v.result.id.padEnd(20)} first run ${fmtMs(v.result.firstRunMs)} ms, then ~${fmtMs(one)} ms; ${runs} run(s) × ${rounds} rounds`,
      );
    } catch (e) {
      p?.dispose();
      const err = e as { code?: string };
      if (e instanceof Skip) {
        v.result.status = e.status;
        v.result.message = e.message;
      } else if (err.code === 'UNSUPPORTED_BY_KERNEL') {
        v.result.status = 'unsupported';
        v.result.message = message(e);
      } else {
        v.result.status = 'error';
        v.result.message = message(e);
      }
      progress(`  ${v.result.id.padEnd(20)} ${v.result.status}: ${v.result.message}`);
    }
    current = null;
  }

  // The roof's GEMM joins the rounds (see LayerResult.roof); a failure there costs the layer
  // its same-rounds rate only.
  const gemm = roofGemm ? { ...roofGemm, samples: [] as number[], error: '' } : null;

  // Timed rounds, interleaved across variants.
  for (let round = 0; round < config.rounds; round++) {
    if (gemm && !gemm.error) {
      current = { id: 'gemm', errors: [] };
      try {
        gemm.samples.push(await timeRuns(gemm.p, gemm.runs));
        if (current.errors.length) throw new Error(current.errors.join('; '));
      } catch (e) {
        gemm.error = message(e);
      }
      current = null;
    }
    for (const v of live) {
      if (round >= v.rounds || v.result.status !== 'ok') continue;
      current = { id: v.result.id, errors: [] };
      try {
        v.result.samplesMs?.push(await timeRuns(v.p, v.runs));
        if (current.errors.length) throw new Error(current.errors.join('; '));
      } catch (e) {
        v.result.status = 'error';
        v.result.message = message(e);
      }
      current = null;
    }
  }

  // Cross-check the last output of every variant against the CPU and each other.
  const outputs = new Map<string, Float32Array>();
  for (const v of live) {
    try {
      const out = await v.p.read();
      outputs.set(v.result.id, out);
      Object.assign(v.result, compare(out, ref));
      if (v.result.status === 'ok' && !((v.result.errRatio ?? Infinity) <= 1)) v.result.status = 'mismatch';
    } catch (e) {
      v.result.status = 'error';
      v.result.message = message(e);
    }
    v.p.dispose();
  }
  for (const v of live) {
    const out = outputs.get(v.result.id);
    if (!out) continue;
    v.result.diffVs = {};
    for (const [other, o] of outputs) if (other !== v.result.id) v.result.diffVs[other] = maxAbsDiff(out, o);
    const samples = v.result.samplesMs ?? [];
    if (samples.length) {
      v.result.medianMs = median(samples);
      v.result.gflops = (2 * g.usefulMacs) / (v.result.medianMs * 1e6);
    }
    const chosen = v.p.chosenKernel?.();
    if (v.result.kernel === 'auto' && chosen) v.result.chosenKernel = chosen;
    const ms = v.result.medianMs === undefined ? '' : `${fmtMs(v.result.medianMs)} ms`;
    const gf = v.result.gflops === undefined ? '' : `, ${v.result.gflops.toFixed(2)} GFLOP/s`;
    progress(
      `  ${v.result.id.padEnd(20)} ${v.result.status.padEnd(8)} ${ms}${gf}; max |err| ${v.result.maxAbsErr?.toExponential(1)}` +
        (v.result.chosenKernel ? `; picked ${v.result.chosenKernel}` : '') +
        (v.result.message ? `; ${v.result.message}` : ''),
    );
  }
  let roof: LayerResult['roof'];
  if (gemm) {
    const n = roofSize();
    if (!gemm.error) {
      try {
        const check = compare(await gemm.p.read(), gemm.p.ref);
        if (!(check.errRatio <= 1)) gemm.error = `differs from the CPU product: max |err| ${check.maxAbsErr}`;
      } catch (e) {
        gemm.error = message(e);
      }
    }
    if (gemm.error) {
      progress(`  plain GEMM ${n}³ (${gemm.variant}), same rounds: ${gemm.error}`);
    } else {
      const ms = median(gemm.samples);
      roof = { variant: gemm.variant, medianMs: ms, gflops: (2 * n ** 3) / (ms * 1e6) };
      progress(`  plain GEMM ${n}³ (${gemm.variant}), same rounds: ${fmtMs(ms)} ms, ${roof.gflops.toFixed(2)} GFLOP/s`);
    }
  }
  return {
    layer,
    outputShape: [...outputShape],
    usefulMacs: g.usefulMacs,
    cpuMs,
    variants: variants.map((v) => v.result),
    ...(roof ? { roof } : {}),
  };
}

/** Row-major n×n product in float64, the GEMM's reference. */
function matmulCpu(a: Float32Array, b: Float32Array, n: number): Float32Array {
  const c = new Float32Array(n * n);
  const row = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    row.fill(0);
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k] as number;
      for (let j = 0; j < n; j++) row[j] = (row[j] as number) + aik * (b[k * n + j] as number);
    }
    c.set(row, i * n);
  }
  return c;
}

/** Side of the square GEMM that measures the practical roof. */
const ROOF_SIZE = 512;

function roofSize(): number {
  return config.smoke ? 128 : ROOF_SIZE;
}

/** A plain GEMM prepared like a layer variant, with its float64 reference. */
type PreparedGemm = Prepared & { ref: Float32Array };

/** A plain n × n × n GEMM of our engine, prepared like a layer variant, with its float64 reference. */
function prepareGemm(variant: GemmVariant, n: number): PreparedGemm {
  const aData = random(n * n, 1);
  const bData = random(n * n, 2, 1 / Math.sqrt(n));
  const a = createStorage(aData, 'gemm:a');
  const b = createStorage(bData, 'gemm:b');
  const c = createStorage(n * n, 'gemm:c');
  return {
    ref: matmulCpu(aData, bData, n),
    run() {
      const ctx = new CallContext(device, { software: variant === 'registers' });
      encodeMatmul(ctx, a, b, c, n, n, n, variant);
      const encoder = device.createCommandEncoder({ label: 'gemm' });
      ctx.encode(encoder);
      device.queue.submit([encoder.finish()]);
      ctx.release();
    },
    sync: () => tinyReadback(c),
    read: () => readBuffer(c, n * n),
    dispose() {
      a.destroy();
      b.destroy();
      c.destroy();
    },
  };
}

/**
 * Our plain GEMM (src/gpu/kernels/gemm.ts) on a square problem, timed like the
 * layers, in both its variants; the faster one is the practical roof, and is also
 * timed in every later layer's rounds.
 */
async function gemmRoof(): Promise<RoofResult> {
  const n = roofSize();
  roofGemm?.p.dispose();
  roofGemm = null;
  const variants: { variant: GemmVariant; ms: number; p: PreparedGemm; runs: number }[] = [];
  const errors: string[] = [];
  for (const variant of ['registers', 'tiled'] as const) {
    current = { id: `gemm:${variant}`, errors: [] };
    const p = prepareGemm(variant, n);
    let kept = false;
    try {
      await timeRuns(p, 1);
      const one = await timeRuns(p, 1);
      const runs = Math.max(1, Math.min(config.maxRunsPerRound, Math.round(config.targetRoundMs / one)));
      const samples: number[] = [];
      for (let r = 0; r < config.rounds; r++) samples.push(await timeRuns(p, runs));
      if (current.errors.length) throw new Error(current.errors.join('; '));
      const ms = median(samples);
      const check = compare(await p.read(), p.ref);
      if (!(check.errRatio <= 1)) throw new Error(`differs from the CPU product: max |err| ${check.maxAbsErr}`);
      variants.push({ variant, ms, p, runs });
      kept = true;
      progress(`  gemm ${variant} ${n}³: ${fmtMs(ms)} ms, ${((2 * n ** 3) / (ms * 1e6)).toFixed(2)} GFLOP/s`);
    } catch (e) {
      errors.push(`${variant}: ${message(e)}`);
    } finally {
      if (!kept) p.dispose();
    }
    current = null;
  }
  const best = variants.sort((x, y) => x.ms - y.ms)[0];
  for (const v of variants) if (v !== best) v.p.dispose();
  if (!best) return { status: 'error', message: errors.join('; ') };
  roofGemm = { p: best.p, variant: best.variant, runs: best.runs };
  return {
    status: 'ok',
    m: n,
    n,
    k: n,
    variant: best.variant,
    medianMs: best.ms,
    gflops: (2 * n ** 3) / (best.ms * 1e6),
    variants: Object.fromEntries(variants.map((v) => [v.variant, (2 * n ** 3) / (v.ms * 1e6)])),
    ...(errors.length ? { message: errors.join('; ') } : {}),
  };
}

window.bench = { init, runLayer, gemmRoof };
