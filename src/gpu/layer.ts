import { BufferUsage } from './flags.js';
import { convTranspose2dResolved } from '../cpu.js';
import { DeconvError, invalid } from '../errors.js';
import { checkData, checkShape, filterDims, filterStrides, resolveConvTranspose2d } from '../geometry.js';
import type { ConvTranspose2dGeometry, ConvTranspose2dOptions, FilterLayout } from '../types.js';
import { CallContext } from './context.js';
import { encodePieces, packFilter, withFilterLayout } from './execute.js';
import type { Kernel, KernelName } from './kernel.js';
import { kernelByName, plan, splitPieces, type PlanPiece } from './planner.js';
import type { Runtime } from './runtime.js';
import { DeviceTensor, HostTensor, type GPUTensor } from './tensor.js';

/** Options of a call or a prepared layer: the convolution's options plus the kernel choice. */
export interface EngineConvOptions extends ConvTranspose2dOptions {
  /** A kernel by name, or 'auto' (default): the kernel autotuning chose for the geometry, else the planner's. */
  kernel?: KernelName | 'auto';
}

/** What a prepared layer needs from its engine. */
export interface LayerHost {
  readonly owner: object;
  readonly backend: 'webgpu' | 'cpu';
  /** The current runtime; throws DeconvError('DEVICE_LOST') while there is none. */
  runtime(): Runtime;
  /** The kernel autotuning chose for a geometry, or null when it is not tuned. */
  tunedKernel(g: ConvTranspose2dGeometry): KernelName | null;
  /** Changes whenever a geometry gets tuned. */
  readonly tuneVersion: number;
}

/** A transposed convolution with its weights prepared once; see `Engine.createConvTranspose2d`. */
export interface PreparedConvTranspose2d {
  /** Enqueues the layer on `x` and returns its output tensor at once (no waiting, no readback). */
  run(x: GPUTensor): GPUTensor;
  /** The kernel the layer uses for an input shape (planning it if needed). */
  kernelFor(inputShape: readonly number[]): KernelName | 'cpu';
  /** Releases the layer's GPU weights. Running it afterwards throws DeconvError. */
  destroy(): void;
  readonly destroyed: boolean;
}

interface ShapePlan {
  kernel: Kernel;
  /** The geometry with the filter in the kernel's preferred layout. */
  g: ConvTranspose2dGeometry;
  pieces: PlanPiece[];
  /** For an 'auto' plan made by the cost model: the host's tuneVersion then (re-plan once it changes). */
  untunedAt: number | null;
}

interface DeviceState {
  filters: Map<FilterLayout, GPUBuffer>;
  bias: GPUBuffer;
  plans: Map<string, ShapePlan>;
}

/** Option errors that depend on the input size, which a layer only learns when it runs. */
const SIZE_DEPENDENT = ['options.outputSizes', 'options.padding'];

/** A prepared layer: weights validated and copied once, packed per kernel layout once per device. */
export class PreparedLayer implements PreparedConvTranspose2d {
  private readonly host: LayerHost;
  private readonly filter: Float32Array;
  private readonly filterShape: [number, number, number, number];
  private readonly options: EngineConvOptions;
  private readonly bias: Float32Array | null;
  private readonly states = new Map<Runtime, DeviceState>();
  private isDestroyed = false;

  constructor(host: LayerHost, filter: Float32Array, filterShape: readonly number[], options: EngineConvOptions = {}) {
    if (options === null || typeof options !== 'object') invalid('options', options, 'must be an object');
    this.filterShape = checkShape('filterShape', filterShape);
    checkData('filter', filter, this.filterShape);
    // Validate the options now against a synthetic input with the filter's channels;
    // only the size-dependent rules wait for the real input.
    const inC = filterDims(options.filterLayout ?? 'iohw', this.filterShape)[0];
    const layout = options.inputLayout;
    const probe = layout === 'nhwc' ? [1, 64, 64, inC] : [1, inC, 64, 64];
    try {
      resolveConvTranspose2d(
        layout === 'nchw' || layout === 'nhwc' || layout === undefined ? probe : [1, 1, 1, 1],
        this.filterShape,
        options,
      );
    } catch (e) {
      if (!(e instanceof DeconvError) || !SIZE_DEPENDENT.some((p) => e.param?.startsWith(p))) throw e;
    }
    const want = options.kernel ?? 'auto';
    if (want !== 'auto') kernelByName(want);
    this.host = host;
    this.filter = filter.slice();
    this.bias = options.bias ? options.bias.slice() : null;
    this.options = { ...options, bias: this.bias ?? undefined };
    if (!this.bias) delete this.options.bias;
  }

  get destroyed(): boolean {
    return this.isDestroyed;
  }

  private geometry(shape: readonly number[]): ConvTranspose2dGeometry {
    // resolveConvTranspose2d accepts (and ignores) the `kernel` option.
    return resolveConvTranspose2d(shape, this.filterShape, this.options);
  }

  private state(rt: Runtime): DeviceState {
    let st = this.states.get(rt);
    if (!st) {
      // Drop state of lost devices (their buffers are gone with them).
      for (const old of this.states.keys()) if (old.lost) this.states.delete(old);
      const g0 = this.geometryForState();
      const outC = g0.outChannels;
      const bias = rt.create(outC * 4, BufferUsage.STORAGE | BufferUsage.COPY_DST, 'layer:bias');
      rt.device.queue.writeBuffer(bias, 0, (this.bias ?? new Float32Array(outC)) as Float32Array<ArrayBuffer>);
      st = { filters: new Map(), bias, plans: new Map() };
      this.states.set(rt, st);
    }
    return st;
  }

