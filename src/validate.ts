/**
 * The validation layer every entry point runs first: options objects, integer lists,
 * data arrays and the size limits. Each reader takes a snapshot (it reads every value
 * once and returns fresh arrays), so a caller changing its arrays later cannot change
 * a call or a layer, and each check is O(length) — no loop ever depends on a value.
 */
import { invalid, show } from './errors.js';

/**
 * Largest size, stride, dilation, padding or full size of one axis: coordinates are
 * computed in 32-bit integers on the GPU, signed where a tap can reach before the start.
 */
export const MAX_INDEX = 2 ** 31 - 1;

/** Most elements of one tensor: GPU element indices are u32, and a typed array holds at most 2^32. */
export const MAX_ELEMENTS = 2 ** 32 - 1;

/** True for a safe integer in [min, max]. */
export function isInt(v: unknown, min: number, max = MAX_INDEX): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max;
}

/** The rule text of an integer in [min, MAX_INDEX]. */
export function intRule(min: number): string {
  const what = min > 0 ? 'a positive integer' : 'an integer ≥ 0';
  return `must be ${what} (at most 2^31 − 1)`;
}

/** Validates an integer in [min, max]; `def` when undefined (pass `null` to require it). */
export function readInt(param: string, value: unknown, def: number | null, min: number, max = MAX_INDEX): number {
  if (value === undefined && def !== null) return def;
  if (!isInt(value, min, max)) {
    invalid(param, value, max === MAX_INDEX ? intRule(min) : `must be an integer in [${min}, ${max}]`);
  }
  return value;
}

const typedArrayPrototype = Object.getPrototypeOf(Int8Array.prototype) as object;
const typedArrayTag = Object.getOwnPropertyDescriptor(typedArrayPrototype, Symbol.toStringTag)!.get!;
const typedArrayLength = Object.getOwnPropertyDescriptor(typedArrayPrototype, 'length')!.get!;

/**
 * The element type of a typed array ('Float32Array', 'Uint16Array', …) read from its internal
 * slot, or null for anything else. Never throws; a Proxy, a DataView, a changed prototype or
 * an object made from Float32Array.prototype is no typed array.
 */
export function typedArrayType(value: unknown): string | null {
  return (typedArrayTag.call(value) as string | undefined) ?? null;
}

/** True for a real Float32Array (see {@link typedArrayType}). */
export function isFloat32Array(value: unknown): value is Float32Array {
  return typedArrayType(value) === 'Float32Array';
}

/**
 * The element count of a real typed array, from its internal slot: an own `length` property
 * or a subclass getter cannot make it disagree with the elements that are read and copied.
 */
export function typedLength(value: ArrayBufferView): number {
  return typedArrayLength.call(value) as number;
}

/** Array.isArray that never throws (a revoked Proxy is not an array). */
export function isArray(value: unknown): value is unknown[] {
  try {
    return Array.isArray(value);
  } catch {
    return false;
  }
}

/** `value instanceof type` that never throws (instanceof runs a revoked Proxy's getPrototypeOf trap). */
export function isInstance<T>(value: unknown, type: abstract new (...args: never[]) => T): value is T {
  try {
    return value instanceof type;
  } catch {
    return false;
  }
}

/**
 * Reads a list of integers in [min, MAX_INDEX] into a fresh array. `lengths` lists the
 * accepted lengths (any when empty). Holes, non-arrays and out-of-range elements are
 * rejected, naming the element (`param[i]`).
 */
