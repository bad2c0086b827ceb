// The declarations use WebGPU's types: this reference, kept in dist/tfjs.d.ts, makes them
// resolve for every consumer (`@webgpu/types` is a dependency).
/// <reference types="@webgpu/types" preserve="true" />
/**
 * `webgpu-deconv/tfjs`: the library's transposed convolution as TF.js's own kernels, so
 * `tf.conv2dTranspose`, `tf.layers.conv2dTranspose` and `tf.conv3dTranspose` (and every model
 * that uses them) run it on the WebGPU backend's device, with no change to the model code.
 *
 * `@tensorflow/tfjs-core` is an optional peer dependency of this entry only: you pass your
 * `tf` namespace in, and nothing here imports it.
 */
import { DeconvError } from './errors.js';
import { fromTensorFlow, type TensorFlowParams } from './frameworks.js';
import { engineOnDevice, type Engine } from './gpu/engine.js';
import { KERNEL_NAMES, type KernelName } from './gpu/kernel.js';
import { allKernels } from './gpu/kernels/registry.js';
import type { PreparedConvTranspose } from './gpu/layer.js';
import type { GPUTensor } from './gpu/tensor.js';
import { oneOf, readOptions } from './validate.js';

/** What TF.js calls a tensor inside a kernel. */
export interface TfjsTensorInfo {
  dataId: object;
  shape: number[];
  dtype: string;
}

/** A TF.js kernel registration. */
export interface TfjsKernelConfig {
  kernelName: string;
  backendName: string;
  kernelFunc: (args: {
    inputs: Record<string, TfjsTensorInfo>;
    backend: object;
    attrs?: Record<string, unknown>;
  }) => TfjsTensorInfo | TfjsTensorInfo[];
  setupFunc?: unknown;
  disposeFunc?: unknown;
}

/**
 * The part of the `@tensorflow/tfjs-core` namespace this entry uses (typed loosely, so any
 * TF.js 4.x namespace fits without this package depending on TF.js's types).
 */
export interface TfjsCore {
  /** Takes a TF.js KernelConfig. */
  registerKernel(config: never): void;
  unregisterKernel(kernelName: string, backendName: string): void;
  /** Returns a TF.js KernelConfig or undefined. */
  getKernel(kernelName: string, backendName: string): unknown;
}

/** Options of {@link registerTfjsKernels}. */
export interface TfjsKernelOptions {
  /** The kernel to run: 'auto' (default, the planner's choice) or a kernel by name. */
  kernel?: KernelName | 'auto';
}

/** The parts of TF.js's WebGPU backend used here (its tensor map and command stream). */
interface WebGPUBackendLike {
  device: GPUDevice;
  tensorMap: { get(dataId: object): { resource?: unknown } | undefined };
  uploadToGPU(dataId: object): void;
  makeTensorInfo(shape: number[], dtype: string): TfjsTensorInfo;
  submitQueue(): void;
  endComputePassEncoder(): void;
  disposeData(dataId: object, force?: boolean): boolean;
  commandEncoder?: GPUCommandEncoder | null;
}

function isWebGPUBackend(b: unknown): b is WebGPUBackendLike {
  const x = b as Partial<WebGPUBackendLike> | null;
  return (
    !!x &&
    typeof x === 'object' &&
    !!x.device &&
    typeof x.uploadToGPU === 'function' &&
    typeof x.makeTensorInfo === 'function' &&
    typeof x.submitQueue === 'function' &&
    typeof x.tensorMap?.get === 'function'
  );
}

/** The GPU buffer of a TF.js tensor (uploaded first when it lives on the CPU), or null for a texture. */
function bufferOf(b: WebGPUBackendLike, t: TfjsTensorInfo): GPUBuffer | null {
  b.uploadToGPU(t.dataId);
  const r = b.tensorMap.get(t.dataId)?.resource as { usage?: unknown; size?: unknown } | undefined;
  return r && typeof r.usage === 'number' && typeof r.size === 'number' ? (r as GPUBuffer) : null;
}

