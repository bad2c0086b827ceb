/**
 * Planning of the subpixel kernel: which variant and block it runs a geometry with, how
 * many threads and workgroups that takes, and the multiply-adds it issues (empty lanes of
 * partly filled blocks included), for any spatial rank. Pure.
 *
 * "Rows" are positions on the spatial axes before the last (rows in 2-D, depth × rows in
 * 3-D, none in 1-D); "columns" are positions on the last axis.
 */
import type { ConvTransposeGeometry } from '../../../types.js';
import { type Estimate, adapterCosts, estimate, registerWork } from '../../cost.js';
import type { KernelEnv } from '../../kernel.js';
import { ceilDiv, firstTap, tapStep } from '../../math.js';

/** Variant and tiles of the subpixel kernel. */
export interface SubpixelConfig {
  /**
   * register: channels × pixels blocks, no workgroup memory (software adapters); tiled:
   * workgroup tiles (hardware adapters); depthwise: one input and one output channel per
   * group (groups = channels), 8 pixels per thread, on any adapter.
   */
  variant: 'register' | 'tiled' | 'depthwise';
  /** register: same-phase output pixels per thread (4 or 8). */
  pixels: number;
  /** register: output channels per thread (4 or 8). */
  channels: number;
  /**
   * register: same-phase output rows per thread (default 1). 2 (with 8 channels × 4 pixels
   * per row) is an 8 × 8 block for layers with few columns per phase.
   */
  rows?: 1 | 2;
  /** register: threads per workgroup. tiled: WX × WY threads, each 4 pixels × 4 channels. */
  wg: number;
  wx: number;
  wy: number;
  tk: number;
}

/** Relative rate (both adapter classes: subpixel is the unit the other kernels are measured in). */
const RATE = 1.0;
/**
 * Set-up cost of one thread (phase decomposition, per-tap index math, the 64-output
 * epilogue): fitted on SwiftShader, where it costs as much as ~3,600 multiply-adds; that set-up
 * is what makes the channel-blocked variants lose on few-channel layers (threads with little
 * work), where gemm-col2im's GEMM, tiled over channels × taps, wins. Hardware: hand-set.
 */
const THREAD_OVERHEAD = { software: 3600, hardware: 800 };
/**
 * Set-up cost of one thread of the depthwise variant (8 pixels of one channel): a light loop
 * with no channel block (fitted to its time against gemm-col2im's on the three depthwise
 * layers of `npm run bench:kernels`, 64 × 32², 3 × 128², 21 × 8² k16 s8: 620–950).
 */
const DEPTHWISE_THREAD_OVERHEAD = { software: 800, hardware: 200 };

/** One spatial axis of a geometry. */
interface Axis {
  inSize: number;
  out: number;
  k: number;
  s: number;
  d: number;
  pad: number;
}

function axis(g: ConvTransposeGeometry, a: number): Axis {
  return {
    inSize: g.inSizes[a]!,
    out: g.outSizes[a]!,
    k: g.kernelSizes[a]!,
    s: g.strides[a]!,
    d: g.dilations[a]!,
    pad: g.padding[2 * a]!,
  };
}

/**
 * Σ over output positions of one axis of the number of taps its phase visits; with
 * `block` > 1, each phase's positions are rounded up to whole blocks (the register-blocked
 * subpixel computes `block` same-phase pixels per thread). With `inSize`, a block skips a
 * tap whose input index lies outside [0, inSize) for all of its positions, as the kernel
 * does (it matters on small inputs). O(min(s, out) · k) whatever the sizes.
 */
export function phaseTaps(
  out: number,
  pad: number,
  s: number,
  d: number,
  k: number,
  block = 1,
  inSize = Infinity,
): number {
  const step = tapStep(s, d);
  let total = 0;
  // Only phases whose first output o0 = (p − pad) mod s lies inside have positions.
  for (let o0 = 0; o0 < Math.min(s, out); o0++) {
    const p = (o0 + pad) % s;
    const k0 = firstTap(p, d, s, k, step);
    const taps = k0 < k ? Math.ceil((k - k0) / step) : 0;
    const count = Math.ceil((out - o0) / s);
    if (!Number.isFinite(inSize)) {
      total += taps * Math.ceil(count / block) * block;
      continue;
    }
    // Position j of the phase reads input j + c through tap t = k0 + i·step, c = (o0 + pad − t·d) / s:
    // the blocks that hit are those meeting the positions j ∈ [−c, inSize − 1 − c] ∩ [0, count − 1].
    for (let i = 0; i < taps; i++) {
      const c = (o0 + pad - (k0 + i * step) * d) / s;
      const lo = Math.max(0, -c);
      const hi = Math.min(count - 1, inSize - 1 - c);
      if (lo <= hi) total += (Math.floor(hi / block) - Math.floor(lo / block) + 1) * block;
    }
  }
  return total;
}

