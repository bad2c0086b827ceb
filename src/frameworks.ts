import { invalid, show } from './errors.js';
import { checkShape, resolveConvTranspose } from './geometry.js';
import type { ConvTranspose2dOptions, InputLayout } from './types.js';

/** A size given once for both axes, or per axis as [height, width] (any array: its length is checked when called). */
export type IntOrPair = number | readonly number[];

/** `nn.ConvTranspose2d(...)` arguments in camelCase, plus `forward(x, output_size)`. */
export interface TorchParams {
  /** Checked against the input's channels when given. */
  inChannels?: number;
  /** Checked against the weight when given (weight is [in, out/groups, kH, kW]). */
  outChannels?: number;
  /** Checked against the weight when given. */
  kernelSize?: IntOrPair;
  /** Default 1. */
  stride?: IntOrPair;
  /** Cropped from both ends of each axis; default 0. */
  padding?: IntOrPair;
  /** Added at the bottom/right; must be < max(stride, dilation); default 0. Ignored when `outputSize` is given, as in PyTorch. */
  outputPadding?: IntOrPair;
  /** Default 1. */
  groups?: number;
  /** Whether the module has a bias; the values themselves go in `options.bias`. */
  bias?: boolean;
  /** Default 1. */
  dilation?: IntOrPair;
  /** Only 'zeros' exists for transposed convolutions. */
  paddingMode?: 'zeros';
  /** `forward(x, output_size)`: [H, W] or [N, C, H, W] (N and C are ignored, as in PyTorch). */
  outputSize?: readonly number[];
}

/** Explicit TensorFlow padding: one [before, after] pair per dimension, in the data format's order. */
export type TensorFlowExplicitPadding = readonly (readonly number[])[];

/** `tf.nn.conv2d_transpose(input, filters, output_shape, strides, padding, data_format, dilations)` in camelCase. */
export interface TensorFlowParams {
  /** The full output shape, in the data format's order: [N, H, W, C] or [N, C, H, W]. */
  outputShape: readonly number[];
  /** An int, or a list of 1, 2 or 4 ints (4: in data format order, 1 at batch and channels). */
  strides: number | readonly number[];
  /** 'SAME', 'VALID', or explicit [[0,0],[t,b],[l,r],[0,0]] (NHWC) / [[0,0],[0,0],[t,b],[l,r]] (NCHW). */
  padding: 'SAME' | 'VALID' | TensorFlowExplicitPadding;
  /** Same forms as `strides`; default 1. */
  dilations?: number | readonly number[];
  /** Default 'NHWC'. */
  dataFormat?: 'NHWC' | 'NCHW';
}

/** `keras.layers.Conv2DTranspose(...)` arguments in camelCase (Keras 3, TensorFlow backend). */
export interface KerasParams {
  /** Output channels; checked against the kernel when given (kernel is [kH, kW, filters, in]). */
  filters?: number;
  /** Checked against the kernel when given. */
  kernelSize?: IntOrPair;
  /** Default 1. */
  strides?: IntOrPair;
  /** 'same' or 'valid' (any case); default 'valid'. */
  padding?: 'same' | 'valid' | 'SAME' | 'VALID';
  /** null or absent: Keras's default output length. Each value must be < its stride. */
  outputPadding?: IntOrPair | null;
  /** Default 1. Keras rejects strides > 1 together with dilation > 1. */
  dilationRate?: IntOrPair;
  /** Default 'channels_last'. */
  dataFormat?: 'channels_last' | 'channels_first';
  /** Whether the layer has a bias; the values themselves go in `options.bias`. */
  useBias?: boolean;
}

