/**
 * What the fuzz properties feed the API: hostile values (wrong types, edge numbers, odd
 * arrays and objects), small valid convolution cases of every rank, giant geometries, and
 * mutations that put hostile values anywhere in a call's arguments.
 *
 * Hostile values are tokens made fresh for each call (`make`), printed by their label, so
 * a counterexample reads `inputShape[2] ← Proxy(revoked)` and Proxies never reach fast-check.
 */
import fc from 'fast-check';
import { seededRandom } from '../../src/init.js';
import type { EngineConvOptions } from '../../src/gpu/layer.js';

/** A hostile value, made fresh from the value it replaces. */
export interface Token {
  readonly label: string;
  /** True when the value means the same as the original (a SharedArrayBuffer copy, a null-prototype options object, …). */
  readonly preserves: boolean;
  make(original: unknown): unknown;
  [fc.toStringMethod](): string;
}

function token(label: string, make: (original: unknown) => unknown, preserves = false): Token {
  return { label, preserves, make, [fc.toStringMethod]: () => label };
}

const constant = (label: string, value: () => unknown) => token(label, value);

class Opts {
  strides = [1, 1];
}

/** A throwing function, for traps and getters. */
function boom(): never {
  throw new Error('boom from a hostile value');
}

const trapsThatThrow: ProxyHandler<object> = {
  get: boom,
  has: boom,
  ownKeys: boom,
  getOwnPropertyDescriptor: boom,
  getPrototypeOf: boom,
  set: boom,
  defineProperty: boom,
  deleteProperty: boom,
  apply: boom,
  construct: boom,
};

function circularObject(): object {
  const o: Record<string, unknown> = { a: 1 };
  o.self = o;
  return o;
}

function circularArray(): unknown[] {
  const a: unknown[] = [1, 2];
  a.push(a);
  return a;
}

function revoked(target: object): object {
  const r = Proxy.revocable(target, {});
  r.revoke();
  return r.proxy;
}

/** A detached Float32Array (its buffer transferred away): length 0, every read undefined. */
function detached(n: number): Float32Array {
  const a = new Float32Array(n);
  structuredClone(a.buffer, { transfer: [a.buffer] });
  return a;
}

/** Numbers at the edges: signed zero, non-finite, non-integers and the 2^31, 2^32, 2^53 boundaries. */
export const EDGE_NUMBERS: readonly number[] = [
  0,
  -0,
  1,
  -1,
  2,
  1.5,
  0.1,
  NaN,
  Infinity,
  -Infinity,
  2 ** 16,
  2 ** 30,
  2 ** 31 - 1,
  2 ** 31,
  2 ** 31 + 1,
  2 ** 32 - 1,
  2 ** 32,
  2 ** 32 + 1,
  2 ** 40,
  2 ** 52,
  2 ** 53 - 1,
  2 ** 53,
  2 ** 53 + 2,
  1e308,
  -(2 ** 31),
  Number.MIN_VALUE,
  Number.EPSILON,
];

/** Edge numbers as tokens. */
export const edgeNumber: fc.Arbitrary<Token> = fc
  .constantFrom(...EDGE_NUMBERS)
  .map((n) => token(Object.is(n, -0) ? '-0' : String(n), () => n));

