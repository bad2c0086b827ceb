/**
 * The portable GPU benchmark: run in Node on Dawn (the `webgpu` package), with no browser, no
 * npm registry and no node_modules. `npm run bench:bundle` (scripts/bench-bundle.mjs) bundles
 * this file with the library and TF.js's WebGPU backend into one script, and
 * `bench/bundle/run.sh` runs it with the Node binary brought along (see docs/benchmark.md).
 *
 * On one device, per layer of each suite, it times
 * - every kernel with the planner in each adapter class: `software: true` (register-blocked
 *   variants, as on SwiftShader) and `software: false` (workgroup-tiled variants, as on GPUs),
 *   two engines on the same device;
 * - `auto` on an engine that classifies the adapter itself, with the plan it chose and the plan
 *   each class would choose (every kernel's estimate, for refitting the cost model);
 * - TF.js's transposed convolution on its WebGPU backend, on the same device;
 * and once, the library's plain GEMM (its practical roof). Every output is checked against the
 * float64 CPU reference. Results go to `<out>/bench.json` and `<out>/bench.md`, rewritten after
 * every layer, so that a run stopped by its time budget keeps what it measured.
 *
 * Options:
 *   --out DIR          where bench.json and bench.md go (required)
 *   --budget S         seconds this run may take; layers that no longer fit are skipped (default 600)
 *   --suites a,b       suites to run (default all; see SUITES)
 *   --layers a,b       layer ids to run (default each suite's default list; smoke ids are accepted)
 *   --batch N          multiply every layer's batch by N (larger work for fast GPUs)
 *   --rounds N         timed rounds per variant (default 7)
 *   --target-ms N      runs per round are chosen so that a round lasts about N ms (default 50)
 *   --max-runs N       at most N runs per round (default 200)
 *   --roof N           side of the square roof GEMM; 'auto' doubles it from 256 until a run
 *                      takes ≥ 5 ms (default auto)
 *   --manifest FILE    the bundle's manifest.json, copied into the results
 *   --command TEXT     the command line that started the run, recorded in the results
 *
 * Exit status: 0 when every output of the library matched the reference, 1 when one did not or
 * a variant of the library failed, 2 when there is no adapter or the run could not start.
 * Times are reported, never judged.
 */
import { create, globals } from 'webgpu';
import * as tf from '@tensorflow/tfjs-core';
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  convTranspose2dCpu,
  createEngine,
  KERNEL_NAMES,
  resolveConvTranspose2d,
  seededRandom,
  type ConvTranspose2dGeometry,
  type Engine,
  type GPUTensor,
  type KernelName,
  type Plan,
} from '../src/index.js';
// Internal, as in bench/bench.ts: the plain GEMM is the roof, and the planner's terms feed a refit.
import { CallContext } from '../src/gpu/context.js';
import { encodeMatmul, type GemmVariant } from '../src/gpu/kernels/gemm/index.js';
import { getKernel } from '../src/gpu/kernels/registry.js';
import { SMOKE, SUITE, type BenchLayer } from './suite.js';

// --- settings -----------------------------------------------------------------------

const { values: args } = parseArgs({
  options: {
    out: { type: 'string' },
    budget: { type: 'string', default: '600' },
    suites: { type: 'string' },
    layers: { type: 'string' },
    batch: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '7' },
    'target-ms': { type: 'string', default: '50' },
    'max-runs': { type: 'string', default: '200' },
    roof: { type: 'string', default: 'auto' },
    manifest: { type: 'string' },
    command: { type: 'string' },
  },
});

function positive(name: string, text: string | undefined): number {
  const v = Number(text);
  if (!(v > 0) || !Number.isFinite(v)) fail(`--${name} must be a positive number, got ${text}`);
  return v;
}

function fail(text: string): never {
  console.error(`bench: ${text}`);
  process.exit(2);
}

if (!args.out) fail('--out DIR is required');
const outDir = resolve(args.out);
const settings = {
  budgetS: positive('budget', args.budget),
  batch: Math.round(positive('batch', args.batch)),
  rounds: Math.round(positive('rounds', args.rounds)),
  targetRoundMs: positive('target-ms', args['target-ms']),
  maxRunsPerRound: Math.round(positive('max-runs', args['max-runs'])),
  roof: args.roof === 'auto' ? ('auto' as const) : Math.round(positive('roof', args.roof)),
  /**
   * Cross-check: |out − ref| ≤ atol + rtol·|ref| elementwise, with atol relative to the
   * reference's largest magnitude (float32 accumulation over long sums).
   */
  atolOfMax: 1e-3,
  rtol: 1e-3,
};
/** Seconds kept at the end of the budget for the last writes. */
const RESERVE_MS = 3000;
const startedAt = new Date();
const t0 = performance.now();
const deadline = t0 + settings.budgetS * 1000 - RESERVE_MS;
const timeLeft = (): number => deadline - performance.now();

// --- results ------------------------------------------------------------------------

