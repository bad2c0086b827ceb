/**
 * Focused GPU tests of the scatter and zero-insertion kernels in Node on Dawn, against the CPU
 * reference: zero-insertion's guarded variant on ordinary data, scatter's float32 running sums for
 * float16 outputs, and scatter's determinism in 3-D. No adapter → getDevice throws → these fail.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convTransposeCpu } from '../../src/cpu.js';
import { resolveConvTranspose } from '../../src/geometry.js';
import { runKernel } from '../../src/gpu/context.js';
import type { Engine } from '../../src/gpu/engine.js';
import { createEngine } from '../../src/gpu/kernels/registry.js';
import { scatterKernel } from '../../src/gpu/kernels/scatter/index.js';
import { zeroInsertionKernel } from '../../src/gpu/kernels/zero-insertion/index.js';
import { roundToHalf, toHalf } from '../../src/half.js';
import { compare, compareHalf, getDevice, randomCaseNd, randomData, rng, withErrorScopes } from '../helpers/gpu.js';

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

describe('zero-insertion', () => {
  it('the guarded variant is exact on finite data: 150 random geometries of every rank', async () => {
    const cases = [1, 2, 3].flatMap((rank) => {
      const rand = rng(60 + rank);
      return Array.from({ length: 50 }, (_, i) => randomCaseNd(rand, i, rank as 1 | 2 | 3));
    });
    const failures = await withErrorScopes(device, async () => {
      const out: string[] = [];
      const results = await Promise.all(
        cases.map((c) => {
          const g = resolveConvTranspose(c.inputShape, c.filterShape, c.options);
          return runKernel(device, zeroInsertionKernel, g, c.input, c.filter, g.bias, { guard: true });
        }),
      );
      cases.forEach((c, i) => {
        const want = convTransposeCpu(c.input, c.inputShape, c.filter, c.filterShape, c.options).data;
        const cmp = compare(results[i]!, want);
        if (!cmp.ok) out.push(`${c.name}: ${cmp.message}`);
      });
      return out;
    });
    expect(failures).toEqual([]);
  });
});

describe('scatter', () => {
  it('float16: running sums in float32 stay within half an ulp where float16 sums across passes do not', async () => {
    // k9 s1 on one axis: 9 passes, each output summed over 9 passes of 48 channels.
    const rand = rng(71);
    const inputShape = [1, 48, 64];
    const filterShape = [48, 8, 9];
    const x = roundToHalf(randomData(48 * 64, rand));
    const w = roundToHalf(randomData(48 * 8 * 9, rand));
    const g = resolveConvTranspose(inputShape, filterShape, { padding: [4, 4] });
    const want = convTransposeCpu(x, inputShape, w, filterShape, { padding: [4, 4] }).data;
    const run = (accumulate: 'output' | 'scratch') =>
      runKernel(device, scatterKernel, g, toHalf(x), toHalf(w), null, {
        storage: 'f16-packed',
        variant: { rank: 1, storage: 'f16-packed', accumulate },
      });
    const [scratch, output] = await withErrorScopes(device, () => Promise.all([run('scratch'), run('output')]));
    expect(scatterKernel.choose(g, { ...engineEnv(), storage: 'f16-packed' }).variant).toMatchObject({
      accumulate: 'scratch',
    });
    expect(compareHalf(scratch!, want).message).toBe('ok');
    expect(compareHalf(output!, want).bad).toBeGreaterThan(0);
  });

  it('is bitwise deterministic across runs in 3-D (k3 s1 p1: 27 passes)', async () => {
    const rand = rng(81);
    const inputShape = [1, 5, 4, 4, 4];
    const filterShape = [5, 6, 3, 3, 3];
    const x = randomData(5 * 64, rand);
    const w = randomData(5 * 6 * 27, rand);
    const options = { padding: [1, 1, 1, 1, 1, 1], bias: randomData(6, rand) };
    const g = resolveConvTranspose(inputShape, filterShape, options);
    const runs = await withErrorScopes(device, () =>
      Promise.all([0, 1, 2].map(() => runKernel(device, scatterKernel, g, x, w))),
    );
    expect(Array.from(runs[1]!)).toEqual(Array.from(runs[0]!));
    expect(Array.from(runs[2]!)).toEqual(Array.from(runs[0]!));
    expect(compare(runs[0]!, convTransposeCpu(x, inputShape, w, filterShape, options).data).message).toBe('ok');
  });
});

/** The planning environment of the test device. */
function engineEnv() {
  return { limits: device.limits, software: true, storage: 'f32' as const, guard: false };
}
