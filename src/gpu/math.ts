/**
 * Integer helpers shared by the planner and the kernels (one copy each), and the uniform
 * values of a geometry under the one naming scheme every generated shader uses.
 */
import type { ConvTransposeGeometry } from '../types.js';

/** Greatest common divisor of positive integers. */
export function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/**
 * Threads a workgroup of the flat kernels (one thread per element, src/gpu/shader/compose.ts's
 * `flatMain`): the one number their WGSL and their dispatch sizes are both written from.
 */
export const FLAT_WORKGROUP = 64;

/** The product of a list (1 for none): sizes of a validated geometry, exact below 2^53. */
export function product(xs: readonly number[]): number {
  return xs.reduce((p, x) => p * x, 1);
}

/** Ceiling division of non-negative integers. */
export function ceilDiv(a: number, b: number): number {
  return Math.floor((a + b - 1) / b);
}

/** Taps a stride phase steps by on an axis: s / gcd(s, d) (see shaders/lib/taps.wgsl). */
export function tapStep(s: number, d: number): number {
  return s / gcd(s, d);
}

/** The inverse of a modulo m (a and m coprime, m ≥ 1), by the extended Euclidean algorithm. */
function inverseMod(a: number, m: number): bigint {
  let [r0, r1] = [BigInt(a % m), BigInt(m)];
  let [x0, x1] = [1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [x0, x1] = [x1, x0 - q * x1];
  }
  const M = BigInt(m);
  return ((x0 % M) + M) % M;
}

/**
 * First tap k < min(kCount, step) with k·d ≡ phase (mod s); kCount when none (as the shaders'
 * first_tap, which loops). Solved in O(log s): with g = gcd(d, s), a solution exists only when g
 * divides the phase, and then k ≡ (phase / g)·(d / g)⁻¹ (mod s / g), and s / g is the step.
 */
export function firstTap(phase: number, d: number, s: number, kCount: number, step: number): number {
  const g = s / step;
  if (phase % g !== 0) return kCount;
  const k = step === 1 ? 0 : Number((BigInt(phase / g) * inverseMod(d / g, step)) % BigInt(step));
  return k < kCount ? k : kCount;
}

/** Axis letters of a spatial rank, outermost first: ['w'], ['h', 'w'] or ['d', 'h', 'w']. */
export function axisLetters(rank: number): string[] {
  return ['d', 'h', 'w'].slice(3 - rank);
}

/**
 * Uniform names, one per spatial axis, for each quantity prefix (`i` input size, `o` output
 * size, `k` kernel size, `s` stride, `d` dilation, `p` padding at the start, `t` tap step,
 * `x`/`y`/`w` input/output/filter memory strides): `axisNames(2, ['i', 's'])` is
 * ['i_h', 'i_w', 's_h', 's_w'].
 */
export function axisNames(rank: number, prefixes: readonly string[]): string[] {
  return prefixes.flatMap((p) => axisLetters(rank).map((a) => `${p}_${a}`));
}

/**
 * Every geometry uniform under the shaders' naming scheme: `batch`, `groups`, `cig`, `cog`
 * (channels per group), `cin`, `cout`; per spatial axis (letter L) `i_L`, `o_L`, `k_L`, `s_L`,
 * `d_L`, `p_L`, `t_L` (tap step); memory strides `x_n`, `x_c`, `x_L` (input), `y_n`, `y_c`,
 * `y_L` (output), `w_i`, `w_o`, `w_L` (filter); and `alpha`. All u32 but `alpha` (f32).
 */
export function geometryUniforms(g: ConvTransposeGeometry): Record<string, number> {
  const u: Record<string, number> = {
    batch: g.batch,
    groups: g.groups,
    cig: g.inChannelsPerGroup,
    cog: g.outChannelsPerGroup,
    cin: g.inChannels,
    cout: g.outChannels,
    x_n: g.inputStrides.n,
    x_c: g.inputStrides.c,
    y_n: g.outputStrides.n,
    y_c: g.outputStrides.c,
    w_i: g.filterStrides.i,
    w_o: g.filterStrides.o,
    alpha: g.leakyReluAlpha,
  };
  axisLetters(g.rank).forEach((L, a) => {
    u[`i_${L}`] = g.inSizes[a]!;
    u[`o_${L}`] = g.outSizes[a]!;
    u[`k_${L}`] = g.kernelSizes[a]!;
    u[`s_${L}`] = g.strides[a]!;
    u[`d_${L}`] = g.dilations[a]!;
    u[`p_${L}`] = g.padding[2 * a]!;
    u[`t_${L}`] = tapStep(g.strides[a]!, g.dilations[a]!);
    u[`x_${L}`] = g.inputStrides.spatial[a]!;
    u[`y_${L}`] = g.outputStrides.spatial[a]!;
    u[`w_${L}`] = g.filterStrides.spatial[a]!;
  });
  return u;
}

/** Codes of the `ACT` override constant of shaders/lib/activation.wgsl. */
const ACTIVATION_CODES = { relu: 1, relu6: 2, leakyRelu: 3, sigmoid: 4, tanh: 5, gelu: 6 } as const;

/** The `ACT` override value for a geometry's activation (0 = none). */
export function activationCode(g: ConvTransposeGeometry): number {
  return g.activation === null ? 0 : ACTIVATION_CODES[g.activation];
}

/** The values of `names`, taken from `values` (throws on a missing one: a kernel asked for a uniform it does not fill). */
export function pick(values: Readonly<Record<string, number>>, names: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const n of names) {
    const v = values[n];
    if (v === undefined) throw new Error(`uniform ${n} has no value`);
    out[n] = v;
  }
  return out;
}
