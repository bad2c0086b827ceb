import { seededRandom } from '../../src/init.js';
/**
 * Environment-neutral GPU test helpers (Node and Chromium): error scopes,
 * tolerant comparison, and seeded random geometries.
 */
import type { ConvTranspose2dOptions } from '../../src/types.js';

/** WebGPU's default limits (the ones the planner reads), as a plain object: `plan`'s limits in CPU-only tests. */
export const DEFAULT_LIMITS = {
  maxStorageBufferBindingSize: 134217728,
  maxBufferSize: 268435456,
  maxComputeWorkgroupsPerDimension: 65535,
  maxComputeInvocationsPerWorkgroup: 256,
  maxComputeWorkgroupSizeX: 256,
  maxComputeWorkgroupSizeY: 256,
  maxComputeWorkgroupStorageSize: 16384,
  minUniformBufferOffsetAlignment: 256,
} as unknown as GPUSupportedLimits;

/** Runs `fn` inside validation and out-of-memory error scopes; throws on any GPU error. */
export async function withErrorScopes<T>(device: GPUDevice, fn: () => Promise<T> | T): Promise<T> {
  device.pushErrorScope('validation');
  device.pushErrorScope('out-of-memory');
  let result: T | undefined;
  let thrown: unknown = null;
  try {
    result = await fn();
  } catch (e) {
    thrown = e;
  }
  const oom = await device.popErrorScope();
  const validation = await device.popErrorScope();
  const err = validation ?? oom;
  if (err) throw new Error(`GPU error: ${err.message}`);
  if (thrown) throw thrown;
  return result as T;
}

/** Result of {@link compare}: the worst element and how many broke the tolerance. */
export interface CompareResult {
  ok: boolean;
  bad: number;
  worst: number;
  worstIndex: number;
  message: string;
}

/** Element-wise |a − b| ≤ atol + rtol·|b| (b is the reference). NaN never matches. */
export function compare(actual: Float32Array, expected: Float32Array, atol = 1e-4, rtol = 1e-4): CompareResult {
  if (actual.length !== expected.length) {
    return {
      ok: false,
      bad: -1,
      worst: Infinity,
      worstIndex: -1,
      message: `length ${actual.length} ≠ ${expected.length}`,
    };
  }
  let bad = 0;
  let worst = 0;
  let worstIndex = -1;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    const err = Math.abs(a - e);
    const excess = err - (atol + rtol * Math.abs(e));
    if (!(excess <= 0)) {
      bad++;
      if (!(excess <= worst)) {
        worst = Number.isNaN(excess) ? Infinity : excess;
        worstIndex = i;
      }
    }
  }
  const message =
    bad === 0
      ? 'ok'
      : `${bad}/${actual.length} elements off; worst at ${worstIndex}: got ${actual[worstIndex]}, want ${expected[worstIndex]}`;
  return { ok: bad === 0, bad, worst, worstIndex, message };
}

/** The library's seeded PRNG (mulberry32), so a failing random case can be replayed from its seed. */
export const rng = seededRandom;

/** Uniform values in [-1, 1). */
export function randomData(n: number, rand: () => number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rand() * 2 - 1;
  return a;
}

/** One random convolution case. */
export interface RandomCase {
  name: string;
  inputShape: number[];
  filterShape: number[];
  options: ConvTranspose2dOptions;
  input: Float32Array;
  filter: Float32Array;
}

const ACTS = [undefined, 'relu', 'relu6', 'leakyRelu', 'sigmoid', 'tanh', 'gelu'] as const;

/**
 * A random valid geometry with tiny shapes: every option varies (layouts,
 * groups, dilation, asymmetric padding, output padding, bias, activation,
 * batch). Padding is drawn so the output is at least 1×1.
 */
