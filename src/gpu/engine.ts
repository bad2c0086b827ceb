import { Autotuner, type AutotuneResult } from './autotune.js';
import { BufferUsage, MapMode } from './flags.js';
import { convTransposeResolved } from '../cpu.js';
import { DeconvError, invalid, show } from '../errors.js';
import { OPTION_KEYS, resolveConvTranspose } from '../geometry.js';
import { roundToHalf } from '../half.js';
import type { ConvTransposeGeometry, ConvTransposeOptions } from '../types.js';
import { hasMethods, isInt, oneOf, readBoolean, readOptions, readShape } from '../validate.js';
import { CallContext } from './context.js';
import { hasNonFinite, readData, valuesOf, writeData, type StoredData } from './data.js';
import { encodePieces, extractInput, placeOutput } from './execute.js';
import type { Kernel, KernelName } from './kernel.js';
import {
  PreparedLayer,
  engineOptions,
  type EngineConvOptions,
  type LayerHost,
  type PreparedConvTranspose,
  type PreparedConvTranspose2d,
} from './layer.js';
import { checkAvailable, kernelByName, planWith, readKernels, type Plan, type PlanPiece } from './planner.js';
import { checkNativeF16 } from './f16-probe.js';
import { isSoftwareInfo, Runtime, type MemoryInfo, type PoolCaps } from './runtime.js';
import { DeviceTensor, HostTensor, dtypeBytes, type DType, type GPUTensor } from './tensor.js';

/** The names of GPUSupportedLimits, the keys `EngineOptions.limits` accepts. */
export type LimitName = Exclude<
  {
    [K in keyof GPUSupportedLimits]-?: GPUSupportedLimits[K] extends number ? K : never;
  }[keyof GPUSupportedLimits],
  undefined
>;

const LIMIT_NAMES: readonly string[] = [
  'maxTextureDimension1D',
  'maxTextureDimension2D',
  'maxTextureDimension3D',
  'maxTextureArrayLayers',
  'maxBindGroups',
  'maxBindGroupsPlusVertexBuffers',
  'maxBindingsPerBindGroup',
  'maxDynamicUniformBuffersPerPipelineLayout',
  'maxDynamicStorageBuffersPerPipelineLayout',
  'maxSampledTexturesPerShaderStage',
  'maxSamplersPerShaderStage',
  'maxStorageBuffersPerShaderStage',
  'maxStorageBuffersInVertexStage',
  'maxStorageBuffersInFragmentStage',
  'maxStorageTexturesPerShaderStage',
  'maxStorageTexturesInVertexStage',
  'maxStorageTexturesInFragmentStage',
  'maxUniformBuffersPerShaderStage',
  'maxUniformBufferBindingSize',
  'maxStorageBufferBindingSize',
  'minUniformBufferOffsetAlignment',
  'minStorageBufferOffsetAlignment',
  'maxVertexBuffers',
  'maxBufferSize',
  'maxVertexAttributes',
  'maxVertexBufferArrayStride',
  'maxInterStageShaderVariables',
  'maxColorAttachments',
  'maxColorAttachmentBytesPerSample',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ',
  'maxComputeWorkgroupsPerDimension',
];

/** Options of `createEngine`. Unknown keys are rejected. */
export interface EngineOptions {
  /** A WebGPU entry point: `navigator.gpu` (the default in browsers) or `create([])` of the `webgpu` npm package in Node. */
  gpu?: GPU;
  /** A ready device to use instead; the engine then never creates or destroys devices. */
  device?: GPUDevice;
  /**
   * Without WebGPU: 'cpu' (default) runs the CPU reference (and says so once with
   * `console.warn`); 'none' throws DeconvError('NO_WEBGPU').
   */
  fallback?: 'cpu' | 'none';
  /**
   * Tightens the device limits the planner may use, never loosening them: maxima are lowered,
   * alignments (`min…`, powers of two) raised. Useful to exercise split paths.
   */
  limits?: Partial<Record<LimitName, number>>;
  /** Overrides the adapter class the planner assumes (true = software, as SwiftShader). */
  software?: boolean;
  /** Caps of the buffer pool. */
  pool?: Partial<PoolCaps>;
  /**
   * True: the first `'auto'` call of each geometry times the likely kernels and
   * later ones use the fastest (see {@link Engine.autotune}). Default false: the cost model decides.
   */
  autotune?: boolean;
  /**
   * The kernels the engine may run (`subpixelKernel`, `scatterKernel`, `gemmCol2imKernel`,
   * `im2colGemmKernel`, `zeroInsertionKernel`); default all five. A geometry none of them can
   * run is rejected (DEVICE_LIMIT), and the `kernel` option may only name one of them. With
   * `createEngine` of `webgpu-deconv/core` this option is required, and an application's
   * bundle then holds only the kernels it names.
   */
  kernels?: readonly Kernel[];
}

