export { DeconvError } from './errors.js';
export type { DeconvErrorCode } from './errors.js';
export type {
  Activation,
  ConvTranspose2dGeometry,
  ConvTranspose2dOptions,
  FilterLayout,
  FilterStrides,
  InputLayout,
  Tensor,
  TensorStrides,
} from './types.js';
export { resolveConvTranspose2d } from './geometry.js';
export { convTranspose2dCpu, conv2dCpu } from './cpu.js';
export type { Conv2dOptions, Conv2dFilterLayout } from './cpu.js';
export { seededRandom, glorotUniform, heUniform, bilinearUpsampling, foldBatchNorm } from './init.js';
export type { InitOptions, UpsamplingLayer, BatchNormParams } from './init.js';
export * from './frameworks.js';
export * from './convert.js';
export { createEngine } from './gpu/engine.js';
export type { ConvResult, Engine, EngineOptions } from './gpu/engine.js';
export type { EngineConvOptions, PreparedConvTranspose2d } from './gpu/layer.js';
export type { GPUTensor } from './gpu/tensor.js';
export type { MemoryInfo, PoolCaps } from './gpu/runtime.js';
export { plan } from './gpu/planner.js';
export type { Plan, PlanOptions, PlanPiece, SubpixelConfig } from './gpu/planner.js';
export { KERNEL_NAMES } from './gpu/kernel.js';
export type { KernelName } from './gpu/kernel.js';
export type { AutotuneResult } from './gpu/autotune.js';
export { loadTorchDecoder } from './torch-model.js';
export type {
  LoadTorchOptions,
  TorchDecoder,
  TorchDecoderLayer,
  TorchManifest,
  TorchManifestLayer,
  TorchTensorEntry,
} from './torch-model.js';
