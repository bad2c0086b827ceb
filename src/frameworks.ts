/**
 * Framework adapters: each takes one framework's transposed-convolution arguments (in
 * camelCase) with the input and filter shapes, and returns the library's canonical options,
 * accepting and rejecting exactly what that framework does. The rank comes from the input
 * shape: 3 dimensions = one spatial axis (ConvTranspose1d), 4 = two, 5 = three.
 *
 * Every adapter validates first, in time independent of the values (no loop runs over a
 * size, stride or padding), reads each argument once (the result never changes when the
 * caller's arrays do), rejects unknown argument names wherever they come from, and names
 * the framework's own argument in its errors.
 */
import { DeconvError, invalid, show } from './errors.js';
import { FILTER_LAYOUTS, INPUT_LAYOUTS, filterDims } from './geometry.js';
import type {
  AnyFilterLayout,
  AnyInputLayout,
  ConvTranspose1dOptions,
  ConvTranspose2dOptions,
  ConvTranspose3dOptions,
  ConvTransposeOptions,
} from './types.js';
import {
  MAX_INDEX,
  checkOutputShape,
  checkOutputSizes,
  isArray,
  isInt,
  readBoolean,
  readInt,
  readInts,
  readOptions,
  readShape,
} from './validate.js';

/** A size given once for both axes, or per axis as [height, width] (any array: its length is checked when called). */
export type IntOrPair = number | readonly number[];

/** A size given once for every spatial axis, or once per axis ([W]; [H, W]; [D, H, W]). */
export type IntOrList = number | readonly number[];

/** An input shape with one spatial axis: [N, C, W] or [N, W, C]. */
export type Shape1d = readonly [number, number, number];

/** An input shape with three spatial axes: [N, C, D, H, W] or [N, D, H, W, C]. */
export type Shape3d = readonly [number, number, number, number, number];

/** `nn.ConvTranspose1d/2d/3d(...)` arguments in camelCase, plus `forward(x, output_size)`. */
export interface TorchParams {
  /** Checked against the input's channels when given. */
  inChannels?: number;
  /** Checked against the weight when given (weight is [in, out/groups, …kernel]). */
  outChannels?: number;
  /** Checked against the weight when given. */
  kernelSize?: IntOrList;
  /** Default 1. */
  stride?: IntOrList;
  /** Cropped from both ends of each axis; default 0. */
  padding?: IntOrList;
  /** Added at the end of each axis; must be < max(stride, dilation); default 0. Ignored when `outputSize` is given, as in PyTorch. */
  outputPadding?: IntOrList;
  /** Default 1. */
  groups?: number;
  /** Whether the module has a bias; the values themselves go in `options.bias`. */
  bias?: boolean;
  /** Default 1. */
  dilation?: IntOrList;
  /** Only 'zeros' exists for transposed convolutions. */
  paddingMode?: 'zeros';
  /** `forward(x, output_size)`: one size per spatial axis, or the full [N, C, …] shape (N and C are ignored, as in PyTorch). */
  outputSize?: readonly number[];
}

/** Explicit TensorFlow padding: one [before, after] pair per dimension, in the data format's order. */
export type TensorFlowExplicitPadding = readonly (readonly number[])[];

/** TensorFlow data formats: 1-D 'NWC' | 'NCW', 2-D 'NHWC' | 'NCHW', 3-D 'NDHWC' | 'NCDHW'. */
export type TensorFlowDataFormat = 'NWC' | 'NCW' | 'NHWC' | 'NCHW' | 'NDHWC' | 'NCDHW';

/**
 * `tf.nn.conv1d_transpose` / `conv2d_transpose` / `conv3d_transpose(input, filters,
 * output_shape, strides, padding, data_format, dilations)` in camelCase.
 */
export interface TensorFlowParams {
  /** The full output shape, in the data format's order (e.g. [N, H, W, C]). */
  outputShape: readonly number[];
  /** An int, or a list of 1, one per spatial axis, or rank + 2 ints (in data format order, 1 at batch and channels). */
  strides: number | readonly number[];
  /** 'SAME', 'VALID', or (2-D only) explicit [[0,0],[t,b],[l,r],[0,0]] (NHWC) / [[0,0],[0,0],[t,b],[l,r]] (NCHW). */
  padding: 'SAME' | 'VALID' | TensorFlowExplicitPadding;
  /** Same forms as `strides`; default 1. */
  dilations?: number | readonly number[];
  /** Default channels last: 'NWC', 'NHWC' or 'NDHWC'. */
  dataFormat?: TensorFlowDataFormat;
}

/** `keras.layers.Conv1DTranspose/Conv2DTranspose/Conv3DTranspose(...)` arguments in camelCase (Keras 3, TensorFlow backend). */
export interface KerasParams {
  /** Output channels; checked against the kernel when given (kernel is [...kernel, filters, in]). */
  filters?: number;
  /** Checked against the kernel when given. */
  kernelSize?: IntOrList;
  /** Default 1. */
  strides?: IntOrList;
  /** 'same' or 'valid' (any case); default 'valid'. */
  padding?: 'same' | 'valid' | 'SAME' | 'VALID';
  /** null or absent: Keras's default output length. Each value must be < its stride. */
  outputPadding?: IntOrList | null;
  /** Default 1. Keras rejects strides > 1 together with dilation > 1. */
  dilationRate?: IntOrList;
  /** Default 'channels_last'. */
  dataFormat?: 'channels_last' | 'channels_first';
  /** Whether the layer has a bias; the values themselves go in `options.bias`. */
  useBias?: boolean;
}

/** ONNX `ConvTranspose` attributes in camelCase. Lists only, as in ONNX, one entry per spatial axis. */
export interface OnnxParams {
  /** Default 'NOTSET'. */
  autoPad?: 'NOTSET' | 'SAME_UPPER' | 'SAME_LOWER' | 'VALID';
  /** [x1Begin, x2Begin, …, x1End, x2End, …] (2-D: [hBegin, wBegin, hEnd, wEnd]); only with autoPad 'NOTSET'. */
  pads?: readonly number[];
  /** Spatial output shape (2-D: [H, W]); the pads are then derived and `pads` is ignored. */
  outputShape?: readonly number[];
  /** Default all 0. */
  outputPadding?: readonly number[];
  /** Default all 1. */
  strides?: readonly number[];
  /** Default all 1. */
  dilations?: readonly number[];
  /** Default 1. */
  group?: number;
  /** Checked against W when given. */
  kernelShape?: readonly number[];
}

