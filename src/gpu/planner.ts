/**
 * The planner: which kernel runs a geometry, with which tiles, and how a call
 * too large for the device is split. Pure (no GPU); every choice of kernel and
 * variant the engine makes is made here.
 *
 * ## Cost model
 *
 * A kernel's estimated time is
 *
 *   cost = work / rate + threads · threadOverhead + floatsMoved · floatCost + outputs · outputCost + passes · passOverhead
 *
 * in arbitrary units, where `work` counts the multiply-adds the kernel really
 * executes (inserted zeros and the empty lanes of partly filled register blocks
 * included) weighted by its loads per multiply-add, and `rate` is the kernel's
 * relative efficiency on the adapter class:
 *
 * | kernel            | issued multiply-adds                         | extra memory traffic             |
 * |-------------------|----------------------------------------------|----------------------------------|
 * | subpixel          | Σ over output pixels of its phase's taps,    | —                                |
 * |                   | in whole register blocks (empty lanes count) |                                  |
 * | im2col-gemm       | every tap of every output pixel (dense)      | —                                |
 * | zero-insertion    | every tap of every output pixel (dense)      | upsampled input, written + read  |
 * | gemm-col2im       | every tap of every input pixel, in whole     | column buffer, written + read    |
 * |                   | 8 × 8 GEMM blocks                            |                                  |
 * | scatter           | every tap of every input pixel, in whole     | a read-modify-write of every     |
 * |                   | 8 channel × 8 pixel blocks                   | write but an output's first      |
 *
 * **Software adapters** (SwiftShader) run shaders on CPU threads, SIMD lanes
 * across invocations: every storage load is a per-lane gather and barriers are
 * expensive, so the register-blocked variants run, and a thread with a block of
 * C channels × P pixels costs per multiply-add one FMA plus (C + P)/(C·P) loads
 * at about half an FMA each (`registerWork`). The other constants were fitted
 * (least squares on relative error) to the medians of every kernel on every
 * layer of `npm run bench` on a quiet 2-core host (SwiftShader in Chromium):
 * scatter and gemm-col2im do 1.25–1.3× more work per unit time than subpixel,
 * whose per-thread set-up (phase decomposition, per-tap index math, 64-output
 * epilogue) costs as much as ~3,600 multiply-adds; that set-up is what makes
 * its channel-blocked variants lose on few-channel layers (threads with little work),
 * where gemm-col2im's GEMM, tiled over channels × taps, wins. Depthwise layers (one
 * channel per group) get subpixel's light depthwise variant instead. Moving one float
 * through memory (column buffer, read-modify-write) costs ~22 units. The fit
 * ranks the suite's kernels right except where two are within ~10% of each
 * other; it need not predict milliseconds.
 *
 * **Hardware adapters** get the workgroup-tiled variants and the hand-set
 * rates below (no GPU was available to fit them).
 */
import { DeconvError } from '../errors.js';
import type { ConvTranspose2dGeometry } from '../types.js';
import { tensorStrides } from '../geometry.js';
import type { Kernel, KernelName } from './kernel.js';
import { KERNEL_NAMES } from './kernel.js';
import { allKernels } from './kernels/index.js';

/** Relative work rates per kernel, by adapter class (higher is faster). */
export const RATES: Record<'software' | 'hardware', Record<KernelName, number>> = {
  // Software: fitted to `npm run bench` (see the module comment; gemm-col2im fitted 1.3,
  // set to 1.2 because at 1.3 the 4-image DCGAN layer, where gemm-col2im measured 9% slower
  // than subpixel, ranked the other way). im2col-gemm and zero-insertion multiply dense tap
  // sets and are never close, so they keep rough rates.
  software: { subpixel: 1.0, 'gemm-col2im': 1.2, scatter: 1.25, 'im2col-gemm': 0.8, 'zero-insertion': 0.3 },
  hardware: { subpixel: 1.0, 'gemm-col2im': 0.8, scatter: 0.4, 'im2col-gemm': 0.9, 'zero-insertion': 0.3 },
};

/** The constants of the cost model for one adapter class (units: one multiply-add at rate 1). */
interface CostConstants {
  /** Set-up cost of one thread (index decomposition, integer divisions, tap search, epilogue). */
  threadOverhead: Record<KernelName, number>;
  /** One float of extra traffic (scratch written and read back, output read-modify-write). */
  floatCost: number;
  /** One output element written (the same for every kernel; it only scales the total). */
  outputCost: number;
  /** One pass (dispatch). */
  passOverhead: number;
  /** Cost of one load relative to one FMA inside a register block's inner loop. */
  loadCost: number;
  /**
   * Work factor of register-blocked subpixel when a layer has fewer than 4 channel
   * blocks: SIMD lanes (4 consecutive threads on SwiftShader) then hold different
   * pixels and phases instead of sharing them, so their loads and tap loops diverge
   * (fitted: 64→3 and 56→1 layers ran 1.4–1.8× slower than the lane-sharing model said).
   */
  divergence: number;
  /**
   * Set-up cost of one thread of subpixel's depthwise variant (8 pixels of one channel): a
   * light loop with no channel block (fitted to its time against gemm-col2im's on the three
   * depthwise layers of `npm run bench:kernels`, 64 × 32², 3 × 128², 21 × 8² k16 s8: 620–950).
   */
  depthwiseThreadOverhead: number;
}

