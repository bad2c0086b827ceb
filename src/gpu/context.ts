import { BufferUsage, MapMode, ShaderStage } from './flags.js';
import { DeconvError } from '../errors.js';
import { fromHalf } from '../half.js';
import type { ConvTransposeGeometry } from '../types.js';
import type { DispatchSpec, Kernel, KernelContext, VariantKey } from './kernel.js';
import { foldWorkgroups } from './limits.js';
import type { ShaderSource } from './shader/compose.js';
import { elementBytes, type Storage } from './shader/storage.js';

/** A compiled pipeline plus what is needed to bind it. */
interface PipelineEntry {
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
  shader: ShaderSource;
}

interface DeviceCache {
  modules: Map<string, GPUShaderModule>;
  pipelines: Map<string, PipelineEntry>;
}

const deviceCaches = new WeakMap<GPUDevice, DeviceCache>();

function cacheOf(device: GPUDevice): DeviceCache {
  let c = deviceCaches.get(device);
  if (!c) {
    c = { modules: new Map(), pipelines: new Map() };
    deviceCaches.set(device, c);
  }
  return c;
}

/** Number of pipelines compiled so far for `device` (for tests of the cache). */
export function pipelineCount(device: GPUDevice): number {
  return deviceCaches.get(device)?.pipelines.size ?? 0;
}

/**
 * Returns the cached compute pipeline of a composed shader and override values, compiling
 * it on first use. The cache key is the shader's variant key plus the override values; the
 * bind group layout comes from the shader's binding list, never written by hand.
 */
export function getPipeline(
  device: GPUDevice,
  shader: ShaderSource,
  constants: Record<string, number> = {},
): PipelineEntry {
  const names = Object.keys(constants).sort();
  const key = `${shader.key}|${names.map((n) => `${n}=${constants[n]}`).join(',')}`;
  const cache = cacheOf(device);
  const hit = cache.pipelines.get(key);
  if (hit) return hit;
  for (const n of names) {
    if (!shader.overrides.has(n)) throw new Error(`${shader.label}: the shader has no override '${n}'`);
    const v = constants[n]!;
    if (!Number.isFinite(v)) throw new Error(`${shader.label}: override ${n} = ${v} is not finite`);
  }
  let module = cache.modules.get(shader.key);
  if (!module) {
    module = device.createShaderModule({ label: shader.label.split(':')[0], code: shader.code });
    cache.modules.set(shader.key, module);
  }
  const label = shader.label;
  const layout = device.createBindGroupLayout({
    label,
    entries: shader.bindings.map((b) => ({
      binding: b.binding,
      visibility: ShaderStage.COMPUTE,
      buffer: { type: b.type },
    })),
  });
  const pipeline = device.createComputePipeline({
    label,
    layout: device.createPipelineLayout({ label, bindGroupLayouts: [layout] }),
    compute: { module, entryPoint: shader.entryPoint, constants },
  });
  const result: PipelineEntry = { pipeline, layout, shader };
  cache.pipelines.set(key, result);
  return result;
}

export { foldWorkgroups } from './limits.js';

/** Creates, tracks and (optionally) pools the buffers of an engine. */
export interface BufferAllocator {
  /** A new or pooled buffer with at least `size` bytes (rounded up to 16). */
  acquire(size: number, usage: number, label: string): GPUBuffer;
  /** Gives a buffer back: pooled when the pool has room, destroyed otherwise. */
  release(buffer: GPUBuffer): void;
}

/** Rounds a byte size up to a multiple of 16, at least 16 (a vec4 binding). */
export function roundSize(bytes: number): number {
  return Math.max(16, Math.ceil(bytes / 16) * 16);
}

/** An allocator that creates and destroys buffers directly. */
export function plainAllocator(device: GPUDevice): BufferAllocator {
  return {
    acquire: (size, usage, label) => device.createBuffer({ size: roundSize(size), usage, label }),
    release: (b) => b.destroy(),
  };
}

interface RecordedDispatch {
  kind: 'dispatch';
  entry: PipelineEntry;
  spec: DispatchSpec;
  grid: [number, number, number];
  uniformOffset: number;
}

interface RecordedClear {
  kind: 'clear';
  buffer: GPUBuffer;
}