/** Caffe `Deconvolution` layer (`convolution_param`) fields in camelCase. */
export interface CaffeParams {
  /** Output channels; checked against the weight when given. */
  numOutput?: number;
  /** Whether the layer has a bias; the values themselves go in `options.bias`. */
  biasTerm?: boolean;
  /** One value, or one per spatial axis. Not together with kernelH/kernelW. */
  kernelSize?: number | readonly number[];
  /** 2-D only, with kernelW. */
  kernelH?: number;
  kernelW?: number;
  /** One value, or one per spatial axis; default 1. Not together with strideH/strideW. */
  stride?: number | readonly number[];
  /** 2-D only, with strideW. */
  strideH?: number;
  strideW?: number;
  /** Cropped from both ends; one value, or one per spatial axis; default 0. Not together with padH/padW. */
  pad?: number | readonly number[];
  /** 2-D only; a missing half is 0. */
  padH?: number;
  padW?: number;
  /** One value, or one per spatial axis; default 1. */
  dilation?: number | readonly number[];
  /** Default 1. */
  group?: number;
}

/** Names of the spatial axes per rank, outermost first. */
const AXES: Readonly<Record<number, readonly string[]>> = {
  1: ['length'],
  2: ['height', 'width'],
  3: ['depth', 'height', 'width'],
};

/** What one step along an axis is called, for messages ("2 zero rows appended"). */
export const AXIS_UNITS: Readonly<Record<string, string>> = {
  length: 'samples',
  depth: 'planes',
  height: 'rows',
  width: 'columns',
};

/** The names of the spatial axes of a rank (1–3), outermost first. */
export function axisNames(rank: number): readonly string[] {
  return AXES[rank]!;
}

/** Input and filter shapes read and bounded: the rank comes from the input (3, 4 or 5 dimensions). */
interface Shapes {
  rank: number;
  input: number[];
  filter: number[];
}

function readShapes(inputShape: unknown, filterShape: unknown): Shapes {
  const input = readShape('inputShape', inputShape, [3, 4, 5]);
  const rank = input.length - 2;
  return { rank, input, filter: readShape('filterShape', filterShape, [rank + 2]) };
}

/** Batch, channels and spatial sizes of an activation shape. */
function activation(shape: readonly number[], channelsLast: boolean): { n: number; c: number; sizes: number[] } {
  const rank = shape.length - 2;
  return channelsLast
    ? { n: shape[0]!, c: shape[rank + 1]!, sizes: shape.slice(1, rank + 1) }
    : { n: shape[0]!, c: shape[1]!, sizes: shape.slice(2) };
}

/**
 * Reads an adapter's arguments with the shared validation layer: a plain object, known
 * names only (own or inherited), each read once. Errors name the argument itself
 * (`stride`, not `params.stride`), as the framework does.
 */
function readParams<K extends string>(
  framework: string,
  params: unknown,
  known: readonly K[],
): Partial<Record<K, unknown>> {
  try {
    return readOptions('params', params, known, `${framework} arguments`);
  } catch (e) {
    const prefix = 'params.';
    if (e instanceof DeconvError && e.param?.startsWith(prefix)) {
      throw new DeconvError(e.code, e.message.slice(prefix.length), e.param.slice(prefix.length));
    }
    throw e;
  }
}

function what(min: number): string {
  return min > 0 ? 'a positive integer' : 'an integer ≥ 0';
}

function listOf(rank: number): string {
  return rank === 1 ? 'a list of 1' : `a list of ${rank}`;
}

/** An int for every axis or a list of one per axis (PyTorch's _single/_pair/_triple, Keras's standardize_tuple). */
function intOrList(param: string, value: unknown, rank: number, def: number, min: number): number[] {
  if (value === undefined) return new Array<number>(rank).fill(def);
  const rule = `must be ${what(min)} or ${listOf(rank)} of them (one per spatial axis), each at most 2^31 − 1`;
  if (typeof value === 'number') {
    if (!isInt(value, min)) invalid(param, value, rule);
    return new Array<number>(rank).fill(value);
  }
  if (!isArray(value) || value.length !== rank) invalid(param, value, rule);
  return readInts(param, value, [rank], min);
}

/** A list of exactly `length` integers (ONNX attributes). */
function list(param: string, value: unknown, length: number, min: number): number[] {
  if (!isArray(value) || value.length !== length) {
    const what = `${length} integer${length === 1 ? '' : 's'}`;
    invalid(param, value, `must be a list of ${what} (${min > 0 ? '≥ 1' : '≥ 0'}, each at most 2^31 − 1)`);
  }
  return readInts(param, value, [length], min);
}

/** Throws unless `given` (a kernel-size argument) matches the filter's spatial sizes. */
function checkKernel(param: string, raw: unknown, given: readonly number[], kernel: readonly number[]): void {
  if (given.some((v, a) => v !== kernel[a])) {
    invalid(param, raw, `must match the filter's spatial size ${show(kernel)}`);
  }
}

/**
 * Full (uncropped) size per axis, F = (in − 1)·s + d·(k − 1) + 1, rejected past 2^31 − 1
 * (the library's limit on one axis) naming the framework argument that made it so large.
 * Products of two values ≤ 2^31 are below 2^62: not exact, but never misjudged against 2^31.
 */
function fullSizes(
  rank: number,
  sizes: readonly number[],
  kernel: readonly number[],
  strides: readonly number[],
  dilations: readonly number[],
  stride: [string, unknown],
  dilation: [string, unknown],
  shapes: Shapes,
): number[] {
  return sizes.map((n, a) => {
    const reach = (n - 1) * strides[a]!;
    const span = dilations[a]! * (kernel[a]! - 1);
    const f = reach + span + 1;
    if (f > MAX_INDEX) {
      const [param, value] =
        reach >= span
          ? strides[a]! > 1
            ? stride
            : ['inputShape', shapes.input]
          : dilations[a]! > 1
            ? dilation
            : ['filterShape', shapes.filter];
      invalid(
        param,
        value,
        `makes the full ${AXES[rank]![a]} (in − 1)·stride + dilation·(k − 1) + 1 = ${f} long, more than 2^31 − 1, the most one axis can hold (GPU coordinates are 32-bit)`,
      );
    }
    return f;
  });
}