export function readInts(param: string, value: unknown, lengths: readonly number[], min: number): number[] {
  const what = min > 0 ? 'positive integers' : 'integers ≥ 0';
  const count = lengths.length === 0 ? '' : `${lengths.join(' or ')} `;
  const rule = `must be an array of ${count}${what}`;
  // A Proxy's traps or an element's getter may throw or answer differently each time: read
  // the length and every element once, and turn a throw into the parameter's error.
  const read = <T>(what: () => T, at: string, got: unknown): T => {
    try {
      return what();
    } catch {
      return invalid(at, got, `${rule} (it could not be read)`);
    }
  };
  if (!isArray(value)) invalid(param, value, rule);
  const length = read(() => value.length, param, value);
  if (lengths.length > 0 ? !lengths.includes(length) : !isInt(length, 0)) invalid(param, value, rule);
  const out: number[] = [];
  for (let i = 0; i < length; i++) {
    if (!read(() => i in value, `${param}[${i}]`, undefined)) {
      invalid(`${param}[${i}]`, undefined, 'is a hole in the array; every element must be given');
    }
    const v = read(() => value[i], `${param}[${i}]`, undefined);
    if (!isInt(v, min)) invalid(`${param}[${i}]`, v, intRule(min));
    out.push(v);
  }
  return out;
}

/** The product of integers, or Infinity once it passes MAX_ELEMENTS (exact below 2^53). */
export function product(dims: readonly number[]): number {
  let p = 1;
  for (const d of dims) {
    p *= d;
    if (p > MAX_ELEMENTS) return Infinity;
  }
  return p;
}

/** Throws when a tensor of shape `shape` would hold more than MAX_ELEMENTS elements. */
export function checkElements(param: string, shape: readonly number[]): number {
  const n = product(shape);
  if (n > MAX_ELEMENTS) {
    invalid(param, shape, 'has more than 2^32 − 1 elements, more than GPU indices and typed arrays can hold');
  }
  return n;
}

/**
 * Throws unless a convolution's output shape holds at most 2^32 − 1 elements: the rule the
 * geometry and the framework adapters share (the shape is derived, so the message names the
 * input shape it came from).
 */
export function checkOutputShape(outputShape: readonly number[], inputShape: readonly number[]): void {
  if (product(outputShape) > MAX_ELEMENTS) {
    invalid(
      'outputShape',
      outputShape,
      `(from inputShape ${show(inputShape)}) has more than 2^32 − 1 elements (GPU indices and typed arrays cannot hold it)`,
    );
  }
}

/**
 * Throws unless every spatial axis of an output is at most 2^31 − 1. The full size is bounded
 * and explicit output sizes are read bounded, so only output padding can pass it: `param(a)`
 * names axis a's output padding, `padding` holds its values.
 */
export function checkOutputSizes(
  sizes: readonly number[],
  padding: readonly number[] | undefined,
  param: (a: number) => string,
): void {
  sizes.forEach((size, a) => {
    if (size > MAX_INDEX) {
      invalid(
        param(a),
        padding?.[a],
        `makes spatial axis ${a} of the output ${size} long, more than 2^31 − 1 (GPU coordinates are 32-bit)`,
      );
    }
  });
}

/** A validated shape: `rank` positive integers (or one of several ranks), each at most MAX_INDEX, at most MAX_ELEMENTS in all. */
export function readShape(param: string, value: unknown, ranks: readonly number[]): number[] {
  const shape = readInts(param, value, ranks, 1);
  checkElements(param, shape);
  return shape;
}

/**
 * The own and inherited keys of a plain object (its prototype chain ending in
 * Object.prototype or null, with no class prototype on the way), or a description of why
 * it is not one.
 */
function objectKeys(value: object): { keys: (string | symbol)[] } | { not: string } {
  const keys: (string | symbol)[] = [];
  let o: object | null = value;
  while (o !== null && o !== Object.prototype) {
    if (o !== value && Object.prototype.hasOwnProperty.call(o, 'constructor')) {
      const c = (o as { constructor?: { name?: unknown } }).constructor;
      return { not: `a ${typeof c?.name === 'string' && c.name ? c.name : 'class instance'}` };
    }
    for (const k of Reflect.ownKeys(o)) if (!keys.includes(k)) keys.push(k);
    o = Object.getPrototypeOf(o) as object | null;
  }
  return { keys };
}

