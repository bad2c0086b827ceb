/**
 * float16 tensors and layers in Node on Dawn: uploads from float32 (rounded to nearest
 * even), half bits and Float16Array; exact widening on read and raw bits; a layer's weights,
 * bias, input and output hold half the bytes of the float32 ones (engine.memory()); mixing
 * dtypes is an INVALID_ARGUMENT; the plan reports how halves are stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convTransposeCpu } from '../../src/cpu.js';
import { DeconvError } from '../../src/errors.js';
import type { Engine } from '../../src/gpu/engine.js';
import { createEngine } from '../../src/gpu/kernels/registry.js';
import { halfBits, halfValue, roundToHalf, toHalf } from '../../src/half.js';
import { compareHalf, getDevice, randomData, rng } from '../helpers/gpu.js';

let device: GPUDevice;
let engine: Engine;
beforeAll(async () => {
  ({ device } = await getDevice());
  engine = await createEngine({ device, fallback: 'none' });
});
afterAll(() => {
  engine?.destroy();
  device?.destroy();
});

describe('float16 on the CPU side (CPU-only helpers)', () => {
  it('rounds to nearest even, keeps ±0, ±∞, NaN and subnormals', () => {
    expect(halfBits(1)).toBe(0x3c00);
    expect(halfBits(-2)).toBe(0xc000);
    expect(halfBits(65504)).toBe(0x7bff);
    expect(halfBits(65520)).toBe(0x7c00); // the tie above the largest half rounds to ∞
    expect(halfBits(65519)).toBe(0x7bff);
    expect(halfBits(2 ** -24)).toBe(1);
    expect(halfBits(2 ** -25)).toBe(0); // a tie rounds to even: 0
    expect(halfBits(3 * 2 ** -25)).toBe(2);
    expect(halfBits(-0)).toBe(0x8000);
    expect(halfBits(Infinity)).toBe(0x7c00);
    expect(Number.isNaN(halfValue(halfBits(NaN)))).toBe(true);
    expect(halfBits(1 + 2 ** -11)).toBe(0x3c00); // tie between 1 and 1 + 2^-10 → even (1)
    expect(halfBits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    for (let bits = 0; bits < 0x10000; bits += 7) {
      const v = halfValue(bits);
      if (!Number.isNaN(v)) expect(halfBits(v)).toBe(bits);
    }
  });
});

describe('float16 tensors and layers (Node, Dawn)', () => {
  it('uploads float32 (rounded), half bits and Float16Array; reads back widened and as bits', async () => {
    const values = new Float32Array([0.1, -2.5, 1000.3, 1e-7, 70000]);
    const t = engine.upload(values, [5], { dtype: 'float16' });
    expect(t.dtype).toBe('float16');
    expect(Array.from(await t.read())).toEqual(Array.from(roundToHalf(values)));
    expect(Array.from(await t.readBits())).toEqual(Array.from(toHalf(values)));
    const bits = engine.upload(toHalf(values), [5], { dtype: 'float16' });
    expect(Array.from(await bits.read())).toEqual(Array.from(roundToHalf(values)));
    const F16 = (globalThis as { Float16Array?: new (a: ArrayLike<number>) => ArrayLike<number> }).Float16Array;
    if (F16) {
      const f16 = engine.upload(new F16(values) as never, [5], { dtype: 'float16' });
      expect(Array.from(await f16.read())).toEqual(Array.from(roundToHalf(values)));
      f16.destroy();
    }
    await expect(engine.upload(values, [5]).readBits()).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    t.destroy();
    bits.destroy();
  });

  it('a float16 layer and its tensors hold half the bytes of the float32 ones', async () => {
    const rand = rng(9);
    const x = randomData(2 * 32 * 16 * 16, rand);
    const w = randomData(32 * 64 * 4 * 4, rand);
    const bias = randomData(64, rand);
    const options = { strides: [2, 2], padding: [1, 1, 1, 1], bias };
    const measure = async (dtype: 'float32' | 'float16') => {
      const before = engine.memory().bytes - engine.memory().pooledBytes;
      const layer = engine.createConvTranspose2d(w, [32, 64, 4, 4], { ...options, dtype });
      const input = engine.upload(x, [2, 32, 16, 16], { dtype });
      const output = layer.run(input);
      const out = await output.read();
      const bytes = engine.memory().bytes - engine.memory().pooledBytes - before;
      input.destroy();
      output.destroy();
      layer.destroy();
      return { bytes, out };
    };
    const f32 = await measure('float32');
    const f16 = await measure('float16');
    // Input 16,384 + output 131,072 elements, filter 32,768, bias 64: every one half the size.
    expect(f32.bytes).toBe(4 * (16384 + 131072 + 32768 + 64));
    expect(f16.bytes).toBe(f32.bytes / 2);
    const ref = convTransposeCpu(roundToHalf(x), [2, 32, 16, 16], roundToHalf(w), [32, 64, 4, 4], {
      ...options,
      bias: roundToHalf(bias),
    });
    expect(compareHalf(f16.out, ref.data).message).toBe('ok');
  });

  it('a tensor of the other dtype is an INVALID_ARGUMENT that says so', () => {
    const layer = engine.createConvTranspose2d(new Float32Array(4), [1, 1, 2, 2], { dtype: 'float16' });
    const x = engine.upload(new Float32Array(4), [1, 1, 2, 2]);
    let error: unknown;
    try {
      layer.run(x);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DeconvError);
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', param: 'x.dtype' });
    expect((error as Error).message).toMatch(/float16/);
    x.destroy();
    layer.destroy();
  });

  it('plan() reports how halves are stored: packed in u32 words without shader-f16, native with it', () => {
    const p = engine.plan([1, 8, 8, 8], [8, 8, 4, 4], { strides: [2, 2], dtype: 'float16' })!;
    expect(p.storage).toBe(engine.float16Native ? 'f16' : 'f16-packed');
    expect(engine.plan([1, 8, 8, 8], [8, 8, 4, 4], { strides: [2, 2] })!.storage).toBe('f32');
  });
});

describe('the native float16 path is checked on the device', () => {
  it('a device whose compiler rejects the native accessors gets packed halves', async () => {
    const { Runtime } = await import('../../src/gpu/runtime.js');
    const { checkNativeF16 } = await import('../../src/gpu/f16-probe.js');
    const rt = new Runtime(device, true, []);
    // This adapter has no shader-f16: claim it, and the probe's `enable f16;` fails to compile.
    rt.hasF16 = true;
    expect(rt.storageOf('float16')).toBe('f16');
    await checkNativeF16(rt);
    expect(rt.hasF16).toBe(device.features.has('shader-f16'));
    expect(rt.storageOf('float16')).toBe(device.features.has('shader-f16') ? 'f16' : 'f16-packed');
  });
});
