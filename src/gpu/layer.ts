import { BufferUsage, MapMode } from './flags.js';
import { convTransposeResolved } from '../cpu.js';
import { DeconvError, invalid, show } from '../errors.js';
import { FILTER_LAYOUTS, INPUT_LAYOUTS, OPTION_KEYS, filterDims, resolveConvTranspose } from '../geometry.js';
import { roundToHalf } from '../half.js';
import type { AnyFilterLayout, ConvTransposeGeometry, ConvTransposeOptions } from '../types.js';
import { isInstance, oneOf, readInts, readOptions, readShape, typedLength } from '../validate.js';
import { CallContext } from './context.js';
import { hasNonFinite, readData, valuesOf, writeData, type StoredData } from './data.js';
import { encodePieces, packFilter, withFilterLayout } from './execute.js';
import { KERNEL_NAMES, type Kernel, type KernelName } from './kernel.js';
import { checkAvailable, checkKernelName, kernelByName, planWith, splitPieces, type PlanPiece } from './planner.js';
import { encodeFiniteCheck, encodeRepack } from './repack.js';
import type { Runtime } from './runtime.js';
import { DeviceTensor, HostTensor, dtypeBytes, type DType, type GPUTensor } from './tensor.js';

/** Options of a call or a prepared layer: the convolution's options plus the engine's. */
export interface EngineConvOptions extends ConvTransposeOptions {
  /** A kernel by name, or 'auto' (default): the kernel autotuning chose for the geometry, else the planner's. */
  kernel?: KernelName | 'auto';
  /**
   * Element type of the data: 'float32' (default) or 'float16' (stored as IEEE half; the
   * arithmetic and the accumulation are float32, see the README's float16 section).
   */
  dtype?: DType;
}

/** Options of {@link PreparedConvTranspose.run}. */
export interface RunOptions {
  /**
   * A tensor to write the output into (from `engine.upload` or `engine.wrap`, of this
   * engine), of exactly the output's shape and the layer's dtype; it is returned.
   */
  output?: GPUTensor;
}

/** What a prepared layer needs from its engine. */
export interface LayerHost {
  readonly owner: object;
  readonly backend: 'webgpu' | 'cpu';
  /** The names of the kernels the engine was given. */
  readonly kernelNames: readonly KernelName[];
  /** The current runtime; throws DeconvError when the engine is destroyed or its device lost. */
  runtime(): Runtime;
  /** The kernel autotuning chose for a geometry, or null when it is not tuned. */
  tunedKernel(g: ConvTransposeGeometry, dtype: DType): KernelName | null;
  /** Changes whenever a geometry gets tuned. */
  readonly tuneVersion: number;
}

/** A transposed convolution of any rank with its weights prepared once; see `Engine.createConvTranspose`. */
export interface PreparedConvTranspose {
  /** Element type of the layer's weights and of the tensors it takes and returns. */
  readonly dtype: DType;
  /**
   * Enqueues the layer on `x` and returns its output tensor at once (no waiting, no
   * readback): a new tensor, or `options.output` filled in place.
   */
  run(x: GPUTensor, options?: RunOptions): GPUTensor;
  /** The kernel the layer uses for an input shape (planning it if needed). */
  kernelFor(inputShape: readonly number[]): KernelName | 'cpu';
  /** Releases the layer's GPU weights. Using it afterwards throws DeconvError('DESTROYED'). */
  destroy(): void;
  readonly destroyed: boolean;
}

/** A prepared 2-D transposed convolution (4-D inputs); see `Engine.createConvTranspose2d`. */
export type PreparedConvTranspose2d = PreparedConvTranspose;

interface ShapePlan {
  kernel: Kernel;
  /** The geometry with the filter in the kernel's preferred layout. */
  g: ConvTransposeGeometry;
  pieces: PlanPiece[];
  /** For an 'auto' plan made by the cost model: the host's tuneVersion then (re-plan once it changes). */
  untunedAt: number | null;
}

interface DeviceState {
  filters: Map<AnyFilterLayout, GPUBuffer>;
  bias: GPUBuffer;
  plans: Map<string, ShapePlan>;
}

/** Option errors that depend on the input size, which a layer only learns when it runs. */
const SIZE_DEPENDENT = ['options.outputSizes', 'options.padding'];