/** Outcome of one variant on one layer. */
interface VariantResult {
  /** 'tfjs', 'auto', '<kernel>/software', '<kernel>/hardware'. */
  id: string;
  engine: 'ours' | 'tfjs';
  kernel?: KernelName | 'auto';
  /** The adapter class the planner assumed: forced, or the engine's own for 'auto'. */
  adapterClass?: 'software' | 'hardware';
  /**
   * ok: ran and matched the reference; mismatch: ran but differs; unsupported: the kernel
   * refuses the geometry; n/a: the engine has no such operation; skipped: the time budget ran
   * out; error: it threw (or WebGPU reported an error).
   */
  status: 'ok' | 'mismatch' | 'unsupported' | 'n/a' | 'skipped' | 'error';
  message?: string;
  /** The kernel a variant ran ('auto': the one the planner picked). */
  ranKernel?: string;
  /** Subpixel's variant and tiles when subpixel ran, as planned. */
  subpixel?: Plan['subpixel'];
  /** Pieces the call was split into (1 when it fits the device). */
  pieces?: number;
  /** This class's cost-model estimate for the kernel (arbitrary units; lower is faster). */
  estimate?: number;
  /** The hardware cost model's terms for this kernel (hardware class only; docs/benchmark.md, refitting). */
  terms?: { issuedMacs: number; threads: number; scratchBytes: number; outputs: number };
  /** First run, pipeline compilation included, ms. */
  firstRunMs?: number;
  runsPerRound?: number;
  samplesMs?: number[];
  medianMs?: number;
  /** 2 × useful multiply-adds / median time. */
  gflops?: number;
  maxAbsErr?: number;
  /** max |out − ref| / (atol + rtol·|ref|); ≤ 1 passes. */
  errRatio?: number;
}

interface PlanSummary {
  kernel: string;
  reason: string;
  costs: Plan['costs'];
  unsupported: Plan['unsupported'];
  subpixel: Plan['subpixel'];
  pieces: number;
}

interface LayerResult {
  suite: string;
  id: string;
  model: string;
  /** Shapes and options as the suite defines them (batch scaled). */
  spec: object;
  outputShape: number[];
  usefulMacs: number;
  cpuMs: number;
  /** The plan of `auto` on the adapter's own class, and what each class would choose. */
  plans: { auto: PlanSummary | null; software: PlanSummary | null; hardware: PlanSummary | null };
  variants: VariantResult[];
  summary: LayerSummary;
  wallMs: number;
}

interface LayerSummary {
  /** The fastest matching variant of ours (kernel and class). */
  best?: { id: string; ms: number };
  autoMs?: number;
  /** auto's median / the fastest variant's: 1 when the planner picked the fastest. */
  autoOverBest?: number;
  /** Within the hardware class: the cost model's pick, the fastest kernel, and their time ratio. */
  hardware?: { picked: string; fastest: string; pickedOverFastest: number };
  software?: { picked: string; fastest: string; pickedOverFastest: number };
  tfjsMs?: number;
  /** TF.js's median / auto's. */
  autoSpeedupVsTfjs?: number;
}

interface RoofResult {
  status: 'ok' | 'error' | 'skipped';
  message?: string;
  /** The product is n × n × n. */
  n?: number;
  variants?: Record<string, { status: 'ok' | 'error'; medianMs?: number; gflops?: number; message?: string }>;
  best?: { variant: string; gflops: number };
}

const results = {
  schema: 1,
  /** True until the run has finished every layer it was given. */
  partial: true,
  startedAt: startedAt.toISOString(),
  finishedAt: '',
  command: args.command ?? process.argv.slice(1).join(' '),
  bundle: null as unknown,
  host: {
    platform: `${process.platform}-${process.arch}`,
    node: process.version,
    execPath: process.execPath,
    cpu: `${cpus().length} × ${cpus()[0]?.model ?? '?'}`,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    env: Object.fromEntries(
      ['VK_ICD_FILENAMES', 'VK_DRIVER_FILES', 'LD_LIBRARY_PATH']
        .filter((k) => process.env[k])
        .map((k) => [k, process.env[k]]),
    ),
  },
  adapter: null as null | { info: Record<string, unknown>; features: string[]; limits: Record<string, number> },
  versions: { 'tfjs-core': tf.version_core, node: process.version } as Record<string, string>,
  settings: { ...settings, suites: [] as string[], layers: [] as string[] },
  /** How the planner classed the adapter ('auto'). */
  adapterClass: '' as '' | 'software' | 'hardware',
  roof: { status: 'skipped' } as RoofResult,
  layers: [] as LayerResult[],
  skipped: [] as { id: string; reason: string }[],
  notes: [] as string[],
  /** False when an output of ours failed the cross-check or a variant of ours failed. */
  ok: true,
};

function log(line: string): void {
  console.log(line);
}

function message(e: unknown): string {
  return e instanceof Error ? `${e.name === 'Error' ? '' : `${e.name}: `}${e.message}` : String(e);
}

function fmtMs(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms >= 1 ? ms.toFixed(2) : ms.toFixed(3);
}

// --- measuring ----------------------------------------------------------------------

/** One variant prepared on one layer, with its data resident. */
interface Prepared {
  /** Enqueues one run. */
  run(): void;
  /** Waits until every enqueued run is done. */
  sync(): Promise<void>;
  /** The last output, in the layout of the suite's reference. */
  read(): Promise<Float32Array>;
  dispose(): void;
  /** What the variant ran, known after its first run. */
  describe?(): Partial<VariantResult>;
}

/** A variant that cannot run for a reason known in advance. */
class Skip extends Error {
  constructor(
    readonly status: 'unsupported' | 'n/a',
    text: string,
  ) {
    super(text);
  }
}

/** Runs per round for rounds of about targetRoundMs; a fast variant is timed over 3 more runs (one alone is noisy). */
async function calibrate(p: Prepared): Promise<number> {
  let ms = await timeRuns(p, 1);
  if (ms < settings.targetRoundMs / 2) ms = await timeRuns(p, 3);
  return Math.max(1, Math.min(settings.maxRunsPerRound, Math.round(settings.targetRoundMs / ms)));
}

/** Mean ms of `runs` runs enqueued back to back and waited for once. */
async function timeRuns(p: Prepared, runs: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < runs; i++) p.run();
  await p.sync();
  return (performance.now() - start) / runs;
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function maxAbs(values: Float32Array): number {
  let m = 0;
  for (const v of values) m = Math.max(m, Math.abs(v));
  return m;
}

