/**
 * Loads a decoder exported from PyTorch (a chain of nn.ConvTranspose1d, 2d or 3d layers with
 * their activations) as prepared layers of an engine: a JSON manifest of the layers and one
 * binary file of their weights and biases.
 */
import { DeconvError, invalid, show } from './errors.js';
import { fromTorch, type TorchParams } from './frameworks.js';
import { checkInts, resolveConvTranspose } from './geometry.js';
import { halfValue } from './half.js';
import {
  hasMethods,
  isArray,
  isInstance,
  readInts,
  readJson,
  readOptions,
  readSafely,
  type JsonShape,
} from './validate.js';
import type { Engine } from './gpu/engine.js';
import type { KernelName } from './gpu/kernel.js';
import type { EngineConvOptions, PreparedConvTranspose } from './gpu/layer.js';
import type { GPUTensor } from './gpu/tensor.js';
import type { Activation } from './types.js';

/** Where one tensor lies in the weights file: little-endian values in row-major order. */
export interface TorchTensorEntry {
  dtype: 'float16' | 'float32';
  /** Byte offset in the weights file. */
  offset: number;
  shape: number[];
}

/** One layer of a {@link TorchManifest}. */
export interface TorchManifestLayer {
  /** For error messages, e.g. the module's name in the PyTorch model. */
  name?: string;
  /**
   * 'ConvTranspose1d', 'ConvTranspose2d' or 'ConvTranspose3d': checked against the rank of
   * `manifest.input` when given (every layer of a decoder has the input's rank).
   */
  module?: TorchModule;
  /** The `nn.ConvTranspose1d/2d/3d` arguments, as PyTorch names them (`padding_mode` only 'zeros'); lists have one entry per spatial axis. */
  args: {
    in_channels: number;
    out_channels: number;
    kernel_size: number | number[];
    stride?: number | number[];
    padding?: number | number[];
    output_padding?: number | number[];
    groups?: number;
    /** Default true, as in PyTorch: the layer then needs a `bias` entry. */
    bias?: boolean;
    dilation?: number | number[];
    padding_mode?: 'zeros';
  };
  /** Fused after the bias; none when absent or null. */
  activation?: Activation | null;
  /** With `activation: 'leakyRelu'` (PyTorch's `negative_slope`); default 0.01. */
  leakyReluAlpha?: number;
  /** `module.weight`: [in_channels, out_channels / groups, ...kernel_size]. */
  weight: TorchTensorEntry;
  /** `module.bias`: [out_channels]; required when `args.bias` is true or absent. */
  bias?: TorchTensorEntry | null;
}

/** The PyTorch modules a {@link TorchManifest} may hold, by spatial rank. */
export type TorchModule = 'ConvTranspose1d' | 'ConvTranspose2d' | 'ConvTranspose3d';

/** A decoder made of `nn.ConvTranspose1d`, `2d` or `3d` layers (one rank throughout), as JSON. */
export interface TorchManifest {
  /** The weights file; `byteLength` is checked against the bytes given to the loader. */
  weights?: { file?: string; byteLength?: number };
  /** One input item, channels first without the batch: [C, L], [C, H, W] or [C, D, H, W]. */
  input: number[];
  /** One output item in the same form; checked when given. */
  output?: number[];
  layers: TorchManifestLayer[];
}

/** One loaded layer of a {@link TorchDecoder}. */
export interface TorchDecoderLayer {
  name: string;
  /** One input item [C, ...spatial] of this layer, and its output. */
  inputShape: number[];
  outputShape: number[];
  /** [in, out/groups, ...kernel]. */
  filterShape: number[];
  /** What `fromTorch` made of the layer's arguments, with its bias and activation. */
  options: EngineConvOptions;
  prepared: PreparedConvTranspose;
}

/** A loaded decoder: its layers prepared on one engine. */
export interface TorchDecoder {
  /** One input item [C, ...spatial]; `run` takes [N, C, ...spatial]. */
  readonly inputShape: readonly number[];
  /** One output item [C, ...spatial]. */
  readonly outputShape: readonly number[];
  readonly layers: readonly TorchDecoderLayer[];
  /**
   * Enqueues every layer on `input` ([N, ...inputShape], channels first) and returns the output at once.
   * Intermediate tensors are freed; `input` and the output stay the caller's.
   */
  run(input: GPUTensor): GPUTensor;
  /** Releases every layer's weights. Running it afterwards throws DeconvError('DESTROYED'). */
  destroy(): void;
  readonly destroyed: boolean;
}

