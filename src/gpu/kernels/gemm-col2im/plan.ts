/**
 * Planning of gemm-col2im for any spatial rank: the column matrix's shape and row order, how
 * the work is cut into chunks whose column buffer fits a budget, and the kernel's cost. Pure.
 *
 * The column matrix of one slice (group, image) has a row per (output channel, tap over every
 * kernel axis) and a column per input position over every spatial axis; chunks that cut it
 * take bands of the outermost spatial axis ("rows": rows in 2-D, depth slices in 3-D, the
 * positions themselves in 1-D).
 */
import type { ConvTransposeGeometry } from '../../../types.js';
import { type Estimate, adapterCosts, estimate, registerWork } from '../../cost.js';
import type { KernelEnv } from '../../kernel.js';
import { product } from '../../math.js';
import { gemmWorkgroups, type GemmTile, type GemmVariant } from '../gemm/plan.js';

/** Unused by register blocks; {@link gemmWorkgroups} takes a tile for the tiled variant. */
const REGISTER_TILE: GemmTile = { TILE_M: 8, TILE_N: 8, TILE_K: 8 };

/** Largest column buffer one call allocates (the WebGPU default maxStorageBufferBindingSize). */
export const COL_CAP_BYTES = 128 * 1024 * 1024;

/** One GEMM + col2im step: a run of (group, image) slices, or a band of the outermost axis of one slice. */
export interface Col2imChunk {
  /** First slice b = group·batch + image, and how many. */
  slice0: number;
  slices: number;
  /** Outputs [oy0, oy0 + outRows) of the outermost spatial axis that this chunk writes. */
  oy0: number;
  outRows: number;
  /** Inputs [iy0, iy0 + colRows) of the outermost axis whose columns the chunk computes (all that reach its outputs). */
  iy0: number;
  colRows: number;
}

/** How gemm-col2im covers a geometry within a column-buffer budget. */
export interface Col2imPlan {
  /** Rows of the column matrix: outChannelsPerGroup · Π kernel sizes. */
  M: number;
  chunks: Col2imChunk[];
  /** Size of the column buffer, reused by every chunk. */
  colBytes: number;
}

/** Inputs [lo, hi) of the outermost axis that reach outputs [o0, o1) through some tap ([0, 0) when none does). */
function inputWindow(g: ConvTransposeGeometry, o0: number, o1: number): [number, number] {
  const s = g.strides[0]!;
  const reach = g.dilations[0]! * (g.kernelSizes[0]! - 1);
  const pad = g.padding[0]!;
  const lo = Math.max(0, Math.ceil((o0 + pad - reach) / s));
  const hi = Math.min(g.inSizes[0]!, Math.floor((o1 - 1 + pad) / s) + 1);
  return hi > lo ? [lo, hi] : [0, 0];
}

/**
 * The end of the longest output band starting at o0 whose input window holds at most
 * `maxRows` rows: the window's end ⌊(o1 − 1 + pad)/s⌋ + 1 grows with o1, so it is the largest
 * o1 with ⌊(o1 − 1 + pad)/s⌋ < lo + maxRows, i.e. o1 ≤ (lo + maxRows)·s − pad (O(1), not a
 * walk over the outputs).
 */
function bandEnd(g: ConvTransposeGeometry, o0: number, maxRows: number): number {
  const s = g.strides[0]!;
  const reach = g.dilations[0]! * (g.kernelSizes[0]! - 1);
  const pad = g.padding[0]!;
  const out = g.outSizes[0]!;
  const lo = Math.max(0, Math.ceil((o0 + pad - reach) / s));
  if (lo + maxRows >= g.inSizes[0]!) return out;
  return Math.max(o0 + 1, Math.min(out, (lo + maxRows) * s - pad));
}

/**
 * Splits the work so the column buffer fits `maxBytes`: all slices at once when they fit,
 * else runs of whole slices, else bands of the outermost output axis of one slice
 * (recomputing the few input rows that neighbouring bands share). Returns a reason string
 * when even one output row's columns do not fit. Pure; O(slices · bands).
 */
export function planGemmCol2im(g: ConvTransposeGeometry, maxBytes: number): Col2imPlan | string {
  const M = g.outChannelsPerGroup * product(g.kernelSizes);
  const slices = g.groups * g.batch;
  const rowBytes = M * product(g.inSizes.slice(1)) * 4;
  const sliceBytes = rowBytes * g.inSizes[0]!;
  const out0 = g.outSizes[0]!;
  const whole = (slice0: number, n: number): Col2imChunk => ({
    slice0,
    slices: n,
    oy0: 0,
    outRows: out0,
    iy0: 0,
    colRows: g.inSizes[0]!,
  });
  if (slices * sliceBytes <= maxBytes) {
    return { M, chunks: [whole(0, slices)], colBytes: slices * sliceBytes };
  }
  if (sliceBytes <= maxBytes) {
    const per = Math.floor(maxBytes / sliceBytes);
    const chunks: Col2imChunk[] = [];
    for (let s = 0; s < slices; s += per) chunks.push(whole(s, Math.min(per, slices - s)));
    return { M, chunks, colBytes: per * sliceBytes };
  }
  const maxRows = Math.floor(maxBytes / rowBytes);
  const bands: [number, number][] = [];
  for (let oy0 = 0; oy0 < out0;) {
    const [lo, hi] = inputWindow(g, oy0, oy0 + 1);
    if (hi - lo > maxRows) {
      return `one output row needs ${hi - lo} input rows of columns (${(hi - lo) * rowBytes} bytes), over the column budget of ${maxBytes} bytes`;
    }
    const oy1 = bandEnd(g, oy0, maxRows);
    bands.push([oy0, oy1]);
    oy0 = oy1;
  }
  const chunks: Col2imChunk[] = [];
  let most = 0;
  for (let s = 0; s < slices; s++) {
    for (const [oy0, oy1] of bands) {
      const [lo, hi] = inputWindow(g, oy0, oy1);
      chunks.push({ slice0: s, slices: 1, oy0, outRows: oy1 - oy0, iy0: lo, colRows: hi - lo });
      most = Math.max(most, hi - lo);
    }
  }
  return { M, chunks, colBytes: most * rowBytes };
}

