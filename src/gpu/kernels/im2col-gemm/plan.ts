/**
 * Planning of im2col-gemm for any spatial rank: its variant, workgroups, the multiply-adds
 * it issues and its cost. Pure. GEMM view per group: M = output channels per group,
 * N = batch · Π output sizes (positions), K = Π kernel sizes · input channels per group.
 */
import type { ConvTransposeGeometry } from '../../../types.js';
import { type Estimate, adapterCosts, estimate, registerWork } from '../../cost.js';
import type { KernelEnv } from '../../kernel.js';
import { product } from '../../math.js';
import type { Storage } from '../../shader/storage.js';
import { chooseTile, gemmRegisterRows, gemmVariant, type GemmTile, type GemmVariant } from '../gemm/index.js';

/** im2col-gemm's variant: register blocks (any filter) or workgroup tiles (finite filters), at a rank and storage. */
export interface Im2colGemmVariant {
  variant: GemmVariant;
  rank: number;
  storage: Storage;
  /** The filter may hold ±∞ or NaN: products at inserted zeros and padding are masked (register blocks only). */
  guard: boolean;
  /** Tiled: its tile (override constants). */
  tileM?: number;
  tileN?: number;
  tileK?: number;
}

/** Output positions of the GEMM: batch · Π output sizes. */
export function positions(g: ConvTransposeGeometry): number {
  return g.batch * product(g.outSizes);
}

/**
 * The variant for `g` in `env`: register blocks on software adapters; tiles (sized to the
 * output channels per group) on hardware ones, unless the filter may hold non-finite values:
 * tiles stage the zeros of inserted and padded positions, which would meet the weights, so
 * the register blocks (which mask those products) run instead.
 */
export function im2colGemmVariant(g: ConvTransposeGeometry, env: KernelEnv): Im2colGemmVariant {
  const variant = env.guard ? 'registers' : gemmVariant(env);
  const v: Im2colGemmVariant = { variant, rank: g.rank, storage: env.storage, guard: env.guard };
  if (variant === 'tiled') {
    const t = chooseTile(g.outChannelsPerGroup, env.limits);
    Object.assign(v, { tileM: t.TILE_M, tileN: t.TILE_N, tileK: t.TILE_K });
  }
  return v;
}

/** The tile of a tiled variant. */
export function tileOf(v: Im2colGemmVariant): GemmTile {
  if (v.tileM === undefined) throw new Error('im2col-gemm: the variant has no tile');
  return { TILE_M: v.tileM, TILE_N: v.tileN!, TILE_K: v.tileK! };
}

/** Workgroups of im2col-gemm's single pass. */
export function im2colGemmWorkgroups(g: ConvTransposeGeometry, v: Im2colGemmVariant): number {
  const cog = g.outChannelsPerGroup;
  const N = positions(g);
  if (v.variant === 'registers') {
    const rows = gemmRegisterRows(cog, N);
    return g.groups * Math.ceil(cog / (8 * rows)) * Math.ceil(N / (8 * (64 / rows)));
  }
  const t = tileOf(v);
  return g.groups * Math.ceil(cog / t.TILE_M) * Math.ceil(N / t.TILE_N);
}

const up = (x: number, b: number) => Math.ceil(x / b) * b;

/**
 * Multiply-adds im2col-gemm issues: every tap of every output position, inserted zeros
 * included (dense). With a variant, in whole blocks or tiles: 8 × 8 register blocks (an
 * upper bound: a block skips a tap that none of its 8 positions reads), or tiles of
 * TILE_M × TILE_N × TILE_K.
 */
export function im2colGemmMacs(g: ConvTransposeGeometry, v?: Im2colGemmVariant): number {
  const taps = product(g.kernelSizes);
  const N = positions(g);
  const cig = g.inChannelsPerGroup;
  if (!v) return cig * g.outChannels * N * taps;
  if (v.variant === 'registers') return g.groups * up(g.outChannelsPerGroup, 8) * up(N, 8) * cig * taps;
  const t = tileOf(v);
  return g.groups * up(g.outChannelsPerGroup, t.TILE_M) * up(N, t.TILE_N) * up(cig * taps, t.TILE_K);
}

/**
 * Relative rate: it multiplies the dense tap set (inserted zeros included), so it is never
 * close to the kernels that skip them and keeps a rough rate.
 */
const RATE = { software: 0.8, hardware: 0.9 };
/** Set-up cost of one thread (position decomposition per lane, per-tap validity of 8 positions), fitted on SwiftShader. */
const THREAD_OVERHEAD = { software: 4700, hardware: 400 };

/** The estimated cost of im2col-gemm on `g` (src/gpu/cost.ts): dense multiply-adds, a thread per 4 × 4 outputs, one pass. */
export function im2colGemmCost(g: ConvTransposeGeometry, env: KernelEnv): Estimate {
  const cls = env.software ? 'software' : 'hardware';
  const macs = im2colGemmMacs(g);
  return estimate(env, {
    work: env.software ? macs * registerWork(4, 4, adapterCosts(env).loadCost) : macs,
    rate: RATE[cls],
    threads: g.groups * Math.ceil(g.outChannelsPerGroup / 4) * Math.ceil(positions(g) / 4),
    threadOverhead: THREAD_OVERHEAD[cls],
    extraFloats: 0,
    outputs: g.outputSize,
    passes: 1,
    workgroups: im2colGemmWorkgroups(g, im2colGemmVariant(g, env)),
  });
}
