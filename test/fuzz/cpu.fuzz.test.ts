/**
 * Fuzz properties of the pure API (geometry and the CPU reference): hostile arguments
 * anywhere give a result or a quick DeconvError naming the parameter, and every geometry
 * the library accepts is the exact one the rules give (checked in BigInt).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { conv2dCpu, convCpu, convTranspose2dCpu, convTransposeCpu } from '../../src/cpu.js';
import { resolveConvTranspose, resolveConvTranspose2d } from '../../src/geometry.js';
import { plan, getKernel } from '../../src/gpu/kernels/registry.js';
import type { ConvTransposeGeometry } from '../../src/types.js';
import { DEFAULT_LIMITS } from '../helpers/check.js';
import { REJECT_MS, runProperty, sameError, syncOutcome, testTimeout } from './support.js';
import {
  argsOf,
  convCase,
  dataOf,
  giantCase,
  hostileValue,
  mutate,
  mutation,
  preserving,
  type ConvArgs,
  type ConvCase,
  type GiantCase,
} from './values.js';

type Call<T> = (a: ConvArgs) => T;
const resolveCall: Call<ConvTransposeGeometry> = (a) =>
  resolveConvTranspose(a.inputShape as number[], a.filterShape as number[], a.options as never);
const cpuCall: Call<{ data: Float32Array; shape: number[] }> = (a) =>
  convTransposeCpu(
    a.input as Float32Array,
    a.inputShape as number[],
    a.filter as Float32Array,
    a.filterShape as number[],
    a.options as never,
  );

/** Largest output (elements) and work (multiply-adds) a property computes; larger valid calls are only resolved. */
export const COMPUTE_LIMIT = { elements: 1 << 14, macs: 1 << 20 };

function small(g: ConvTransposeGeometry): boolean {
  // The filter too: a 2^30-tap kernel on one pixel has few useful products but 2^30 weights to make and visit.
  return (
    g.outputSize <= COMPUTE_LIMIT.elements &&
    g.usefulMacs <= COMPUTE_LIMIT.macs &&
    g.filterSize <= COMPUTE_LIMIT.elements
  );
}

/** Bitwise equality of float32 data (NaN equals NaN). */
function sameData(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && a.every((x, i) => Object.is(x, b[i]) || (x === 0 && b[i] === 0));
}