/** phaseTaps of one axis of `g` with its input bounds. */
function axisTaps(g: ConvTransposeGeometry, a: number, block = 1): number {
  const x = axis(g, a);
  return phaseTaps(x.out, x.pad, x.s, x.d, x.k, block, x.inSize);
}

/**
 * Σ over the (tap, block) pairs of the 8 × 2 × 4 block (two rows of the row axis `r`, four
 * columns of the last axis) of the pixels it issues for them, as the shader runs them: 8 when
 * both rows and all 4 columns are inside or when it masks, 4 for one row and 4 columns, 6 for
 * 2 rows and the 3 columns inside; a pair with no row or no column inside is skipped.
 */
function rowPairPixels(g: ConvTransposeGeometry): number {
  const inside = (i: number, size: number) => i >= 0 && i < size;
  const row = axis(g, g.rank - 2);
  const col = axis(g, g.rank - 1);
  const sty = tapStep(row.s, row.d);
  const stx = tapStep(col.s, col.d);
  // Row taps: [row A inside, row B inside] per (row pair, tap); column taps: the 4 flags.
  const rowTaps: [boolean, boolean][] = [];
  const pairs = Math.ceil(Math.ceil(row.out / row.s) / 2);
  for (let py = 0; py < row.s; py++) {
    for (let jb = 0; jb < pairs; jb++) {
      const oya = py + 2 * jb * row.s;
      if (oya >= row.out) continue;
      const q = oya + row.pad;
      for (let ky = firstTap(q % row.s, row.d, row.s, row.k, sty); ky < row.k; ky += sty) {
        const dy = q - ky * row.d;
        if (dy + row.s < 0) break;
        const iya = dy / row.s;
        const va = inside(iya, row.inSize);
        const vb = inside(iya + 1, row.inSize);
        if (va || vb) rowTaps.push([va, vb]);
      }
    }
  }
  const colTaps: boolean[][] = [];
  const blocks = Math.ceil(Math.ceil(col.out / col.s) / 4);
  for (let px = 0; px < col.s; px++) {
    const x0 = (px + col.s - (col.pad % col.s)) % col.s;
    for (let xb = 0; xb < blocks; xb++) {
      const r0 = x0 + col.pad + xb * 4 * col.s;
      for (let kx = firstTap(r0 % col.s, col.d, col.s, col.k, stx); kx < col.k; kx += stx) {
        const ixb = (r0 - kx * col.d) / col.s;
        if (ixb + 3 < 0) break;
        if (ixb > col.inSize - 1) continue;
        colTaps.push([0, 1, 2, 3].map((k) => inside(ixb + k, col.inSize)));
      }
    }
  }
  let total = 0;
  for (const [va, vb] of rowTaps) {
    for (const [x, y, z, w] of colTaps) {
      const allColumns = x && y && z && w;
      if (allColumns && va !== vb) total += 4;
      else if (!allColumns && x !== w && y && z) total += 6;
      else total += 8;
    }
  }
  return total;
}

/**
 * Multiply-adds subpixel issues for `g`; with a config, in whole register blocks or tiles
 * (empty lanes counted), without one, the exact count of visited taps.
 */
