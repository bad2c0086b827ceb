/**
 * IEEE 754 half precision on the CPU: rounding float32 data to float16 bits (to nearest,
 * ties to even) and widening bits back to float32 (exact). Used for uploads, readbacks and
 * the CPU backend's float16 path.
 */
import { invalid } from './errors.js';
import { MAX_ELEMENTS, isArray, isInt, typedArrayType, typedLength } from './validate.js';

// Views of one scratch word. Marked pure, with no property read in their arguments, so that
// bundlers drop them from applications that never convert halves.
const word = /* @__PURE__ */ new ArrayBuffer(4);
const f32 = /* @__PURE__ */ new Float32Array(word);
const u32 = /* @__PURE__ */ new Uint32Array(word);

/** The float16 bits of a number, rounded to nearest even (overflow → ±∞, NaN → a quiet NaN). */
export function halfBits(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | (mant ? 0x7e00 : 0x7c00);
  // Re-bias the exponent from 127 to 15.
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal half (or zero): shift the mantissa with its implicit 1 into place, rounding.
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = mant & ((1 << shift) - 1);
    let h = mant >>> shift;
    if (rest > half || (rest === half && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  // Ties to even; a carry out of the mantissa correctly bumps the exponent (up to ∞).
  if (rest > 0x1000 || (rest === 0x1000 && h & 1)) h++;
  return sign | h;
}

/** The value of float16 bits. */
export function halfValue(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/**
 * The elements of a typed array (not BigInt; used as it is, its length from its internal slot)
 * or of an array of numbers (read once into a copy); anything else is a DeconvError naming `param`.
 */
function readNumbers(param: string, data: unknown): { values: ArrayLike<number>; length: number } {
  const type = typedArrayType(data);
  if (type !== null && !type.startsWith('Big')) {
    return { values: data as ArrayLike<number>, length: typedLength(data as ArrayBufferView) };
  }
  const rule = 'must be a typed array or an array of numbers';
  if (!isArray(data)) invalid(param, data, rule);
  let length: number;
  try {
    length = data.length;
  } catch {
    return invalid(param, data, rule);
  }
  if (!isInt(length, 0, MAX_ELEMENTS)) invalid(param, data, rule);
  // Grown as elements are read: a sparse array of length 2^32 − 1 fails at its first hole.
  const values: number[] = [];
  for (let i = 0; i < length; i++) {
    let v: unknown;
    try {
      v = data[i];
    } catch {
      v = undefined;
    }
    if (typeof v !== 'number') invalid(`${param}[${i}]`, v, 'must be a number');
    values.push(v);
  }
  return { values, length };
}

/** Float16 bits of every element, rounded to nearest even. */
export function toHalf(data: ArrayLike<number>): Uint16Array<ArrayBuffer> {
  const { values, length } = readNumbers('data', data);
  const out = new Uint16Array(length);
  for (let i = 0; i < length; i++) out[i] = halfBits(values[i]!);
  return out;
}

/** The float32 values of float16 bits (exact: every half is a float32). */
export function fromHalf(bits: ArrayLike<number>): Float32Array<ArrayBuffer> {
  const { values, length } = readNumbers('bits', bits);
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = halfValue(values[i]!);
  return out;
}

/** Every element rounded to the nearest float16 value, as float32. */
export function roundToHalf(data: ArrayLike<number>): Float32Array<ArrayBuffer> {
  return fromHalf(toHalf(data));
}

/** The runtime's Float16Array constructor, where there is one. */
export function float16ArrayClass(): (new (...args: never[]) => ArrayLike<number>) | null {
  const c = (globalThis as { Float16Array?: new (...args: never[]) => ArrayLike<number> }).Float16Array;
  return typeof c === 'function' ? c : null;
}
