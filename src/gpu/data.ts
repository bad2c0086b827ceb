/**
 * Tensor data as the engine takes it: validated, copied at once (a caller changing or
 * transferring its array afterwards changes nothing), and converted to the element type
 * it is stored in.
 */
import { invalid, show } from '../errors.js';
import { fromHalf, toHalf } from '../half.js';
import { product, typedArrayType, typedLength } from '../validate.js';
import type { DType } from './tensor.js';

/** Data in its storage form: float32 values, or float16 bits. */
export type StoredData = Float32Array<ArrayBuffer> | Uint16Array<ArrayBuffer>;

/**
 * Validates data for a tensor of `shape` and returns a copy in the storage form of `dtype`:
 * float32 takes a Float32Array; float16 takes a Float32Array (rounded to nearest even), a
 * Uint16Array of IEEE half bits, or a Float16Array. The element type and count come from the
 * array's internal slots, so a Proxy, a subclass or an own `length` cannot disagree with what
 * is copied.
 */
export function readData(param: string, data: unknown, shape: readonly number[], dtype: DType): StoredData {
  const size = product(shape);
  const type = typedArrayType(data);
  const accepted =
    dtype === 'float32'
      ? type === 'Float32Array'
      : type === 'Float32Array' || type === 'Uint16Array' || type === 'Float16Array';
  if (!accepted) {
    invalid(
      param,
      data,
      dtype === 'float32'
        ? 'must be a Float32Array'
        : 'must be a Float32Array (rounded to float16), a Uint16Array of float16 bits or a Float16Array',
    );
  }
  const view = data as ArrayBufferView;
  const length = typedLength(view);
  if (length !== size) {
    invalid(`${param}.length`, length, `must equal the product of its shape ${show(shape)} = ${size}`);
  }
  // Copying is the only step that reads the buffer: a detached one (transferred) throws there,
  // even when its length is the expected 0.
  try {
    if (dtype === 'float32') return new Float32Array(view as Float32Array);
    if (type === 'Float32Array') return toHalf(new Float32Array(view as Float32Array));
    // Half bits, as they are (a Float16Array's bytes are its bits).
    return new Uint16Array(new Uint16Array(view.buffer, view.byteOffset, size));
  } catch {
    invalid(param, data, 'is detached: its ArrayBuffer was transferred');
  }
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
