/**
 * The IEEE rule on every kernel, in Node on Dawn: with ±∞ and NaN in the filter and zeros and
 * ±∞ in the input, every output is the sum of the products of the (input, tap) pairs that
 * really reach it, as on the CPU reference: an inserted zero or padding never meets a weight,
 * 0 × ∞ on a real pair is NaN, and NaN passes through every activation. The GPU output has
 * NaN and ±∞ exactly where the CPU's has, and the finite values agree (float32 and float16,
 * every rank). No adapter → getDevice throws → these fail.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convTransposeCpu } from '../../src/cpu.js';
import type { Engine } from '../../src/gpu/engine.js';
import { createEngine } from '../../src/gpu/kernels/registry.js';
import { KERNEL_NAMES, type KernelName } from '../../src/gpu/kernel.js';
import { roundToHalf, toHalf } from '../../src/half.js';
import {
  compare,
  compareHalf,
  getDevice,
  randomCaseNd,
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
 * The case with some filter values replaced by +∞, −∞ or NaN, and some inputs by 0 (so that
 * 0 × ∞ happens on real taps too) or ±∞.
 */
function withNonFinite(c: RandomCase, seed: number): RandomCase {
  const rand = rng(seed);
  const specials = [Infinity, -Infinity, NaN];
  const filter = c.filter.map((w) => (rand() < 0.15 ? specials[Math.floor(rand() * 3)]! : w));
  const input = c.input.map((x) => (rand() < 0.1 ? 0 : rand() < 0.03 ? specials[Math.floor(rand() * 2)]! : x));
  return { ...c, input, filter };
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

describe('IEEE rule: ±∞ and NaN meet real (input, tap) pairs only, as on the CPU', () => {
  for (const kernel of KERNEL_NAMES) {
    for (const dtype of ['float32', 'float16'] as const) {
      it(`${kernel}, ${dtype}: 90 random strided geometries of every rank`, async () => {
        const cases = [1, 2, 3].flatMap((rank) =>
          strided(40 + rank, rank as 1 | 2 | 3, 30).map((c, i) => withNonFinite(c, 1000 * rank + i)),
        );
        const failures = await withErrorScopes(device, () => ieeeFailures(kernel, cases, dtype));
        expect(failures).toEqual([]);
      });
    }
  }
});
