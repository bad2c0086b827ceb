import { describe, expect, it } from 'vitest';
import { axisTaps, resolveConvTranspose, resolveConvTranspose2d } from '../src/geometry.js';
import { convTransposeCpu, convTranspose2dCpu } from '../src/cpu.js';
import { DeconvError } from '../src/errors.js';
import { rng } from './helpers/check.js';

/** The (input, tap) pairs of one axis that land inside the output, counted one by one. */
function bruteTaps(inSize: number, k: number, s: number, d: number, pad: number, out: number): number {
  let count = 0;
  for (let i = 0; i < inSize; i++) {
    for (let t = 0; t < k; t++) {
      const o = i * s + t * d - pad;
      if (o >= 0 && o < out) count++;
    }
  }
  return count;
}

describe('rank-generic geometry (CPU-only)', () => {
  it('axisTaps counts exactly as the loop does on 2,000 random axes', () => {
    const rand = rng(7);
    const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
    for (let c = 0; c < 2000; c++) {
      const [n, k, s, d] = [int(1, 30), int(1, 12), int(1, 9), int(1, 5)];
      const full = (n - 1) * s + d * (k - 1) + 1;
      const pad = int(0, full);
      const out = int(1, full + s);
      expect(axisTaps(n, k, s, d, pad, out), `n${n} k${k} s${s} d${d} p${pad} o${out}`).toBe(
        bruteTaps(n, k, s, d, pad, out),
      );
    }
  });

  it('axisTaps is immediate on axes of 2^31 − 1', () => {
    const t0 = performance.now();
    const taps = axisTaps(2 ** 30, 2 ** 20, 1, 1, 0, 2 ** 30 + 2 ** 20 - 1);
    expect(taps).toBe(2 ** 50);
    expect(performance.now() - t0).toBeLessThan(50);
  });

  it('k4_s2_p1 1-D (ncw) and 3-D (ncdhw) shapes', () => {
    const g1 = resolveConvTranspose([2, 3, 10], [3, 5, 4], { strides: [2], padding: [1, 1] });
    expect(g1.rank).toBe(1);
    expect(g1.outputShape).toEqual([2, 5, 20]);
    const g1l = resolveConvTranspose([2, 10, 3], [4, 5, 3], {
      strides: [2],
      padding: [1, 1],
      inputLayout: 'nwc',
      filterLayout: 'woi',
    });
    expect(g1l.outputShape).toEqual([2, 20, 5]);
    const g3 = resolveConvTranspose([1, 2, 3, 4, 5], [2, 6, 4, 4, 4], {
      strides: [2, 2, 2],
      padding: [1, 1, 1, 1, 1, 1],
    });
    expect(g3.outputShape).toEqual([1, 6, 6, 8, 10]);
    expect(g3.fullSizes).toEqual([8, 10, 12]);
  });

  it('a 2-D geometry through the generic resolver equals the 2-D one', () => {
    const opts = { strides: [2, 3], padding: [1, 0, 2, 1], outputPadding: [1, 2], groups: 2 } as const;
    const g = resolveConvTranspose([1, 4, 5, 6], [4, 3, 3, 4], opts);
    const g2 = resolveConvTranspose2d([1, 4, 5, 6], [4, 3, 3, 4], opts);
    expect(g2.outSizes).toEqual([g2.outHeight, g2.outWidth]);
    expect({
      ...g2,
      inputStrides: g.inputStrides,
      outputStrides: g.outputStrides,
      filterStrides: g.filterStrides,
    }).toMatchObject(g);
  });

  it('1-D equals 2-D with a unit height on the CPU reference', () => {
    const rand = rng(3);
    const x = Float32Array.from({ length: 2 * 3 * 9 }, () => rand() - 0.5);
    const w = Float32Array.from({ length: 3 * 4 * 5 }, () => rand() - 0.5);
    const one = convTransposeCpu(x, [2, 3, 9], w, [3, 4, 5], { strides: [3], padding: [1, 2], outputPadding: [1] });
    const two = convTranspose2dCpu(x, [2, 3, 1, 9], w, [3, 4, 1, 5], {
      strides: [1, 3],
      padding: [0, 0, 1, 2],
      outputPadding: [0, 1],
    });
    expect(one.shape).toEqual([2, 4, 27]);
    expect(Array.from(one.data)).toEqual(Array.from(two.data));
  });

  it.each([
    [
      '1-D layout on a 2-D input',
      () => resolveConvTranspose([1, 1, 4, 4], [1, 1, 3, 3], { inputLayout: 'ncw' as never }),
      'options.inputLayout',
    ],
    [
      '2-D strides on a 1-D input',
      () => resolveConvTranspose([1, 1, 4], [1, 1, 3], { strides: [2, 2] }),
      'options.strides',
    ],
    ['filter of another rank', () => resolveConvTranspose([1, 1, 4], [1, 1, 3, 3]), 'filterShape'],
    ['6-D input', () => resolveConvTranspose([1, 1, 4, 4, 4, 4], [1, 1, 3, 3, 3, 3]), 'inputShape'],
    [
      'dilation overflows the full size',
      () => resolveConvTranspose2d([1, 1, 5, 5], [1, 1, 434983, 2], { dilations: [328443, 1] }),
      'options.dilations[0]',
    ],
    [
      'stride past 2^31',
      () =>
        resolveConvTranspose2d([1, 1, 1, 3], [1, 1, 1, 1], {
          strides: [1, 4503599627370497],
          padding: [0, 0, 1, 9007199254740991],
        }),
      'options.strides[1]',
    ],
    ['2^40 columns', () => resolveConvTranspose2d([1, 1, 1, 2 ** 40], [1, 1, 1, 1]), 'inputShape[3]'],
    [
      'sparse strides',
      () => resolveConvTranspose2d([1, 1, 4, 4], [1, 1, 3, 3], { strides: Array(2).fill(2, 1) as never }),
      'options.strides[0]',
    ],
    [
      'groups null',
      () => resolveConvTranspose2d([1, 1, 4, 4], [1, 1, 3, 3], { groups: null as never }),
      'options.groups',
    ],
    [
      'leakyReluAlpha null',
      () => resolveConvTranspose2d([1, 1, 4, 4], [1, 1, 3, 3], { leakyReluAlpha: null as never }),
      'options.leakyReluAlpha',
    ],
    ['a Map as options', () => resolveConvTranspose2d([1, 1, 4, 4], [1, 1, 3, 3], new Map() as never), 'options'],
    ['a Date as options', () => resolveConvTranspose2d([1, 1, 4, 4], [1, 1, 3, 3], new Date() as never), 'options'],
    [
      'an inherited unknown key',
      () => resolveConvTranspose2d([1, 1, 4, 4], [1, 1, 3, 3], Object.create({ stride: 2 })),
      'options.stride',
    ],
    [
      'a non-enumerable unknown key',
      () => resolveConvTranspose2d([1, 1, 4, 4], [1, 1, 3, 3], Object.defineProperty({}, 'pad', { value: 1 })),
      'options.pad',
    ],
    [
      'a BigInt stride',
      () => resolveConvTranspose2d([1, 1, 4, 4], [1, 1, 3, 3], { strides: [2n, 2] as never }),
      'options.strides[0]',
    ],
  ])('%s: DeconvError within 50 ms', (_name, call, param) => {
    const t0 = performance.now();
    let error: unknown;
    try {
      call();
    } catch (e) {
      error = e;
    }
    expect(performance.now() - t0).toBeLessThan(50);
    expect(error).toBeInstanceOf(DeconvError);
    expect((error as DeconvError).code).toBe('INVALID_ARGUMENT');
    expect((error as DeconvError).param).toBe(param);
  });

  it('snapshots the options: changing them after resolving changes nothing', () => {
    const padding = [1, 1, 1, 1];
    const bias = new Float32Array([1, 2]);
    const g = resolveConvTranspose2d([1, 1, 4, 4], [1, 2, 3, 3], { padding, bias });
    padding[0] = 0;
    bias[0] = 9;
    expect(g.padding).toEqual([1, 1, 1, 1]);
    expect(g.bias![0]).toBe(1);
  });
});
