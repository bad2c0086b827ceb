/**
 * The planner: which kernel runs a geometry, with which variant, and how a call too large
 * for the device is split. Pure (no GPU). It ranks the kernels by the estimates they give
 * of themselves (each kernel owns its variants and its cost; see src/gpu/cost.ts for the
 * model) and never looks at a kernel's name.
 */
import { DeconvError, invalid, show } from '../errors.js';
import { as2d, OPTION_KEYS, resolveConvTranspose, tensorAxisStrides } from '../geometry.js';
import type { ConvTransposeGeometry, ConvTransposeOptions } from '../types.js';
import { adapterCosts } from './cost.js';
import type { Kernel, KernelEnv, KernelName, VariantKey } from './kernel.js';
import { isLibraryKernel, KERNEL_NAMES } from './kernel.js';
import type { SubpixelConfig } from './kernels/subpixel/plan.js';
import { product } from './math.js';
import { foldGrid, limitsRecord } from './limits.js';
import { elementBytes, STORAGES, type Storage } from './shader/storage.js';
import { isArray, isInt, oneOf, readBoolean, readInt, readOptions, readSafely } from '../validate.js';

/** One piece of a split call: a batch range, a band of the outermost spatial axis of the output, and the input band it reads. */
export interface PlanPiece {
  n0: number;
  n1: number;
  /** Output band [oy0, oy1) of the outermost spatial axis (rows in 2-D, depth slices in 3-D). */
  oy0: number;
  oy1: number;
  /** Input band [iy0, iy1) that the output band reads. */
  iy0: number;
  iy1: number;
  /** The piece as a geometry of its own. */
  geometry: ConvTransposeGeometry;
}

/** What `plan` decides. */
export interface Plan {
  kernel: KernelName;
  /** Why this kernel: the user's choice, or the cost comparison. */
  reason: string;
  /** Estimated cost per supported kernel (lower is better); absent when unsupported. */
  costs: Partial<Record<KernelName, number>>;
  /** Why each unsupported kernel cannot run this geometry. */
  unsupported: Partial<Record<KernelName, string>>;
  /** The chosen kernel's variant: the key its WGSL is generated from. */
  variant: VariantKey;
  /** The variant again when the kernel is subpixel (register, tiled or depthwise, with its block and tiles), else null. */
  subpixel: SubpixelConfig | null;
  /** Workgroups of the main pass of the first piece and their folded grid (null for kernels of several comparable passes). */
  dispatch: { workgroups: number; grid: [number, number, number] } | null;
  /** One piece when the call fits the device; several when it is split by batch or output rows. */
  pieces: PlanPiece[];
  /** How the tensors are stored: float32, float16 read natively, or float16 packed two per word. */
  storage: Storage;
}

/** Options of `plan`. */
export interface PlanOptions {
  /** A kernel name forces that kernel; 'auto' (default) picks by cost. */
  kernel?: KernelName | 'auto';
  /** True on a software adapter (SwiftShader). */
  software?: boolean;
  /** Kernels to consider (this library's kernel objects); default all five. */
  kernels?: readonly Kernel[];
  /** How the tensors are stored; default 'f32'. */
  storage?: Storage;
  /** True when the filter may hold ±∞ or NaN (see KernelEnv.guard); default false. */
  guard?: boolean;
  /** CPU threads of a software adapter (see KernelEnv.cores); default DEFAULT_CORES of src/gpu/cost.ts. */
  cores?: number;
}

/**
 * The geometry of one piece: batch n0…n1, input band iy0…iy1 and output band oy0…oy1 of
 * the outermost spatial axis of `g`. The band's first output becomes index 0 by raising
 * the padding at the start to pad + oy0 − iy0·stride; the padding at the end and the output
 * padding are set so that F − padBegin − padEnd + outputPadding = band size.
 */
