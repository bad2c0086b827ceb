/**
 * Fuzz properties of the engine, on the GPU (a Dawn device) and on the CPU backend: hostile
 * arguments, giant geometries on tiny data, arguments changed right after a call, misuse of
 * tensors and layers in flight, hostile engine options, and IEEE special values (the GPU's
 * NaN/∞ pattern equals the CPU reference's).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convTransposeCpu } from '../../src/cpu.js';
import { DeconvError } from '../../src/errors.js';
import type { Engine } from '../../src/gpu/engine.js';
import { isLibraryKernel, KERNEL_NAMES, type KernelName } from '../../src/gpu/kernel.js';
import { createEngine, getKernel } from '../../src/gpu/kernels/registry.js';
import type { GPUTensor } from '../../src/gpu/tensor.js';
import { resolveConvTranspose } from '../../src/geometry.js';
import { roundToHalf } from '../../src/half.js';
import type { ConvTransposeGeometry } from '../../src/types.js';
import { compare, compareHalf } from '../helpers/check.js';
import { getDevice } from '../helpers/gpu.js';
import { REJECT_MS, asyncOutcome, runProperty, sameError, syncOutcome, testTimeout, within } from './support.js';
import {
  EDGE_NUMBERS,
  argsOf,
  convCase,
  dataOf,
  giantCase,
  hostileValue,
  mutate,
  mutation,
  wrongValue,
  edgeNumber,
  type ConvArgs,
  type ConvCase,
  type Token,
} from './values.js';

let device: GPUDevice;
let gpu: Engine;
let cpu: Engine;
/** A WebGPU entry point without an adapter: engines made with it run on the CPU backend. */
const NO_ADAPTER = { requestAdapter: async () => null } as unknown as GPU;

beforeAll(async () => {
  ({ device } = await getDevice());
  gpu = await createEngine({ device, fallback: 'none' });
  cpu = await createEngine({ gpu: NO_ADAPTER });
  expect(cpu.backend).toBe('cpu');
});
afterAll(() => {
  gpu?.destroy();
  device?.destroy();
});

const backend = fc.constantFrom('gpu' as const, 'cpu' as const);
const engineOf = (b: 'gpu' | 'cpu'): Engine => (b === 'gpu' ? gpu : cpu);

/** Largest output and work a property runs on an engine. */
const RUN_LIMIT = { elements: 1 << 12, macs: 1 << 17 };

function runnable(g: ConvTransposeGeometry): boolean {
  return (
    g.outputSize <= RUN_LIMIT.elements &&
    g.usefulMacs <= RUN_LIMIT.macs &&
    g.inputSize <= RUN_LIMIT.elements &&
    g.filterSize <= RUN_LIMIT.elements
  );
}

/** One float: NaN, ±∞ or finite. */
function kind(x: number): string {
  return Number.isNaN(x) ? 'NaN' : x === Infinity ? '+∞' : x === -Infinity ? '−∞' : 'finite';
}

/**
 * GPU (or CPU backend) data against the CPU reference: the same NaN/±∞ pattern, finite
 * elements within tolerance (float32 accumulation against float64), or within one half ulp
 * for float16.
 */
function agree(what: string, got: Float32Array, want: Float32Array, half = false): void {
  if (got.length !== want.length) throw new Error(`${what}: ${got.length} elements, want ${want.length}`);
  for (let i = 0; i < got.length; i++) {
    if (kind(got[i]!) !== kind(want[i]!)) {
      throw new Error(`${what}: element ${i} is ${got[i]}, the CPU reference gives ${want[i]}`);
    }
  }
  const finite = (a: Float32Array) => a.map((x) => (Number.isFinite(x) ? x : 0));
  const c = half ? compareHalf(finite(got), finite(want)) : compare(finite(got), finite(want), 1e-4, 1e-4);
  if (!c.ok) throw new Error(`${what}: ${c.message}`);
}

