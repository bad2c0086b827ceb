import type { ConvTranspose2dGeometry, FilterLayout } from '../types.js';

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

/** One compute dispatch, described declaratively; the runtime builds and caches the pipeline. */
export interface DispatchSpec {
  /** Kernel name and pass, used for pipeline and buffer labels (`subpixel`, `gemm-col2im:col2im`). */
  label: string;
  /** WGSL source of one file in `shaders/` (imported with `?raw`). */
  code: string;
  /** Default 'main'. */
  entryPoint?: string;
  /** Values for the shader's `override` constants; part of the pipeline cache key. */
  constants?: Record<string, number>;
  /**
   * Members of the shader's `var<uniform> params` struct, by member name. Offsets and
   * types (u32, i32, f32, vecN of them) come from the WGSL through wgsl_reflect.
   */
  uniforms?: Record<string, number | readonly number[]>;
  /** Storage buffers by the WGSL variable name they bind to. */
  buffers: Record<string, GPUBuffer>;
  /**
   * Total workgroups. The runtime folds it into x·y·z within
   * `maxComputeWorkgroupsPerDimension`; the shader recovers the linear index as
   * `wid.x + wid.y * nwg.x + wid.z * nwg.x * nwg.y` and returns when it is past the end.
   */
  workgroups: number;
}

/** What a kernel may ask of the runtime while encoding one call. */
export interface KernelContext {
  readonly device: GPUDevice;
  /** The device's limits (never module globals). */
  readonly limits: GPUSupportedLimits;
  /**
   * True on a software adapter (SwiftShader), where barriers are costly and
   * register-blocked variants beat workgroup-memory tiling.
   */
  readonly software: boolean;
  /** A scratch storage buffer that lives until the call's work is submitted and done. */
  scratch(bytes: number, label: string): GPUBuffer;
  /** Records one dispatch into the call's command encoder, in order. */
  dispatch(spec: DispatchSpec): void;
}

/** Buffers of one call (or one split piece of it). */
export interface ConvBuffers {
  /** Input in `g.inputLayout`, starting at element 0. */
  input: GPUBuffer;
  /** Filter, in `g.filterLayout` (a prepared layer may repack it into `preferredFilterLayout`). */
  filter: GPUBuffer;
  /** Bias, `g.outChannels` floats; zeros when the call has none. */
  bias: GPUBuffer;
  /** Output in `g.inputLayout`, `g.outputSize` floats. */
  output: GPUBuffer;
}

/** One algorithm: a pure capability check plus an encoder of its dispatches. */
export interface Kernel {
  readonly name: KernelName;
  /** The filter layout this kernel reads fastest; prepared layers repack to it once. */
  readonly preferredFilterLayout: FilterLayout;
  /** Why this kernel cannot run `g` within `limits`, or null when it can. */
  unsupported(g: ConvTranspose2dGeometry, limits: GPUSupportedLimits): string | null;
  /** Bytes of scratch memory the kernel needs for `g` (column or upsampled buffers); 0 if none. */
  scratchBytes(g: ConvTranspose2dGeometry): number;
  /**
   * Records the dispatches for `g`, bias and activation fused into the last pass.
   * Must write every output element.
   */
  encode(ctx: KernelContext, g: ConvTranspose2dGeometry, buffers: ConvBuffers): void;
}
