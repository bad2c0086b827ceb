/**
 * Fuzz properties of the framework adapters, the conversions, the initializers and the
 * float16 helpers: hostile arguments give a result or a quick DeconvError; options an adapter
 * returns are valid canonical options; a conversion rejects exactly what the geometry rejects.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import * as convert from '../../src/convert.js';
import * as frameworks from '../../src/frameworks.js';
import { resolveConvTranspose } from '../../src/geometry.js';
import { createEngine } from '../../src/gpu/kernels/registry.js';
import { fromHalf, toHalf } from '../../src/half.js';
import * as init from '../../src/init.js';
import { loadTorchDecoder } from '../../src/torch-model.js';
import { runProperty, syncOutcome, testTimeout } from './support.js';
import { argsOf, convCase, dataOf, giantCase, hostileValue, mutate, mutation, type Token } from './values.js';

/** A parameter value: a plausible one (a small integer, a pair, a framework's word) or a hostile one. */
const param: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 4 }) },
  { weight: 2, arbitrary: fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 })) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'SAME',
      'VALID',
      'same',
      'valid',
      'NOTSET',
      'SAME_UPPER',
      'NCHW',
      'NHWC',
      'channels_first',
      'zeros',
      true,
      false,
      null,
    ),
  },
  { weight: 2, arbitrary: hostileValue },
);

const KEYS = {
  fromTorch: [
    'inChannels',
    'outChannels',
    'kernelSize',
    'stride',
    'padding',
    'outputPadding',
    'groups',
    'bias',
    'dilation',
    'paddingMode',
    'outputSize',
  ],
  fromTensorFlow: ['outputShape', 'strides', 'padding', 'dilations', 'dataFormat'],
  fromKeras: ['filters', 'kernelSize', 'strides', 'padding', 'outputPadding', 'dilationRate', 'dataFormat', 'useBias'],
  fromOnnx: ['autoPad', 'pads', 'outputShape', 'outputPadding', 'strides', 'dilations', 'group', 'kernelShape'],
  fromCaffe: [
    'numOutput',
    'biasTerm',
    'kernelSize',
    'kernelH',
    'kernelW',
    'stride',
    'strideH',
    'strideW',
    'pad',
    'padH',
    'padW',
    'dilation',
    'group',
  ],
} as const;

type Adapter = keyof typeof KEYS;

/** Makes a parameter value fresh (hostile tokens are made per call). */
function make(v: unknown): unknown {
  if (v !== null && typeof v === 'object' && 'make' in v && typeof (v as Token).make === 'function')
    return (v as Token).make(undefined);
  return Array.isArray(v) ? [...v] : v;
}

const adapterCall = fc.constantFrom(...(Object.keys(KEYS) as Adapter[])).chain((name) =>
  fc.record({
    name: fc.constant(name),
    params: fc.dictionary(fc.constantFrom(...KEYS[name], 'stides', 'toString'), param, { maxKeys: 5 }),
    whole: fc.option(hostileValue, { freq: 8 }),
  }),
);

/** Shapes too large to materialize (an initializer would fill them), judged from their plain numbers. */
function hugeShape(shape: unknown): boolean {
  try {
    return (
      Array.isArray(shape) &&
      shape.length <= 8 &&
      shape.every((d) => Number.isSafeInteger(d) && d > 0) &&
      shape.reduce((p: number, d: number) => p * d, 1) > 1 << 22
    );
  } catch {
    return false;
  }
}