const DTYPES: readonly DType[] = ['float32', 'float16'];

/** Reads the engine's keys of a snapshot of options: the kernel and the dtype. */
export function engineOptions(o: Partial<Record<(typeof OPTION_KEYS)[number], unknown>>): {
  kernel: KernelName | 'auto';
  dtype: DType;
} {
  return {
    // oneOf formats any value safely (a revoked Proxy, a BigInt); checkKernelName then has a name.
    kernel: checkKernelName(oneOf('options.kernel', o.kernel, ['auto', ...KERNEL_NAMES] as const, 'auto')),
    dtype: oneOf('options.dtype', o.dtype, DTYPES, 'float32'),
  };
}

/** A filter that was a GPU tensor: the layer's own copy, on the device it was made on. */
interface GpuFilter {
  rt: Runtime;
  buffer: GPUBuffer;
}

/**
 * A prepared layer: weights validated and copied once, packed per kernel layout once per
 * device. Weights given as a GPU tensor (engine.wrap of another library's weight) are copied
 * and repacked on the GPU, and checked there for ±∞/NaN.
 */
export class PreparedLayer implements PreparedConvTranspose {
  readonly dtype: DType;
  private readonly host: LayerHost;
  /** The filter in its storage form (float32 values or float16 bits), in the caller's layout; null for a GPU filter. */
  private readonly filter: StoredData | null;
  private readonly gpuFilter: GpuFilter | null = null;
  private readonly filterShape: number[];
  private readonly options: ConvTransposeOptions;
  private readonly bias: StoredData | null;
  private readonly kernel: KernelName | 'auto';
  /** The filter may hold ±∞ or NaN: kernels must keep inserted zeros from meeting it. */
  private guard: boolean;
  /** 4 for a layer made by createConvTranspose2d (4-D inputs only), else null. */
  private readonly inputRank: number | null;
  private readonly states = new Map<Runtime, DeviceState>();
  private isDestroyed = false;

  constructor(
    host: LayerHost,
    filter: unknown,
    filterShape: unknown,
    options: unknown = {},
    inputRank: number | null = null,
  ) {
    const o = readOptions('options', options, OPTION_KEYS);
    const { kernel, dtype } = engineOptions(o);
    const shape = readShape('filterShape', filterShape, inputRank ? [inputRank] : [3, 4, 5]);
    const rank = shape.length - 2;
    const onDevice = isInstance(filter, DeviceTensor);
    if (onDevice || isInstance(filter, HostTensor)) {
      if (filter.owner !== host.owner) invalid('filter', filter, 'must be a tensor of this engine');
      if (filter.dtype !== dtype) invalid('filter.dtype', filter.dtype, `must be the layer's dtype ('${dtype}')`);
      if (filter.shape.length !== shape.length || filter.shape.some((d, i) => d !== shape[i])) {
        invalid('filter.shape', filter.shape, `must equal filterShape ${show(shape)}`);
      }
    }
    this.filter = onDevice
      ? null
      : readData('filter', isInstance(filter, HostTensor) ? filter.data('filter') : filter, shape, dtype);
    // Validate the options now against the smallest input with the filter's channels (one
    // element per spatial axis): every size rule but the crop (padding, outputSizes) only gets
    // stricter as the input grows, so what fails here fails for every input. A crop that a
    // larger input may allow waits for the real input; its form and every other rule are
    // checked without it.
    const layout = o.filterLayout ?? FILTER_LAYOUTS[rank]![0];
    const inC = (FILTER_LAYOUTS[rank] as readonly unknown[]).includes(layout)
      ? filterDims(layout as AnyFilterLayout, shape)[0]!
      : 1;
    const channelsLast = o.inputLayout === INPUT_LAYOUTS[rank]![1];
    const spatial = new Array<number>(rank).fill(1);
    const probe = channelsLast ? [1, ...spatial, inC] : [1, inC, ...spatial];
    try {
      resolveConvTranspose(probe, shape, o as ConvTransposeOptions);
    } catch (e) {
      if (!(e instanceof DeconvError) || !SIZE_DEPENDENT.some((p) => e.param?.startsWith(p))) throw e;
      if (o.padding !== undefined) readInts('options.padding', o.padding, [2 * rank], 0);
      if (o.outputSizes !== undefined) readInts('options.outputSizes', o.outputSizes, [rank], 1);
      resolveConvTranspose(probe, shape, { ...o, padding: undefined, outputSizes: undefined } as ConvTransposeOptions);
    }
    if (kernel !== 'auto') checkAvailable(kernel, host.kernelNames);
    this.host = host;
    this.dtype = dtype;
    this.kernel = kernel;
    this.filterShape = shape;
    this.inputRank = inputRank;
    this.guard = this.filter ? hasNonFinite(this.filter) : true;
    const bias = o.bias as Float32Array | undefined;
    this.bias = bias ? readData('options.bias', bias, [typedLength(bias)], dtype) : null;
    // The canonical options (without the engine's keys) with the bias as the layer stores it
    // (float16-rounded for float16).
    const canonical: Record<string, unknown> = { ...o };
    for (const key of ['kernel', 'dtype', 'bias']) delete canonical[key];
    this.options = { ...(canonical as ConvTransposeOptions), ...(this.bias ? { bias: valuesOf(this.bias) } : {}) };
    if (onDevice) this.gpuFilter = this.copyGpuFilter(filter as DeviceTensor, shape);
  }