/** Throws unless groups divide the input channels and the output channels stay below 2^31. */
function checkGroups(param: string, groups: number, inChannels: number, outPerGroup: number, what: string): void {
  if (inChannels % groups !== 0) invalid(param, groups, `must divide the input channels (${inChannels})`);
  if (outPerGroup * groups > MAX_INDEX) {
    invalid(param, groups, `makes ${what} × ${param} = ${outPerGroup} × ${groups} output channels, more than 2^31 − 1`);
  }
}

/** The options every adapter sets. */
type SetByEveryAdapter = 'strides' | 'dilations' | 'padding' | 'inputLayout' | 'filterLayout';

/**
 * Returns the assembled options after the one rule the adapters leave to the end: the output
 * holds at most 2^32 − 1 elements. Every other canonical rule the adapter has checked in the
 * framework's own terms (a fuzz test holds this to resolveConvTranspose's verdicts), so an
 * application that converts arguments does not ship the whole geometry.
 */
function finish<O extends ConvTransposeOptions & Required<Pick<ConvTransposeOptions, SetByEveryAdapter>>>(
  shapes: Shapes,
  options: O,
): O {
  const { rank, input, filter } = shapes;
  const channelsLast = options.inputLayout === INPUT_LAYOUTS[rank]![1];
  const [, outPerGroup, ...kernel] = filterDims(options.filterLayout, filter);
  const x = activation(input, channelsLast);
  const sizes = x.sizes.map(
    (n, a) =>
      (n - 1) * options.strides[a]! +
      options.dilations[a]! * (kernel[a]! - 1) +
      1 -
      options.padding[2 * a]! -
      options.padding[2 * a + 1]! +
      (options.outputPadding?.[a] ?? 0),
  );
  const c = outPerGroup! * (options.groups ?? 1);
  checkOutputSizes(sizes, options.outputPadding, () => 'outputPadding');
  checkOutputShape(channelsLast ? [x.n, ...sizes, c] : [x.n, c, ...sizes], input);
  return options;
}

/** The canonical layouts of a rank: channels first/last input; [in, out, …k] / [...k, out, in] filter. */
function layouts(rank: number, channelsLast: boolean, tfFilter: boolean): [AnyInputLayout, AnyFilterLayout] {
  return [INPUT_LAYOUTS[rank]![channelsLast ? 1 : 0], FILTER_LAYOUTS[rank]![tfFilter ? 1 : 0]];
}

const TORCH_KEYS = [
  'inChannels',
  'outChannels',
  'kernelSize',
  'stride',
  'padding',
  'outputPadding',
  'groups',
  'bias',
  'dilation',
  'paddingMode',
  'outputSize',
] as const;

/**
 * Options reproducing PyTorch's `nn.ConvTranspose1d/2d/3d` (and `forward(x, output_size)`)
 * on a channels-first input with an [in, out/groups, …kernel] weight.
 *
 * Rules as in PyTorch 1.13: output_padding < max(stride, dilation); an output_size must
 * lie in [min, min + stride − 1] per axis with min the size at output_padding 0 (stride,
 * not max(stride, dilation)).
 *
 * The return type follows the input shape's type: a 3- or 5-tuple gives the 1-D or 3-D
 * options; a plain number[] is typed as the 2-D options (what 2-D callers pass). At run
 * time the rank always comes from the shape's length.
 *
 * @throws DeconvError('INVALID_ARGUMENT') naming the PyTorch argument at fault.
 */
export function fromTorch(
  params: TorchParams,
  inputShape: Shape1d,
  filterShape: readonly number[],
): ConvTranspose1dOptions;
export function fromTorch(
  params: TorchParams,
  inputShape: Shape3d,
  filterShape: readonly number[],
): ConvTranspose3dOptions;
export function fromTorch(
  params: TorchParams,
  inputShape: readonly number[],
  filterShape: readonly number[],
): ConvTranspose2dOptions;
export function fromTorch(
  params: TorchParams,
  inputShape: readonly number[],
  filterShape: readonly number[],
): ConvTransposeOptions {
  const shapes = readShapes(inputShape, filterShape);
  const { rank, input, filter } = shapes;
  const axes = AXES[rank]!;
  const module = `nn.ConvTranspose${rank}d`;
  const o = readParams(module, params, TORCH_KEYS);
  const stride = intOrList('stride', o.stride, rank, 1, 1);
  const padding = intOrList('padding', o.padding, rank, 0, 0);
  const dilation = intOrList('dilation', o.dilation, rank, 1, 1);
  const groups = readInt('groups', o.groups, 1, 1);
  if (o.paddingMode !== undefined && o.paddingMode !== 'zeros') {
    invalid('paddingMode', o.paddingMode, `must be 'zeros': PyTorch supports no other padding mode for ${module}`);
  }
  readBoolean('bias', o.bias, true);
  const c = input[1]!;
  const [fIn, fOut] = filter as [number, number];
  const kernel = filter.slice(2);
  if (o.inChannels !== undefined && readInt('inChannels', o.inChannels, null, 1) !== c) {
    invalid('inChannels', o.inChannels, `must equal the input's channels (${c})`);
  }
  if (o.kernelSize !== undefined) {
    checkKernel('kernelSize', o.kernelSize, intOrList('kernelSize', o.kernelSize, rank, 1, 1), kernel);
  }
  if (fIn !== c) invalid('filterShape', filter, `weight.shape[0] (${fIn}) must equal the input's channels (${c})`);
  if (c % groups !== 0) invalid('groups', groups, `in_channels (${c}) must be divisible by groups`);
  checkGroups('groups', groups, c, fOut, 'weight.shape[1]');
  if (o.outChannels !== undefined && readInt('outChannels', o.outChannels, null, 1) !== fOut * groups) {
    invalid('outChannels', o.outChannels, `must equal weight.shape[1] × groups = ${fOut} × ${groups}`);
  }
  const full = fullSizes(
    rank,
    input.slice(2),
    kernel,
    stride,
    dilation,
    ['stride', o.stride],
    ['dilation', o.dilation],
    shapes,
  );
  const mins = full.map((f, a) => f - 2 * padding[a]!);

  let outputPadding: number[];
  if (o.outputSize !== undefined) {
    // output_padding is still read (and ignored), as the module keeps it.
    if (o.outputPadding !== undefined) intOrList('outputPadding', o.outputPadding, rank, 0, 0);
    const os = o.outputSize;
    if (!isArray(os) || (os.length !== rank && os.length !== rank + 2)) {
      invalid('outputSize', os, `must have ${rank} (spatial) or ${rank + 2} (full shape) elements for a ${module}`);
    }
    const sizes = readInts('outputSize', os, [rank, rank + 2], 1).slice(os.length - rank);
    sizes.forEach((v, a) => {
      const lo = mins[a]!;
      const hi = lo + stride[a]! - 1;
      if (v < lo || v > hi) {
        invalid(
          'outputSize',
          os,
          `${axes[a]} ${v} is outside PyTorch's valid range [${lo}, ${hi}] = [min, min + stride − 1] for this input`,
        );
      }
    });
    outputPadding = sizes.map((v, a) => v - mins[a]!);
  } else {
    outputPadding = intOrList('outputPadding', o.outputPadding, rank, 0, 0);
    outputPadding.forEach((op, a) => {
      const limit = Math.max(stride[a]!, dilation[a]!);
      if (op >= limit) {
        invalid(
          'outputPadding',
          o.outputPadding,
          `must be less than max(stride, dilation) = ${limit} on the ${axes[a]} axis (at most ${limit - 1}), as PyTorch requires`,
        );
      }
    });
  }
  mins.forEach((m, a) => {
    if (m + outputPadding[a]! < 1) {
      invalid(
        'padding',
        o.padding,
        `crops the ${axes[a]} to ${m + outputPadding[a]!}; PyTorch rejects an output size below 1 ("Output size is too small")`,
      );
    }
  });
  const [inputLayout, filterLayout] = layouts(rank, false, false);
  return finish(shapes, {
    strides: stride,
    dilations: dilation,
    padding: padding.flatMap((p) => [p, p]),
    outputPadding,
    groups,
    inputLayout,
    filterLayout,
  });
}