describe('fuzz: adapters, conversions, initializers and float16 helpers', () => {
  it(
    'framework adapters: valid canonical options or a quick DeconvError',
    async () => {
      await runProperty(
        'adapters-from',
        fc.property(adapterCall, convCase(), fc.array(mutation(hostileValue), { maxLength: 2 }), (call, c, ms) => {
          const a = mutate(argsOf(c), ms);
          const params = call.whole
            ? call.whole.make(undefined)
            : Object.fromEntries(Object.entries(call.params).map(([k, v]) => [k, make(v)]));
          const adapter = frameworks[call.name] as (p: unknown, x: unknown, w: unknown) => unknown;
          const r = syncOutcome(call.name, () => adapter(params, a.inputShape, a.filterShape), {
            codes: ['INVALID_ARGUMENT'],
          });
          if (!r.ok) return;
          // What an adapter returns must be options the library accepts for the same shapes.
          const b = mutate(argsOf(c), ms);
          const g = syncOutcome('resolveConvTranspose', () =>
            resolveConvTranspose(b.inputShape as number[], b.filterShape as number[], r.value as never),
          );
          if (!g.ok) throw new Error(`${call.name} returned options the library rejects: ${g.error.message}`);
        }),
        4_000,
      );
    },
    testTimeout(4_000),
  );

  it(
    'conversions: a result or the geometry’s own DeconvError, quickly, for hostile and giant calls',
    async () => {
      const hostileCase = fc.tuple(convCase(), fc.array(mutation(hostileValue), { maxLength: 3 })).map(
        ([c, ms]) =>
          () =>
            mutate(argsOf(c), ms),
      );
      const giant = giantCase.map((c) => () => ({
        inputShape: [...c.inputShape, 1].slice(0, 4),
        filterShape: [...c.filterShape, 1].slice(0, 4),
        options: { ...c.options },
      }));
      await runProperty(
        'adapters-to',
        fc.property(
          fc.oneof(hostileCase, giant),
          fc.constantFrom('toTorch', 'toTensorFlow', 'toKeras', 'toOnnx', 'toCaffe', 'equivalents') as fc.Arbitrary<
            keyof typeof convert
          >,
          (fresh, name) => {
            const a = fresh();
            const g = syncOutcome(
              'resolveConvTranspose',
              () => resolveConvTranspose(a.inputShape as number[], a.filterShape as number[], a.options as never),
              { acceptMs: 50 },
            );
            const b = fresh();
            const fn = convert[name] as (x: unknown, w: unknown, o: unknown) => unknown;
            const r = syncOutcome(name, () => fn(b.inputShape, b.filterShape, b.options), { acceptMs: 50 });
            if (!g.ok && r.ok) throw new Error(`${name} accepted what the geometry rejects: ${g.error.message}`);
            if (g.ok && !r.ok && g.value.rank === 2)
              throw new Error(`${name} rejected a valid 2-D geometry: ${r.error.message}`);
          },
        ),
        4_000,
      );
    },
    testTimeout(4_000),
  );

  it(
    'initializers and float16 helpers: a result or a quick DeconvError',
    async () => {
      const shapeArg = fc.oneof(
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 3, maxLength: 5 }),
        fc.array(
          fc.oneof(fc.integer({ min: 1, max: 4 }), fc.constantFrom(2 ** 16, 2 ** 31 - 1, 2 ** 32, -1, 0, 1.5, NaN)),
          { minLength: 3, maxLength: 5 },
        ),
        hostileValue,
      );
      const optionsArg = fc.oneof(
        fc.dictionary(fc.constantFrom('seed', 'filterLayout', 'groups', 'gropus'), param, { maxKeys: 3 }),
        hostileValue,
      );
      await runProperty(
        'adapters-init',
        fc.property(
          fc.constantFrom(
            'glorotUniform',
            'heUniform',
            'bilinearUpsampling',
            'foldBatchNorm',
            'seededRandom',
            'toHalf',
            'fromHalf',
          ),
          shapeArg,
          optionsArg,
          param,
          param,
          (name, shapeSpec, optionsSpec, p1, p2) => {
            const shape = make(shapeSpec);
            const options =
              Array.isArray(optionsSpec) || (optionsSpec as Token).make
                ? make(optionsSpec)
                : Object.fromEntries(Object.entries(optionsSpec as object).map(([k, v]) => [k, make(v)]));
            if (hugeShape(shape)) return;
            // Large valid factors and channel counts are the caller's to pay for.
            const [factor, channels] = [make(p1), make(p2)];
            if (
              name === 'bilinearUpsampling' &&
              typeof factor === 'number' &&
              typeof channels === 'number' &&
              4 * factor * factor * Math.abs(channels) > 1 << 22
            ) {
              return;
            }
            // The element count of the shape, from its plain numbers (a revoked Proxy counts 1).
            let elements = 1;
            try {
              if (Array.isArray(shape) && shape.length <= 8) {
                elements = shape.reduce((x: number, y: unknown) => x * (typeof y === 'number' ? y : 1), 1);
              }
            } catch {
              elements = 1;
            }
            const calls: Record<string, () => unknown> = {
              glorotUniform: () => init.glorotUniform(shape as number[], options as never),
              heUniform: () => init.heUniform(shape as number[], options as never),
              bilinearUpsampling: () => init.bilinearUpsampling(factor as number, channels as number),
              foldBatchNorm: () => {
                const n = elements;
                const stats = {
                  gamma: dataOf(4, 1, 0),
                  beta: dataOf(4, 2, 0),
                  mean: dataOf(4, 3, 0),
                  variance: dataOf(4, 4, 0).map(Math.abs),
                };
                const filter = Number.isSafeInteger(n) && n > 0 && n < 1 << 16 ? dataOf(n, 5, 0) : make(p1);
                return init.foldBatchNorm(
                  filter as Float32Array,
                  shape as number[],
                  make(p2) as never,
                  stats,
                  options as never,
                );
              },
              seededRandom: () => init.seededRandom(make(p1) as number)(),
              toHalf: () => toHalf(make(p1) as number[]),
              fromHalf: () => fromHalf(make(p1) as number[]),
            };
            syncOutcome(name, calls[name]!, { codes: ['INVALID_ARGUMENT', 'DEVICE_LIMIT'], acceptMs: 1000 });
          },
        ),
        4_000,
      );
    },
    testTimeout(4_000),
  );
});

