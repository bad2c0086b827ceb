/**
 * Zero-copy interop in Chromium: an ONNX Runtime Web session (WebGPU EP) → one of our layers
 * → another ORT Web session, all on one GPUDevice with no readback in between, matches ORT
 * running the three layers itself; and engine.wrap's checks. No adapter → the tests fail.
 */
import * as ort from 'onnxruntime-web/webgpu';
import wasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm?url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeconvError } from '../../src/errors.js';
import type { Engine } from '../../src/gpu/engine.js';
import { createEngine } from '../../src/gpu/kernels/registry.js';
import { convTransposeModel } from '../helpers/onnx-model.js';
import { compare, randomData, rng } from '../helpers/check.js';

let device: GPUDevice;
let engine: Engine;
beforeAll(async () => {
  if (!navigator.gpu) throw new Error('navigator.gpu is missing: this GPU test cannot run and fails on purpose');
  const adapter = await navigator.gpu.requestAdapter();
  if (!adapter) throw new Error('No WebGPU adapter: this GPU test cannot run and fails on purpose');
  device = await adapter.requestDevice();
  engine = await createEngine({ device, fallback: 'none' });
  // Single-threaded wasm (the page is not cross-origin isolated), served by the same origin.
  ort.env.wasm.wasmPaths = wasmUrl.slice(0, wasmUrl.lastIndexOf('/') + 1);
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'error';
});
afterAll(() => {
  engine?.destroy();
  device?.destroy();
});

/** One ConvTranspose layer: NCHW shapes, ONNX attributes, weights. */
interface Layer {
  x: number[];
  w: number[];
  y: number[];
  attrs: { strides: number[]; pads: number[]; output_padding?: number[] };
  weight: Float32Array;
}

const rand = rng(42);
const LAYERS: Layer[] = [
  {
    x: [1, 4, 3, 3],
    w: [4, 6, 4, 4],
    y: [1, 6, 6, 6],
    attrs: { strides: [2, 2], pads: [1, 1, 1, 1] },
    weight: randomData(384, rand),
  },
  {
    x: [1, 6, 6, 6],
    w: [6, 5, 3, 3],
    y: [1, 5, 12, 12],
    attrs: { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] },
    weight: randomData(270, rand),
  },
  {
    x: [1, 5, 12, 12],
    w: [5, 3, 2, 2],
    y: [1, 3, 24, 24],
    attrs: { strides: [2, 2], pads: [0, 0, 0, 0] },
    weight: randomData(60, rand),
  },
];

/** An ORT WebGPU session of one layer on our device, its output left on the GPU. */
function session(l: Layer): Promise<ort.InferenceSession> {
  const model = convTransposeModel(l.x, l.w, l.attrs, false, 17, { weight: l.weight, yShape: l.y });
  return ort.InferenceSession.create(model, {
    executionProviders: [{ name: 'webgpu', device } as unknown as ort.InferenceSession.ExecutionProviderConfig],
    preferredOutputLocation: 'gpu-buffer',
  });
}

describe('interop with ONNX Runtime Web on one device (Chromium)', () => {
  it('ORT → our layer → ORT, with no readback in between, matches ORT alone', async () => {
    // ORT creates WebGPU sessions one at a time.
    const [a, m, b] = [await session(LAYERS[0]!), await session(LAYERS[1]!), await session(LAYERS[2]!)];
    const input = new ort.Tensor('float32', randomData(36, rand), LAYERS[0]!.x);
    // ORT alone.
    const ya = (await a.run({ X: input })).Y!;
    const ym = (await m.run({ X: ya })).Y!;
    const want = (await (await b.run({ X: ym })).Y!.getData()) as Float32Array;
    // ORT → ours → ORT: the middle layer is ours, fed from ORT's GPU output and writing a
    // buffer ORT reads directly.
    const mid = LAYERS[1]!;
    const layer = engine.createConvTranspose2d(mid.weight, mid.w, {
      strides: mid.attrs.strides,
      padding: [1, 1, 1, 1],
      outputPadding: mid.attrs.output_padding,
    });
    const out1 = (await a.run({ X: input })).Y!;
    const yBuf = device.createBuffer({
      size: mid.y.reduce((p, d) => p * d, 4),
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
    const x = engine.wrap(out1.gpuBuffer as GPUBuffer, mid.x);
    const y = engine.wrap(yBuf, mid.y);
    expect(layer.run(x, { output: y })).toBe(y);
    const got = (await (
      await b.run({ X: ort.Tensor.fromGpuBuffer(yBuf, { dataType: 'float32', dims: mid.y }) })
    ).Y!.getData()) as Float32Array;
    expect(got.length).toBe(3 * 24 * 24);
    expect(compare(got, want, 1e-4, 1e-4).message).toBe('ok');
    x.destroy();
    y.destroy();
    // The wrapped buffers are still the caller's.
    expect(yBuf.size).toBeGreaterThan(0);
    yBuf.destroy();
    layer.destroy();
    await Promise.all([a.release(), m.release(), b.release()]);
  });

  it('engine.wrap rejects a buffer without STORAGE usage, one too small, and one of another device', async () => {
    const codeOf = async (f: () => unknown): Promise<[string, string | undefined]> => {
      try {
        await f();
      } catch (e) {
        return e instanceof DeconvError ? [e.code, e.param] : ['other', String(e)];
      }
      return ['none', undefined];
    };
    const mapRead = device.createBuffer({ size: 64, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    expect(await codeOf(() => engine.wrap(mapRead, [16]))).toEqual(['INVALID_ARGUMENT', 'buffer.usage']);
    const small = device.createBuffer({ size: 16, usage: GPUBufferUsage.STORAGE });
    expect(await codeOf(() => engine.wrap(small, [1, 2, 3]))).toEqual(['INVALID_ARGUMENT', 'buffer.size']);
    const adapter = (await navigator.gpu.requestAdapter())!;
    const other = await adapter.requestDevice();
    const foreign = other.createBuffer({ size: 64, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
    const t = engine.wrap(foreign, [16]);
    expect(await codeOf(() => t.read())).toEqual(['INVALID_ARGUMENT', 'buffer']);
    [mapRead, small, foreign].forEach((b) => b.destroy());
    other.destroy();
  });
});