/** Values of the wrong type or shape, whatever was expected. */
const WRONG: Token[] = [
  constant('undefined', () => undefined),
  constant('null', () => null),
  constant('true', () => true),
  constant('""', () => ''),
  constant('"nchw"', () => 'nchw'),
  constant('"2"', () => '2'),
  constant('a 100000-character string', () => 'x'.repeat(100_000)),
  constant('1n', () => 1n),
  constant('2n ** 70n', () => 2n ** 70n),
  constant('Symbol(s)', () => Symbol('s')),
  constant('Symbol.iterator', () => Symbol.iterator),
  constant('a function', () => () => 1),
  constant('a class', () => Opts),
  constant('{}', () => ({})),
  constant('Object.create(null)', () => Object.create(null)),
  constant('a circular object', circularObject),
  constant('a circular array', circularArray),
  constant('new Map()', () => new Map([['strides', [1, 1]]])),
  constant('new Set()', () => new Set([1])),
  constant('new Date()', () => new Date(0)),
  constant('Invalid Date', () => new Date(NaN)),
  constant('/re/', () => /re/),
  constant('new Error()', () => new Error('e')),
  constant('a Promise', () => Promise.resolve(1)),
  constant('a thenable', () => ({ then: boom })),
  constant('a class instance', () => new Opts()),
  constant('new Number(2)', () => new Number(2)),
  constant('new String("nchw")', () => new String('nchw')),
  constant('Object(1n)', () => Object(1n)),
  constant('[]', () => []),
  constant('[1]', () => [1]),
  constant('[1, 1, 1, 1, 1, 1]', () => [1, 1, 1, 1, 1, 1]),
  constant('new Array(4) (holes)', () => new Array(4)),
  constant('[1, <hole>, 1, 1]', () => withHole([1, 1, 1, 1], 1)),
  constant('new Array(2^32 − 1)', () => new Array(2 ** 32 - 1)),
  constant('["1", "1", "1", "1"]', () => ['1', '1', '1', '1']),
  constant('[1n, 1n, 1n, 1n]', () => [1n, 1n, 1n, 1n]),
  constant('[[1], [1]]', () => [[1], [1]]),
  constant('[NaN, NaN, NaN, NaN]', () => [NaN, NaN, NaN, NaN]),
  constant('an array with a throwing element getter', () => Object.defineProperty([1, 1, 1, 1], 1, { get: boom })),
  constant('new Float32Array(0)', () => new Float32Array(0)),
  constant('new Float32Array(1)', () => new Float32Array(1)),
  constant('new Float64Array(4)', () => new Float64Array(4)),
  constant('new Int32Array(4)', () => new Int32Array(4).fill(1)),
  constant('new Uint8Array(4)', () => new Uint8Array(4).fill(1)),
  constant('new Uint16Array(4)', () => new Uint16Array(4)),
  constant('new BigInt64Array(4)', () => new BigInt64Array(4)),
  constant('new DataView(16 bytes)', () => new DataView(new ArrayBuffer(16))),
  constant('new ArrayBuffer(16)', () => new ArrayBuffer(16)),
  constant('new SharedArrayBuffer(16)', () => new SharedArrayBuffer(16)),
  constant('Object.create(Float32Array.prototype)', () => Object.create(Float32Array.prototype)),
  constant('a detached Float32Array', () => detached(4)),
  constant('Proxy({})', () => new Proxy({}, {})),
  constant('Proxy([1, 1, 1, 1])', () => new Proxy([1, 1, 1, 1], {})),
  constant('Proxy(revoked)', () => revoked({})),
  constant('Proxy(revoked array)', () => revoked([1, 1, 1, 1])),
  constant('Proxy({}) with throwing traps', () => new Proxy({}, trapsThatThrow)),
  constant('Proxy([…]) with throwing traps', () => new Proxy([1, 1, 1, 1], trapsThatThrow)),
  constant(
    'Proxy([…]) of length 2^32',
    () => new Proxy([1, 1, 1, 1], { get: (t, k) => (k === 'length' ? 2 ** 32 : Reflect.get(t, k)) }),
  ),
  constant('an object with a throwing getter', () => ({
    get strides() {
      return boom();
    },
  })),
  constant('an object whose toString throws', () => ({ toString: boom, valueOf: boom, [Symbol.toPrimitive]: boom })),
  constant('a frozen empty object', () => Object.freeze({})),
];

/** Values of the wrong type or shape. */
export const wrongValue: fc.Arbitrary<Token> = fc.constantFrom(...WRONG);

/** A Float32Array of `a`'s values whose own `length` property lies (says `lie`). */
function lyingLength(a: Float32Array, lie: number): Float32Array {
  const copy = new Float32Array(a);
  Object.defineProperty(copy, 'length', { value: lie });
  return copy;
}

class LongFloat32Array extends Float32Array {
  override get length(): number {
    return super.length + 1;
  }
}

/** Plain-object copies; null when `v` is not a plain object or array. */
function copyPlain(v: unknown): unknown {
  // Long arrays (a hostile sparse one of length 2^32 − 1) stay as they are.
  if (Array.isArray(v)) return v.length > 64 ? v : v.map(copyPlain);
  if (v instanceof Float32Array) return new Float32Array(v);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, copyPlain(x)]));
  return v;
}