const COSTS: Record<'software' | 'hardware', CostConstants> = {
  // Fitted to `npm run bench` on SwiftShader (quiet 2-core host; see the module comment).
  software: {
    threadOverhead: {
      subpixel: 3600,
      'gemm-col2im': 270,
      'im2col-gemm': 4700,
      scatter: 4000,
      'zero-insertion': 400,
    },
    floatCost: 22,
    outputCost: 24,
    passOverhead: 100_000,
    loadCost: 0.5,
    divergence: 1.6,
    depthwiseThreadOverhead: 800,
  },
  hardware: {
    threadOverhead: {
      subpixel: 800,
      'gemm-col2im': 400,
      'im2col-gemm': 400,
      scatter: 400,
      'zero-insertion': 400,
    },
    floatCost: 1,
    outputCost: 0,
    passOverhead: 20_000,
    loadCost: 0,
    divergence: 1,
    depthwiseThreadOverhead: 200,
  },
};

/** Variant and tile sizes of the subpixel kernel. */
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
   * register: same-phase output rows per thread (default 1). 2 (with 8 channels × 4
   * pixels per row) is an 8 × 8 block for layers with few columns per phase.
   */
  rows?: 1 | 2;
  /** register: threads per workgroup. tiled: WX × WY threads, each 4 pixels × 4 channels. */
  wg: number;
  wx: number;
  wy: number;
  tk: number;
}

/** One piece of a split call: a batch range, an output row band and the input rows it reads. */
export interface PlanPiece {
  n0: number;
  n1: number;
  oy0: number;
  oy1: number;
  iy0: number;
  iy1: number;
  /** The piece as a geometry of its own (input rows iy0…iy1, output rows oy0…oy1). */
  geometry: ConvTranspose2dGeometry;
}

/** What {@link plan} decides. */
export interface Plan {
  kernel: KernelName;
  /** Why this kernel: the user's choice, or the cost comparison. */
  reason: string;
  /** Estimated cost per supported kernel (lower is better); absent when unsupported. */
  costs: Partial<Record<KernelName, number>>;
  /** Why each unsupported kernel cannot run this geometry. */
  unsupported: Partial<Record<KernelName, string>>;
  /** Tiles of the subpixel kernel when it is chosen, else null. */
  subpixel: SubpixelConfig | null;
  /** Workgroups of the main pass of the first piece and their folded grid (subpixel and zero-insertion; else null). */
  dispatch: { workgroups: number; grid: [number, number, number] } | null;
  /** One piece when the call fits the device; several when it is split by batch or output rows. */
  pieces: PlanPiece[];
}

/** Options of {@link plan}. */
export interface PlanOptions {
  /** A kernel name forces that kernel; 'auto' (default) picks by cost. */
  kernel?: KernelName | 'auto';
  /** True on a software adapter (SwiftShader). */
  software?: boolean;
  /** Kernels to consider; defaults to the five of the library. */
  kernels?: readonly Kernel[];
}

/** Greatest common divisor of positive integers. */
export function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/**
 * Σ over output positions of one axis of the number of taps its phase visits;
 * with `block` > 1, each phase's positions are rounded up to whole blocks (the
 * register-blocked subpixel computes `block` same-phase pixels per thread). With
 * `inSize`, a block skips a tap whose input index lies outside [0, inSize) for
 * all of its positions, as the kernel does (it matters on small inputs).
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
  const step = s / gcd(s, d);
  let total = 0;
  for (let p = 0; p < s; p++) {
    const k0 = firstTap(p, d, s, k, step);
    const taps = Math.ceil((k - k0) / step);
    const o0 = (((p - pad) % s) + s) % s;
    const count = o0 < out ? Math.ceil((out - o0) / s) : 0;
    if (!Number.isFinite(inSize) || taps === 0) {
      total += taps * Math.ceil(count / block) * block;
      continue;
    }
    // Full-result coordinate of the phase's j-th position: f = o0 + pad + j·s; tap t reads (f − t·d)/s.
    for (let j0 = 0; j0 < count; j0 += block) {
      for (let i = 0; i < taps; i++) {
        const t = k0 + i * step;
        let hit = false;
        for (let j = j0; j < Math.min(count, j0 + block) && !hit; j++) {
          const idx = (o0 + pad + j * s - t * d) / s;
          hit = idx >= 0 && idx < inSize;
        }
        if (hit) total += block;
      }
    }
  }
  return total;
}

/** First tap k < min(kCount, step) with k·d ≡ phase (mod s); kCount when none (as the shaders' first_tap). */
function firstTap(phase: number, d: number, s: number, kCount: number, step: number): number {
  for (let k = 0; k < Math.min(kCount, step); k++) if ((k * d) % s === phase) return k;
  return kCount;
}

