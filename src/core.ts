// The declarations use WebGPU's types: this reference, kept in dist/core.d.ts, makes them
// resolve for every consumer (`@webgpu/types` is a dependency).
/// <reference types="@webgpu/types" preserve="true" />
/**
 * `webgpu-deconv/core`: the engine without its default kernels. Its `createEngine` requires
 * the `kernels` option, so an application's bundle holds only the kernels it names, where
 * the package's `createEngine` ships all five. Everything else (framework adapters, the CPU
 * reference, errors, tensors' types) comes from `webgpu-deconv` and costs only what is imported.
 */
import { openEngine, type Engine, type EngineOptions } from './gpu/engine.js';
import type { Kernel } from './gpu/kernel.js';

export type { Engine, EngineOptions } from './gpu/engine.js';
export type { Kernel, KernelName } from './gpu/kernel.js';
export { zeroInsertionKernel } from './gpu/kernels/zero-insertion/index.js';
export { scatterKernel } from './gpu/kernels/scatter/index.js';
export { gemmCol2imKernel } from './gpu/kernels/gemm-col2im/index.js';
export { im2colGemmKernel } from './gpu/kernels/im2col-gemm/index.js';
export { subpixelKernel } from './gpu/kernels/subpixel/index.js';

/**
 * Creates an engine that runs only `options.kernels` (for example `[subpixelKernel]`), with
 * the options and behaviour of the package's `createEngine` otherwise.
 * @throws DeconvError('INVALID_ARGUMENT') when `kernels` is missing, empty or holds anything
 *   but this library's kernels.
 */
export function createEngine(options: EngineOptions & { kernels: readonly Kernel[] }): Promise<Engine> {
  return openEngine(options, null);
}