/**
 * Wrappers of the value they replace: the same data in an odd container (kept meaning:
 * `preserves`), or a container that lies about it.
 */
const DERIVED: Token[] = [
  token(
    'the same values on a SharedArrayBuffer',
    (o) => {
      if (!(o instanceof Float32Array)) return o;
      const shared = new Float32Array(new SharedArrayBuffer(o.byteLength));
      shared.set(o);
      return shared;
    },
    true,
  ),
  token(
    'the same values in a view at byte offset 8',
    (o) => (o instanceof Float32Array ? new Float32Array([0, 0, ...o, 0]).subarray(2, 2 + o.length) : o),
    true,
  ),
  token(
    'a null-prototype copy',
    (o) => (isPlainObject(o) ? Object.assign(Object.create(null), copyPlain(o)) : o),
    true,
  ),
  token(
    'a copy whose keys are inherited from a plain prototype',
    (o) => (isPlainObject(o) ? Object.create(copyPlain(o) as object) : o),
    true,
  ),
  token('a frozen copy', (o) => (isPlainObject(o) || isList(o) ? Object.freeze(copyPlain(o)) : o), true),
  token('an array subclass copy', (o) => (isList(o) ? ArrayCopy.from(o) : o), true),
  token('a transparent Proxy', (o) => (o !== null && typeof o === 'object' ? new Proxy(o, {}) : o)),
  token('a Float32Array whose length says one more', (o) =>
    o instanceof Float32Array ? lyingLength(o, o.length + 1) : o,
  ),
  token('a Float32Array whose length says one less', (o) =>
    o instanceof Float32Array && o.length > 0 ? lyingLength(o.subarray(0, o.length - 1), o.length) : o,
  ),
  token('a Float32Array subclass whose length getter lies', (o) =>
    o instanceof Float32Array ? new LongFloat32Array(o) : o,
  ),
  token('a Float64Array of the same values', (o) => (o instanceof Float32Array ? new Float64Array(o) : o)),
  token('a plain array of the same values', (o) => (o instanceof Float32Array ? Array.from(o) : o)),
  token('the array with a hole at the end', (o) => (isList(o) ? holeAtEnd(o) : o)),
  token('the array with an extra element', (o) => (isList(o) ? [...o, 1] : o)),
  token('the array with its last element dropped', (o) => (isList(o) ? o.slice(0, -1) : o)),
  token('a Proxy whose reads alternate', (o) => (o !== null && typeof o === 'object' ? alternating(o) : o)),
];

class ArrayCopy<T> extends Array<T> {}

/** A short array: wrappers copy these (a hostile sparse array of length 2^32 − 1 is left as it is). */
function isList(o: unknown): o is unknown[] {
  return Array.isArray(o) && o.length <= 64;
}

/** A copy of `values` with a hole at `at`. */
export function withHole<T>(values: readonly T[], at: number): T[] {
  const a = [...values];
  delete a[at];
  return a;
}

function holeAtEnd(o: unknown[]): unknown[] {
  const a = [...o];
  a.length = o.length + 1;
  return a;
}

/** A Proxy whose every other read of an element or key gives a different value (a snapshot must read once). */
function alternating(o: object): object {
  let reads = 0;
  return new Proxy(o, {
    get(target, key, receiver) {
      const v = Reflect.get(target, key, receiver);
      if (typeof key === 'symbol' || key === 'length' || key === 'constructor') return v;
      return reads++ % 2 === 1 && typeof v === 'number' ? v + 1 : v;
    },
  });
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype;
}

/** Wrappers of the value they replace. */
export const derivedValue: fc.Arbitrary<Token> = fc.constantFrom(...DERIVED);

/** Any hostile value: wrong, edge number or derived. */
export const hostileValue: fc.Arbitrary<Token> = fc.oneof(
  { weight: 4, arbitrary: wrongValue },
  { weight: 3, arbitrary: edgeNumber },
  { weight: 2, arbitrary: derivedValue },
);

