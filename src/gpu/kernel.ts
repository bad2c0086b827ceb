/**
 * The contract between the planner and the kernels. A kernel module owns everything about
 * its algorithm: which geometries it can run, its variants and the cost of each (its
 * planning math), the WGSL each variant is generated from, and the encoding of its
 * dispatches. The planner only ranks kernels through this interface.
 */
import type { AnyFilterLayout, ConvTransposeGeometry } from '../types.js';
import type { KeyValue, ShaderSource } from './shader/compose.js';
import type { Storage } from './shader/storage.js';

/** The GPU algorithms the engine offers, selectable through the `kernel` option. */
export type KernelName = 'zero-insertion' | 'scatter' | 'gemm-col2im' | 'im2col-gemm' | 'subpixel';

/** Every kernel name, in a stable order. */
export const KERNEL_NAMES: readonly KernelName[] = [
  'zero-insertion',
  'scatter',
  'gemm-col2im',
  'im2col-gemm',
  'subpixel',
];

/** What planning and encoding know besides the geometry: the device and the call's element storage. */
export interface KernelEnv {
  /** The device's limits (never module globals), possibly lowered by the engine. */
  readonly limits: GPUSupportedLimits;
  /**
   * True on a software adapter (SwiftShader), where barriers are costly and
   * register-blocked variants beat workgroup-memory tiling.
   */
  readonly software: boolean;
  /** How the call's input, filter, bias and output are stored. */
  readonly storage: Storage;
  /**
   * True when the filter may hold ±∞ or NaN. Variants then keep the zeros a stride inserts
   * and the padding from meeting a weight (0 × ∞ = NaN), so every kernel follows the CPU
   * reference's IEEE rule; with finite weights those zeros add nothing and need no care.
   */
  readonly guard: boolean;
  /**
   * CPU threads a software adapter runs workgroups on (SwiftShader runs each workgroup on one
   * thread); default `DEFAULT_CORES` (src/gpu/cost.ts). Unused on hardware adapters.
   */
  readonly cores?: number;
}

/** A variant of a kernel: the validated integers and words its WGSL is generated from. */
export type VariantKey = Readonly<Record<string, KeyValue>>;

/** One compute dispatch, described declaratively; the runtime builds and caches the pipeline. */
export interface DispatchSpec {
  /** The composed shader (from `shaderFor`): its text, layout and bindings. */
  shader: ShaderSource;
  /** Values for the shader's `override` constants; part of the pipeline cache key. */
  constants?: Record<string, number>;
  /** Members of the shader's `Params` struct, by name; every member must be given. */
  uniforms?: Record<string, number | readonly number[]>;
  /** Storage buffers by binding name. */
  buffers: Record<string, GPUBuffer>;
  /**
   * Total workgroups. The runtime folds it into x·y·z within
   * `maxComputeWorkgroupsPerDimension`; the shader recovers the linear index
   * (shaders/lib/grid.wgsl) and returns when it is past the end.
   */
  workgroups: number;
}

/** What a kernel may ask of the runtime while encoding one call. */
export interface KernelContext extends KernelEnv {
  readonly device: GPUDevice;
  /** A zero-filled float32 scratch buffer that lives until the call's work is submitted and done. */
  scratch(bytes: number, label: string): GPUBuffer;
  /** Records one dispatch into the call's command encoder, in order. */
  dispatch(spec: DispatchSpec): void;
}

/** Buffers of one call (or one split piece of it), in the call's storage. */
export interface ConvBuffers {
  /** Input in `g.inputLayout`, starting at element 0. */
  input: GPUBuffer;
  /** Filter, in `g.filterLayout` (a prepared layer may repack it into the kernel's preferred layout). */
  filter: GPUBuffer;
  /** Bias, `g.outChannels` elements; zeros when the call has none. */
  bias: GPUBuffer;
  /** Output in `g.inputLayout`, `g.outputSize` elements. */
  output: GPUBuffer;
}

/** The terms of one kernel's estimate. */
export interface CostTerms {
  /** Multiply-adds issued, times loads per multiply-add. */
  work: number;
  /** The kernel's relative efficiency on this adapter class (higher is faster). */
  rate: number;
  threads: number;
  /** Set-up cost of one thread (index decomposition, integer divisions, tap search, epilogue). */
  threadOverhead: number;
  /** Elements of extra memory traffic (scratch written and read, read-modify-writes). */
  extraFloats: number;
  outputs: number;
  passes: number;
  /** Workgroups of the pass that does most of the work (0 or absent: not counted; see `occupancy` in src/gpu/cost.ts). */
  workgroups?: number;
}

/** A kernel's choice for one geometry: its variant and the estimated cost of running it. */
export interface KernelChoice {
  variant: VariantKey;
  /** Estimated cost in the planner's units (see src/gpu/cost.ts); lower is faster. */
  cost: number;
  /** The terms of the estimate (work, threads, extra traffic, passes …). */
  terms: CostTerms;
  /** Workgroups of the main pass, or 0 when the kernel runs several comparable passes. */
  workgroups: number;
}

/** One algorithm: capability, planning, WGSL generation and encoding. */
export interface Kernel {
  readonly name: KernelName;
  /** The filter layout this kernel reads fastest at a spatial rank; prepared layers repack to it once. */
  preferredFilterLayout(rank: number): AnyFilterLayout;
  /**
   * Why this kernel cannot run `g` in `env`, or null when it can. A reason that remains
   * with unbounded buffer limits is about the geometry (UNSUPPORTED_BY_KERNEL), else about
   * the device (DEVICE_LIMIT).
   */
  unsupported(g: ConvTransposeGeometry, env: KernelEnv): string | null;
  /** Bytes of float32 scratch the kernel needs for `g` (column or upsampled buffers); 0 if none. */
  scratchBytes(g: ConvTransposeGeometry, env: KernelEnv): number;
  /** The variant this kernel runs `g` with in `env`, and its estimated cost. */
  choose(g: ConvTransposeGeometry, env: KernelEnv): KernelChoice;
  /**
   * Multiply-adds the kernel issues for `g`: with a variant, as that variant runs them
   * (inserted zeros and empty lanes of partly filled blocks included); without one, for
   * the kernel's algorithm itself.
   */
  issuedMacs(g: ConvTransposeGeometry, variant?: VariantKey): number;
  /**
   * Records the dispatches for `g` with `variant` (from `choose`, or a test's), bias and
   * activation fused into the last pass. Must write every output element.
   */
  encode(ctx: KernelContext, g: ConvTransposeGeometry, buffers: ConvBuffers, variant: VariantKey): void;
  /**
   * Every variant `choose` can return at a spatial rank and storage, with the shaders it
   * runs: what `npm run shaders:dump` writes and the layout test composes.
   */
  variants(rank: number, storage: Storage): { variant: VariantKey; shaders: ShaderSource[] }[];
}

/** The kernel objects of this library (see {@link defineKernel}); a WeakSet, so identity is the test. */
const LIBRARY_KERNELS = new WeakSet<object>();

/**
 * Marks a kernel object as one of this library's and freezes it: engines accept only these in
 * their `kernels` option (a copy or a look-alike object is not one). Call sites are annotated
 * pure, so a bundler drops a kernel nobody imports.
 */
export function defineKernel(kernel: Kernel): Kernel {
  LIBRARY_KERNELS.add(kernel);
  return Object.freeze(kernel);
}

/** True for a kernel object of this library (never throws: a Proxy is simply not one). */
export function isLibraryKernel(value: unknown): value is Kernel {
  return typeof value === 'object' && value !== null && LIBRARY_KERNELS.has(value);
}
