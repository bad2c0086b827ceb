/**
 * Data for the benchmark page: seeded values, layout permutations of any rank, and the
 * comparisons of the cross-check. No GPU here.
 */
import { halfUlp } from '../test/helpers/check.js';

/** Seeded uniform [-1, 1) values (mulberry32), so every run of the suite uses the same data. */
export function random(size: number, seed: number, scale = 1): Float32Array<ArrayBuffer> {
  let a = seed >>> 0;
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1) * scale;
  }
  return out;
}

/** A seed derived from an id, so each layer has its own data. */
export function seedOf(id: string): number {
  return [...id].reduce((a, ch) => (a * 31 + ch.charCodeAt(0)) >>> 0, 7);
}

/** Permutes an array of any rank: output axis j is input axis perm[j]. */
export function permute(
  data: Float32Array,
  shape: readonly number[],
  perm: readonly number[],
): Float32Array<ArrayBuffer> {
  const rank = shape.length;
  const inStrides = new Array<number>(rank);
  for (let a = rank - 1, s = 1; a >= 0; a--) {
    inStrides[a] = s;
    s *= shape[a]!;
  }
  const outShape = perm.map((p) => shape[p]!);
  const step = perm.map((p) => inStrides[p]!);
  const out = new Float32Array(data.length);
  const last = rank - 1;
  const n = outShape[last]!;
  const innerStep = step[last]!;
  // An odometer over the outer output axes; the innermost axis is a strided copy.
  const index = new Array<number>(rank).fill(0);
  let src = 0;
  for (let o = 0; o < out.length; o += n) {
    for (let j = 0, s = src; j < n; j++, s += innerStep) out[o + j] = data[s]!;
    for (let a = last - 1; a >= 0; a--) {
      src += step[a]!;
      if (++index[a]! < outShape[a]!) break;
      src -= step[a]! * outShape[a]!;
      index[a] = 0;
    }
  }
  return out;
}

/** The permutation from channels first (N, C, …spatial) to channels last (N, …spatial, C). */
export function toChannelsLast(rank: number): number[] {
  return [0, ...Array.from({ length: rank }, (_, i) => i + 2), 1];
}

/** The permutation from channels last back to channels first. */
export function toChannelsFirst(rank: number): number[] {
  return [0, rank + 1, ...Array.from({ length: rank }, (_, i) => i + 1)];
}

/** A channels-first shape in channels-last order. */
export function channelsLastShape(shape: readonly number[]): number[] {
  return toChannelsLast(shape.length - 2).map((p) => shape[p]!);
}

/** Elementwise tolerance of a float32 cross-check: |out − ref| ≤ atol + rtol·|ref|. */
export interface Tolerance {
  atol: number;
  rtol: number;
}

/** How far an output is from its reference, and how that compares with the tolerance (≤ 1 passes). */
export interface Comparison {
  /** Max |out − ref|. */
  maxAbsErr: number;
  /** Max over elements of |out − ref| / allowed error; ≤ 1 passes. */
  errRatio: number;
}

function compareWith(out: Float32Array, ref: Float32Array, allowed: (r: number) => number): Comparison {
  let maxAbsErr = 0;
  let errRatio = 0;
  if (out.length !== ref.length) return { maxAbsErr: Infinity, errRatio: Infinity };
  for (let i = 0; i < ref.length; i++) {
    const r = ref[i]!;
    const d = Math.abs(out[i]! - r);
    const ratio = d / allowed(r);
    // NaN compares false: count it as a failure explicitly.
    if (!(d <= maxAbsErr)) maxAbsErr = Number.isNaN(d) ? Infinity : d;
    if (!(ratio <= errRatio)) errRatio = Number.isNaN(ratio) ? Infinity : ratio;
  }
  return { maxAbsErr, errRatio };
}

/** A float32 output against the float64 CPU reference. */
export function compare(out: Float32Array, ref: Float32Array, tol: Tolerance): Comparison {
  return compareWith(out, ref, (r) => tol.atol + tol.rtol * Math.abs(r));
}

/** Relative part of the float16 bound: the float32 accumulation's error, against the output's range. */
export const HALF_RANGE_RTOL = 1e-4;

/**
 * A float16 output against the float64 reference on the half-rounded input and filter: each
 * element within one half ulp of the reference (the result is rounded to half once) plus
 * {@link HALF_RANGE_RTOL} × max |ref| (float32 accumulation in a different order).
 */
export function compareHalfOutput(out: Float32Array, ref: Float32Array): Comparison {
  let range = 0;
  for (let i = 0; i < ref.length; i++) range = Math.max(range, Math.abs(ref[i]!));
  const atol = HALF_RANGE_RTOL * range;
  return compareWith(out, ref, (r) => halfUlp(r) + atol);
}

/** Max |a − b| over two outputs of the same shape (Infinity when the sizes differ or a NaN appears). */
export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

/** Median of samples. */
export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Milliseconds with 3 significant digits. */
export function fmtMs(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}