/** TensorFlow's data formats per rank: channels last (default), channels first. */
const TF_FORMATS: Readonly<Record<number, readonly [TensorFlowDataFormat, TensorFlowDataFormat]>> = {
  1: ['NWC', 'NCW'],
  2: ['NHWC', 'NCHW'],
  3: ['NDHWC', 'NCDHW'],
};

/** The TensorFlow function of a rank. */
function tfName(rank: number): string {
  return `tf.nn.conv${rank}d_transpose`;
}

/**
 * TensorFlow's int-or-list form for strides and dilations (`_get_sequence`): an int, or a
 * list of 1, rank or rank + 2 values (the last in data-format order, 1 at batch and channels).
 */
function tfList(param: string, value: unknown, rank: number, channelsLast: boolean): number[] {
  if (value === undefined) return new Array<number>(rank).fill(1);
  const lengths = [...new Set([1, rank, rank + 2])];
  const rule = `must be a positive integer or a list of ${lengths.join(' or ')} of them (each at most 2^31 − 1)`;
  if (typeof value === 'number') {
    if (!isInt(value, 1)) invalid(param, value, rule);
    return new Array<number>(rank).fill(value);
  }
  if (!isArray(value) || !lengths.includes(value.length)) invalid(param, value, rule);
  const v = readInts(param, value, lengths, 1);
  if (v.length === 1) return new Array<number>(rank).fill(v[0]!);
  if (v.length === rank) return v;
  const { n, c, sizes } = activation(v, channelsLast);
  if (n !== 1 || c !== 1) {
    invalid(
      param,
      value,
      'must be 1 in the batch and channel dimensions (TensorFlow does not support other values there)',
    );
  }
  return sizes;
}

/** TensorFlow's padding of one axis: a mode, or explicit [before, after]. */
type TfPad = 'SAME' | 'VALID' | readonly [number, number];

/**
 * TensorFlow's rule for `Conv{2,3}DBackpropInput` on one axis: the forward convolution of
 * the output (size `out`) must give back the input size. Returns the crop at the
 * beginning and end and the output padding of the canonical form, or throws.
 */
function tfAxis(
  param: string,
  value: unknown,
  axis: string,
  inSize: number,
  out: number,
  k: number,
  s: number,
  d: number,
  padding: TfPad,
  who: string,
): { begin: number; end: number; outputPadding: number } {
  const eff = d * (k - 1) + 1;
  const full = (inSize - 1) * s + eff;
  let lo: number;
  let hi: number;
  let forward: number;
  let begin: number;
  let end: number;
  if (padding === 'SAME') {
    forward = Math.ceil(out / s);
    [lo, hi] = [(inSize - 1) * s + 1, inSize * s];
    const total = Math.max((forward - 1) * s + eff - out, 0);
    begin = Math.floor(total / 2);
    end = total - begin;
  } else {
    [begin, end] = padding === 'VALID' ? [0, 0] : padding;
    const span = out + begin + end - eff;
    forward = span < 0 ? 0 : Math.floor(span / s) + 1;
    lo = Math.max(full - begin - end, 1);
    hi = full - begin - end + s - 1;
  }
  if (forward !== inSize) {
    const range = lo <= hi ? `[${lo}, ${hi}]` : 'none (the padding crops everything)';
    const mode = typeof padding === 'string' ? padding : 'explicit padding';
    invalid(
      param,
      value,
      `${who}: the forward convolution of an output ${axis} of ${out} (${mode}, kernel ${k}, stride ${s}, dilation ${d}) has ${forward} ${AXIS_UNITS[axis]}, not the input's ${inSize}; valid output ${axis}s: ${range}`,
    );
  }
  return { begin, end, outputPadding: out - (full - begin - end) };
}

const TF_KEYS = ['outputShape', 'strides', 'padding', 'dilations', 'dataFormat'] as const;

