import { Autotuner, type AutotuneResult } from './autotune.js';
import { BufferUsage, MapMode } from './flags.js';
import { convTranspose2dResolved } from '../cpu.js';
import { DeconvError, invalid, show } from '../errors.js';
import { checkData, resolveConvTranspose2d } from '../geometry.js';
import { CallContext } from './context.js';
import { encodePieces, extractInput, placeOutput } from './execute.js';
import type { Kernel, KernelName } from './kernel.js';
import { KERNEL_NAMES } from './kernel.js';
import { PreparedLayer, type EngineConvOptions, type LayerHost, type PreparedConvTranspose2d } from './layer.js';
import { kernelByName, plan, type Plan, type PlanPiece } from './planner.js';
import { isSoftwareInfo, Runtime, type MemoryInfo, type PoolCaps } from './runtime.js';
import { DeviceTensor, HostTensor, type GPUTensor } from './tensor.js';
import type { ConvTranspose2dGeometry } from '../types.js';

/** Options of {@link createEngine}. */
export interface EngineOptions {
  /** A WebGPU entry point: `navigator.gpu` (the default in browsers) or `create([])` of the `webgpu` npm package in Node. */
  gpu?: GPU;
  /** A ready device to use instead; the engine then never creates or destroys devices. */
  device?: GPUDevice;
  /** Without WebGPU: 'cpu' (default) runs the CPU reference; 'none' throws DeconvError('NO_WEBGPU'). */
  fallback?: 'cpu' | 'none';
  /** Lowers device limits the planner may use (never raises them); useful to exercise split paths. */
  limits?: Partial<Record<string, number>>;
  /** Overrides the adapter class the planner assumes (true = software, as SwiftShader). */
  software?: boolean;
  /** Caps of the buffer pool. */
  pool?: Partial<PoolCaps>;
  /**
   * True: the first `'auto'` call of each geometry times the likely kernels and
   * later ones use the fastest (see {@link Engine.autotune}). Default false: the cost model decides.
   */
  autotune?: boolean;
}

/** Result of {@link Engine.convTranspose2d}. */
export interface ConvResult {
  data: Float32Array;
  shape: number[];
  /** The kernel that ran, or 'cpu' on the CPU backend. */
  kernel: KernelName | 'cpu';
}

/** Transposed convolution on WebGPU (or the CPU fallback); made by {@link createEngine}. */
export interface Engine {
  /** 'webgpu', or 'cpu' when WebGPU is unavailable and the fallback runs. */
  readonly backend: 'webgpu' | 'cpu';
  /** The current device (a new one after recovery from device loss), or null on the CPU backend. */
  readonly device: GPUDevice | null;
  /** The kernels this engine offers (none on the CPU backend). */
  readonly kernels: readonly KernelName[];
  /** True when the planner treats the adapter as software (SwiftShader). */
  readonly software: boolean;
  /** The limits the planner uses (the device's, possibly lowered), or null on the CPU backend. */
  readonly limits: GPUSupportedLimits | null;
  readonly destroyed: boolean;
  /**
   * One transposed convolution: uploads, runs and reads back. Validates everything
   * before any GPU work; splits calls too large for the device.
   */
  convTranspose2d(
    input: Float32Array,
    inputShape: readonly number[],
    filter: Float32Array,
    filterShape: readonly number[],
    options?: EngineConvOptions,
  ): Promise<ConvResult>;
  /**
   * Times, once per geometry, every kernel that can run it and that the cost model
   * does not rule out (estimate within 4× of the best), on scratch buffers on this
   * engine's device, and caches the fastest: every later `'auto'` call, `plan` and
   * prepared layer of that geometry uses it. Concurrent calls for one geometry share
   * one tuning. The `kernel` option is ignored. On the CPU backend it resolves to 'cpu'.
   * @throws DeconvError('DEVICE_LOST') when the device is lost while tuning.
   */
  autotune(
    inputShape: readonly number[],
    filterShape: readonly number[],
    options?: EngineConvOptions,
  ): Promise<AutotuneResult>;
  /** The planner's decision for a call, without running it (the tuned kernel once `autotune` chose one). */
  plan(inputShape: readonly number[], filterShape: readonly number[], options?: EngineConvOptions): Plan | null;
  /** Copies data to a resident tensor. */
  upload(data: Float32Array, shape: readonly number[]): GPUTensor;
  /**
   * A layer with its weights prepared once; `layer.run(x)` enqueues without readback.
   * With 'auto', an input shape whose geometry is tuned runs the tuned kernel; an untuned
   * one runs the cost model's choice (`run` is synchronous and never waits for tuning:
   * call {@link Engine.autotune} first), switching once it is tuned.
   */
  createConvTranspose2d(
    filter: Float32Array,
    filterShape: readonly number[],
    options?: EngineConvOptions,
  ): PreparedConvTranspose2d;
  /** GPU memory the engine holds. */
  memory(): MemoryInfo;
  /** Frees every buffer (and the device, if the engine created it). Later calls throw DeconvError. */
  destroy(): void;
}

