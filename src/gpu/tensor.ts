import { BufferUsage, MapMode } from './flags.js';
import { DeconvError } from '../errors.js';
import { fromHalf, toHalf } from '../half.js';
import { product } from './math.js';
import type { Runtime } from './runtime.js';

import type { DType } from '../types.js';

export type { DType };

/**
 * A tensor resident where the engine computes: a GPU buffer, or CPU memory on the CPU backend.
 *
 * Ownership: a tensor from `engine.upload` or `layer.run` owns its buffer, and `destroy()`
 * frees it; a tensor from `engine.wrap` only borrows the caller's buffer, and `destroy()`
 * never destroys it. Destroying a tensor while a `read()` of it is pending waits for that
 * read; work already enqueued on it (a `layer.run`) is unaffected.
 */
export interface GPUTensor {
  readonly shape: readonly number[];
  /** Number of elements. */
  readonly size: number;
  readonly dtype: DType;
  /** True after {@link GPUTensor.destroy}. */
  readonly destroyed: boolean;
  /**
   * The GPUBuffer behind the tensor (null on the CPU backend), valid until the tensor is
   * destroyed: elements from offset 0 in the tensor's layout, float32 or float16 (little-endian
   * IEEE half, two per 4 bytes). Read it in your own passes on the engine's device; the
   * engine may reuse an owned buffer only after `destroy()`.
   * @throws DeconvError('INVALID_ARGUMENT') once the tensor is destroyed.
   */
  readonly buffer: GPUBuffer | null;
  /** Waits for the work that produces the tensor and copies it to the CPU, as float32 (float16 widened exactly). */
  read(): Promise<Float32Array>;
  /**
   * The raw IEEE half bits of a float16 tensor (`new Float16Array(bits.buffer)` where the
   * runtime has Float16Array).
   * @throws DeconvError('INVALID_ARGUMENT') for a float32 tensor.
   */
  readBits(): Promise<Uint16Array>;
  /** Frees the tensor's memory (never a wrapped buffer); using it afterwards throws DeconvError. */
  destroy(): void;
}

/** Throws the DeconvError for using a destroyed tensor. */
export function destroyedTensor(param: string): never {
  throw new DeconvError('INVALID_ARGUMENT', `${param}: the tensor was destroyed and cannot be used`, param);
}

function notHalf(param: string): never {
  throw new DeconvError(
    'INVALID_ARGUMENT',
    `${param}.dtype = 'float32': readBits() reads float16 tensors; use read()`,
    `${param}.dtype`,
  );
}

/** Bytes per element of a dtype. */
export function dtypeBytes(dtype: DType): 2 | 4 {
  return dtype === 'float16' ? 2 : 4;
}

/** A tensor held in a GPU buffer of one runtime (device). */
export class DeviceTensor implements GPUTensor {
  readonly shape: readonly number[];
  readonly size: number;
  readonly dtype: DType;
  /** Identifies the engine that made it. */
  readonly owner: object;
  readonly runtime: Runtime;
  /** False for a wrapped buffer: destroy() leaves it to its owner. */
  private readonly owned: boolean;
  private buf: GPUBuffer | null;
  private isDestroyed = false;
  /** Reads in flight: the buffer outlives destroy() until they finish. */
  private pending = 0;
  private produced: Promise<void>;

  constructor(
    owner: object,
    runtime: Runtime,
    buffer: GPUBuffer,
    shape: readonly number[],
    ready: Promise<void>,
    dtype: DType = 'float32',
    owned = true,
  ) {
    this.owner = owner;
    this.runtime = runtime;
    this.buf = buffer;
    this.shape = Object.freeze([...shape]);
    this.size = product(shape);
    this.produced = ready;
    this.dtype = dtype;
    this.owned = owned;
    ready.catch(() => undefined);
  }

  /** Resolves when the work that produces the tensor's contents is submitted without GPU errors; rejects with its DeconvError. */
  get ready(): Promise<void> {
    return this.produced;
  }