  /** Copies a GPU filter into the layer's own buffer and starts its ±∞/NaN check. */
  private copyGpuFilter(filter: DeviceTensor, shape: number[]): GpuFilter {
    const rt = this.host.runtime();
    if (filter.runtime !== rt) throw filter.runtime.lostError();
    const src = filter.gpuBuffer('filter');
    const bytes = Math.ceil((shape.reduce((p, d) => p * d, 1) * dtypeBytes(this.dtype)) / 4) * 4;
    let buffer: GPUBuffer | null = null;
    let flag: GPUBuffer | null = null;
    const { errors } = rt.scoped(() => {
      buffer = rt.create(bytes, BufferUsage.STORAGE | BufferUsage.COPY_DST | BufferUsage.COPY_SRC, 'layer:weights');
      flag = rt.create(16, BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST, 'layer:finite');
      const ctx = new CallContext(rt.device, { limits: rt.limits, storage: rt.storageOf(this.dtype), allocator: rt });
      ctx.copy(src, 0, buffer, 0, bytes);
      encodeFiniteCheck(
        ctx,
        buffer,
        flag,
        shape.reduce((p, d) => p * d, 1),
      );
      const enc = rt.device.createCommandEncoder({ label: 'layer:weights' });
      enc.clearBuffer(flag);
      ctx.encode(enc);
      rt.device.queue.submit([enc.finish()]);
      ctx.release();
    });
    // Once the check shows the filter is finite, later plans drop the guard.
    const staging = rt.create(16, BufferUsage.MAP_READ | BufferUsage.COPY_DST, 'layer:finite-read');
    Promise.all([filter.ready, errors])
      .then(() => {
        if (this.isDestroyed || rt.destroyed || rt.lost) throw new Error('closed');
        const enc = rt.device.createCommandEncoder();
        enc.copyBufferToBuffer(flag!, 0, staging, 0, 16);
        rt.device.queue.submit([enc.finish()]);
        return rt.guard(staging.mapAsync(MapMode.READ));
      })
      .then(() => {
        const finite = new Float32Array(staging.getMappedRange())[0] === 0;
        staging.unmap();
        if (finite && !this.isDestroyed) {
          this.guard = false;
          for (const st of this.states.values()) st.plans.clear();
        }
      })
      // A layer or engine destroyed meanwhile, or a lost device: the guard simply stays on.
      .catch(() => undefined)
      .finally(() => {
        rt.destroy(staging);
        rt.destroy(flag!);
      });
    return { rt, buffer: buffer! };
  }

  get destroyed(): boolean {
    return this.isDestroyed;
  }

  private checkOpen(): void {
    if (this.isDestroyed) throw new DeconvError('DESTROYED', 'layer: it was destroyed and cannot be used', 'layer');
  }

  private geometry(shape: readonly number[], param = 'inputShape'): ConvTransposeGeometry {
    if (this.inputRank !== null) readShape(param, shape, [this.inputRank]);
    return resolveConvTranspose(shape, this.filterShape, this.options);
  }