/** ONNX `ConvTranspose` attributes in camelCase. Lists only, as in ONNX. */
export interface OnnxParams {
  /** Default 'NOTSET'. */
  autoPad?: 'NOTSET' | 'SAME_UPPER' | 'SAME_LOWER' | 'VALID';
  /** [hBegin, wBegin, hEnd, wEnd]; only with autoPad 'NOTSET'. */
  pads?: readonly number[];
  /** Spatial output shape [H, W]; the pads are then derived and `pads` is ignored. */
  outputShape?: readonly number[];
  /** [h, w]; default [0, 0]. */
  outputPadding?: readonly number[];
  /** [h, w]; default [1, 1]. */
  strides?: readonly number[];
  /** [h, w]; default [1, 1]. */
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
  /** One value, or one per axis [h, w]. Not together with kernelH/kernelW. */
  kernelSize?: number | readonly number[];
  kernelH?: number;
  kernelW?: number;
  /** One value, or one per axis; default 1. Not together with strideH/strideW. */
  stride?: number | readonly number[];
  strideH?: number;
  strideW?: number;
  /** Cropped from both ends; one value, or one per axis; default 0. Not together with padH/padW. */
  pad?: number | readonly number[];
  padH?: number;
  padW?: number;
  /** One value, or one per axis; default 1. */
  dilation?: number | readonly number[];
  /** Default 1. */
  group?: number;
}

type Quad = [number, number, number, number];

function isInt(v: unknown, min: number): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= min;
}

function what(min: number): string {
  return min > 0 ? 'a positive integer' : 'an integer ≥ 0';
}

function int(param: string, value: unknown, def: number, min: number): number {
  if (value === undefined) return def;
  if (!isInt(value, min)) invalid(param, value, `must be ${what(min)}`);
  return value;
}

/** A scalar or an [h, w] pair (PyTorch, Keras). */
function intOrPair(param: string, value: unknown, def: number, min: number): [number, number] {
  if (value === undefined) return [def, def];
  if (typeof value === 'number') {
    if (!isInt(value, min)) invalid(param, value, `must be ${what(min)} or a pair of them`);
    return [value, value];
  }
  if (!Array.isArray(value) || value.length !== 2) invalid(param, value, `must be ${what(min)} or a pair of them`);
  value.forEach((v, i) => {
    if (!isInt(v, min)) invalid(`${param}[${i}]`, v, `must be ${what(min)}`);
  });
  return [value[0] as number, value[1] as number];
}

/** A list of exactly `length` integers (ONNX). */
function list(param: string, value: unknown, length: number, min: number): number[] {
  if (!Array.isArray(value) || value.length !== length) {
    invalid(param, value, `must be a list of ${length} integers (${min > 0 ? '≥ 1' : '≥ 0'})`);
  }
  value.forEach((v, i) => {
    if (!isInt(v, min)) invalid(`${param}[${i}]`, v, `must be ${what(min)}`);
  });
  return value as number[];
}

/** Rejects keys the framework does not have, so a misspelt argument is not silently ignored. */
function checkKeys(framework: string, params: unknown, known: readonly string[]): void {
  if (params === null || typeof params !== 'object' || Array.isArray(params)) {
    invalid('params', params, `must be an object of ${framework} arguments`);
  }
  for (const key of Object.keys(params)) {
    if (!known.includes(key)) {
      invalid(
        key,
        (params as Record<string, unknown>)[key],
        `is not a ${framework} argument; known: ${known.join(', ')}`,
      );
    }
  }
}

function spatial(layout: InputLayout, shape: Quad): { n: number; c: number; h: number; w: number } {
  return layout === 'nchw'
    ? { n: shape[0], c: shape[1], h: shape[2], w: shape[3] }
    : { n: shape[0], c: shape[3], h: shape[1], w: shape[2] };
}

/** Full (uncropped) size of one axis: (in − 1)·stride + dilation·(k − 1) + 1. */
function fullSize(inSize: number, k: number, s: number, d: number): number {
  return (inSize - 1) * s + d * (k - 1) + 1;
}

const AXES = ['height', 'width'] as const;