/** Tokens that keep the meaning of what they replace and never lie. */
export const preservingValue: fc.Arbitrary<Token> = fc.constantFrom(...DERIVED.filter((t) => t.preserves));

// ---------------------------------------------------------------------------------------
// Convolution cases.

/** A convolution call as plain data: shapes, options and data, valid unless mutated. */
export interface ConvCase {
  rank: 1 | 2 | 3;
  inputShape: number[];
  filterShape: number[];
  options: EngineConvOptions;
  input: Float32Array;
  filter: Float32Array;
}

const LAYOUTS = {
  1: { input: ['ncw', 'nwc'], filter: ['iow', 'woi', 'owi'] },
  2: { input: ['nchw', 'nhwc'], filter: ['iohw', 'hwoi', 'ohwi'] },
  3: { input: ['ncdhw', 'ndhwc'], filter: ['iodhw', 'dhwoi', 'odhwi'] },
} as const;

const ACTIVATIONS = [undefined, 'relu', 'relu6', 'leakyRelu', 'sigmoid', 'tanh', 'gelu'] as const;

/** IEEE special values data may hold. */
export const SPECIALS = [Infinity, -Infinity, NaN, 0, -0] as const;

/** `n` values in [−1, 1) from a seed, with about `specials` of them ±∞, NaN or ±0. */
export function dataOf(n: number, seed: number, specials: number): Float32Array {
  const rand = seededRandom(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = rand() < specials ? SPECIALS[Math.floor(rand() * SPECIALS.length)]! : rand() * 2 - 1;
  }
  return out;
}

/**
 * A small valid case of rank 1–3: layouts, groups, strides, dilations, asymmetric padding,
 * output padding or explicit output sizes, bias, activation. `specials` is the share of
 * ±∞/NaN/±0 in the data, filter and bias.
 */
export function convCase(specials = 0): fc.Arbitrary<ConvCase> {
  const axis = fc.record({
    size: fc.integer({ min: 1, max: 5 }),
    k: fc.integer({ min: 1, max: 4 }),
    s: fc.integer({ min: 1, max: 4 }),
    d: fc.constantFrom(1, 1, 1, 2, 3),
    padBegin: fc.nat(4),
    padEnd: fc.nat(4),
    op: fc.nat(3),
  });
  return fc
    .record({
      rank: fc.constantFrom(1, 2, 2, 3) as fc.Arbitrary<1 | 2 | 3>,
      axes: fc.array(axis, { minLength: 3, maxLength: 3 }),
      batch: fc.integer({ min: 1, max: 2 }),
      groups: fc.constantFrom(1, 1, 2, 3),
      cig: fc.integer({ min: 1, max: 3 }),
      cog: fc.integer({ min: 1, max: 3 }),
      channelsLast: fc.boolean(),
      filterFamily: fc.constantFrom(0, 1, 2),
      activation: fc.constantFrom(...ACTIVATIONS),
      alpha: fc.constantFrom(0.01, 0.2, 0, -1),
      bias: fc.boolean(),
      outputSizes: fc.boolean(),
      seed: fc.integer(),
    })
    .map((p) => {
      const axes = p.axes.slice(0, p.rank).map((a) => {
        const full = (a.size - 1) * a.s + a.d * (a.k - 1) + 1;
        const padBegin = Math.min(a.padBegin, full - 1);
        const padEnd = Math.min(a.padEnd, full - 1 - padBegin);
        const op = Math.min(a.op, Math.max(a.s, a.d) - 1);
        return { ...a, padBegin, padEnd, op, out: full - padBegin - padEnd + op };
      });
      const layouts = LAYOUTS[p.rank];
      const cin = p.cig * p.groups;
      const cout = p.cog * p.groups;
      const sizes = axes.map((a) => a.size);
      const ks = axes.map((a) => a.k);
      const inputShape = p.channelsLast ? [p.batch, ...sizes, cin] : [p.batch, cin, ...sizes];
      const filterShape =
        p.filterFamily === 0 ? [cin, p.cog, ...ks] : p.filterFamily === 1 ? [...ks, p.cog, cin] : [p.cog, ...ks, cin];
      const options: EngineConvOptions = {
        strides: axes.map((a) => a.s),
        dilations: axes.map((a) => a.d),
        padding: axes.flatMap((a) => [a.padBegin, a.padEnd]),
        groups: p.groups,
        inputLayout: layouts.input[p.channelsLast ? 1 : 0] as never,
        filterLayout: layouts.filter[p.filterFamily] as never,
      };
      if (p.outputSizes) options.outputSizes = axes.map((a) => a.out);
      else options.outputPadding = axes.map((a) => a.op);
      if (p.activation) options.activation = p.activation;
      if (p.activation === 'leakyRelu') options.leakyReluAlpha = p.alpha;
      if (p.bias) options.bias = dataOf(cout, p.seed ^ 0x5bd1e995, specials);
      const count = (shape: number[]) => shape.reduce((x, y) => x * y, 1);
      return {
        rank: p.rank,
        inputShape,
        filterShape,
        options,
        input: dataOf(count(inputShape), p.seed, specials),
        filter: dataOf(count(filterShape), p.seed ^ 0x9e3779b9, specials),
      };
    });
}

