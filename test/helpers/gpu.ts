/**
 * Node GPU test helpers: a Dawn device from the `webgpu` package (SwiftShader
 * here). Getting no adapter throws, so the test that asked FAILS.
 */
import { create, globals } from 'webgpu';

export * from './check.js';

let gpu: GPU | null = null;

/** The `gpu` object of the `webgpu` package, with WebGPU's globals installed. */
export function nodeGpu(): GPU {
  if (!gpu) {
    Object.assign(globalThis, globals);
    gpu = create([]);
  }
  return gpu;
}

/** A fresh adapter; throws when there is none (the test must fail, not skip). */
export async function getAdapter(): Promise<GPUAdapter> {
  const adapter = await nodeGpu().requestAdapter();
  if (!adapter) throw new Error('No WebGPU adapter: this GPU test cannot run and fails on purpose');
  return adapter;
}

/** A fresh device with default limits (or the required ones). */
export async function getDevice(
  descriptor: GPUDeviceDescriptor = {},
): Promise<{ device: GPUDevice; adapter: GPUAdapter }> {
  const adapter = await getAdapter();
  const device = await adapter.requestDevice(descriptor);
  if (!device) throw new Error('requestDevice returned nothing');
  return { device, adapter };
}