/** Result of {@link Engine.convTranspose}. */
export interface ConvResult {
  /** The output as float32 (a float16 call's result widened exactly). */
  data: Float32Array;
  shape: number[];
  /** The kernel that ran, or 'cpu' on the CPU backend. */
  kernel: KernelName | 'cpu';
}

/** Options of {@link Engine.upload} and {@link Engine.wrap}. */
export interface TensorOptions {
  /** Default 'float32'. */
  dtype?: DType;
}

/** Transposed convolution on WebGPU (or the CPU fallback); made by `createEngine`. */
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
  /** True when the device reads and writes float16 natively (`shader-f16`); else float16 is packed in u32 words. */
  readonly float16Native: boolean;
  readonly destroyed: boolean;
  /**
   * One transposed convolution of any rank (3-D input: one spatial axis; 4-D: two; 5-D:
   * three): uploads, runs and reads back. Validates everything and copies the data before
   * any GPU work; splits calls too large for the device.
   */
  convTranspose(
    input: Float32Array | Uint16Array,
    inputShape: readonly number[],
    filter: Float32Array | Uint16Array,
    filterShape: readonly number[],
    options?: EngineConvOptions,
  ): Promise<ConvResult>;
  /** {@link Engine.convTranspose} for a 4-D input (NCHW or NHWC). */
  convTranspose2d(
    input: Float32Array | Uint16Array,
    inputShape: readonly number[],
    filter: Float32Array | Uint16Array,
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
  /** The planner's decision for a call, without running it (the tuned kernel once `autotune` chose one); null on the CPU backend. */
  plan(inputShape: readonly number[], filterShape: readonly number[], options?: EngineConvOptions): Plan | null;
  /**
   * Copies data to a resident tensor. float32 takes a Float32Array; float16 takes a
   * Float32Array (rounded to nearest even), a Uint16Array of IEEE half bits or a Float16Array.
   */
  upload(data: Float32Array | Uint16Array, shape: readonly number[], options?: TensorOptions): GPUTensor;
  /**
   * A tensor over an existing GPUBuffer of this engine's device, without a copy (an ONNX
   * Runtime Web output, a TF.js tensor's buffer, your own passes' buffers). The caller keeps
   * ownership: `destroy()` of the tensor never destroys the buffer. The buffer needs STORAGE
   * usage (and COPY_SRC to be read back) and at least the tensor's bytes. WebGPU reports a
   * buffer of another device only asynchronously: the tensor's first use (a read, or a layer's
   * output read) then rejects with DeconvError('INVALID_ARGUMENT').
   */
  wrap(buffer: GPUBuffer, shape: readonly number[], options?: TensorOptions): GPUTensor;
  /**
   * A layer of any rank with its weights prepared once; `layer.run(x)` enqueues without readback.
   * With 'auto', an input shape whose geometry is tuned runs the tuned kernel; an untuned
   * one runs the cost model's choice (`run` is synchronous and never waits for tuning:
   * call {@link Engine.autotune} first), switching once it is tuned. With `dtype: 'float16'`
   * the weights and bias are stored as half and the layer takes and returns float16 tensors.
   * The filter may be data, or a tensor of this engine (weights already on the GPU, e.g.
   * `engine.wrap` of another library's weight buffer): the layer copies it and repacks it on
   * the GPU, and checks it there for ±∞/NaN.
   */
  createConvTranspose(
    filter: Float32Array | Uint16Array | GPUTensor,
    filterShape: readonly number[],
    options?: EngineConvOptions,
  ): PreparedConvTranspose;
  /** {@link Engine.createConvTranspose} for 4-D filters and inputs. */
  createConvTranspose2d(
    filter: Float32Array | Uint16Array | GPUTensor,
    filterShape: readonly number[],
    options?: EngineConvOptions,
  ): PreparedConvTranspose2d;
  /** GPU memory the engine holds (wrapped buffers are the caller's and are not counted). */
  memory(): MemoryInfo;
  /** Frees every buffer (and the device, if the engine created it). Later calls throw DeconvError('DESTROYED'). */
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

async function requestDevice(gpu: GPU): Promise<{ device: GPUDevice; software: boolean } | string> {
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter();
  } catch (e) {
    return `requestAdapter failed (${e instanceof Error ? e.message : show(e)})`;
  }
  if (!adapter) return 'no WebGPU adapter is available';
  try {
    const requiredLimits: Record<string, number> = {};
    for (const k of RAISED_LIMITS) requiredLimits[k] = adapter.limits[k];
    // float16 tensors are read and written natively where the adapter offers shader-f16.
    const requiredFeatures: GPUFeatureName[] = adapter.features.has('shader-f16') ? ['shader-f16'] : [];
    const device = await adapter.requestDevice({ label: 'webgpu-deconv', requiredLimits, requiredFeatures });
    const why = notADevice(device);
    if (why) return `requestDevice gave no GPUDevice (${why})`;
    const info = (adapter as unknown as { info?: GPUAdapterInfo }).info;
    const fallback = (adapter as unknown as { isFallbackAdapter?: boolean }).isFallbackAdapter === true;
    return { device, software: fallback || isSoftwareInfo(info) };
  } catch (e) {
    return `requestDevice failed (${e instanceof Error ? e.message : show(e)})`;
  }
}

