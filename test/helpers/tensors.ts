import { filterShapeIn } from '../../src/geometry.js';
import { seededRandom } from '../../src/init.js';
import type { FilterLayout, InputLayout } from '../../src/types.js';

/** The library's seeded PRNG (mulberry32), so a failing random case can be replayed from its seed. */
export const rng = seededRandom;

/** An integer in [lo, hi]. */
export function randInt(r: () => number, lo: number, hi: number): number {
  return lo + Math.floor(r() * (hi - lo + 1));
}

export function pick<T>(r: () => number, items: readonly T[]): T {
  return items[Math.floor(r() * items.length)]!;
}

/**
 * Values k/64 with k in [−64, 64]: exact in float32, and their products and short
 * sums are too, so results can be compared exactly across layouts and frameworks.
 */
export function dyadic(r: () => number, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = randInt(r, -64, 64) / 64;
  return out;
}

/** Transposes a 4-D tensor: output axis i is input axis perm[i]. */
export function permute(
  data: Float32Array,
  shape: readonly number[],
  perm: readonly [number, number, number, number],
): { data: Float32Array; shape: [number, number, number, number] } {
  const s = shape as [number, number, number, number];
  const outShape = perm.map((p) => s[p]!) as [number, number, number, number];
  const inStrides = [s[1] * s[2] * s[3], s[2] * s[3], s[3], 1];
  const out = new Float32Array(data.length);
  let o = 0;
  const idx = [0, 0, 0, 0];
  for (idx[0] = 0; idx[0] < outShape[0]; idx[0]++) {
    for (idx[1] = 0; idx[1] < outShape[1]; idx[1]++) {
      for (idx[2] = 0; idx[2] < outShape[2]; idx[2]++) {
        for (idx[3] = 0; idx[3] < outShape[3]; idx[3]++) {
          let src = 0;
          for (let i = 0; i < 4; i++) src += idx[i]! * inStrides[perm[i]!]!;
          out[o++] = data[src]!;
        }
      }
    }
  }
  return { data: out, shape: outShape };
}

const INPUT_PERM: Record<string, [number, number, number, number]> = {
  'nchw>nhwc': [0, 2, 3, 1],
  'nhwc>nchw': [0, 3, 1, 2],
};

/** Converts an activation tensor between layouts. */
export function toInputLayout(
  data: Float32Array,
  shape: readonly number[],
  from: InputLayout,
  to: InputLayout,
): { data: Float32Array; shape: [number, number, number, number] } {
  if (from === to) return { data, shape: [...shape] as [number, number, number, number] };
  return permute(data, shape, INPUT_PERM[`${from}>${to}`]!);
}

/** Axis of each layout holding logical [i, o, h, w]. */
const FILTER_AXES: Record<FilterLayout, [number, number, number, number]> = {
  iohw: [0, 1, 2, 3],
  hwoi: [3, 2, 0, 1],
  ohwi: [3, 0, 1, 2],
};

/** Converts a transposed-convolution filter between layouts. */
export function toFilterLayout(
  data: Float32Array,
  shape: readonly number[],
  from: FilterLayout,
  to: FilterLayout,
): { data: Float32Array; shape: [number, number, number, number] } {
  if (from === to) return { data, shape: [...shape] as [number, number, number, number] };
  // Output axis j holds logical axis L where FILTER_AXES[to][L] = j; it sits at FILTER_AXES[from][L] in the input.
  const perm = [0, 0, 0, 0] as [number, number, number, number];
  for (let l = 0; l < 4; l++) perm[FILTER_AXES[to][l]!] = FILTER_AXES[from][l]!;
  return permute(data, shape, perm);
}

/** Shape of an activation tensor in a layout, from logical N, C, H, W. */
export function inputShapeOf(
  layout: InputLayout,
  n: number,
  c: number,
  h: number,
  w: number,
): [number, number, number, number] {
  return layout === 'nchw' ? [n, c, h, w] : [n, h, w, c];
}

/** Shape of a filter in a layout, from logical in, out/groups, kH, kW. */
export const filterShapeOf = filterShapeIn;

/** Largest |a − b| / (atol + rtol·|b|); ≤ 1 means within tolerance. Throws on a length mismatch. */
export function maxViolation(a: ArrayLike<number>, b: ArrayLike<number>, atol: number, rtol: number): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} ≠ ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (Number.isNaN(d)) return Infinity;
    worst = Math.max(worst, d / (atol + rtol * Math.abs(b[i]!)));
  }
  return worst;
}
