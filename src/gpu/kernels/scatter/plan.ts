/**
 * Planning of the scatter kernel, for any spatial rank: its tap classes and pass grid, which
 * outputs no tap reaches (the fill pass), its threads, the multiply-adds it issues and its
 * estimated cost. Pure, and bounded by the filter's size per axis (never by a stride or by
 * the output's size).
 */
import type { ConvTransposeGeometry } from '../../../types.js';
import { type Estimate, adapterCosts, blockedMacs, blockedThreads, estimate, registerWork } from '../../cost.js';
import type { KernelEnv } from '../../kernel.js';
import { ceilDiv, FLAT_WORKGROUP, gcd, product, tapStep } from '../../math.js';

/** Output channels and input pixels of the last axis per thread (an 8 × 8 register block). */
export const BLOCK = 8;

/**
 * Most tap passes a geometry may need: each pass is a dispatch with its own uniforms, so a
 * filter with thousands of overlapping taps per class (e.g. stride 1, kernel 4096) would record
 * thousands of dispatches; auto never picks scatter there anyway (100,000 units per pass).
 */
export const MAX_PASSES = 4096;

/**
 * The collision-free tap classes of one axis: taps k ≡ k′ (mod m), m = s / gcd(s, d), can
 * reach the same output (from inputs e = d / gcd(s, d) apart per step of m); taps in
 * different classes never can. Pass p takes taps p·m … p·m + m − 1, one of each class.
 */
export interface AxisClasses {
  m: number;
  e: number;
  /** Passes on this axis: ⌈k / m⌉. */
  passes: number;
}

/** The tap classes of an axis of stride `s`, dilation `d` and `k` taps. */
export function axisClasses(s: number, d: number, k: number): AxisClasses {
  const g = gcd(s, d);
  const m = s / g;
  return { m, e: d / g, passes: Math.ceil(k / m) };
}

/**
 * True when every output coordinate of an axis is reached by some (input, tap) pair.
 *
 * Full-result coordinate f = o + pad is reached through tap t from input (f − t·d) / s, so
 * the taps t < step = s / gcd(s, d) have distinct residues t·d mod s, one per stride phase
 * they serve, and tap t + i·step serves the same phase from i·e inputs further back. A phase
 * whose first output is o0 has ⌈(out − o0) / s⌉ positions j, and position j reads input
 * j + c − i·e through its i-th tap (c = (o0 + pad − t·d) / s): it is reached when one of those
 * lies in [0, size). So the loop runs over at most min(k, step) taps, whatever the sizes.
 */
export function axisReached(out: number, pad: number, k: number, s: number, d: number, size: number): boolean {
  const step = tapStep(s, d);
  const classes = Math.min(k, step);
  const phases = Math.min(s, out);
  // Each phase with outputs needs a tap residue of its own.
  if (phases > classes) return false;
  const e = d / gcd(s, d);
  let covered = 0;
  for (let t = 0; t < classes; t++) {
    // t·d ≤ d·(k − 1) < 2^31: the full size is bounded (see resolveConvTranspose).
    const r = (t * d) % s;
    const o0 = (((r - pad) % s) + s) % s;
    if (o0 >= out) continue;
    const count = Math.ceil((out - o0) / s);
    const taps = Math.ceil((k - t) / step);
    const c = (o0 + pad - t * d) / s;
    if (c < 0) return false;
    // Tap i covers positions [i·e − c, i·e − c + size): contiguous when e ≤ size, else the
    // positions must fit in one of them, the last one starting at or before position 0.
    const i = e <= size ? taps - 1 : Math.min(taps - 1, Math.floor(c / e));
    if (count > i * e - c + size) return false;
    covered++;
  }
  return covered === phases;
}

/** The scatter kernel's pass grid for `g`. */
export interface ScatterPasses {
  /** Tap classes per spatial axis, outermost first. */
  axes: AxisClasses[];
  /** The last spatial axis (columns). */
  x: AxisClasses;
  /** The axis before it (rows), at rank ≥ 2. */
  y?: AxisClasses;
  /** The axis before that (depth), at rank 3. */
  z?: AxisClasses;
  /** Tap passes in all: the product of every axis's passes. */
  passes: number;
  /** True when some output is reached by no tap, so the fill pass runs. */
  fill: boolean;
}

