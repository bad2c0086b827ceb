import { DeconvError } from '../errors.js';
import { ShaderStage } from './flags.js';
import { roundSize, type BufferAllocator } from './context.js';
import { limitsRecord } from './limits.js';
import type { Kernel } from './kernel.js';
import type { Storage } from './shader/storage.js';
import type { DType } from '../types.js';

/** GPU memory an engine holds, like `tf.memory()`. */
export interface MemoryInfo {
  /** Live buffers: tensors, layer weights, pooled scratch. */
  buffers: number;
  /** Their total size in bytes. */
  bytes: number;
  /** Of those, buffers kept in the reuse pool (capped). */
  pooledBuffers: number;
  pooledBytes: number;
}

/** Caps of the buffer pool. */
export interface PoolCaps {
  /** Most bytes the pool keeps; default 64 MiB. */
  bytes: number;
  /** Most buffers the pool keeps; default 64. */
  buffers: number;
  /** Buffers larger than this are never pooled; default 16 MiB. */
  largest: number;
}

const DEFAULT_CAPS: PoolCaps = { bytes: 64 << 20, buffers: 64, largest: 16 << 20 };

/** Pool bucket of a size: powers of two up to 1 MiB, then whole MiB. */
function bucket(size: number): number {
  const s = roundSize(size);
  if (s <= 1 << 20) return Math.max(256, 2 ** Math.ceil(Math.log2(s)));
  return Math.ceil(s / (1 << 20)) * (1 << 20);
}

/** True when an adapter/device info describes a software (CPU) implementation. */
export function isSoftwareInfo(info: GPUAdapterInfo | undefined | null): boolean {
  if (!info) return false;
  const fallback = (info as unknown as { isFallbackAdapter?: boolean }).isFallbackAdapter;
  if (fallback) return true;
  const text = `${info.vendor ?? ''} ${info.architecture ?? ''} ${info.device ?? ''} ${info.description ?? ''}`;
  return /swiftshader|llvmpipe|lavapipe|warp|software/i.test(text);
}

/** `navigator.hardwareConcurrency` when the host has it (1 to 1024), else undefined. */
function hostCores(): number | undefined {
  const n = (globalThis as { navigator?: { hardwareConcurrency?: unknown } }).navigator?.hardwareConcurrency;
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 ? Math.min(n, 1024) : undefined;
}

/**
 * One device and everything the engine tracks on it: effective limits, the
 * buffer pool, every live buffer (for `memory()`), and device loss.
 */
export class Runtime implements BufferAllocator {
  readonly device: GPUDevice;
  /** The device's limits, tightened by the engine's `limits` option. */
  readonly limits: GPUSupportedLimits;
  readonly software: boolean;
  /**
   * CPU threads a software adapter runs workgroups on, as the host reports them
   * (`navigator.hardwareConcurrency`; undefined where there is none, as in Node before 21).
   */
  readonly cores = hostCores();
  /**
   * True when the device has `shader-f16` and its compiler takes the native float16 accessors
   * (see {@link checkNativeF16}): float16 tensors are then read and written natively.
   */
  hasF16: boolean;
  /** Set once the device is lost or destroyed. */
  lost = false;
  /** Set once the engine destroyed every buffer (work still in flight then fails with DESTROYED). */
  destroyed = false;
  lostMessage = '';
  private readonly live = new Map<GPUBuffer, number>();
  private readonly pool = new Map<string, GPUBuffer[]>();
  private readonly poolOrder: GPUBuffer[] = [];
  private pooledBytes = 0;
  private readonly caps: PoolCaps;
  private readonly lostSignal: Promise<never>;

  /** The kernels the planner may pick on this device (the engine's). */
  readonly kernels: readonly Kernel[];

  constructor(
    device: GPUDevice,
    software: boolean,
    kernels: readonly Kernel[],
    lower: Partial<Record<string, number>> = {},
    caps: Partial<PoolCaps> = {},
  ) {
    this.device = device;
    this.software = software;
    this.kernels = kernels;
    this.hasF16 = device.features?.has('shader-f16') ?? false;
    const limits = limitsRecord(device.limits);
    for (const [k, v] of Object.entries(lower)) {
      // Only ever stricter: a lower maximum, a larger alignment (the `min…` limits).
      if (typeof v === 'number' && k in limits) {
        limits[k] = k.startsWith('min') ? Math.max(limits[k]!, v) : Math.min(limits[k]!, v);
      }
    }
    this.limits = limits as unknown as GPUSupportedLimits;
    this.caps = { ...DEFAULT_CAPS, ...caps };
    this.lostSignal = device.lost.then((info) => {
      this.lost = true;
      this.lostMessage = info.message || info.reason || 'device lost';
      throw this.lostError();
    });
    // Nobody may be waiting when the device goes; keep the rejection handled.
    this.lostSignal.catch(() => undefined);
  }

  private checkLayout: GPUBindGroupLayout | null = null;

  /** A one-buffer bind group layout, to find out (asynchronously) whether a wrapped buffer belongs to this device. */
  wrapCheckLayout(): GPUBindGroupLayout {
    this.checkLayout ??= this.device.createBindGroupLayout({
      label: 'wrap:check',
      entries: [{ binding: 0, visibility: ShaderStage.COMPUTE, buffer: { type: 'read-only-storage' } }],
    });
    return this.checkLayout;
  }

  /** How tensors of a dtype are stored on this device. */
  storageOf(dtype: DType): Storage {
    if (dtype === 'float32') return 'f32';
    return this.hasF16 ? 'f16' : 'f16-packed';
  }

