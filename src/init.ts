import { invalid } from './errors.js';
import { checkData, checkShape, filterDims, filterStrides } from './geometry.js';
import type { ConvTranspose2dOptions, FilterLayout } from './types.js';

/**
 * A seeded uniform generator in [0, 1) (mulberry32): the same seed gives the same
 * numbers on every platform, so initialized models are reproducible.
 */
export function seededRandom(seed: number): () => number {
  if (!Number.isFinite(seed)) invalid('seed', seed, 'must be a finite number');
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
  /** Layout of the filter shape; default 'iohw'. */
  filterLayout?: FilterLayout;
  /** Groups of the layer; default 1. */
  groups?: number;
}

/** Fan-in and fan-out of a transposed-convolution filter, as Keras and PyTorch count them. */
function fans(filterShape: readonly number[], layout: FilterLayout, groups: number): [number, number] {
  const [inC, outCg, kh, kw] = filterDims(layout, checkShape('filterShape', filterShape));
  const field = kh * kw;
  // The transposed layer's weight is the forward conv's: its "fan-in" is the
  // transposed layer's output channels per group.
  return [outCg * field, (inC / groups) * field];
}

function uniformFilter(filterShape: readonly number[], limit: number, seed: number): Float32Array {
  const rand = seededRandom(seed);
  const size = filterShape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = (2 * rand() - 1) * limit;
  return out;
}

/** Glorot (Xavier) uniform filter: U(−l, l) with l = √(6 / (fanIn + fanOut)). Seeded. */
export function glorotUniform(filterShape: readonly number[], options: InitOptions = {}): Float32Array {
  const [fanIn, fanOut] = fans(filterShape, options.filterLayout ?? 'iohw', options.groups ?? 1);
  return uniformFilter(filterShape, Math.sqrt(6 / (fanIn + fanOut)), options.seed ?? 0);
}

/** He (Kaiming) uniform filter: U(−l, l) with l = √(6 / fanIn). Seeded. */
export function heUniform(filterShape: readonly number[], options: InitOptions = {}): Float32Array {
  const [fanIn] = fans(filterShape, options.filterLayout ?? 'iohw', options.groups ?? 1);
  return uniformFilter(filterShape, Math.sqrt(6 / fanIn), options.seed ?? 0);
}

/** A ready learned-upsampling layer: its filter, filter shape and options. */
export interface UpsamplingLayer {
  filter: Float32Array;
  filterShape: [number, number, number, number];
  options: ConvTranspose2dOptions;
}

/**
 * The bilinear-upsampling filter FCN-style models initialize learned upsampling with:
 * kernel 2f − f mod 2, stride f, padding ⌈(f − 1)/2⌉, so an H×W input gives fH×fW.
 * Each channel is upsampled on its own (`groups = channels`, filter [C, 1, k, k], 'iohw').
 */
export function bilinearUpsampling(factor: number, channels: number): UpsamplingLayer {
  if (!Number.isSafeInteger(factor) || factor < 1) invalid('factor', factor, 'must be a positive integer');
  if (!Number.isSafeInteger(channels) || channels < 1) invalid('channels', channels, 'must be a positive integer');
  const k = 2 * factor - (factor % 2);
  const center = factor % 2 === 1 ? factor - 1 : factor - 0.5;
  const taps = new Float32Array(k * k);
  for (let y = 0; y < k; y++) {
    for (let x = 0; x < k; x++) {
      taps[y * k + x] = (1 - Math.abs(y - center) / factor) * (1 - Math.abs(x - center) / factor);
    }
  }
  const filter = new Float32Array(channels * k * k);
  for (let c = 0; c < channels; c++) filter.set(taps, c * k * k);
  const pad = Math.ceil((factor - 1) / 2);
  return {
    filter,
    filterShape: [channels, 1, k, k],
    options: { strides: [factor, factor], padding: [pad, pad, pad, pad], groups: channels },
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
 * Folds a batch-norm that follows a transposed convolution into the convolution's
 * filter and bias: w' = w·γ/√(σ² + ε) per output channel, b' = (b − μ)·γ/√(σ² + ε) + β.
 * Inference only (running statistics). Returns new arrays; the inputs are untouched.
 */
export function foldBatchNorm(
  filter: Float32Array,
  filterShape: readonly number[],
  bias: Float32Array | undefined,
  bn: BatchNormParams,
  options: { filterLayout?: FilterLayout; groups?: number } = {},
): { filter: Float32Array; bias: Float32Array } {
  const shape = checkShape('filterShape', filterShape);
  checkData('filter', filter, shape);
  const layout = options.filterLayout ?? 'iohw';
  const groups = options.groups ?? 1;
  const [inC, outCg, kh, kw] = filterDims(layout, shape);
  if (!Number.isSafeInteger(groups) || groups < 1 || inC % groups !== 0) {
    invalid('options.groups', groups, `must be a positive integer dividing the filter's input channels (${inC})`);
  }
  const outC = outCg * groups;
  for (const key of ['gamma', 'beta', 'mean', 'variance'] as const) {
    const v = bn[key];
    if (!(v instanceof Float32Array) || v.length !== outC) {
      invalid(`bn.${key}`, v, `must be a Float32Array of length ${outC} (the output channels)`);
    }
  }
  if (bias !== undefined && (!(bias instanceof Float32Array) || bias.length !== outC)) {
    invalid('bias', bias, `must be a Float32Array of length ${outC}`);
  }
  const eps = bn.epsilon ?? 1e-5;
  if (!(eps >= 0) || !Number.isFinite(eps)) invalid('bn.epsilon', eps, 'must be a finite number ≥ 0');
  const scale = new Float64Array(outC);
  const outBias = new Float32Array(outC);
  for (let c = 0; c < outC; c++) {
    const v = bn.variance[c]!;
    if (!(v + eps > 0)) invalid(`bn.variance[${c}]`, v, 'variance + epsilon must be > 0');
    scale[c] = bn.gamma[c]! / Math.sqrt(v + eps);
    outBias[c] = ((bias ? bias[c]! : 0) - bn.mean[c]!) * scale[c]! + bn.beta[c]!;
  }
  const st = filterStrides(layout, inC, outCg, kh, kw);
  const cig = inC / groups;
  const out = new Float32Array(filter.length);
  for (let i = 0; i < inC; i++) {
    const g = Math.floor(i / cig);
    for (let o = 0; o < outCg; o++) {
      const s = scale[g * outCg + o]!;
      for (let y = 0; y < kh; y++) {
        for (let x = 0; x < kw; x++) {
          const idx = i * st.i + o * st.o + y * st.h + x * st.w;
          out[idx] = filter[idx]! * s;
        }
      }
    }
  }
  return { filter: out, bias: outBias };
}