/** Submits TF.js's recorded work, so ours (submitted next) sees its results. */
function flush(b: WebGPUBackendLike): void {
  if (!b.commandEncoder) return;
  b.endComputePassEncoder();
  b.submitQueue();
}

/** TF.js's pad attribute in TensorFlow's form ('SAME', 'VALID' or explicit pairs per dimension). */
function tfPadding(pad: unknown, rank: number): TensorFlowParams['padding'] | null {
  if (pad === 'same' || pad === 'valid') return pad === 'same' ? 'SAME' : 'VALID';
  if (typeof pad === 'number') {
    const p: [number, number] = [pad, pad];
    return [[0, 0], ...Array.from({ length: rank }, () => p), [0, 0]];
  }
  return Array.isArray(pad) ? (pad as TensorFlowParams['padding']) : null;
}

/** The kernels this entry registers: TF.js's name, the data format of its inputs, the spatial rank. */
const KERNELS = [
  { name: 'Conv2DBackpropInput', rank: 2 },
  { name: 'Conv3DBackpropInputV2', rank: 3 },
] as const;

/**
 * Registers the library's transposed convolution as TF.js's `Conv2DBackpropInput` (what
 * `tf.conv2dTranspose` and `tf.layers.conv2dTranspose` run) and `Conv3DBackpropInputV2`
 * (`tf.conv3dTranspose`) for the 'webgpu' backend, and returns a function that restores the
 * kernels TF.js had.
 *
 * Inside a kernel it runs on the backend's own GPUDevice: inputs are read from TF.js's GPU
 * buffers (TF.js's pending work is submitted first; CPU-resident inputs are uploaded), and
 * the output is a buffer TF.js allocated, so `tf.memory()` stays exact. A filter used again
 * (a model's weights) is prepared once and released when TF.js disposes that tensor. What it
 * does not handle (another dtype, `dimRoundingMode`, another backend) goes to the kernel TF.js
 * had. An output shape that TensorFlow itself rejects — TF.js accepts it silently and returns
 * wrong values — throws a DeconvError saying why.
 */
