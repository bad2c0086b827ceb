/**
 * Filter initializers and batch-norm folding for transposed convolutions of any rank
 * (1-D, 2-D and 3-D filters; the rank comes from the filter shape). Every helper validates
 * its arguments first, in time independent of the sizes, and turns an allocation the
 * machine cannot make into DeconvError('DEVICE_LIMIT').
 */
import { DeconvError, invalid } from './errors.js';
import { FILTER_LAYOUTS, filterAxisStrides, filterDims } from './geometry.js';
import type { AnyFilterLayout, ConvTranspose2dOptions, ConvTransposeOptions, FilterLayout } from './types.js';
import {
  MAX_INDEX,
  checkData,
  checkElements,
  isFloat32Array,
  oneOf,
  readInt,
  readNumber,
  readOptions,
  readShape,
  typedLength,
} from './validate.js';

/**
 * A seeded uniform generator in [0, 1) (mulberry32): the same seed gives the same
 * numbers on every platform, so initialized models are reproducible.
 *
 * @throws DeconvError('INVALID_ARGUMENT') when the seed is not a finite number.
 */
export function seededRandom(seed: number): () => number {
  if (typeof seed !== 'number' || !Number.isFinite(seed)) invalid('seed', seed, 'must be a finite number');
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Options of the seeded filter initializers. */
export interface InitOptions {
  /** Seed of the generator; default 0. */
  seed?: number;
  /** Layout of the filter shape; default 'iow' / 'iohw' / 'iodhw' by the filter's rank. */
  filterLayout?: AnyFilterLayout;
  /** Groups of the layer; default 1. */
  groups?: number;
}

/**
 * A typed array of `size` elements, or DeconvError('DEVICE_LIMIT') when memory cannot
 * hold it. Callers bound `size` (at most 2^32 − 1) before calling.
 */
export function allocate<T>(
  type: { new (size: number): T; readonly BYTES_PER_ELEMENT: number },
  size: number,
  param: string,
): T {
  try {
    return new type(size);
  } catch {
    throw new DeconvError(
      'DEVICE_LIMIT',
      `${param}: ${size} values need ${size * type.BYTES_PER_ELEMENT} bytes of CPU memory, more than can be allocated`,
      param,
    );
  }
}

/** A filter shape of any rank (3, 4 or 5 dimensions), its layout and groups, validated. */
interface FilterSpec {
  shape: number[];
  layout: AnyFilterLayout;
  /** Logical [in, out/groups, …kernel]. */
  dims: number[];
  groups: number;
}

function readFilter(
  filterShape: unknown,
  layout: unknown,
  groups: unknown,
  layoutParam = 'options.filterLayout',
  groupsParam = 'options.groups',
): FilterSpec {
  const shape = readShape('filterShape', filterShape, [3, 4, 5]);
  const layouts = FILTER_LAYOUTS[shape.length - 2]!;
  const fLayout = oneOf(layoutParam, layout, layouts, layouts[0]);
  const dims = filterDims(fLayout, shape);
  const g = readInt(groupsParam, groups, 1, 1);
  if (dims[0]! % g !== 0) {
    invalid(groupsParam, g, `must divide the filter's input channels (${dims[0]}, layout '${fLayout}')`);
  }
  if (dims[1]! * g > MAX_INDEX) {
    invalid(groupsParam, g, `makes ${dims[1]} × ${g} output channels, more than 2^31 − 1`);
  }
  return { shape, layout: fLayout, dims, groups: g };
}

/** Reads an initializer's options: a plain object of seed, filterLayout and groups. */
function readInit(filterShape: unknown, options: unknown): { spec: FilterSpec; seed: number } {
  const o = readOptions('options', options, ['seed', 'filterLayout', 'groups'] as const);
  const spec = readFilter(filterShape, o.filterLayout, o.groups);
  return { spec, seed: readNumber('options.seed', o.seed, 0) };
}

/**
 * Fan-in and fan-out of a transposed-convolution filter. The transposed layer's weight
 * is the forward convolution's, so its "fan-in" is the transposed layer's output channels
 * per group, and its fan-out the input channels per group, each times the kernel volume.
 */
function fans(spec: FilterSpec): [number, number] {
  const [inC, outCg, ...kernel] = spec.dims as [number, number, ...number[]];
  const field = kernel.reduce((p, k) => p * k, 1);
  return [outCg * field, (inC / spec.groups) * field];
}

function uniformFilter(shape: readonly number[], limit: number, seed: number): Float32Array {
  const rand = seededRandom(seed);
  const size = checkElements('filterShape', shape);
  const out = allocate(Float32Array, size, 'filterShape');
  for (let i = 0; i < size; i++) out[i] = (2 * rand() - 1) * limit;
  return out;
}

/**
 * Glorot (Xavier) uniform filter of any rank: U(−l, l) with l = √(6 / (fanIn + fanOut)). Seeded.
 *
 * @throws DeconvError('INVALID_ARGUMENT') for an invalid shape or options;
 * DeconvError('DEVICE_LIMIT') when memory cannot hold the filter.
 */
export function glorotUniform(filterShape: readonly number[], options: InitOptions = {}): Float32Array {
  const { spec, seed } = readInit(filterShape, options);
  const [fanIn, fanOut] = fans(spec);
  return uniformFilter(spec.shape, Math.sqrt(6 / (fanIn + fanOut)), seed);
}

/**
 * He (Kaiming) uniform filter of any rank: U(−l, l) with l = √(6 / fanIn). Seeded.
 *
 * @throws DeconvError('INVALID_ARGUMENT') for an invalid shape or options;
 * DeconvError('DEVICE_LIMIT') when memory cannot hold the filter.
 */
export function heUniform(filterShape: readonly number[], options: InitOptions = {}): Float32Array {
  const { spec, seed } = readInit(filterShape, options);
  const [fanIn] = fans(spec);
  return uniformFilter(spec.shape, Math.sqrt(6 / fanIn), seed);
}

/** A ready 2-D learned-upsampling layer: its filter, filter shape and options. */
export interface UpsamplingLayer {
  filter: Float32Array;
  filterShape: [number, number, number, number];
  options: ConvTranspose2dOptions;
}

/** A ready learned-upsampling layer of any rank: its filter, filter shape ([C, 1, …k]) and options. */
export interface UpsamplingLayerNd {
  filter: Float32Array;
  filterShape: number[];
  options: ConvTransposeOptions;
}

/**
 * The bilinear (linear in 1-D, trilinear in 3-D) upsampling filter FCN-style models and
 * audio upsamplers initialize learned upsampling with: kernel 2f − f mod 2, stride f,
 * padding ⌈(f − 1)/2⌉ per axis, so an input of size n gives f·n on every axis. Each channel
 * is upsampled on its own (`groups = channels`, filter [C, 1, …k], layout 'iow' / 'iohw' /
 * 'iodhw'). `rank` is the number of spatial axes, default 2.
 *
 * @throws DeconvError('INVALID_ARGUMENT') for invalid arguments or a filter of more than
 * 2^32 − 1 elements; DeconvError('DEVICE_LIMIT') when memory cannot hold it.
 */
export function bilinearUpsampling(factor: number, channels: number, rank?: 2): UpsamplingLayer;
export function bilinearUpsampling(factor: number, channels: number, rank: 1 | 2 | 3): UpsamplingLayerNd;
export function bilinearUpsampling(factor: number, channels: number, rank: 1 | 2 | 3 = 2): UpsamplingLayerNd {
  // The kernel 2f − f mod 2 must itself fit one axis: f ≤ 2^30.
  const f = readInt('factor', factor, null, 1, 2 ** 30);
  const c = readInt('channels', channels, null, 1);
  const r = readInt('rank', rank, 2, 1, 3);
  const k = 2 * f - (f % 2);
  const filterShape = [c, 1, ...new Array<number>(r).fill(k)];
  const size = checkElements('filterShape', filterShape);
  const center = f % 2 === 1 ? f - 1 : f - 0.5;
  const line = Array.from({ length: k }, (_, x) => 1 - Math.abs(x - center) / f);
  // In float64, rounded to float32 once, as the product of the per-axis weights.
  const taps = allocate(Float64Array, k ** r, 'filterShape');
  // The separable product of the 1-D weights, one axis at a time.
  taps.set(line);
  let filled = k;
  for (let a = 1; a < r; a++) {
    for (let i = filled - 1; i >= 0; i--) {
      const v = taps[i]!;
      for (let x = 0; x < k; x++) taps[i * k + x] = v * line[x]!;
    }
    filled *= k;
  }
  const filter = allocate(Float32Array, size, 'filterShape');
  for (let ch = 0; ch < c; ch++) filter.set(taps, ch * taps.length);
  const pad = Math.ceil((f - 1) / 2);
  return {
    filter,
    filterShape,
    options: {
      strides: new Array<number>(r).fill(f),
      padding: new Array<number>(2 * r).fill(pad),
      groups: c,
    },
  };
}

/** Batch-norm statistics and affine parameters, one value per output channel. */
export interface BatchNormParams {
  gamma: Float32Array;
  beta: Float32Array;
  mean: Float32Array;
  variance: Float32Array;
  /** Default 1e-5 (PyTorch's default). */
  epsilon?: number;
}

/**
 * Folds a batch-norm that follows a transposed convolution of any rank into the
 * convolution's filter and bias: w' = w·γ/√(σ² + ε) per output channel,
 * b' = (b − μ)·γ/√(σ² + ε) + β. Inference only (running statistics). Returns new arrays;
 * the inputs are untouched.
 *
 * @throws DeconvError('INVALID_ARGUMENT') for invalid arrays, statistics or options;
 * DeconvError('DEVICE_LIMIT') when memory cannot hold the result.
 */
export function foldBatchNorm(
  filter: Float32Array,
  filterShape: readonly number[],
  bias: Float32Array | undefined,
  bn: BatchNormParams,
  options: { filterLayout?: AnyFilterLayout | FilterLayout; groups?: number } = {},
): { filter: Float32Array; bias: Float32Array } {
  const o = readOptions('options', options, ['filterLayout', 'groups'] as const);
  const spec = readFilter(filterShape, o.filterLayout, o.groups);
  checkData('filter', filter, spec.shape);
  const [inC, outCg, ...kernel] = spec.dims as [number, number, ...number[]];
  const outC = outCg * spec.groups;
  const stats = readOptions(
    'bn',
    bn,
    ['gamma', 'beta', 'mean', 'variance', 'epsilon'] as const,
    'batch-norm parameters',
  );
  const vectors = (['gamma', 'beta', 'mean', 'variance'] as const).map((key) => {
    const v = stats[key];
    if (!isFloat32Array(v) || typedLength(v) !== outC) {
      invalid(`bn.${key}`, v, `must be a Float32Array of length ${outC} (the output channels)`);
    }
    return v;
  });
  const [gamma, beta, mean, variance] = vectors as [Float32Array, Float32Array, Float32Array, Float32Array];
  if (bias !== undefined && (!isFloat32Array(bias) || typedLength(bias) !== outC)) {
    invalid('bias', bias, `must be undefined or a Float32Array of length ${outC} (the output channels)`);
  }
  const eps = readNumber('bn.epsilon', stats.epsilon, 1e-5);
  if (eps < 0) invalid('bn.epsilon', eps, 'must be a finite number ≥ 0');
  const scale = new Float64Array(outC);
  const outBias = new Float32Array(outC);
  for (let c = 0; c < outC; c++) {
    const v = variance[c]!;
    if (!(v + eps > 0)) invalid(`bn.variance[${c}]`, v, 'variance + epsilon must be > 0');
    scale[c] = gamma[c]! / Math.sqrt(v + eps);
    outBias[c] = ((bias ? bias[c]! : 0) - mean[c]!) * scale[c]! + beta[c]!;
  }
  // Each element's output channel from its flat index: the layout is a permutation of the
  // logical axes, so the coordinate on an axis of stride st and size n is ⌊idx / st⌋ mod n.
  const st = filterAxisStrides(spec.layout, inC, outCg, kernel);
  const cig = inC / spec.groups;
  const out = allocate(Float32Array, filter.length, 'filter');
  for (let idx = 0; idx < filter.length; idx++) {
    const i = Math.floor(idx / st.i) % inC;
    const o2 = Math.floor(idx / st.o) % outCg;
    out[idx] = filter[idx]! * scale[Math.floor(i / cig) * outCg + o2]!;
  }
  return { filter: out, bias: outBias };
}