  /** New contents are being produced by other work (a layer writing into this tensor): `ready` follows it. */
  chain(ready: Promise<void>): void {
    ready.catch(() => undefined);
    this.produced = ready;
  }

  get destroyed(): boolean {
    return this.isDestroyed;
  }

  get buffer(): GPUBuffer {
    return this.gpuBuffer('tensor');
  }

  /** The buffer for the engine's use; throws DeconvError when destroyed or when its device is lost. */
  gpuBuffer(param = 'tensor'): GPUBuffer {
    if (this.isDestroyed || !this.buf) destroyedTensor(param);
    this.runtime.checkAlive();
    return this.buf;
  }

  /** Copies the tensor's bytes to the CPU. */
  private async bytes(): Promise<ArrayBuffer> {
    const src = this.gpuBuffer();
    const rt = this.runtime;
    this.pending++;
    try {
      // The copy is submitted now, in queue order: the read sees the tensor as it is when
      // read() is called (the work producing it is already submitted), never work enqueued
      // later, such as a layer writing its output into this tensor.
      const bytes = this.size * dtypeBytes(this.dtype);
      const copy = Math.ceil(bytes / 4) * 4;
      const { value: staging, errors } = rt.scoped(() => {
        const staging = rt.acquire(copy, BufferUsage.MAP_READ | BufferUsage.COPY_DST, 'tensor:readback');
        const enc = rt.device.createCommandEncoder({ label: 'tensor:read' });
        enc.copyBufferToBuffer(src, 0, staging, 0, copy);
        rt.device.queue.submit([enc.finish()]);
        return staging;
      });
      try {
        // The producing work's errors (a wrapped buffer of another device) come first.
        await rt.guard(this.ready);
        await errors;
        await rt.guard(staging.mapAsync(MapMode.READ, 0, copy));
        const out = staging.getMappedRange(0, copy).slice(0, bytes);
        staging.unmap();
        return out;
      } catch (e) {
        throw rt.failure(e);
      } finally {
        rt.release(staging);
      }
    } finally {
      if (--this.pending === 0 && this.isDestroyed) this.free();
    }
  }

  async read(): Promise<Float32Array> {
    const raw = await this.bytes();
    return this.dtype === 'float16' ? fromHalf(new Uint16Array(raw)) : new Float32Array(raw);
  }

  async readBits(): Promise<Uint16Array> {
    if (this.dtype !== 'float16') notHalf('tensor');
    return new Uint16Array(await this.bytes());
  }

  private free(): void {
    if (this.buf && this.owned) this.runtime.destroy(this.buf);
    this.buf = null;
  }

  destroy(): void {
    if (this.isDestroyed) return;
    this.isDestroyed = true;
    if (this.pending === 0) this.free();
  }
}

/** A tensor in CPU memory, for the CPU backend (float16 tensors hold half-rounded values). */
export class HostTensor implements GPUTensor {
  readonly shape: readonly number[];
  readonly size: number;
  readonly dtype: DType;
  readonly owner: object;
  readonly buffer = null;
  private buf: Float32Array | null;

  constructor(owner: object, data: Float32Array, shape: readonly number[], dtype: DType = 'float32') {
    this.owner = owner;
    this.buf = data;
    this.shape = Object.freeze([...shape]);
    this.size = data.length;
    this.dtype = dtype;
  }

  get destroyed(): boolean {
    return this.buf === null;
  }

  /** The data; throws DeconvError when destroyed. */
  data(param = 'tensor'): Float32Array {
    if (!this.buf) destroyedTensor(param);
    return this.buf;
  }

  async read(): Promise<Float32Array> {
    return this.data().slice();
  }

  async readBits(): Promise<Uint16Array> {
    if (this.dtype !== 'float16') notHalf('tensor');
    return toHalf(this.data());
  }

  /** Replaces the contents (a layer writing its output into this tensor). */
  assign(data: Float32Array): void {
    this.data().set(data);
  }

  destroy(): void {
    this.buf = null;
  }
}