/**
 * Options reproducing `tf.nn.conv1d_transpose` (filter [w, out, in]), `conv2d_transpose`
 * (filter [h, w, out, in]) or `conv3d_transpose` (filter [d, h, w, out, in]).
 *
 * Rejects every `outputShape` TensorFlow rejects: the forward convolution of the output,
 * with the same padding, must give back the input size. TF.js skips that check and
 * returns wrong values; this does not. SAME crops max((⌈O/s⌉ − 1)·s + (k − 1)·d + 1 − O, 0)
 * per axis, the smaller half at the beginning. Explicit padding exists in conv2d_transpose
 * only, as in TensorFlow.
 *
 * @throws DeconvError('INVALID_ARGUMENT') naming the TensorFlow argument at fault.
 */
export function fromTensorFlow(
  params: TensorFlowParams,
  inputShape: Shape1d,
  filterShape: readonly number[],
): ConvTranspose1dOptions;
export function fromTensorFlow(
  params: TensorFlowParams,
  inputShape: Shape3d,
  filterShape: readonly number[],
): ConvTranspose3dOptions;
export function fromTensorFlow(
  params: TensorFlowParams,
  inputShape: readonly number[],
  filterShape: readonly number[],
): ConvTranspose2dOptions;
export function fromTensorFlow(
  params: TensorFlowParams,
  inputShape: readonly number[],
  filterShape: readonly number[],
): ConvTransposeOptions {
  const shapes = readShapes(inputShape, filterShape);
  const { rank, input, filter } = shapes;
  const axes = AXES[rank]!;
  const fn = tfName(rank);
  const o = readParams(fn, params, TF_KEYS);
  const formats = TF_FORMATS[rank]!;
  const df = o.dataFormat ?? formats[0];
  if (!(formats as readonly unknown[]).includes(df)) {
    invalid('dataFormat', df, `must be '${formats[0]}' or '${formats[1]}' for ${fn}`);
  }
  const channelsLast = df === formats[0];
  if (o.strides === undefined) invalid('strides', o.strides, `is required by ${fn}`);
  const strides = tfList('strides', o.strides, rank, channelsLast);
  const dilations = tfList('dilations', o.dilations, rank, channelsLast);
  const os = o.outputShape;
  if (!isArray(os) || os.length !== rank + 2) {
    invalid('outputShape', os, `must have ${rank + 2} elements in ${show(df)} order`);
  }
  const y = activation(readInts('outputShape', os, [rank + 2], 1), channelsLast);
  const x = activation(input, channelsLast);
  const kernel = filter.slice(0, rank);
  const [fOut, fIn] = [filter[rank]!, filter[rank + 1]!];
  if (fIn !== x.c) {
    invalid(
      'filterShape',
      filter,
      `filters.shape[${rank + 1}] (${fIn}) must equal the input's channels (${x.c}) in ${show(df)}`,
    );
  }
  if (y.n !== x.n) invalid('outputShape', os, `its batch (${y.n}) must equal the input's batch (${x.n})`);
  if (y.c !== fOut) {
    invalid(
      'outputShape',
      os,
      `its channels (${y.c}) must equal filters.shape[${rank}] (${fOut}); ${fn} has no groups`,
    );
  }
  const p = o.padding;
  let pads: TfPad[];
  if (p === 'SAME' || p === 'VALID') {
    pads = new Array<TfPad>(rank).fill(p);
  } else if (isArray(p) && rank === 2) {
    const rule = `explicit padding must be ${rank + 2} [before, after] pairs (one per dimension) of integers ≥ 0, each at most 2^31 − 1`;
    if (p.length !== rank + 2) invalid('padding', p, rule);
    // Indexed reads, not map: a hole must be rejected, not skipped.
    const pairs = Array.from({ length: rank + 2 }, (_, i): [number, number] => {
      const q = p[i];
      if (!isArray(q) || q.length !== 2 || !isInt(q[0], 0) || !isInt(q[1], 0)) invalid('padding', p, rule);
      return [q[0], q[1]];
    });
    const { n, c, sizes } = activation(
      pairs.map((_, i) => i),
      channelsLast,
    );
    if ([n, c].some((i) => pairs[i]![0] !== 0 || pairs[i]![1] !== 0)) {
      invalid('padding', p, 'must be [0, 0] in the batch and channel dimensions (TensorFlow rejects other values)');
    }
    pads = sizes.map((i) => pairs[i]!);
  } else if (isArray(p)) {
    invalid('padding', p, `${fn} takes only 'SAME' or 'VALID'; explicit padding exists only in tf.nn.conv2d_transpose`);
  } else {
    const forms =
      rank === 2
        ? "'SAME', 'VALID' (upper case, as tf.nn) or a list of 4 [before, after] pairs"
        : "'SAME' or 'VALID' (upper case, as tf.nn)";
    invalid('padding', p, `must be ${forms}`);
  }
  fullSizes(rank, x.sizes, kernel, strides, dilations, ['strides', o.strides], ['dilations', o.dilations], shapes);
  const per = x.sizes.map((n, a) =>
    tfAxis(
      'outputShape',
      os,
      axes[a]!,
      n,
      y.sizes[a]!,
      kernel[a]!,
      strides[a]!,
      dilations[a]!,
      pads[a]!,
      'TensorFlow rejects it',
    ),
  );
  const [inputLayout, filterLayout] = layouts(rank, channelsLast, true);
  return finish(shapes, {
    strides,
    dilations,
    padding: per.flatMap((a) => [a.begin, a.end]),
    outputPadding: per.map((a) => a.outputPadding),
    inputLayout,
    filterLayout,
  });
}

/**
 * Keras's output length of one axis (`compute_conv_transpose_output_length`), with
 * k_eff = (k − 1)·d + 1 and op = output_padding:
 * valid: (in − 1)·s + max(k_eff, s) when op is null, else (in − 1)·s + k_eff + op;
 * same: in·s when op is null, else (in − 1)·s + k_eff mod 2 + op.
 *
 * @throws DeconvError('INVALID_ARGUMENT') for arguments that are not integers in range,
 * or a length past 2^31 − 1.
 */
