import { describe, expect, it } from 'vitest';
import {
  bilinearUpsampling,
  convTransposeCpu,
  convTranspose2dCpu,
  DeconvError,
  foldBatchNorm,
  glorotUniform,
  heUniform,
  seededRandom,
} from '../src/index.js';

describe('initializers (CPU-only)', () => {
  it('seededRandom is reproducible and in [0, 1)', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    for (let i = 0; i < 100; i++) {
      const x = a();
      expect(x).toBe(b());
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
    expect(seededRandom(1)()).not.toBe(seededRandom(2)());
  });

  it('glorot/he uniform stay within their limits', () => {
    // iohw [in 8, out 4, 3, 3]: fanIn = 4·9, fanOut = 8·9 (the forward conv's weight).
    const g = glorotUniform([8, 4, 3, 3], { seed: 7 });
    const lg = Math.sqrt(6 / (36 + 72));
    expect(Math.max(...g.map(Math.abs))).toBeLessThanOrEqual(lg);
    expect(Math.max(...g.map(Math.abs))).toBeGreaterThan(lg * 0.8);
    const h = heUniform([3, 3, 4, 8], { seed: 7, filterLayout: 'hwoi' });
    expect(Math.max(...h.map(Math.abs))).toBeLessThanOrEqual(Math.sqrt(6 / 36));
    expect(glorotUniform([8, 4, 3, 3], { seed: 7 })).toEqual(g);
  });

  it.each([2, 3, 4])('bilinearUpsampling x%i keeps a constant image constant inside', (f) => {
    const layer = bilinearUpsampling(f, 2);
    const h = 6;
    const input = new Float32Array(2 * h * h).fill(1);
    const out = convTranspose2dCpu(input, [1, 2, h, h], layer.filter, layer.filterShape, layer.options);
    expect(out.shape).toEqual([1, 2, f * h, f * h]);
    // Away from the border every output pixel gets weights summing to 1.
    const W = f * h;
    for (let y = f; y < W - f; y++) for (let x = f; x < W - f; x++) expect(out.data[y * W + x]).toBeCloseTo(1, 5);
  });

  it('foldBatchNorm equals conv followed by batch-norm', () => {
    const rand = seededRandom(3);
    const fill = (n: number) => Float32Array.from({ length: n }, () => rand() * 2 - 1);
    const filter = fill(4 * 3 * 2 * 2);
    const bias = fill(3);
    const input = fill(1 * 4 * 3 * 3);
    const bn = {
      gamma: fill(3),
      beta: fill(3),
      mean: fill(3),
      variance: Float32Array.from(fill(3), (v) => v * v + 0.1),
      epsilon: 1e-3,
    };
    const ref = convTranspose2dCpu(input, [1, 4, 3, 3], filter, [4, 3, 2, 2], { strides: [2, 2], bias });
    const folded = foldBatchNorm(filter, [4, 3, 2, 2], bias, bn);
    const out = convTranspose2dCpu(input, [1, 4, 3, 3], folded.filter, [4, 3, 2, 2], {
      strides: [2, 2],
      bias: folded.bias,
    });
    const hw = 36;
    for (let c = 0; c < 3; c++) {
      const s = bn.gamma[c]! / Math.sqrt(bn.variance[c]! + 1e-3);
      for (let p = 0; p < hw; p++) {
        const want = (ref.data[c * hw + p]! - bn.mean[c]!) * s + bn.beta[c]!;
        expect(out.data[c * hw + p]).toBeCloseTo(want, 5);
      }
    }
  });

  it('foldBatchNorm rejects statistics of the wrong length', () => {
    const f = new Float32Array(2 * 3);
    const bad = {
      gamma: new Float32Array(2),
      beta: new Float32Array(3),
      mean: new Float32Array(3),
      variance: new Float32Array(3),
    };
    expect(() => foldBatchNorm(f, [2, 3, 1, 1], undefined, bad)).toThrow(DeconvError);
  });
});