/** True for an object with the methods of `names` (never throws: a revoked Proxy has none). */
export function hasMethods(value: unknown, names: readonly string[]): boolean {
  try {
    return (
      value !== null &&
      typeof value === 'object' &&
      names.every((n) => typeof (value as Record<string, unknown>)[n] === 'function')
    );
  } catch {
    return false;
  }
}

/** `read()`, with a throw (a getter, a revoked Proxy) as the INVALID_ARGUMENT of `at`: `rule (it could not be read)`. */
export function readSafely<T>(at: string, rule: string, read: () => T): T {
  try {
    return read();
  } catch {
    invalid(at, undefined, `${rule} (it could not be read)`);
  }
}

/** The most items one array of {@link readJson} data may hold. */
const MAX_JSON_ITEMS = 65_536;

/** The most values (of any kind, nested ones included) one {@link readJson} call reads. */
const MAX_JSON_VALUES = 1_000_000;

/**
 * Which parts of JSON data {@link readJson} keeps: all of a value (`true`), the listed keys of
 * an object (others are not read), or each item of an array by one shape.
 */
export type JsonShape = true | { readonly [key: string]: JsonShape } | readonly [JsonShape];

/**
 * A snapshot of JSON-like data (a manifest): primitives as they are, arrays and plain objects
 * copied with every value read once (own and inherited string keys; with a `shape`, only the
 * keys it lists). Anything else in what is read — a class instance, a typed array, a Proxy or
 * getter that throws, nesting past 8 levels, an array of more than 65,536 items, more than
 * 10^6 values in all (shared references are counted at each use) — is the error of its path
 * (`param.key[i]`).
 */
export function readJson(param: string, value: unknown, shape: JsonShape = true): unknown {
  return snapshotJson(param, value, shape, 8, { left: MAX_JSON_VALUES });
}

function snapshotJson(
  param: string,
  value: unknown,
  shape: JsonShape,
  depth: number,
  budget: { left: number },
): unknown {
  const rule = 'must be JSON data (plain objects, arrays, numbers, strings, booleans, null)';
  if (--budget.left < 0) invalid(param, undefined, `${rule}, of at most ${MAX_JSON_VALUES} values in all`);
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return value;
  if (typeof value === 'function' || depth === 0) invalid(param, value, rule);
  const safely = <T>(at: string, read: () => T): T => readSafely(at, rule, read);
  if (isArray(value)) {
    const item: JsonShape = isArray(shape) ? (shape as readonly [JsonShape])[0] : true;
    const length = safely(param, () => value.length);
    if (!isInt(length, 0, MAX_JSON_ITEMS)) invalid(param, value, `${rule}, with at most ${MAX_JSON_ITEMS} items`);
    return Array.from({ length }, (_, i) => {
      const at = `${param}[${i}]`;
      return snapshotJson(
        at,
        safely(at, () => value[i]),
        item,
        depth - 1,
        budget,
      );
    });
  }
  const found = safely(param, () => objectKeys(value));
  if ('not' in found) invalid(param, value, `${rule}, not ${found.not}`);
  const keyed = shape === true || isArray(shape) ? null : (shape as { readonly [key: string]: JsonShape });
  const out: Record<string, unknown> = {};
  for (const key of found.keys) {
    if (typeof key !== 'string' || (keyed && !Object.prototype.hasOwnProperty.call(keyed, key))) continue;
    const at = `${param}.${key}`;
    const read = safely(at, () => (value as Record<string, unknown>)[key]);
    out[key] = snapshotJson(at, read, keyed ? keyed[key]! : true, depth - 1, budget);
  }
  return out;
}

/**
 * Reads an options object: `undefined` is `{}`; anything but a plain object (null, an
 * array, a Map, a Date, a class instance) is rejected, and so is every key not in `known`
 * wherever it comes from (own or inherited, enumerable or not, symbols too). Returns a
 * snapshot holding each known key's value, read once.
 */