export function subpixelMacs(g: ConvTransposeGeometry, config?: SubpixelConfig): number {
  const last = g.rank - 1;
  let outer = 1;
  for (let a = 0; a < last; a++) outer *= axisTaps(g, a);
  if (!config) return g.inChannelsPerGroup * g.outChannels * g.batch * outer * axisTaps(g, last);
  if (config.variant === 'register' && config.rows === 2) {
    let others = 1;
    for (let a = 0; a < last - 1; a++) others *= axisTaps(g, a);
    const channels = g.groups * Math.ceil(g.outChannelsPerGroup / config.channels) * config.channels;
    return g.batch * g.inChannelsPerGroup * channels * others * rowPairPixels(g);
  }
  const pixels = config.variant === 'tiled' ? 1 : config.pixels;
  const block = config.variant === 'tiled' ? config.wy * 4 : config.channels;
  const channels = g.groups * Math.ceil(g.outChannelsPerGroup / block) * block;
  return g.batch * g.inChannelsPerGroup * channels * outer * axisTaps(g, last, pixels);
}

/** Positions per phase of each spatial axis but the last: ⌈out / s⌉ (pairs of them on the row axis with rows = 2). */
export function rowSlots(g: ConvTransposeGeometry, rows: number): number[] {
  const slots: number[] = [];
  for (let a = 0; a < g.rank - 1; a++) {
    const perPhase = Math.ceil(g.outSizes[a]! / g.strides[a]!);
    slots.push(a === g.rank - 2 && rows === 2 ? Math.ceil(perPhase / 2) : perPhase);
  }
  return slots;
}

/** Product of the strides of the spatial axes but the last (the row phases). */
function rowPhases(g: ConvTransposeGeometry): number {
  return g.strides.slice(0, -1).reduce((p, s) => p * s, 1);
}

/** Column blocks per phase of the last axis for `pixels` pixels per thread. */
export function columnBlocks(g: ConvTransposeGeometry, pixels: number): number {
  const s = g.strides[g.rank - 1]!;
  return Math.ceil(Math.ceil(g.outSizes[g.rank - 1]! / s) / pixels);
}

/** Threads of the register variant. */
export function registerThreads(g: ConvTransposeGeometry, c: SubpixelConfig): number {
  const cbg = Math.ceil(g.outChannelsPerGroup / c.channels);
  const slots = rowSlots(g, c.rows ?? 1).reduce((p, x) => p * x, 1);
  return g.batch * slots * rowPhases(g) * g.strides[g.rank - 1]! * cbg * g.groups * columnBlocks(g, c.pixels);
}

/** Threads of the depthwise variant: 8 same-phase pixels of one row of one channel each. */
export function depthwiseThreads(g: ConvTransposeGeometry): number {
  const rows = g.outSizes.slice(0, -1).reduce((p, x) => p * x, 1);
  return g.batch * g.groups * rows * g.strides[g.rank - 1]! * columnBlocks(g, 8);
}

/** Tiles of the tiled variant: pixel tiles (over the largest phase) and channel tiles. */
export function tiledTiles(g: ConvTransposeGeometry, c: SubpixelConfig): { nmt: number; nnt: number } {
  const perPhase = g.outSizes.reduce((p, o, a) => p * Math.ceil(o / g.strides[a]!), g.batch);
  return { nmt: Math.ceil(perPhase / (c.wx * 4)), nnt: Math.ceil(g.outChannelsPerGroup / (c.wy * 4)) };
}

/** Workgroups of the subpixel kernel's single pass for `g`. */
export function subpixelWorkgroups(g: ConvTransposeGeometry, c: SubpixelConfig): number {
  if (c.variant === 'depthwise') return Math.ceil(depthwiseThreads(g) / c.wg);
  if (c.variant === 'register') return Math.ceil(registerThreads(g, c) / c.wg);
  const { nmt, nnt } = tiledTiles(g, c);
  return nmt * nnt * g.groups * g.strides.reduce((p, s) => p * s, 1);
}

/**
 * Variant and tiles of the subpixel kernel. One channel per group (depthwise layers,
 * bilinear upsampling) gets the depthwise variant on any adapter. Software adapters get
 * the register-blocked variant (no workgroup memory, no barriers; on SwiftShader every
 * storage load is a per-lane gather, so outputs per load decide speed), as do filters that
 * may hold non-finite values (the tiled variant stages padded zeros that would meet them);
 * hardware adapters get workgroup tiles shaped to the output channels per group, so a narrow
 * layer (3 channels) does not waste a 64-wide channel tile.
 */