/** The arguments of a case, copied: nothing a call does to them reaches the case. */
export interface ConvArgs {
  input: unknown;
  inputShape: unknown;
  filter: unknown;
  filterShape: unknown;
  options: unknown;
}

/** Copied arguments of a case, typed as they are before any mutation. */
export interface PlainArgs {
  input: Float32Array;
  inputShape: number[];
  filter: Float32Array;
  filterShape: number[];
  options: Record<string, unknown>;
}

export function argsOf(c: ConvCase): PlainArgs {
  return {
    input: new Float32Array(c.input),
    inputShape: [...c.inputShape],
    filter: new Float32Array(c.filter),
    filterShape: [...c.filterShape],
    options: copyPlain(c.options) as Record<string, unknown>,
  };
}

// ---------------------------------------------------------------------------------------
// Mutations: where a hostile value goes.

export const OPTION_KEYS = [
  'strides',
  'dilations',
  'padding',
  'outputPadding',
  'outputSizes',
  'groups',
  'inputLayout',
  'filterLayout',
  'bias',
  'activation',
  'leakyReluAlpha',
  'kernel',
  'dtype',
] as const;

const ARRAY_OPTIONS = ['strides', 'dilations', 'padding', 'outputPadding', 'outputSizes'] as const;

/** One change to a call's arguments. */
export type Mutation =
  | { kind: 'arg'; arg: keyof ConvArgs; value: Token }
  | { kind: 'element'; arg: 'inputShape' | 'filterShape'; index: number; value: Token }
  | { kind: 'option'; key: (typeof OPTION_KEYS)[number]; value: Token }
  | { kind: 'optionElement'; key: (typeof ARRAY_OPTIONS)[number]; index: number; value: Token }
  | { kind: 'unknownKey'; how: 'own' | 'inherited' | 'non-enumerable' | 'symbol'; key: string };

/** A mutation with a value from `values`. */
export function mutation(values: fc.Arbitrary<Token>): fc.Arbitrary<Mutation> {
  return fc.oneof(
    fc.record({
      kind: fc.constant('arg' as const),
      arg: fc.constantFrom('input', 'inputShape', 'filter', 'filterShape', 'options') as fc.Arbitrary<keyof ConvArgs>,
      value: values,
    }),
    fc.record({
      kind: fc.constant('element' as const),
      arg: fc.constantFrom('inputShape' as const, 'filterShape' as const),
      index: fc.nat(5),
      value: values,
    }),
    fc.record({ kind: fc.constant('option' as const), key: fc.constantFrom(...OPTION_KEYS), value: values }),
    fc.record({
      kind: fc.constant('optionElement' as const),
      key: fc.constantFrom(...ARRAY_OPTIONS),
      index: fc.nat(5),
      value: values,
    }),
    fc.record({
      kind: fc.constant('unknownKey' as const),
      how: fc.constantFrom('own' as const, 'inherited' as const, 'non-enumerable' as const, 'symbol' as const),
      key: fc.constantFrom('stride', 'pad', 'fallback', '__proto__', 'constructor', 'toString', 'Strides', ''),
    }),
  );
}

