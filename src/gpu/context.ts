import { BufferUsage, MapMode, ShaderStage } from './flags.js';
import { DeconvError } from '../errors.js';
import type { ConvTranspose2dGeometry } from '../types.js';
import type { DispatchSpec, Kernel, KernelContext } from './kernel.js';
import { reflectShader, type ShaderReflection } from './reflect.js';

/** A compiled pipeline plus what is needed to bind it. */
interface PipelineEntry {
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
  reflection: ShaderReflection;
  entryPoint: string;
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
 * Returns the cached compute pipeline for a shader entry point and override
 * values, compiling it on first use. The bind group layout is built from the
 * bindings wgsl_reflect finds in the entry point, never written by hand.
 */
export function getPipeline(
  device: GPUDevice,
  label: string,
  code: string,
  entryPoint = 'main',
  constants: Record<string, number> = {},
): PipelineEntry {
  const reflection = reflectShader(code);
  const names = Object.keys(constants).sort();
  const key = `${label}|${reflection.hash}|${entryPoint}|${names.map((n) => `${n}=${constants[n]}`).join(',')}`;
  const cache = cacheOf(device);
  const hit = cache.pipelines.get(key);
  if (hit) return hit;
  const entry = reflection.entries.get(entryPoint);
  if (!entry) throw new Error(`${label}: the shader has no compute entry point '${entryPoint}'`);
  for (const n of names) {
    if (!reflection.overrides.has(n)) throw new Error(`${label}: the shader has no override '${n}'`);
    const v = constants[n]!;
    if (!Number.isFinite(v)) throw new Error(`${label}: override ${n} = ${v} is not finite`);
  }
  let module = cache.modules.get(reflection.hash);
  if (!module) {
    module = device.createShaderModule({ label: label.split(':')[0], code });
    cache.modules.set(reflection.hash, module);
  }
  const layout = device.createBindGroupLayout({
    label,
    entries: entry.bindings.map((b) => ({
      binding: b.binding,
      visibility: ShaderStage.COMPUTE,
      buffer: { type: b.type },
    })),
  });
  const pipeline = device.createComputePipeline({
    label,
    layout: device.createPipelineLayout({ label, bindGroupLayouts: [layout] }),
    compute: { module, entryPoint, constants },
  });
  const result: PipelineEntry = { pipeline, layout, reflection, entryPoint };
  cache.pipelines.set(key, result);
  return result;
}

/**
 * Splits a number of workgroups into an x·y·z grid within `maxPerDim`. The grid
 * may hold up to x − 1 extra workgroups; shaders return past the end.
 * @throws DeconvError('DEVICE_LIMIT') when even the 3-D grid cannot hold it.
 */
export function foldWorkgroups(total: number, maxPerDim: number): [number, number, number] {
  if (total <= maxPerDim) return [total, 1, 1];
  const x = maxPerDim;
  const rest = Math.ceil(total / x);
  if (rest <= maxPerDim) return [x, rest, 1];
  const y = maxPerDim;
  const z = Math.ceil(rest / y);
  if (z > maxPerDim) {
    throw new DeconvError(
      'DEVICE_LIMIT',
      `workgroups = ${total}: exceeds maxComputeWorkgroupsPerDimension³ = ${maxPerDim ** 3} of this device`,
      'workgroups',
    );
  }
  return [x, y, z];
}

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
  /** Where scratch and uniform buffers come from; defaults to plain create/destroy. */
  allocator?: BufferAllocator;
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
    if (!Number.isSafeInteger(spec.workgroups)) throw new Error(`${spec.label}: workgroups = ${spec.workgroups}`);
    const entry = getPipeline(this.device, spec.label, spec.code, spec.entryPoint ?? 'main', spec.constants ?? {});
    const refl = entry.reflection;
    const entryInfo = refl.entries.get(entry.entryPoint)!;
    for (const name of Object.keys(spec.buffers)) {
      const b = refl.bindings.get(name);
      if (!b || b.type === 'uniform') throw new Error(`${spec.label}: the shader has no storage buffer '${name}'`);
    }
    let uniformOffset = -1;
    for (const b of entryInfo.bindings) {
      if (b.type === 'uniform') {
        const align = this.limits.minUniformBufferOffsetAlignment;
        uniformOffset = Math.ceil(this.uniformBytes / align) * align;
        this.uniformBytes = uniformOffset + Math.max(16, refl.uniform!.size);
      } else if (!spec.buffers[b.name]) {
        throw new Error(`${spec.label}: no buffer given for '${b.name}'`);
      }
    }
    if (spec.uniforms) {
      for (const name of Object.keys(spec.uniforms)) {
        if (!refl.uniform?.members.has(name))
          throw new Error(`${spec.label}: the uniform struct has no member '${name}'`);
      }
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
        writeUniforms(view, op.uniformOffset, op.entry.reflection, op.spec);
      }
      uniformBuffer = this.allocator.acquire(
        this.uniformBytes,
        BufferUsage.UNIFORM | BufferUsage.COPY_DST,
        `${this.ops.find((o) => o.kind === 'dispatch')?.spec.label.split(':')[0] ?? 'deconv'}:params`,
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
      const entries: GPUBindGroupEntry[] = entry.reflection.entries.get(entry.entryPoint)!.bindings.map((b) =>
        b.type === 'uniform'
          ? {
              binding: b.binding,
              resource: {
                buffer: uniformBuffer!,
                offset: op.uniformOffset,
                size: Math.max(16, entry.reflection.uniform!.size),
              },
            }
          : { binding: b.binding, resource: { buffer: spec.buffers[b.name]! } },
      );
      const bindGroup = this.device.createBindGroup({ label: spec.label, layout: entry.layout, entries });
      const pass = encoder.beginComputePass({ label: spec.label });
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

function writeUniforms(view: DataView, base: number, refl: ShaderReflection, spec: DispatchSpec): void {
  const block = refl.uniform!;
  for (const m of block.members.values()) {
    const value = spec.uniforms?.[m.name];
    if (value === undefined) throw new Error(`${spec.label}: uniform member '${m.name}' was not given`);
    const values = typeof value === 'number' ? [value] : value;
    if (values.length !== m.count) {
      throw new Error(`${spec.label}: uniform '${m.name}' needs ${m.count} value(s), got ${values.length}`);
    }
    values.forEach((v, i) => {
      const at = base + m.offset + 4 * i;
      if (m.type === 'f32') view.setFloat32(at, v, true);
      else if (m.type === 'i32') {
        if (!Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31)
          throw new Error(`${spec.label}: ${m.name} = ${v} is not an i32`);
        view.setInt32(at, v, true);
      } else {
        if (!Number.isInteger(v) || v < 0 || v >= 2 ** 32)
          throw new Error(`${spec.label}: ${m.name} = ${v} is not a u32`);
        view.setUint32(at, v, true);
      }
    });
  }
}

/** Options of {@link runKernel}. */
export interface RunKernelOptions {
  software?: boolean;
  limits?: GPUSupportedLimits;
}

/**
 * Runs one kernel on one geometry and reads the output back: the smallest
 * end-to-end path, for tests. Buffers are created and destroyed here; GPU
 * validation errors reject the promise.
 */
export async function runKernel(
  device: GPUDevice,
  kernel: Kernel,
  g: ConvTranspose2dGeometry,
  input: Float32Array,
  filter: Float32Array,
  bias: Float32Array | null = g.bias,
  options: RunKernelOptions = {},
): Promise<Float32Array> {
  const limits = options.limits ?? device.limits;
  const why = kernel.unsupported(g, limits);
  if (why) throw new DeconvError('UNSUPPORTED_BY_KERNEL', `${kernel.name}: ${why}`, 'kernel');
  const usage = BufferUsage.STORAGE | BufferUsage.COPY_DST | BufferUsage.COPY_SRC;
  const make = (data: Float32Array | number, label: string): GPUBuffer => {
    const n = typeof data === 'number' ? data : data.length;
    const b = device.createBuffer({ label: `${kernel.name}:${label}`, size: roundSize(n * 4), usage });
    if (typeof data !== 'number') device.queue.writeBuffer(b, 0, data.buffer, data.byteOffset, data.byteLength);
    return b;
  };
  device.pushErrorScope('validation');
  device.pushErrorScope('out-of-memory');
  const buffers = {
    input: make(input, 'input'),
    filter: make(filter, 'filter'),
    bias: make(bias ?? new Float32Array(g.outChannels), 'bias'),
    output: make(g.outputSize, 'output'),
  };
  const readback = device.createBuffer({
    label: `${kernel.name}:readback`,
    size: roundSize(g.outputSize * 4),
    usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST,
  });
  const ctx = new CallContext(device, { software: options.software ?? false, limits });
  let thrown: unknown = null;
  try {
    kernel.encode(ctx, g, buffers);
    const encoder = device.createCommandEncoder({ label: kernel.name });
    ctx.encode(encoder);
    encoder.copyBufferToBuffer(buffers.output, 0, readback, 0, roundSize(g.outputSize * 4));
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
    const out = new Float32Array(readback.getMappedRange().slice(0, g.outputSize * 4));
    readback.unmap();
    return out;
  } finally {
    all.forEach((b) => b.destroy());
    readback.destroy();
  }
}