const STORAGE = () => BufferUsage.STORAGE | BufferUsage.COPY_DST | BufferUsage.COPY_SRC;

/** Limits worth raising to the adapter's maximum: larger buffers mean fewer splits. */
const RAISED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
] as const;

async function requestDevice(gpu: GPU): Promise<{ device: GPUDevice; software: boolean } | null> {
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter();
  } catch {
    adapter = null;
  }
  if (!adapter) return null;
  const requiredLimits: Record<string, number> = {};
  for (const k of RAISED_LIMITS) requiredLimits[k] = adapter.limits[k];
  try {
    const device = await adapter.requestDevice({ label: 'webgpu-deconv', requiredLimits });
    const info = (adapter as unknown as { info?: GPUAdapterInfo }).info;
    const fallback = (adapter as unknown as { isFallbackAdapter?: boolean }).isFallbackAdapter === true;
    return { device, software: fallback || isSoftwareInfo(info) };
  } catch {
    return null;
  }
}

class DeconvEngine implements Engine, LayerHost {
  readonly backend: 'webgpu' | 'cpu';
  readonly owner = {};
  private rt: Runtime | null;
  private readonly gpu: GPU | null;
  private readonly options: EngineOptions;
  private recovering: Promise<Runtime | null> | null = null;
  private isDestroyed = false;
  /** Tuned kernels per geometry; kept across device recovery (same adapter). */
  readonly tuner = new Autotuner();

  constructor(backend: 'webgpu' | 'cpu', rt: Runtime | null, gpu: GPU | null, options: EngineOptions) {
    this.backend = backend;
    this.rt = rt;
    this.gpu = gpu;
    this.options = options;
    if (rt) this.watch(rt);
  }

  get device(): GPUDevice | null {
    return this.rt?.device ?? null;
  }
  get kernels(): readonly KernelName[] {
    return this.backend === 'webgpu' ? KERNEL_NAMES : [];
  }
  get software(): boolean {
    return this.rt?.software ?? false;
  }
  get limits(): GPUSupportedLimits | null {
    return this.rt?.limits ?? null;
  }
  get destroyed(): boolean {
    return this.isDestroyed;
  }

  /** On loss of a device the engine created, start making a new one at once. */
  private watch(rt: Runtime): void {
    rt.device.lost.then(() => {
      if (this.isDestroyed || !this.gpu || this.rt !== rt) return;
      rt.destroyAll();
      this.recovering = requestDevice(this.gpu).then((made) => {
        if (!made || this.isDestroyed) return null;
        const next = new Runtime(
          made.device,
          this.options.software ?? made.software,
          this.options.limits,
          this.options.pool,
        );
        this.rt = next;
        this.watch(next);
        return next;
      });
    });
  }

  private checkOpen(): void {
    if (this.isDestroyed) throw new DeconvError('DEVICE_LOST', 'the engine was destroyed', 'engine');
  }

  /** The runtime for synchronous work; throws DEVICE_LOST while there is none. */
  runtime(): Runtime {
    this.checkOpen();
    const rt = this.rt!;
    rt.checkAlive();
    return rt;
  }

  /** The runtime for asynchronous work: waits for a replacement device if one is being made. */
  private async currentRuntime(): Promise<Runtime> {
    this.checkOpen();
    let rt = this.rt!;
    if (rt.lost && this.recovering) {
      const next = await this.recovering;
      if (next) rt = next;
    }
    rt.checkAlive();
    return rt;
  }

  get tuneVersion(): number {
    return this.tuner.version;
  }

  tunedKernel(g: ConvTranspose2dGeometry): KernelName | null {
    const t = this.tuner.get(g);
    return t && t.kernel !== 'cpu' ? t.kernel : null;
  }

  /** The plan of a call: the tuned kernel for 'auto' when there is one, else the planner's choice. */
  private planCall(rt: Runtime, g: ConvTranspose2dGeometry, want: KernelName | 'auto'): Plan {
    const tuned = want === 'auto' ? this.tuner.get(g) : null;
    if (!tuned || tuned.kernel === 'cpu') return plan(g, rt.limits, { kernel: want, software: rt.software });
    // Keep every kernel's estimate and unsupported reason from the 'auto' plan.
    const auto = plan(g, rt.limits, { software: rt.software });
    const p = plan(g, rt.limits, { kernel: tuned.kernel, software: rt.software });
    return { ...p, costs: auto.costs, unsupported: auto.unsupported, reason: `autotuned: ${tuned.reason}` };
  }