function checkKernel(param: string, given: [number, number], kh: number, kw: number): void {
  if (given[0] !== kh || given[1] !== kw) {
    invalid(param, given, `must match the filter's spatial size [${kh}, ${kw}]`);
  }
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
 * Options reproducing PyTorch's `nn.ConvTranspose2d` (and `forward(x, output_size)`)
 * on an NCHW input with an [in, out/groups, kH, kW] weight.
 *
 * Rules as in PyTorch 1.13: output_padding < max(stride, dilation); an
 * output_size must lie in [min, min + stride − 1] with min the size at
 * output_padding 0 (stride, not max(stride, dilation)).
 *
 * @throws DeconvError('INVALID_ARGUMENT') naming the PyTorch argument at fault.
 */
export function fromTorch(
  params: TorchParams,
  inputShape: readonly number[],
  filterShape: readonly number[],
): ConvTranspose2dOptions {
  checkKeys('nn.ConvTranspose2d', params, TORCH_KEYS);
  const input = checkShape('inputShape', inputShape);
  const filter = checkShape('filterShape', filterShape);
  const stride = intOrPair('stride', params.stride, 1, 1);
  const padding = intOrPair('padding', params.padding, 0, 0);
  const dilation = intOrPair('dilation', params.dilation, 1, 1);
  const groups = int('groups', params.groups, 1, 1);
  if (params.paddingMode !== undefined && params.paddingMode !== 'zeros') {
    invalid(
      'paddingMode',
      params.paddingMode,
      "must be 'zeros': PyTorch supports no other padding mode for ConvTranspose2d",
    );
  }
  if (params.bias !== undefined && typeof params.bias !== 'boolean') invalid('bias', params.bias, 'must be a boolean');
  const [, c, h, w] = input;
  const [fIn, fOut, kh, kw] = filter;
  if (params.inChannels !== undefined && int('inChannels', params.inChannels, 1, 1) !== c) {
    invalid('inChannels', params.inChannels, `must equal the input's channels (${c})`);
  }
  if (params.outChannels !== undefined && int('outChannels', params.outChannels, 1, 1) !== fOut * groups) {
    invalid('outChannels', params.outChannels, `must equal weight.shape[1] × groups = ${fOut} × ${groups}`);
  }
  if (params.kernelSize !== undefined)
    checkKernel('kernelSize', intOrPair('kernelSize', params.kernelSize, 1, 1), kh, kw);
  if (fIn !== c) invalid('filterShape', filter, `weight.shape[0] (${fIn}) must equal the input's channels (${c})`);
  if (c % groups !== 0) invalid('groups', groups, `in_channels (${c}) must be divisible by groups`);

  const sizes = [h, w];
  const ks = [kh, kw];
  const mins = [0, 1].map((i) => fullSize(sizes[i]!, ks[i]!, stride[i]!, dilation[i]!) - 2 * padding[i]!);
  let outputPadding: [number, number];
  if (params.outputSize !== undefined) {
    const os = params.outputSize as unknown;
    if (!Array.isArray(os) || (os.length !== 2 && os.length !== 4)) {
      invalid('outputSize', os, 'must have 2 ([H, W]) or 4 ([N, C, H, W]) elements');
    }
    const hw = (os.length === 4 ? os.slice(2) : os) as unknown[];
    hw.forEach((v, i) => {
      if (!isInt(v, 1)) invalid(`outputSize[${os.length - 2 + i}]`, v, 'must be a positive integer');
    });
    [0, 1].forEach((i) => {
      const lo = mins[i]!;
      const hi = lo + stride[i]! - 1;
      const v = hw[i] as number;
      if (v < lo || v > hi) {
        invalid(
          'outputSize',
          os,
          `${AXES[i]} ${v} is outside PyTorch's valid range [${lo}, ${hi}] = [min, min + stride − 1] for this input`,
        );
      }
    });
    outputPadding = [(hw[0] as number) - mins[0]!, (hw[1] as number) - mins[1]!];
  } else {
    outputPadding = intOrPair('outputPadding', params.outputPadding, 0, 0);
    [0, 1].forEach((i) => {
      const limit = Math.max(stride[i]!, dilation[i]!);
      if (outputPadding[i]! >= limit) {
        invalid(
          'outputPadding',
          params.outputPadding,
          `must be smaller than either stride or dilation (max = ${limit} on the ${AXES[i]} axis), as PyTorch requires`,
        );
      }
    });
  }
  [0, 1].forEach((i) => {
    if (mins[i]! + outputPadding[i]! < 1) {
      invalid(
        'padding',
        params.padding,
        `crops the ${AXES[i]} to ${mins[i]! + outputPadding[i]!}; PyTorch rejects an output size below 1 ("Output size is too small")`,
      );
    }
  });
  return finish(input, filter, {
    strides: stride,
    dilations: dilation,
    padding: [padding[0], padding[0], padding[1], padding[1]],
    outputPadding,
    groups,
    inputLayout: 'nchw',
    filterLayout: 'iohw',
  });
}

/** Validates the assembled options with the canonical rules and returns them. */
function finish(input: Quad, filter: Quad, options: ConvTranspose2dOptions): ConvTranspose2dOptions {
  resolveConvTranspose(input, filter, options);
  return options;
}

/** TensorFlow's int-or-list form for strides and dilations (1, 2 or 4 values). */
function tfList(param: string, value: unknown, def: number, layout: InputLayout): [number, number] {
  if (value === undefined) return [def, def];
  if (typeof value === 'number') {
    if (!isInt(value, 1)) invalid(param, value, 'must be a positive integer or a list of 1, 2 or 4 of them');
    return [value, value];
  }
  if (!Array.isArray(value) || ![1, 2, 4].includes(value.length)) {
    invalid(param, value, 'must be a positive integer or a list of 1, 2 or 4 of them');
  }
  value.forEach((v, i) => {
    if (!isInt(v, 1)) invalid(`${param}[${i}]`, v, 'must be a positive integer');
  });
  const v = value as number[];
  if (v.length === 1) return [v[0]!, v[0]!];
  if (v.length === 2) return [v[0]!, v[1]!];
  const [n, c, hh, ww] = layout === 'nhwc' ? [v[0]!, v[3]!, v[1]!, v[2]!] : [v[0]!, v[1]!, v[2]!, v[3]!];
  if (n !== 1 || c !== 1) {
    invalid(
      param,
      value,
      'must be 1 in the batch and channel dimensions (TensorFlow does not support other values there)',
    );
  }
  return [hh, ww];
}

/**
 * TensorFlow's rule for `conv2d_backprop_input`: the forward convolution of the
 * output (size `out`) must give back the input size. Returns the rows cropped at
 * the beginning and the output padding of the canonical form, or throws.
 */
function tfAxis(
  param: string,
  value: unknown,
  axis: number,
  inSize: number,
  out: number,
  k: number,
  s: number,
  d: number,
  padding: 'SAME' | 'VALID' | [number, number],
  who: string,
): { begin: number; end: number; outputPadding: number } {
  const eff = d * (k - 1) + 1;
  const full = fullSize(inSize, k, s, d);
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
    invalid(
      param,
      value,
      `${who}: the forward convolution of an output ${AXES[axis]} of ${out} (${typeof padding === 'string' ? padding : 'explicit padding'}, kernel ${k}, stride ${s}, dilation ${d}) has ${forward} rows, not the input's ${inSize}; valid output ${AXES[axis]}s: ${range}`,
    );
  }
  return { begin, end, outputPadding: out - (full - begin - end) };
}