  /**
   * What the planner needs of this device for tensors of `dtype` (see PlanOptions): its
   * adapter class, the host's threads, the storage and the IEEE guard.
   */
  planEnv(dtype: DType, guard: boolean): { software: boolean; storage: Storage; guard: boolean; cores?: number } {
    return { software: this.software, storage: this.storageOf(dtype), guard, cores: this.cores };
  }

  /** The DeconvError every call gets once the device is gone. */
  lostError(): DeconvError {
    return new DeconvError('DEVICE_LOST', `the GPU device was lost (${this.lostMessage || 'destroyed'})`, 'device');
  }

  /** The DeconvError of work in flight or started after the engine was destroyed. */
  destroyedError(): DeconvError {
    return new DeconvError('DESTROYED', 'engine: it was destroyed and cannot be used', 'engine');
  }

  /** The error a failed GPU step reports: DEVICE_LOST or DESTROYED when that is why, else `e`. */
  failure(e: unknown): unknown {
    return this.lost ? this.lostError() : this.destroyed ? this.destroyedError() : e;
  }

  /** Throws DEVICE_LOST when the device is gone, DESTROYED when the engine is. */
  checkAlive(): void {
    if (this.lost) throw this.lostError();
    if (this.destroyed) throw this.destroyedError();
  }

  /** Resolves like `p`, or rejects with DEVICE_LOST as soon as the device is lost: nothing waits forever. */
  guard<T>(p: Promise<T>): Promise<T> {
    return Promise.race([p, this.lostSignal]);
  }

  /** A tracked buffer that is never pooled (tensors, layer weights). */
  create(size: number, usage: number, label: string): GPUBuffer {
    const b = this.device.createBuffer({ size: roundSize(size), usage, label });
    this.live.set(b, b.size);
    return b;
  }

  /** Destroys a tracked buffer. */
  destroy(buffer: GPUBuffer): void {
    if (this.live.delete(buffer)) buffer.destroy();
  }

  acquire(size: number, usage: number, label: string): GPUBuffer {
    const bytes = bucket(size);
    if (bytes <= this.caps.largest) {
      const list = this.pool.get(`${usage}:${bytes}`);
      const b = list?.pop();
      if (b) {
        this.pooledBytes -= b.size;
        this.poolOrder.splice(this.poolOrder.indexOf(b), 1);
        b.label = label;
        return b;
      }
      return this.create(bytes, usage, label);
    }
    return this.create(size, usage, label);
  }

  release(buffer: GPUBuffer): void {
    if (!this.live.has(buffer)) return;
    if (this.lost || buffer.size > this.caps.largest || buffer.mapState !== 'unmapped') {
      this.destroy(buffer);
      return;
    }
    const key = `${buffer.usage}:${buffer.size}`;
    let list = this.pool.get(key);
    if (!list) this.pool.set(key, (list = []));
    list.push(buffer);
    this.poolOrder.push(buffer);
    this.pooledBytes += buffer.size;
    // Evict the oldest pooled buffers beyond the caps.
    while (this.poolOrder.length > this.caps.buffers || this.pooledBytes > this.caps.bytes) {
      const old = this.poolOrder.shift()!;
      const l = this.pool.get(`${old.usage}:${old.size}`)!;
      l.splice(l.indexOf(old), 1);
      this.pooledBytes -= old.size;
      this.destroy(old);
    }
  }

  /** Destroys every pooled buffer. */
  trimPool(): void {
    for (const b of this.poolOrder.splice(0)) this.destroy(b);
    this.pool.clear();
    this.pooledBytes = 0;
  }

  memory(): MemoryInfo {
    let bytes = 0;
    for (const size of this.live.values()) bytes += size;
    return { buffers: this.live.size, bytes, pooledBuffers: this.poolOrder.length, pooledBytes: this.pooledBytes };
  }

  /** Destroys every tracked buffer; the runtime is not used again. */
  destroyAll(): void {
    this.destroyed = true;
    for (const b of this.live.keys()) b.destroy();
    this.live.clear();
    this.pool.clear();
    this.poolOrder.length = 0;
    this.pooledBytes = 0;
  }

  /**
   * Runs synchronous GPU work inside validation and out-of-memory error scopes
   * and returns a promise of its GPU errors, mapped to DeconvError (out of
   * memory → DEVICE_LIMIT, lost → DEVICE_LOST). Push and pop happen in the same
   * tick, so concurrent calls never pop each other's scopes.
   */
  scoped<T>(work: () => T): { value: T; errors: Promise<void> } {
    this.checkAlive();
    const d = this.device;
    d.pushErrorScope('validation');
    d.pushErrorScope('out-of-memory');
    let value: T;
    try {
      value = work();
    } catch (e) {
      d.popErrorScope().catch(() => undefined);
      d.popErrorScope().catch(() => undefined);
      throw e;
    }
    const oom = d.popErrorScope();
    const validation = d.popErrorScope();
    const errors = this.guard(Promise.all([oom, validation])).then(([o, v]) => {
      if (this.lost || this.destroyed) throw this.failure(null);
      if (o) throw new DeconvError('DEVICE_LIMIT', `the GPU ran out of memory: ${o.message}`, 'device');
      if (v) throw new Error(`webgpu-deconv internal error (please report): ${v.message}`);
    });
    errors.catch(() => undefined);
    return { value, errors };
  }
}
