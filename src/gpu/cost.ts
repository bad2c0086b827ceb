/**
 * The cost model every kernel estimates itself with; a leaf the kernels and the planner share.
 *
 * A kernel's estimated time is
 *
 *   cost = work / rate · occupancy + threads · threadOverhead + floatsMoved · floatCost + outputs · outputCost + passes · passOverhead
 *
 * in arbitrary units, where `work` counts the multiply-adds the kernel really executes
 * (inserted zeros and the empty lanes of partly filled register blocks included) weighted
 * by its loads per multiply-add, and `rate` is the kernel's relative efficiency on the
 * adapter class. Each kernel owns its `work`, `threads`, extra traffic, passes, rate and
 * thread overhead (in its module, with the measurements they come from); the constants
 * here are the adapter's.
 *
 * **Software adapters** (SwiftShader) run shaders on CPU threads, SIMD lanes across
 * invocations: every storage load is a per-lane gather and barriers are expensive, so the
 * register-blocked variants run, and a thread with a block of C channels × P pixels costs per
 * multiply-add one FMA plus (C + P)/(C·P) loads at about half an FMA each ({@link registerWork}).
 * SwiftShader runs each workgroup on one CPU thread, so a pass of W workgroups on P threads
 * takes ⌈W/P⌉ rounds where its work alone says W/P ({@link occupancy}): a 1-D layer whose
 * scatter pass has one workgroup leaves all but one core idle.
 * The constants were fitted (least squares on relative error) to the medians of every kernel
 * on every layer of `npm run bench` on a quiet 2-core host (SwiftShader in Chromium). Moving
 * one float through memory (column buffer, read-modify-write) costs ~22 units. The fit ranks
 * the suite's kernels right except where two are within ~10% of each other; it need not
 * predict milliseconds.
 *
 * **Hardware adapters** get the workgroup-tiled variants and hand-set rates (see
 * docs/benchmark.md for refitting them from a GPU run of `npm run bench:bundle`).
 */
import type { ConvTransposeGeometry } from '../types.js';
import type { CostTerms, KernelEnv } from './kernel.js';
import { ceilDiv, product } from './math.js';
import { elementBytes } from './shader/storage.js';

/** The constants of one adapter class (units: one multiply-add at rate 1). */
export interface AdapterCosts {
  /** One float of extra traffic (scratch written and read back, output read-modify-write). */
  floatCost: number;
  /** One output element written (the same for every kernel; it only scales the total). */
  outputCost: number;
  /** One pass (dispatch). */
  passOverhead: number;
  /** Cost of one load relative to one FMA inside a register block's inner loop. */
  loadCost: number;
  /**
   * Work factor of register-blocked kernels when a layer has fewer than 4 channel blocks:
   * SIMD lanes (4 consecutive threads on SwiftShader) then hold different pixels and phases
   * instead of sharing them, so their loads and tap loops diverge (fitted: 64→3 and 56→1
   * layers ran 1.4–1.8× slower than the lane-sharing model said).
   */
  divergence: number;
}

/** The adapter classes' constants. */
export const ADAPTER_COSTS: Readonly<Record<'software' | 'hardware', AdapterCosts>> = {
  // Fitted to `npm run bench` on SwiftShader (quiet 2-core host; see the module comment).
  software: { floatCost: 22, outputCost: 24, passOverhead: 100_000, loadCost: 0.5, divergence: 1.6 },
  // Hand-set: no real GPU has timed these yet.
  hardware: { floatCost: 1, outputCost: 0, passOverhead: 20_000, loadCost: 0, divergence: 1 },
};

/**
 * CPU threads assumed for a software adapter when the caller gives none (the engine passes
 * `navigator.hardwareConcurrency`). Planning stays a pure function of its arguments.
 */
export const DEFAULT_CORES = 4;

/**
 * How much longer than its work alone says a pass of `workgroups` workgroups runs on a
 * software adapter with `cores` threads: ⌈W/P⌉·P/W (1 when W is a multiple of P, P when
 * W = 1; 1 on hardware adapters and when W is not counted).
 */
export function occupancy(env: Pick<KernelEnv, 'software' | 'cores'>, workgroups = 0): number {
  const cores = env.cores ?? DEFAULT_CORES;
  if (!env.software || !(workgroups >= 1) || !(cores > 1)) return 1;
  return (Math.ceil(workgroups / cores) * cores) / workgroups;
}

/** The constants of `env`'s adapter class. */
export function adapterCosts(env: Pick<KernelEnv, 'software'>): AdapterCosts {
  return ADAPTER_COSTS[env.software ? 'software' : 'hardware'];
}

/**
 * Work per multiply-add of a register block of C channels × P pixels per thread on a
 * software adapter: one FMA plus (C + P) loads per C·P multiply-adds, a load costing
 * `loadCost` FMAs (8 × 8: 1.125 at 0.5; 4 × 4: 1.25).
 */
export function registerWork(channels: number, pixels: number, loadCost = ADAPTER_COSTS.software.loadCost): number {
  return 1 + (loadCost * (channels + pixels)) / (channels * pixels);
}

/**
 * Threads of a register-blocked pass over the positions `sizes` (the input's for scatter, the
 * output's for zero-insertion's convolution): a thread computes `block` output channels of a
 * group × `block` consecutive positions of the last axis, at one position of the other axes.
 */
export function blockedThreads(g: ConvTransposeGeometry, sizes: readonly number[], block: number): number {
  const last = sizes.length - 1;
  const channelBlocks = ceilDiv(g.outChannelsPerGroup, block);
  return g.batch * g.groups * channelBlocks * product(sizes.slice(0, last)) * ceilDiv(sizes[last]!, block);
}

/**
 * Multiply-adds such a pass issues: every tap at every position of `sizes`, and with
 * `blocked`, in whole blocks as the kernel runs them (the empty lanes of partly filled blocks
 * counted).
 */
export function blockedMacs(
  g: ConvTransposeGeometry,
  sizes: readonly number[],
  block: number,
  blocked: boolean,
): number {
  // (output channel, position) pairs computed: with `blocked`, block × block per thread.
  const outputs = blocked ? blockedThreads(g, sizes, block) * block * block : g.outChannels * g.batch * product(sizes);
  return outputs * g.inChannelsPerGroup * product(g.kernelSizes);
}

/** An estimate: its cost and the terms it was computed from (a GPU run of `npm run bench:bundle` refits the constants from them). */
export interface Estimate {
  cost: number;
  terms: CostTerms;
}

/**
 * The estimate of `terms` on `env`'s adapter. Half-precision data halves the traffic a
 * kernel moves between passes when it is stored as the data is (the float32 scratch of
 * multi-pass kernels is counted by the kernel itself).
 */
export function estimate(env: KernelEnv, terms: CostTerms): Estimate {
  const k = adapterCosts(env);
  const bytes = elementBytes(env.storage) / 4;
  const cost =
    (terms.work / terms.rate) * occupancy(env, terms.workgroups) +
    terms.threads * terms.threadOverhead +
    terms.extraFloats * k.floatCost +
    terms.outputs * k.outputCost * bytes +
    terms.passes * k.passOverhead;
  return { cost, terms };
}