/** The methods the engine calls on a device and on its queue. */
const DEVICE_METHODS = [
  'createBuffer',
  'createShaderModule',
  'createComputePipeline',
  'createBindGroupLayout',
  'createPipelineLayout',
  'createBindGroup',
  'createCommandEncoder',
  'pushErrorScope',
  'popErrorScope',
  'destroy',
] as const;
const QUEUE_METHODS = ['submit', 'writeBuffer', 'onSubmittedWorkDone'] as const;

/** Why a value cannot serve as a GPUDevice (a missing method, queue, limits or lost promise), or null. */
function notADevice(value: unknown): string | null {
  try {
    if (!hasMethods(value, DEVICE_METHODS)) return `a GPUDevice has the methods ${DEVICE_METHODS.join(', ')}`;
    const d = value as GPUDevice;
    if (!hasMethods(d.queue, QUEUE_METHODS)) return 'its queue is not a GPUQueue';
    if (d.limits === null || typeof d.limits !== 'object') return 'its limits are not GPUSupportedLimits';
    if (!hasMethods(d.lost, ['then'])) return 'its lost is not a promise';
    if (d.features !== undefined && !hasMethods(d.features, ['has']))
      return 'its features are not a GPUSupportedFeatures';
  } catch {
    return 'it could not be read';
  }
  try {
    // A wrapper of a device (a Proxy) passes every check above, but WebGPU refuses calls on it.
    const d = value as GPUDevice;
    d.pushErrorScope('validation');
    d.popErrorScope().catch(() => undefined);
  } catch {
    return 'its methods cannot be called on it';
  }
  return null;
}

/** Wraps an async DeconvError-free failure of a GPU step as the right DeconvError. */
function gpuFailure(rt: Runtime, e: unknown): unknown {
  return rt.failure(e);
}

class DeconvEngine implements Engine, LayerHost {
  readonly backend: 'webgpu' | 'cpu';
  readonly owner = {};
  private rt: Runtime | null;
  private readonly gpu: GPU | null;
  private readonly options: ValidEngineOptions;
  private recovering: Promise<Runtime | null> | null = null;
  private isDestroyed = false;
  /** Tuned kernels per geometry; kept across device recovery (same adapter). */
  readonly tuner = new Autotuner();

  /** The names of the kernels the engine was given (on the CPU backend too, where none runs). */
  readonly kernelNames: readonly KernelName[];

  constructor(
    backend: 'webgpu' | 'cpu',
    rt: Runtime | null,
    gpu: GPU | null,
    options: ValidEngineOptions,
    kernels: readonly Kernel[],
  ) {
    this.backend = backend;
    this.kernelNames = kernels.map((k) => k.name);
    this.rt = rt;
    this.gpu = gpu;
    this.options = options;
    if (rt) this.watch(rt);
  }