/** Options of {@link loadTorchDecoder}. */
export interface LoadTorchOptions {
  /** Force one kernel for every layer; default 'auto'. */
  kernel?: KernelName | 'auto';
}

const ACTIVATIONS: readonly Activation[] = ['relu', 'relu6', 'leakyRelu', 'sigmoid', 'tanh', 'gelu'];

/** PyTorch's argument names → `fromTorch`'s. */
const ARGS: Record<string, keyof TorchParams> = {
  in_channels: 'inChannels',
  out_channels: 'outChannels',
  kernel_size: 'kernelSize',
  stride: 'stride',
  padding: 'padding',
  output_padding: 'outputPadding',
  groups: 'groups',
  bias: 'bias',
  dilation: 'dilation',
  padding_mode: 'paddingMode',
};

/** The geometry's option names → the manifest fields they come from. */
const OPTION_FIELDS: Record<string, string> = {
  strides: 'args.stride',
  dilations: 'args.dilation',
  padding: 'args.padding',
  outputPadding: 'args.output_padding',
  groups: 'args.groups',
  bias: 'bias',
  activation: 'activation',
  leakyReluAlpha: 'leakyReluAlpha',
};

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** `invalid` for one field of one layer: the parameter path, and the layer's name in the rule. */
type Fail = (field: string, value: unknown, rule: string) => never;

/** Reads one tensor entry from the weights file, checking it against the shape it must have. */
function readTensor(fail: Fail, field: string, entry: unknown, want: number[], bytes: DataView): Float32Array {
  if (!isObject(entry)) fail(field, entry, 'must be an object { dtype, offset, shape }');
  if (!Array.isArray(entry.shape) || !sameShape(entry.shape as number[], want)) {
    fail(`${field}.shape`, entry.shape, `must be ${show(want)}`);
  }
  const width = entry.dtype === 'float16' ? 2 : entry.dtype === 'float32' ? 4 : 0;
  if (!width) fail(`${field}.dtype`, entry.dtype, "must be 'float16' or 'float32'");
  const { offset } = entry;
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) {
    fail(`${field}.offset`, offset, 'must be an integer ≥ 0');
  }
  const size = want.reduce((a, b) => a * b, 1);
  if (offset + size * width > bytes.byteLength) {
    fail(
      `${field}.offset`,
      offset,
      `its ${size * width} bytes from there run past the end of the weights (${bytes.byteLength} bytes)`,
    );
  }
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    out[i] = width === 2 ? halfValue(bytes.getUint16(offset + 2 * i, true)) : bytes.getFloat32(offset + 4 * i, true);
  }
  return out;
}

function positiveInt(fail: Fail, field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    fail(field, value, 'must be a positive integer');
  }
  return value;
}

interface LayerSpec {
  name: string;
  inputShape: number[];
  outputShape: number[];
  filter: Float32Array;
  filterShape: number[];
  options: EngineConvOptions;
}

/** A tensor entry's fields. */
const TENSOR: JsonShape = { dtype: true, offset: true, shape: true };

/** The fields of a manifest the loader reads. */
const MANIFEST: JsonShape = {
  weights: { byteLength: true },
  input: true,
  output: true,
  layers: [
    { name: true, module: true, args: true, activation: true, leakyReluAlpha: true, weight: TENSOR, bias: TENSOR },
  ],
};

/** The module of each spatial rank. */
const MODULES: readonly TorchModule[] = ['ConvTranspose1d', 'ConvTranspose2d', 'ConvTranspose3d'];