export function randomCase(
  rand: () => number,
  index: number,
  limits: { maxOutChannelsPerGroup?: number; maxInWidth?: number; inChannelsPerGroup?: readonly number[] } = {},
): RandomCase {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const groups = pick([1, 1, 1, 2, 3]);
  const cig = limits.inChannelsPerGroup ? pick(limits.inChannelsPerGroup) : int(1, 3);
  const cog = int(1, limits.maxOutChannelsPerGroup ?? 3);
  const n = int(1, 2);
  const ih = int(1, 5);
  const iw = int(1, limits.maxInWidth ?? 5);
  const kh = int(1, 4);
  const kw = int(1, 4);
  const sh = int(1, 3);
  const sw = int(1, 3);
  const dh = pick([1, 1, 1, 2]);
  const dw = pick([1, 1, 1, 2]);
  const fh = (ih - 1) * sh + dh * (kh - 1) + 1;
  const fw = (iw - 1) * sw + dw * (kw - 1) + 1;
  const pt = int(0, Math.min(3, fh - 1));
  const pb = int(0, Math.min(3, fh - 1 - pt));
  const pl = int(0, Math.min(3, fw - 1));
  const pr = int(0, Math.min(3, fw - 1 - pl));
  const oph = int(0, Math.max(sh, dh) - 1);
  const opw = int(0, Math.max(sw, dw) - 1);
  const inputLayout = pick(['nchw', 'nhwc'] as const);
  const filterLayout = pick(['iohw', 'hwoi', 'ohwi'] as const);
  const cin = cig * groups;
  const cout = cog * groups;
  const inputShape = inputLayout === 'nchw' ? [n, cin, ih, iw] : [n, ih, iw, cin];
  const filterShape =
    filterLayout === 'iohw' ? [cin, cog, kh, kw] : filterLayout === 'hwoi' ? [kh, kw, cog, cin] : [cog, kh, kw, cin];
  const activation = pick(ACTS);
  const options: ConvTranspose2dOptions = {
    strides: [sh, sw],
    dilations: [dh, dw],
    padding: [pt, pb, pl, pr],
    outputPadding: [oph, opw],
    groups,
    inputLayout,
    filterLayout,
  };
  if (activation) options.activation = activation;
  if (activation === 'leakyRelu') options.leakyReluAlpha = 0.2;
  if (rand() < 0.5) options.bias = randomData(cout, rand);
  const name =
    `r${index}_n${n}_c${cin}x${cout}_${ih}x${iw}_k${kh}x${kw}_s${sh}x${sw}_d${dh}x${dw}_p${pt}.${pb}.${pl}.${pr}` +
    `_op${oph}.${opw}_g${groups}_${inputLayout}_${filterLayout}${activation ? `_${activation}` : ''}`;
  return {
    name,
    inputShape,
    filterShape,
    options,
    input: randomData(
      inputShape.reduce((a, b) => a * b, 1),
      rand,
    ),
    filter: randomData(
      filterShape.reduce((a, b) => a * b, 1),
      rand,
    ),
  };
}

/** Options of {@link randomCaseNd}. */
export interface NdLimits {
  /** Largest input size per spatial axis (default 6 for rank 1, 3 for rank 3). */
  maxIn?: number;
  maxOutChannelsPerGroup?: number;
  inChannelsPerGroup?: readonly number[];
  /** Activations to draw from (default all, and none). */
  activations?: readonly (typeof ACTS)[number][];
}

const LAYOUTS_ND = {
  1: { input: ['ncw', 'nwc'], filter: ['iow', 'woi', 'owi'] },
  2: { input: ['nchw', 'nhwc'], filter: ['iohw', 'hwoi', 'ohwi'] },
  3: { input: ['ncdhw', 'ndhwc'], filter: ['iodhw', 'dhwoi', 'odhwi'] },
} as const;

/**
 * A random valid geometry of any spatial rank (1, 2 or 3) with tiny shapes: layouts, groups,
 * dilation, asymmetric padding, output padding, bias, activation and batch all vary.
 */