/** The geometry of a case, or the DeconvError the CPU reference gives for its shapes and options. */
function geometry(a: () => ConvArgs): ConvTransposeGeometry | DeconvError {
  const args = a();
  const g = syncOutcome('resolveConvTranspose', () =>
    resolveConvTranspose(args.inputShape as number[], args.filterShape as number[], args.options as never),
  );
  return g.ok ? g.value : g.error;
}

/** The reference of a case, its DeconvError, or null when it is too large to run. */
function reference(a: () => ConvArgs): { g: ConvTransposeGeometry; data: Float32Array } | DeconvError | null {
  const g = syncOutcome('resolveConvTranspose', () => {
    const g = geometry(a);
    if (g instanceof DeconvError) throw g;
    return g;
  });
  if (!g.ok) return g.error;
  if (!runnable(g.value)) return null;
  const b = a();
  const r = syncOutcome(
    'convTransposeCpu',
    () =>
      convTransposeCpu(
        b.input as Float32Array,
        b.inputShape as number[],
        b.filter as Float32Array,
        b.filterShape as number[],
        b.options as never,
      ),
    { rejectMs: 2000 },
  );
  return r.ok ? { g: g.value, data: r.value.data } : r.error;
}

/** Engine-only options: the CPU reference ignores them, so only the engine rejects their values. */
const ENGINE_ONLY = /^options\.(kernel|dtype)/;

