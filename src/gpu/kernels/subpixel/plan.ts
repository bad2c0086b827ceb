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
import { ceilDiv, firstTap, gcd, product, tapStep } from '../../math.js';

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
 * Rate of 1-D layers on a software adapter: with one tap axis a thread's phase set-up and tap
 * loop are a single loop, and its blocks ran about as fast per multiply-add as scatter's. At
 * rate 1, two runs of `npm run bench -- --suite 1d --dtypes float32` (2 threads) had auto pick
 * scatter where subpixel ran 1.16–1.30× faster (hifigan_k16_s8_p4_512x32: 54.5 vs 66.5 ms and
 * 43.2 vs 50.2 ms; demucs_k8_s4_64x2500: 11.2 vs 14.6 and 6.88 vs 8.76); at 1.25 subpixel is
 * picked on every layer of the 1-D suite, and it was within 5% of the fastest kernel on 7 of
 * the 8 layers in the first run (dac_k8_s4_p2_384x64: 40.2 vs gemm-col2im's 32.8 ms) and on all
 * 8 in the second.
 */
const RATE_1D_SOFTWARE = 1.25;
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
 * Steps (phases and taps visited) past which the counts below give up and the planner
 * estimates instead: a 2^30 stride with a 2^30-tap kernel would take seconds to count, and
 * no layer that runs has anywhere near this many phases.
 */
const COUNT_LIMIT = 1 << 16;

/** t · d mod s, exact past 2^53. */
function mulMod(t: number, d: number, s: number): number {
  const p = t * d;
  return p <= Number.MAX_SAFE_INTEGER ? p % s : Number((BigInt(t) * BigInt(d)) % BigInt(s));
}

/**
 * Calls `visit(o0, k0, taps)` for each phase of an axis that has taps and whose first output
 * position o0 = (p − pad) mod s is below `limit`: k0 is its first tap, `taps` the count of
 * k0, k0 + step, … below k. The taps below step are each the first of one phase (taps t and
 * t + step share a phase; p = t·d mod s), so this walks whichever is fewer, the phases or
 * those taps: a stride of 2^20 with a 1-tap kernel costs one step, not 2^20. `visit` returns
 * false to stop.
 */
function forEachPhase(
  limit: number,
  pad: number,
  s: number,
  d: number,
  k: number,
  visit: (o0: number, k0: number, taps: number) => boolean,
): void {
  const step = tapStep(s, d);
  const phases = Math.min(s, limit);
  if (phases <= Math.min(k, step)) {
    for (let o0 = 0; o0 < phases; o0++) {
      const k0 = firstTap((o0 + pad) % s, d, s, k, step);
      if (k0 < k && !visit(o0, k0, Math.ceil((k - k0) / step))) return;
    }
    return;
  }
  for (let t = 0; t < Math.min(k, step); t++) {
    const o0 = (mulMod(t, d, s) - (pad % s) + s) % s;
    if (o0 < limit && !visit(o0, t, Math.ceil((k - t) / step))) return;
  }
}

/**
 * The taps i ∈ [0, taps) of a phase whose input offset c_i = c0 − i·δ lies in [lo, hi]
 * (c falls by δ = d / gcd(s, d) from one tap of a phase to the next): taps outside read
 * nothing, so callers visit only these.
 */
function tapRange(c0: number, delta: number, taps: number, lo: number, hi: number): [number, number] {
  return [Math.max(0, Math.ceil((c0 - hi) / delta)), Math.min(taps - 1, Math.floor((c0 - lo) / delta))];
}

/**
 * Σ over output positions of one axis of the number of taps its phase visits; with
 * `block` > 1, each phase's positions are rounded up to whole blocks (the register-blocked
 * subpixel computes `block` same-phase pixels per thread). With `inSize`, a block skips a
 * tap whose input index lies outside [0, inSize) for all of its positions, as the kernel
 * does (it matters on small inputs). Visits only phases with taps and taps that read input,
 * so giant strides, dilations and paddings on small inputs plan quickly; past COUNT_LIMIT
 * steps it gives an upper bound instead.
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
  const delta = d / gcd(s, d);
  let total = 0;
  let steps = 0;
  forEachPhase(out, pad, s, d, k, (o0, k0, taps) => {
    const count = Math.ceil((out - o0) / s);
    if (!Number.isFinite(inSize)) {
      total += taps * Math.ceil(count / block) * block;
      return ++steps <= COUNT_LIMIT;
    }
    // Position j of the phase reads input j + c through tap k0 + i·step, c = (o0 + pad − tap·d) / s:
    // the blocks that hit are those meeting the positions j ∈ [−c, inSize − 1 − c] ∩ [0, count − 1].
    const c0 = (o0 + pad - k0 * d) / s;
    const [first, last] = tapRange(c0, delta, taps, 1 - count, inSize - 1);
    steps += 1 + Math.max(0, last - first + 1);
    if (steps > COUNT_LIMIT) return false;
    for (let i = first; i <= last; i++) {
      const c = c0 - i * delta;
      const lo = Math.max(0, -c);
      const hi = Math.min(count - 1, inSize - 1 - c);
      if (lo <= hi) total += (Math.floor(hi / block) - Math.floor(lo / block) + 1) * block;
    }
    return true;
  });
  // Too many to count: every tap over whole blocks of the positions per phase (an upper bound).
  return steps > COUNT_LIMIT ? k * Math.ceil(Math.ceil(out / s) / block) * block : total;
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
 * 2 rows and the 3 columns inside; a pair with no row or no column inside is skipped. Row and
 * column (tap, block) pairs are counted by kind, then multiplied: O(taps × input) at most;
 * Infinity past COUNT_LIMIT steps.
 */
function rowPairPixels(g: ConvTransposeGeometry): number {
  const inside = (i: number, size: number) => i >= 0 && i < size;
  const row = axis(g, g.rank - 2);
  const col = axis(g, g.rank - 1);
  // Row (pair, tap) kinds: both rows of the pair inside, or one.
  let rowsBoth = 0;
  let rowsOne = 0;
  const rowDelta = row.d / gcd(row.s, row.d);
  let steps = 0;
  forEachPhase(row.out, row.pad, row.s, row.d, row.k, (py, k0, taps) => {
    // Pairs jb of this phase: output rows py + 2·jb·s and the next, the first inside.
    const pairs = Math.ceil((row.out - py) / (2 * row.s));
    const c0 = (py + row.pad - k0 * row.d) / row.s;
    const [first, last] = tapRange(c0, rowDelta, taps, -1 - 2 * (pairs - 1), row.inSize - 1);
    steps += 1 + Math.max(0, last - first + 1) * (row.inSize / 2 + 1);
    if (steps > COUNT_LIMIT) return false;
    for (let i = first; i <= last; i++) {
      // Pair jb reads input rows 2·jb + c and the next; it counts when either is inside.
      const c = c0 - i * rowDelta;
      const jb1 = Math.min(pairs - 1, Math.floor((row.inSize - 1 - c) / 2));
      for (let jb = Math.max(0, Math.ceil((-1 - c) / 2)); jb <= jb1; jb++) {
        const iya = 2 * jb + c;
        if (inside(iya, row.inSize) && inside(iya + 1, row.inSize)) rowsBoth++;
        else rowsOne++;
      }
    }
    return true;
  });
  // Column (block, tap) kinds: all 4 columns inside; the middle two and one end; the rest.
  let colsAll = 0;
  let colsThree = 0;
  let colsOther = 0;
  const colDelta = col.d / gcd(col.s, col.d);
  const blocks = Math.ceil(Math.ceil(col.out / col.s) / 4);
  // Every phase of the last axis runs `blocks` blocks, the empty ones included.
  forEachPhase(col.s, col.pad, col.s, col.d, col.k, (x0, k0, taps) => {
    const c0 = (x0 + col.pad - k0 * col.d) / col.s;
    const [first, last] = tapRange(c0, colDelta, taps, -3 - 4 * (blocks - 1), col.inSize - 1);
    steps += 1 + Math.max(0, last - first + 1) * (col.inSize / 4 + 1);
    if (steps > COUNT_LIMIT) return false;
    for (let i = first; i <= last; i++) {
      // Block xb reads input columns 4·xb + c … 4·xb + c + 3; it counts when one is inside.
      const c = c0 - i * colDelta;
      const xb1 = Math.min(blocks - 1, Math.floor((col.inSize - 1 - c) / 4));
      for (let xb = Math.max(0, Math.ceil((-3 - c) / 4)); xb <= xb1; xb++) {
        const [x, y, z, w] = [0, 1, 2, 3].map((n) => inside(4 * xb + c + n, col.inSize));
        if (x && y && z && w) colsAll++;
        else if (x !== w && y && z) colsThree++;
        else colsOther++;
      }
    }
    return true;
  });
  // Too many to count: the block is never chosen (subpixelConfig keeps the least work).
  if (steps > COUNT_LIMIT) return Infinity;
  const rows = rowsBoth + rowsOne;
  return colsAll * (8 * rowsBoth + 4 * rowsOne) + colsThree * 6 * rows + colsOther * 8 * rows;
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
  const slots = product(rowSlots(g, c.rows ?? 1));
  return g.batch * slots * rowPhases(g) * g.strides[g.rank - 1]! * cbg * g.groups * columnBlocks(g, c.pixels);
}

/** Threads of the depthwise variant: 8 same-phase pixels of one row of one channel each. */
export function depthwiseThreads(g: ConvTransposeGeometry): number {
  const rows = product(g.outSizes.slice(0, -1));
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
    rate: env.software && g.rank === 1 ? RATE_1D_SOFTWARE : RATE,
    threads: subpixelWorkgroups(g, c) * c.wg,
    threadOverhead: overhead,
    extraFloats: 0,
    outputs: g.outputSize,
    passes: 1,
    workgroups: subpixelWorkgroups(g, c),
  });
}
