/**
 * Every kernel × every golden case (and the ONNX conformance cases), and 300 random geometries per kernel (and per
 * subpixel variant), through the engine in Node on Dawn, against the CPU reference
 * within atol 1e-4 + rtol 1e-4. No adapter → getDevice throws → these tests fail.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/gpu/engine.js';
import { createEngine } from '../../src/gpu/kernels/registry.js';
import { KERNEL_NAMES } from '../../src/gpu/kernel.js';
import { roundSize, runKernel } from '../../src/gpu/context.js';
import type { Kernel } from '../../src/gpu/kernel.js';
import { encodeSubpixel, subpixelKernel, tiledVectorModes } from '../../src/gpu/kernels/subpixel/index.js';
import type { SubpixelConfig } from '../../src/gpu/planner.js';
import { resolveConvTranspose2d } from '../../src/geometry.js';
import { convTranspose2dCpu } from '../../src/cpu.js';
import { compare, getDevice, randomCase, rng, withErrorScopes, type RandomCase } from '../helpers/gpu.js';
import { checkCases, checkGolden, checkOnnxConformance, GOLDEN, randomCases } from '../helpers/cases.js';

let device: GPUDevice;
let engine: Engine;
let hardwareEngine: Engine;
beforeAll(async () => {
  ({ device } = await getDevice());
  engine = await createEngine({ device, fallback: 'none' });
  // Same device, planner told it is a hardware adapter: the workgroup-tiled variants.
  hardwareEngine = await createEngine({ device, fallback: 'none', software: false });
});
afterAll(() => {
  engine?.destroy();
  hardwareEngine?.destroy();
  device?.destroy();
});

describe('GPU kernels in Node (Dawn)', () => {
  it('runs on a WebGPU device', () => {
    expect(engine.backend).toBe('webgpu');
    expect(engine.kernels).toEqual(KERNEL_NAMES);
    expect(GOLDEN.length).toBeGreaterThanOrEqual(30);
  });

  for (const kernel of KERNEL_NAMES) {
    it(`${kernel}: every golden case`, async () => {
      const failures = await withErrorScopes(device, () => checkGolden(engine, kernel));
      expect(failures).toEqual([]);
    });

    it(`${kernel}: the ONNX conformance cases, on both adapter classes`, async () => {
      const failures = await withErrorScopes(device, async () => [
        ...(await checkOnnxConformance(engine, kernel)),
        ...(await checkOnnxConformance(hardwareEngine, kernel)).map((f) => `hardware: ${f}`),
      ]);
      expect(failures).toEqual([]);
    });

    it(`${kernel}: 300 random geometries`, async () => {
      const failures = await withErrorScopes(device, () =>
        checkCases(engine, kernel, randomCases(1000 + kernel.length, 300)),
      );
      expect(failures).toEqual([]);
    });
  }

  for (const kernel of ['subpixel', 'gemm-col2im', 'im2col-gemm'] as const) {
    it(`${kernel} (workgroup-tiled variant): golden cases and 300 random geometries`, async () => {
      const failures = await withErrorScopes(device, async () => [
        ...(await checkGolden(hardwareEngine, kernel)),
        ...(await checkCases(hardwareEngine, kernel, randomCases(2000 + kernel.length, 300))),
      ]);
      expect(failures).toEqual([]);
    });
  }

  // Random cases with up to 10 channels per group and 9 input columns, so partial
  // channel and pixel blocks of every register-block size occur.
  const configs: SubpixelConfig[] = [
    ...([4, 8] as const).flatMap((channels) =>
      ([4, 8] as const).map((pixels): SubpixelConfig => ({
        variant: 'register',
        channels,
        pixels,
        wg: 64,
        wx: 0,
        wy: 0,
        tk: 0,
      })),
    ),
    // Smaller workgroups, as the planner picks for layers with few threads on software adapters.
    { variant: 'register', channels: 8, pixels: 4, wg: 16, wx: 0, wy: 0, tk: 0 },
    { variant: 'register', channels: 4, pixels: 8, wg: 32, wx: 0, wy: 0, tk: 0 },
    // 8 channels × 2 rows × 4 pixels (main88r).
    { variant: 'register', channels: 8, pixels: 4, rows: 2, wg: 64, wx: 0, wy: 0, tk: 0 },
    { variant: 'register', channels: 8, pixels: 4, rows: 2, wg: 16, wx: 0, wy: 0, tk: 0 },
    { variant: 'tiled', channels: 4, pixels: 4, wg: 64, wx: 16, wy: 4, tk: 8 },
  ];
  /** Failures of `cases` run through subpixel with an explicit `config`, against the CPU reference. */
  async function configFailures(
    config: SubpixelConfig,
    cases: RandomCase[],
    note: (i: number) => string = () => '',
  ): Promise<string[]> {
    const kernel: Kernel = { ...subpixelKernel, encode: (ctx, g, b) => encodeSubpixel(ctx, g, b, config) };
    const failures: string[] = [];
    await withErrorScopes(device, async () => {
      const outs = await Promise.all(
        cases.map((c) =>
          runKernel(device, kernel, resolveConvTranspose2d(c.inputShape, c.filterShape, c.options), c.input, c.filter),
        ),
      );
      cases.forEach((c, i) => {
        const ref = convTranspose2dCpu(c.input, c.inputShape, c.filter, c.filterShape, c.options).data;
        const cmp = compare(outs[i]!, ref);
        if (!cmp.ok) failures.push(`${c.name}${note(i)}: ${cmp.message}`);
      });
    });
    return failures;
  }

  for (const config of configs) {
    const name =
      config.variant === 'register'
        ? `${config.channels}ch_x_${config.rows ?? 1}row_x_${config.pixels}px${config.wg === 64 ? '' : `_wg${config.wg}`}`
        : `tiled_${config.wx}x${config.wy}_tk${config.tk}`;
    it(`subpixel ${name}: 300 random geometries with wider layers`, async () => {
      const rand = rng(500 + name.length);
      const cases = Array.from({ length: 300 }, (_, i) =>
        randomCase(rand, i, { maxOutChannelsPerGroup: 10, maxInWidth: 9 }),
      );
      expect(await configFailures(config, cases)).toEqual([]);
    });
  }

  it('subpixel depthwise variant (one channel per group): 300 random geometries, 1 to 20 input columns', async () => {
    const config: SubpixelConfig = { variant: 'depthwise', channels: 1, pixels: 8, wg: 32, wx: 0, wy: 0, tk: 0 };
    const rand = rng(91);
    const cases = Array.from({ length: 300 }, (_, i) =>
      randomCase(rand, i, { inChannelsPerGroup: [1], maxOutChannelsPerGroup: 1, maxInWidth: 20 }),
    );
    expect(await configFailures(config, cases)).toEqual([]);
  });

  it('subpixel tiled, vec4 staging (4 or 8 input channels per group): 200 random geometries', async () => {
    const config: SubpixelConfig = { variant: 'tiled', channels: 4, pixels: 4, wg: 64, wx: 16, wy: 4, tk: 8 };
    const rand = rng(77);
    const cases = Array.from({ length: 200 }, (_, i) => randomCase(rand, i, { inChannelsPerGroup: [4, 8] }));
    // Which staging each case gets (buffers are rounded up to 16 bytes, as runKernel makes them).
    const modes = cases.map((c) => {
      const g = resolveConvTranspose2d(c.inputShape, c.filterShape, c.options);
      return tiledVectorModes(g, {
        input: { size: roundSize(g.inputSize * 4) } as GPUBuffer,
        filter: { size: roundSize(g.filterSize * 4) } as GPUBuffer,
      });
    });
    expect(modes.filter((m) => m.A_VEC).length).toBeGreaterThan(40);
    expect(modes.filter((m) => m.B_VEC).length).toBeGreaterThan(80);
    expect(modes.filter((m) => !m.A_VEC && !m.B_VEC).length).toBeGreaterThan(20);
    const note = (i: number) => ` (A_VEC ${modes[i]!.A_VEC}, B_VEC ${modes[i]!.B_VEC})`;
    expect(await configFailures(config, cases, note)).toEqual([]);
  });
});
