// Tensor helpers of any rank for the tests of 1-D and 3-D layers: layouts, permutations
// and random geometries.
import { FILTER_LAYOUTS, filterDims, filterShapeIn } from '../../src/geometry.js';
import type { AnyFilterLayout } from '../../src/types.js';
import { pick, randInt } from './tensors.js';

/** The number of elements of a shape. */
export function count(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Transposes a tensor of any rank: output axis i is input axis perm[i]. */
export function permuteNd(
  data: Float32Array,
  shape: readonly number[],
  perm: readonly number[],
): { data: Float32Array; shape: number[] } {
  const outShape = perm.map((p) => shape[p]!);
  const inStrides = new Array<number>(shape.length);
  let step = 1;
  for (let a = shape.length - 1; a >= 0; a--) {
    inStrides[a] = step;
    step *= shape[a]!;
  }
  const out = new Float32Array(data.length);
  const idx = new Array<number>(shape.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let i = 0; i < idx.length; i++) src += idx[i]! * inStrides[perm[i]!]!;
    out[o] = data[src]!;
    for (let i = idx.length - 1; i >= 0; i--) {
      if (++idx[i]! < outShape[i]!) break;
      idx[i] = 0;
    }
  }
  return { data: out, shape: outShape };
}

/** An activation shape from logical N, C and spatial sizes. */
export function activationShape(channelsLast: boolean, n: number, c: number, sizes: readonly number[]): number[] {
  return channelsLast ? [n, ...sizes, c] : [n, c, ...sizes];
}

/** Moves an activation tensor between channels first and channels last. */
export function toChannels(
  data: Float32Array,
  shape: readonly number[],
  fromLast: boolean,
  toLast: boolean,
): { data: Float32Array; shape: number[] } {
  if (fromLast === toLast) return { data, shape: [...shape] };
  const r = shape.length - 2;
  const spatial = Array.from({ length: r }, (_, i) => i + (fromLast ? 1 : 2));
  return permuteNd(data, shape, toLast ? [0, ...spatial, 1] : [0, r + 1, ...spatial]);
}

/** Converts a transposed-convolution filter between layouts of the same rank. */
export function toFilterLayoutNd(
  data: Float32Array,
  shape: readonly number[],
  from: AnyFilterLayout,
  to: AnyFilterLayout,
): { data: Float32Array; shape: number[] } {
  if (from === to) return { data, shape: [...shape] };
  const source = filterDims(
    from,
    shape.map((_, i) => i),
  );
  return permuteNd(data, shape, filterShapeIn(to, source[0]!, source[1]!, ...source.slice(2)));
}

/** The forward-convolution layout that reads a transposed-convolution filter's memory the same way. */
export const FORWARD_LAYOUT: Record<string, string> = {
  iow: 'oiw',
  woi: 'wio',
  owi: 'iwo',
  iohw: 'oihw',
  hwoi: 'hwio',
  ohwi: 'ihwo',
  iodhw: 'oidhw',
  dhwoi: 'dhwio',
  odhwi: 'idhwo',
};

/** A random filter layout of a rank. */
export function randomFilterLayout(r: () => number, rank: number): AnyFilterLayout {
  return pick(r, FILTER_LAYOUTS[rank]!);
}

/** Random per-axis sizes in [lo, hi]. */
export function randomSizes(r: () => number, rank: number, lo: number, hi: number): number[] {
  return Array.from({ length: rank }, () => randInt(r, lo, hi));
}
