/**
 * Focused GPU tests of the scatter and zero-insertion kernels in Node on Dawn, against the CPU
 * reference: the IEEE rule with ±∞ and NaN in the filter (every rank, float32 and float16),
 * zero-insertion's guarded variant on ordinary data, scatter's float32 running sums for
 * float16 outputs, and scatter's determinism in 3-D. No adapter → getDevice throws → these fail.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convTransposeCpu } from '../../src/cpu.js';
import { resolveConvTranspose } from '../../src/geometry.js';
import { runKernel } from '../../src/gpu/context.js';
import { createEngine, type Engine } from '../../src/gpu/engine.js';
import type { KernelName } from '../../src/gpu/kernel.js';
import { scatterKernel } from '../../src/gpu/kernels/scatter/index.js';
import { zeroInsertionKernel } from '../../src/gpu/kernels/zero-insertion/index.js';
import { roundToHalf, toHalf } from '../../src/half.js';
import {
  compare,
  compareHalf,
  getDevice,
  randomCaseNd,
  randomData,
  rng,
  withErrorScopes,
  type RandomCase,
} from '../helpers/gpu.js';

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

/** Random cases of a rank with strides of at least 2 on every axis (so there are inserted zeros). */
function strided(seed: number, rank: 1 | 2 | 3, count: number): RandomCase[] {
  const rand = rng(seed);
  const out: RandomCase[] = [];
  while (out.length < count) {
    const c = randomCaseNd(rand, out.length, rank);
    if ((c.options.strides as number[]).every((s) => s >= 2)) out.push(c);
  }
  return out;
}

/**
 * The case with some filter values replaced by non-finite ones. float32: +∞, −∞ and NaN, with
 * no sigmoid (on SwiftShader the shared activation's sigmoid maps NaN to 0, as exp(NaN) is not
 * NaN there). float16: +∞ only, with inputs in [0.1, 1.1), so that no output is NaN (float16
 * stores of NaN come out as −65504 on SwiftShader, where `v != v` does not detect NaN); an
 * inserted zero or padding multiplied by +∞ still gives NaN, which is what these tests catch.
 */
function withNonFinite(c: RandomCase, seed: number, half: boolean): RandomCase {
  const rand = rng(seed);
  const filter = c.filter.slice();
  const specials = half ? [Infinity] : [Infinity, -Infinity, NaN];
  for (let i = 0; i < filter.length; i++) {
    if (rand() < 0.15) filter[i] = specials[Math.floor(rand() * specials.length)]!;
  }
  const options = { ...c.options };
  if (options.activation === 'sigmoid') delete options.activation;
  const input = half ? c.input.map((x) => 0.1 + Math.abs(x)) : c.input;
  return { ...c, input, filter, options };
}

/** '' when `got` has NaN and ±∞ exactly where `want` has, and the finite values agree; else why not. */
function samePattern(got: Float32Array, want: Float32Array, half: boolean): string {
  const finiteGot: number[] = [];
  const finiteWant: number[] = [];
  for (let i = 0; i < want.length; i++) {
    const [a, e] = [got[i]!, want[i]!];
    if (Number.isFinite(e)) {
      finiteGot.push(a);
      finiteWant.push(e);
    } else if (!(Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e)))) {
      return `element ${i}: got ${a}, want ${e}`;
    }
  }
  const cmp = half
    ? compareHalf(new Float32Array(finiteGot), new Float32Array(finiteWant))
    : compare(new Float32Array(finiteGot), new Float32Array(finiteWant));
  return cmp.ok ? '' : cmp.message;
}

/** Failures of `cases` on `kernel` through the engine (which detects the non-finite filter). */
async function ieeeFailures(kernel: KernelName, cases: RandomCase[], dtype: 'float32' | 'float16'): Promise<string[]> {
  const half = dtype === 'float16';
  const prepared = cases.map((c) => {
    const options = { ...c.options };
    if (half && options.bias) options.bias = roundToHalf(options.bias);
    return half ? { ...c, input: roundToHalf(c.input), filter: roundToHalf(c.filter), options } : { ...c, options };
  });
  const results = await Promise.all(
    prepared.map((c) =>
      engine.convTranspose(
        half ? toHalf(c.input) : c.input,
        c.inputShape,
        half ? toHalf(c.filter) : c.filter,
        c.filterShape,
        { ...c.options, kernel, dtype },
      ),
    ),
  );
  const failures: string[] = [];
  prepared.forEach((c, i) => {
    const want = convTransposeCpu(c.input, c.inputShape, c.filter, c.filterShape, c.options).data;
    const why = samePattern(results[i]!.data, want, half);
    if (why) failures.push(`${c.name}: ${why}`);
  });
  return failures;
}

describe('IEEE rule: ±∞ and NaN in the filter meet real inputs only', () => {
  for (const kernel of ['zero-insertion', 'scatter'] as const) {
    for (const dtype of ['float32', 'float16'] as const) {
      it(`${kernel}, ${dtype}: 90 random strided geometries of every rank`, async () => {
        const cases = [1, 2, 3].flatMap((rank) =>
          strided(40 + rank, rank as 1 | 2 | 3, 30).map((c, i) =>
            withNonFinite(c, 1000 * rank + i, dtype === 'float16'),
          ),
        );
        const failures = await withErrorScopes(device, () => ieeeFailures(kernel, cases, dtype));
        expect(failures).toEqual([]);
      });
    }
  }
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