  /** Any valid geometry of this layer, for the filter's logical dims and outChannels. */
  private geometryForState(): { outChannels: number } {
    const [, cog] = filterDims(this.options.filterLayout ?? 'iohw', this.filterShape);
    return { outChannels: cog * (this.options.groups ?? 1) };
  }

  private shapePlan(rt: Runtime, st: DeviceState, shape: readonly number[]): ShapePlan {
    const key = shape.join(',');
    let sp = st.plans.get(key);
    if (sp?.untunedAt != null && sp.untunedAt !== this.host.tuneVersion) sp = undefined;
    if (!sp) {
      const g = this.geometry(shape);
      const want = this.options.kernel ?? 'auto';
      const tuned = want === 'auto' ? this.host.tunedKernel(g) : null;
      const p = plan(g, rt.limits, { kernel: tuned ?? want, software: rt.software });
      const kernel = kernelByName(p.kernel);
      const packed = withFilterLayout(g, kernel.preferredFilterLayout);
      sp = {
        kernel,
        g: packed,
        pieces: packed === g ? p.pieces : splitPieces(kernel, packed, rt.limits),
        untunedAt: want === 'auto' && !tuned ? this.host.tuneVersion : null,
      };
      if (g.outputSize * 4 > rt.limits.maxBufferSize) {
        throw new DeconvError(
          'DEVICE_LIMIT',
          `the output of ${g.outputSize * 4} bytes exceeds maxBufferSize ${rt.limits.maxBufferSize}; ` +
            'a resident tensor is one buffer (the one-shot convTranspose2d call splits such outputs)',
          'inputShape',
        );
      }
      st.plans.set(key, sp);
    }
    return sp;
  }

  private packedFilter(rt: Runtime, st: DeviceState, sp: ShapePlan): GPUBuffer {
    const layout = sp.kernel.preferredFilterLayout;
    let buf = st.filters.get(layout);
    if (!buf) {
      const src = this.options.filterLayout ?? 'iohw';
      const [i, o, kh, kw] = filterDims(src, this.filterShape);
      const original = {
        ...sp.g,
        filterLayout: src,
        filterShape: this.filterShape,
        filterStrides: filterStrides(src, i, o, kh, kw),
      };
      const data = packFilter(this.filter, original, layout);
      buf = rt.create(data.byteLength, BufferUsage.STORAGE | BufferUsage.COPY_DST, `${sp.kernel.name}:weights`);
      rt.device.queue.writeBuffer(buf, 0, data as Float32Array<ArrayBuffer>);
      st.filters.set(layout, buf);
    }
    return buf;
  }

  kernelFor(inputShape: readonly number[]): KernelName | 'cpu' {
    if (this.host.backend === 'cpu') {
      this.geometry(inputShape);
      return 'cpu';
    }
    const rt = this.host.runtime();
    return this.shapePlan(rt, this.state(rt), inputShape).kernel.name;
  }

  run(x: GPUTensor): GPUTensor {
    if (this.isDestroyed) throw new DeconvError('INVALID_ARGUMENT', 'layer: it was destroyed and cannot run', 'layer');
    if (!(x instanceof DeviceTensor || x instanceof HostTensor) || x.owner !== this.host.owner) {
      invalid('x', x, 'must be a tensor made by this engine (engine.upload or a layer of it)');
    }
    if (x instanceof HostTensor) {
      const data = x.data('x');
      const g = this.geometry(x.shape);
      return new HostTensor(this.host.owner, convTranspose2dResolved(g, data, this.filter), g.outputShape);
    }
    const input = x.buffer('x');
    const rt = this.host.runtime();
    if (x.runtime !== rt) throw x.runtime.lostError();
    const st = this.state(rt);
    const sp = this.shapePlan(rt, st, x.shape);
    const filter = this.packedFilter(rt, st, sp);
    const g = sp.g;
    let output: GPUBuffer | null = null;
    const { errors } = rt.scoped(() => {
      output = rt.create(
        g.outputSize * 4,
        BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST,
        `${sp.kernel.name}:output`,
      );
      const ctx = new CallContext(rt.device, { limits: rt.limits, software: rt.software, allocator: rt });
      try {
        encodePieces(ctx, sp.kernel, g, sp.pieces, { input, filter, bias: st.bias, output });
        const enc = rt.device.createCommandEncoder({ label: sp.kernel.name });
        ctx.encode(enc);
        rt.device.queue.submit([enc.finish()]);
        ctx.release();
      } catch (e) {
        ctx.release(true);
        rt.destroy(output);
        throw e;
      }
    });
    const ready = Promise.all([x.ready, errors]).then(() => undefined);
    return new DeviceTensor(this.host.owner, rt, output!, g.outputShape, ready);
  }

  destroy(): void {
    if (this.isDestroyed) return;
    this.isDestroyed = true;
    for (const [rt, st] of this.states) {
      for (const b of st.filters.values()) rt.destroy(b);
      rt.destroy(st.bias);
    }
    this.states.clear();
  }
}