  plan(inputShape: readonly number[], filterShape: readonly number[], options: EngineConvOptions = {}): Plan | null {
    const g = resolveConvTranspose2d(inputShape, filterShape, options);
    if (this.backend === 'cpu') return null;
    return this.planCall(this.runtime(), g, options.kernel ?? 'auto');
  }

  async autotune(
    inputShape: readonly number[],
    filterShape: readonly number[],
    options: EngineConvOptions = {},
  ): Promise<AutotuneResult> {
    this.checkOpen();
    if (options === null || typeof options !== 'object') invalid('options', options, 'must be an object');
    const g = resolveConvTranspose2d(inputShape, filterShape, options);
    if (this.backend === 'cpu') return { kernel: 'cpu', ms: {}, reason: 'the CPU backend has one implementation' };
    return this.tuner.tune(await this.currentRuntime(), g);
  }

  async convTranspose2d(
    input: Float32Array,
    inputShape: readonly number[],
    filter: Float32Array,
    filterShape: readonly number[],
    options: EngineConvOptions = {},
  ): Promise<ConvResult> {
    this.checkOpen();
    if (options === null || typeof options !== 'object') invalid('options', options, 'must be an object');
    const g = resolveConvTranspose2d(inputShape, filterShape, options);
    checkData('input', input, g.inputShape);
    checkData('filter', filter, g.filterShape);
    const want = options.kernel ?? 'auto';
    if (want !== 'auto' && !KERNEL_NAMES.includes(want)) {
      invalid('options.kernel', want, `must be 'auto' or one of ${KERNEL_NAMES.map((k) => `'${k}'`).join(', ')}`);
    }
    if (this.backend === 'cpu') {
      return { data: convTranspose2dResolved(g, input, filter), shape: [...g.outputShape], kernel: 'cpu' };
    }
    const rt = await this.currentRuntime();
    if (want === 'auto' && this.options.autotune) await this.tuner.tune(rt, g);
    const p = this.planCall(rt, g, want);
    const kernel = kernelByName(p.kernel);
    const maxBuffer = rt.limits.maxBufferSize;
    let data: Float32Array;
    if (g.inputSize * 4 <= maxBuffer && g.outputSize * 4 <= maxBuffer) {
      data = await this.oneShot(rt, kernel, g, p.pieces, input, filter);
    } else {
      // Input or output larger than one buffer: run piece by piece from the CPU
      // copies and stitch the bands together on readback.
      data = new Float32Array(g.outputSize);
      for (const piece of p.pieces) {
        const pg = piece.geometry;
        const whole: PlanPiece = {
          n0: 0,
          n1: pg.batch,
          oy0: 0,
          oy1: pg.outHeight,
          iy0: 0,
          iy1: pg.inHeight,
          geometry: pg,
        };
        const out = await this.oneShot(rt, kernel, pg, [whole], extractInput(input, g, piece), filter);
        placeOutput(data, g, piece, out);
      }
    }
    return { data, shape: [...g.outputShape], kernel: p.kernel };
  }

  private async oneShot(
    rt: Runtime,
    kernel: Kernel,
    g: ConvTranspose2dGeometry,
    pieces: readonly PlanPiece[],
    input: Float32Array,
    filter: Float32Array,
  ): Promise<Float32Array> {
    const held: GPUBuffer[] = [];
    const take = (bytes: number, usage: number, what: string): GPUBuffer => {
      const b = rt.acquire(bytes, usage, `${kernel.name}:${what}`);
      held.push(b);
      return b;
    };
    const write = (b: GPUBuffer, data: Float32Array) =>
      rt.device.queue.writeBuffer(b, 0, data.buffer, data.byteOffset, data.byteLength);
    const bytes = g.outputSize * 4;
    let staging: GPUBuffer | null = null;
    let ctx: CallContext | null = null;
    let errors: Promise<void>;
    try {
      ({ errors } = rt.scoped(() => {
        const inBuf = take(input.byteLength, STORAGE(), 'input');
        write(inBuf, input);
        const fBuf = take(filter.byteLength, STORAGE(), 'filter');
        write(fBuf, filter);
        const bBuf = take(g.outChannels * 4, STORAGE(), 'bias');
        write(bBuf, g.bias ?? new Float32Array(g.outChannels));
        const outBuf = take(bytes, STORAGE(), 'output');
        staging = take(bytes, BufferUsage.MAP_READ | BufferUsage.COPY_DST, 'readback');
        ctx = new CallContext(rt.device, { limits: rt.limits, software: rt.software, allocator: rt });
        encodePieces(ctx, kernel, g, pieces, { input: inBuf, filter: fBuf, bias: bBuf, output: outBuf });
        const enc = rt.device.createCommandEncoder({ label: kernel.name });
        ctx.encode(enc);
        enc.copyBufferToBuffer(outBuf, 0, staging, 0, bytes);
        rt.device.queue.submit([enc.finish()]);
      }));
    } catch (e) {
      (ctx as CallContext | null)?.release(true);
      held.forEach((b) => rt.release(b));
      throw e;
    }
    (ctx as CallContext | null)?.release();
    const stage = staging as unknown as GPUBuffer;
    try {
      await errors;
      await rt.guard(stage.mapAsync(MapMode.READ, 0, bytes));
      const out = new Float32Array(stage.getMappedRange(0, bytes).slice(0));
      stage.unmap();
      return out;
    } catch (e) {
      throw rt.lost ? rt.lostError() : e;
    } finally {
      held.forEach((b) => rt.release(b));
    }
  }

