/**
 * Hostile input, fixed cases: every call that once hung, threw another exception type,
 * answered wrongly or read its arguments late gets a DeconvError with the right code and
 * parameter within 50 ms, or the correct result, on the CPU reference, the GPU engine (a
 * Dawn device) and the CPU-backend engine wherever the call exists there. The property-based
 * search for more of them is in test/fuzz/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { equivalents, toKeras, toTorch } from '../src/convert.js';
import { conv2dCpu, convTranspose2dCpu, convTransposeCpu } from '../src/cpu.js';
import { DeconvError, type DeconvErrorCode } from '../src/errors.js';
import { fromOnnx, fromTorch } from '../src/frameworks.js';
import { resolveConvTranspose, resolveConvTranspose2d } from '../src/geometry.js';
import type { Engine } from '../src/gpu/engine.js';
import { createEngine } from '../src/gpu/kernels/registry.js';
import { createEngine as createCoreEngine, scatterKernel, subpixelKernel } from '../src/core.js';
import { bilinearUpsampling, foldBatchNorm, glorotUniform, heUniform } from '../src/init.js';
import { fromHalf, toHalf } from '../src/half.js';
import { registerTfjsKernels } from '../src/tfjs.js';
import { getDevice } from './helpers/gpu.js';

let device: GPUDevice;
let gpu: Engine;
let cpu: Engine;
const NO_ADAPTER = { requestAdapter: async () => null } as unknown as GPU;

beforeAll(async () => {
  ({ device } = await getDevice());
  gpu = await createEngine({ device, fallback: 'none' });
  cpu = await createEngine({ gpu: NO_ADAPTER });
});
afterAll(() => {
  gpu?.destroy();
  device?.destroy();
});

const F = (n: number, v = 0) => new Float32Array(n).fill(v);
const BIG = [1, 1, 1, 2 ** 40];
/** Validation is O(rank): a rejection comes within this (the fastest of three tries, so a pause of a loaded machine does not count). */
const LIMIT_MS = 50;
const MAX_MESSAGE = 500;

function checkError(e: unknown, code: DeconvErrorCode, param: string): DeconvError {
  if (!(e instanceof DeconvError)) throw new Error(`expected DeconvError(${code}, ${param}), got ${String(e)}`);
  expect({ code: e.code, param: e.param }, e.message).toEqual({ code, param });
  expect(e.message.length).toBeLessThan(MAX_MESSAGE);
  return e;
}

/** A synchronous call throws DeconvError(code, param) within LIMIT_MS. */
function rejects(call: () => unknown, code: DeconvErrorCode, param: string): DeconvError {
  let best = Infinity;
  let error: unknown = null;
  for (let i = 0; i < 3 && best > LIMIT_MS; i++) {
    const t0 = performance.now();
    try {
      call();
      error = new Error('it returned');
    } catch (e) {
      error = e;
    }
    best = Math.min(best, performance.now() - t0);
  }
  const e = checkError(error, code, param);
  expect(best).toBeLessThan(LIMIT_MS);
  return e;
}

/** An asynchronous call rejects (never throws) with DeconvError(code, param) within LIMIT_MS. */
async function rejectsAsync(call: () => Promise<unknown>, code: DeconvErrorCode, param: string): Promise<DeconvError> {
  let best = Infinity;
  let error: unknown = null;
  for (let i = 0; i < 3 && best > LIMIT_MS; i++) {
    const t0 = performance.now();
    const p = call();
    expect(typeof p?.then).toBe('function');
    try {
      await p;
      error = new Error('it resolved');
    } catch (e) {
      error = e;
    }
    best = Math.min(best, performance.now() - t0);
  }
  const e = checkError(error, code, param);
  expect(best).toBeLessThan(LIMIT_MS);
  return e;
}

/** The engines and the CPU reference, for a call of the canonical 2-D signature. */
function everyPath(args: [unknown, unknown, unknown, unknown, unknown?]): [string, () => Promise<unknown>][] {
  const [x, xs, w, ws, o] = args as Parameters<typeof convTranspose2dCpu>;
  return [
    ['CPU reference', async () => convTranspose2dCpu(x, xs, w, ws, o)],
    ['GPU engine', () => gpu.convTranspose2d(x, xs, w, ws, o)],
    ['CPU engine', () => cpu.convTranspose2d(x, xs, w, ws, o)],
  ];
}