export function subGeometry<G extends ConvTransposeGeometry>(
  g: G,
  n0: number,
  n1: number,
  iy0: number,
  iy1: number,
  oy0: number,
  oy1: number,
): G {
  const s = g.strides[0]!;
  const batch = n1 - n0;
  const inSizes = [iy1 - iy0, ...g.inSizes.slice(1)];
  const outSizes = [oy1 - oy0, ...g.outSizes.slice(1)];
  const padBegin = g.padding[0]! + oy0 - iy0 * s;
  const full = (inSizes[0]! - 1) * s + g.dilations[0]! * (g.kernelSizes[0]! - 1) + 1;
  const rest = full - padBegin - outSizes[0]!;
  const spatial = (sizes: number[], c: number) => (g.channelsLast ? [batch, ...sizes, c] : [batch, c, ...sizes]);
  const inputSize = batch * g.inChannels * product(inSizes);
  const outputSize = batch * g.outChannels * product(outSizes);
  const piece: ConvTransposeGeometry = {
    ...g,
    batch,
    inSizes,
    outSizes,
    fullSizes: [full, ...g.fullSizes.slice(1)],
    padding: [padBegin, Math.max(rest, 0), ...g.padding.slice(2)],
    outputPadding: [Math.max(-rest, 0), ...g.outputPadding.slice(1)],
    inputShape: spatial(inSizes, g.inChannels),
    outputShape: spatial(outSizes, g.outChannels),
    inputStrides: tensorAxisStrides(g.channelsLast, g.inChannels, inSizes),
    outputStrides: tensorAxisStrides(g.channelsLast, g.outChannels, outSizes),
    inputSize,
    outputSize,
    usefulMacs: Math.round((g.usefulMacs * outputSize) / g.outputSize),
  };
  return ('outHeight' in g ? as2d(piece) : piece) as G;
}

/** Input band [iy0, iy1) of the outermost spatial axis that output band [oy0, oy1) reads; never empty, and iy0·s ≤ oy0 + pad. */
export function inputRows(g: ConvTransposeGeometry, oy0: number, oy1: number): [number, number] {
  const s = g.strides[0]!;
  const reach = g.dilations[0]! * (g.kernelSizes[0]! - 1);
  const pad = g.padding[0]!;
  const n = g.inSizes[0]!;
  const hi = Math.min(n - 1, Math.floor((oy0 + pad) / s));
  const iy0 = Math.max(0, Math.min(Math.ceil((oy0 + pad - reach) / s), hi));
  const iy1 = Math.max(iy0 + 1, Math.min(n, Math.floor((oy1 - 1 + pad) / s) + 1));
  return [iy0, iy1];
}

/** Largest buffer (bytes) a piece may bind: the smaller of the binding and buffer limits. */
export function maxBinding(limits: GPUSupportedLimits): number {
  return Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
}

function pieceFits(kernel: Kernel, g: ConvTransposeGeometry, env: KernelEnv): boolean {
  const max = maxBinding(env.limits);
  const bytes = elementBytes(env.storage);
  return (
    g.inputSize * bytes <= max &&
    g.outputSize * bytes <= max &&
    // The kernel knows whether its scratch fits (some chunk it internally).
    kernel.unsupported(g, env) === null
  );
}

/** The environment of a plan, from options. */
function envOf(limits: GPUSupportedLimits, options: PlanOptions): KernelEnv {
  return {
    limits,
    software: options.software ?? false,
    storage: options.storage ?? 'f32',
    guard: options.guard ?? false,
    ...(options.cores === undefined ? {} : { cores: options.cores }),
  };
}

/** The most pieces one call is split into (each is a dispatch sequence with its own uniforms). */
const MAX_PIECES = 65_536;

/** Throws DEVICE_LIMIT when a split needs more than MAX_PIECES pieces (`what`: of what each is made). */
function tooManyPieces(kernel: Kernel, pieces: number, what: string): void {
  if (pieces > MAX_PIECES) {
    throw new DeconvError(
      'DEVICE_LIMIT',
      `kernel '${kernel.name}' would need ${pieces} pieces ${what} to fit this call within the device's limits ` +
        `(at most ${MAX_PIECES})`,
      'inputShape',
    );
  }
}

/**
 * Splits `g` into pieces that each fit the device: whole when it fits, else by batch, else
 * (batch 1) by bands of the outermost spatial axis of the output.
 * @throws DeconvError('DEVICE_LIMIT') when even one output row of one batch element cannot fit.
 */