/** True when every mutation keeps the call's meaning (the result must equal the unmutated one). */
export function preserving(ms: readonly Mutation[]): boolean {
  return ms.every((m) => m.kind !== 'unknownKey' && m.value.preserves);
}

/** Applies mutations to fresh arguments (each hostile value made now). */
export function mutate(args: ConvArgs, ms: readonly Mutation[]): ConvArgs {
  const a = { ...args };
  for (const m of ms) {
    try {
      apply(a, m);
    } catch {
      // The place was made hostile by an earlier mutation (a revoked Proxy): leave it so.
    }
  }
  return a;
}

function apply(a: ConvArgs, m: Mutation): void {
  {
    switch (m.kind) {
      case 'arg':
        a[m.arg] = m.value.make(a[m.arg]);
        break;
      case 'element': {
        const shape = a[m.arg];
        if (Array.isArray(shape) && !Object.isFrozen(shape) && m.index < shape.length + 1) {
          shape[m.index] = m.value.make(shape[m.index]);
        }
        break;
      }
      case 'option':
      case 'optionElement': {
        const o = a.options;
        if (!isPlainObject(o)) break;
        if (m.kind === 'option') {
          o[m.key] = m.value.make(o[m.key]);
        } else {
          const list = o[m.key];
          if (Array.isArray(list) && !Object.isFrozen(list) && m.index < list.length + 1) {
            list[m.index] = m.value.make(list[m.index]);
          }
        }
        break;
      }
      case 'unknownKey': {
        const o = a.options;
        if (!isPlainObject(o)) break;
        if (m.how === 'own') Object.defineProperty(o, m.key, { value: 1, enumerable: true, configurable: true });
        else if (m.how === 'non-enumerable') Object.defineProperty(o, m.key, { value: 1, configurable: true });
        else if (m.how === 'symbol') (o as Record<symbol, unknown>)[Symbol(m.key)] = 1;
        else a.options = Object.assign(Object.create({ [m.key]: 1 }), o);
        break;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------
// Giant geometries: every size from the edges, data never materialized unless tiny.

const GIANT = [
  1,
  1,
  1,
  2,
  3,
  7,
  2 ** 15,
  2 ** 16,
  2 ** 20,
  2 ** 30,
  2 ** 31 - 2,
  2 ** 31 - 1,
  2 ** 31,
  2 ** 32,
  2 ** 40,
  2 ** 53 - 1,
  2 ** 53 + 2,
];

/** A value from the giant pool (mostly small, often at a 2^k boundary). */
export const giant: fc.Arbitrary<number> = fc.constantFrom(...GIANT);

/** A dimension: mostly tiny, so that giant strides, dilations and paddings meet data that fits. */
const dim: fc.Arbitrary<number> = fc.oneof(
  { weight: 5, arbitrary: fc.integer({ min: 1, max: 3 }) },
  { weight: 1, arbitrary: giant },
);

/** Shapes and options drawn from the giant pool, layouts and groups default. */
export interface GiantCase {
  inputShape: number[];
  filterShape: number[];
  options: { strides: number[]; dilations: number[]; padding: number[]; outputPadding?: number[] };
}

export const giantCase: fc.Arbitrary<GiantCase> = fc
  .record({
    rank: fc.constantFrom(1, 2, 3),
    batch: dim,
    cin: dim,
    cout: dim,
    axes: fc.array(
      fc.record({
        size: dim,
        k: dim,
        s: giant,
        d: giant,
        padBegin: fc.oneof(fc.constant(0), giant),
        padEnd: fc.oneof(fc.constant(0), giant),
        op: fc.constantFrom(0, 0, 1),
      }),
      { minLength: 3, maxLength: 3 },
    ),
  })
  .map((p) => {
    const axes = p.axes.slice(0, p.rank);
    return {
      inputShape: [p.batch, p.cin, ...axes.map((a) => a.size)],
      filterShape: [p.cin, p.cout, ...axes.map((a) => a.k)],
      options: {
        strides: axes.map((a) => a.s),
        dilations: axes.map((a) => a.d),
        padding: axes.flatMap((a) => [a.padBegin, a.padEnd]),
        outputPadding: axes.map((a) => a.op),
      },
    };
  });
