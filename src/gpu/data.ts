/**
 * Tensor data as the engine takes it: validated, copied at once (a caller changing or
 * transferring its array afterwards changes nothing), and converted to the element type
 * it is stored in.
 */
import { invalid, show } from '../errors.js';
import { float16ArrayClass, fromHalf, toHalf } from '../half.js';
import { product } from '../validate.js';
import type { DType } from './tensor.js';

/** Data in its storage form: float32 values, or float16 bits. */
export type StoredData = Float32Array<ArrayBuffer> | Uint16Array<ArrayBuffer>;

/** True for a Float16Array, where the runtime has one. */
function isFloat16Array(data: unknown): data is ArrayLike<number> & ArrayBufferView {
  const c = float16ArrayClass();
  return c !== null && data instanceof c;
}

/**
 * Validates data for a tensor of `shape` and returns a copy in the storage form of `dtype`:
 * float32 takes a Float32Array; float16 takes a Float32Array (rounded to nearest even), a
 * Uint16Array of IEEE half bits, or a Float16Array.
 */
export function readData(param: string, data: unknown, shape: readonly number[], dtype: DType): StoredData {
  const size = product(shape);
  const accepted =
    dtype === 'float32'
      ? data instanceof Float32Array
      : data instanceof Float32Array || data instanceof Uint16Array || isFloat16Array(data);
  if (!accepted) {
    invalid(
      param,
      data,
      dtype === 'float32'
        ? 'must be a Float32Array'
        : 'must be a Float32Array (rounded to float16), a Uint16Array of float16 bits or a Float16Array',
    );
  }
  const arr = data as Float32Array | Uint16Array;
  if (arr.length !== size) {
    invalid(`${param}.length`, arr.length, `must equal the product of its shape ${show(shape)} = ${size}`);
  }
  if (dtype === 'float32') return new Float32Array(arr as Float32Array);
  if (arr instanceof Float32Array) return toHalf(arr);
  if (arr instanceof Uint16Array) return new Uint16Array(arr);
  const view = arr as ArrayBufferView;
  return new Uint16Array(new Uint16Array(view.buffer, view.byteOffset, size));
}

/** Float32 values of stored data (float16 widened exactly). */
export function valuesOf(data: StoredData): Float32Array {
  return data instanceof Uint16Array ? fromHalf(data) : data;
}

/** True when some element is ±∞ or NaN (float16 bits: exponent all ones). */
export function hasNonFinite(data: StoredData): boolean {
  if (data instanceof Uint16Array) {
    for (let i = 0; i < data.length; i++) if ((data[i]! & 0x7c00) === 0x7c00) return true;
    return false;
  }
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i]!)) return true;
  return false;
}

/** Writes stored data to a buffer from element 0 (padded to whole 4-byte words, as writeBuffer needs). */
export function writeData(device: GPUDevice, buffer: GPUBuffer, data: StoredData): void {
  if (data.byteLength % 4 === 0) {
    device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
    return;
  }
  const padded = new Uint8Array(Math.ceil(data.byteLength / 4) * 4);
  padded.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  device.queue.writeBuffer(buffer, 0, padded);
}