export function splitPieces(
  kernel: Kernel,
  g: ConvTransposeGeometry,
  limits: GPUSupportedLimits | KernelEnv,
): PlanPiece[] {
  const env: KernelEnv = 'limits' in limits ? limits : envOf(limits, {});
  const max = maxBinding(env.limits);
  const bytes = elementBytes(env.storage);
  if (g.filterSize * bytes > max) {
    throw new DeconvError(
      'DEVICE_LIMIT',
      `filter of ${g.filterSize * bytes} bytes exceeds this device's largest storage binding (${max} bytes)`,
      'filter',
    );
  }
  const rows0 = g.inSizes[0]!;
  const out0 = g.outSizes[0]!;
  const whole = (n0: number, n1: number): PlanPiece => {
    const geometry = n0 === 0 && n1 === g.batch ? g : subGeometry(g, n0, n1, 0, rows0, 0, out0);
    return { n0, n1, oy0: 0, oy1: out0, iy0: 0, iy1: rows0, geometry };
  };
  if (pieceFits(kernel, g, env)) return [whole(0, g.batch)];
  // By batch: the largest batch chunk that fits (cost is linear in batch).
  let nb = g.batch;
  while (nb > 1 && !pieceFits(kernel, subGeometry(g, 0, nb, 0, rows0, 0, out0), env)) {
    nb = Math.max(1, Math.floor(nb / 2));
  }
  if (pieceFits(kernel, subGeometry(g, 0, nb, 0, rows0, 0, out0), env)) {
    tooManyPieces(kernel, Math.ceil(g.batch / nb), `of ${nb} batch elements`);
    const pieces: PlanPiece[] = [];
    for (let n0 = 0; n0 < g.batch; n0 += nb) pieces.push(whole(n0, Math.min(g.batch, n0 + nb)));
    return pieces;
  }
  // By output bands, one batch element at a time.
  const bands = (rows: number): PlanPiece[] | null => {
    const out: PlanPiece[] = [];
    for (let n = 0; n < g.batch; n++) {
      for (let oy0 = 0; oy0 < out0; oy0 += rows) {
        const oy1 = Math.min(out0, oy0 + rows);
        const [iy0, iy1] = inputRows(g, oy0, oy1);
        const geometry = subGeometry(g, n, n + 1, iy0, iy1, oy0, oy1);
        if (!pieceFits(kernel, geometry, env)) return null;
        out.push({ n0: n, n1: n + 1, oy0, oy1, iy0, iy1, geometry });
      }
    }
    return out;
  };
  const perRow = Math.max((g.outputSize / g.batch / out0) * bytes, 1);
  let rows = Math.max(1, Math.min(out0, Math.floor(max / perRow)));
  for (;;) {
    // A limit that thinner bands do not lift (threads per phase, say) would otherwise end in
    // one piece per output row: 2^31 of them on a giant 1-D stride.
    tooManyPieces(kernel, Math.ceil(out0 / rows) * g.batch, `of ${rows} output rows`);
    const pieces = bands(rows);
    if (pieces) return pieces;
    if (rows === 1) break;
    rows = Math.max(1, Math.floor(rows / 2));
  }
  const one = subGeometry(g, 0, 1, ...inputRows(g, 0, 1), 0, 1);
  throw new DeconvError(
    'DEVICE_LIMIT',
    `kernel '${kernel.name}' cannot fit even one output row of this call within the device's largest storage binding ` +
      `(${max} bytes): a row needs ${one.outputSize * bytes} output bytes, ${one.inputSize * bytes} input bytes and ` +
      `${kernel.scratchBytes(one, env)} scratch bytes`,
    'inputShape',
  );
}

/**
 * Validates a list of kernels into a fresh array: non-empty, at most one of each of this
 * library's kernels (objects that {@link isLibraryKernel} knows; copies and look-alikes are
 * not). Its length is read once, and a read that throws is the parameter's error.
 */
export function readKernels(param: string, value: unknown): readonly Kernel[] {
  const kernels = "this library's kernels (subpixelKernel, scatterKernel, gemmCol2imKernel, …)";
  const rule = `must be a non-empty array of ${kernels}, each at most once`;
  if (!isArray(value)) invalid(param, value, rule);
  let length: unknown;
  try {
    length = value.length;
  } catch {
    invalid(param, value, `${rule} (it could not be read)`);
  }
  if (!isInt(length, 1, KERNEL_NAMES.length)) invalid(param, value, rule);
  const out: Kernel[] = [];
  for (let i = 0; i < length; i++) {
    const at = `${param}[${i}]`;
    let k: unknown;
    try {
      k = value[i];
    } catch {
      invalid(at, undefined, `must be one of ${kernels} (it could not be read)`);
    }
    if (!isLibraryKernel(k)) invalid(at, k, `must be one of ${kernels}`);
    if (out.some((x) => x.name === k.name)) {
      throw new DeconvError('INVALID_ARGUMENT', `${at}: the '${k.name}' kernel is already in the list`, at);
    }
    out.push(k);
  }
  return out;
}