interface RecordedCopy {
  kind: 'copy';
  src: GPUBuffer;
  srcOffset: number;
  dst: GPUBuffer;
  dstOffset: number;
  size: number;
}

/** Options of a {@link CallContext}. */
export interface CallContextOptions {
  /** The device's limits, possibly lowered by the engine; defaults to `device.limits`. */
  limits?: GPUSupportedLimits;
  /** True on a software adapter; see {@link KernelContext.software}. */
  software?: boolean;
  /** How the call's tensors are stored; default 'f32'. */
  storage?: Storage;
  /** True when the filter may hold ±∞ or NaN; see {@link KernelContext.guard}. */
  guard?: boolean;
  /** Where scratch and uniform buffers come from; defaults to plain create/destroy. */
  allocator?: BufferAllocator;
}

/** Size of a uniform binding: the struct, at least 16 bytes and a multiple of 16. */
function uniformBinding(shader: ShaderSource): number {
  return Math.max(16, Math.ceil(shader.uniformSize / 16) * 16);
}

/**
 * The {@link KernelContext} of one call: records dispatches, then encodes them
 * into a command encoder with all their uniforms packed in one buffer. Scratch
 * buffers are zero-filled and live until {@link CallContext.release}.
 */
export class CallContext implements KernelContext {
  readonly device: GPUDevice;
  readonly limits: GPUSupportedLimits;
  readonly software: boolean;
  readonly storage: Storage;
  readonly guard: boolean;
  private readonly allocator: BufferAllocator;
  private readonly ops: (RecordedDispatch | RecordedClear | RecordedCopy)[] = [];
  /** Scratch of earlier pieces of this call, free for later pieces (the encoder orders them). */
  private readonly reusable: GPUBuffer[] = [];
  private readonly owned: GPUBuffer[] = [];
  private uniformBytes = 0;
  private released = false;

  constructor(device: GPUDevice, options: CallContextOptions = {}) {
    this.device = device;
    this.limits = options.limits ?? device.limits;
    this.software = options.software ?? false;
    this.storage = options.storage ?? 'f32';
    this.guard = options.guard ?? false;
    this.allocator = options.allocator ?? plainAllocator(device);
  }

  scratch(bytes: number, label: string): GPUBuffer {
    if (!(bytes >= 0) || !Number.isSafeInteger(bytes)) throw new Error(`${label}: scratch size ${bytes} is not a size`);
    if (bytes > this.limits.maxStorageBufferBindingSize || bytes > this.limits.maxBufferSize) {
      throw new DeconvError(
        'DEVICE_LIMIT',
        `${label}: scratch buffer of ${bytes} bytes exceeds maxStorageBufferBindingSize ${this.limits.maxStorageBufferBindingSize}`,
        'scratch',
      );
    }
    const need = roundSize(bytes);
    const i = this.reusable.findIndex((b) => b.size >= need);
    const buffer =
      i >= 0
        ? this.reusable.splice(i, 1)[0]!
        : this.allocator.acquire(bytes, BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST, label);
    if (i < 0) this.owned.push(buffer);
    // Pooled buffers hold old data; kernels may rely on zeros (zero-insertion does).
    this.ops.push({ kind: 'clear', buffer });
    return buffer;
  }

  dispatch(spec: DispatchSpec): void {
    if (spec.workgroups <= 0) return;
    const shader = spec.shader;
    if (!Number.isSafeInteger(spec.workgroups)) throw new Error(`${shader.label}: workgroups = ${spec.workgroups}`);
    const entry = getPipeline(this.device, shader, spec.constants ?? {});
    for (const name of Object.keys(spec.buffers)) {
      const b = shader.bindings.find((x) => x.name === name);
      if (!b || b.type === 'uniform') throw new Error(`${shader.label}: the shader has no storage buffer '${name}'`);
    }
    let uniformOffset = -1;
    for (const b of shader.bindings) {
      if (b.type === 'uniform') {
        const align = this.limits.minUniformBufferOffsetAlignment;
        uniformOffset = Math.ceil(this.uniformBytes / align) * align;
        this.uniformBytes = uniformOffset + uniformBinding(shader);
      } else if (!spec.buffers[b.name]) {
        throw new Error(`${shader.label}: no buffer given for '${b.name}'`);
      }
    }
    for (const name of Object.keys(spec.uniforms ?? {})) {
      if (!shader.uniforms.has(name)) throw new Error(`${shader.label}: the uniform struct has no member '${name}'`);
    }
    const grid = foldWorkgroups(spec.workgroups, this.limits.maxComputeWorkgroupsPerDimension);
    this.ops.push({ kind: 'dispatch', entry, spec, grid, uniformOffset });
  }