export function kerasOutputLength(
  inSize: number,
  k: number,
  s: number,
  d: number,
  padding: 'same' | 'valid',
  outputPadding: number | null,
): number {
  readInt('inSize', inSize, null, 1);
  readInt('k', k, null, 1);
  readInt('s', s, null, 1);
  readInt('d', d, null, 1);
  if (padding !== 'same' && padding !== 'valid') invalid('padding', padding, "must be 'same' or 'valid'");
  if (outputPadding !== null) readInt('outputPadding', outputPadding, null, 0);
  const eff = d * (k - 1) + 1;
  const length =
    padding === 'valid'
      ? outputPadding === null
        ? (inSize - 1) * s + Math.max(eff, s)
        : (inSize - 1) * s + eff + outputPadding
      : outputPadding === null
        ? inSize * s
        : (inSize - 1) * s + (eff % 2) + outputPadding;
  if (length > MAX_INDEX) invalid('inSize', inSize, `gives an output length of ${length}, more than 2^31 − 1`);
  return length;
}

const KERAS_KEYS = [
  'filters',
  'kernelSize',
  'strides',
  'padding',
  'outputPadding',
  'dilationRate',
  'dataFormat',
  'useBias',
] as const;

/**
 * Options reproducing `keras.layers.Conv1DTranspose/Conv2DTranspose/Conv3DTranspose`
 * (Keras 3 on TensorFlow; kernel [...kernel, filters, in]). The output length follows
 * Keras's rule (see {@link kerasOutputLength}); the crop is then decided by
 * `tf.nn.conv_transpose` with padding SAME/VALID, so a length TensorFlow rejects is rejected
 * here too (for example an even kernel with padding 'same' and outputPadding 0).
 *
 * @throws DeconvError('INVALID_ARGUMENT') naming the Keras argument at fault.
 */
export function fromKeras(
  params: KerasParams,
  inputShape: Shape1d,
  filterShape: readonly number[],
): ConvTranspose1dOptions;
export function fromKeras(
  params: KerasParams,
  inputShape: Shape3d,
  filterShape: readonly number[],
): ConvTranspose3dOptions;
export function fromKeras(
  params: KerasParams,
  inputShape: readonly number[],
  filterShape: readonly number[],
): ConvTranspose2dOptions;
export function fromKeras(
  params: KerasParams,
  inputShape: readonly number[],
  filterShape: readonly number[],
): ConvTransposeOptions {
  const shapes = readShapes(inputShape, filterShape);
  const { rank, input, filter } = shapes;
  const axes = AXES[rank]!;
  const layer = `keras.layers.Conv${rank}DTranspose`;
  const o = readParams(layer, params, KERAS_KEYS);
  const df = o.dataFormat ?? 'channels_last';
  if (df !== 'channels_last' && df !== 'channels_first') {
    invalid('dataFormat', df, "must be 'channels_last' or 'channels_first'");
  }
  const channelsLast = df === 'channels_last';
  const strides = intOrList('strides', o.strides, rank, 1, 1);
  const dilation = intOrList('dilationRate', o.dilationRate, rank, 1, 1);
  const pad = o.padding ?? 'valid';
  if (typeof pad !== 'string' || !['same', 'valid'].includes(pad.toLowerCase())) {
    invalid('padding', pad, "must be 'same' or 'valid'");
  }
  const padding = pad.toLowerCase() as 'same' | 'valid';
  readBoolean('useBias', o.useBias, true);
  const op =
    o.outputPadding === undefined || o.outputPadding === null
      ? null
      : intOrList('outputPadding', o.outputPadding, rank, 0, 0);
  if (op?.some((v, a) => v >= strides[a]!)) {
    invalid('outputPadding', o.outputPadding, `must be < strides (${show(strides)}) on every axis, as Keras requires`);
  }
  if (Math.max(...strides) > 1 && Math.max(...dilation) > 1) {
    invalid(
      'dilationRate',
      o.dilationRate,
      `Keras does not support strides > 1 (${show(strides)}) together with dilation_rate > 1`,
    );
  }
  const x = activation(input, channelsLast);
  const kernel = filter.slice(0, rank);
  const [fOut, fIn] = [filter[rank]!, filter[rank + 1]!];
  if (o.filters !== undefined && readInt('filters', o.filters, null, 1) !== fOut) {
    invalid('filters', o.filters, `must equal kernel.shape[${rank}] (${fOut})`);
  }
  if (o.kernelSize !== undefined) {
    checkKernel('kernelSize', o.kernelSize, intOrList('kernelSize', o.kernelSize, rank, 1, 1), kernel);
  }
  if (fIn !== x.c) {
    invalid('filterShape', filter, `kernel.shape[${rank + 1}] (${fIn}) must equal the input's channels (${x.c})`);
  }
  fullSizes(rank, x.sizes, kernel, strides, dilation, ['strides', o.strides], ['dilationRate', o.dilationRate], shapes);
  const tfPad = padding === 'same' ? 'SAME' : 'VALID';
  const per = x.sizes.map((n, a) => {
    const len = kerasOutputLength(n, kernel[a]!, strides[a]!, dilation[a]!, padding, op ? op[a]! : null);
    return tfAxis(
      op ? 'outputPadding' : 'padding',
      op ? o.outputPadding : pad,
      axes[a]!,
      n,
      len,
      kernel[a]!,
      strides[a]!,
      dilation[a]!,
      tfPad,
      `Keras computes an output ${axes[a]} of ${len} and ${tfName(rank)} rejects it`,
    );
  });
  const [inputLayout, filterLayout] = layouts(rank, channelsLast, true);
  return finish(shapes, {
    strides,
    dilations: dilation,
    padding: per.flatMap((a) => [a.begin, a.end]),
    outputPadding: per.map((a) => a.outputPadding),
    inputLayout,
    filterLayout,
  });
}

const ONNX_KEYS = [
  'autoPad',
  'pads',
  'outputShape',
  'outputPadding',
  'strides',
  'dilations',
  'group',
  'kernelShape',
] as const;
const AUTO_PADS = ['NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'] as const;