/** One layer: its arguments checked against the incoming shape [c, ...spatial], its tensors read. */
function readLayer(
  i: number,
  layer: unknown,
  incoming: readonly number[],
  bytes: DataView,
  kernel: KernelName | 'auto',
): LayerSpec {
  const where = `manifest.layers[${i}]`;
  if (!isObject(layer)) invalid(where, layer, 'must be an object { args, weight, bias, activation }');
  const name = typeof layer.name === 'string' ? layer.name : `layers[${i}]`;
  const fail: Fail = (field, value, rule) => invalid(`${where}.${field}`, value, `${rule} (layer ${show(name)})`);
  const rank = incoming.length - 1;
  const module = MODULES[rank - 1]!;
  if (layer.module !== undefined && layer.module !== module) {
    fail('module', layer.module, `must be '${module}' (manifest.input has ${rank} spatial axes)`);
  }
  const args = layer.args;
  if (!isObject(args)) fail('args', args, `must be an object of nn.${module} arguments`);
  const params: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(args)) {
    const mapped = ARGS[key];
    if (!mapped) fail(`args.${key}`, value, `is not an nn.${module} argument (${Object.keys(ARGS).join(', ')})`);
    params[mapped] = value;
  }
  const c = incoming[0]!;
  const inC = positiveInt(fail, 'args.in_channels', args.in_channels);
  const outC = positiveInt(fail, 'args.out_channels', args.out_channels);
  const groups = args.groups === undefined ? 1 : positiveInt(fail, 'args.groups', args.groups);
  const k = typeof args.kernel_size === 'number' ? new Array<unknown>(rank).fill(args.kernel_size) : args.kernel_size;
  if (!Array.isArray(k) || k.length !== rank) {
    fail('args.kernel_size', args.kernel_size, `must be an integer or a list of ${rank} (one per spatial axis)`);
  }
  const kernelSizes = k.map((v: unknown, j) => positiveInt(fail, `args.kernel_size[${j}]`, v));
  if (inC !== c) {
    const from = i === 0 ? 'manifest.input[0]' : `the out_channels of layers[${i - 1}]`;
    fail('args.in_channels', inC, `must equal the channels coming in: ${c} (${from})`);
  }
  if (outC % groups !== 0) fail('args.out_channels', outC, `must be divisible by groups (${groups})`);
  const filterShape = [inC, outC / groups, ...kernelSizes];
  const filter = readTensor(fail, 'weight', layer.weight, filterShape, bytes);
  let bias: Float32Array | undefined;
  if ((args.bias ?? true) === true) bias = readTensor(fail, 'bias', layer.bias, [outC], bytes);
  else if (layer.bias != null) fail('bias', layer.bias, 'must be absent when args.bias is false');
  const activation = layer.activation ?? undefined;
  if (activation !== undefined && !ACTIVATIONS.includes(activation as Activation)) {
    fail('activation', activation, `must be null or one of ${ACTIVATIONS.map((a) => `'${a}'`).join(', ')}`);
  }
  // What fromTorch and the geometry reject beyond that (a padding that leaves no output,
  // output_padding ≥ stride, …), with the layer named and the argument in PyTorch's name.
  try {
    const inputShape = [1, ...incoming];
    const options: EngineConvOptions = {
      ...fromTorch(params as TorchParams, inputShape, filterShape),
      bias,
      activation: activation as Activation | undefined,
      kernel,
    };
    if (layer.leakyReluAlpha !== undefined) options.leakyReluAlpha = layer.leakyReluAlpha as number;
    const g = resolveConvTranspose(inputShape, filterShape, options);
    const outputShape = [g.outChannels, ...g.outSizes];
    return { name, inputShape: [...incoming], outputShape, filter, filterShape, options };
  } catch (e) {
    if (!(e instanceof DeconvError)) throw e;
    // fromTorch names its own parameters (camelCase); the geometry names its options.
    let rest = e.param ?? '';
    let top = rest.split(/[.[]/)[0]!;
    let field: string | undefined;
    if (top === 'options') {
      rest = rest.slice('options.'.length);
      top = rest.split(/[.[]/)[0]!;
      field = OPTION_FIELDS[top];
    } else {
      const snake = Object.keys(ARGS).find((key) => ARGS[key] === top);
      field = snake && `args.${snake}`;
    }
    const param = field ? `${field}${rest.slice(top.length)}` : rest;
    // Shapes are the manifest's input (or the layer before's output) and the weight's.
    const path =
      top === 'inputShape'
        ? i === 0
          ? 'manifest.input'
          : where
        : top === 'filterShape'
          ? `${where}.weight.shape`
          : param
            ? `${where}.${param}`
            : where;
    throw new DeconvError(e.code, `${path} (layer ${show(name)}): ${e.message}`, path);
  }
}

/** A view of the weights file's bytes. */
function weightBytes(weights: unknown): DataView {
  const rule = 'must be an ArrayBuffer or a typed array (the bytes of the weights file)';
  try {
    if (ArrayBuffer.isView(weights)) return new DataView(weights.buffer, weights.byteOffset, weights.byteLength);
    if (
      isInstance(weights, ArrayBuffer) ||
      (typeof SharedArrayBuffer !== 'undefined' && isInstance(weights, SharedArrayBuffer))
    ) {
      return new DataView(weights);
    }
  } catch {
    invalid('weights', weights, `${rule}, readable (not detached)`);
  }
  invalid('weights', weights, rule);
}

/** Validates the manifest against itself and the weights, and maps every layer through `fromTorch`. */
function readManifest(json: unknown, weights: unknown, kernel: KernelName | 'auto') {
  // A snapshot of the fields read, as plain data: the checks below never meet a getter, a
  // Proxy or a cycle, and other fields (a tool's metadata) are not read at all.
  const manifest = readJson('manifest', json, MANIFEST);
  if (!isObject(manifest)) invalid('manifest', manifest, 'must be an object { input, layers, output, weights }');
  const bytes = weightBytes(weights);
  const declared = isObject(manifest.weights) ? manifest.weights.byteLength : undefined;
  if (declared !== undefined && declared !== bytes.byteLength) {
    invalid(
      'manifest.weights.byteLength',
      declared,
      `must equal the size of the weights given (${bytes.byteLength} bytes)`,
    );
  }
  // [C, L], [C, H, W] or [C, D, H, W]: the rank of every layer.
  const inputShape = readInts('manifest.input', manifest.input, [2, 3, 4], 1);
  const layers = manifest.layers;
  if (!Array.isArray(layers) || layers.length === 0) invalid('manifest.layers', layers, 'must be a non-empty array');
  let shape: number[] = inputShape;
  const specs = layers.map((layer: unknown, i) => {
    const spec = readLayer(i, layer, shape, bytes, kernel);
    shape = spec.outputShape;
    return spec;
  });
  if (
    manifest.output !== undefined &&
    !sameShape(checkInts('manifest.output', manifest.output, inputShape.length, 1), shape)
  ) {
    invalid('manifest.output', manifest.output, `must be what the layers output for manifest.input: ${show(shape)}`);
  }
  return { inputShape, outputShape: shape, specs };
}

/**
 * Builds a PyTorch decoder on an engine from its manifest and weights file: every
 * `nn.ConvTranspose1d`, `2d` or `3d` (one rank throughout, that of `manifest.input`) goes
 * through {@link fromTorch} and becomes one prepared layer
 * with its bias and fused activation (fold batch-norm into the weights before export).
 * float16 weights are widened to float32 on the CPU.
 *
 * @throws DeconvError('INVALID_ARGUMENT') naming the layer and field when the manifest is
 *   inconsistent: a weight or bias shape that does not fit the layer's arguments, channels
 *   that do not chain, a tensor past the end of the weights, an unknown argument.
 */
export function loadTorchDecoder(
  engine: Engine,
  manifest: TorchManifest,
  weights: ArrayBuffer | ArrayBufferView,
  options: LoadTorchOptions = {},
): TorchDecoder {
  if (!hasMethods(engine, ['createConvTranspose'])) invalid('engine', engine, 'must be an engine from createEngine');
  const o = readOptions('options', options, ['kernel'] as const, 'options of loadTorchDecoder');
  const kernel = (o.kernel ?? 'auto') as KernelName | 'auto';
  const { inputShape, outputShape, specs } = readManifest(manifest, weights, kernel);
  const layers: TorchDecoderLayer[] = [];
  try {
    for (const s of specs) {
      const prepared = engine.createConvTranspose(s.filter, s.filterShape, s.options);
      const { name, inputShape, outputShape, filterShape, options } = s;
      layers.push({ name, inputShape, outputShape, filterShape, options, prepared });
    }
  } catch (e) {
    layers.forEach((l) => l.prepared.destroy());
    throw e;
  }
  let destroyed = false;
  return {
    inputShape,
    outputShape,
    layers,
    get destroyed() {
      return destroyed;
    },
    run(input: GPUTensor): GPUTensor {
      if (destroyed) throw new DeconvError('DESTROYED', 'decoder: it was destroyed and cannot run', 'decoder');
      const rule = "must be a GPUTensor of the decoder's engine (engine.upload)";
      const shape = readSafely('input', rule, () => (input as { shape?: unknown }).shape);
      if (!isArray(shape)) invalid('input', input, rule);
      const dims = readInts('input.shape', shape, [], 1);
      if (dims.length !== inputShape.length + 1 || !sameShape(dims.slice(1), inputShape)) {
        invalid('input.shape', dims, `must be [N, ${inputShape.join(', ')}] (manifest.input, channels first)`);
      }
      let x = input;
      try {
        for (const layer of layers) {
          const y = layer.prepared.run(x);
          if (x !== input) x.destroy(); // the next layer's work is already enqueued
          x = y;
        }
      } catch (e) {
        if (x !== input) x.destroy();
        throw e;
      }
      return x;
    },
    destroy() {
      destroyed = true;
      layers.forEach((l) => l.prepared.destroy());
    },
  };
}