describe('initializers for 1-D and 3-D filters (CPU-only)', () => {
  it('fans from the filter layout of any rank: iow, woi, iodhw, dhwoi, groups', () => {
    // iow [in 8, out 4, k 5]: fanIn = 4·5, fanOut = 8·5.
    const one = glorotUniform([8, 4, 5], { seed: 1 });
    expect(Math.max(...one.map(Math.abs))).toBeLessThanOrEqual(Math.sqrt(6 / (20 + 40)));
    expect(Math.max(...one.map(Math.abs))).toBeGreaterThan(0.8 * Math.sqrt(6 / (20 + 40)));
    // The same filter in TensorFlow's layout [k, out, in] has the same limit.
    const tf = glorotUniform([5, 4, 8], { seed: 1, filterLayout: 'woi' });
    expect(Math.max(...tf.map(Math.abs))).toBeGreaterThan(0.8 * Math.sqrt(6 / 60));
    expect(Math.max(...tf.map(Math.abs))).toBeLessThanOrEqual(Math.sqrt(6 / 60));
    // iodhw [in 4, out/g 2, 3, 3, 3], groups 2: fanIn = 2·27 (He uses fanIn only).
    const three = heUniform([4, 2, 3, 3, 3], { seed: 2, groups: 2 });
    expect(three.length).toBe(4 * 2 * 27);
    expect(Math.max(...three.map(Math.abs))).toBeLessThanOrEqual(Math.sqrt(6 / 54));
    expect(Math.max(...three.map(Math.abs))).toBeGreaterThan(0.8 * Math.sqrt(6 / 54));
    expect(heUniform([3, 3, 3, 2, 4], { seed: 2, filterLayout: 'dhwoi' }).length).toBe(216);
    expect(() => heUniform([3, 3, 3, 2, 4], { filterLayout: 'hwoi' })).toThrow(DeconvError);
  });

  it.each([
    [1, 2],
    [1, 3],
    [1, 8],
    [3, 2],
    [3, 3],
  ] as const)('bilinearUpsampling rank %i ×%i keeps a constant signal constant inside', (rank, f) => {
    const layer = bilinearUpsampling(f, 2, rank);
    const n = rank === 1 ? 12 : 4;
    const inputShape = [1, 2, ...new Array<number>(rank).fill(n)];
    const size = inputShape.reduce((a, b) => a * b, 1);
    const out = convTransposeCpu(
      new Float32Array(size).fill(1),
      inputShape,
      layer.filter,
      layer.filterShape,
      layer.options,
    );
    expect(out.shape).toEqual([1, 2, ...new Array<number>(rank).fill(f * n)]);
    const N = f * n;
    const inside = (i: number) => i >= f && i < N - f;
    for (let i = 0; i < out.data.length / 2; i++) {
      const coords = rank === 1 ? [i] : [Math.floor(i / (N * N)), Math.floor(i / N) % N, i % N];
      if (coords.every(inside)) expect(out.data[i]).toBeCloseTo(1, 5);
    }
  });

  it('bilinearUpsampling in 3-D is the product of the 1-D weights', () => {
    const one = bilinearUpsampling(3, 1, 1).filter;
    const three = bilinearUpsampling(3, 1, 3);
    expect(three.filterShape).toEqual([1, 1, 5, 5, 5]);
    expect(three.options).toEqual({ strides: [3, 3, 3], padding: [1, 1, 1, 1, 1, 1], groups: 1 });
    for (const [z, y, x] of [
      [0, 0, 0],
      [2, 3, 1],
      [4, 4, 2],
    ] as const) {
      expect(three.filter[(z * 5 + y) * 5 + x]).toBeCloseTo(one[z]! * one[y]! * one[x]!, 6);
    }
  });

  it.each([
    [[1, 4, 5], [4, 3, 3], 'iow', 1],
    [[1, 4, 5], [3, 2, 4], 'woi', 2],
    [[2, 4, 2, 3, 2], [4, 1, 2, 2, 3], 'iodhw', 2],
    [[1, 2, 2, 3, 2], [2, 2, 2, 3, 2], 'odhwi', 1],
  ] as const)(
    'foldBatchNorm equals conv then batch-norm: input %j filter %j (%s, groups %i)',
    (inputShape, filterShape, layout, groups) => {
      const rand = seededRandom(5);
      const fill = (n: number) => Float32Array.from({ length: n }, () => rand() * 2 - 1);
      const count = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
      const filter = fill(count(filterShape));
      const outC =
        groups *
        (layout.startsWith('io')
          ? filterShape[1]
          : layout.startsWith('o')
            ? filterShape[0]
            : filterShape[filterShape.length - 2]!);
      const bias = fill(outC);
      const input = fill(count(inputShape));
      const bn = {
        gamma: fill(outC),
        beta: fill(outC),
        mean: fill(outC),
        variance: Float32Array.from(fill(outC), (v) => v * v + 0.1),
      };
      const options = { strides: new Array<number>(filterShape.length - 2).fill(2), groups, filterLayout: layout };
      const ref = convTransposeCpu(input, inputShape, filter, filterShape, { ...options, bias });
      const folded = foldBatchNorm(filter, filterShape, bias, bn, { filterLayout: layout, groups });
      const out = convTransposeCpu(input, inputShape, folded.filter, filterShape, {
        ...options,
        bias: folded.bias,
      });
      const spatial = ref.data.length / inputShape[0] / outC;
      for (let i = 0; i < ref.data.length; i++) {
        const c = Math.floor(i / spatial) % outC;
        const s = bn.gamma[c]! / Math.sqrt(bn.variance[c]! + 1e-5);
        expect(out.data[i]).toBeCloseTo((ref.data[i]! - bn.mean[c]!) * s + bn.beta[c]!, 5);
      }
    },
  );
});