  private state(rt: Runtime, g: ConvTransposeGeometry): DeviceState {
    let st = this.states.get(rt);
    if (!st) {
      // Drop state of lost devices (their buffers are gone with them).
      for (const old of this.states.keys()) if (old.lost) this.states.delete(old);
      const bytes = dtypeBytes(this.dtype);
      const bias = rt.create(g.outChannels * bytes, BufferUsage.STORAGE | BufferUsage.COPY_DST, 'layer:bias');
      const zeros = this.dtype === 'float16' ? new Uint16Array(g.outChannels) : new Float32Array(g.outChannels);
      writeData(rt.device, bias, this.bias ?? zeros);
      st = { filters: new Map(), bias, plans: new Map() };
      this.states.set(rt, st);
    }
    return st;
  }

  private shapePlan(rt: Runtime, st: DeviceState, g: ConvTransposeGeometry): ShapePlan {
    const key = g.inputShape.join(',');
    let sp = st.plans.get(key);
    if (sp?.untunedAt != null && sp.untunedAt !== this.host.tuneVersion) sp = undefined;
    if (!sp) {
      const tuned = this.kernel === 'auto' ? this.host.tunedKernel(g, this.dtype) : null;
      const env = rt.planEnv(this.dtype, this.guard);
      const p = planWith(rt.kernels, g, rt.limits, { kernel: tuned ?? this.kernel, ...env });
      const kernel = kernelByName(p.kernel, rt.kernels);
      const packed = withFilterLayout(g, kernel.preferredFilterLayout(g.rank));
      const bytes = dtypeBytes(this.dtype);
      if (g.outputSize * bytes > rt.limits.maxBufferSize) {
        throw new DeconvError(
          'DEVICE_LIMIT',
          `the output of ${g.outputSize * bytes} bytes exceeds maxBufferSize ${rt.limits.maxBufferSize}; ` +
            'a resident tensor is one buffer (the one-shot convTranspose call splits such outputs)',
          'inputShape',
        );
      }
      sp = {
        kernel,
        g: packed,
        pieces: packed === g ? p.pieces : splitPieces(kernel, packed, { limits: rt.limits, ...env }),
        untunedAt: this.kernel === 'auto' && !tuned ? this.host.tuneVersion : null,
      };
      st.plans.set(key, sp);
    }
    return sp;
  }

  private packedFilter(rt: Runtime, st: DeviceState, sp: ShapePlan): GPUBuffer {
    const layout = sp.kernel.preferredFilterLayout(sp.g.rank);
    let buf = st.filters.get(layout);
    const source = (this.options.filterLayout ?? FILTER_LAYOUTS[sp.g.rank]![0])!;
    if (!buf && !this.filter) {
      const gpu = this.gpuFilter!;
      if (gpu.rt !== rt) {
        throw new DeconvError('DEVICE_LOST', 'layer: its weights were a GPU tensor of a device that was lost', 'layer');
      }
      if (layout === source) buf = gpu.buffer;
      else {
        buf = rt.create(gpu.buffer.size, BufferUsage.STORAGE | BufferUsage.COPY_DST, `${sp.kernel.name}:weights`);
        const ctx = new CallContext(rt.device, { limits: rt.limits, storage: rt.storageOf(this.dtype), allocator: rt });
        encodeRepack(ctx, gpu.buffer, buf, this.filterShape, source, layout);
        const enc = rt.device.createCommandEncoder({ label: 'layer:repack' });
        ctx.encode(enc);
        rt.device.queue.submit([enc.finish()]);
        ctx.release();
      }
      st.filters.set(layout, buf);
    }
    if (!buf) {
      const original = withFilterLayout(sp.g, source);
      const data = packFilter(this.filter!, original, layout);
      buf = rt.create(data.byteLength, BufferUsage.STORAGE | BufferUsage.COPY_DST, `${sp.kernel.name}:weights`);
      writeData(rt.device, buf, data);
      st.filters.set(layout, buf);
    }
    return buf;
  }

  kernelFor(inputShape: readonly number[]): KernelName | 'cpu' {
    this.checkOpen();
    const g = this.geometry(inputShape);
    if (this.host.backend === 'cpu') return 'cpu';
    const rt = this.host.runtime();
    return this.shapePlan(rt, this.state(rt, g), g).kernel.name;
  }