export function registerTfjsKernels(tf: TfjsCore, options: TfjsKernelOptions = {}): () => void {
  const o = readOptions('options', options, ['kernel'] as const, 'TF.js kernel options');
  const kernel = oneOf<KernelName | 'auto'>('options.kernel', o.kernel, ['auto', ...KERNEL_NAMES], 'auto');
  // The three methods are read once and bound: a namespace whose getters change later cannot
  // turn a later call into another exception.
  const method = <K extends 'registerKernel' | 'unregisterKernel' | 'getKernel'>(f: K): TfjsCore[K] => {
    let m: unknown;
    try {
      m = (tf as unknown as Record<string, unknown>)?.[f];
    } catch {
      m = undefined; // a revoked Proxy or a throwing getter
    }
    if (typeof m !== 'function') {
      throw new DeconvError(
        'INVALID_ARGUMENT',
        `tf.${f}: must be a function (pass the @tensorflow/tfjs-core namespace)`,
        'tf',
      );
    }
    return Function.prototype.bind.call(m, tf) as TfjsCore[K];
  };
  const registerKernel = method('registerKernel');
  const unregisterKernel = method('unregisterKernel');
  const getKernel = method('getKernel');

  const engines = new Map<WebGPUBackendLike, Engine>();
  /** Prepared layers per filter tensor, by the options they were prepared with. */
  const layers = new Map<object, Map<string, PreparedConvTranspose>>();
  const patched = new Map<WebGPUBackendLike, WebGPUBackendLike['disposeData']>();
  const originals = new Map<string, TfjsKernelConfig>();

  const release = (dataId: object) => {
    for (const layer of layers.get(dataId)?.values() ?? []) layer.destroy();
    layers.delete(dataId);
  };
  const engineFor = (b: WebGPUBackendLike): Engine => {
    let e = engines.get(b);
    if (!e || e.destroyed) {
      e = engineOnDevice(b.device, allKernels());
      engines.set(b, e);
      // Release a filter's prepared layers when TF.js frees the filter.
      const dispose = b.disposeData;
      patched.set(b, dispose);
      b.disposeData = (dataId: object, force?: boolean) => {
        const freed = dispose.call(b, dataId, force);
        if (freed) release(dataId);
        return freed;
      };
    }
    return e;
  };

  const kernelFunc =
    (name: string, rank: number, original: TfjsKernelConfig | undefined): TfjsKernelConfig['kernelFunc'] =>
    (args) => {
      const { inputs, backend, attrs = {} } = args;
      const dy = inputs.dy!;
      const filter = inputs.filter!;
      const padding = tfPadding(attrs.pad, rank);
      const handled =
        isWebGPUBackend(backend) &&
        dy.dtype === 'float32' &&
        filter.dtype === 'float32' &&
        attrs.dimRoundingMode == null &&
        padding !== null;
      const fallback = () => {
        if (!original) throw new DeconvError('INVALID_ARGUMENT', `${name}: TF.js had no kernel to fall back to`, 'tf');
        return original.kernelFunc(args);
      };
      if (!handled) return fallback();
      const b = backend as WebGPUBackendLike;
      const dataFormat = (attrs.dataFormat as string | undefined) ?? (rank === 2 ? 'NHWC' : 'NDHWC');
      // Throws a DeconvError for the output shapes TensorFlow rejects.
      const conv = fromTensorFlow(
        {
          outputShape: attrs.inputShape as number[],
          strides: attrs.strides as number[],
          padding,
          dataFormat,
        } as TensorFlowParams,
        dy.shape,
        filter.shape,
      );
      const x = bufferOf(b, dy);
      const w = bufferOf(b, filter);
      if (!x || !w) return fallback();
      const outShape = [...(attrs.inputShape as number[])];
      const out = b.makeTensorInfo(outShape, 'float32');
      const y = bufferOf(b, out)!;
      flush(b);
      const engine = engineFor(b);
      const key = JSON.stringify(conv);
      let byOptions = layers.get(filter.dataId);
      if (!byOptions) layers.set(filter.dataId, (byOptions = new Map()));
      let layer = byOptions.get(key);
      const wrapped: GPUTensor[] = [];
      const wrap = (buffer: GPUBuffer, shape: number[]) => {
        const t = engine.wrap(buffer, shape);
        wrapped.push(t);
        return t;
      };
      try {
        if (!layer) {
          layer = engine.createConvTranspose(wrap(w, filter.shape), filter.shape, { ...conv, kernel });
          byOptions.set(key, layer);
        }
        layer.run(wrap(x, dy.shape), { output: wrap(y, outShape) });
      } finally {
        wrapped.forEach((t) => t.destroy());
      }
      return out;
    };

  for (const { name, rank } of KERNELS) {
    const original = getKernel(name, 'webgpu') as TfjsKernelConfig | undefined;
    if (original) {
      originals.set(name, original);
      unregisterKernel(name, 'webgpu');
    }
    const config: TfjsKernelConfig = {
      kernelName: name,
      backendName: 'webgpu',
      kernelFunc: kernelFunc(name, rank, original),
    };
    registerKernel(config as never);
  }
  let registered = true;
  return () => {
    if (!registered) return;
    registered = false;
    for (const { name } of KERNELS) {
      unregisterKernel(name, 'webgpu');
      const original = originals.get(name);
      if (original) registerKernel(original as never);
    }
    for (const [b, dispose] of patched) b.disposeData = dispose;
    for (const dataId of [...layers.keys()]) release(dataId);
    for (const e of engines.values()) e.destroy();
  };
}