  /** Records a buffer-to-buffer copy, in order with the dispatches (byte offsets and size multiples of 4). */
  copy(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, size: number): void {
    if (size > 0) this.ops.push({ kind: 'copy', src, srcOffset, dst, dstOffset, size });
  }

  /**
   * Marks every scratch buffer handed out so far as free for later scratch
   * requests of this same call. Safe because one command encoder runs its
   * passes and copies in order: used between the pieces of a split call.
   */
  recycle(): void {
    for (const b of this.owned) if (!this.reusable.includes(b)) this.reusable.push(b);
  }

  /** Number of dispatches recorded so far. */
  get dispatchCount(): number {
    return this.ops.filter((o) => o.kind === 'dispatch').length;
  }

  /**
   * Encodes the recorded work into `encoder` (one compute pass per dispatch, so
   * each sees the previous one's writes). Writes the packed uniforms through
   * the queue, which orders them before any later submit.
   */
  encode(encoder: GPUCommandEncoder): void {
    let uniformBuffer: GPUBuffer | null = null;
    if (this.uniformBytes > 0) {
      const data = new ArrayBuffer(this.uniformBytes);
      const view = new DataView(data);
      for (const op of this.ops) {
        if (op.kind !== 'dispatch' || op.uniformOffset < 0) continue;
        writeUniforms(view, op.uniformOffset, op.spec);
      }
      const first = this.ops.find((o): o is RecordedDispatch => o.kind === 'dispatch');
      uniformBuffer = this.allocator.acquire(
        this.uniformBytes,
        BufferUsage.UNIFORM | BufferUsage.COPY_DST,
        `${first?.spec.shader.label.split(':')[0] ?? 'deconv'}:params`,
      );
      this.owned.push(uniformBuffer);
      this.device.queue.writeBuffer(uniformBuffer, 0, data);
    }
    for (const op of this.ops) {
      if (op.kind === 'clear') {
        encoder.clearBuffer(op.buffer);
        continue;
      }
      if (op.kind === 'copy') {
        encoder.copyBufferToBuffer(op.src, op.srcOffset, op.dst, op.dstOffset, op.size);
        continue;
      }
      const { entry, spec } = op;
      const shader = spec.shader;
      const entries: GPUBindGroupEntry[] = shader.bindings.map((b) =>
        b.type === 'uniform'
          ? {
              binding: b.binding,
              resource: { buffer: uniformBuffer!, offset: op.uniformOffset, size: uniformBinding(shader) },
            }
          : { binding: b.binding, resource: { buffer: spec.buffers[b.name]! } },
      );
      const bindGroup = this.device.createBindGroup({ label: shader.label, layout: entry.layout, entries });
      const pass = encoder.beginComputePass({ label: shader.label });
      pass.setPipeline(entry.pipeline);
      pass.setBindGroup(0, bindGroup);
      pass.dispatchWorkgroups(op.grid[0], op.grid[1], op.grid[2]);
      pass.end();
    }
  }

  /**
   * Gives the call's scratch and uniform buffers back once the queue has
   * finished the submitted work (or at once when `now`).
   */
  release(now = false): void {
    if (this.released) return;
    this.released = true;
    const buffers = this.owned.splice(0);
    if (buffers.length === 0) return;
    const free = () => buffers.forEach((b) => this.allocator.release(b));
    if (now) free();
    else this.device.queue.onSubmittedWorkDone().then(free, free);
  }
}

function writeUniforms(view: DataView, base: number, spec: DispatchSpec): void {
  const shader = spec.shader;
  for (const m of shader.uniforms.values()) {
    const value = spec.uniforms?.[m.name];
    if (value === undefined) throw new Error(`${shader.label}: uniform member '${m.name}' was not given`);
    const values = typeof value === 'number' ? [value] : value;
    if (values.length !== m.count) {
      throw new Error(`${shader.label}: uniform '${m.name}' needs ${m.count} value(s), got ${values.length}`);
    }
    values.forEach((v, i) => {
      const at = base + m.offset + 4 * i;
      if (m.type === 'f32') view.setFloat32(at, v, true);
      else if (m.type === 'i32') {
        if (!Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31)
          throw new Error(`${shader.label}: ${m.name} = ${v} is not an i32`);
        view.setInt32(at, v, true);
      } else {
        if (!Number.isInteger(v) || v < 0 || v >= 2 ** 32)
          throw new Error(`${shader.label}: ${m.name} = ${v} is not a u32`);
        view.setUint32(at, v, true);
      }
    });
  }
}