  upload(data: Float32Array, shape: readonly number[]): GPUTensor {
    this.checkOpen();
    if (!Array.isArray(shape) || shape.length === 0)
      invalid('shape', shape, 'must be a non-empty array of positive integers');
    shape.forEach((d, i) => {
      if (!Number.isSafeInteger(d) || d < 1) invalid(`shape[${i}]`, d, 'must be a positive integer');
    });
    checkData('data', data, shape);
    if (this.backend === 'cpu') return new HostTensor(this.owner, data.slice(), shape);
    const rt = this.runtime();
    if (data.byteLength > rt.limits.maxBufferSize) {
      throw new DeconvError(
        'DEVICE_LIMIT',
        `data of ${data.byteLength} bytes exceeds maxBufferSize ${rt.limits.maxBufferSize} of this device (shape ${show(shape)})`,
        'data',
      );
    }
    let buffer: GPUBuffer | null = null;
    const { errors } = rt.scoped(() => {
      buffer = rt.create(data.byteLength, STORAGE(), 'tensor');
      rt.device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
    });
    return new DeviceTensor(this.owner, rt, buffer!, shape, errors);
  }

  createConvTranspose2d(
    filter: Float32Array,
    filterShape: readonly number[],
    options: EngineConvOptions = {},
  ): PreparedConvTranspose2d {
    this.checkOpen();
    return new PreparedLayer(this, filter, filterShape, options);
  }

  memory(): MemoryInfo {
    if (!this.rt) return { buffers: 0, bytes: 0, pooledBuffers: 0, pooledBytes: 0 };
    return this.rt.memory();
  }

  destroy(): void {
    if (this.isDestroyed) return;
    this.isDestroyed = true;
    if (this.rt) {
      this.rt.destroyAll();
      if (this.gpu) this.rt.device.destroy();
    }
  }
}

/**
 * Creates an engine. In a browser it uses `navigator.gpu`; in Node pass the
 * `gpu` object of the `webgpu` package, or a ready `device`. Without WebGPU
 * the engine runs the CPU reference (`backend === 'cpu'`) unless
 * `fallback: 'none'`, which throws DeconvError('NO_WEBGPU').
 */
export async function createEngine(options: EngineOptions = {}): Promise<Engine> {
  if (options === null || typeof options !== 'object') invalid('options', options, 'must be an object');
  const fallback = options.fallback ?? 'cpu';
  if (fallback !== 'cpu' && fallback !== 'none') invalid('options.fallback', fallback, "must be 'cpu' or 'none'");
  if (options.autotune !== undefined && typeof options.autotune !== 'boolean')
    invalid('options.autotune', options.autotune, 'must be a boolean');
  if (options.limits !== undefined) {
    if (options.limits === null || typeof options.limits !== 'object')
      invalid('options.limits', options.limits, 'must be an object');
    for (const [k, v] of Object.entries(options.limits)) {
      if (typeof v !== 'number' || !(v > 0)) invalid(`options.limits.${k}`, v, 'must be a positive number');
    }
  }
  if (options.device) {
    const device = options.device;
    const info = (device as unknown as { adapterInfo?: GPUAdapterInfo }).adapterInfo;
    const rt = new Runtime(device, options.software ?? isSoftwareInfo(info), options.limits, options.pool);
    return new DeconvEngine('webgpu', rt, null, options);
  }
  const gpu = options.gpu ?? (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu ?? null;
  const made = gpu ? await requestDevice(gpu) : null;
  if (!gpu || !made) {
    const why = !gpu
      ? 'no WebGPU entry point (navigator.gpu or options.gpu)'
      : 'no WebGPU adapter or device is available';
    if (fallback === 'none') throw new DeconvError('NO_WEBGPU', `WebGPU is unavailable: ${why}`, 'gpu');
    return new DeconvEngine('cpu', null, null, options);
  }
  const rt = new Runtime(made.device, options.software ?? made.software, options.limits, options.pool);
  return new DeconvEngine('webgpu', rt, gpu, options);
}