export function subpixelConfig(
  g: ConvTransposeGeometry,
  limits: GPUSupportedLimits,
  software: boolean,
  guard = false,
): SubpixelConfig {
  const maxThreads = Math.min(limits.maxComputeInvocationsPerWorkgroup, 256);
  const fewThreads = (c: SubpixelConfig) => {
    // Workgroups are what SwiftShader spreads over CPU cores: a layer with few threads gets
    // smaller workgroups (≥ 32 of them when possible, of ≥ 16 threads), which sped up the
    // DCGAN 512→256 layer at 4² by ~12% in 8 × 4 blocks.
    c.wg = Math.min(64, maxThreads);
    while (c.wg > 16 && subpixelWorkgroups(g, c) < 32) c.wg /= 2;
    return c;
  };
  if (g.inChannelsPerGroup === 1 && g.outChannelsPerGroup === 1) {
    return fewThreads({ variant: 'depthwise', pixels: 8, channels: 1, wg: 64, wx: 0, wy: 0, tk: 0 });
  }
  if (software || guard) {
    // The block with the least work (issued multiply-adds, empty lanes included, times
    // registerWork): 8 × 8 unless the layer is too narrow to fill it (few channels, or
    // few columns per phase). Threads' set-up is left out here: on the suite's odd layer
    // (20 columns per phase) 8 × 4 beat 8 × 8 by ~20% despite 1.5× the threads.
    let best: SubpixelConfig | null = null;
    let bestWork = Infinity;
    const fewColumns = Math.ceil(g.outSizes[g.rank - 1]! / g.strides[g.rank - 1]!) <= 4;
    for (const [channels, pixels, rows] of [
      [8, 8, 1],
      [8, 4, 2],
      [8, 4, 1],
      [4, 8, 1],
      [4, 4, 1],
    ] as const) {
      // Two rows of 4 only where a phase has ≤ 4 columns (elsewhere one row measured as fast or
      // faster), and only with a row axis. There, with its partial blocks run as smaller ones,
      // 8 × 2 × 4 measured 1.2–1.5× faster than 8 × 4 on 4 × 4 inputs (512→256 k4 s2,
      // 256→128 k3 s2, 512→256 k2 s2; `npm run bench:kernels`).
      if (rows === 2 && (!fewColumns || g.rank < 2)) continue;
      const c: SubpixelConfig = { variant: 'register', pixels, channels, rows, wg: 64, wx: 0, wy: 0, tk: 0 };
      const work = subpixelMacs(g, c) * registerWork(channels, pixels * rows);
      if (work < bestWork * 0.999) [best, bestWork] = [c, work];
    }
    return fewThreads(best!);
  }
  const cog = g.outChannelsPerGroup;
  let wy = cog >= 48 ? 16 : cog >= 24 ? 8 : cog >= 8 ? 2 : 1;
  let wx = Math.floor(maxThreads / wy);
  wx = Math.min(wx, limits.maxComputeWorkgroupSizeX, 64);
  wy = Math.min(wy, limits.maxComputeWorkgroupSizeY);
  let tk = 16;
  while (tk > 4 && tk * 4 * (wx + wy) * 4 > limits.maxComputeWorkgroupStorageSize) tk /= 2;
  return { variant: 'tiled', pixels: 4, channels: 4, wg: wx * wy, wx, wy, tk };
}

/** The estimated cost of running `g` with config `c` (see src/gpu/cost.ts). */
export function subpixelCost(g: ConvTransposeGeometry, env: KernelEnv, c: SubpixelConfig): Estimate {
  const k = adapterCosts(env);
  const cls = env.software ? 'software' : 'hardware';
  let work = subpixelMacs(g, c);
  if (c.variant === 'register') {
    work *= registerWork(c.channels, c.pixels * (c.rows ?? 1), k.loadCost);
    if (g.groups * ceilDiv(g.outChannelsPerGroup, c.channels) < 4) work *= k.divergence;
  } else if (c.variant === 'depthwise') {
    work *= registerWork(1, c.pixels, k.loadCost);
  }
  const overhead = c.variant === 'depthwise' ? DEPTHWISE_THREAD_OVERHEAD[cls] : THREAD_OVERHEAD[cls];
  return estimate(env, {
    work,
    rate: RATE,
    threads: subpixelWorkgroups(g, c) * c.wg,
    threadOverhead: overhead,
    extraFloats: 0,
    outputs: g.outputSize,
    passes: 1,
  });
}