export function randomCaseNd(rand: () => number, index: number, rank: 1 | 2 | 3, limits: NdLimits = {}): RandomCase {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const groups = pick([1, 1, 1, 2, 3]);
  const cig = limits.inChannelsPerGroup ? pick(limits.inChannelsPerGroup) : int(1, 3);
  const cog = int(1, limits.maxOutChannelsPerGroup ?? 3);
  const n = int(1, 2);
  const maxIn = limits.maxIn ?? (rank === 1 ? 9 : rank === 2 ? 5 : 3);
  const sizes: number[] = [];
  const ks: number[] = [];
  const strides: number[] = [];
  const dilations: number[] = [];
  const padding: number[] = [];
  const outputPadding: number[] = [];
  for (let a = 0; a < rank; a++) {
    const i = int(1, maxIn);
    const k = int(1, rank === 3 ? 3 : 5);
    const s = int(1, rank === 1 ? 5 : 3);
    const d = pick([1, 1, 1, 2]);
    const f = (i - 1) * s + d * (k - 1) + 1;
    const pb = int(0, Math.min(3, f - 1));
    const pe = int(0, Math.min(3, f - 1 - pb));
    sizes.push(i);
    ks.push(k);
    strides.push(s);
    dilations.push(d);
    padding.push(pb, pe);
    outputPadding.push(int(0, Math.max(s, d) - 1));
  }
  const layouts = LAYOUTS_ND[rank];
  const inputLayout = pick(layouts.input);
  const filterLayout = pick(layouts.filter);
  const cin = cig * groups;
  const cout = cog * groups;
  const channelsLast = inputLayout === layouts.input[1];
  const inputShape = channelsLast ? [n, ...sizes, cin] : [n, cin, ...sizes];
  const family = layouts.filter.indexOf(filterLayout as never);
  const filterShape = family === 0 ? [cin, cog, ...ks] : family === 1 ? [...ks, cog, cin] : [cog, ...ks, cin];
  const activation = pick(limits.activations ?? ACTS);
  const options: ConvTranspose2dOptions = {
    strides,
    dilations,
    padding,
    outputPadding,
    groups,
    inputLayout: inputLayout as never,
    filterLayout: filterLayout as never,
  };
  if (activation) options.activation = activation;
  if (activation === 'leakyRelu') options.leakyReluAlpha = 0.2;
  if (rand() < 0.5) options.bias = randomData(cout, rand);
  const name =
    `r${index}_${rank}d_n${n}_c${cin}x${cout}_${sizes.join('x')}_k${ks.join('x')}_s${strides.join('x')}` +
    `_d${dilations.join('x')}_p${padding.join('.')}_op${outputPadding.join('.')}_g${groups}_${inputLayout}_${filterLayout}` +
    (activation ? `_${activation}` : '');
  return {
    name,
    inputShape,
    filterShape,
    options,
    input: randomData(
      inputShape.reduce((a, b) => a * b, 1),
      rand,
    ),
    filter: randomData(
      filterShape.reduce((a, b) => a * b, 1),
      rand,
    ),
  };
}

/** One unit in the last place of float16 at |x| (the spacing of halves there; 2^-24 for subnormals). */
export function halfUlp(x: number): number {
  const a = Math.abs(x);
  if (!(a >= 2 ** -14)) return 2 ** -24;
  return 2 ** (Math.floor(Math.log2(a)) - 10);
}

/**
 * Float16 results against the float64 reference computed from the same half-rounded data:
 * each element within one half ulp of the reference (the GPU rounds its float32 result to half,
 * to a neighbour of the exact value) plus `atol` for the float32 accumulation.
 */
export function compareHalf(actual: Float32Array, reference: Float32Array, atol = 1e-5): CompareResult {
  if (actual.length !== reference.length) {
    return {
      ok: false,
      bad: -1,
      worst: Infinity,
      worstIndex: -1,
      message: `length ${actual.length} ≠ ${reference.length}`,
    };
  }
  let bad = 0;
  let worst = 0;
  let worstIndex = -1;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = reference[i]!;
    const same = a === e || (Number.isNaN(a) && Number.isNaN(e));
    const excess = same ? 0 : Math.abs(a - e) - (halfUlp(e) + atol);
    if (!(excess <= 0)) {
      bad++;
      if (!(excess <= worst)) {
        worst = Number.isNaN(excess) ? Infinity : excess;
        worstIndex = i;
      }
    }
  }
  const message =
    bad === 0
      ? 'ok'
      : `${bad}/${actual.length} elements off; worst at ${worstIndex}: got ${actual[worstIndex]}, want ${reference[worstIndex]}`;
  return { ok: bad === 0, bad, worst, worstIndex, message };
}