describe('fuzz: geometry and the CPU reference', () => {
  it(
    'hostile arguments: a correct result or the same DeconvError from every entry point',
    async () => {
      await runProperty(
        'cpu-hostile-arguments',
        fc.property(convCase(), fc.array(mutation(hostileValue), { maxLength: 3 }), (c, ms) => {
          const fresh = () => mutate(argsOf(c), ms);
          const a0 = fresh();
          const g = syncOutcome('resolveConvTranspose', () => resolveCall(a0));
          const a1 = fresh();
          const g2 = syncOutcome('resolveConvTranspose2d', () =>
            resolveConvTranspose2d(a1.inputShape as number[], a1.filterShape as number[], a1.options as never),
          );
          if (g.ok && g.value.rank === 2) {
            if (!g2.ok)
              throw new Error(
                `resolveConvTranspose2d rejected a 2-D call the generic one accepts: ${g2.error.message}`,
              );
            expect(g2.value.outputShape).toEqual(g.value.outputShape);
          } else if (g.ok) {
            expect(g2.ok ? 'accepted' : g2.error.param).toBe('inputShape');
          } else if (g2.ok) {
            throw new Error(`resolveConvTranspose2d accepted what the generic one rejects: ${g.error.message}`);
          }
          if (g.ok && !small(g.value)) return;
          const a2 = fresh();
          const r = syncOutcome('convTransposeCpu', () => cpuCall(a2), { rejectMs: g.ok ? 2000 : undefined });
          if (!g.ok) {
            if (r.ok)
              throw new Error(`convTransposeCpu accepted what resolveConvTranspose rejects: ${g.error.message}`);
            sameError('convTransposeCpu vs resolveConvTranspose', r.error, g.error);
            return;
          }
          if (!r.ok) {
            // Only the data can be wrong once the geometry is valid.
            expect(r.error.param).toMatch(/^(input|filter)(\.length)?$/);
            return;
          }
          expect(r.value.shape).toEqual(g.value.outputShape);
          expect(r.value.data).toBeInstanceOf(Float32Array);
          expect(r.value.data.length).toBe(g.value.outputSize);
          if (preserving(ms)) {
            const a = argsOf(c);
            const want = cpuCall(a).data;
            if (!sameData(r.value.data, want)) throw new Error('a meaning-preserving change changed the result');
          }
          if (g.value.rank === 2) {
            const a = fresh();
            const r2 = syncOutcome(
              'convTranspose2dCpu',
              () => {
                return convTranspose2dCpu(
                  a.input as Float32Array,
                  a.inputShape as number[],
                  a.filter as Float32Array,
                  a.filterShape as number[],
                  a.options as never,
                );
              },
              { rejectMs: 2000 },
            );
            if (!r2.ok || !sameData(r2.value.data, r.value.data))
              throw new Error('convTranspose2dCpu differs from convTransposeCpu');
          }
        }),
        8_000,
      );
    },
    testTimeout(8_000),
  );

  it(
    'giant geometries: accepted exactly when the rules allow, in O(rank) time, with exact sizes',
    async () => {
      await runProperty(
        'cpu-giant-geometries',
        fc.property(giantCase, fc.integer(), (c, seed) => {
          const g = syncOutcome(
            'resolveConvTranspose',
            () => resolveConvTranspose(c.inputShape, c.filterShape, c.options),
            {
              codes: ['INVALID_ARGUMENT'],
              acceptMs: REJECT_MS,
            },
          );
          const want = rulesOf(c);
          if (typeof want === 'string') {
            if (g.ok) throw new Error(`accepted, but the rules say: ${want}`);
            return;
          }
          if (!g.ok) throw new Error(`rejected a geometry the rules allow: ${g.error.message}`);
          expect(g.value.outSizes).toEqual(want.outSizes);
          expect(g.value.fullSizes).toEqual(want.fullSizes);
          expect(g.value.outputSize).toBe(want.outputSize);
          if (g.value.inputSize > 256 || !small(g.value)) return;
          // Tiny data with giant strides, dilations or paddings: the reference against a BigInt scatter.
          const input = dataOf(g.value.inputSize, seed, 0);
          const filter = dataOf(g.value.filterSize, seed + 1, 0);
          const got = convTransposeCpu(input, c.inputShape, filter, c.filterShape, c.options).data;
          const ref = bigScatter(c, want.outSizes, input, filter);
          for (let i = 0; i < ref.length; i++) {
            if (Math.abs(got[i]! - ref[i]!) > 1e-5 * (1 + Math.abs(ref[i]!))) {
              throw new Error(`element ${i}: ${got[i]} ≠ ${ref[i]}`);
            }
          }
        }),
        5_000,
      );
    },
    testTimeout(5_000),
  );

  it(
    'the forward convolution: hostile arguments give a result or a quick DeconvError',
    async () => {
      await runProperty(
        'cpu-forward-hostile',
        fc.property(convCase(), fc.array(mutation(hostileValue), { maxLength: 3 }), fc.boolean(), (c, ms, twoD) => {
          const a = mutate(forwardArgs(c), ms);
          if (forwardTooLarge(a)) return;
          const call = twoD ? conv2dCpu : convCpu;
          const r = syncOutcome(
            twoD ? 'conv2dCpu' : 'convCpu',
            () =>
              call(
                a.input as Float32Array,
                a.inputShape as number[],
                a.filter as Float32Array,
                a.filterShape as number[],
                a.options as never,
              ),
            { rejectMs: 50 },
          );
          if (r.ok) expect(r.value.data.length).toBe(r.value.shape.reduce((x, y) => x * y, 1));
        }),
        4_000,
      );
    },
    testTimeout(4_000),
  );

  it(
    'plan: a hostile geometry, limits or options give a plan or a quick DeconvError naming them',
    async () => {
      await runProperty(
        'cpu-plan-hostile',
        fc.property(
          convCase(),
          fc.array(
            fc.record({
              where: fc.constantFrom('g', 'limits', 'options'),
              key: fc.constantFrom(...PLAN_TARGETS),
              value: hostileValue,
            }),
            { minLength: 1, maxLength: 3 },
          ),
          (c, ms) => {
            const g0 = resolveConvTranspose(c.inputShape, c.filterShape, c.options);
            if (!small(g0)) return;
            const args: Record<'g' | 'limits' | 'options', unknown> = {
              g: { ...g0 },
              limits: { ...PLAN_LIMITS },
              options: { software: true, kernels: [getKernel('scatter'), getKernel('subpixel')] },
            };
            for (const m of ms) {
              const target = args[m.where];
              try {
                // A key of the place, or the whole argument (one target in four).
                if (m.key === '' || target === null || typeof target !== 'object' || Object.isFrozen(target)) {
                  args[m.where] = m.value.make(target);
                } else {
                  const t = target as Record<string, unknown>;
                  t[m.key] = m.value.make(t[m.key]);
                }
              } catch {
                // A place made hostile by an earlier mutation (a revoked Proxy): leave it so.
              }
            }
            const r = syncOutcome('plan', () => plan(args.g as never, args.limits as never, args.options as never), {
              codes: ['INVALID_ARGUMENT', 'DEVICE_LIMIT', 'UNSUPPORTED_BY_KERNEL'],
            });
            if (!r.ok) {
              if (r.error.code === 'INVALID_ARGUMENT') expect(r.error.param).toMatch(/^(g|limits|options)\b/);
              return;
            }
            // A plan covers the geometry the arguments describe, exactly.
            const g = r.value.pieces[0]!.geometry;
            expect(r.value.pieces.length).toBeGreaterThan(0);
            const outputs = r.value.pieces.reduce((n, p) => n + p.geometry.outputSize, 0);
            const whole = resolveConvTranspose(g0.inputShape, g0.filterShape, c.options);
            if (r.value.pieces.length === 1) expect(g.outputShape).toEqual(whole.outputShape);
            expect(outputs).toBeLessThanOrEqual(whole.outputSize * 2);
          },
        ),
        3_000,
      );
    },
    testTimeout(3_000),
  );
});