/** Throws unless `name` is among `available`, the names of the kernels given (an engine's, or plan's `kernels`). */
export function checkAvailable(name: KernelName, available: readonly KernelName[]): void {
  if (available.includes(name)) return;
  const given = available.map((x) => `'${x}'`).join(', ');
  throw new DeconvError(
    'INVALID_ARGUMENT',
    `options.kernel = '${name}': must be one of the kernels given to the engine or plan (${given})`,
    'options.kernel',
  );
}

/** The kernel of `kernels` with a given name. */
export function kernelByName(name: KernelName, kernels: readonly Kernel[]): Kernel {
  const k = kernels.find((x) => x.name === name);
  if (!k)
    checkAvailable(
      name,
      kernels.map((x) => x.name),
    );
  return k!;
}

/** Checks a kernel option: 'auto' or a kernel name. */
export function checkKernelName(want: unknown): KernelName | 'auto' {
  if (want !== 'auto' && !KERNEL_NAMES.includes(want as KernelName)) {
    throw new DeconvError(
      'INVALID_ARGUMENT',
      `options.kernel = ${show(want)}: must be 'auto' or one of ${KERNEL_NAMES.map((k) => `'${k}'`).join(', ')}`,
      'options.kernel',
    );
  }
  return want as KernelName | 'auto';
}

/**
 * Why no kernel can run: a reason the kernels share is given once, the shortest reasons first,
 * and past about 350 characters the remaining kernels are only named (messages stay short).
 */
function whyNot(unsupported: Readonly<Partial<Record<KernelName, string>>>): string {
  const byReason = new Map<string, string[]>();
  for (const [k, why] of Object.entries(unsupported)) byReason.set(why, [...(byReason.get(why) ?? []), k]);
  if (byReason.size === 1 && Object.keys(unsupported).length > 1) return `every kernel: ${[...byReason.keys()][0]}`;
  const parts = [...byReason].sort((a, b) => a[0].length - b[0].length);
  const shown: string[] = [];
  const rest: string[] = [];
  for (const [why, ks] of parts) {
    const text = `${ks.join(', ')}: ${why}`;
    if (shown.length > 0 && shown.join('; ').length + text.length > 350) rest.push(...ks);
    else shown.push(text);
  }
  return rest.length ? `${shown.join('; ')}; ${rest.join(', ')}: limits of their own` : shown.join('; ');
}

/**
 * Reads a geometry given to `plan`: resolves it again from its shapes and options (a copy,
 * JSON included, is as good as the original) and checks that every derived field agrees, so
 * that an edited object is an error naming the field rather than a plan for shapes it does
 * not describe. Returns the fresh geometry (2-D ones with their named fields); the planner
 * never reads the caller's object again. Errors name `param.field`.
 */
export function readGeometry(param: string, value: unknown): ConvTransposeGeometry {
  const rule = 'must be a geometry from resolveConvTranspose (an object with its inputShape, filterShape and options)';
  if (value === null || typeof value !== 'object' || isArray(value)) invalid(param, value, rule);
  const field = (key: string) => readSafely(`${param}.${key}`, rule, () => (value as Record<string, unknown>)[key]);
  // The shapes, and the options a geometry holds: not outputSizes (held as outputPadding), nor
  // the engine's kernel and dtype. Computed here, not at module level, so bundles that never
  // plan drop it.
  const keys = [
    'inputShape',
    'filterShape',
    ...OPTION_KEYS.filter((k) => !['outputSizes', 'kernel', 'dtype'].includes(k)),
  ];
  const f: Record<string, unknown> = {};
  for (const key of keys) f[key] = field(key);
  const { inputShape, filterShape, activation, bias: given, ...rest } = f;
  const bias = biasOf(given);
  let fresh: ConvTransposeGeometry;
  try {
    fresh = resolveConvTranspose(
      inputShape as number[],
      filterShape as number[],
      {
        ...rest,
        // A resolved geometry holds null for "none"; the options spell it by leaving the key out.
        ...(bias === null ? {} : { bias }),
        ...(activation === null ? {} : { activation }),
      } as ConvTransposeOptions,
    );
  } catch (e) {
    if (!(e instanceof DeconvError) || e.param === undefined) throw e;
    const named = `${param}.${e.param.replace(/^options\./, '')}`;
    const message = e.message.startsWith(e.param) ? named + e.message.slice(e.param.length) : `${named}: ${e.message}`;
    throw new DeconvError(e.code, message, named);
  }
  for (const [key, want] of Object.entries(fresh)) {
    // usefulMacs is an estimate, prorated in the pieces of a split plan; the rest is exact.
    if (key === 'usefulMacs') continue;
    const got = key === 'bias' ? bias : field(key);
    if (!sameData(want, got)) {
      invalid(
        `${param}.${key}`,
        got,
        `must be ${show(want)}, as its shapes and options give (was the geometry edited?)`,
      );
    }
  }
  return fresh.rank === 2 ? as2d(fresh) : fresh;
}

