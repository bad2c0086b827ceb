import { describe, expect, it } from 'vitest';
import {
  bilinearUpsampling,
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