/** Elementwise check against the reference; NaN or a length mismatch fails. */
function compare(out: Float32Array, ref: Float32Array): { maxAbsErr: number; errRatio: number } {
  if (out.length !== ref.length) return { maxAbsErr: Infinity, errRatio: Infinity };
  const atol = settings.atolOfMax * maxAbs(ref) || Number.MIN_VALUE;
  let maxAbsErr = 0;
  let errRatio = 0;
  for (let i = 0; i < ref.length; i++) {
    const r = ref[i]!;
    const d = Math.abs(out[i]! - r);
    const ratio = d / (atol + settings.rtol * Math.abs(r));
    if (!(d <= maxAbsErr)) maxAbsErr = Number.isNaN(d) ? Infinity : d;
    if (!(ratio <= errRatio)) errRatio = Number.isNaN(ratio) ? Infinity : ratio;
  }
  return { maxAbsErr, errRatio };
}

/** The variant whose WebGPU errors are being collected (uncaptured errors are charged to it). */
let current: { errors: string[] } | null = null;

async function guarded<T>(f: () => T | Promise<T>): Promise<T> {
  current = { errors: [] };
  try {
    const value = await f();
    if (current.errors.length) throw new Error(`WebGPU: ${current.errors.join('; ')}`);
    return value;
  } finally {
    current = null;
  }
}

interface VariantSpec {
  result: VariantResult;
  prepare(): Prepared;
}

/**
 * Prepares every variant, runs it once (compiling its pipelines), sizes its rounds, then
 * times all of them in interleaved rounds (so that background noise hits them alike), and
 * finally reads and checks every output. Variants that no longer fit the budget are skipped.
 */
async function measure(label: string, specs: VariantSpec[], ref: Float32Array, usefulMacs: number): Promise<void> {
  const live: { v: VariantSpec; p: Prepared; runs: number }[] = [];
  for (const v of specs) {
    const r = v.result;
    if (timeLeft() <= 0) {
      r.status = 'skipped';
      r.message = 'the time budget ran out';
      continue;
    }
    const held: { p?: Prepared } = {};
    try {
      const p = await guarded(async () => {
        const q = (held.p = v.prepare());
        const first = performance.now();
        q.run();
        await q.sync();
        r.firstRunMs = performance.now() - first;
        Object.assign(r, q.describe?.());
        return q;
      });
      const runs = await guarded(() => calibrate(p));
      r.runsPerRound = runs;
      r.samplesMs = [];
      live.push({ v, p, runs });
    } catch (e) {
      held.p?.dispose();
      const code = (e as { code?: string }).code;
      r.status = e instanceof Skip ? e.status : code === 'UNSUPPORTED_BY_KERNEL' ? 'unsupported' : 'error';
      r.message = message(e);
    }
  }
  for (let round = 0; round < settings.rounds; round++) {
    if (round > 0 && timeLeft() <= 0) {
      results.notes.push(`${label}: rounds cut to ${round} by the time budget`);
      break;
    }
    for (const { v, p, runs } of live) {
      if (v.result.status !== 'ok') continue;
      try {
        v.result.samplesMs!.push(await guarded(() => timeRuns(p, runs)));
      } catch (e) {
        v.result.status = 'error';
        v.result.message = message(e);
      }
    }
  }
  for (const { v, p } of live) {
    const r = v.result;
    try {
      const out = await guarded(() => p.read());
      Object.assign(r, compare(out, ref));
      if (r.status === 'ok' && !(r.errRatio! <= 1)) r.status = 'mismatch';
    } catch (e) {
      r.status = 'error';
      r.message = message(e);
    }
    p.dispose();
    if (r.samplesMs?.length) {
      r.medianMs = median(r.samplesMs);
      r.gflops = (2 * usefulMacs) / (r.medianMs * 1e6);
    }
  }
}

// --- the device ---------------------------------------------------------------------

let device: GPUDevice;

async function openDevice(): Promise<GPUDevice> {
  // WebGPU's globals (GPUBufferUsage, …) for TF.js, and navigator.gpu as in a browser.
  Object.assign(globalThis, globals);
  const gpu = create([]);
  Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) fail('requestAdapter() returned null: no WebGPU adapter (see the Vulkan lines above)');
  const info: Record<string, unknown> = {};
  for (const key of [
    'vendor',
    'architecture',
    'device',
    'description',
    'subgroupMinSize',
    'subgroupMaxSize',
    'isFallbackAdapter',
  ]) {
    const v = (adapter.info as unknown as Record<string, unknown>)[key];
    if (v !== undefined) info[key] = v;
  }
  const limits: Record<string, number> = {};
  for (const key in adapter.limits) {
    const v = (adapter.limits as unknown as Record<string, unknown>)[key];
    if (typeof v === 'number') limits[key] = v;
  }
  const features = [...adapter.features].map(String).sort();
  results.adapter = { info, features, limits };
  log(`adapter: ${JSON.stringify(info)}`);
  log(`features: ${features.join(' ')}`);
  log(`limits: ${JSON.stringify(limits)}`);
  // The adapter's maxima for sizes any engine may ask for; shader-f16 when there is one.
  const requiredLimits: Record<string, number> = {};
  for (const key of [
    'maxStorageBufferBindingSize',
    'maxBufferSize',
    'maxComputeWorkgroupStorageSize',
    'maxComputeInvocationsPerWorkgroup',
    'maxComputeWorkgroupSizeX',
    'maxComputeWorkgroupSizeY',
    'maxComputeWorkgroupSizeZ',
    'maxComputeWorkgroupsPerDimension',
    'maxStorageBuffersPerShaderStage',
  ]) {
    if (limits[key] !== undefined) requiredLimits[key] = limits[key];
  }
  const requiredFeatures = adapter.features.has('shader-f16') ? (['shader-f16'] as GPUFeatureName[]) : [];
  const dev = await adapter.requestDevice({ label: 'bench', requiredLimits, requiredFeatures });
  dev.addEventListener('uncapturederror', (event) => {
    const text = (event as GPUUncapturedErrorEvent).error.message;
    if (current) current.errors.push(text);
    else results.notes.push(`WebGPU error outside any variant: ${text}`);
  });
  void dev.lost.then((why) => {
    if (why.reason !== 'destroyed') results.notes.push(`device lost: ${why.message}`);
  });
  // TF.js on the same device: replace any factory that would request its own adapter.
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', () => new WebGPUBackend(dev, adapter.info), 3);
  return dev;
}