/** The column budget on a device: the largest binding, at most {@link COL_CAP_BYTES}. */
export function columnBudget(limits: GPUSupportedLimits): number {
  return Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize, COL_CAP_BYTES);
}

/**
 * Where row m of the column matrix keeps (co, taps): m = co·mCo + Σ_a k_a·mTaps[a], and the
 * filter strides the GEMM reads A with (A(m, ci) = filter[m·aM + ci·aK] within a group).
 * Co-major (taps contiguous) for filters with the output channel before the taps (iohw,
 * ohwi, …), tap-major for filters with the taps first (hwoi, …), so that m is one linear
 * stride into the filter and the GEMM reads it in place.
 */
export interface ColumnOrder {
  aM: number;
  aK: number;
  mCo: number;
  mTaps: number[];
}

/**
 * The column order of `g`'s filter layout: co-major or tap-major, whichever is one linear
 * stride into the filter (axes of size 1 fit either; throws if neither fits, which no layout does).
 */
export function columnOrder(g: ConvTransposeGeometry): ColumnOrder {
  const f = g.filterStrides;
  const last = g.rank - 1;
  const cog = g.outChannelsPerGroup;
  for (const tapMajor of [false, true]) {
    const aM = tapMajor ? f.o : f.spatial[last]!;
    const mTaps = new Array<number>(g.rank);
    let step = tapMajor ? cog : 1;
    for (let a = last; a >= 0; a--) {
      mTaps[a] = step;
      step *= g.kernelSizes[a]!;
    }
    const mCo = tapMajor ? 1 : product(g.kernelSizes);
    // A unit axis contributes nothing whatever its stride.
    const fits =
      (cog === 1 || f.o === mCo * aM) && mTaps.every((m, a) => g.kernelSizes[a] === 1 || m * aM === f.spatial[a]);
    if (fits) return { aM, aK: f.i, mCo, mTaps };
  }
  throw new Error(`gemm-col2im: filter layout ${g.filterLayout} is not linear in (channel, taps)`);
}

/**
 * Relative rate: software fitted to `npm run bench` (fitted 1.3, set to 1.2 because at 1.3
 * the 4-image DCGAN layer, where gemm-col2im measured 9% slower than subpixel, ranked the
 * other way); hardware hand-set.
 */
const RATE = { software: 1.2, hardware: 0.8 };
/**
 * Set-up cost of one thread: a GEMM block's is small next to its 8 × 8 × cig multiply-adds,
 * a col2im thread's a few divisions and a tap search (fitted on SwiftShader; hardware hand-set).
 */
const THREAD_OVERHEAD = { software: 270, hardware: 400 };

const up = (x: number, b: number) => Math.ceil(x / b) * b;

/**
 * Multiply-adds gemm-col2im issues for `g`: every tap of every input position (no inserted
 * zeros); with a GEMM variant, in whole 8 × 8 register blocks or tiles of (channel, tap) ×
 * input position, empty lanes included.
 */
export function gemmCol2imMacs(g: ConvTransposeGeometry, variant?: GemmVariant, tile?: GemmTile): number {
  const slices = g.groups * g.batch * g.inChannelsPerGroup;
  const M = g.outChannelsPerGroup * product(g.kernelSizes);
  const N = product(g.inSizes);
  if (variant === 'registers') return slices * up(M, 8) * up(N, 8);
  if (variant === 'tiled' && tile) return slices * up(M, tile.TILE_M) * up(N, tile.TILE_N);
  return slices * M * N;
}

/**
 * The estimated cost of gemm-col2im (src/gpu/cost.ts): the GEMM's multiply-adds (8 × 8
 * blocks on software adapters), a thread per GEMM block and per 4 outputs, the column buffer
 * written and read back, two passes.
 */
export function gemmCol2imCost(g: ConvTransposeGeometry, env: KernelEnv, colBytes: number): Estimate {
  const cls = env.software ? 'software' : 'hardware';
  const work = env.software
    ? gemmCol2imMacs(g, 'registers') * registerWork(8, 8, adapterCosts(env).loadCost)
    : gemmCol2imMacs(g);
  const M = g.outChannelsPerGroup * product(g.kernelSizes);
  const threads = g.groups * g.batch * Math.ceil(M / 8) * Math.ceil(product(g.inSizes) / 8) + g.outputSize / 4;
  return estimate(env, {
    work,
    rate: RATE[cls],
    threads,
    threadOverhead: THREAD_OVERHEAD[cls],
    extraFloats: (2 * colBytes) / 4,
    outputs: g.outputSize,
    passes: 2,
    // The GEMM pass's register blocks (counted on software adapters only, see occupancy).
    workgroups: g.groups * g.batch * gemmWorkgroups(M, product(g.inSizes), 1, 'registers', REGISTER_TILE),
  });
}