  get device(): GPUDevice | null {
    return this.rt?.device ?? null;
  }
  get kernels(): readonly KernelName[] {
    return this.rt ? this.rt.kernels.map((k) => k.name) : [];
  }
  get software(): boolean {
    return this.rt?.software ?? false;
  }
  get limits(): GPUSupportedLimits | null {
    return this.rt?.limits ?? null;
  }
  get float16Native(): boolean {
    return this.rt?.hasF16 ?? false;
  }
  get destroyed(): boolean {
    return this.isDestroyed;
  }

  /** On loss of a device the engine created, start making a new one at once. */
  private watch(rt: Runtime): void {
    rt.device.lost.then(() => {
      if (this.isDestroyed || !this.gpu || this.rt !== rt) return;
      rt.destroyAll();
      this.recovering = requestDevice(this.gpu).then(async (made) => {
        if (typeof made === 'string' || this.isDestroyed) return null;
        const next = this.runtimeFor(made.device, made.software, rt.kernels);
        await checkNativeF16(next);
        this.rt = next;
        this.watch(next);
        return next;
      });
    });
  }

  private runtimeFor(device: GPUDevice, software: boolean, kernels: readonly Kernel[]): Runtime {
    const o = this.options;
    return new Runtime(device, o.software ?? software, kernels, o.limits, o.pool);
  }

  private checkOpen(): void {
    if (this.isDestroyed) throw new DeconvError('DESTROYED', 'engine: it was destroyed and cannot be used', 'engine');
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
    this.checkOpen();
    rt.checkAlive();
    return rt;
  }

  get tuneVersion(): number {
    return this.tuner.version;
  }

  tunedKernel(g: ConvTransposeGeometry, dtype: DType): KernelName | null {
    const t = this.tuner.get(g, dtype);
    return t && t.kernel !== 'cpu' ? t.kernel : null;
  }

  /** The plan of a call: the tuned kernel for 'auto' when there is one, else the planner's choice. */
  private planCall(
    rt: Runtime,
    g: ConvTransposeGeometry,
    want: KernelName | 'auto',
    dtype: DType,
    guard: boolean,
  ): Plan {
    const env = rt.planEnv(dtype, guard);
    const tuned = want === 'auto' ? this.tuner.get(g, dtype) : null;
    if (!tuned || tuned.kernel === 'cpu') return planWith(rt.kernels, g, rt.limits, { kernel: want, ...env });
    // Keep every kernel's estimate and unsupported reason from the 'auto' plan.
    const auto = planWith(rt.kernels, g, rt.limits, env);
    const p = planWith(rt.kernels, g, rt.limits, { kernel: tuned.kernel, ...env });
    return { ...p, costs: auto.costs, unsupported: auto.unsupported, reason: `autotuned: ${tuned.reason}` };
  }

  /** Validates a call's shapes and options (one snapshot of them) into a geometry and the engine's choices. */
  private resolve(
    inputShape: unknown,
    filterShape: unknown,
    options: unknown,
    ranks?: number[],
  ): { g: ConvTransposeGeometry; kernel: KernelName | 'auto'; dtype: DType } {
    const o = readOptions('options', options, OPTION_KEYS);
    const { kernel, dtype } = engineOptions(o);
    if (ranks) readShape('inputShape', inputShape, ranks);
    const g = resolveConvTranspose(inputShape as number[], filterShape as number[], o as ConvTransposeOptions);
    // A float16 call stores its bias as half too.
    if (dtype === 'float16' && g.bias) g.bias = roundToHalf(g.bias);
    return { g, kernel, dtype };
  }

  plan(inputShape: readonly number[], filterShape: readonly number[], options: EngineConvOptions = {}): Plan | null {
    this.checkOpen();
    const { g, kernel, dtype } = this.resolve(inputShape, filterShape, options);
    if (kernel !== 'auto') checkAvailable(kernel, this.kernelNames);
    if (this.backend === 'cpu') return null;
    return this.planCall(this.runtime(), g, kernel, dtype, false);
  }