/** The engines every layer shares: one per planner class, and one that classifies the adapter. */
interface Engines {
  auto: Engine;
  software: Engine;
  hardware: Engine;
}

// --- the roof -----------------------------------------------------------------------

function storage(data: Float32Array<ArrayBuffer> | number, label: string): GPUBuffer {
  const floats = typeof data === 'number' ? data : data.length;
  const buffer = device.createBuffer({
    label,
    size: Math.ceil((floats * 4) / 16) * 16,
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
  });
  if (typeof data !== 'number') device.queue.writeBuffer(buffer, 0, data);
  return buffer;
}

async function readBuffer(buffer: GPUBuffer, floats: number): Promise<Float32Array> {
  const staging = device.createBuffer({
    label: 'bench:read',
    size: Math.ceil((floats * 4) / 16) * 16,
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

function randomArray(size: number, seed: number, scale = 1): Float32Array<ArrayBuffer> {
  const next = seededRandom(seed);
  return Float32Array.from({ length: size }, () => (next() * 2 - 1) * scale);
}

/** The library's plain n × n × n GEMM (as bench/bench.ts measures its roof), prepared like a variant. */
function prepareGemm(variant: GemmVariant, n: number): Prepared & { check(out: Float32Array): boolean } {
  const aData = randomArray(n * n, 1);
  const bData = randomArray(n * n, 2, 1 / Math.sqrt(n));
  const a = storage(aData, 'gemm:a');
  const b = storage(bData, 'gemm:b');
  const c = storage(n * n, 'gemm:c');
  return {
    run() {
      const ctx = new CallContext(device, { software: variant === 'registers' });
      encodeMatmul(ctx, a, b, c, n, n, n, variant);
      const encoder = device.createCommandEncoder({ label: 'gemm' });
      ctx.encode(encoder);
      device.queue.submit([encoder.finish()]);
      ctx.release();
    },
    sync: () => device.queue.onSubmittedWorkDone(),
    read: () => readBuffer(c, n * n),
    dispose() {
      a.destroy();
      b.destroy();
      c.destroy();
    },
    /** 256 sampled entries against float64 dot products (a full CPU product would take minutes). */
    check(out) {
      const next = seededRandom(3);
      for (let s = 0; s < 256; s++) {
        const i = Math.floor(next() * n);
        const j = Math.floor(next() * n);
        let sum = 0;
        let mag = 0;
        for (let k = 0; k < n; k++) {
          sum += aData[i * n + k]! * bData[k * n + j]!;
          mag += Math.abs(aData[i * n + k]! * bData[k * n + j]!);
        }
        if (!(Math.abs(out[i * n + j]! - sum) <= 1e-4 * mag + 1e-6)) return false;
      }
      return true;
    },
  };
}

/** The faster of the library's two GEMM variants on a square product sized to the device. */
async function measureRoof(software: boolean): Promise<RoofResult> {
  let n = settings.roof === 'auto' ? 256 : settings.roof;
  const maxFloats = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize) / 4;
  if (settings.roof === 'auto') {
    // Grow the product until one run takes ≥ 5 ms, so that launch overhead does not decide the rate.
    const probe: GemmVariant = software ? 'registers' : 'tiled';
    while (n < 4096 && 4 * n * n <= maxFloats && timeLeft() > 0) {
      const p = prepareGemm(probe, n);
      try {
        await guarded(() => timeRuns(p, 1));
        if ((await guarded(() => timeRuns(p, 1))) >= 5) break;
      } finally {
        p.dispose();
      }
      n *= 2;
    }
  }
  const roof: RoofResult = { status: 'error', n, variants: {} };
  for (const variant of ['registers', 'tiled'] as const) {
    const p = prepareGemm(variant, n);
    try {
      await guarded(() => timeRuns(p, 1));
      const runs = await guarded(() => calibrate(p));
      const samples: number[] = [];
      for (let r = 0; r < settings.rounds && (r === 0 || timeLeft() > 0); r++) {
        samples.push(await guarded(() => timeRuns(p, runs)));
      }
      if (!p.check(await p.read())) throw new Error('differs from the CPU product');
      const ms = median(samples);
      roof.variants![variant] = { status: 'ok', medianMs: ms, gflops: (2 * n ** 3) / (ms * 1e6) };
      log(`roof: gemm ${variant} ${n}³ ${fmtMs(ms)} ms, ${((2 * n ** 3) / (ms * 1e6)).toFixed(1)} GFLOP/s`);
    } catch (e) {
      roof.variants![variant] = { status: 'error', message: message(e) };
      log(`roof: gemm ${variant} ${n}³ failed: ${message(e)}`);
    } finally {
      p.dispose();
    }
  }
  for (const [variant, v] of Object.entries(roof.variants!)) {
    if (v.gflops !== undefined && (!roof.best || v.gflops > roof.best.gflops))
      roof.best = { variant, gflops: v.gflops };
  }
  if (roof.best) roof.status = 'ok';
  return roof;
}

// --- suites -------------------------------------------------------------------------

/**
 * One layer of a suite as the driver sees it, whatever its rank or data type: a description,
 * the CPU reference, and the variants to time.
 */
interface BenchCase {
  spec: object;
  outputShape: number[];
  usefulMacs: number;
  /** The CPU reference output. */
  reference(): Float32Array;
  /** Plans of `engine` for this layer; null when the engine cannot plan it. */
  plan(engine: Engine, kernel?: KernelName): Plan | null;
  /** Runs one kernel (or 'auto') of the library on `engine`. */
  ours(engine: Engine, kernel: KernelName | 'auto'): Prepared;
  /** The cost model's terms for a kernel on an engine's class (optional). */
  terms?(engine: Engine, kernel: KernelName): VariantResult['terms'];
  /** TF.js's op for the same layer; throws Skip('n/a') when it has none. */
  tfjs(): Prepared;
}

/** A suite: its layers and how to make a case of one. A 1-D, 3-D or float16 suite is one more entry. */
interface Suite<L extends { id: string; model: string }> {
  name: string;
  /** Every layer the suite can run, by id. */
  layers: readonly L[];
  /** Ids run when --layers is not given. */
  defaults: readonly string[];
  /** The layer with its batch multiplied. */
  scale(layer: L, batch: number): L;
  makeCase(layer: L): BenchCase;
}

/** Output axis j of the result is input axis perm[j]; any rank. */
function permute(data: Float32Array, shape: readonly number[], perm: readonly number[]): Float32Array<ArrayBuffer> {
  const rank = shape.length;
  const inStrides = new Array<number>(rank).fill(1);
  for (let a = rank - 2; a >= 0; a--) inStrides[a] = inStrides[a + 1]! * shape[a + 1]!;
  const outShape = perm.map((p) => shape[p]!);
  const stride = perm.map((p) => inStrides[p]!);
  const out = new Float32Array(data.length);
  const index = new Array<number>(rank).fill(0);
  for (let i = 0; i < out.length; i++) {
    let src = 0;
    for (let a = 0; a < rank; a++) src += index[a]! * stride[a]!;
    out[i] = data[src]!;
    for (let a = rank - 1; a >= 0; a--) {
      if (++index[a]! < outShape[a]!) break;
      index[a] = 0;
    }
  }
  return out;
}

/** A prepared TF.js op on resident tensors; a run disposes the previous output. */
function tfPrepared(
  inputs: tf.Tensor[],
  op: () => tf.Tensor,
  toReference: (data: Float32Array) => Float32Array,
): Prepared {
  let last: tf.Tensor | null = null;
  return {
    run() {
      last?.dispose();
      last = op();
    },
    async sync() {
      if (!last) return;
      // One element read back: TF.js submits lazily, so the queue alone does not cover its work.
      const one = tf.slice(last, new Array(last.rank).fill(0), new Array(last.rank).fill(1));
      await one.data();
      one.dispose();
    },
    async read() {
      if (!last) throw new Error('no output');
      return toReference((await last.data()) as Float32Array);
    },
    dispose() {
      last?.dispose();
      inputs.forEach((t) => t.dispose());
    },
  };
}

/** The 2-D suite of bench/suite.ts (NCHW, `iohw` filters). */
const SUITE_2D: Suite<BenchLayer> = {
  name: '2d',
  layers: [...SUITE, ...SMOKE],
  defaults: SUITE.map((l) => l.id),
  scale(layer, batch) {
    if (batch === 1) return layer;
    const [n, c, h, w] = layer.inputShape;
    return { ...layer, id: `${layer.id}@b${n * batch}`, inputShape: [n * batch, c, h, w] };
  },
  makeCase(layer) {
    const options = {
      strides: layer.strides,
      padding: layer.padding,
      outputPadding: layer.outputPadding,
      groups: layer.groups,
    };
    const g: ConvTranspose2dGeometry = resolveConvTranspose2d(layer.inputShape, layer.filterShape, options);
    // Weights scaled so that outputs are O(1) whatever the fan-in; the same data for every engine.
    const fanIn = (g.inChannelsPerGroup * g.kernelHeight * g.kernelWidth) / (layer.strides[0] * layer.strides[1]);
    const seed = [...layer.id].reduce((a, ch) => (a * 31 + ch.charCodeAt(0)) >>> 0, 7);
    const x = randomArray(g.inputSize, seed);
    const w = randomArray(g.filterSize, seed + 1, 1 / Math.sqrt(fanIn));
    const [n, c, h, wd] = layer.inputShape;
    const [, oc, oh, ow] = g.outputShape;
    return {
      spec: layer,
      outputShape: [...g.outputShape],
      usefulMacs: g.usefulMacs,
      reference: () => convTranspose2dCpu(x, layer.inputShape, w, layer.filterShape, options).data,
      plan: (engine, kernel) => engine.plan(layer.inputShape, layer.filterShape, { ...options, kernel }),
      terms(engine, kernel) {
        const k = getKernel(kernel);
        const env = { limits: engine.limits!, software: engine.software, storage: 'f32' as const, guard: false };
        const choice = k.choose(g, env);
        return {
          ...choice.terms,
          issuedMacs: k.issuedMacs(g, choice.variant),
          threads: Math.round(choice.terms.threads),
          scratchBytes: k.scratchBytes(g, env),
        };
      },
      ours(engine, kernel) {
        const prepared = engine.createConvTranspose2d(w, layer.filterShape, { ...options, kernel });
        const input = engine.upload(x, layer.inputShape);
        let last: GPUTensor | null = null;
        return {
          run() {
            last?.destroy();
            last = prepared.run(input);
          },
          // layer.run submits at once, so the queue's completion covers every run.
          sync: () => device.queue.onSubmittedWorkDone(),
          async read() {
            if (!last) throw new Error('no output');
            return last.read();
          },
          dispose() {
            last?.destroy();
            input.destroy();
            prepared.destroy();
          },
          describe: () => ({ ranKernel: prepared.kernelFor(input.shape) }),
        };
      },
      tfjs() {
        // TF.js: NHWC input; filter [kH, kW, C_out, C_in] (or [kH, kW, C, 1] depthwise).
        const [pt, pb, pl, pr] = layer.padding;
        const pad: [[number, number], [number, number], [number, number], [number, number]] = [
          [0, 0],
          [pt, pb],
          [pl, pr],
          [0, 0],
        ];
        const [, ocg, kh, kw] = layer.filterShape;
        const toNchw = (data: Float32Array) => permute(data, [n, oh, ow, oc], [0, 3, 1, 2]);
        let fT: tf.Tensor4D;
        let op: (xT: tf.Tensor4D) => tf.Tensor;
        if (layer.groups === 1) {
          fT = tf.tensor4d(permute(w, layer.filterShape, [2, 3, 1, 0]), [kh, kw, oc, c]);
          op = (xT) => tf.conv2dTranspose(xT, fT, [n, oh, ow, oc], layer.strides, pad);
        } else if (layer.groups === c && ocg === 1) {
          // Depthwise transposed convolution = the input gradient of depthwiseConv2d: a kernel
          // TF.js has (DepthwiseConv2dNativeBackpropInput) but no public op for.
          fT = tf.tensor4d(permute(w, layer.filterShape, [2, 3, 0, 1]), [kh, kw, c, 1]);
          op = (xT) =>
            tf
              .engine()
              .runKernel(
                tf.DepthwiseConv2dNativeBackpropInput,
                { dy: xT, filter: fT },
                { strides: layer.strides, dilations: [1, 1], pad, inputShape: [n, oh, ow, oc] },
              ) as tf.Tensor;
        } else {
          throw new Skip('n/a', 'TF.js has no grouped transposed convolution');
        }
        const xT = tf.tensor4d(permute(x, layer.inputShape, [0, 2, 3, 1]), [n, h, wd, c]);
        return tfPrepared([xT, fT], () => op(xT), toNchw);
      },
    };
  },
};

/** Every suite the driver knows, in the order they run. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- suites differ in their layer type
const SUITES: Suite<any>[] = [SUITE_2D];

// --- one layer ----------------------------------------------------------------------

function summarizePlan(p: Plan | null): PlanSummary | null {
  if (!p) return null;
  const { kernel, reason, costs, unsupported, subpixel } = p;
  return { kernel, reason, costs, unsupported, subpixel, pieces: p.pieces.length };
}

function tryPlan(f: () => Plan | null): Plan | null {
  try {
    return f();
  } catch {
    return null;
  }
}

async function runLayer<L extends { id: string; model: string }>(
  suite: Suite<L>,
  layer: L,
  engines: Engines,
): Promise<LayerResult> {
  const start = performance.now();
  const c = suite.makeCase(layer);
  const cpuStart = performance.now();
  const ref = c.reference();
  const cpuMs = performance.now() - cpuStart;
  const plans = {
    auto: summarizePlan(tryPlan(() => c.plan(engines.auto))),
    software: summarizePlan(tryPlan(() => c.plan(engines.software))),
    hardware: summarizePlan(tryPlan(() => c.plan(engines.hardware))),
  };
  log(
    `${suite.name}/${layer.id}: output ${c.outputShape.join('×')}, ${(c.usefulMacs / 1e6).toFixed(1)} M useful MACs, ` +
      `CPU reference ${fmtMs(cpuMs)} ms; auto plans ${plans.auto?.kernel} (${plans.auto?.reason})`,
  );

  const specs: VariantSpec[] = [
    { result: { id: 'tfjs', engine: 'tfjs', status: 'ok' }, prepare: () => c.tfjs() },
    {
      result: {
        id: 'auto',
        engine: 'ours',
        kernel: 'auto',
        adapterClass: results.adapterClass || undefined,
        status: 'ok',
      },
      prepare: () => c.ours(engines.auto, 'auto'),
    },
  ];
  // Kernels the adapter's class estimates fastest first: if the budget runs out within the
  // layer, the slow ones go unmeasured.
  const estimate = (k: KernelName) => plans.auto?.costs[k] ?? Infinity;
  for (const kernel of [...KERNEL_NAMES].sort((a, b) => estimate(a) - estimate(b))) {
    for (const cls of ['software', 'hardware'] as const) {
      const engine = engines[cls];
      const forced = tryPlan(() => c.plan(engine, kernel));
      const result: VariantResult = {
        id: `${kernel}/${cls}`,
        engine: 'ours',
        kernel,
        adapterClass: cls,
        status: 'ok',
        estimate: plans[cls]?.costs[kernel],
        ...(forced ? { subpixel: forced.subpixel ?? undefined, pieces: forced.pieces.length } : {}),
      };
      try {
        if (cls === 'hardware') result.terms = c.terms?.(engine, kernel);
      } catch {
        // An unsupported kernel has no terms; its run reports why.
      }
      specs.push({ result, prepare: () => c.ours(engine, kernel) });
    }
  }
  await measure(`${suite.name}/${layer.id}`, specs, ref, c.usefulMacs);

  const variants = specs.map((s) => s.result);
  for (const v of variants) {
    const ms = v.medianMs === undefined ? '' : ` ${fmtMs(v.medianMs)} ms, ${v.gflops!.toFixed(2)} GFLOP/s;`;
    const err = v.errRatio === undefined ? '' : ` err ${v.errRatio.toPrecision(2)} of tolerance`;
    const ran = v.ranKernel && v.kernel === 'auto' ? ` (ran ${v.ranKernel})` : '';
    log(`  ${v.id.padEnd(26)} ${v.status.padEnd(11)}${ms}${err}${ran}${v.message ? ` — ${v.message}` : ''}`);
    if (v.engine === 'ours' && (v.status === 'mismatch' || v.status === 'error')) results.ok = false;
  }
  return {
    suite: suite.name,
    id: layer.id,
    model: layer.model,
    spec: c.spec,
    outputShape: c.outputShape,
    usefulMacs: c.usefulMacs,
    cpuMs,
    plans,
    variants,
    summary: summarize(variants, plans),
    wallMs: performance.now() - start,
  };
}

function okMs(v: VariantResult | undefined): number | undefined {
  return v && v.status === 'ok' ? v.medianMs : undefined;
}

function summarize(variants: VariantResult[], plans: LayerResult['plans']): LayerSummary {
  const s: LayerSummary = {};
  for (const v of variants) {
    const ms = okMs(v);
    if (v.engine === 'ours' && v.kernel !== 'auto' && ms !== undefined && (!s.best || ms < s.best.ms))
      s.best = { id: v.id, ms };
  }
  s.autoMs = okMs(variants.find((v) => v.id === 'auto'));
  if (s.autoMs !== undefined && s.best) s.autoOverBest = s.autoMs / s.best.ms;
  for (const cls of ['software', 'hardware'] as const) {
    const picked = plans[cls]?.kernel;
    const mine = variants.filter((v) => v.adapterClass === cls && v.kernel !== 'auto' && okMs(v) !== undefined);
    const fastest = mine.sort((a, b) => a.medianMs! - b.medianMs!)[0];
    const pickedMs = okMs(mine.find((v) => v.kernel === picked));
    if (picked && fastest && pickedMs !== undefined)
      s[cls] = { picked, fastest: fastest.kernel!, pickedOverFastest: pickedMs / fastest.medianMs! };
  }
  s.tfjsMs = okMs(variants.find((v) => v.id === 'tfjs'));
  if (s.tfjsMs !== undefined && s.autoMs !== undefined) s.autoSpeedupVsTfjs = s.tfjsMs / s.autoMs;
  return s;
}

// --- reports ------------------------------------------------------------------------

/** Subpixel's variant and block or tiles, as planned. */
function describeSubpixel(c: NonNullable<Plan['subpixel']>): string {
  if (c.variant === 'register') return `register ${c.channels} ch × ${c.rows ?? 1} × ${c.pixels} px, wg ${c.wg}`;
  if (c.variant === 'tiled') return `tiled ${c.wx} × ${c.wy} threads, tk ${c.tk}`;
  return `depthwise ${c.pixels} px, wg ${c.wg}`;
}

function cell(v: number | undefined, digits = 2): string {
  return v === undefined ? '—' : v.toFixed(digits);
}

/** The Markdown report: adapter, roof, a summary line per layer, then every variant per layer. */
function markdown(): string {
  const r = results;
  const info = r.adapter?.info ?? {};
  const lines = [
    '# webgpu-deconv GPU benchmark',
    '',
    `- adapter: ${['vendor', 'architecture', 'device', 'description'].map((k) => `${k} \`${info[k] ?? ''}\``).join(', ')}` +
      `; planner class \`${r.adapterClass}\``,
    `- started ${r.startedAt}, finished ${r.finishedAt || '(not finished)'}; Node ${r.host.node}; tfjs-core ${r.versions['tfjs-core']}`,
    `- host: ${r.host.platform}, ${r.host.cpu}, ${r.host.memoryGiB} GiB`,
    `- command: \`${r.command}\``,
    `- settings: budget ${r.settings.budgetS} s, ${r.settings.rounds} rounds of ~${r.settings.targetRoundMs} ms, batch ×${r.settings.batch}; ` +
      `outputs checked with |out − ref| ≤ ${r.settings.atolOfMax}·max|ref| + ${r.settings.rtol}·|ref|`,
    `- all outputs of the library matched the CPU reference: ${r.ok ? 'yes' : '**no**'}${r.partial ? ' (run not finished)' : ''}`,
    '',
  ];
  if (r.roof.status === 'ok') {
    const v = Object.entries(r.roof.variants ?? {})
      .map(([k, x]) => `${k} ${x.gflops === undefined ? x.message : `${x.gflops.toFixed(1)} GFLOP/s`}`)
      .join(', ');
    lines.push(`Roof: the library's plain GEMM, ${r.roof.n}³: ${v}.`, '');
  } else lines.push(`Roof: ${r.roof.status}${r.roof.message ? ` (${r.roof.message})` : ''}.`, '');
  lines.push(
    '| layer | auto ran | auto ms | fastest (ms) | auto / fastest | hw pick → fastest (ratio) | TF.js ms | auto vs TF.js |',
    '| --- | --- | ---: | --- | ---: | --- | ---: | ---: |',
  );
  for (const l of r.layers) {
    const s = l.summary;
    const auto = l.variants.find((v) => v.id === 'auto');
    const hw = s.hardware
      ? `${s.hardware.picked} → ${s.hardware.fastest} (${s.hardware.pickedOverFastest.toFixed(2)})`
      : '—';
    lines.push(
      `| ${l.id} | ${auto?.ranKernel ?? auto?.status ?? '—'} | ${cell(s.autoMs, 3)} | ` +
        `${s.best ? `${s.best.id} (${s.best.ms.toFixed(3)})` : '—'} | ${cell(s.autoOverBest)} | ${hw} | ` +
        `${cell(s.tfjsMs, 3)} | ${s.autoSpeedupVsTfjs === undefined ? '—' : `${s.autoSpeedupVsTfjs.toFixed(2)}×`} |`,
    );
  }
  for (const sk of r.skipped) lines.push(`| ${sk.id} | skipped: ${sk.reason} | | | | | | |`);
  const roofGflops = r.roof.best?.gflops;
  for (const l of r.layers) {
    lines.push(
      '',
      `## ${l.suite}/${l.id}`,
      '',
      `${l.model}; output ${l.outputShape.join('×')}; ${(l.usefulMacs / 1e6).toFixed(1)} M useful MACs; ` +
        `plans: auto ${l.plans.auto?.kernel}, software ${l.plans.software?.kernel}, hardware ${l.plans.hardware?.kernel}.`,
      '',
      '| variant | status | median ms | GFLOP/s | % of roof | first run ms | runs × rounds | err / tol | estimate | notes |',
      '| --- | --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | --- |',
    );
    for (const v of l.variants) {
      const sub = v.subpixel ? describeSubpixel(v.subpixel) : '';
      const notes = [v.kernel === 'auto' && v.ranKernel ? `ran ${v.ranKernel}` : '', sub, v.message ?? '']
        .filter(Boolean)
        .join('; ')
        .replace(/\|/g, '\\|');
      const pct = v.gflops !== undefined && roofGflops ? ((100 * v.gflops) / roofGflops).toFixed(1) : '—';
      lines.push(
        `| ${v.id} | ${v.status} | ${cell(v.medianMs, 3)} | ${cell(v.gflops)} | ${pct} | ${cell(v.firstRunMs, 1)} | ` +
          `${v.runsPerRound ?? '—'} × ${v.samplesMs?.length ?? '—'} | ${v.errRatio === undefined ? '—' : v.errRatio.toPrecision(2)} | ` +
          `${v.estimate === undefined ? '—' : v.estimate.toExponential(2)} | ${notes} |`,
      );
    }
  }
  if (r.notes.length) lines.push('', '## Notes', '', ...r.notes.map((n) => `- ${n}`));
  return `${lines.join('\n')}\n`;
}

