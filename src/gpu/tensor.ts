import { BufferUsage, MapMode } from './flags.js';
import { DeconvError } from '../errors.js';
import type { Runtime } from './runtime.js';

/** A float32 tensor resident where the engine computes (a GPU buffer, or CPU memory on the CPU backend). */
export interface GPUTensor {
  readonly shape: readonly number[];
  /** Number of elements. */
  readonly size: number;
  /** True after {@link GPUTensor.destroy}. */
  readonly destroyed: boolean;
  /** Waits for the work that produces the tensor and copies it to the CPU. */
  read(): Promise<Float32Array>;
  /** Frees the tensor's memory; using it afterwards throws DeconvError. */
  destroy(): void;
}

/** Throws the DeconvError for using a destroyed tensor. */
export function destroyedTensor(param: string): never {
  throw new DeconvError('INVALID_ARGUMENT', `${param}: the tensor was destroyed and cannot be used`, param);
}

/** A tensor held in a GPU buffer of one runtime (device). */
export class DeviceTensor implements GPUTensor {
  readonly shape: readonly number[];
  readonly size: number;
  /** Identifies the engine that made it. */
  readonly owner: object;
  readonly runtime: Runtime;
  private buf: GPUBuffer | null;
  /** Resolves when the producing work is submitted without GPU errors; rejects with its DeconvError. */
  readonly ready: Promise<void>;

  constructor(owner: object, runtime: Runtime, buffer: GPUBuffer, shape: readonly number[], ready: Promise<void>) {
    this.owner = owner;
    this.runtime = runtime;
    this.buf = buffer;
    this.shape = Object.freeze([...shape]);
    this.size = shape.reduce((a, b) => a * b, 1);
    this.ready = ready;
    ready.catch(() => undefined);
  }

  get destroyed(): boolean {
    return this.buf === null;
  }

  /** The buffer; throws DeconvError when destroyed or when its device is lost. */
  buffer(param = 'tensor'): GPUBuffer {
    if (!this.buf) destroyedTensor(param);
    this.runtime.checkAlive();
    return this.buf;
  }

  async read(): Promise<Float32Array> {
    const src = this.buffer();
    const rt = this.runtime;
    await rt.guard(this.ready);
    const bytes = this.size * 4;
    const { value: staging, errors } = rt.scoped(() => {
      const staging = rt.acquire(bytes, BufferUsage.MAP_READ | BufferUsage.COPY_DST, 'tensor:readback');
      const enc = rt.device.createCommandEncoder({ label: 'tensor:read' });
      enc.copyBufferToBuffer(src, 0, staging, 0, Math.ceil(bytes / 4) * 4);
      rt.device.queue.submit([enc.finish()]);
      return staging;
    });
    try {
      await errors;
      await rt.guard(staging.mapAsync(MapMode.READ, 0, bytes));
      const out = new Float32Array(staging.getMappedRange(0, bytes).slice(0));
      staging.unmap();
      return out;
    } catch (e) {
      throw rt.lost ? rt.lostError() : e;
    } finally {
      rt.release(staging);
    }
  }

  destroy(): void {
    if (this.buf) {
      this.runtime.destroy(this.buf);
      this.buf = null;
    }
  }
}

/** A tensor in CPU memory, for the CPU backend. */
export class HostTensor implements GPUTensor {
  readonly shape: readonly number[];
  readonly size: number;
  readonly owner: object;
  private buf: Float32Array | null;

  constructor(owner: object, data: Float32Array, shape: readonly number[]) {
    this.owner = owner;
    this.buf = data;
    this.shape = Object.freeze([...shape]);
    this.size = data.length;
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

  destroy(): void {
    this.buf = null;
  }
}
