/**
 * The GPU checks in real Chromium (Vitest browser mode, SwiftShader here): every
 * kernel × every golden case and 300 random geometries per kernel against the CPU
 * reference, plus resident layers, split paths, concurrency and device loss.
 * No adapter → the test fails.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convTranspose2dCpu } from '../../src/cpu.js';
import { DeconvError } from '../../src/errors.js';
import type { Engine } from '../../src/gpu/engine.js';
import { createEngine } from '../../src/gpu/kernels/registry.js';
import { KERNEL_NAMES } from '../../src/gpu/kernel.js';
import { isSoftwareInfo } from '../../src/gpu/runtime.js';
import type { ConvTranspose2dOptions } from '../../src/types.js';
import { checkCases, checkGolden, checkOnnxConformance, GOLDEN, randomCases } from '../helpers/cases.js';
import { compare, randomData, rng, withErrorScopes } from '../helpers/check.js';

async function browserDevice(): Promise<GPUDevice> {
  if (!navigator.gpu) throw new Error('navigator.gpu is missing: this GPU test cannot run and fails on purpose');
  const adapter = await navigator.gpu.requestAdapter();
  if (!adapter) throw new Error('No WebGPU adapter: this GPU test cannot run and fails on purpose');
  return adapter.requestDevice();
}

let device: GPUDevice;
let engine: Engine;
beforeAll(async () => {
  device = await browserDevice();
  engine = await createEngine({ device, fallback: 'none' });
});
afterAll(() => {
  engine?.destroy();
  device?.destroy();
});

describe('GPU kernels in Chromium', () => {
  it('uses WebGPU from navigator.gpu and knows the adapter class', async () => {
    const own = await createEngine({ fallback: 'none' });
    expect(own.backend).toBe('webgpu');
    const adapter = (await navigator.gpu.requestAdapter())!;
    // SwiftShader here: the planner must see a software adapter (register-blocked variants).
    expect(own.software).toBe(isSoftwareInfo(adapter.info));
    expect(engine.software).toBe(own.software);
    own.destroy();
    expect(GOLDEN.length).toBeGreaterThanOrEqual(30);
  });

  for (const kernel of KERNEL_NAMES) {
    it(`${kernel}: every golden case, the ONNX conformance cases and 300 random geometries`, async () => {
      const failures = await withErrorScopes(device, async () => [
        ...(await checkGolden(engine, kernel)),
        ...(await checkOnnxConformance(engine, kernel)),
        ...(await checkCases(engine, kernel, randomCases(3000 + kernel.length, 300))),
      ]);
      expect(failures).toEqual([]);
    });
  }

  it('the workgroup-tiled subpixel variant: golden cases and 100 random geometries', async () => {
    const hw = await createEngine({ device, software: false });
    const failures = await withErrorScopes(device, async () => [
      ...(await checkGolden(hw, 'subpixel')),
      ...(await checkCases(hw, 'subpixel', randomCases(4000, 100))),
    ]);
    expect(failures).toEqual([]);
    hw.destroy();
  });
});

describe('engine in Chromium', () => {
  it('a 3-layer generator runs resident with one readback (batch 2, bias, ReLU, tanh)', async () => {
    const rand = rng(12);
    const specs = [
      { cin: 8, cout: 16, k: 4, s: 1, p: 0, act: 'relu' as const },
      { cin: 16, cout: 8, k: 4, s: 2, p: 1, act: 'relu' as const },
      { cin: 8, cout: 3, k: 4, s: 2, p: 1, act: 'tanh' as const },
    ];
    const layers = specs.map((s) => ({
      filter: randomData(s.cin * s.cout * s.k * s.k, rand).map((v) => v * 0.3),
      shape: [s.cin, s.cout, s.k, s.k],
      options: {
        strides: [s.s, s.s],
        padding: [s.p, s.p, s.p, s.p],
        bias: randomData(s.cout, rand),
        activation: s.act,
      } as ConvTranspose2dOptions,
    }));
    const z = randomData(2 * 8, rand);
    await withErrorScopes(device, async () => {
      const prepared = layers.map((l) => engine.createConvTranspose2d(l.filter, l.shape, l.options));
      const tensors = [engine.upload(z, [2, 8, 1, 1])];
      for (const layer of prepared) tensors.push(layer.run(tensors[tensors.length - 1]!));
      const image = await tensors[tensors.length - 1]!.read();
      let ref = { data: z, shape: [2, 8, 1, 1] };
      for (const l of layers) ref = convTranspose2dCpu(ref.data, ref.shape, l.filter, l.shape, l.options);
      const cmp = compare(image, ref.data);
      expect(cmp.ok, cmp.message).toBe(true);
      tensors.forEach((t) => t.destroy());
      prepared.forEach((l) => l.destroy());
    });
  });

  it('split paths with lowered limits, every kernel', async () => {
    const small = await createEngine({ device, limits: { maxStorageBufferBindingSize: 8192, maxBufferSize: 16384 } });
    const rand = rng(21);
    const inputShape = [3, 4, 12, 12];
    const filterShape = [4, 4, 3, 3];
    const options: ConvTranspose2dOptions = {
      strides: [2, 2],
      padding: [1, 1, 1, 1],
      outputPadding: [1, 1],
      activation: 'relu',
    };
    const input = randomData(3 * 4 * 144, rand);
    const filter = randomData(4 * 4 * 9, rand);
    const ref = convTranspose2dCpu(input, inputShape, filter, filterShape, options);
    await withErrorScopes(device, async () => {
      for (const kernel of KERNEL_NAMES) {
        expect(small.plan(inputShape, filterShape, { ...options, kernel })!.pieces.length).toBeGreaterThan(1);
        const r = await small.convTranspose2d(input, inputShape, filter, filterShape, { ...options, kernel });
        const cmp = compare(r.data, ref.data);
        expect(cmp.ok, `${kernel}: ${cmp.message}`).toBe(true);
      }
    });
    small.destroy();
  });

  it('32 concurrent calls of different geometries are each correct', async () => {
    const cases = randomCases(51, 32);
    await withErrorScopes(device, async () => {
      const results = await Promise.all(
        cases.map((c) => engine.convTranspose2d(c.input, c.inputShape, c.filter, c.filterShape, c.options)),
      );
      cases.forEach((c, i) => {
        const cmp = compare(
          results[i]!.data,
          convTranspose2dCpu(c.input, c.inputShape, c.filter, c.filterShape, c.options).data,
        );
        expect(cmp.ok, `${c.name}: ${cmp.message}`).toBe(true);
      });
    });
  });

  it('device.destroy(): pending calls settle and later calls reject DEVICE_LOST', async () => {
    const d = await browserDevice();
    const e = await createEngine({ device: d });
    const cases = randomCases(61, 8);
    const pending = cases.map((c) => e.convTranspose2d(c.input, c.inputShape, c.filter, c.filterShape, c.options));
    d.destroy();
    const settled = await Promise.allSettled(pending);
    for (const s of settled) if (s.status === 'rejected') expect((s.reason as DeconvError).code).toBe('DEVICE_LOST');
    await d.lost;
    const c = cases[0]!;
    await expect(e.convTranspose2d(c.input, c.inputShape, c.filter, c.filterShape, c.options)).rejects.toMatchObject({
      code: 'DEVICE_LOST',
    });
    e.destroy();
  });
});