const TF_KEYS = ['outputShape', 'strides', 'padding', 'dilations', 'dataFormat'] as const;

/**
 * Options reproducing `tf.nn.conv2d_transpose` (filter [kH, kW, out, in]).
 *
 * Rejects every `outputShape` TensorFlow rejects: the forward convolution of the
 * output, with the same padding, must give back the input size. TF.js skips that
 * check and returns wrong values; this does not. SAME crops
 * max((⌈O/s⌉ − 1)·s + (k − 1)·d + 1 − O, 0) rows, the smaller half at the top.
 *
 * @throws DeconvError('INVALID_ARGUMENT') naming the TensorFlow argument at fault.
 */
export function fromTensorFlow(
  params: TensorFlowParams,
  inputShape: readonly number[],
  filterShape: readonly number[],
): ConvTranspose2dOptions {
  checkKeys('tf.nn.conv2d_transpose', params, TF_KEYS);
  const df = params.dataFormat ?? 'NHWC';
  if (df !== 'NHWC' && df !== 'NCHW') invalid('dataFormat', df, "must be 'NHWC' or 'NCHW'");
  const layout: InputLayout = df === 'NHWC' ? 'nhwc' : 'nchw';
  const input = checkShape('inputShape', inputShape);
  const filter = checkShape('filterShape', filterShape);
  if (params.strides === undefined) invalid('strides', params.strides, 'is required by tf.nn.conv2d_transpose');
  const strides = tfList('strides', params.strides, 1, layout);
  const dilations = tfList('dilations', params.dilations, 1, layout);
  const os = params.outputShape as unknown;
  if (!Array.isArray(os) || os.length !== 4) {
    invalid('outputShape', os, `must have 4 elements in ${df} order`);
  }
  os.forEach((v, i) => {
    if (!isInt(v, 1)) invalid(`outputShape[${i}]`, v, 'must be a positive integer');
  });
  const x = spatial(layout, input);
  const y = spatial(layout, os as Quad);
  const [kh, kw, fOut, fIn] = filter;
  if (fIn !== x.c) {
    invalid('filterShape', filter, `filters.shape[3] (${fIn}) must equal the input's channels (${x.c}) in ${df}`);
  }
  if (y.n !== x.n) invalid('outputShape', os, `its batch (${y.n}) must equal the input's batch (${x.n})`);
  if (y.c !== fOut) {
    invalid(
      'outputShape',
      os,
      `its channels (${y.c}) must equal filters.shape[2] (${fOut}); tf.nn.conv2d_transpose has no groups`,
    );
  }
  let pads: ['SAME' | 'VALID' | [number, number], 'SAME' | 'VALID' | [number, number]];
  const p = params.padding as unknown;
  if (p === 'SAME' || p === 'VALID') {
    pads = [p, p];
  } else if (Array.isArray(p)) {
    if (p.length !== 4 || !p.every((q) => Array.isArray(q) && q.length === 2 && q.every((v) => isInt(v, 0)))) {
      invalid('padding', p, 'explicit padding must be 4 [before, after] pairs of integers ≥ 0');
    }
    const q = p as [number, number][];
    const [n, c, hh, ww] = layout === 'nhwc' ? [q[0]!, q[3]!, q[1]!, q[2]!] : [q[0]!, q[1]!, q[2]!, q[3]!];
    if (n[0] || n[1] || c[0] || c[1]) {
      invalid('padding', p, 'must be [0, 0] in the batch and channel dimensions (TensorFlow rejects other values)');
    }
    pads = [hh, ww];
  } else {
    invalid('padding', p, "must be 'SAME', 'VALID' (upper case, as tf.nn) or a list of 4 [before, after] pairs");
  }
  const ah = tfAxis('outputShape', os, 0, x.h, y.h, kh, strides[0], dilations[0], pads[0], 'TensorFlow rejects it');
  const aw = tfAxis('outputShape', os, 1, x.w, y.w, kw, strides[1], dilations[1], pads[1], 'TensorFlow rejects it');
  return finish(input, filter, {
    strides,
    dilations,
    padding: [ah.begin, ah.end, aw.begin, aw.end],
    outputPadding: [ah.outputPadding, aw.outputPadding],
    inputLayout: layout,
    filterLayout: 'hwoi',
  });
}