/** Options of {@link runKernel}. */
export interface RunKernelOptions {
  software?: boolean;
  limits?: GPUSupportedLimits;
  /** Default 'f32'; the data arrays then hold half bits (Uint16Array) for the f16 storages. */
  storage?: Storage;
  guard?: boolean;
  /** The variant to run; default the kernel's own choice. */
  variant?: VariantKey;
}

/** Typed data of a storage: float32 values, or float16 bits. */
type Data = Float32Array | Uint16Array;

/**
 * Runs one kernel on one geometry and reads the output back: the smallest
 * end-to-end path, for tests. Buffers are created and destroyed here; GPU
 * validation errors reject the promise. With a float16 storage, `input`, `filter` and
 * `bias` are half bits; the result is always float32 values (halves widened).
 */
export async function runKernel(
  device: GPUDevice,
  kernel: Kernel,
  g: ConvTransposeGeometry,
  input: Data,
  filter: Data,
  bias: Data | null = g.bias,
  options: RunKernelOptions = {},
): Promise<Float32Array> {
  const limits = options.limits ?? device.limits;
  const storage = options.storage ?? 'f32';
  const env = { limits, software: options.software ?? false, storage, guard: options.guard ?? false };
  const why = kernel.unsupported(g, env);
  if (why) throw new DeconvError('UNSUPPORTED_BY_KERNEL', `${kernel.name}: ${why}`, 'kernel');
  const variant = options.variant ?? kernel.choose(g, env).variant;
  const bytes = elementBytes(storage);
  const usage = BufferUsage.STORAGE | BufferUsage.COPY_DST | BufferUsage.COPY_SRC;
  const make = (data: Data | number, label: string): GPUBuffer => {
    const n = typeof data === 'number' ? data : data.length;
    const b = device.createBuffer({ label: `${kernel.name}:${label}`, size: roundSize(n * bytes), usage });
    if (typeof data !== 'number') {
      const padded = new Uint8Array(roundSize(data.byteLength));
      padded.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      device.queue.writeBuffer(b, 0, padded);
    }
    return b;
  };
  device.pushErrorScope('validation');
  device.pushErrorScope('out-of-memory');
  const zeros = storage === 'f32' ? new Float32Array(g.outChannels) : new Uint16Array(g.outChannels);
  const buffers = {
    input: make(input, 'input'),
    filter: make(filter, 'filter'),
    bias: make(bias ?? zeros, 'bias'),
    output: make(g.outputSize, 'output'),
  };
  const outBytes = roundSize(g.outputSize * bytes);
  const readback = device.createBuffer({
    label: `${kernel.name}:readback`,
    size: outBytes,
    usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST,
  });
  const ctx = new CallContext(device, { ...env });
  let thrown: unknown = null;
  try {
    kernel.encode(ctx, g, buffers, variant);
    const encoder = device.createCommandEncoder({ label: kernel.name });
    ctx.encode(encoder);
    encoder.copyBufferToBuffer(buffers.output, 0, readback, 0, outBytes);
    device.queue.submit([encoder.finish()]);
  } catch (e) {
    thrown = e;
  }
  const oom = device.popErrorScope();
  const validation = device.popErrorScope();
  ctx.release();
  const all = [...Object.values(buffers)];
  try {
    if (thrown) throw thrown;
    const [e1, e2] = await Promise.all([oom, validation]);
    const err = e2 ?? e1;
    if (err) throw new Error(`${kernel.name}: GPU error: ${err.message}`);
    await readback.mapAsync(MapMode.READ);
    const raw = readback.getMappedRange().slice(0, g.outputSize * bytes);
    readback.unmap();
    return storage === 'f32' ? new Float32Array(raw) : fromHalf(new Uint16Array(raw));
  } finally {
    all.forEach((b) => b.destroy());
    readback.destroy();
  }
}