/**
 * Σ over the (tap, block) pairs of the 8 × 2 × 4 subpixel block (main88r) of the pixels it
 * issues for them, as the shader runs them: 8 when both rows and all 4 columns are inside or
 * when it masks, 4 for one row and 4 columns, 6 for 2 rows and the 3 columns inside; a pair
 * with no row or no column inside is skipped.
 */
function rowPairPixels(g: ConvTranspose2dGeometry): number {
  const [sh, sw] = g.strides;
  const [dh, dw] = g.dilations;
  const pt = g.padding[0];
  const pl = g.padding[2];
  const sty = sh / gcd(sh, dh);
  const stx = sw / gcd(sw, dw);
  const ih = g.inHeight;
  const iw = g.inWidth;
  const inside = (i: number, size: number) => i >= 0 && i < size;
  // Row taps: [row A inside, row B inside] per (row pair, tap); column taps: the 4 flags.
  const rowTaps: [boolean, boolean][] = [];
  const pairs = Math.ceil(Math.ceil(g.outHeight / sh) / 2);
  for (let py = 0; py < sh; py++) {
    for (let jb = 0; jb < pairs; jb++) {
      const oya = py + 2 * jb * sh;
      if (oya >= g.outHeight) continue;
      const q = oya + pt;
      for (let ky = firstTap(q % sh, dh, sh, g.kernelHeight, sty); ky < g.kernelHeight; ky += sty) {
        const dy = q - ky * dh;
        if (dy + sh < 0) break;
        const iya = dy / sh;
        const va = inside(iya, ih);
        const vb = inside(iya + 1, ih);
        if (va || vb) rowTaps.push([va, vb]);
      }
    }
  }
  const colTaps: boolean[][] = [];
  const blocks = Math.ceil(Math.ceil(g.outWidth / sw) / 4);
  for (let px = 0; px < sw; px++) {
    const x0 = (px + sw - (pl % sw)) % sw;
    for (let xb = 0; xb < blocks; xb++) {
      const r0 = x0 + pl + xb * 4 * sw;
      for (let kx = firstTap(r0 % sw, dw, sw, g.kernelWidth, stx); kx < g.kernelWidth; kx += stx) {
        const ixb = (r0 - kx * dw) / sw;
        if (ixb + 3 < 0) break;
        if (ixb > iw - 1) continue;
        colTaps.push([0, 1, 2, 3].map((k) => inside(ixb + k, iw)));
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
 * Multiply-adds a kernel issues for `g` (see the table above). For subpixel, pass
 * its config to count the empty lanes of partly filled register blocks.
 */
export function issuedMacs(name: KernelName, g: ConvTranspose2dGeometry, subpixel?: SubpixelConfig): number {
  const perPixel = g.inChannelsPerGroup * g.outChannels * g.batch;
  switch (name) {
    case 'subpixel': {
      if (subpixel?.variant === 'register' && subpixel.rows === 2) {
        const channels = g.groups * Math.ceil(g.outChannelsPerGroup / subpixel.channels) * subpixel.channels;
        return g.batch * g.inChannelsPerGroup * channels * rowPairPixels(g);
      }
      const rows = phaseTaps(g.outHeight, g.padding[0], g.strides[0], g.dilations[0], g.kernelHeight, 1, g.inHeight);
      if (!subpixel) {
        const all = phaseTaps(g.outWidth, g.padding[2], g.strides[1], g.dilations[1], g.kernelWidth, 1, g.inWidth);
        return perPixel * rows * all;
      }
      const pixels = subpixel.variant === 'tiled' ? 1 : subpixel.pixels;
      const block = subpixel.variant === 'tiled' ? subpixel.wy * 4 : subpixel.channels;
      const cols = phaseTaps(g.outWidth, g.padding[2], g.strides[1], g.dilations[1], g.kernelWidth, pixels, g.inWidth);
      const channels = g.groups * Math.ceil(g.outChannelsPerGroup / block) * block;
      return g.batch * g.inChannelsPerGroup * channels * rows * cols;
    }
    case 'im2col-gemm':
    case 'zero-insertion':
      return perPixel * g.outHeight * g.outWidth * g.kernelHeight * g.kernelWidth;
    case 'gemm-col2im':
    case 'scatter':
      return perPixel * g.inHeight * g.inWidth * g.kernelHeight * g.kernelWidth;
  }
}

/**
 * Work per multiply-add of a register block of C channels × P pixels per thread
 * on a software adapter: one FMA plus (C + P) loads per C·P multiply-adds, a load
 * costing `loadCost` FMAs (8 × 8: 1.125 at 0.5; 4 × 4: 1.25).
 */
export function registerWork(channels: number, pixels: number, loadCost = COSTS.software.loadCost): number {
  return 1 + (loadCost * (channels + pixels)) / (channels * pixels);
}

/**
 * Multiply-adds a software adapter's register-blocked kernel issues for `g`,
 * counting the empty lanes of partly filled blocks: gemm-col2im's GEMM in 8 × 8
 * blocks of (channel, tap) × input pixel, scatter's in 8 channels × 8 pixels.
 */
function softwareMacs(name: KernelName, g: ConvTranspose2dGeometry): number {
  const up = (x: number, b: number) => Math.ceil(x / b) * b;
  const taps = g.kernelHeight * g.kernelWidth;
  const slices = g.groups * g.batch * g.inChannelsPerGroup;
  switch (name) {
    case 'gemm-col2im':
      return slices * up(g.outChannelsPerGroup * taps, 8) * up(g.inHeight * g.inWidth, 8);
    case 'scatter':
      return slices * up(g.outChannelsPerGroup, 8) * g.inHeight * up(g.inWidth, 8) * taps;
    default:
      return issuedMacs(name, g);
  }
}

/** Floats of extra memory traffic: scratch written and read back, or the output's read-modify-writes. */
function extraFloats(name: KernelName, g: ConvTranspose2dGeometry, kernel: Kernel): number {
  switch (name) {
    case 'zero-insertion':
    case 'gemm-col2im':
      return (2 * kernel.scratchBytes(g)) / 4;
    case 'scatter': {
      // Each output's first write starts from the bias; every later one is a read-modify-write.
      const writes = g.batch * g.inHeight * g.inWidth * g.kernelHeight * g.kernelWidth * g.outChannels;
      return 2 * Math.max(0, writes - g.outputSize);
    }
    default:
      return 0;
  }
}

const PASSES: Record<KernelName, (g: ConvTranspose2dGeometry) => number> = {
  subpixel: () => 1,
  'im2col-gemm': () => 1,
  'zero-insertion': () => 2,
  'gemm-col2im': () => 2,
  scatter: (g) =>
    Math.min(
      g.kernelHeight * g.kernelWidth,
      Math.ceil(g.kernelHeight / g.strides[0]) * Math.ceil(g.kernelWidth / g.strides[1]),
    ) + 1,
};

/** Approximate threads a kernel launches for `g` (from each kernel's work per thread). */
export function threadCount(name: KernelName, g: ConvTranspose2dGeometry, subpixel?: SubpixelConfig): number {
  const c = Math.ceil;
  const cog = g.outChannelsPerGroup;
  switch (name) {
    case 'subpixel':
      return subpixel ? subpixelWorkgroups(g, subpixel) * subpixel.wg : g.outputSize / 16;
    case 'gemm-col2im':
      return (
        g.groups * g.batch * c((cog * g.kernelHeight * g.kernelWidth) / 8) * c((g.inHeight * g.inWidth) / 8) +
        g.outputSize / 4
      );
    case 'im2col-gemm':
      return g.groups * c(cog / 4) * c((g.batch * g.outHeight * g.outWidth) / 4);
    case 'scatter':
      // 8 channels × 8 pixels per thread in each tap pass, plus the fill pass.
      return (
        g.batch * g.groups * c(cog / 8) * g.inHeight * c(g.inWidth / 8) * (PASSES.scatter(g) - 1) + g.outputSize / 64
      );
    case 'zero-insertion':
      return g.inputSize + g.batch * g.groups * g.outHeight * c(g.outWidth / 4) * c(cog / 4);
  }
}

/** Estimated cost of running `g` with a kernel on an adapter class (arbitrary units; see the module comment). */
export function estimateCost(
  kernel: Kernel,
  g: ConvTranspose2dGeometry,
  software: boolean,
  limits: GPUSupportedLimits,
): number {
  const k = COSTS[software ? 'software' : 'hardware'];
  const rate = RATES[software ? 'software' : 'hardware'][kernel.name];
  let sub: SubpixelConfig | undefined;
  let work: number;
  if (kernel.name === 'subpixel') {
    sub = subpixelConfig(g, limits, software);
    work = issuedMacs('subpixel', g, sub);
    if (sub.variant === 'register') {
      work *= registerWork(sub.channels, sub.pixels * (sub.rows ?? 1), k.loadCost);
      if (g.groups * Math.ceil(g.outChannelsPerGroup / sub.channels) < 4) work *= k.divergence;
    } else if (sub.variant === 'depthwise') {
      work *= registerWork(1, sub.pixels, k.loadCost);
    }
  } else if (software) {
    // gemm-col2im and scatter run 8 × 8 register blocks; im2col-gemm and zero-insertion 4 × 4.
    const block = kernel.name === 'gemm-col2im' || kernel.name === 'scatter' ? 8 : 4;
    work = softwareMacs(kernel.name, g) * registerWork(block, block, k.loadCost);
  } else {
    work = issuedMacs(kernel.name, g);
  }
  return (
    work / rate +
    threadCount(kernel.name, g, sub) *
      (sub?.variant === 'depthwise' ? k.depthwiseThreadOverhead : k.threadOverhead[kernel.name]) +
    extraFloats(kernel.name, g, kernel) * k.floatCost +
    g.outputSize * k.outputCost +
    PASSES[kernel.name](g) * k.passOverhead
  );
}

/**
 * Variant and tiles of the subpixel kernel. Software adapters get the
 * register-blocked variant (no workgroup memory, no barriers; on SwiftShader
 * every storage load is a per-lane gather, so outputs per load decide speed);
 * hardware
 * adapters get workgroup tiles shaped to the output channels per group, so a
 * narrow layer (3 channels) does not waste a 64-wide channel tile.
 */
export function subpixelConfig(
  g: ConvTranspose2dGeometry,
  limits: GPUSupportedLimits,
  software: boolean,
): SubpixelConfig {
  const maxThreads = Math.min(limits.maxComputeInvocationsPerWorkgroup, 256);
  if (g.inChannelsPerGroup === 1 && g.outChannelsPerGroup === 1) {
    const c: SubpixelConfig = {
      variant: 'depthwise',
      pixels: 8,
      channels: 1,
      wg: Math.min(64, maxThreads),
      wx: 0,
      wy: 0,
      tk: 0,
    };
    while (c.wg > 16 && subpixelWorkgroups(g, c) < 32) c.wg /= 2;
    return c;
  }
  if (software) {
    // The block with the least work (issued multiply-adds, empty lanes included, times
    // registerWork): 8 × 8 unless the layer is too narrow to fill it (few channels, or
    // few columns per phase). Threads' set-up is left out here: on the suite's odd layer
    // (20 columns per phase) 8 × 4 beat 8 × 8 by ~20% despite 1.5× the threads.
    let best: SubpixelConfig | null = null;
    let bestWork = Infinity;
    const fewColumns = Math.ceil(g.outWidth / g.strides[1]) <= 4;
    for (const [channels, pixels, rows] of [
      [8, 8, 1],
      [8, 4, 2],
      [8, 4, 1],
      [4, 8, 1],
      [4, 4, 1],
    ] as const) {
      // Two rows of 4 only where a phase has ≤ 4 columns (elsewhere one row measured as fast or
      // faster). There, with its partial blocks run as smaller ones, 8 × 2 × 4 measured 1.2–1.5×
      // faster than 8 × 4 on 4 × 4 inputs (512→256 k4 s2, 256→128 k3 s2, 512→256 k2 s2;
      // `npm run bench:kernels`).
      if (rows === 2 && !fewColumns) continue;
      const c: SubpixelConfig = { variant: 'register', pixels, channels, rows, wg: 64, wx: 0, wy: 0, tk: 0 };
      const work = issuedMacs('subpixel', g, c) * registerWork(channels, pixels * rows);
      if (work < bestWork * 0.999) [best, bestWork] = [c, work];
    }
    const c = best!;
    // Workgroups are what SwiftShader spreads over CPU cores: a layer with few threads
    // gets smaller workgroups (≥ 32 of them when possible, of ≥ 16 threads), which sped up
    // the DCGAN 512→256 layer at 4² by ~12% in 8 × 4 blocks.
    c.wg = Math.min(64, maxThreads);
    while (c.wg > 16 && subpixelWorkgroups(g, c) < 32) c.wg /= 2;
    return c;
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

/**
 * Row slots of the register-blocked subpixel, sh per row phase: sh · ⌈outH / sh⌉ rows, or
 * sh · ⌈⌈outH / sh⌉ / 2⌉ row pairs (slots past the last row do nothing).
 */
export function subpixelRowSlots(g: ConvTranspose2dGeometry, c: SubpixelConfig): number {
  const sh = g.strides[0];
  if ((c.rows ?? 1) === 1) return sh * Math.ceil(g.outHeight / sh);
  return sh * Math.ceil(Math.ceil(g.outHeight / sh) / 2);
}

/** Threads of the depthwise subpixel variant: 8 same-phase pixels of one row of one channel each. */
export function subpixelDepthwiseThreads(g: ConvTranspose2dGeometry): number {
  const sw = g.strides[1];
  return g.batch * g.groups * g.outHeight * sw * Math.ceil(Math.ceil(g.outWidth / sw) / 8);
}

/** Workgroups of the subpixel kernel's single pass for `g`. */
export function subpixelWorkgroups(g: ConvTranspose2dGeometry, c: SubpixelConfig): number {
  const [sh, sw] = g.strides;
  if (c.variant === 'depthwise') return Math.ceil(subpixelDepthwiseThreads(g) / c.wg);
  if (c.variant === 'register') {
    const cbg = Math.ceil(g.outChannelsPerGroup / c.channels);
    const nxb = Math.ceil(Math.ceil(g.outWidth / sw) / c.pixels);
    return Math.ceil((g.batch * subpixelRowSlots(g, c) * sw * cbg * g.groups * nxb) / c.wg);
  }
  const nmt = Math.ceil((g.batch * Math.ceil(g.outHeight / sh) * Math.ceil(g.outWidth / sw)) / (c.wx * 4));
  const nnt = Math.ceil(g.outChannelsPerGroup / (c.wy * 4));
  return nmt * nnt * g.groups * sh * sw;
}

/**
 * The geometry of one piece: batch n0…n1, input rows iy0…iy1 and output rows
 * oy0…oy1 of `g`. The band's first output row becomes row 0 by raising the top
 * padding to padTop + oy0 − iy0·strideH; the bottom padding and output padding
 * are set so that F − padTop − padBottom + outputPadding = band rows.
 */
export function subGeometry(
  g: ConvTranspose2dGeometry,
  n0: number,
  n1: number,
  iy0: number,
  iy1: number,
  oy0: number,
  oy1: number,
): ConvTranspose2dGeometry {
  const [sh] = g.strides;
  const [dh] = g.dilations;
  const batch = n1 - n0;
  const inHeight = iy1 - iy0;
  const outHeight = oy1 - oy0;
  const pt = g.padding[0] + oy0 - iy0 * sh;
  const fullHeight = (inHeight - 1) * sh + dh * (g.kernelHeight - 1) + 1;
  const rest = fullHeight - pt - outHeight;
  const pb = Math.max(rest, 0);
  const oph = Math.max(-rest, 0);
  const layout = g.inputLayout;
  const inputShape: [number, number, number, number] =
    layout === 'nchw' ? [batch, g.inChannels, inHeight, g.inWidth] : [batch, inHeight, g.inWidth, g.inChannels];
  const outputShape: [number, number, number, number] =
    layout === 'nchw' ? [batch, g.outChannels, outHeight, g.outWidth] : [batch, outHeight, g.outWidth, g.outChannels];
  const inputSize = batch * g.inChannels * inHeight * g.inWidth;
  const outputSize = batch * g.outChannels * outHeight * g.outWidth;
  return {
    ...g,
    batch,
    inHeight,
    outHeight,
    fullHeight,
    padding: [pt, pb, g.padding[2], g.padding[3]],
    outputPadding: [oph, g.outputPadding[1]],
    inputShape,
    outputShape,
    inputStrides: tensorStrides(layout, g.inChannels, inHeight, g.inWidth),
    outputStrides: tensorStrides(layout, g.outChannels, outHeight, g.outWidth),
    inputSize,
    outputSize,
    usefulMacs: Math.round((g.usefulMacs * outputSize) / g.outputSize),
  };
}

/** Input rows [iy0, iy1) that output rows [oy0, oy1) read; never empty, and iy0·sh ≤ oy0 + padTop. */
export function inputRows(g: ConvTranspose2dGeometry, oy0: number, oy1: number): [number, number] {
  const [sh] = g.strides;
  const reach = g.dilations[0] * (g.kernelHeight - 1);
  const pt = g.padding[0];
  const hi = Math.min(g.inHeight - 1, Math.floor((oy0 + pt) / sh));
  const iy0 = Math.max(0, Math.min(Math.ceil((oy0 + pt - reach) / sh), hi));
  const iy1 = Math.max(iy0 + 1, Math.min(g.inHeight, Math.floor((oy1 - 1 + pt) / sh) + 1));
  return [iy0, iy1];
}

/** Largest buffer (bytes) a piece may bind: the smaller of the binding and buffer limits. */
export function maxBinding(limits: GPUSupportedLimits): number {
  return Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
}

function pieceFits(kernel: Kernel, g: ConvTranspose2dGeometry, limits: GPUSupportedLimits): boolean {
  const max = maxBinding(limits);
  return (
    g.inputSize * 4 <= max &&
    g.outputSize * 4 <= max &&
    // The kernel knows whether its scratch fits (some chunk it internally).
    kernel.unsupported(g, limits) === null
  );
}

/**
 * Splits `g` into pieces that each fit the device: whole when it fits, else by
 * batch, else (batch 1) by output row bands.
 * @throws DeconvError('DEVICE_LIMIT') when even one output row of one batch element cannot fit.
 */
export function splitPieces(kernel: Kernel, g: ConvTranspose2dGeometry, limits: GPUSupportedLimits): PlanPiece[] {
  const max = maxBinding(limits);
  if (g.filterSize * 4 > max) {
    throw new DeconvError(
      'DEVICE_LIMIT',
      `filter of ${g.filterSize * 4} bytes exceeds this device's largest storage binding (${max} bytes)`,
      'filter',
    );
  }
  const whole = (n0: number, n1: number): PlanPiece => {
    const geometry = n0 === 0 && n1 === g.batch ? g : subGeometry(g, n0, n1, 0, g.inHeight, 0, g.outHeight);
    return { n0, n1, oy0: 0, oy1: g.outHeight, iy0: 0, iy1: g.inHeight, geometry };
  };
  if (pieceFits(kernel, g, limits)) return [whole(0, g.batch)];
  // By batch: the largest batch chunk that fits (cost is linear in batch).
  let nb = g.batch;
  while (nb > 1 && !pieceFits(kernel, subGeometry(g, 0, nb, 0, g.inHeight, 0, g.outHeight), limits)) {
    nb = Math.max(1, Math.floor(nb / 2));
  }
  if (pieceFits(kernel, subGeometry(g, 0, nb, 0, g.inHeight, 0, g.outHeight), limits)) {
    const pieces: PlanPiece[] = [];
    for (let n0 = 0; n0 < g.batch; n0 += nb) pieces.push(whole(n0, Math.min(g.batch, n0 + nb)));
    return pieces;
  }
  // By output rows, one batch element at a time.
  const bands = (rows: number): PlanPiece[] | null => {
    const out: PlanPiece[] = [];
    for (let n = 0; n < g.batch; n++) {
      for (let oy0 = 0; oy0 < g.outHeight; oy0 += rows) {
        const oy1 = Math.min(g.outHeight, oy0 + rows);
        const [iy0, iy1] = inputRows(g, oy0, oy1);
        const geometry = subGeometry(g, n, n + 1, iy0, iy1, oy0, oy1);
        if (!pieceFits(kernel, geometry, limits)) return null;
        out.push({ n0: n, n1: n + 1, oy0, oy1, iy0, iy1, geometry });
      }
    }
    return out;
  };
  const perRow = Math.max(g.outChannels * g.outWidth * 4, 1);
  let rows = Math.max(1, Math.min(g.outHeight, Math.floor(max / perRow)));
  for (;;) {
    const pieces = bands(rows);
    if (pieces) return pieces;
    if (rows === 1) break;
    rows = Math.max(1, Math.floor(rows / 2));
  }
  const one = subGeometry(g, 0, 1, ...inputRows(g, 0, 1), 0, 1);
  throw new DeconvError(
    'DEVICE_LIMIT',
    `kernel '${kernel.name}' cannot fit even one output row of this call within the device's largest storage binding ` +
      `(${max} bytes): a row needs ${one.outputSize * 4} output bytes, ${one.inputSize * 4} input bytes and ` +
      `${kernel.scratchBytes(one)} scratch bytes`,
    'inputShape',
  );
}

/** The kernel object for a name. */
export function kernelByName(name: KernelName, kernels: readonly Kernel[] = allKernels()): Kernel {
  const k = kernels.find((x) => x.name === name);
  if (!k) throw new DeconvError('INVALID_ARGUMENT', `kernel = "${name}": not available`, 'options.kernel');
  return k;
}

/**
 * Plans a call: picks the kernel (the given one, or by the cost model above for
 * 'auto'), its tiles, and the pieces that fit the device's limits.
 * @throws DeconvError('UNSUPPORTED_BY_KERNEL') when a named kernel cannot run `g`;
 *   DeconvError('DEVICE_LIMIT') when nothing fits; DeconvError('INVALID_ARGUMENT') for an unknown kernel name.
 */
export function plan(g: ConvTranspose2dGeometry, limits: GPUSupportedLimits, options: PlanOptions = {}): Plan {
  const software = options.software ?? false;
  const kernels = options.kernels ?? allKernels();
  const want = options.kernel ?? 'auto';
  if (want !== 'auto' && !KERNEL_NAMES.includes(want)) {
    throw new DeconvError(
      'INVALID_ARGUMENT',
      `options.kernel = ${JSON.stringify(want)}: must be 'auto' or one of ${KERNEL_NAMES.map((k) => `'${k}'`).join(', ')}`,
      'options.kernel',
    );
  }
  const costs: Partial<Record<KernelName, number>> = {};
  const unsupported: Partial<Record<KernelName, string>> = {};
  const piecesOf = new Map<KernelName, PlanPiece[]>();
  const unbounded = { ...limitsRecord(limits), maxStorageBufferBindingSize: Infinity, maxBufferSize: Infinity };
  const unsupportedCode: Partial<Record<KernelName, 'UNSUPPORTED_BY_KERNEL' | 'DEVICE_LIMIT'>> = {};
  for (const k of kernels) {
    if (want !== 'auto' && k.name !== want) continue;
    // A reason that remains with unbounded buffers is about the geometry, not the device.
    const why = k.unsupported(g, unbounded as unknown as GPUSupportedLimits);
    if (why) {
      unsupported[k.name] = why;
      unsupportedCode[k.name] = 'UNSUPPORTED_BY_KERNEL';
      continue;
    }
    try {
      const pieces = splitPieces(k, g, limits);
      piecesOf.set(k.name, pieces);
      // Splitting repeats the filter reads and adds passes; charge it.
      costs[k.name] =
        estimateCost(k, g, software, limits) +
        (pieces.length - 1) * COSTS[software ? 'software' : 'hardware'].passOverhead * 4;
    } catch (e) {
      if (!(e instanceof DeconvError)) throw e;
      unsupported[k.name] = e.message;
      unsupportedCode[k.name] = e.code === 'DEVICE_LIMIT' ? 'DEVICE_LIMIT' : 'UNSUPPORTED_BY_KERNEL';
    }
  }
  let chosen: KernelName;
  let reason: string;
  if (want !== 'auto') {
    if (!piecesOf.has(want)) {
      const why = unsupported[want] ?? 'not available';
      const code = unsupportedCode[want] ?? 'UNSUPPORTED_BY_KERNEL';
      throw new DeconvError(code, `kernel '${want}' cannot run this geometry: ${why}`, 'options.kernel');
    }
    chosen = want;
    reason = `kernel '${want}' requested`;
  } else {
    const ranked = (Object.entries(costs) as [KernelName, number][]).sort((a, b) => a[1] - b[1]);
    if (ranked.length === 0) {
      throw new DeconvError(
        'DEVICE_LIMIT',
        `no kernel can run this geometry on this device: ${Object.entries(unsupported)
          .map(([k, why]) => `${k}: ${why}`)
          .join('; ')}`,
        'inputShape',
      );
    }
    chosen = ranked[0]![0];
    const runnerUp = ranked[1];
    reason =
      `lowest estimated cost on a ${software ? 'software' : 'hardware'} adapter` +
      (runnerUp ? ` (${(runnerUp[1] / ranked[0]![1]).toFixed(2)}× below '${runnerUp[0]}')` : '');
  }
  const pieces = piecesOf.get(chosen)!;
  const first = pieces[0]!.geometry;
  let subpixel: SubpixelConfig | null = null;
  let workgroups = 0;
  if (chosen === 'subpixel') {
    subpixel = subpixelConfig(first, limits, software);
    workgroups = subpixelWorkgroups(first, subpixel);
  } else if (chosen === 'zero-insertion') {
    const threads =
      first.batch *
      first.outHeight *
      Math.ceil(first.outWidth / 4) *
      Math.ceil(first.outChannelsPerGroup / 4) *
      first.groups;
    workgroups = Math.ceil(threads / 64);
  }
  const dispatch =
    workgroups > 0 ? { workgroups, grid: foldGrid(workgroups, limits.maxComputeWorkgroupsPerDimension) } : null;
  return { kernel: chosen, reason, costs, unsupported, subpixel, dispatch, pieces };
}

/** A plain copy of a limits object (GPUSupportedLimits' members are prototype getters). */
export function limitsRecord(limits: GPUSupportedLimits): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key in limits) {
    const v = (limits as unknown as Record<string, unknown>)[key];
    if (typeof v === 'number') out[key] = v;
  }
  return out;
}

/** Same folding as the runtime's (x fastest), without throwing. */
function foldGrid(total: number, max: number): [number, number, number] {
  if (total <= max) return [total, 1, 1];
  const rest = Math.ceil(total / max);
  if (rest <= max) return [max, rest, 1];
  return [max, max, Math.ceil(rest / max)];
}
