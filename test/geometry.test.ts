import { describe, expect, it } from 'vitest';
import { convTranspose2dCpu, DeconvError, resolveConvTranspose2d } from '../src/index.js';

describe('resolveConvTranspose2d (CPU-only)', () => {
  it('k3_s2_p1_op1: 4×4 → 8×8', () => {
    const g = resolveConvTranspose2d([1, 2, 4, 4], [2, 3, 3, 3], {
      strides: [2, 2],
      padding: [1, 1, 1, 1],
      outputPadding: [1, 1],
    });
    expect(g.outputShape).toEqual([1, 3, 8, 8]);
    expect(g.fullHeight).toBe(9);
  });
  it('rejects outputPadding ≥ max(stride, dilation)', () => {
    expect(() =>
      resolveConvTranspose2d([1, 1, 4, 4], [1, 1, 3, 3], { strides: [2, 2], outputPadding: [2, 0] }),
    ).toThrow(DeconvError);
  });
  it('k2_s2 ones repeats each pixel into a 2×2 block', () => {
    const r = convTranspose2dCpu(
      new Float32Array([1, 2, 3, 4]),
      [1, 1, 2, 2],
      new Float32Array(4).fill(1),
      [1, 1, 2, 2],
      { strides: [2, 2] },
    );
    expect(Array.from(r.data)).toEqual([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
  });
});