/**
 * A geometry's bias as the options take it: a Float32Array as it is, and a JSON copy of one (an
 * object or array of numbers) as a Float32Array again; anything else as it is, for the
 * geometry's own check to reject.
 */
function biasOf(bias: unknown): unknown {
  if (bias === null || typeof bias !== 'object' || ArrayBuffer.isView(bias)) return bias;
  try {
    const values = Object.values(bias);
    return values.every((v) => typeof v === 'number') ? Float32Array.from(values as number[]) : bias;
  } catch {
    return bias;
  }
}

/** Whether `got` holds the same numbers, strings and nulls as `want` (arrays, typed arrays and plain objects compared by content). */
function sameData(want: unknown, got: unknown, depth = 0): boolean {
  if (want === null || typeof want !== 'object') return Object.is(want, got);
  if (got === null || typeof got !== 'object' || depth > 3) return false;
  try {
    const w = want as Record<string, unknown>;
    const g = got as Record<string, unknown>;
    const keys = Object.keys(w);
    if (ArrayBuffer.isView(want) !== ArrayBuffer.isView(got) || isArray(want) !== isArray(got)) return false;
    if ((isArray(want) || ArrayBuffer.isView(want)) && g.length !== w.length) return false;
    return keys.every((k) => sameData(w[k], g[k], depth + 1));
  } catch {
    return false;
  }
}

/** The limits planning reads: each must be a positive integer. */
const PLAN_LIMITS = [
  'maxBufferSize',
  'maxStorageBufferBindingSize',
  'maxComputeWorkgroupsPerDimension',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupStorageSize',
  'minUniformBufferOffsetAlignment',
] as const;

/**
 * Reads the limits given to `plan` (a device's `limits`, or a plain object with the same
 * names) into a plain object, each read once: a missing, non-integer or non-positive value
 * is the parameter's error, never a plan built on NaN.
 */
export function readPlanLimits(param: string, value: unknown): GPUSupportedLimits {
  const rule = "must be a device's limits (GPUSupportedLimits, or an object with the same names)";
  if (value === null || typeof value !== 'object' || isArray(value)) invalid(param, value, rule);
  const out: Record<string, number> = {};
  for (const key of PLAN_LIMITS) {
    const v = readSafely(`${param}.${key}`, rule, () => (value as Record<string, unknown>)[key]);
    if (!isInt(v, 1, Number.MAX_SAFE_INTEGER)) invalid(`${param}.${key}`, v, 'must be a positive integer');
    out[key] = v;
  }
  return out as unknown as GPUSupportedLimits;
}

const PLAN_OPTION_KEYS = ['kernel', 'software', 'kernels', 'storage', 'guard', 'cores'] as const;

/** Reads `plan`'s options: unknown keys and values of the wrong kind are errors naming them. */
export function readPlanOptions(param: string, value: unknown): PlanOptions {
  const o = readOptions(param, value, PLAN_OPTION_KEYS, 'options of plan');
  return {
    kernel: checkKernelName(o.kernel ?? 'auto'),
    software: readBoolean(`${param}.software`, o.software, false),
    storage: oneOf(`${param}.storage`, o.storage, STORAGES, 'f32'),
    guard: readBoolean(`${param}.guard`, o.guard, false),
    ...(o.cores === undefined ? {} : { cores: readInt(`${param}.cores`, o.cores, null, 1, 4096) }),
    ...(o.kernels === undefined ? {} : { kernels: readKernels(`${param}.kernels`, o.kernels) }),
  };
}

/**
 * Plans a call over `kernels` (`options.kernels` is not read): picks the kernel (the given
 * one, or the lowest estimate for 'auto'), its variant, and the pieces that fit the device's
 * limits. The package's `plan` is this over the library's kernels (src/gpu/kernels/registry.ts).
 * @throws DeconvError('UNSUPPORTED_BY_KERNEL') when a named kernel cannot run `g`;
 *   DeconvError('DEVICE_LIMIT') when nothing fits; DeconvError('INVALID_ARGUMENT') for an
 *   unknown kernel name or one not in `kernels`.
 */