describe('fuzz: the engine on the GPU and on the CPU backend', () => {
  it(
    'hostile arguments: the CPU reference’s result or its DeconvError, on both backends',
    async () => {
      await runProperty(
        'engine-hostile-arguments',
        fc.asyncProperty(
          convCase(),
          fc.array(mutation(hostileValue), { maxLength: 3 }),
          backend,
          fc.constantFrom('convTranspose', 'plan', 'layer'),
          async (c, ms, b, entry) => {
            const e = engineOf(b);
            const fresh = () => mutate(argsOf(c), ms);
            const a = fresh();
            if (entry === 'plan') {
              const g = geometry(fresh);
              const p = syncOutcome(
                'engine.plan',
                () => e.plan(a.inputShape as number[], a.filterShape as number[], a.options as never),
                { acceptMs: 1000 },
              );
              if (g instanceof DeconvError) {
                if (p.ok) throw new Error(`engine.plan accepted what resolveConvTranspose rejects: ${g.message}`);
                if (!ENGINE_ONLY.test(p.error.param!)) sameError('engine.plan vs resolveConvTranspose', p.error, g);
              } else if (!p.ok && p.error.code === 'INVALID_ARGUMENT' && !ENGINE_ONLY.test(p.error.param!)) {
                throw new Error(`engine.plan rejected a valid geometry: ${p.error.message}`);
              }
              if (p.ok && b === 'cpu') expect(p.value).toBeNull();
              return;
            }
            const ref = reference(fresh);
            if (ref === null) return;
            if (entry === 'convTranspose') {
              const r = await asyncOutcome('engine.convTranspose', () =>
                e.convTranspose(
                  a.input as Float32Array,
                  a.inputShape as number[],
                  a.filter as Float32Array,
                  a.filterShape as number[],
                  a.options as never,
                ),
              );
              if (ref instanceof DeconvError) {
                if (r.ok) throw new Error(`the engine accepted what the CPU reference rejects: ${ref.message}`);
                if (!ENGINE_ONLY.test(r.error.param!)) sameError('engine vs CPU reference', r.error, ref);
                if (r.ms > REJECT_MS * 4) throw new Error(`the rejection took ${r.ms.toFixed(1)} ms`);
                return;
              }
              if (!r.ok) {
                if (ENGINE_ONLY.test(r.error.param!)) return;
                throw new Error(`the engine rejected what the CPU reference computes: ${r.error.message}`);
              }
              expect(r.value.shape).toEqual(ref.g.outputShape);
              agree(`engine.convTranspose (${b})`, r.value.data, ref.data);
              return;
            }
            // A prepared layer and a resident input: the same call in three steps.
            const layer = syncOutcome('engine.createConvTranspose', () =>
              e.createConvTranspose(a.filter as Float32Array, a.filterShape as number[], a.options as never),
            );
            if (!layer.ok) {
              if (!(ref instanceof DeconvError) && !ENGINE_ONLY.test(layer.error.param!)) {
                throw new Error(`createConvTranspose rejected what the CPU reference computes: ${layer.error.message}`);
              }
              return;
            }
            let x: GPUTensor | null = null;
            try {
              const up = syncOutcome('engine.upload', () =>
                e.upload(a.input as Float32Array, a.inputShape as number[]),
              );
              if (!up.ok) {
                if (!(ref instanceof DeconvError)) throw new Error(`upload rejected valid data: ${up.error.message}`);
                return;
              }
              x = up.value;
              const m0 = e.memory();
              const y = syncOutcome('layer.run', () => layer.value.run(x!));
              if (!y.ok) {
                expect(e.memory(), 'a failed run allocates nothing').toEqual(m0);
                if (!(ref instanceof DeconvError))
                  throw new Error(`layer.run rejected a valid input: ${y.error.message}`);
                return;
              }
              if (ref instanceof DeconvError)
                throw new Error(`the layer ran what the CPU reference rejects: ${ref.message}`);
              const data = await within(y.value.read(), 20_000, 'read');
              y.value.destroy();
              agree(`layer.run (${b})`, data, ref.data);
            } finally {
              x?.destroy();
              layer.value.destroy();
            }
          },
        ),
        10_000,
      );
    },
    testTimeout(10_000),
  );

  it(
    'giant strides, dilations and paddings on tiny data: the GPU equals the CPU reference; planning is quick',
    async () => {
      await runProperty(
        'engine-giant-geometries',
        fc.asyncProperty(giantCase, fc.integer(), async (c, seed) => {
          const g = syncOutcome('resolveConvTranspose', () =>
            resolveConvTranspose(c.inputShape, c.filterShape, c.options),
          );
          // Planning is O(rank) to reject and at most linear in the output (phase by phase) to accept.
          const p = syncOutcome('engine.plan', () => gpu.plan(c.inputShape, c.filterShape, c.options), {
            acceptMs: 1000,
          });
          if (!g.ok) {
            if (p.ok) throw new Error(`plan accepted an invalid geometry: ${g.error.message}`);
            sameError('plan vs resolve', p.error, g.error);
            return;
          }
          if (!p.ok) {
            // A valid geometry may be too large for the device, never invalid for it.
            expect(p.error.code).not.toBe('INVALID_ARGUMENT');
            return;
          }
          if (!runnable(g.value)) return;
          const input = dataOf(g.value.inputSize, seed, 0);
          const filter = dataOf(g.value.filterSize, seed + 1, 0);
          const want = convTransposeCpu(input, c.inputShape, filter, c.filterShape, c.options).data;
          for (const e of [gpu, cpu]) {
            const r = await asyncOutcome('engine.convTranspose', () =>
              e.convTranspose(input, c.inputShape, filter, c.filterShape, c.options),
            );
            if (!r.ok)
              throw new Error(`${e.backend}: rejected a geometry the CPU reference computes: ${r.error.message}`);
            agree(`giant geometry (${e.backend})`, r.value.data, want);
          }
        }),
        4_000,
      );
    },
    testTimeout(4_000),
  );

  it(
    'arguments changed right after a call returns change nothing',
    async () => {
      await runProperty(
        'engine-snapshots',
        fc.asyncProperty(
          convCase(),
          backend,
          fc.constantFrom('convTranspose', 'layer', 'upload', 'run-into'),
          fc.array(mutation(fc.oneof(wrongValue, edgeNumber)), { minLength: 1, maxLength: 4 }),
          async (c, b, scenario, later) => {
            const e = engineOf(b);
            const ref = convTransposeCpu(c.input, c.inputShape, c.filter, c.filterShape, c.options);
            if (!runnable(resolveConvTranspose(c.inputShape, c.filterShape, c.options))) return;
            const a = argsOf(c);
            /** Changes every array and option in place, as a caller reusing its objects would. */
            const scribble = () => {
              for (const arr of [a.input, a.filter, a.options.bias] as (Float32Array | undefined)[]) arr?.fill(NaN);
              for (const arr of [a.inputShape, a.filterShape] as number[][]) arr.fill(7);
              for (const v of Object.values(a.options)) if (Array.isArray(v)) v.fill(3);
              // Hostile values into the same arrays and options object.
              mutate({ ...a }, later);
              a.options.groups = 5;
              a.options.activation = 'relu';
            };
            let data: Float32Array;
            if (scenario === 'convTranspose') {
              const p = e.convTranspose(
                a.input as Float32Array,
                a.inputShape,
                a.filter as Float32Array,
                a.filterShape,
                a.options,
              );
              scribble();
              data = (await within(p, 20_000, 'convTranspose')).data;
            } else if (scenario === 'upload') {
              const t = e.upload(a.input as Float32Array, a.inputShape);
              scribble();
              data = await within(t.read(), 20_000, 'read');
              t.destroy();
              agree('upload', data, c.input);
              return;
            } else {
              const layer = e.createConvTranspose(a.filter as Float32Array, a.filterShape, a.options);
              const x = e.upload(a.input as Float32Array, a.inputShape);
              const into =
                scenario === 'run-into' ? e.upload(new Float32Array(ref.data.length).fill(9), ref.shape) : null;
              scribble();
              const y = into ? layer.run(x, { output: into }) : layer.run(x);
              x.destroy();
              layer.destroy();
              data = await within(y.read(), 20_000, 'read');
              y.destroy();
            }
            agree(`${scenario} (${b})`, data, ref.data);
          },
        ),
        5_000,
      );
    },
    testTimeout(5_000),
  );

  it(
    'misuse in flight: destroyed, foreign and reused tensors and layers give DeconvErrors; reads are right; nothing leaks',
    async () => {
      await runProperty(
        'engine-misuse',
        fc.asyncProperty(backend, fc.array(operation, { minLength: 1, maxLength: 14 }), async (b, ops) => {
          await misuse(engineOf(b), ops);
        }),
        6_000,
      );
    },
    testTimeout(6_000),
  );

  it(
    'hostile engine options: an engine that works, or a DeconvError',
    async () => {
      await runProperty(
        'engine-options',
        fc.asyncProperty(engineOptions, fc.array(mutation(hostileValue), { maxLength: 1 }), async (o, ms) => {
          const options = o.make();
          const made = await asyncOutcome('createEngine', () => createEngine(options as never), { settleMs: 20_000 });
          // A kernel list of library kernels is accepted exactly when it is non-empty and has no repeats.
          const given = (options as { kernels?: unknown }).kernels;
          const names = libraryKernelNames(given);
          const validList = names !== null && names.length > 0 && new Set(names).size === names.length;
          if (names !== null && !validList) expect(made.ok, `kernels ${names.join()} accepted`).toBe(false);
          if (!made.ok) {
            if (validList) expect(made.error.param ?? '').not.toMatch(/^options\.kernels/);
            return;
          }
          const e = made.value;
          if (validList && e.backend === 'webgpu') expect(e.kernels).toEqual(names);
          try {
            const c: ConvCase = {
              rank: 2,
              inputShape: [1, 2, 3, 3],
              filterShape: [2, 2, 3, 3],
              options: { strides: [2, 2], padding: [1, 1, 1, 1], activation: 'relu' },
              input: dataOf(18, 1, 0),
              filter: dataOf(36, 2, 0),
            };
            const want = convTransposeCpu(c.input, c.inputShape, c.filter, c.filterShape, c.options).data;
            const a = mutate(argsOf(c), ms);
            syncOutcome(
              'engine.plan',
              () => e.plan(a.inputShape as number[], a.filterShape as number[], a.options as never),
              {
                acceptMs: 250,
              },
            );
            const r = await asyncOutcome('engine.convTranspose', () =>
              e.convTranspose(c.input, c.inputShape, c.filter, c.filterShape, c.options),
            );
            // Lowered limits may leave the device too small: DEVICE_LIMIT, never a wrong answer.
            if (r.ok && e.backend === 'webgpu') expect(e.kernels).toContain(r.value.kernel);
            if (r.ok) agree('engine with hostile options', r.value.data, want);
            else expect(r.error.code).toBe('DEVICE_LIMIT');
            const t = syncOutcome('engine.upload', () => e.upload(c.input, c.inputShape));
            if (t.ok) {
              const read = await asyncOutcome('tensor.read', () => t.value.read());
              if (read.ok) agree('upload', read.value, c.input);
              t.value.destroy();
            }
          } finally {
            e.destroy();
          }
        }),
        4_000,
      );
    },
    testTimeout(4_000),
  );

  it(
    'IEEE special values: the GPU gives the CPU reference’s NaN/∞ pattern, finite values within tolerance',
    async () => {
      await runProperty(
        'engine-ieee',
        fc.asyncProperty(
          convCase(0.15),
          fc.constantFrom('float32', 'float32', 'float16'),
          fc.boolean(),
          async (c, dtype, viaLayer) => {
            const g = resolveConvTranspose(c.inputShape, c.filterShape, c.options);
            if (!runnable(g)) return;
            const half = dtype === 'float16';
            // A float16 call computes on half-rounded data and bias.
            const round = (d: Float32Array) => (half ? roundToHalf(d) : d);
            const options = { ...c.options, ...(c.options.bias ? { bias: round(c.options.bias) } : {}) };
            const want = convTransposeCpu(round(c.input), c.inputShape, round(c.filter), c.filterShape, options).data;
            const expected = half ? roundToHalf(want) : want;
            for (const e of [gpu, cpu]) {
              let got: Float32Array;
              if (viaLayer) {
                const layer = e.createConvTranspose(c.filter, c.filterShape, { ...c.options, dtype });
                const x = e.upload(c.input, c.inputShape, { dtype });
                const y = layer.run(x);
                got = await within(y.read(), 20_000, 'read');
                [x, y].forEach((t) => t.destroy());
                layer.destroy();
              } else {
                got = (
                  await within(
                    e.convTranspose(c.input, c.inputShape, c.filter, c.filterShape, { ...c.options, dtype }),
                    20_000,
                    'convTranspose',
                  )
                ).data;
              }
              agree(`${e.backend} ${dtype}${viaLayer ? ' layer' : ''}`, got, expected, half);
            }
          },
        ),
        7_000,
      );
    },
    testTimeout(7_000),
  );
});