  async autotune(
    inputShape: readonly number[],
    filterShape: readonly number[],
    options: EngineConvOptions = {},
  ): Promise<AutotuneResult> {
    this.checkOpen();
    const { g, dtype } = this.resolve(inputShape, filterShape, options);
    if (this.backend === 'cpu') return { kernel: 'cpu', ms: {}, reason: 'the CPU backend has one implementation' };
    return this.tuner.tune(await this.currentRuntime(), g, dtype);
  }

  convTranspose2d(
    input: Float32Array | Uint16Array,
    inputShape: readonly number[],
    filter: Float32Array | Uint16Array,
    filterShape: readonly number[],
    options: EngineConvOptions = {},
  ): Promise<ConvResult> {
    return this.call(input, inputShape, filter, filterShape, options, [4]);
  }

  convTranspose(
    input: Float32Array | Uint16Array,
    inputShape: readonly number[],
    filter: Float32Array | Uint16Array,
    filterShape: readonly number[],
    options: EngineConvOptions = {},
  ): Promise<ConvResult> {
    return this.call(input, inputShape, filter, filterShape, options);
  }

  /** Validates and copies everything synchronously, then runs. */
  private call(
    input: unknown,
    inputShape: unknown,
    filter: unknown,
    filterShape: unknown,
    options: unknown,
    ranks?: number[],
  ): Promise<ConvResult> {
    try {
      this.checkOpen();
      const { g, kernel, dtype } = this.resolve(inputShape, filterShape, options, ranks);
      if (kernel !== 'auto') checkAvailable(kernel, this.kernelNames);
      const x = readData('input', input, g.inputShape, dtype);
      const w = readData('filter', filter, g.filterShape, dtype);
      return this.run(g, kernel, dtype, x, w);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private async run(
    g: ConvTransposeGeometry,
    want: KernelName | 'auto',
    dtype: DType,
    input: StoredData,
    filter: StoredData,
  ): Promise<ConvResult> {
    if (this.backend === 'cpu') {
      const raw = convTransposeResolved(g, valuesOf(input), valuesOf(filter));
      return { data: dtype === 'float16' ? roundToHalf(raw) : raw, shape: [...g.outputShape], kernel: 'cpu' };
    }
    const guard = hasNonFinite(filter);
    const rt = await this.currentRuntime();
    if (want === 'auto' && this.options.autotune) await this.tuner.tune(rt, g, dtype);
    const p = this.planCall(rt, g, want, dtype, guard);
    const kernel = kernelByName(p.kernel, rt.kernels);
    const bytes = dtypeBytes(dtype);
    const max = rt.limits.maxBufferSize;
    const bias = g.bias ? readData('options.bias', g.bias, [g.outChannels], dtype) : null;
    let out: StoredData;
    if (g.inputSize * bytes <= max && g.outputSize * bytes <= max) {
      out = await this.oneShot(rt, kernel, g, p.pieces, input, filter, bias, dtype, guard);
    } else {
      // Input or output larger than one buffer: run piece by piece from the CPU copies and
      // stitch the bands together on readback.
      out = dtype === 'float16' ? new Uint16Array(g.outputSize) : new Float32Array(g.outputSize);
      for (const piece of p.pieces) {
        const pg = piece.geometry;
        const whole: PlanPiece = {
          ...piece,
          n0: 0,
          n1: pg.batch,
          oy0: 0,
          oy1: pg.outSizes[0]!,
          iy0: 0,
          iy1: pg.inSizes[0]!,
        };
        const part = await this.oneShot(
          rt,
          kernel,
          pg,
          [whole],
          extractInput(input, g, piece),
          filter,
          bias,
          dtype,
          guard,
        );
        placeOutput(out, g, piece, part);
      }
    }
    return { data: valuesOf(out), shape: [...g.outputShape], kernel: p.kernel };
  }

  private async oneShot(
    rt: Runtime,
    kernel: Kernel,
    g: ConvTransposeGeometry,
    pieces: readonly PlanPiece[],
    input: StoredData,
    filter: StoredData,
    bias: StoredData | null,
    dtype: DType,
    guard: boolean,
  ): Promise<StoredData> {
    const held: GPUBuffer[] = [];
    const take = (bytes: number, usage: number, what: string): GPUBuffer => {
      const b = rt.acquire(bytes, usage, `${kernel.name}:${what}`);
      held.push(b);
      return b;
    };
    const elementBytes = dtypeBytes(dtype);
    const bytes = Math.ceil((g.outputSize * elementBytes) / 4) * 4;
    let staging: GPUBuffer | null = null;
    let ctx: CallContext | null = null;
    let errors: Promise<void>;
    try {
      ({ errors } = rt.scoped(() => {
        const write = (data: StoredData, what: string) => {
          const b = take(data.byteLength, STORAGE(), what);
          writeData(rt.device, b, data);
          return b;
        };
        const zeros = dtype === 'float16' ? new Uint16Array(g.outChannels) : new Float32Array(g.outChannels);
        const buffers = {
          input: write(input, 'input'),
          filter: write(filter, 'filter'),
          bias: write(bias ?? zeros, 'bias'),
          output: take(bytes, STORAGE(), 'output'),
        };
        staging = take(bytes, BufferUsage.MAP_READ | BufferUsage.COPY_DST, 'readback');
        ctx = new CallContext(rt.device, {
          limits: rt.limits,
          software: rt.software,
          storage: rt.storageOf(dtype),
          guard,
          allocator: rt,
        });
        encodePieces(ctx, kernel, g, pieces, buffers);
        const enc = rt.device.createCommandEncoder({ label: kernel.name });
        ctx.encode(enc);
        enc.copyBufferToBuffer(buffers.output, 0, staging, 0, bytes);
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
      const raw = stage.getMappedRange(0, bytes).slice(0, g.outputSize * elementBytes);
      stage.unmap();
      return dtype === 'float16' ? new Uint16Array(raw) : new Float32Array(raw);
    } catch (e) {
      throw gpuFailure(rt, e);
    } finally {
      held.forEach((b) => rt.release(b));
    }
  }

  /** Validates a tensor shape and dtype option. */
  private tensorArgs(shape: unknown, options: unknown): { shape: number[]; dtype: DType } {
    const o = readOptions('options', options, ['dtype'] as const, 'tensor options');
    const dtype = oneOf('options.dtype', o.dtype, ['float32', 'float16'] as const, 'float32');
    return { shape: readShape('shape', shape, [1, 2, 3, 4, 5, 6, 7, 8]), dtype };
  }

  upload(data: Float32Array | Uint16Array, shape: readonly number[], options: TensorOptions = {}): GPUTensor {
    this.checkOpen();
    const args = this.tensorArgs(shape, options);
    const stored = readData('data', data, args.shape, args.dtype);
    if (this.backend === 'cpu') return new HostTensor(this.owner, valuesOf(stored).slice(), args.shape, args.dtype);
    const rt = this.runtime();
    if (stored.byteLength > rt.limits.maxBufferSize) {
      throw new DeconvError(
        'DEVICE_LIMIT',
        `data of ${stored.byteLength} bytes exceeds maxBufferSize ${rt.limits.maxBufferSize} of this device (shape ${show(args.shape)})`,
        'data',
      );
    }
    let buffer: GPUBuffer | null = null;
    const { errors } = rt.scoped(() => {
      buffer = rt.create(stored.byteLength, STORAGE(), 'tensor');
      try {
        writeData(rt.device, buffer, stored);
      } catch (e) {
        rt.destroy(buffer);
        throw e;
      }
    });
    return new DeviceTensor(this.owner, rt, buffer!, args.shape, errors, args.dtype);
  }

  wrap(buffer: GPUBuffer, shape: readonly number[], options: TensorOptions = {}): GPUTensor {
    this.checkOpen();
    const args = this.tensorArgs(shape, options);
    if (this.backend === 'cpu') {
      throw new DeconvError('NO_WEBGPU', 'buffer: the CPU backend has no GPU device to wrap a buffer of', 'buffer');
    }
    const rt = this.runtime();
    const b = buffer as unknown as { size?: unknown; usage?: unknown; destroy?: unknown; mapState?: unknown };
    if (buffer === null || typeof buffer !== 'object' || typeof b.size !== 'number' || typeof b.usage !== 'number') {
      invalid('buffer', buffer, 'must be a GPUBuffer');
    }
    if ((buffer.usage & BufferUsage.STORAGE) === 0) {
      invalid(
        'buffer.usage',
        buffer.usage,
        'must include GPUBufferUsage.STORAGE (the kernels bind tensors as storage)',
      );
    }
    const need = args.shape.reduce((p, d) => p * d, dtypeBytes(args.dtype));
    if (buffer.size < need) {
      invalid(
        'buffer.size',
        buffer.size,
        `must be at least the tensor's ${need} bytes (shape ${show(args.shape)}, ${args.dtype})`,
      );
    }
    if (buffer.mapState !== 'unmapped') invalid('buffer.mapState', buffer.mapState, "must be 'unmapped'");
    // A buffer of another device shows only as an asynchronous validation error: bind it once.
    const { errors } = rt.scoped(() => {
      rt.device.createBindGroup({
        label: 'wrap:check',
        layout: rt.wrapCheckLayout(),
        entries: [{ binding: 0, resource: { buffer } }],
      });
    });
    const ready = errors.catch((e: unknown) => {
      // Device loss and out-of-memory come as DeconvErrors; a validation error means another device.
      if (e instanceof DeconvError) throw e;
      throw new DeconvError(
        'INVALID_ARGUMENT',
        `buffer = ${show(buffer)}: must belong to this engine's GPUDevice (WebGPU rejected it: ${e instanceof Error ? e.message.split('\n')[0] : show(e)})`,
        'buffer',
      );
    });
    return new DeviceTensor(this.owner, rt, buffer, args.shape, ready, args.dtype, false);
  }

  createConvTranspose(
    filter: Float32Array | Uint16Array | GPUTensor,
    filterShape: readonly number[],
    options: EngineConvOptions = {},
  ): PreparedConvTranspose {
    this.checkOpen();
    return new PreparedLayer(this, filter, filterShape, options);
  }

  createConvTranspose2d(
    filter: Float32Array | Uint16Array | GPUTensor,
    filterShape: readonly number[],
    options: EngineConvOptions = {},
  ): PreparedConvTranspose2d {
    this.checkOpen();
    return new PreparedLayer(this, filter, filterShape, options, 4);
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

/** Engine options after validation. */
interface ValidEngineOptions {
  software?: boolean;
  limits?: Partial<Record<string, number>>;
  pool?: Partial<PoolCaps>;
  autotune: boolean;
  /** The `kernels` option; undefined: all five. */
  kernels?: readonly Kernel[];
}

const ENGINE_KEYS = ['gpu', 'device', 'fallback', 'limits', 'software', 'pool', 'autotune', 'kernels'] as const;

let warnedFallback = false;

/** Validates every engine option (unknown keys, types, ranges) before anything is created. */
function engineConfig(options: unknown): {
  o: Partial<Record<(typeof ENGINE_KEYS)[number], unknown>>;
  valid: ValidEngineOptions;
} {
  const o = readOptions('options', options, ENGINE_KEYS, 'engine options');
  oneOf('options.fallback', o.fallback, ['cpu', 'none'] as const, 'cpu');
  const autotune = readBoolean('options.autotune', o.autotune, false);
  const software = o.software === undefined ? undefined : readBoolean('options.software', o.software, false);
  let limits: Record<string, number> | undefined;
  if (o.limits !== undefined) {
    const l = readOptions('options.limits', o.limits, LIMIT_NAMES, 'GPUSupportedLimits names');
    limits = {};
    for (const [k, v] of Object.entries(l)) {
      if (!isInt(v, 1, Number.MAX_SAFE_INTEGER)) invalid(`options.limits.${k}`, v, 'must be a positive integer');
      // Alignments are raised, never lowered; past 65,536 every offset would waste more than it binds.
      if (k.startsWith('min') && (!Number.isInteger(Math.log2(v)) || v > 65_536)) {
        invalid(`options.limits.${k}`, v, 'must be a power of two up to 65536 (it is an alignment)');
      }
      limits[k] = v;
    }
  }
  let pool: Partial<PoolCaps> | undefined;
  if (o.pool !== undefined) {
    const p = readOptions('options.pool', o.pool, ['bytes', 'buffers', 'largest'] as const, 'pool caps');
    pool = {};
    for (const [k, v] of Object.entries(p)) {
      if (!isInt(v, 0, Number.MAX_SAFE_INTEGER)) invalid(`options.pool.${k}`, v, 'must be an integer ≥ 0');
      pool[k as keyof PoolCaps] = v;
    }
  }
  if (o.device !== undefined) {
    const why = notADevice(o.device);
    if (why) invalid('options.device', o.device, `must be a GPUDevice (${why})`);
  }
  if (o.gpu !== undefined && !hasMethods(o.gpu, ['requestAdapter'])) {
    invalid(
      'options.gpu',
      o.gpu,
      "must be a WebGPU entry point (navigator.gpu, or create([]) of the 'webgpu' package)",
    );
  }
  const kernels = o.kernels === undefined ? undefined : readKernels('options.kernels', o.kernels);
  return { o, valid: { software, limits, pool, autotune, ...(kernels ? { kernels } : {}) } };
}

function engineOn(device: GPUDevice, kernels: readonly Kernel[], valid: ValidEngineOptions): Engine {
  let rt: Runtime;
  try {
    const info = (device as unknown as { adapterInfo?: GPUAdapterInfo }).adapterInfo;
    rt = new Runtime(device, valid.software ?? isSoftwareInfo(info), kernels, valid.limits, valid.pool);
  } catch (e) {
    invalid('options.device', device, `must be a GPUDevice (${e instanceof Error ? e.message : show(e)})`);
  }
  return new DeconvEngine('webgpu', rt, null, valid, kernels);
}

/**
 * An engine on a ready device, made synchronously (for code that cannot wait, such as a
 * kernel registered into another library), running `kernels` unless `options.kernels` names
 * others. Options as `createEngine`'s but `gpu`.
 */
export function engineOnDevice(
  device: GPUDevice,
  kernels: readonly Kernel[],
  options: Omit<EngineOptions, 'gpu' | 'device'> = {},
): Engine {
  const { o, valid } = engineConfig(options);
  if (o.gpu !== undefined || o.device !== undefined)
    invalid('options', options, 'takes no gpu or device: the device is the first argument');
  if (!hasMethods(device, ['createBuffer', 'createComputePipeline', 'pushErrorScope'])) {
    invalid('device', device, 'must be a GPUDevice');
  }
  return engineOn(device, valid.kernels ?? kernels, valid);
}

/**
 * Creates an engine (see `createEngine`) running `options.kernels`, or `defaults` without
 * that option; null `defaults` make the option required. The package's `createEngine` passes
 * the library's five kernels (src/gpu/kernels/registry.ts); `webgpu-deconv/core`'s passes
 * none, so that an application's bundle holds only the kernels it names.
 */
export async function openEngine(options: EngineOptions = {}, defaults: readonly Kernel[] | null): Promise<Engine> {
  const { o, valid } = engineConfig(options);
  const kernels =
    valid.kernels ??
    defaults ??
    invalid(
      'options.kernels',
      undefined,
      "is required by webgpu-deconv/core's createEngine: an array of the kernels to run, e.g. [subpixelKernel] " +
        "(createEngine of 'webgpu-deconv' runs all five without it)",
    );
  const fallback = o.fallback ?? 'cpu';
  if (o.device !== undefined) {
    const engine = engineOn(o.device as GPUDevice, kernels, valid) as DeconvEngine;
    await checkNativeF16(engine.runtime());
    return engine;
  }
  const gpu = (o.gpu as GPU | undefined) ?? (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu ?? null;
  const made = gpu ? await requestDevice(gpu) : 'no WebGPU entry point (navigator.gpu or options.gpu)';
  if (typeof made === 'string') {
    if (fallback === 'none') throw new DeconvError('NO_WEBGPU', `WebGPU is unavailable: ${made}`, 'gpu');
    if (!warnedFallback) {
      warnedFallback = true;
      console.warn(
        `webgpu-deconv: WebGPU is unavailable (${made}); running on the CPU reference. ` +
          "Pass { gpu } (in Node: create([]) of the 'webgpu' package) for the GPU, or { fallback: 'none' } to make this an error.",
      );
    }
    return new DeconvEngine('cpu', null, null, valid, kernels);
  }
  const rt = new Runtime(made.device, valid.software ?? made.software, kernels, valid.limits, valid.pool);
  await checkNativeF16(rt);
  return new DeconvEngine('webgpu', rt, gpu, valid, kernels);
}