/** Every path rejects the call with DeconvError(code, param) within LIMIT_MS. */
async function rejectsEverywhere(
  args: [unknown, unknown, unknown, unknown, unknown?],
  code: DeconvErrorCode,
  param: string,
): Promise<void> {
  for (const [where, call] of everyPath(args)) {
    try {
      await rejectsAsync(call, code, param);
    } catch (e) {
      throw new Error(`${where}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }
}

describe('sizes near or past 2^32 are rejected in O(rank) time', () => {
  it('a 2^40-wide input: resolve, the CPU reference, both engines, plan and a conversion', async () => {
    rejects(() => resolveConvTranspose2d(BIG, [1, 1, 1, 1]), 'INVALID_ARGUMENT', 'inputShape[3]');
    await rejectsEverywhere([F(1), BIG, F(1), [1, 1, 1, 1]], 'INVALID_ARGUMENT', 'inputShape[3]');
    rejects(() => gpu.plan(BIG, [1, 1, 1, 1]), 'INVALID_ARGUMENT', 'inputShape[3]');
    rejects(() => cpu.plan(BIG, [1, 1, 1, 1]), 'INVALID_ARGUMENT', 'inputShape[3]');
    rejects(() => toTorch(BIG, [1, 1, 1, 1]), 'INVALID_ARGUMENT', 'inputShape[3]');
  });

  it('a 2^32-tall ONNX kernel', () => {
    rejects(() => fromOnnx({}, [1, 1, 1, 1], [1, 1, 2 ** 32, 1]), 'INVALID_ARGUMENT', 'filterShape[2]');
  });

  it('a kernel of 2^31 − 1 rows makes a full size past 2^31 − 1', async () => {
    await rejectsEverywhere([F(4), [1, 1, 2, 2], F(4), [1, 1, 2 ** 31 - 1, 2]], 'INVALID_ARGUMENT', 'filterShape');
  });

  it('a wrong input length is found before any heavy work', async () => {
    await rejectsEverywhere(
      [F(29_999), [1, 1, 1, 30_000], F(10_000), [1, 1, 1, 10_000]],
      'INVALID_ARGUMENT',
      'input.length',
    );
  });

  it('outputs past 2^32 − 1 elements: the references and the initializers', () => {
    rejects(
      () => convTranspose2dCpu(F(4), [1, 1, 2, 2], F(4), [1, 1, 2, 2], { strides: [65536, 65536] }),
      'INVALID_ARGUMENT',
      'outputShape',
    );
    const pad = 2 ** 31 - 1;
    rejects(
      () => conv2dCpu(F(1), [1, 1, 1, 1], F(1), [1, 1, 1, 1], { padding: [pad, pad, pad, pad] }),
      'INVALID_ARGUMENT',
      'outputShape',
    );
    rejects(() => glorotUniform([2 ** 16, 2 ** 16, 2, 2]), 'INVALID_ARGUMENT', 'filterShape');
  });

  it('a 2^20-fold bilinear upsampling of 2^20 channels', () => {
    let error: unknown;
    try {
      bilinearUpsampling(2 ** 20, 2 ** 20);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DeconvError);
    expect((error as DeconvError).code).toBe('INVALID_ARGUMENT');
  });

  it('equivalents with a 2^32 stride', () => {
    rejects(
      () => equivalents([1, 1, 2, 6], [1, 1, 1, 1], { strides: [2 ** 32, 65536] }),
      'INVALID_ARGUMENT',
      'options.strides[0]',
    );
  });
});

describe('no other exception type escapes', () => {
  it('a BigInt or a circular value in a rejected argument', async () => {
    await rejectsEverywhere(
      [F(16), [1, 1, 4, 4], F(9), [1, 1, 3, 3], { strides: [2n, 2] }],
      'INVALID_ARGUMENT',
      'options.strides[0]',
    );
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    await rejectsEverywhere(
      [F(16), [1, 1, 4, 4], F(9), [1, 1, 3, 3], { padding: circular }],
      'INVALID_ARGUMENT',
      'options.padding',
    );
    const list: unknown[] = [1];
    list.push(list);
    await rejectsEverywhere([F(16), [1, 1, 4, 4], list, [1, 1, 3, 3]], 'INVALID_ARGUMENT', 'filter');
    rejects(
      () => gpu.createConvTranspose2d(F(9), [1, 1, 3, 3], { dilations: [1n, 1] } as never),
      'INVALID_ARGUMENT',
      'options.dilations[0]',
    );
  });

  it('registerTfjsKernels: a namespace that is not TF.js, or a bad kernel option', () => {
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    for (const tf of [null, undefined, {}, 5, revoked.proxy]) {
      rejects(() => registerTfjsKernels(tf as never), 'INVALID_ARGUMENT', 'tf');
    }
    const tf = { registerKernel() {}, unregisterKernel() {}, getKernel() {} };
    rejects(() => registerTfjsKernels(tf, { kernel: 'fast' } as never), 'INVALID_ARGUMENT', 'options.kernel');
    rejects(() => registerTfjsKernels(tf, { kernal: 'scatter' } as never), 'INVALID_ARGUMENT', 'options.kernal');
    // The methods are read once: a getter that works once and then throws changes nothing.
    let reads = 0;
    const calls: string[] = [];
    const once = {
      get getKernel() {
        if (reads++ > 0) throw new Error('read twice');
        return () => undefined;
      },
      registerKernel: (c: { kernelName: string }) => void calls.push(`register ${c.kernelName}`),
      unregisterKernel: (name: string) => void calls.push(`unregister ${name}`),
    };
    const restore = registerTfjsKernels(once as never);
    restore();
    expect(reads).toBe(1);
    expect(calls).toContain('register Conv2DBackpropInput');
  });

  it('options: null', () => {
    rejects(() => conv2dCpu(F(16), [1, 1, 4, 4], F(9), [1, 1, 3, 3], null as never), 'INVALID_ARGUMENT', 'options');
    rejects(() => resolveConvTranspose2d([1, 1, 4, 4], [1, 1, 3, 3], null as never), 'INVALID_ARGUMENT', 'options');
    rejects(() => glorotUniform([1, 1, 3, 3], null as never), 'INVALID_ARGUMENT', 'options');
    rejects(() => heUniform([1, 1, 3, 3], null as never), 'INVALID_ARGUMENT', 'options');
    const bn = { gamma: F(1, 1), beta: F(1), mean: F(1), variance: F(1, 1) };
    rejects(() => foldBatchNorm(F(9), [1, 1, 3, 3], undefined, bn, null as never), 'INVALID_ARGUMENT', 'options');
    rejects(() => foldBatchNorm(F(9), [1, 1, 3, 3], undefined, null as never), 'INVALID_ARGUMENT', 'bn');
  });

  it('an unknown filterLayout in the initializers', () => {
    rejects(
      () => glorotUniform([1, 1, 3, 3], { filterLayout: 'oihw' as never }),
      'INVALID_ARGUMENT',
      'options.filterLayout',
    );
  });

  it('sparse arrays', async () => {
    const holey = (values: number[], at: number) => {
      const a = [...values];
      delete a[at];
      return a;
    };
    await rejectsEverywhere([F(16), holey([1, 1, 4, 4], 1), F(9), [1, 1, 3, 3]], 'INVALID_ARGUMENT', 'inputShape[1]');
    await rejectsEverywhere(
      [F(16), [1, 1, 4, 4], F(9), [1, 1, 3, 3], { strides: holey([2, 2], 1) }],
      'INVALID_ARGUMENT',
      'options.strides[1]',
    );
    rejects(() => toTorch(holey([1, 1, 4, 4], 1), [1, 1, 3, 3]), 'INVALID_ARGUMENT', 'inputShape[1]');
  });

  it('Proxies (revoked, or with throwing traps) and throwing element getters', async () => {
    const revoked = Proxy.revocable(F(16), {});
    revoked.revoke();
    await rejectsEverywhere([revoked.proxy, [1, 1, 4, 4], F(9), [1, 1, 3, 3]], 'INVALID_ARGUMENT', 'input');
    const boom = () => {
      throw new Error('boom');
    };
    const throwing = new Proxy([1, 1, 4, 4], { get: boom, has: boom });
    await rejectsEverywhere([F(16), throwing, F(9), [1, 1, 3, 3]], 'INVALID_ARGUMENT', 'inputShape');
    const getter = Object.defineProperty([1, 1, 4, 4], 1, { get: boom });
    await rejectsEverywhere([F(16), getter, F(9), [1, 1, 3, 3]], 'INVALID_ARGUMENT', 'inputShape[1]');
    await rejectsEverywhere(
      [F(16), [1, 1, 4, 4], F(9), [1, 1, 3, 3], { padding: new Proxy([0, 0, 0, 0], { get: boom }) }],
      'INVALID_ARGUMENT',
      'options.padding',
    );
    rejects(() => gpu.upload(new Proxy(F(4), {}) as never, [4]), 'INVALID_ARGUMENT', 'data');
  });

  it('createEngine with a device that is not one', async () => {
    await rejectsAsync(() => createEngine({ device: {} as never }), 'INVALID_ARGUMENT', 'options.device');
    const threeMethods = {
      createBuffer() {},
      createComputePipeline() {},
      pushErrorScope() {},
      lost: new Promise(() => {}),
      features: 5,
    };
    await rejectsAsync(() => createEngine({ device: threeMethods as never }), 'INVALID_ARGUMENT', 'options.device');
    // A Proxy of a real device: WebGPU refuses calls through it.
    await rejectsAsync(() => createEngine({ device: new Proxy(device, {}) }), 'INVALID_ARGUMENT', 'options.device');
  });

  it('a WebGPU entry point whose adapter or device is not one falls back like a missing one', async () => {
    const fake = { requestAdapter: async () => ({ limits: {}, features: new Set(), requestDevice: async () => ({}) }) };
    const e = await createEngine({ gpu: fake as never });
    expect(e.backend).toBe('cpu');
    await rejectsAsync(() => createEngine({ gpu: fake as never, fallback: 'none' }), 'NO_WEBGPU', 'gpu');
    const noDevice = { requestAdapter: async () => ({ limits: null }) };
    await rejectsAsync(() => createEngine({ gpu: noDevice as never, fallback: 'none' }), 'NO_WEBGPU', 'gpu');
  });

  it('data on a SharedArrayBuffer is copied: the right result, nothing leaked', async () => {
    const shared = new Float32Array(new SharedArrayBuffer(16));
    shared.set([1, 2, 3, 4]);
    for (const e of [gpu, cpu]) {
      const before = e.memory();
      const t = e.upload(shared, [4]);
      expect([...(await t.read())]).toEqual([1, 2, 3, 4]);
      t.destroy();
      const r = await e.convTranspose2d(shared, [1, 1, 2, 2], F(1, 2), [1, 1, 1, 1]);
      expect([...r.data]).toEqual([2, 4, 6, 8]);
      await e.device?.queue.onSubmittedWorkDone();
      const after = e.memory();
      expect(after.buffers - after.pooledBuffers).toBe(before.buffers - before.pooledBuffers);
    }
  });

  it('a bias that is not a Float32Array, beside a size-dependent option a layer checks only when it runs', () => {
    for (const e of [gpu, cpu]) {
      for (const bias of [0, null, new DataView(new ArrayBuffer(4))]) {
        rejects(
          () => e.createConvTranspose(F(1), [1, 1, 1], { bias, outputSizes: [5] } as never),
          'INVALID_ARGUMENT',
          'options.bias',
        );
      }
    }
  });

  it('a DataView bias', async () => {
    const bias = new DataView(new ArrayBuffer(4));
    await rejectsEverywhere([F(16), [1, 1, 4, 4], F(9), [1, 1, 3, 3], { bias }], 'INVALID_ARGUMENT', 'options.bias');
    for (const e of [gpu, cpu]) {
      rejects(() => e.createConvTranspose2d(F(9), [1, 1, 3, 3], { bias } as never), 'INVALID_ARGUMENT', 'options.bias');
    }
  });

  it('long lists of names in a message are cut', async () => {
    const e = await rejectsAsync(
      () => createEngine({ device, limits: { maxFoo: 1 } as never }),
      'INVALID_ARGUMENT',
      'options.limits.maxFoo',
    );
    expect(e.message.length).toBeLessThan(300);
  });
});

describe('typed arrays are read by what they are, not by what they say', () => {
  it('a Float32Array whose own length property lies is rejected by its real length', async () => {
    const lying = Object.defineProperty(F(15, 1), 'length', { value: 16 });
    await rejectsEverywhere([lying, [1, 1, 4, 4], F(9, 1), [1, 1, 3, 3]], 'INVALID_ARGUMENT', 'input.length');
    const bias = Object.defineProperty(F(2), 'length', { value: 1 });
    await rejectsEverywhere(
      [F(16), [1, 1, 4, 4], F(9), [1, 1, 3, 3], { bias }],
      'INVALID_ARGUMENT',
      'options.bias.length',
    );
  });

  it('a Float32Array subclass with a lying length getter computes on its real elements', async () => {
    class Longer extends Float32Array {
      override get length(): number {
        return super.length + 1;
      }
    }
    const want = convTranspose2dCpu(F(16, 1), [1, 1, 4, 4], F(9, 1), [1, 1, 3, 3]).data;
    for (const [where, call] of everyPath([new Longer(16).fill(1), [1, 1, 4, 4], F(9, 1), [1, 1, 3, 3]])) {
      const r = (await call()) as { data: Float32Array };
      expect([...r.data], where).toEqual([...want]);
    }
  });
});

describe('the float16 helpers', () => {
  it('take typed arrays and arrays of numbers, and name what else they get', () => {
    rejects(() => toHalf(null as never), 'INVALID_ARGUMENT', 'data');
    rejects(() => fromHalf(undefined as never), 'INVALID_ARGUMENT', 'bits');
    rejects(() => toHalf([1, '2'] as never), 'INVALID_ARGUMENT', 'data[1]');
    rejects(() => toHalf(new Array(2 ** 32 - 1)), 'INVALID_ARGUMENT', 'data[0]');
    rejects(() => fromHalf(new BigInt64Array(2) as never), 'INVALID_ARGUMENT', 'bits');
    const lying = Object.defineProperty(Float32Array.from([1, 2]), 'length', { value: 3 });
    expect([...fromHalf(toHalf(lying))]).toEqual([1, 2]);
  });
});

describe('no wrong answers past 2^53', () => {
  it('a stride of 2^52 + 1 is rejected, not rounded', () => {
    rejects(
      () =>
        resolveConvTranspose2d([1, 1, 1, 3], [1, 1, 1, 1], {
          strides: [1, 4503599627370497],
          padding: [0, 0, 1, 9007199254740991],
        }),
      'INVALID_ARGUMENT',
      'options.strides[1]',
    );
  });

  it('a prepared layer and the one-shot call agree on a 2^52 stride', async () => {
    for (const e of [gpu, cpu]) {
      rejects(
        () => e.createConvTranspose2d(F(1), [1, 1, 1, 1], { strides: [2 ** 52, 1] }),
        'INVALID_ARGUMENT',
        'options.strides[0]',
      );
    }
    await rejectsEverywhere(
      [F(1), [1, 1, 1, 1], F(1), [1, 1, 1, 1], { strides: [2 ** 52, 1] }],
      'INVALID_ARGUMENT',
      'options.strides[0]',
    );
  });
});

describe('arguments are read once, when the call is made', () => {
  const x = () => Float32Array.from({ length: 16 }, (_, i) => i - 8);
  const w = () => Float32Array.from({ length: 9 }, (_, i) => (i % 3) - 1);
  const want = convTranspose2dCpu(x(), [1, 1, 4, 4], w(), [1, 1, 3, 3], { strides: [2, 2], padding: [1, 1, 1, 1] });

  it('options changed after engine.convTranspose2d returns change nothing', async () => {
    for (const e of [gpu, cpu]) {
      const options = { strides: [2, 2], padding: [1, 1, 1, 1] };
      const p = e.convTranspose2d(x(), [1, 1, 4, 4], w(), [1, 1, 3, 3], options);
      options.padding[0] = 0;
      options.strides[1] = 1;
      const r = await p;
      expect(r.shape).toEqual(want.shape);
      expect([...r.data]).toEqual([...want.data]);
    }
  });

  it('the filter shape, filter and options arrays changed after createConvTranspose2d change nothing', async () => {
    for (const e of [gpu, cpu]) {
      const filterShape = [1, 1, 3, 3];
      const filter = w();
      const options = { strides: [2, 2], padding: [1, 1, 1, 1] };
      const layer = e.createConvTranspose2d(filter, filterShape, options);
      filterShape[2] = 1;
      filter.fill(100);
      options.strides[0] = 3;
      options.padding.fill(0);
      const t = e.upload(x(), [1, 1, 4, 4]);
      const y = layer.run(t);
      expect([...(await y.read())]).toEqual([...want.data]);
      [t, y].forEach((v) => v.destroy());
      layer.destroy();
    }
  });
});

describe('engine options are validated', () => {
  it('a negative pool cap and an unknown (misspelt) key', async () => {
    await rejectsAsync(
      () => createEngine({ device, pool: { buffers: -1 } }),
      'INVALID_ARGUMENT',
      'options.pool.buffers',
    );
    await rejectsAsync(() => createEngine({ fallbak: 'none' } as never), 'INVALID_ARGUMENT', 'options.fallbak');
  });

  it('kernels: a non-empty array of distinct kernels of the library; required by the core createEngine', async () => {
    for (const kernels of [[], 'subpixel', null, subpixelKernel]) {
      await rejectsAsync(() => createEngine({ device, kernels } as never), 'INVALID_ARGUMENT', 'options.kernels');
    }
    const fake = { ...subpixelKernel, name: 'winograd' };
    for (const bad of ['subpixel', {}, fake, { name: 'subpixel' }]) {
      const e = await rejectsAsync(
        () => createEngine({ device, kernels: [scatterKernel, bad] } as never),
        'INVALID_ARGUMENT',
        'options.kernels[1]',
      );
      expect(e.message.length).toBeLessThan(300);
    }
    await rejectsAsync(
      () => createEngine({ device, kernels: [scatterKernel, scatterKernel] }),
      'INVALID_ARGUMENT',
      'options.kernels[1]',
    );
    // Hostile lists: a revoked Proxy, a length of 2^32 − 1 (never iterated), a throwing element.
    const { proxy: revoked, revoke } = Proxy.revocable([scatterKernel], {});
    revoke();
    const long = new Proxy([scatterKernel], { get: (t, p) => (p === 'length' ? 2 ** 32 - 1 : Reflect.get(t, p)) });
    for (const kernels of [revoked, long]) {
      await rejectsAsync(() => createEngine({ device, kernels } as never), 'INVALID_ARGUMENT', 'options.kernels');
    }
    const throwing = Object.defineProperty([scatterKernel, scatterKernel], 1, {
      get: () => {
        throw new Error('element');
      },
    });
    await rejectsAsync(() => createEngine({ device, kernels: throwing }), 'INVALID_ARGUMENT', 'options.kernels');
    // On the CPU backend too, the kernel option may only name one of the engine's kernels.
    const onCpu = await createEngine({ gpu: { requestAdapter: async () => null } as never, kernels: [scatterKernel] });
    expect(onCpu.backend).toBe('cpu');
    const other = { kernel: 'subpixel' } as const;
    await rejectsAsync(
      () => onCpu.convTranspose2d(F(16), [1, 1, 4, 4], F(9), [1, 1, 3, 3], other),
      'INVALID_ARGUMENT',
      'options.kernel',
    );
    rejects(() => onCpu.createConvTranspose2d(F(9), [1, 1, 3, 3], other), 'INVALID_ARGUMENT', 'options.kernel');
    rejects(() => onCpu.plan([1, 1, 4, 4], [1, 1, 3, 3], other), 'INVALID_ARGUMENT', 'options.kernel');
    expect((await onCpu.convTranspose2d(F(16), [1, 1, 4, 4], F(9), [1, 1, 3, 3], { kernel: 'scatter' })).kernel).toBe(
      'cpu',
    );
    // Checked before any device is requested, on every backend.
    await rejectsAsync(() => createEngine({ kernels: [] }), 'INVALID_ARGUMENT', 'options.kernels');
    await rejectsAsync(() => createCoreEngine({ device } as never), 'INVALID_ARGUMENT', 'options.kernels');
    await rejectsAsync(() => createCoreEngine({} as never), 'INVALID_ARGUMENT', 'options.kernels');
  });
});

describe('strides and dilations past 2^31 − 1', () => {
  it('are rejected alike by the CPU reference and the engines', async () => {
    await rejectsEverywhere(
      [F(1), [1, 1, 1, 1], F(1), [1, 1, 1, 1], { strides: [2 ** 31, 1] }],
      'INVALID_ARGUMENT',
      'options.strides[0]',
    );
    await rejectsEverywhere(
      [F(1), [1, 1, 1, 1], F(1), [1, 1, 1, 1], { dilations: [1, 2 ** 32 + 1] }],
      'INVALID_ARGUMENT',
      'options.dilations[1]',
    );
    rejects(
      () => gpu.plan([1, 1, 1, 1], [1, 1, 1, 1], { strides: [1, 2 ** 32 + 1] }),
      'INVALID_ARGUMENT',
      'options.strides[1]',
    );
  });

  it('planning a 1×1 input does not grow with the stride', () => {
    for (const s of [2 ** 10, 2 ** 20, 2 ** 22, 2 ** 31 - 1]) {
      let best = Infinity;
      for (let i = 0; i < 3; i++) {
        const t0 = performance.now();
        try {
          gpu.plan([1, 1, 1, 1], [1, 1, 1, 1], { strides: [1, s] });
        } catch (e) {
          // A kernel may decline the geometry; it must say so at once.
          checkError(e, 'DEVICE_LIMIT', 'inputShape');
        }
        best = Math.min(best, performance.now() - t0);
      }
      expect(best, `stride ${s}`).toBeLessThan(LIMIT_MS);
    }
  });

  it('a stride far past the output does not launch a grid of empty phases', async () => {
    // Every output of a width-3 input with stride 2^31 − 2 lies in two phases; the GPU answers
    // (or says no kernel can) at once instead of running 2^31 phases.
    const options = { strides: [2 ** 31 - 2] };
    const want = convTransposeCpu(F(6, 1), [2, 3, 1], F(12, 1), [3, 2, 2], options);
    expect(want.shape).toEqual([2, 2, 2]);
    const t0 = performance.now();
    try {
      const r = await gpu.convTranspose(F(6, 1), [2, 3, 1], F(12, 1), [3, 2, 2], options);
      expect([...r.data]).toEqual([3, 3, 3, 3, 3, 3, 3, 3]);
    } catch (e) {
      checkError(e, 'DEVICE_LIMIT', 'inputShape');
    }
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});

describe('misuse in flight', () => {
  it('destroying a tensor while its read is pending waits for the read', async () => {
    for (const e of [gpu, cpu]) {
      const t = e.upload(F(4, 1.5), [4]);
      const p = t.read();
      t.destroy();
      expect([...(await p)]).toEqual([1.5, 1.5, 1.5, 1.5]);
      await rejectsAsync(() => t.read(), 'INVALID_ARGUMENT', 'tensor');
    }
  });

  it('a read sees the tensor as it is when called, not a later run writing into it', async () => {
    for (const e of [gpu, cpu]) {
      const t = e.upload(F(4, 1), [1, 1, 2, 2]);
      const x = e.upload(F(4, 2), [1, 1, 2, 2]);
      const layer = e.createConvTranspose2d(F(1, 3), [1, 1, 1, 1]);
      const before = t.read();
      layer.run(x, { output: t });
      const after = t.read();
      expect([...(await before)], e.backend).toEqual([1, 1, 1, 1]);
      expect([...(await after)], e.backend).toEqual([6, 6, 6, 6]);
      [t, x].forEach((v) => v.destroy());
      layer.destroy();
    }
  });

  it('a run with the wrong channel count allocates nothing', () => {
    for (const e of [gpu, cpu]) {
      const layer = e.createConvTranspose2d(F(18), [2, 1, 3, 3]);
      const x = e.upload(F(48), [1, 3, 4, 4]);
      const before = e.memory();
      rejects(() => layer.run(x), 'INVALID_ARGUMENT', 'filterShape');
      expect(e.memory()).toEqual(before);
      x.destroy();
      layer.destroy();
    }
  });

  it('kernelFor and run on a destroyed layer: DESTROYED, and nothing allocated', () => {
    for (const e of [gpu, cpu]) {
      const layer = e.createConvTranspose2d(F(9), [1, 1, 3, 3]);
      const x = e.upload(F(16), [1, 1, 4, 4]);
      layer.destroy();
      const before = e.memory();
      rejects(() => layer.kernelFor([1, 1, 4, 4]), 'DESTROYED', 'layer');
      rejects(() => layer.run(x), 'DESTROYED', 'layer');
      expect(e.memory()).toEqual(before);
      x.destroy();
    }
  });

  it('a tensor of another engine: a short message, at once', async () => {
    for (const e of [gpu, cpu]) {
      const other = await createEngine(e.backend === 'cpu' ? { gpu: NO_ADAPTER } : { device });
      const x = other.upload(F(16), [1, 1, 4, 4]);
      const layer = e.createConvTranspose2d(F(9), [1, 1, 3, 3]);
      rejects(() => layer.run(x), 'INVALID_ARGUMENT', 'x');
      x.destroy();
      layer.destroy();
      other.destroy();
    }
  });

  it('reads pending when the engine is destroyed reject with a DeconvError', async () => {
    const e = await createEngine({ device });
    const t = e.upload(F(1 << 16, 1), [1 << 16]);
    const read = t.read();
    const call = e.convTranspose2d(F(16), [1, 1, 4, 4], F(9), [1, 1, 3, 3]);
    e.destroy();
    for (const r of await Promise.allSettled([read, call])) {
      if (r.status === 'rejected') checkError(r.reason, 'DESTROYED', 'engine');
    }
    await rejectsAsync(() => t.read(), 'DESTROYED', 'engine');
  });
});

describe('nothing hostile is silently accepted', () => {
  it('inherited and non-enumerable unknown keys, a Map or a Date as options', async () => {
    const args = (o: unknown): [unknown, unknown, unknown, unknown, unknown] => [
      F(16),
      [1, 1, 4, 4],
      F(9),
      [1, 1, 3, 3],
      o,
    ];
    await rejectsEverywhere(args(Object.create({ stride: 2 })), 'INVALID_ARGUMENT', 'options.stride');
    await rejectsEverywhere(args(Object.defineProperty({}, 'pad', { value: 1 })), 'INVALID_ARGUMENT', 'options.pad');
    await rejectsEverywhere(args(new Map()), 'INVALID_ARGUMENT', 'options');
    await rejectsEverywhere(args(new Date()), 'INVALID_ARGUMENT', 'options');
  });

  it('groups and leakyReluAlpha null', async () => {
    const args = (o: unknown): [unknown, unknown, unknown, unknown, unknown] => [
      F(16),
      [1, 1, 4, 4],
      F(9),
      [1, 1, 3, 3],
      o,
    ];
    await rejectsEverywhere(args({ groups: null }), 'INVALID_ARGUMENT', 'options.groups');
    await rejectsEverywhere(
      args({ activation: 'leakyRelu', leakyReluAlpha: null }),
      'INVALID_ARGUMENT',
      'options.leakyReluAlpha',
    );
  });

  it('a misspelt kernel, on the GPU and on the CPU backend', async () => {
    const revoked = Proxy.revocable([], {});
    revoked.revoke();
    for (const e of [gpu, cpu]) {
      await rejectsAsync(
        () => e.convTranspose2d(F(16), [1, 1, 4, 4], F(9), [1, 1, 3, 3], { kernel: revoked.proxy as never }),
        'INVALID_ARGUMENT',
        'options.kernel',
      );
      await rejectsAsync(
        () => e.convTranspose2d(F(16), [1, 1, 4, 4], F(9), [1, 1, 3, 3], { kernel: 'subpixle' as never }),
        'INVALID_ARGUMENT',
        'options.kernel',
      );
    }
  });

  it('initializer options of the wrong type', () => {
    rejects(() => glorotUniform([2, 1, 3, 3], { groups: 'x' as never }), 'INVALID_ARGUMENT', 'options.groups');
    rejects(() => glorotUniform([2, 1, 3, 3], { groups: 0 }), 'INVALID_ARGUMENT', 'options.groups');
    rejects(() => heUniform([2, 1, 3, 3], 'x' as never), 'INVALID_ARGUMENT', 'options');
    rejects(() => heUniform([2, 1, 3, 3], { seed: null as never }), 'INVALID_ARGUMENT', 'options.seed');
  });
});

describe('IEEE special values: the GPU gives the CPU reference’s pattern', () => {
  /** NaN, ±∞ or finite per element. */
  const pattern = (d: Float32Array) =>
    [...d].map((v) => (Number.isNaN(v) ? 'NaN' : Number.isFinite(v) ? 'finite' : String(v)));

  it('an infinite weight with stride 2 never meets an inserted zero', async () => {
    const w = Float32Array.from([1, 2, Infinity, 3]);
    const x = Float32Array.from([1, -1, 2, 0.5]);
    const options = { strides: [2, 2] };
    const want = convTranspose2dCpu(x, [1, 1, 2, 2], w, [1, 1, 2, 2], options).data;
    expect(pattern(want)).toContain('finite');
    for (const e of [gpu, cpu]) {
      const r = await e.convTranspose2d(x, [1, 1, 2, 2], w, [1, 1, 2, 2], options);
      expect(pattern(r.data), e.backend).toEqual(pattern(want));
      const layer = e.createConvTranspose2d(w, [1, 1, 2, 2], options);
      const t = e.upload(x, [1, 1, 2, 2]);
      const y = layer.run(t);
      expect(pattern(await y.read()), `${e.backend} layer`).toEqual(pattern(want));
      [t, y].forEach((v) => v.destroy());
      layer.destroy();
    }
  });

  it('0 × ∞ at a real tap is NaN everywhere', async () => {
    const x = Float32Array.from([0, 1]);
    const w = Float32Array.from([Infinity]);
    const want = convTranspose2dCpu(x, [1, 1, 1, 2], w, [1, 1, 1, 1]).data;
    expect(pattern(want)).toEqual(['NaN', 'Infinity']);
    for (const e of [gpu, cpu]) {
      const r = await e.convTranspose2d(x, [1, 1, 1, 2], w, [1, 1, 1, 1]);
      expect(pattern(r.data), e.backend).toEqual(['NaN', 'Infinity']);
    }
  });

  it('NaN passes through sigmoid and through float16 storage', async () => {
    const x = Float32Array.from([1, 1]);
    const w = Float32Array.from([NaN, 0.5]);
    for (const dtype of ['float32', 'float16'] as const) {
      for (const e of [gpu, cpu]) {
        const r = await e.convTranspose2d(x, [1, 1, 1, 2], w, [1, 1, 1, 2], { activation: 'sigmoid', dtype });
        expect(pattern(r.data), `${e.backend} ${dtype}`).toEqual(['NaN', 'NaN', 'finite']);
      }
    }
  });
});

describe('planning giant strides and kernels is quick', () => {
  /** The fastest of three plans of a geometry, in ms, and its outcome. */
  function timedPlan(...args: Parameters<Engine['plan']>): { ms: number; outcome: unknown } {
    let ms = Infinity;
    let outcome: unknown = null;
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      try {
        outcome = gpu.plan(...args);
      } catch (e) {
        outcome = e;
      }
      ms = Math.min(ms, performance.now() - t0);
    }
    return { ms, outcome };
  }

  it('k1_s1048576 1-D on 2 samples: a plan within a second (took 2.2 s)', () => {
    const { ms, outcome } = timedPlan([3, 1048576, 2], [1048576, 2, 1], { strides: [1048576] });
    expect(outcome).not.toBeInstanceOf(Error);
    expect(ms).toBeLessThan(1000);
  });

  it('k1_s2147483646_d2147483646 1-D: a plan or DEVICE_LIMIT, quickly (the splitter built 2^31 pieces)', () => {
    const { ms, outcome } = timedPlan([1, 65536, 2], [65536, 1, 1], {
      strides: [2147483646],
      dilations: [2147483646],
    });
    if (outcome instanceof Error) checkError(outcome, 'DEVICE_LIMIT', 'inputShape');
    expect(ms).toBeLessThan(1000);
  });

  it('k1073741824_s1073741824 1-D: DEVICE_LIMIT for the filter within 50 ms (took 21.7 s)', () => {
    const { ms, outcome } = timedPlan([1, 1, 1], [1, 1, 1073741824], {
      strides: [1073741824],
      padding: [0, 7],
      outputPadding: [1],
    });
    checkError(outcome, 'DEVICE_LIMIT', 'inputShape');
    expect(ms).toBeLessThan(LIMIT_MS);
  });

  it('s65536x1073741824 2-D on a 2 × 2 input: a short message when no kernel fits (was 1,008 characters)', () => {
    const { outcome } = timedPlan([1, 1, 2, 2], [1, 1, 1, 1], {
      strides: [65536, 1073741824],
      padding: [0, 65536, 1, 0],
    });
    if (outcome instanceof Error) expect(outcome.message.length).toBeLessThan(MAX_MESSAGE);
  });

  it('a revoked Proxy as a prepared layer’s filter is INVALID_ARGUMENT (was a TypeError from instanceof)', () => {
    const r = Proxy.revocable({}, {});
    r.revoke();
    for (const e of [gpu, cpu]) {
      rejects(() => e.createConvTranspose(r.proxy as never, [1, 1, 1]), 'INVALID_ARGUMENT', 'filter');
    }
  });
});

describe('splitting stays bounded', () => {
  it('batch 2^30 of 3-sample outputs: a plan or DEVICE_LIMIT, quickly (the splitter built 2^30 pieces)', () => {
    const t0 = performance.now();
    try {
      gpu.plan([1073741824, 1, 2], [1, 1, 2], { dilations: [1048576], padding: [1048576, 0], outputPadding: [1] });
    } catch (e) {
      checkError(e, 'DEVICE_LIMIT', 'inputShape');
    }
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});

describe('finds of the 15-minute fuzz run', () => {
  it('an output axis past 2^31 − 1 (F = 2^31 − 1 plus output padding 1) is rejected everywhere', () => {
    // Input 2 with stride 2^31 − 2: F = 2^31 − 1; output padding 1 makes 2^31.
    const shapes = [
      [1, 1, 2],
      [1, 1, 1],
    ] as const;
    rejects(
      () => resolveConvTranspose([...shapes[0]], [...shapes[1]], { strides: [2 ** 31 - 2], outputPadding: [1] }),
      'INVALID_ARGUMENT',
      'options.outputPadding[0]',
    );
    rejects(
      () => fromTorch({ stride: 2 ** 31 - 2, outputPadding: 1 }, [...shapes[0]], [...shapes[1]]),
      'INVALID_ARGUMENT',
      'outputPadding',
    );
  });

  it('toKeras of a valid geometry whose Keras lengths would pass 2^31 − 1 says there is no match (threw)', () => {
    // F = 2^31 − 1 on a width of 2; Keras's 'valid' length would be (2 − 1)·s + max(1, s) = 2^32 − 4.
    const r = toKeras([1, 1, 1, 2], [1, 1, 1, 1], { strides: [1, 2 ** 31 - 2] });
    expect(typeof r.ok).toBe('boolean');
  });

  it('a detached Float32Array as a layer’s bias is INVALID_ARGUMENT (was a TypeError from copying it)', () => {
    const bias = new Float32Array(1);
    structuredClone(bias.buffer, { transfer: [bias.buffer] });
    for (const e of [gpu, cpu]) {
      // outputSizes is checked only against the real input, so the bias is what fails here.
      const error = rejects(
        () => e.createConvTranspose(F(1), [1, 1, 1], { outputSizes: [5], bias }),
        'INVALID_ARGUMENT',
        'options.bias.length',
      );
      expect(error.message).toContain('output channels');
    }
  });

  it('an engine alignment limit that is not a power of two is INVALID_ARGUMENT (was a WebGPU OperationError later)', async () => {
    await rejectsAsync(
      () => createEngine({ device, limits: { minUniformBufferOffsetAlignment: 105 } }),
      'INVALID_ARGUMENT',
      'options.limits.minUniformBufferOffsetAlignment',
    );
    // A power of two, but an alignment of 2^52 would size every uniform buffer past memory.
    await rejectsAsync(
      () => createEngine({ device, limits: { minUniformBufferOffsetAlignment: 2 ** 52 } }),
      'INVALID_ARGUMENT',
      'options.limits.minUniformBufferOffsetAlignment',
    );
  });

  it('a layer whose probe stops at the padding reads groups safely before checking the bias (was a TypeError)', () => {
    for (const e of [gpu, cpu]) {
      rejects(
        () =>
          e.createConvTranspose(F(1), [1, 1, 1], {
            padding: [1, 0],
            groups: Symbol.iterator as never,
            bias: F(1),
          }),
        'INVALID_ARGUMENT',
        // The crop is checked against the real input at run time; groups at creation.
        'options.groups',
      );
      // A padding that is no padding at all fails for every input: at creation.
      rejects(
        () => e.createConvTranspose(F(1), [1, 1, 1], { padding: [NaN, 0] }),
        'INVALID_ARGUMENT',
        'options.padding[0]',
      );
    }
  });

  it('k1_s1073741824 1-D: a layer accepts a stride only a larger input makes too long, like the one-shot call (was rejected at creation)', async () => {
    for (const e of [gpu, cpu]) {
      const layer = e.createConvTranspose(F(1, 2), [1, 1, 1], { strides: [2 ** 30] });
      try {
        const x = e.upload(F(1, 3), [1, 1, 1]);
        const y = layer.run(x);
        expect(Array.from(await y.read())).toEqual([6]);
        x.destroy();
        y.destroy();
        // 64 samples make the full result 63·2^30 + 1 long: the run says so, as the one-shot call does.
        const x64 = e.upload(F(64), [1, 1, 64]);
        rejects(() => layer.run(x64), 'INVALID_ARGUMENT', 'options.strides[0]');
        x64.destroy();
        await rejectsAsync(
          () => e.convTranspose(F(64), [1, 1, 64], F(1), [1, 1, 1], { strides: [2 ** 30] }),
          'INVALID_ARGUMENT',
          'options.strides[0]',
        );
      } finally {
        layer.destroy();
      }
    }
  });
});