const FORWARD_LAYOUT: Record<string, string> = {
  iow: 'oiw',
  woi: 'wio',
  owi: 'iwo',
  iohw: 'oihw',
  hwoi: 'hwio',
  ohwi: 'ihwo',
  iodhw: 'oidhw',
  dhwoi: 'dhwio',
  odhwi: 'idhwo',
};

/** The forward convolution the case's transposed one is the adjoint of: the case's output is its input. */
function forwardArgs(c: ConvCase): ConvArgs {
  const g = resolveConvTranspose(c.inputShape, c.filterShape, c.options);
  const o = c.options;
  return {
    input: dataOf(g.outputSize, 7, 0),
    inputShape: [...g.outputShape],
    filter: new Float32Array(c.filter),
    filterShape: [...c.filterShape],
    options: {
      strides: [...(o.strides ?? [])],
      dilations: [...(o.dilations ?? [])],
      padding: [...(o.padding ?? [])],
      groups: o.groups,
      inputLayout: o.inputLayout,
      filterLayout: FORWARD_LAYOUT[o.filterLayout as string],
    },
  };
}

/** True when a forward call's plain numbers describe an output too large to compute in a property. */
function forwardTooLarge(a: ConvArgs): boolean {
  try {
    return largeNumbers(a);
  } catch {
    return false; // unreadable values: the call must reject them
  }
}

function largeNumbers(a: ConvArgs): boolean {
  // Short arrays only: a sparse array of length 2^32 − 1 is a hostile value too.
  const nums = (v: unknown): number[] =>
    Array.isArray(v) && v.length <= 16 ? v.filter((x): x is number => typeof x === 'number') : [];
  const o = (a.options ?? {}) as Record<string, unknown>;
  const all = [...nums(a.inputShape), ...nums(o.padding), ...nums(o.strides), ...nums(o.outputSizes)];
  const inputCount = nums(a.inputShape).reduce((x, y) => x * Math.abs(y), 1);
  const padded = nums(o.padding).reduce((x, y) => x + Math.abs(y), 0);
  return all.some((x) => Math.abs(x) > 1 << 16) && (inputCount > 1 << 14 || padded > 1 << 12);
}