/** The scatter kernel's pass grid for `g`: one dispatch per combination of per-axis passes, plus a fill pass when `fill`. */
export function scatterPasses(g: ConvTransposeGeometry): ScatterPasses {
  const axes = g.kernelSizes.map((k, a) => axisClasses(g.strides[a]!, g.dilations[a]!, k));
  const fill = g.outSizes.some(
    (out, a) => !axisReached(out, g.padding[2 * a]!, g.kernelSizes[a]!, g.strides[a]!, g.dilations[a]!, g.inSizes[a]!),
  );
  const r = g.rank;
  const grid: ScatterPasses = { axes, x: axes[r - 1]!, passes: axes.reduce((p, x) => p * x.passes, 1), fill };
  if (r >= 2) grid.y = axes[r - 2]!;
  if (r >= 3) grid.z = axes[r - 3]!;
  return grid;
}

/** Threads of one tap pass: 8 channels × 8 input pixels of the last axis at one position of the other axes. */
export function scatterThreads(g: ConvTransposeGeometry): number {
  return blockedThreads(g, g.inSizes, BLOCK);
}

/**
 * Multiply-adds scatter issues: every tap of every input pixel, and with `blocked`, in whole 8
 * channel × 8 pixel blocks (the empty lanes of partly filled blocks counted) as the kernel runs them.
 */
export function scatterMacs(g: ConvTransposeGeometry, blocked = false): number {
  return blockedMacs(g, g.inSizes, BLOCK, blocked);
}

/** Bytes of float32 scratch: the running sums, when float16 outputs would be read-modify-written across passes. */
export function scatterScratchBytes(g: ConvTransposeGeometry, storage: KernelEnv['storage']): number {
  return storage !== 'f32' && scatterPasses(g).passes > 1 ? g.outputSize * 4 : 0;
}

/**
 * Relative rate: fitted on SwiftShader (scatter's 8 × 8 blocks do 1.25× the work per unit
 * time of subpixel's); hand-set on hardware, where its read-modify-writes serialize on memory.
 */
const RATE = { software: 1.25, hardware: 0.4 };
/** Set-up cost of one thread per pass (index decomposition, per-tap output math, 64-output epilogue): fitted on SwiftShader; hand-set on hardware. */
const THREAD_OVERHEAD = { software: 4000, hardware: 400 };

/**
 * Passes the cost model charges: the tap passes as counted when the model was fitted on 2-D
 * layers (min(Π k, Π ⌈k / s⌉), the same as the real count whenever gcd(s, d) = 1), plus the fill pass.
 */
function costPasses(g: ConvTransposeGeometry): number {
  const taps = product(g.kernelSizes);
  return Math.min(taps, product(g.kernelSizes.map((k, a) => Math.ceil(k / g.strides[a]!)))) + 1;
}

/** The estimated cost of running `g` with scatter (see src/gpu/cost.ts). */
export function scatterCost(g: ConvTransposeGeometry, env: KernelEnv): Estimate {
  const k = adapterCosts(env);
  const cls = env.software ? 'software' : 'hardware';
  const work = env.software ? scatterMacs(g, true) * registerWork(BLOCK, BLOCK, k.loadCost) : scatterMacs(g);
  const passes = costPasses(g);
  // Each output's first write starts from the bias; every later one is a read-modify-write.
  const writes = g.batch * product(g.inSizes) * product(g.kernelSizes) * g.outChannels;
  return estimate(env, {
    work,
    rate: RATE[cls],
    threads: scatterThreads(g) * (passes - 1) + g.outputSize / 64,
    threadOverhead: THREAD_OVERHEAD[cls],
    extraFloats: 2 * Math.max(0, writes - g.outputSize),
    outputs: g.outputSize,
    passes,
    // Each tap pass runs every thread of the grid.
    workgroups: ceilDiv(scatterThreads(g), FLAT_WORKGROUP),
  });
}