export function readOptions<K extends string>(
  param: string,
  value: unknown,
  known: readonly K[],
  what = 'options',
): Partial<Record<K, unknown>> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || isArray(value)) {
    invalid(param, value, `must be an object of ${what}`);
  }
  let found: ReturnType<typeof objectKeys>;
  try {
    found = objectKeys(value);
  } catch {
    invalid(param, value, `must be a plain object of ${what} (it could not be read)`);
  }
  if ('not' in found) invalid(param, value, `must be a plain object of ${what}, not ${found.not}`);
  const snapshot: Partial<Record<K, unknown>> = {};
  for (const key of found.keys) {
    const name = typeof key === 'symbol' ? key.toString() : key;
    if (typeof key === 'symbol' || !(known as readonly string[]).includes(key)) {
      let v: unknown;
      try {
        v = (value as Record<string | symbol, unknown>)[key];
      } catch {
        v = undefined;
      }
      invalid(`${param}.${name}`, v, `is not one of the ${what}; known: ${listed(known)}`);
    }
  }
  for (const key of known) {
    let v: unknown;
    try {
      v = (value as Record<string, unknown>)[key];
    } catch {
      invalid(`${param}.${key}`, undefined, 'could not be read');
    }
    if (v !== undefined) snapshot[key] = isArray(v) ? copyList(`${param}.${key}`, v) : v;
  }
  return snapshot;
}

/** Longest array an option value copied by {@link readOptions} may be (longer ones are left for their reader to reject). */
const MAX_LISTED = 64;

/**
 * A plain copy of an array option (each element read once, holes kept), so that a caller
 * changing its array later changes nothing that keeps the options (a prepared layer).
 */
function copyList(param: string, list: unknown[]): unknown[] {
  try {
    const length = list.length;
    if (!isInt(length, 0, MAX_LISTED)) return list;
    const copy = new Array<unknown>(length);
    for (let i = 0; i < length; i++) if (i in list) copy[i] = list[i];
    return copy;
  } catch {
    return invalid(param, list, 'could not be read: its length or an element threw');
  }
}

/** A list of names for a message, cut after the first few when long (35 limit names would fill a screen). */
function listed(names: readonly string[]): string {
  const all = names.join(', ');
  if (all.length <= 200) return all;
  return `${names.slice(0, 4).join(', ')}, … (${names.length} names)`;
}

/** Validates a finite number; `def` when undefined. */
export function readNumber(param: string, value: unknown, def: number): number {
  if (value === undefined) return def;
  if (typeof value !== 'number' || !Number.isFinite(value)) invalid(param, value, 'must be a finite number');
  return value;
}

/** Validates a boolean; `def` when undefined. */
export function readBoolean(param: string, value: unknown, def: boolean): boolean {
  if (value === undefined) return def;
  if (typeof value !== 'boolean') invalid(param, value, 'must be true or false');
  return value;
}

/** Validates one of a list of strings; `def` when undefined. */
export function oneOf<T extends string>(param: string, value: unknown, allowed: readonly T[], def: T): T {
  if (value === undefined) return def;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    invalid(param, value, `must be one of ${allowed.map((a) => `'${a}'`).join(', ')}`);
  }
  return value as T;
}

/** Checks that `data` is a Float32Array of `size` elements (the product of `shape`). */
export function checkData(param: string, data: unknown, shape: readonly number[]): asserts data is Float32Array {
  if (!isFloat32Array(data)) invalid(param, data, 'must be a Float32Array');
  const size = product(shape);
  const length = typedLength(data);
  if (length !== size) {
    invalid(`${param}.length`, length, `must equal the product of its shape ${show(shape)} = ${size}`);
  }
}

/** A copy of `data` on a plain ArrayBuffer (it may live on a SharedArrayBuffer or be changed by the caller later). */
export function copyData(data: Float32Array): Float32Array<ArrayBuffer> {
  return new Float32Array(data);
}