/**
 * Keras's output length (`compute_conv_transpose_output_shape`):
 * valid: (in − 1)·s + max(k_eff, s) + op, with op = 0 when null;
 * same: in·s when op is null, else (in − 1)·s + k_eff mod 2 + op.
 */
export function kerasOutputLength(
  inSize: number,
  k: number,
  s: number,
  d: number,
  padding: 'same' | 'valid',
  outputPadding: number | null,
): number {
  const eff = d * (k - 1) + 1;
  if (padding === 'valid') {
    return outputPadding === null ? (inSize - 1) * s + Math.max(eff, s) : (inSize - 1) * s + eff + outputPadding;
  }
  return outputPadding === null ? inSize * s : (inSize - 1) * s + (eff % 2) + outputPadding;
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
 * Options reproducing `keras.layers.Conv2DTranspose` (Keras 3 on TensorFlow;
 * kernel [kH, kW, filters, in]). The output length follows Keras's rule (see
 * {@link kerasOutputLength}); the crop is then decided by `tf.nn.conv2d_transpose`
 * with padding SAME/VALID, so a length TensorFlow rejects is rejected here too
 * (for example an even kernel with padding 'same' and outputPadding 0).
 *
 * @throws DeconvError('INVALID_ARGUMENT') naming the Keras argument at fault.
 */