/**
 * Options reproducing ONNX `ConvTranspose` as onnxruntime (1.30) computes it, for any
 * number of spatial axes, on a channels-first input with W = [in, out/group, …kernel].
 * Per axis, with F = (in − 1)·s + (k − 1)·d + 1 and op = output_padding:
 * - output_shape O given: total = max(0, F + op − O) is cropped, the larger half
 *   at the beginning, except SAME_UPPER which puts it at the end; `pads` is ignored.
 * - SAME_UPPER / SAME_LOWER: total = max(0, F + op − in·s), split the same way,
 *   so the output is in·s (the ONNX shape inference says in·s + op instead).
 * - VALID: no crop; NOTSET: `pads`.
 * onnxruntime also requires op < max(s, d) and that the forward Conv of the output gives
 * back the input, which in effect means op < s.
 *
 * @throws DeconvError('INVALID_ARGUMENT') naming the ONNX attribute at fault.
 */
export function fromOnnx(
  params: OnnxParams,
  inputShape: Shape1d,
  filterShape: readonly number[],
): ConvTranspose1dOptions;
export function fromOnnx(
  params: OnnxParams,
  inputShape: Shape3d,
  filterShape: readonly number[],
): ConvTranspose3dOptions;
export function fromOnnx(
  params: OnnxParams,
  inputShape: readonly number[],
  filterShape: readonly number[],
): ConvTranspose2dOptions;
export function fromOnnx(
  params: OnnxParams,
  inputShape: readonly number[],
  filterShape: readonly number[],
): ConvTransposeOptions {
  const shapes = readShapes(inputShape, filterShape);
  const { rank, input, filter } = shapes;
  const axes = AXES[rank]!;
  const o = readParams('ONNX ConvTranspose', params, ONNX_KEYS);
  const autoPad = o.autoPad ?? 'NOTSET';
  if (!(AUTO_PADS as readonly unknown[]).includes(autoPad)) {
    invalid('autoPad', autoPad, `must be one of ${AUTO_PADS.join(', ')}`);
  }
  const ones = new Array<number>(rank).fill(1);
  const strides = o.strides === undefined ? ones : list('strides', o.strides, rank, 1);
  const dilations = o.dilations === undefined ? ones : list('dilations', o.dilations, rank, 1);
  const op = o.outputPadding === undefined ? ones.map(() => 0) : list('outputPadding', o.outputPadding, rank, 0);
  const group = readInt('group', o.group, 1, 1);
  if (o.pads !== undefined && autoPad !== 'NOTSET') {
    invalid('pads', o.pads, `cannot be used together with autoPad ${autoPad} (onnxruntime rejects the model)`);
  }
  const pads = o.pads === undefined ? new Array<number>(2 * rank).fill(0) : list('pads', o.pads, 2 * rank, 0);
  if (isArray(o.outputShape) && o.outputShape.length === rank + 2) {
    invalid(
      'outputShape',
      o.outputShape,
      `must have ${rank} value${rank === 1 ? '' : 's'} (one per spatial axis): onnxruntime's shape inference rejects the full [N, C, …] form ("Attribute output_shape has incorrect size")`,
    );
  }
  const outShape = o.outputShape === undefined ? null : list('outputShape', o.outputShape, rank, 1);
  const c = input[1]!;
  const [fIn, fOut] = filter as [number, number];
  const kernel = filter.slice(2);
  if (o.kernelShape !== undefined) {
    checkKernel('kernelShape', o.kernelShape, list('kernelShape', o.kernelShape, rank, 1), kernel);
  }
  if (fIn !== c) invalid('filterShape', filter, `W.shape[0] (${fIn}) must equal the input's channels (${c})`);
  checkGroups('group', group, c, fOut, 'W.shape[1]');
  const full = fullSizes(
    rank,
    input.slice(2),
    kernel,
    strides,
    dilations,
    ['strides', o.strides],
    ['dilations', o.dilations],
    shapes,
  );
  const split = (total: number): [number, number] =>
    autoPad === 'SAME_UPPER'
      ? [Math.floor(total / 2), total - Math.floor(total / 2)]
      : [Math.ceil(total / 2), Math.floor(total / 2)];
  const per = full.map((f, a) => {
    const [s, d, adj, inSize] = [strides[a]!, dilations[a]!, op[a]!, input[a + 2]!];
    if (adj >= Math.max(s, d)) {
      invalid(
        'outputPadding',
        o.outputPadding,
        `must be less than max(stride, dilation) = ${Math.max(s, d)} on the ${axes[a]} axis (at most ${Math.max(s, d) - 1})`,
      );
    }
    let begin: number;
    let end: number;
    let out: number;
    if (outShape) {
      out = outShape[a]!;
      [begin, end] = split(Math.max(0, f + adj - out));
    } else if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
      [begin, end] = split(Math.max(0, f + adj - inSize * s));
      out = f + adj - begin - end;
    } else {
      [begin, end] = autoPad === 'VALID' ? [0, 0] : [pads[a]!, pads[a + rank]!];
      out = f + adj - begin - end;
      if (out < 1) {
        invalid('pads', o.pads, `crop the ${axes[a]} to ${out}; onnxruntime rejects an output dimension ≤ 0`);
      }
    }
    // onnxruntime: the forward Conv of the output must give back the input.
    const extra = out + begin + end - f;
    if (extra >= s) {
      const byShape = outShape !== null && extra !== adj;
      invalid(
        byShape ? 'outputShape' : 'outputPadding',
        byShape ? o.outputShape : o.outputPadding,
        `onnxruntime rejects it: the output ${axes[a]} ${out} adds ${extra} past the uncropped ${f}, but at most stride − 1 = ${s - 1} may be added (the forward Conv of the output must give back the input ${axes[a]} ${inSize})`,
      );
    }
    return { begin, end, outputPadding: out - (f - begin - end) };
  });
  const [inputLayout, filterLayout] = layouts(rank, false, false);
  return finish(shapes, {
    strides,
    dilations,
    padding: per.flatMap((a) => [a.begin, a.end]),
    outputPadding: per.map((a) => a.outputPadding),
    groups: group,
    inputLayout,
    filterLayout,
  });
}

/**
 * A Caffe repeated field (`kernel_size`, `stride`, `pad`, `dilation`): absent (the default),
 * given once, or once per spatial axis, as `BaseConvolutionLayer::LayerSetUp` reads it.
 */
