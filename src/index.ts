// The declarations use WebGPU's types (GPUDevice, GPUBuffer, …): this reference, kept in
// dist/index.d.ts, makes them resolve for every consumer (`@webgpu/types` is a dependency).
/// <reference types="@webgpu/types" preserve="true" />
export { DeconvError } from './errors.js';
export type { DeconvErrorCode } from './errors.js';
export type {
  Activation,
  AnyFilterLayout,
  AnyInputLayout,
  AxisStrides,
  ConvTranspose2dGeometry,
  ConvTranspose1dOptions,
  ConvTranspose2dOptions,
  ConvTranspose3dOptions,
  ConvTransposeGeometry,
  ConvTransposeOptions,
  FilterAxisStrides,
  FilterLayout,
  FilterLayout1d,
  FilterLayout3d,
  FilterStrides,
  InputLayout,
  InputLayout1d,
  InputLayout3d,
  Tensor,
  TensorStrides,
} from './types.js';
export { resolveConvTranspose, resolveConvTranspose2d } from './geometry.js';
export { convTransposeCpu, convTranspose2dCpu, convCpu, conv2dCpu } from './cpu.js';
export type { ConvOptions, ConvFilterLayout, Conv2dOptions, Conv2dFilterLayout } from './cpu.js';
export { seededRandom, glorotUniform, heUniform, bilinearUpsampling, foldBatchNorm } from './init.js';
export type { InitOptions, UpsamplingLayer, UpsamplingLayerNd, BatchNormParams } from './init.js';
export * from './frameworks.js';
export * from './convert.js';
export { createEngine, plan } from './gpu/kernels/registry.js';
export type { ConvResult, Engine, EngineOptions, LimitName, TensorOptions } from './gpu/engine.js';
export type { EngineConvOptions, PreparedConvTranspose, PreparedConvTranspose2d, RunOptions } from './gpu/layer.js';
export type { DType, GPUTensor } from './gpu/tensor.js';
export { fromHalf, toHalf } from './half.js';
export type { MemoryInfo, PoolCaps } from './gpu/runtime.js';
export type { Plan, PlanOptions, PlanPiece, SubpixelConfig } from './gpu/planner.js';
export { KERNEL_NAMES } from './gpu/kernel.js';
export type { Kernel, KernelName } from './gpu/kernel.js';
export { zeroInsertionKernel } from './gpu/kernels/zero-insertion/index.js';
export { scatterKernel } from './gpu/kernels/scatter/index.js';
export { gemmCol2imKernel } from './gpu/kernels/gemm-col2im/index.js';
export { im2colGemmKernel } from './gpu/kernels/im2col-gemm/index.js';
export { subpixelKernel } from './gpu/kernels/subpixel/index.js';
export type { AutotuneResult } from './gpu/autotune.js';
export { loadTorchDecoder } from './torch-model.js';
export type {
  LoadTorchOptions,
  TorchDecoder,
  TorchDecoderLayer,
  TorchManifest,
  TorchManifestLayer,
  TorchModule,
  TorchTensorEntry,
} from './torch-model.js';