export function fromKeras(
  params: KerasParams,
  inputShape: readonly number[],
  filterShape: readonly number[],
): ConvTranspose2dOptions {
  checkKeys('keras.layers.Conv2DTranspose', params, KERAS_KEYS);
  const df = params.dataFormat ?? 'channels_last';
  if (df !== 'channels_last' && df !== 'channels_first') {
    invalid('dataFormat', df, "must be 'channels_last' or 'channels_first'");
  }
  const layout: InputLayout = df === 'channels_last' ? 'nhwc' : 'nchw';
  const input = checkShape('inputShape', inputShape);
  const filter = checkShape('filterShape', filterShape);
  const strides = intOrPair('strides', params.strides, 1, 1);
  const dilation = intOrPair('dilationRate', params.dilationRate, 1, 1);
  const pad = params.padding ?? 'valid';
  if (typeof pad !== 'string' || !['same', 'valid'].includes(pad.toLowerCase())) {
    invalid('padding', pad, "must be 'same' or 'valid'");
  }
  const padding = pad.toLowerCase() as 'same' | 'valid';
  if (params.useBias !== undefined && typeof params.useBias !== 'boolean')
    invalid('useBias', params.useBias, 'must be a boolean');
  const op =
    params.outputPadding === undefined || params.outputPadding === null
      ? null
      : intOrPair('outputPadding', params.outputPadding, 0, 0);
  if (op) {
    [0, 1].forEach((i) => {
      if (op[i]! >= strides[i]!) {
        invalid('outputPadding', params.outputPadding, `must be < strides (${show(strides)}), as Keras requires`);
      }
    });
  }
  if (Math.max(...strides) > 1 && Math.max(...dilation) > 1) {
    invalid(
      'dilationRate',
      params.dilationRate,
      `Keras does not support strides > 1 (${show(strides)}) together with dilation_rate > 1`,
    );
  }
  const x = spatial(layout, input);
  const [kh, kw, fOut, fIn] = filter;
  if (params.filters !== undefined && int('filters', params.filters, 1, 1) !== fOut) {
    invalid('filters', params.filters, `must equal kernel.shape[2] (${fOut})`);
  }
  if (params.kernelSize !== undefined)
    checkKernel('kernelSize', intOrPair('kernelSize', params.kernelSize, 1, 1), kh, kw);
  if (fIn !== x.c) invalid('filterShape', filter, `kernel.shape[3] (${fIn}) must equal the input's channels (${x.c})`);
  const tfPad = padding === 'same' ? 'SAME' : 'VALID';
  const sizes = [x.h, x.w];
  const ks = [kh, kw];
  const axes = [0, 1].map((i) => {
    const len = kerasOutputLength(sizes[i]!, ks[i]!, strides[i]!, dilation[i]!, padding, op ? op[i]! : null);
    return tfAxis(
      op ? 'outputPadding' : 'padding',
      op ? params.outputPadding : pad,
      i,
      sizes[i]!,
      len,
      ks[i]!,
      strides[i]!,
      dilation[i]!,
      tfPad,
      `Keras computes an output ${AXES[i]} of ${len} and tf.nn.conv2d_transpose rejects it`,
    );
  });
  const [ah, aw] = axes as [ReturnType<typeof tfAxis>, ReturnType<typeof tfAxis>];
  return finish(input, filter, {
    strides,
    dilations: dilation,
    padding: [ah.begin, ah.end, aw.begin, aw.end],
    outputPadding: [ah.outputPadding, aw.outputPadding],
    inputLayout: layout,
    filterLayout: 'hwoi',
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
 * Options reproducing ONNX `ConvTranspose` as onnxruntime (1.30) computes it,
 * on an NCHW input with W = [in, out/group, kH, kW]. Per axis, with
 * F = (in − 1)·s + (k − 1)·d + 1 and op = output_padding:
 * - output_shape O given: total = max(0, F + op − O) is cropped, the larger half
 *   at the beginning, except SAME_UPPER which puts it at the end; `pads` is ignored.
 * - SAME_UPPER / SAME_LOWER: total = max(0, F + op − in·s), split the same way,
 *   so the output is in·s (the ONNX shape inference says in·s + op instead).
 * - VALID: no crop; NOTSET: `pads`.
 * onnxruntime also requires op < max(s, d) and that the forward Conv of the
 * output gives back the input, which in effect means op < s.
 *
 * @throws DeconvError('INVALID_ARGUMENT') naming the ONNX attribute at fault.
 */
export function fromOnnx(
  params: OnnxParams,
  inputShape: readonly number[],
  filterShape: readonly number[],
): ConvTranspose2dOptions {
  checkKeys('ONNX ConvTranspose', params, ONNX_KEYS);
  const input = checkShape('inputShape', inputShape);
  const filter = checkShape('filterShape', filterShape);
  const autoPad = params.autoPad ?? 'NOTSET';
  if (!AUTO_PADS.includes(autoPad)) invalid('autoPad', autoPad, `must be one of ${AUTO_PADS.join(', ')}`);
  const strides = params.strides === undefined ? [1, 1] : list('strides', params.strides, 2, 1);
  const dilations = params.dilations === undefined ? [1, 1] : list('dilations', params.dilations, 2, 1);
  const op = params.outputPadding === undefined ? [0, 0] : list('outputPadding', params.outputPadding, 2, 0);
  const group = int('group', params.group, 1, 1);
  if (params.pads !== undefined && autoPad !== 'NOTSET') {
    invalid('pads', params.pads, `cannot be used together with autoPad ${autoPad} (onnxruntime rejects the model)`);
  }
  const pads = params.pads === undefined ? [0, 0, 0, 0] : list('pads', params.pads, 4, 0);
  const outShape = params.outputShape === undefined ? null : list('outputShape', params.outputShape, 2, 1);
  const [, c, h, w] = input;
  const [fIn, , kh, kw] = filter;
  if (params.kernelShape !== undefined) {
    checkKernel('kernelShape', list('kernelShape', params.kernelShape, 2, 1) as [number, number], kh, kw);
  }
  if (fIn !== c) invalid('filterShape', filter, `W.shape[0] (${fIn}) must equal the input's channels (${c})`);
  if (c % group !== 0) invalid('group', group, `must divide the input channels (${c})`);
  const sizes = [h, w];
  const ks = [kh, kw];
  const axes = [0, 1].map((i) => {
    const s = strides[i]!;
    const d = dilations[i]!;
    const adj = op[i]!;
    if (adj >= Math.max(s, d)) {
      invalid(
        'outputPadding',
        params.outputPadding,
        `must be less than max(stride, dilation) = ${Math.max(s, d)} on the ${AXES[i]} axis`,
      );
    }
    const full = fullSize(sizes[i]!, ks[i]!, s, d);
    let begin: number;
    let end: number;
    let out: number;
    const split = (total: number): [number, number] =>
      autoPad === 'SAME_UPPER'
        ? [Math.floor(total / 2), total - Math.floor(total / 2)]
        : [Math.ceil(total / 2), Math.floor(total / 2)];
    if (outShape) {
      out = outShape[i]!;
      [begin, end] = split(Math.max(0, full + adj - out));
    } else if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
      [begin, end] = split(Math.max(0, full + adj - sizes[i]! * s));
      out = full + adj - begin - end;
    } else {
      [begin, end] = autoPad === 'VALID' ? [0, 0] : [pads[i]!, pads[i + 2]!];
      out = full + adj - begin - end;
      if (out < 1) {
        invalid('pads', params.pads, `crop the ${AXES[i]} to ${out}; onnxruntime rejects an output dimension ≤ 0`);
      }
    }
    // onnxruntime: the forward Conv of the output must give back the input.
    const extra = out + begin + end - full;
    if (extra >= s) {
      const byShape = outShape !== null && extra !== adj;
      invalid(
        byShape ? 'outputShape' : 'outputPadding',
        byShape ? params.outputShape : params.outputPadding,
        `onnxruntime rejects it: the output ${AXES[i]} ${out} adds ${extra} past the uncropped ${full}, but at most stride − 1 = ${s - 1} may be added (the forward Conv of the output must give back the input ${AXES[i]} ${sizes[i]})`,
      );
    }
    return { begin, end, outputPadding: out - (full - begin - end) };
  });
  const [ah, aw] = axes as [(typeof axes)[0], (typeof axes)[0]];
  return finish(input, filter, {
    strides: [strides[0]!, strides[1]!],
    dilations: [dilations[0]!, dilations[1]!],
    padding: [ah.begin, ah.end, aw.begin, aw.end],
    outputPadding: [ah.outputPadding, aw.outputPadding],
    groups: group,
    inputLayout: 'nchw',
    filterLayout: 'iohw',
  });
}

/** Caffe's repeated field or its `_h`/`_w` pair; never both. */
function caffePair(
  name: string,
  value: unknown,
  hName: string,
  hValue: unknown,
  wName: string,
  wValue: unknown,
  def: number | null,
  min: number,
): [number, number] {
  const hw = hValue !== undefined || wValue !== undefined;
  if (value !== undefined && hw) invalid(name, value, `either ${name} or ${hName}/${wName} may be given, not both`);
  if (hw) {
    // Caffe defaults the missing half of pad_h/pad_w to 0; a missing stride or kernel half
    // would be 0 too, which Caffe then rejects ("must be nonzero"), so those stay required.
    if (min === 0) return [int(hName, hValue ?? 0, 0, min), int(wName, wValue ?? 0, 0, min)];
    if (hValue === undefined || wValue === undefined) {
      invalid(
        hValue === undefined ? hName : wName,
        undefined,
        `is required when ${hValue === undefined ? wName : hName} is given`,
      );
    }
    return [int(hName, hValue, 0, min), int(wName, wValue, 0, min)];
  }
  return caffeRepeated(name, value, def, min);
}

function caffeRepeated(name: string, value: unknown, def: number | null, min: number): [number, number] {
  if (value === undefined || (Array.isArray(value) && value.length === 0)) {
    if (def === null) invalid(name, value, 'is required (or its _h/_w pair)');
    return [def, def];
  }
  if (typeof value === 'number') return [int(name, value, 0, min), int(name, value, 0, min)];
  if (!Array.isArray(value) || value.length > 2) invalid(name, value, 'must be given once, or once per spatial axis');
  const v = value.map((x, i) => int(`${name}[${i}]`, x, 0, min));
  return v.length === 1 ? [v[0]!, v[0]!] : [v[0]!, v[1]!];
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
 * Options reproducing Caffe's `Deconvolution` layer on an NCHW input with a
 * [in, numOutput/group, kH, kW] weight: out = stride·(in − 1) + dilation·(k − 1) + 1 − 2·pad.
 * The kernel size is taken from the weight when not given.
 *
 * @throws DeconvError('INVALID_ARGUMENT') naming the Caffe field at fault.
 */
export function fromCaffe(
  params: CaffeParams,
  inputShape: readonly number[],
  filterShape: readonly number[],
): ConvTranspose2dOptions {
  checkKeys('Caffe Deconvolution', params, CAFFE_KEYS);
  const input = checkShape('inputShape', inputShape);
  const filter = checkShape('filterShape', filterShape);
  const [, c, h, w] = input;
  const [fIn, fOut, kh, kw] = filter;
  const kernelGiven = params.kernelSize !== undefined || params.kernelH !== undefined || params.kernelW !== undefined;
  if (kernelGiven) {
    checkKernel(
      'kernelSize',
      caffePair('kernelSize', params.kernelSize, 'kernelH', params.kernelH, 'kernelW', params.kernelW, null, 1),
      kh,
      kw,
    );
  }
  const stride = caffePair('stride', params.stride, 'strideH', params.strideH, 'strideW', params.strideW, 1, 1);
  const pad = caffePair('pad', params.pad, 'padH', params.padH, 'padW', params.padW, 0, 0);
  const dilation = caffeRepeated('dilation', params.dilation, 1, 1);
  const group = int('group', params.group, 1, 1);
  if (params.biasTerm !== undefined && typeof params.biasTerm !== 'boolean')
    invalid('biasTerm', params.biasTerm, 'must be a boolean');
  if (params.numOutput !== undefined && int('numOutput', params.numOutput, 1, 1) !== fOut * group) {
    invalid('numOutput', params.numOutput, `must equal weight.shape[1] × group = ${fOut} × ${group}`);
  }
  if (fIn !== c) invalid('filterShape', filter, `weight.shape[0] (${fIn}) must equal the input's channels (${c})`);
  if (c % group !== 0) invalid('group', group, `must divide the input channels (${c})`);
  const sizes = [h, w];
  const ks = [kh, kw];
  [0, 1].forEach((i) => {
    const out = fullSize(sizes[i]!, ks[i]!, stride[i]!, dilation[i]!) - 2 * pad[i]!;
    if (out < 1)
      invalid(
        'pad',
        params.pad ?? [params.padH, params.padW],
        `crops the ${AXES[i]} to ${out}; the output must be at least 1`,
      );
  });
  return finish(input, filter, {
    strides: stride,
    dilations: dilation,
    padding: [pad[0], pad[0], pad[1], pad[1]],
    groups: group,
    inputLayout: 'nchw',
    filterLayout: 'iohw',
  });
}
