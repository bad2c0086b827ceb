/**
 * What the benchmark page (bench/bench.ts) takes from scripts/bench.mjs and gives back: the
 * settings, and the results the driver writes to latest.json and renders.
 */
import type { BenchLayerNd, GeneratorSpec, SuiteName } from './suite.js';

/** Settings sent by scripts/bench.mjs. */
export interface BenchConfig {
  smoke: boolean;
  /** Suites to run, in order. */
  suites: SuiteName[];
  /** Layer ids to run; all of the selected suites when empty. */
  layers: string[];
  /** Element types our engine runs each layer in: float32 (every kernel) and float16 ('auto'). */
  dtypes: ('float32' | 'float16')[];
  /** Timed rounds per variant. */
  rounds: number;
  /** Runs per round are chosen so that a round lasts about this long. */
  targetRoundMs: number;
  maxRunsPerRound: number;
  /** Variants slower than this per run get only 3 rounds. */
  slowRunMs: number;
  /** Directory URL (same origin) of onnxruntime-web's .wasm files. */
  ortWasmPath: string;
  /** Activation layout our engine is given: channels first (PyTorch's) or channels last (TF's), at every rank. */
  layout: 'nchw' | 'nhwc';
  /** Elementwise tolerance of the float32 cross-check: |a − ref| ≤ atol + rtol·|ref|. */
  atol: number;
  rtol: number;
}

/** Outcome of one engine (or one of our kernels) on one layer. */
export interface VariantResult {
  /** 'tfjs', 'ort', 'ours:auto', 'ours:subpixel', …, 'ours:f16:auto'. */
  id: string;
  engine: 'tfjs' | 'ort' | 'ours';
  kernel?: string;
  /** Element type of the data; float32 unless said. */
  dtype?: 'float32' | 'float16';
  /**
   * ok: ran and matched the CPU reference; mismatch: ran but differs;
   * unsupported: the engine refuses the geometry (our UNSUPPORTED_BY_KERNEL, or a peer's
   * refusal); n/a: the engine has no such operation; error: it threw.
   */
  status: 'ok' | 'mismatch' | 'unsupported' | 'n/a' | 'error';
  message?: string;
  /** The DeconvError code of our engine's failure, if it failed with one. */
  code?: string;
  /** For our 'auto' variants: the kernel the planner picked. */
  chosenKernel?: string;
  /** For our variants: how the tensors are stored ('f32', 'f16' native, 'f16-packed'). */
  storage?: string;
  /** First run including pipeline compilation, ms. */
  firstRunMs?: number;
  runsPerRound?: number;
  samplesMs?: number[];
  medianMs?: number;
  /** Useful GFLOP/s: 2 × usefulMacs / median time. */
  gflops?: number;
  /** Max |out − cpu| (for float16: against the reference on half-rounded data). */
  maxAbsErr?: number;
  /** Max of |out − cpu| / allowed error (float32: atol + rtol·|cpu|; float16: see bench/data.ts); ≤ 1 passes. */
  errRatio?: number;
  /** Max |out − other| against each other variant's output. */
  diffVs?: Record<string, number>;
}

/** The plain GEMM's rate timed in a layer's (or the generator's) interleaved rounds. */
export interface SameRoundsRoof {
  variant: string;
  medianMs: number;
  gflops: number;
}

/** Everything measured on one layer. */
export interface LayerResult {
  suite: SuiteName;
  /** Spatial axes: 1, 2 or 3. */
  rank: number;
  layer: BenchLayerNd;
  /** Channels first (NCW, NCHW, NCDHW). */
  outputShape: number[];
  usefulMacs: number;
  cpuMs: number;
  variants: VariantResult[];
  /**
   * The roof's GEMM (the variant `gemmRoof` found faster) timed in this layer's interleaved
   * rounds, so that a layer's share of the roof compares rates measured under the same load.
   */
  roof?: SameRoundsRoof;
}

/** The plain GEMM rate of our engine on this adapter. */
export interface RoofResult {
  /** unavailable: this build has no plain GEMM to time (see bench/roof.ts). */
  status: 'ok' | 'error' | 'unavailable';
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

/** One engine's run of the whole generator. */
export interface GeneratorVariant {
  /** 'tfjs': TF.js alone; 'tfjs+ours': TF.js with registerTfjsKernels(tf). */
  id: 'tfjs' | 'tfjs+ours';
  status: 'ok' | 'mismatch' | 'error';
  message?: string;
  firstRunMs?: number;
  runsPerRound?: number;
  samplesMs?: number[];
  medianMs?: number;
  /** Useful GFLOP/s of the conv2dTranspose layers over the whole run's time. */
  gflops?: number;
  /** For 'tfjs+ours': max |out − TF.js's out| and its ratio to the tolerance (≤ 1 passes). */
  maxAbsErr?: number;
  errRatio?: number;
}

/** A whole TF.js generator, timed end to end with and without our kernels. */
export interface GeneratorResult {
  spec: GeneratorSpec;
  /** NHWC, as TF.js gives it. */
  outputShape: number[];
  /** Each conv2dTranspose layer: its input and output (NHWC) and useful multiply-adds. */
  convLayers: { inputShape: number[]; outputShape: number[]; usefulMacs: number }[];
  /** Useful multiply-adds of all conv2dTranspose layers. */
  usefulMacs: number;
  /** The kernel our planner picks for each conv2dTranspose layer (NHWC, as TF.js runs it). */
  kernels: string[];
  variants: GeneratorVariant[];
  roof?: SameRoundsRoof;
}

/** What `init` reports about the page and the adapter. */
export interface BenchInfo {
  userAgent: string;
  adapter: Record<string, string | boolean>;
  /** Adapter features the device was given (shader-f16 among them where the adapter has it). */
  features: string[];
  versions: Record<string, string>;
  /** The layers of each selected suite. */
  suites: { suite: SuiteName; layers: { id: string; model: string }[] }[];
  /** Every kernel name of the library (KERNEL_NAMES). */
  kernels: string[];
  /** The kernels this build registers (the others fail with a DeconvError and are reported as errors). */
  kernelsRegistered: string[];
  /** Whether our planner treats the adapter as software (SwiftShader); null when the engine failed. */
  engineSoftware: boolean | null;
  /** Whether our engine reads and writes float16 natively (shader-f16); else two halves per 32-bit word. */
  float16Native: boolean | null;
  /** Why our engine could not be created, if it could not. */
  engineError?: string;
}