// ---------------------------------------------------------------------------------------
// Misuse in flight: random sequences of tensor and layer operations against a model.

type Op =
  | { op: 'upload'; n: number }
  | { op: 'read'; t: number }
  | { op: 'destroy'; t: number }
  | { op: 'readThenDestroy'; t: number }
  | { op: 'layer'; l: number }
  | { op: 'run'; l: number; t: number; into: number | null }
  | { op: 'destroyLayer'; l: number }
  | { op: 'kernelFor'; l: number; t: number }
  | { op: 'foreign'; l: number };

const slot = fc.nat(5);
const operation: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('upload' as const), n: fc.nat(3) }),
  fc.record({ op: fc.constant('read' as const), t: slot }),
  fc.record({ op: fc.constant('destroy' as const), t: slot }),
  fc.record({ op: fc.constant('readThenDestroy' as const), t: slot }),
  fc.record({ op: fc.constant('layer' as const), l: fc.nat(2) }),
  fc.record({ op: fc.constant('run' as const), l: slot, t: slot, into: fc.option(slot) }),
  fc.record({ op: fc.constant('destroyLayer' as const), l: slot }),
  fc.record({ op: fc.constant('kernelFor' as const), l: slot, t: slot }),
  fc.record({ op: fc.constant('foreign' as const), l: slot }),
);