export function planWith(
  kernels: readonly Kernel[],
  g: ConvTransposeGeometry,
  limits: GPUSupportedLimits,
  options: PlanOptions = {},
): Plan {
  const env = envOf(limits, options);
  const want = checkKernelName(options.kernel ?? 'auto');
  if (want !== 'auto') kernelByName(want, kernels);
  const costs: Partial<Record<KernelName, number>> = {};
  const unsupported: Partial<Record<KernelName, string>> = {};
  const chosen = new Map<KernelName, { pieces: PlanPiece[]; variant: VariantKey; workgroups: number }>();
  const unbounded = {
    ...env,
    limits: { ...limitsRecord(limits), maxStorageBufferBindingSize: Infinity, maxBufferSize: Infinity },
  } as unknown as KernelEnv;
  const codes: Partial<Record<KernelName, 'UNSUPPORTED_BY_KERNEL' | 'DEVICE_LIMIT'>> = {};
  // No piece holds less than the whole filter: when it cannot be bound, say so before any kernel plans.
  const filterBytes = g.filterSize * elementBytes(env.storage);
  const tooBig =
    filterBytes > maxBinding(env.limits)
      ? `filter of ${filterBytes} bytes exceeds this device's largest storage binding (${maxBinding(env.limits)} bytes)`
      : null;
  for (const k of kernels) {
    if (want !== 'auto' && k.name !== want) continue;
    if (tooBig) {
      unsupported[k.name] = tooBig;
      codes[k.name] = 'DEVICE_LIMIT';
      continue;
    }
    // A reason that remains with unbounded buffers is about the geometry, not the device.
    const why = k.unsupported(g, unbounded);
    if (why) {
      unsupported[k.name] = why;
      codes[k.name] = 'UNSUPPORTED_BY_KERNEL';
      continue;
    }
    try {
      const pieces = splitPieces(k, g, env);
      const first = pieces[0]!.geometry;
      const choice = k.choose(first, env);
      const whole = first === g ? choice.cost : k.choose(g, env).cost;
      // Splitting repeats the filter reads and adds passes; charge it.
      costs[k.name] = whole + (pieces.length - 1) * adapterCosts(env).passOverhead * 4;
      chosen.set(k.name, { pieces, variant: choice.variant, workgroups: choice.workgroups });
    } catch (e) {
      if (!(e instanceof DeconvError)) throw e;
      unsupported[k.name] = e.message;
      codes[k.name] = e.code === 'DEVICE_LIMIT' ? 'DEVICE_LIMIT' : 'UNSUPPORTED_BY_KERNEL';
    }
  }
  let name: KernelName;
  let reason: string;
  if (want !== 'auto') {
    if (!chosen.has(want)) {
      const why = unsupported[want] ?? 'not available';
      throw new DeconvError(
        codes[want] ?? 'UNSUPPORTED_BY_KERNEL',
        `kernel '${want}' cannot run this geometry: ${why}`,
        'options.kernel',
      );
    }
    name = want;
    reason = `kernel '${want}' requested`;
  } else {
    const ranked = (Object.entries(costs) as [KernelName, number][]).sort((a, b) => a[1] - b[1]);
    if (ranked.length === 0) {
      // An engine given some kernels says which: the library's others may run the geometry.
      const which =
        kernels.length < KERNEL_NAMES.length
          ? `none of the kernels given (${kernels.map((k) => k.name).join(', ')}) can`
          : 'no kernel can';
      throw new DeconvError(
        'DEVICE_LIMIT',
        `${which} run this geometry on this device: ${whyNot(unsupported)}`,
        'inputShape',
      );
    }
    name = ranked[0]![0];
    const runnerUp = ranked[1];
    reason =
      `lowest estimated cost on a ${env.software ? 'software' : 'hardware'} adapter` +
      (runnerUp
        ? ` (the next, '${runnerUp[0]}', is estimated ${(runnerUp[1] / ranked[0]![1]).toFixed(2)}× costlier)`
        : '');
  }
  const { pieces, variant, workgroups } = chosen.get(name)!;
  const dispatch =
    workgroups > 0 ? { workgroups, grid: foldGrid(workgroups, limits.maxComputeWorkgroupsPerDimension) } : null;
  const subpixel = 'channels' in variant && 'wg' in variant ? (variant as unknown as SubpixelConfig) : null;
  return { kernel: name, reason, costs, unsupported, variant, subpixel, dispatch, pieces, storage: env.storage };
}

export type { SubpixelConfig };