  /** The caller's output tensor, checked against the output `g` writes. */
  private outputTensor<T extends DeviceTensor | HostTensor>(
    options: unknown,
    g: ConvTransposeGeometry,
    x: T,
  ): T | null {
    const o = readOptions('options', options, ['output'] as const, 'run options');
    if (o.output === undefined) return null;
    const out = o.output as T;
    if (!isInstance(out, x.constructor as typeof DeviceTensor) || out.owner !== this.host.owner) {
      invalid('options.output', out, 'must be a tensor of this engine (engine.upload, engine.wrap or a layer of it)');
    }
    if (out.dtype !== this.dtype) {
      invalid('options.output.dtype', out.dtype, `must be the layer's dtype ('${this.dtype}')`);
    }
    if (out.shape.length !== g.outputShape.length || out.shape.some((d, i) => d !== g.outputShape[i])) {
      invalid('options.output.shape', out.shape, `must be the output shape ${show(g.outputShape)}`);
    }
    const same =
      out instanceof DeviceTensor
        ? out.gpuBuffer('options.output') === (x as DeviceTensor).gpuBuffer('x')
        : (out as HostTensor).data('options.output') === (x as HostTensor).data('x');
    if (same) invalid('options.output', out, 'must not share its memory with the input');
    return out as T;
  }

  run(x: GPUTensor, options: RunOptions = {}): GPUTensor {
    this.checkOpen();
    if (!(isInstance(x, DeviceTensor) || isInstance(x, HostTensor)) || x.owner !== this.host.owner) {
      invalid('x', x, 'must be a tensor made by this engine (engine.upload, engine.wrap or a layer of it)');
    }
    if (x.dtype !== this.dtype) {
      invalid(
        'x.dtype',
        x.dtype,
        `must be the layer's dtype ('${this.dtype}'); upload the input with { dtype: '${this.dtype}' }`,
      );
    }
    const g = this.geometry(x.shape, 'x.shape');
    if (x instanceof HostTensor) {
      const given = this.outputTensor(options, g, x);
      const raw = convTransposeResolved(g, x.data('x'), valuesOf(this.filter!));
      const out = this.dtype === 'float16' ? roundToHalf(raw) : raw;
      if (given) {
        given.assign(out);
        return given;
      }
      return new HostTensor(this.host.owner, out, g.outputShape, this.dtype);
    }
    const input = x.gpuBuffer('x');
    const rt = this.host.runtime();
    if (x.runtime !== rt) throw x.runtime.lostError();
    const given = this.outputTensor(options, g, x);
    const st = this.state(rt, g);
    const sp = this.shapePlan(rt, st, g);
    const filter = this.packedFilter(rt, st, sp);
    const pg = sp.g;
    let output: GPUBuffer | null = given ? given.gpuBuffer('options.output') : null;
    const { errors } = rt.scoped(() => {
      output ??= rt.create(
        pg.outputSize * dtypeBytes(this.dtype),
        BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST,
        `${sp.kernel.name}:output`,
      );
      const ctx = new CallContext(rt.device, {
        limits: rt.limits,
        software: rt.software,
        storage: rt.storageOf(this.dtype),
        guard: this.guard,
        allocator: rt,
      });
      try {
        encodePieces(ctx, sp.kernel, pg, sp.pieces, { input, filter, bias: st.bias, output });
        const enc = rt.device.createCommandEncoder({ label: sp.kernel.name });
        ctx.encode(enc);
        rt.device.queue.submit([enc.finish()]);
        ctx.release();
      } catch (e) {
        ctx.release(true);
        if (!given) rt.destroy(output);
        throw e;
      }
    });
    const ready = Promise.all([x.ready, errors, given?.ready]).then(() => undefined);
    if (given) {
      given.chain(ready);
      return given;
    }
    return new DeviceTensor(this.host.owner, rt, output!, g.outputShape, ready, this.dtype);
  }

  destroy(): void {
    if (this.isDestroyed) return;
    this.isDestroyed = true;
    for (const [rt, st] of this.states) {
      for (const b of st.filters.values()) rt.destroy(b);
      rt.destroy(st.bias);
    }
    if (this.gpuFilter) this.gpuFilter.rt.destroy(this.gpuFilter.buffer);
    this.states.clear();
  }
}