/** What the rules give for a giant case (channels first, default layouts), computed in BigInt, or why it is invalid. */
function rulesOf(c: GiantCase): string | { outSizes: number[]; fullSizes: number[]; outputSize: number } {
  const MAX_INDEX = 2n ** 31n - 1n;
  const MAX_ELEMENTS = 2n ** 32n - 1n;
  const ints = [...c.inputShape, ...c.filterShape, ...c.options.strides, ...c.options.dilations, ...c.options.padding];
  if (ints.some((v) => !Number.isSafeInteger(v) || BigInt(v) > MAX_INDEX)) return 'a value is past 2^31 − 1';
  const prod = (xs: number[]) => xs.reduce((p, x) => p * BigInt(x), 1n);
  if (prod(c.inputShape) > MAX_ELEMENTS) return 'the input has more than 2^32 − 1 elements';
  if (prod(c.filterShape) > MAX_ELEMENTS) return 'the filter has more than 2^32 − 1 elements';
  const rank = c.inputShape.length - 2;
  const outSizes: bigint[] = [];
  const fullSizes: bigint[] = [];
  for (let a = 0; a < rank; a++) {
    const [n, k, s, d] = [
      c.inputShape[a + 2]!,
      c.filterShape[a + 2]!,
      c.options.strides[a]!,
      c.options.dilations[a]!,
    ].map(BigInt) as [bigint, bigint, bigint, bigint];
    const full = (n - 1n) * s + d * (k - 1n) + 1n;
    if (full > MAX_INDEX) return `axis ${a}: the full size ${full} is past 2^31 − 1`;
    const op = BigInt(c.options.outputPadding?.[a] ?? 0);
    if (op >= (s > d ? s : d)) return `axis ${a}: outputPadding ≥ max(stride, dilation)`;
    const out = full - BigInt(c.options.padding[2 * a]!) - BigInt(c.options.padding[2 * a + 1]!) + op;
    if (out < 1n) return `axis ${a}: the output is empty`;
    if (out > MAX_INDEX) return `axis ${a}: the output is past 2^31 − 1`;
    fullSizes.push(full);
    outSizes.push(out);
  }
  if (BigInt(c.filterShape[1]!) > MAX_INDEX) return 'too many output channels';
  const outputSize = BigInt(c.inputShape[0]!) * BigInt(c.filterShape[1]!) * outSizes.reduce((p, x) => p * x, 1n);
  if (outputSize > MAX_ELEMENTS) return 'the output has more than 2^32 − 1 elements';
  return { outSizes: outSizes.map(Number), fullSizes: fullSizes.map(Number), outputSize: Number(outputSize) };
}

/** The transposed convolution by its definition, every coordinate in BigInt (channels first, 'io…' filter, groups 1). */
function bigScatter(c: GiantCase, outSizes: number[], input: Float32Array, filter: Float32Array): Float64Array {
  const rank = c.inputShape.length - 2;
  const [batch, cin] = c.inputShape as [number, number];
  const cout = c.filterShape[1]!;
  const inSizes = c.inputShape.slice(2);
  const ks = c.filterShape.slice(2);
  const out = new Float64Array(batch * cout * outSizes.reduce((p, x) => p * x, 1));
  const inSpatial = inSizes.reduce((p, x) => p * x, 1);
  const kSpatial = ks.reduce((p, x) => p * x, 1);
  const outSpatial = outSizes.reduce((p, x) => p * x, 1);
  const coords = (flat: number, sizes: number[]) => {
    const r: number[] = [];
    for (let a = sizes.length - 1; a >= 0; a--) {
      r[a] = flat % sizes[a]!;
      flat = Math.floor(flat / sizes[a]!);
    }
    return r;
  };
  for (let n = 0; n < batch; n++) {
    for (let ci = 0; ci < cin; ci++) {
      for (let p = 0; p < inSpatial; p++) {
        const x = input[(n * cin + ci) * inSpatial + p]!;
        const ip = coords(p, inSizes);
        for (let t = 0; t < kSpatial; t++) {
          const kt = coords(t, ks);
          let flat = 0n;
          let inside = true;
          for (let a = 0; a < rank; a++) {
            const o =
              BigInt(ip[a]!) * BigInt(c.options.strides[a]!) +
              BigInt(kt[a]!) * BigInt(c.options.dilations[a]!) -
              BigInt(c.options.padding[2 * a]!);
            if (o < 0n || o >= BigInt(outSizes[a]!)) inside = false;
            flat = flat * BigInt(outSizes[a]!) + o;
          }
          if (!inside) continue;
          for (let co = 0; co < cout; co++) {
            out[(n * cout + co) * outSpatial + Number(flat)]! += x * filter[(ci * cout + co) * kSpatial + t]!;
          }
        }
      }
    }
  }
  return out;
}

/** Limits for `plan`: WebGPU's defaults. */
const PLAN_LIMITS = DEFAULT_LIMITS as unknown as Record<string, number>;

/** Where `plan`'s property puts a hostile value: a key of the geometry, limits or options ('' for the whole argument). */
const PLAN_TARGETS = [
  '',
  '',
  '',
  'inputShape',
  'filterShape',
  'strides',
  'padding',
  'outputPadding',
  'groups',
  'bias',
  'outputSize',
  'outSizes',
  'inputStrides',
  ...Object.keys(PLAN_LIMITS),
  'kernel',
  'kernels',
  'software',
  'storage',
  'cores',
  'guard',
];