/** A two-layer decoder manifest (float32 and float16 weights) and its 168-byte weights file. */
function torchModel(): { manifest: Record<string, unknown>; weights: Uint8Array } {
  const weights = new Uint8Array(4 * 3 * 9 * 4 + (6 * 2 * 6 + 2) * 2);
  for (let i = 0; i < 4 * 3 * 9; i++) new DataView(weights.buffer).setFloat32(4 * i, ((i * 7) % 11) / 8 - 0.6, true);
  for (let i = 0; i < 74; i++) new DataView(weights.buffer).setUint16(432 + 2 * i, 0x3000 + ((i * 37) % 97) * 8, true);
  const manifest = {
    input: [4, 3, 5],
    output: [2, 8, 12],
    layers: [
      {
        name: 'up0',
        args: {
          in_channels: 4,
          out_channels: 6,
          kernel_size: 3,
          stride: 2,
          padding: 1,
          output_padding: 1,
          groups: 2,
          bias: false,
        },
        weight: { dtype: 'float32', offset: 0, shape: [4, 3, 3, 3] },
      },
      {
        args: { in_channels: 6, out_channels: 2, kernel_size: [2, 3], dilation: [2, 1] },
        activation: 'leakyRelu',
        leakyReluAlpha: 0.2,
        weight: { dtype: 'float16', offset: 432, shape: [6, 2, 2, 3] },
        bias: { dtype: 'float16', offset: 576, shape: [2] },
      },
    ],
  };
  return { manifest, weights };
}

/** Places in the manifest a hostile value may go ('' is the whole manifest). */
const MANIFEST_PATHS = [
  '',
  'input',
  'input.0',
  'input.2',
  'output',
  'output.1',
  'weights',
  'layers',
  'layers.0',
  'layers.1',
  'layers.2',
  'layers.0.name',
  'layers.0.module',
  'layers.0.args',
  'layers.0.args.in_channels',
  'layers.0.args.out_channels',
  'layers.0.args.kernel_size',
  'layers.0.args.stride',
  'layers.0.args.padding',
  'layers.0.args.output_padding',
  'layers.0.args.groups',
  'layers.0.args.bias',
  'layers.0.args.padding_mode',
  'layers.0.args.extra',
  'layers.1.args.dilation',
  'layers.1.args.kernel_size.1',
  'layers.1.activation',
  'layers.1.leakyReluAlpha',
  'layers.0.weight',
  'layers.0.weight.dtype',
  'layers.0.weight.offset',
  'layers.0.weight.shape',
  'layers.0.weight.shape.3',
  'layers.1.bias',
  'layers.1.bias.offset',
  'layers.1.bias.shape',
  'layers.1.bias.dtype',
];

describe('fuzz: loadTorchDecoder', () => {
  it(
    'hostile manifests, weights and options: a decoder that runs, or a quick DeconvError',
    async () => {
      const engine = await createEngine({ gpu: { requestAdapter: async () => null } as unknown as GPU });
      try {
        await runProperty(
          'adapters-torch-model',
          fc.asyncProperty(
            fc.array(
              fc.record({
                where: fc.constantFrom('manifest', 'manifest', 'manifest', 'weights', 'options'),
                path: fc.constantFrom(...MANIFEST_PATHS),
                value: fc.oneof(
                  param,
                  hostileValue.map((t) => ({ token: t })),
                ),
              }),
              { minLength: 1, maxLength: 3 },
            ),
            async (ms) => {
              const { manifest, weights } = torchModel();
              const args: Record<string, unknown> = { manifest, weights: weights.buffer, options: {} };
              for (const m of ms) {
                const value = (old: unknown) =>
                  m.value !== null && typeof m.value === 'object' && 'token' in m.value
                    ? (m.value.token as Token).make(old)
                    : m.value;
                try {
                  if (m.where !== 'manifest' || m.path === '') {
                    args[m.where] = value(args[m.where]);
                    continue;
                  }
                  const keys = m.path.split('.');
                  let at = args.manifest as Record<string, unknown>;
                  for (const k of keys.slice(0, -1)) at = at[k] as Record<string, unknown>;
                  const last = keys[keys.length - 1]!;
                  at[last] = value(at[last]);
                } catch {
                  // A place an earlier change made unreachable (a number, a revoked Proxy): leave it so.
                }
              }
              const r = syncOutcome(
                'loadTorchDecoder',
                () => loadTorchDecoder(engine, args.manifest as never, args.weights as never, args.options as never),
                { codes: ['INVALID_ARGUMENT', 'DEVICE_LIMIT'], acceptMs: 1000 },
              );
              if (!r.ok) return;
              // Accepted: it runs on an input of the shape it states and gives the shape it states.
              const d = r.value;
              const n = d.inputShape.reduce((a, b) => a * b, 1);
              if (n > 1 << 16 || d.outputShape.reduce((a, b) => a * b, 1) > 1 << 16) return d.destroy();
              const x = engine.upload(dataOf(n, 3, 0), [1, ...d.inputShape]);
              const y = d.run(x);
              if (y.shape.join() !== [1, ...d.outputShape].join()) {
                throw new Error(`output ${y.shape.join('×')}, the decoder says ${d.outputShape.join('×')}`);
              }
              const data = await y.read();
              if (data.length !== d.outputShape.reduce((a, b) => a * b, 1)) throw new Error('output length');
              [x, y].forEach((t) => t.destroy());
              d.destroy();
            },
          ),
          4_000,
        );
      } finally {
        engine.destroy();
      }
    },
    testTimeout(4_000),
  );
});