function caffeRepeated(name: string, value: unknown, rank: number, def: number | null, min: number): number[] {
  if (value === undefined || (isArray(value) && value.length === 0)) {
    if (def === null) invalid(name, value, rank === 2 ? 'is required (or its _h/_w pair)' : 'is required');
    return new Array<number>(rank).fill(def);
  }
  const rule = `must be given once, or once per spatial axis (${rank}), as ${what(min).replace(/^an? /, '')}s (each at most 2^31 − 1)`;
  if (typeof value === 'number') {
    if (!isInt(value, min)) invalid(name, value, rule);
    return new Array<number>(rank).fill(value);
  }
  if (!isArray(value) || (value.length !== 1 && value.length !== rank)) invalid(name, value, rule);
  const v = readInts(name, value, [1, rank], min);
  return v.length === 1 ? new Array<number>(rank).fill(v[0]!) : v;
}

/** Caffe's repeated field or (2-D only) its `_h`/`_w` pair; never both. */
function caffeField(
  name: string,
  value: unknown,
  hw: [string, unknown, string, unknown],
  rank: number,
  def: number | null,
  min: number,
): number[] {
  const [hName, hValue, wName, wValue] = hw;
  const pair = hValue !== undefined || wValue !== undefined;
  if (!pair) return caffeRepeated(name, value, rank, def, min);
  if (rank !== 2) {
    const given = hValue !== undefined ? [hName, hValue] : [wName, wValue];
    // Caffe's own field names: kernelH → kernel_h.
    const snake = (field: string) => field.replace(/[HW]$/, (c) => `_${c.toLowerCase()}`);
    invalid(
      given[0] as string,
      given[1],
      `can only be used for 2-D layers (Caffe: "${snake(hName)} & ${snake(wName)} can only be used for 2D convolution")`,
    );
  }
  if (value !== undefined) invalid(name, value, `either ${name} or ${hName}/${wName} may be given, not both`);
  // Caffe defaults the missing half of pad_h/pad_w to 0; a missing stride or kernel half
  // would be 0 too, which Caffe then rejects ("must be nonzero"), so those stay required.
  if (min > 0 && (hValue === undefined || wValue === undefined)) {
    const [missing, other] = hValue === undefined ? [hName, wName] : [wName, hName];
    invalid(missing, undefined, `is required when ${other} is given`);
  }
  return [readInt(hName, hValue ?? 0, null, min), readInt(wName, wValue ?? 0, null, min)];
}

const CAFFE_KEYS = [
  'numOutput',
  'biasTerm',
  'kernelSize',
  'kernelH',
  'kernelW',
  'stride',
  'strideH',
  'strideW',
  'pad',
  'padH',
  'padW',
  'dilation',
  'group',
] as const;

/**
 * Options reproducing Caffe's N-D `Deconvolution` layer on a channels-first input with a
 * [in, numOutput/group, …kernel] weight: out = stride·(in − 1) + dilation·(k − 1) + 1 − 2·pad
 * per axis. The kernel size is taken from the weight when not given; `kernelH/kernelW`,
 * `strideH/strideW` and `padH/padW` exist for 2-D only, as in Caffe.
 *
 * @throws DeconvError('INVALID_ARGUMENT') naming the Caffe field at fault.
 */
export function fromCaffe(
  params: CaffeParams,
  inputShape: Shape1d,
  filterShape: readonly number[],
): ConvTranspose1dOptions;
export function fromCaffe(
  params: CaffeParams,
  inputShape: Shape3d,
  filterShape: readonly number[],
): ConvTranspose3dOptions;
export function fromCaffe(
  params: CaffeParams,
  inputShape: readonly number[],
  filterShape: readonly number[],
): ConvTranspose2dOptions;
export function fromCaffe(
  params: CaffeParams,
  inputShape: readonly number[],
  filterShape: readonly number[],
): ConvTransposeOptions {
  const shapes = readShapes(inputShape, filterShape);
  const { rank, input, filter } = shapes;
  const axes = AXES[rank]!;
  const o = readParams('Caffe Deconvolution', params, CAFFE_KEYS);
  const c = input[1]!;
  const [fIn, fOut] = filter as [number, number];
  const kernel = filter.slice(2);
  const kernelGiven = o.kernelSize !== undefined || o.kernelH !== undefined || o.kernelW !== undefined;
  if (kernelGiven) {
    const given = caffeField('kernelSize', o.kernelSize, ['kernelH', o.kernelH, 'kernelW', o.kernelW], rank, null, 1);
    checkKernel('kernelSize', o.kernelSize ?? [o.kernelH, o.kernelW], given, kernel);
  }
  const stride = caffeField('stride', o.stride, ['strideH', o.strideH, 'strideW', o.strideW], rank, 1, 1);
  const pad = caffeField('pad', o.pad, ['padH', o.padH, 'padW', o.padW], rank, 0, 0);
  const dilation = caffeRepeated('dilation', o.dilation, rank, 1, 1);
  const group = readInt('group', o.group, 1, 1);
  readBoolean('biasTerm', o.biasTerm, true);
  if (fIn !== c) invalid('filterShape', filter, `weight.shape[0] (${fIn}) must equal the input's channels (${c})`);
  checkGroups('group', group, c, fOut, 'weight.shape[1]');
  if (o.numOutput !== undefined && readInt('numOutput', o.numOutput, null, 1) !== fOut * group) {
    invalid('numOutput', o.numOutput, `must equal weight.shape[1] × group = ${fOut} × ${group}`);
  }
  const full = fullSizes(
    rank,
    input.slice(2),
    kernel,
    stride,
    dilation,
    ['stride', o.stride ?? o.strideH],
    ['dilation', o.dilation],
    shapes,
  );
  full.forEach((f, a) => {
    const out = f - 2 * pad[a]!;
    if (out < 1) {
      invalid('pad', o.pad ?? [o.padH, o.padW], `crops the ${axes[a]} to ${out}; the output must be at least 1`);
    }
  });
  const [inputLayout, filterLayout] = layouts(rank, false, false);
  return finish(shapes, {
    strides: stride,
    dilations: dilation,
    padding: pad.flatMap((p) => [p, p]),
    groups: group,
    inputLayout,
    filterLayout,
  });
}