/** Layers the sequences use: 2 channels in and out, so any layer runs on any tensor of shape [1, 2, 3, 3]… */
const LAYERS = [
  { filterShape: [2, 2, 1, 1], options: {} },
  { filterShape: [2, 2, 3, 3], options: { padding: [1, 1, 1, 1] } },
  { filterShape: [2, 1, 3, 3], options: { groups: 2, padding: [1, 1, 1, 1], activation: 'tanh' as const } },
];
/** …and the shapes uploads use (the last has 3 channels: every layer rejects it). */
const SHAPES = [
  [1, 2, 3, 3],
  [2, 2, 3, 3],
  [1, 2, 1, 5],
  [1, 3, 3, 3],
];

interface TensorModel {
  tensor: GPUTensor;
  shape: number[];
  data: Float32Array;
  destroyed: boolean;
}

async function misuse(e: Engine, ops: readonly Op[]): Promise<void> {
  const tensors: TensorModel[] = [];
  const layers: {
    layer: ReturnType<Engine['createConvTranspose']>;
    spec: (typeof LAYERS)[number];
    filter: Float32Array;
    destroyed: boolean;
  }[] = [];
  const reads: { what: string; p: Promise<Float32Array>; want: Float32Array | 'DeconvError' }[] = [];
  const baseline = e.memory();
  const at = <T>(list: T[], i: number): T | undefined => list[i % Math.max(1, list.length)];
  let other: Engine | null = null;
  try {
    for (const o of ops) {
      const before = e.memory();
      /** A synchronous step: a DeconvError leaves the engine's memory as it was. */
      const step = <T>(what: string, fn: () => T, codes: ('INVALID_ARGUMENT' | 'DESTROYED')[]) => {
        const r = syncOutcome(what, fn, { codes, rejectMs: 200 });
        if (!r.ok) expect(e.memory(), `${what} failed and must allocate nothing`).toEqual(before);
        return r;
      };
      switch (o.op) {
        case 'upload': {
          const shape = SHAPES[o.n]!;
          const data = dataOf(
            shape.reduce((x, y) => x * y, 1),
            tensors.length,
            0,
          );
          const r = step('upload', () => e.upload(data, shape), []);
          if (!r.ok) throw new Error('upload failed');
          tensors.push({ tensor: r.value, shape, data: new Float32Array(data), destroyed: false });
          data.fill(NaN); // the tensor holds a copy
          break;
        }
        case 'read':
        case 'readThenDestroy': {
          const t = at(tensors, o.t);
          if (!t) break;
          const p = t.tensor.read();
          p.catch(() => undefined);
          reads.push({ what: `read of ${tensors.indexOf(t)}`, p, want: t.destroyed ? 'DeconvError' : t.data });
          if (o.op === 'readThenDestroy') {
            t.tensor.destroy();
            t.destroyed = true;
          }
          break;
        }
        case 'destroy': {
          const t = at(tensors, o.t);
          if (!t) break;
          t.tensor.destroy();
          t.destroyed = true;
          break;
        }
        case 'layer': {
          const spec = LAYERS[o.l]!;
          const filter = dataOf(
            spec.filterShape.reduce((x, y) => x * y, 1),
            50 + layers.length,
            0,
          );
          const layer = e.createConvTranspose(filter, spec.filterShape, spec.options);
          layers.push({ layer, spec, filter, destroyed: false });
          break;
        }
        case 'run': {
          const l = at(layers, o.l);
          const x = at(tensors, o.t);
          if (!l || !x) break;
          const into = o.into === null ? undefined : at(tensors, o.into);
          const r = step('layer.run', () => l.layer.run(x.tensor, into ? { output: into.tensor } : {}), [
            'INVALID_ARGUMENT',
            'DESTROYED',
          ]);
          const want =
            x.destroyed || l.destroyed || x.shape[1] !== 2
              ? null
              : convTransposeCpu(x.data, x.shape, l.filter, l.spec.filterShape, l.spec.options);
          if (
            r.ok !== (want !== null && (!into || (!into.destroyed && into !== x && sameShape(into.shape, want.shape))))
          ) {
            throw new Error(`layer.run ${r.ok ? 'succeeded' : `failed (${r.error.message})`} against the model`);
          }
          if (!r.ok) {
            if (l.destroyed) expect(r.error.code).toBe('DESTROYED');
            break;
          }
          if (into) into.data = want!.data;
          else tensors.push({ tensor: r.value, shape: want!.shape, data: want!.data, destroyed: false });
          break;
        }
        case 'destroyLayer': {
          const l = at(layers, o.l);
          if (!l) break;
          l.layer.destroy();
          l.destroyed = true;
          break;
        }
        case 'kernelFor': {
          const l = at(layers, o.l);
          const x = at(tensors, o.t);
          if (!l || !x) break;
          const r = step('layer.kernelFor', () => l.layer.kernelFor(x.shape), ['INVALID_ARGUMENT', 'DESTROYED']);
          if (r.ok === (l.destroyed || x.shape[1] !== 2))
            throw new Error(`kernelFor ${r.ok ? 'succeeded' : 'failed'} against the model`);
          break;
        }
        case 'foreign': {
          const l = at(layers, o.l);
          if (!l) break;
          other ??= await createEngine(e.backend === 'cpu' ? { gpu: NO_ADAPTER } : { device });
          const t = other.upload(new Float32Array(18), [1, 2, 3, 3]);
          const r = step('layer.run (a tensor of another engine)', () => l.layer.run(t), [
            'INVALID_ARGUMENT',
            'DESTROYED',
          ]);
          if (r.ok) throw new Error('a layer ran a tensor of another engine');
          t.destroy();
          break;
        }
      }
    }
    for (const r of reads) {
      const got = await asyncOutcome(r.what, () => r.p, { codes: ['INVALID_ARGUMENT'] });
      if (r.want === 'DeconvError') {
        if (got.ok) throw new Error(`${r.what}: a destroyed tensor was read`);
      } else {
        if (!got.ok) throw new Error(`${r.what}: ${got.error.message}`);
        agree(r.what, got.value, r.want);
      }
    }
  } finally {
    for (const t of tensors) t.tensor.destroy();
    for (const l of layers) l.layer.destroy();
    other?.destroy();
    await Promise.allSettled(reads.map((r) => r.p));
  }
  // Everything made is destroyed: once the queue is idle (scratch goes back to the pool when
  // the work is done), only pooled buffers may remain.
  await e.device?.queue.onSubmittedWorkDone();
  await new Promise((r) => setTimeout(r, 0));
  const end = e.memory();
  expect(end.buffers - end.pooledBuffers, 'live buffers after destroying everything').toBe(
    baseline.buffers - baseline.pooledBuffers,
  );
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

// ---------------------------------------------------------------------------------------
// Engine options.

/** A description of engine options, made fresh per run (devices and Proxies cannot be printed or shared). */
interface OptionsToken {
  make(): unknown;
  [fc.toStringMethod](): string;
}

function optionsToken(label: string, make: () => unknown): OptionsToken {
  return { make, [fc.toStringMethod]: () => label };
}

const LIMIT_NAMES = [
  'maxBufferSize',
  'maxStorageBufferBindingSize',
  'maxComputeWorkgroupsPerDimension',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupStorageSize',
  'maxStorageBuffersPerShaderStage',
  'minUniformBufferOffsetAlignment',
  'minStorageBufferOffsetAlignment',
  'maxUniformBufferBindingSize',
];

const fakeGpu = fc.constantFrom(
  optionsToken('gpu without adapter', () => NO_ADAPTER),
  optionsToken('gpu whose requestAdapter throws', () => ({
    requestAdapter: () => {
      throw new Error('no');
    },
  })),
  optionsToken('gpu whose requestAdapter rejects with a BigInt', () => ({ requestAdapter: () => Promise.reject(5n) })),
  optionsToken('gpu whose requestAdapter gives {}', () => ({ requestAdapter: async () => ({}) })),
  optionsToken('gpu whose requestAdapter gives 5', () => ({ requestAdapter: async () => 5 })),
  optionsToken('gpu whose adapter has no requestDevice', () => ({
    requestAdapter: async () => ({ limits: {}, features: new Set() }),
  })),
  optionsToken('gpu whose adapter has a revoked Proxy as limits', () => ({
    requestAdapter: async () => ({ limits: revokedProxy(), features: new Set(), requestDevice: async () => ({}) }),
  })),
  optionsToken('gpu whose requestDevice gives {}', () => ({
    requestAdapter: async () => ({ limits: {}, features: new Set(), requestDevice: async () => ({}) }),
  })),
);

function revokedProxy(): object {
  const r = Proxy.revocable({}, {});
  r.revoke();
  return r.proxy;
}

/** Device-like objects that are not devices, and the real one. */
const fakeDevice = fc.constantFrom(
  optionsToken('the device', () => device),
  optionsToken('a transparent Proxy of the device', () => new Proxy(device, {})),
  optionsToken('{}', () => ({})),
  optionsToken('an object with the three methods checked', () => ({
    createBuffer() {},
    createComputePipeline() {},
    pushErrorScope() {},
  })),
  optionsToken('the three methods and a lost promise', () => ({
    createBuffer() {},
    createComputePipeline() {},
    pushErrorScope() {},
    lost: new Promise(() => undefined),
  })),
  optionsToken('the three methods, lost and limits 5', () => ({
    createBuffer() {},
    createComputePipeline() {},
    pushErrorScope() {},
    lost: new Promise(() => undefined),
    limits: 5,
    features: 5,
  })),
  optionsToken('a revoked Proxy', revokedProxy),
);

const limitValue = fc.oneof(
  fc.constantFrom(...EDGE_NUMBERS),
  fc.integer({ min: 1, max: 1 << 12 }),
  fc.constantFrom(4, 16, 64, 256, 1 << 16, 1 << 20),
);

/** Engine options: some valid, most hostile, keys in any combination. */
/** The names of a short plain array of library kernels, else null (never throws, never walks a huge length). */
function libraryKernelNames(value: unknown): KernelName[] | null {
  try {
    if (!Array.isArray(value) || value.length > KERNEL_NAMES.length + 1) return null;
    return value.every(isLibraryKernel) ? value.map((k) => k.name) : null;
  } catch {
    return null;
  }
}

const engineOptions: fc.Arbitrary<OptionsToken> = fc
  .record(
    {
      gpu: fakeGpu,
      device: fakeDevice,
      fallback: fc.oneof(fc.constantFrom('cpu', 'none'), wrongValue),
      limits: fc.oneof(
        fc.dictionary(fc.constantFrom(...LIMIT_NAMES), limitValue, { maxKeys: 3 }).map((l) => ({ l })),
        wrongValue.map((t) => ({ t })),
      ),
      software: fc.oneof(fc.boolean(), wrongValue),
      pool: fc.oneof(
        fc
          .record({ bytes: limitValue, buffers: limitValue, largest: limitValue }, { requiredKeys: [] })
          .map((p) => ({ p })),
        wrongValue.map((t) => ({ t })),
      ),
      autotune: fc.oneof(fc.boolean(), wrongValue),
      // Kernel names, made into the kernel objects (empty lists and repeats included).
      kernels: fc.oneof(
        fc.array(fc.constantFrom(...KERNEL_NAMES), { maxLength: 6 }).map((n) => ({ n })),
        wrongValue.map((t) => ({ t })),
      ),
      fallbak: fc.constant('none'),
    },
    { requiredKeys: [] },
  )
  .map((spec) =>
    optionsToken(fc.stringify(spec), () => {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(spec)) {
        if (v && typeof v === 'object' && 'make' in v) out[k] = (v as OptionsToken | Token).make(undefined);
        else if (v && typeof v === 'object' && 'l' in v) out[k] = { ...(v as { l: object }).l };
        else if (v && typeof v === 'object' && 'p' in v) out[k] = { ...(v as { p: object }).p };
        else if (v && typeof v === 'object' && 'n' in v) out[k] = (v as { n: KernelName[] }).n.map(getKernel);
        else if (v && typeof v === 'object' && 't' in v) out[k] = (v as { t: Token }).t.make(undefined);
        else out[k] = v;
      }
      // No gpu and no device would mean navigator.gpu (absent in Node): the CPU backend.
      return out;
    }),
  );