/** Writes bench.json and bench.md (each through a temporary file, so a kill leaves whole files). */
async function save(): Promise<void> {
  await mkdir(outDir, { recursive: true });
  for (const [name, text] of [
    ['bench.json', `${JSON.stringify(results, null, 2)}\n`],
    ['bench.md', markdown()],
  ] as const) {
    const file = join(outDir, name);
    await writeFile(`${file}.tmp`, text);
    await rename(`${file}.tmp`, file);
  }
}

// --- main ---------------------------------------------------------------------------

async function main(): Promise<number> {
  if (args.manifest) {
    try {
      results.bundle = JSON.parse(await readFile(args.manifest, 'utf8'));
    } catch (e) {
      results.notes.push(`manifest unreadable: ${message(e)}`);
    }
  }
  const wanted = args.suites ? args.suites.split(',').map((s) => s.trim()) : SUITES.map((s) => s.name);
  const suites = wanted.map((name) => SUITES.find((s) => s.name === name) ?? fail(`no suite '${name}'`));
  const ids = args.layers?.split(',').map((s) => s.trim());
  const work: { suite: Suite<{ id: string; model: string }>; layer: { id: string; model: string } }[] = [];
  for (const suite of suites) {
    for (const layer of suite.layers) {
      if (ids ? ids.includes(layer.id) : suite.defaults.includes(layer.id))
        work.push({ suite, layer: suite.scale(layer, settings.batch) });
    }
  }
  for (const id of ids ?? []) {
    if (!suites.some((s) => s.layers.some((l: { id: string }) => l.id === id))) fail(`no layer '${id}' in ${wanted}`);
  }
  results.settings.suites = suites.map((s) => s.name);
  results.settings.layers = work.map((w) => w.layer.id);

  device = await openDevice();
  const engines: Engines = {
    auto: await createEngine({ device, fallback: 'none' }),
    software: await createEngine({ device, fallback: 'none', software: true }),
    hardware: await createEngine({ device, fallback: 'none', software: false }),
  };
  results.adapterClass = engines.auto.software ? 'software' : 'hardware';
  log(`planner class of this adapter: ${results.adapterClass}`);
  try {
    if (!(await tf.setBackend('webgpu'))) throw new Error('tf.setBackend("webgpu") returned false');
    await tf.ready();
  } catch (e) {
    results.notes.push(`TF.js's WebGPU backend is unavailable: ${message(e)}`);
  }
  await save();

  results.roof = await measureRoof(engines.auto.software);
  await save();

  const layerMs: number[] = [];
  for (const { suite, layer } of work) {
    const typical = layerMs.length ? layerMs.reduce((a, b) => a + b, 0) / layerMs.length : 0;
    if (timeLeft() <= typical) {
      const reason = `time budget: ${Math.max(0, timeLeft() / 1000).toFixed(0)} s left, a layer takes ~${(typical / 1000).toFixed(0)} s`;
      results.skipped.push({ id: layer.id, reason });
      log(`${suite.name}/${layer.id}: skipped (${reason})`);
      continue;
    }
    const result = await runLayer(suite, layer, engines);
    layerMs.push(result.wallMs);
    results.layers.push(result);
    await save();
  }
  results.partial = false;
  results.finishedAt = new Date().toISOString();
  await save();
  log(`wrote ${join(outDir, 'bench.json')} and bench.md in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  Object.values(engines).forEach((e) => e.destroy());
  return results.ok ? 0 : 1;
}

main().then(
  // Dawn keeps the event loop alive: exit explicitly.
  (code) => process.exit(code),
  async (e) => {
    console.error(e);
    results.notes.push(`run failed: ${message(e)}`);
    await save().catch(() => {});
    process.exit(2);
  },
);
