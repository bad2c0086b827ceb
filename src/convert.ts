/**
 * Conversions from the canonical options to each framework's arguments, for any rank,
 * or a plain reason why none exist and what to do instead. Every conversion resolves
 * (and so validates) the options first; all the work after that is O(rank).
 */
import { DeconvError } from './errors.js';
import { resolveConvTranspose } from './geometry.js';
import { filterDims, filterShapeIn } from './geometry.js';
import { AXIS_UNITS, axisNames, kerasOutputLength } from './frameworks.js';
import type { ConvTranspose1dOptions, ConvTranspose3dOptions } from './types.js';
import type {
  CaffeParams,
  KerasParams,
  OnnxParams,
  Shape1d,
  Shape3d,
  TensorFlowDataFormat,
  TensorFlowParams,
  TorchParams,
} from './frameworks.js';
import type { AnyFilterLayout, ConvTranspose2dOptions, ConvTransposeGeometry, ConvTransposeOptions } from './types.js';

/**
 * The parameters giving the same result in one framework, or why none exist.
 * `note` says what else to do (transpose the data, add the bias or activation).
 */
export type Conversion<P> = { ok: true; params: P; note?: string } | { ok: false; reason: string };

/** Every framework's equivalent of one set of options, plus the canonical form. */
export interface Equivalents<O extends ConvTransposeOptions = ConvTranspose2dOptions> {
  /** The options with padding and outputPadding spelled out (no outputSizes). */
  canonical: O;
  torch: Conversion<TorchParams>;
  tensorflow: Conversion<TensorFlowParams>;
  keras: Conversion<KerasParams>;
  onnx: Conversion<OnnxParams>;
  caffe: Conversion<CaffeParams>;
}

/**
 * One axis of a resolved geometry. The values depend only on `begin` (cropped at the
 * beginning) and `out`; `net` = full − begin − out is what is cropped at the end
 * (negative: that many zeros are appended).
 */
interface Axis {
  name: string;
  /** What one step is called: samples, planes, rows, columns. */
  unit: string;
  inSize: number;
  k: number;
  s: number;
  d: number;
  full: number;
  begin: number;
  end: number;
  outputPadding: number;
  out: number;
  net: number;
}

function axes(g: ConvTransposeGeometry): Axis[] {
  const names = axisNames(g.rank);
  return names.map((name, a) => {
    const full = g.fullSizes[a]!;
    const out = g.outSizes[a]!;
    const begin = g.padding[2 * a]!;
    return {
      name,
      unit: AXIS_UNITS[name]!,
      inSize: g.inSizes[a]!,
      k: g.kernelSizes[a]!,
      s: g.strides[a]!,
      d: g.dilations[a]!,
      full,
      begin,
      end: g.padding[2 * a + 1]!,
      outputPadding: g.outputPadding[a]!,
      out,
      net: full - begin - out,
    };
  });
}

/** A scalar when every axis agrees, as the frameworks print it; else one value per axis. */
function compact(values: readonly number[]): number | number[] {
  return values.every((v) => v === values[0]) ? values[0]! : [...values];
}

/** `F.pad` amounts (last axis first: begin, end, …) that cut the full result down to the output. */
function cropRecipe(list: readonly Axis[]): string {
  return `(${[...list]
    .reverse()
    .flatMap((a) => [-a.begin, -a.net])
    .join(', ')})`;
}

function describe(a: Axis): string {
  const end = a.net >= 0 ? `${a.net} at the end` : `${-a.net} zero ${a.unit} appended at the end`;
  return `${a.name}: ${a.begin} cropped at the beginning, ${end}`;
}

/** Activation layout names per rank: channels last, channels first. */
const DATA_NAMES: Readonly<Record<number, readonly [string, string]>> = {
  1: ['NWC', 'NCW'],
  2: ['NHWC', 'NCHW'],
  3: ['NDHWC', 'NCDHW'],
};

/** Kernel axis names per rank, for the filter layouts' descriptions. */
const KERNEL_NAMES: Readonly<Record<number, string>> = { 1: 'kW', 2: 'kH, kW', 3: 'kD, kH, kW' };

/** The permutation taking a filter in layout `from` to layout `to`: target axis j is source axis perm[j]. */
function filterPermutation(from: AnyFilterLayout, to: AnyFilterLayout, rank: number): number[] {
  const source = filterDims(
    from,
    Array.from({ length: rank + 2 }, (_, i) => i),
  );
  return filterShapeIn(to, source[0]!, source[1]!, ...source.slice(2));
}

/** The data layouts a framework takes, and what to transpose to get there. */
function layoutNote(g: ConvTransposeGeometry, channelsLast: boolean, tfFilter: boolean): string[] {
  const notes: string[] = [];
  const r = g.rank;
  const [last, first] = DATA_NAMES[r]!;
  if (g.channelsLast !== channelsLast) {
    const toFirst = [0, r + 1, ...Array.from({ length: r }, (_, i) => i + 1)];
    const toLast = [0, ...Array.from({ length: r }, (_, i) => i + 2), 1];
    notes.push(
      channelsLast
        ? `the input is ${first} here: transpose it to ${last} (tf.transpose(x, [${toLast.join(', ')}])) and the output back`
        : `the input is ${last} here: transpose it to ${first} (x.permute(${toFirst.join(', ')})) and the output back`,
    );
  }
  const target = tfFilter ? ([`woi`, 'hwoi', 'dhwoi'] as const)[r - 1]! : (['iow', 'iohw', 'iodhw'] as const)[r - 1]!;
  if (g.filterLayout !== target) {
    const perm = filterPermutation(g.filterLayout, target, r).join(', ');
    const name = tfFilter ? `[${KERNEL_NAMES[r]}, out, in]` : `[in, out/groups, ${KERNEL_NAMES[r]}]`;
    notes.push(
      `the filter is '${g.filterLayout}' here: reorder it to ${name} (${tfFilter ? `transpose [${perm}]` : `permute(${perm})`})`,
    );
  }
  return notes;
}

type Framework = 'torch' | 'tf' | 'keras' | 'onnx' | 'caffe';

const ACTIVATION_NAMES = (alpha: number): Record<Framework, Record<string, string>> => ({
  torch: {
    relu: 'F.relu',
    relu6: 'F.relu6',
    leakyRelu: `F.leaky_relu(y, ${alpha})`,
    sigmoid: 'torch.sigmoid',
    tanh: 'torch.tanh',
    gelu: 'F.gelu (exact, erf)',
  },
  tf: {
    relu: 'tf.nn.relu',
    relu6: 'tf.nn.relu6',
    leakyRelu: `tf.nn.leaky_relu(y, alpha=${alpha})`,
    sigmoid: 'tf.nn.sigmoid',
    tanh: 'tf.nn.tanh',
    gelu: 'tf.nn.gelu(y, approximate=False)',
  },
  keras: {
    relu: "activation='relu'",
    relu6: "activation='relu6'",
    leakyRelu: `a LeakyReLU(negative_slope=${alpha}) layer`,
    sigmoid: "activation='sigmoid'",
    tanh: "activation='tanh'",
    gelu: 'keras.activations.gelu(y, approximate=False)',
  },
  onnx: {
    relu: 'a Relu node',
    relu6: 'a Clip(0, 6) node',
    leakyRelu: `a LeakyRelu node (alpha=${alpha})`,
    sigmoid: 'a Sigmoid node',
    tanh: 'a Tanh node',
    gelu: 'a Gelu node (opset 20) or x·(1 + Erf(x/√2))/2',
  },
  caffe: {
    relu: 'a ReLU layer',
    relu6: 'a Clip layer (min 0, max 6)',
    leakyRelu: `a ReLU layer with negative_slope ${alpha}`,
    sigmoid: 'a Sigmoid layer',
    tanh: 'a TanH layer',
    gelu: 'a GELU in post-processing (Caffe has no GELU layer)',
  },
});

function epilogueNote(g: ConvTransposeGeometry, fw: Framework): string[] {
  const notes: string[] = [];
  if (g.bias && fw === 'tf') notes.push('add the bias with tf.nn.bias_add');
  if (g.bias && fw === 'onnx') notes.push('pass the bias as input B');
  if (g.activation) notes.push(`apply the activation with ${ACTIVATION_NAMES(g.leakyReluAlpha)[fw][g.activation]}`);
  return notes;
}

function done<P>(params: P, notes: string[]): Conversion<P> {
  return notes.length ? { ok: true, params, note: notes.join('; ') + '.' } : { ok: true, params };
}

/**
 * `nn.ConvTranspose1d/2d/3d` arguments giving the same result, or why none exist.
 * PyTorch crops `padding` from both ends and adds `output_padding` (< max(stride,
 * dilation)) at the end only, so an asymmetric crop has no equivalent.
 *
 * @throws DeconvError('INVALID_ARGUMENT') for invalid shapes or options.
 */
export function toTorch(
  inputShape: readonly number[],
  filterShape: readonly number[],
  options: ConvTransposeOptions = {},
): Conversion<TorchParams> {
  const g = resolveConvTranspose(inputShape, filterShape, options);
  const list = axes(g);
  const module = `nn.ConvTranspose${g.rank}d`;
  const bad = list.filter((a) => a.net > a.begin || a.begin - a.net >= Math.max(a.s, a.d));
  if (bad.length) {
    const why = bad
      .map((a) =>
        a.net > a.begin
          ? `${describe(a)}: PyTorch crops padding equally from both ends and can only add ${a.unit} at the end`
          : `${describe(a)}: that needs output_padding ${a.begin - a.net}, but PyTorch requires it < max(stride, dilation) = ${Math.max(a.s, a.d)}`,
      )
      .join('; ');
    return {
      ok: false,
      reason: `No ${module} padding reproduces this crop (${why}). Instead run it with padding=0, output_padding=0 and crop the result: F.pad(y, ${cropRecipe(list)}) (negative amounts crop, positive ones pad with zeros).`,
    };
  }
  const params: TorchParams = {
    inChannels: g.inChannels,
    outChannels: g.outChannels,
    kernelSize: compact(g.kernelSizes),
    stride: compact(list.map((a) => a.s)),
    padding: compact(list.map((a) => a.begin)),
    outputPadding: compact(list.map((a) => a.begin - a.net)),
    groups: g.groups,
    bias: g.bias !== null,
    dilation: compact(list.map((a) => a.d)),
  };
  return done(params, [...layoutNote(g, false, false), ...epilogueNote(g, 'torch')]);
}

/** TensorFlow's [before, after] at the end of one axis: the `end` in [max(0, net), net + s − 1]. */
function tfEnd(a: Axis): number | null {
  const lo = Math.max(0, a.net);
  const hi = a.net + a.s - 1;
  if (lo > hi) return null;
  return Math.min(Math.max(a.end, lo), hi);
}

/** The TensorFlow function of a rank. */
function tfName(rank: number): string {
  return `tf.nn.conv${rank}d_transpose`;
}

/**
 * `tf.nn.conv1d_transpose` / `conv2d_transpose` / `conv3d_transpose` arguments giving the
 * same result, or why none exist. Uses 'VALID' or 'SAME' when they give the same crop,
 * explicit padding otherwise (2-D only: the 1-D and 3-D functions take no explicit
 * padding), and the channels-first data format for channels-first data.
 *
 * @throws DeconvError('INVALID_ARGUMENT') for invalid shapes or options.
 */
export function toTensorFlow(
  inputShape: readonly number[],
  filterShape: readonly number[],
  options: ConvTransposeOptions = {},
): Conversion<TensorFlowParams> {
  const g = resolveConvTranspose(inputShape, filterShape, options);
  const list = axes(g);
  const fn = tfName(g.rank);
  if (g.groups > 1) {
    return {
      ok: false,
      reason: `${fn} has no groups (here ${g.groups}): run one ${fn.slice(6)} per group on its slice of the channels and concatenate the results.`,
    };
  }
  const bad = list.filter((a) => tfEnd(a) === null);
  if (bad.length) {
    return {
      ok: false,
      reason: `TensorFlow requires the forward convolution of the output to give back the input, so at most stride − 1 ${bad[0]!.unit} can be added at the end; here ${bad.map((a) => `${a.name}: ${-a.net} zero ${a.unit} appended with stride ${a.s}`).join('; ')}. Use an output shape with stride − 1 (${bad.map((a) => `${a.s - 1} ${a.unit}`).join(' / ')}) appended and pad the output with zeros (tf.pad) for the rest.`,
    };
  }
  const valid = list.every((a) => a.begin === 0 && a.net <= 0 && a.net > -a.s);
  const same = list.every(
    (a) => Math.ceil(a.out / a.s) === a.inSize && Math.floor(Math.max(0, a.full - a.out) / 2) === a.begin,
  );
  const channelsFirst = !g.channelsLast;
  const [lastName, firstName] = DATA_NAMES[g.rank]! as [TensorFlowDataFormat, TensorFlowDataFormat];
  const dataShape = (sizes: readonly number[], c: number): number[] =>
    channelsFirst ? [g.batch, c, ...sizes] : [g.batch, ...sizes, c];
  let padding: TensorFlowParams['padding'];
  if (valid) padding = 'VALID';
  else if (same) padding = 'SAME';
  else if (g.rank === 2) {
    const spatial = list.map((a): [number, number] => [a.begin, tfEnd(a)!]);
    padding = channelsFirst ? [[0, 0], [0, 0], ...spatial] : [[0, 0], ...spatial, [0, 0]];
  } else {
    const slices = list.map((a) => `${a.begin}:${a.begin + a.out}`);
    const index = (channelsFirst ? [':', ':', ...slices] : [':', ...slices, ':']).join(', ');
    const zeros = list.filter((a) => a.net < 0);
    return {
      ok: false,
      reason: `${fn} takes only 'SAME' or 'VALID' padding (no explicit padding), and neither gives this crop (${list.map(describe).join('; ')}). Instead use padding 'VALID' with output_shape [${dataShape(g.fullSizes, g.outChannels).join(', ')}] and slice the result: y[${index}]${zeros.length ? `, then tf.pad the end of the ${zeros.map((a) => `${a.name} with ${-a.net} zeros`).join(' and the ')}` : ''}.`,
    };
  }
  const params: TensorFlowParams = {
    outputShape: dataShape(g.outSizes, g.outChannels),
    strides: compact(list.map((a) => a.s)),
    padding,
    dilations: compact(list.map((a) => a.d)),
    dataFormat: channelsFirst ? firstName : lastName,
  };
  const notes = layoutNote(g, g.channelsLast, true);
  if (channelsFirst) {
    notes.push(
      `TensorFlow's CPU kernels may only run ${lastName}: there, transpose the data and use dataFormat '${lastName}'`,
    );
  }
  return done(params, [...notes, ...epilogueNote(g, 'tf')]);
}

/** Keras's output length of an axis, or null past 2^31 − 1 (a mode this geometry cannot be). */
function kerasLength(a: Axis, padding: 'same' | 'valid', op: number | null): number | null {
  try {
    return kerasOutputLength(a.inSize, a.k, a.s, a.d, padding, op);
  } catch (e) {
    // The axis's own sizes are valid, so the only rule left is that length bound.
    if (e instanceof DeconvError) return null;
    throw e;
  }
}

/**
 * The crop Keras (TensorFlow backend) makes on one axis for a padding mode and output
 * padding, or null where TensorFlow rejects the length.
 */
function kerasAxis(a: Axis, padding: 'same' | 'valid', op: number | null): { begin: number; out: number } | null {
  const out = kerasLength(a, padding, op);
  if (out === null) return null;
  if (padding === 'same') {
    if (Math.ceil(out / a.s) !== a.inSize) return null;
    return { begin: Math.floor(Math.max(0, a.full - out) / 2), out };
  }
  if (out < a.full || out > a.full + a.s - 1) return null;
  return { begin: 0, out };
}

/**
 * `keras.layers.Conv1DTranspose/Conv2DTranspose/Conv3DTranspose` arguments giving the
 * same result, or why none exist. Keras crops only as TensorFlow's 'same' (the larger half
 * at the end) or not at all ('valid'), with one padding mode for every axis, and rejects
 * strides > 1 with dilation > 1.
 *
 * @throws DeconvError('INVALID_ARGUMENT') for invalid shapes or options.
 */
export function toKeras(
  inputShape: readonly number[],
  filterShape: readonly number[],
  options: ConvTransposeOptions = {},
): Conversion<KerasParams> {
  const g = resolveConvTranspose(inputShape, filterShape, options);
  const list = axes(g);
  const layer = `keras.layers.Conv${g.rank}DTranspose`;
  if (g.groups > 1) {
    return {
      ok: false,
      reason: `${layer} has no groups (here ${g.groups}): split the channels, use one Conv${g.rank}DTranspose per group and concatenate.`,
    };
  }
  const strides = list.map((a) => a.s);
  const dilations = list.map((a) => a.d);
  if (Math.max(...strides) > 1 && Math.max(...dilations) > 1) {
    return {
      ok: false,
      reason: `Keras rejects strides > 1 together with dilation_rate > 1 (here strides [${strides.join(', ')}], dilations [${dilations.join(', ')}]); use ${tfName(g.rank)}, which accepts both.`,
    };
  }
  const matches = (a: Axis, padding: 'same' | 'valid', op: number | null): boolean => {
    const r = kerasAxis(a, padding, op);
    return r !== null && r.begin === a.begin && r.out === a.out;
  };
  for (const padding of ['valid', 'same'] as const) {
    let outputPadding: number[] | null | undefined;
    if (list.every((a) => matches(a, padding, null))) {
      outputPadding = null;
    } else {
      // Keras's length grows by one with each unit of output padding, so at most one value
      // in [0, stride) gives the output length: solve for it instead of trying them all.
      const pick = (a: Axis): number | undefined => {
        const base = kerasLength(a, padding, 0);
        if (base === null) return undefined;
        const op = a.out - base;
        return op >= 0 && op < a.s && matches(a, padding, op) ? op : undefined;
      };
      const picked = list.map(pick);
      if (picked.every((op) => op !== undefined)) outputPadding = picked as number[];
    }
    if (outputPadding === undefined) continue;
    const params: KerasParams = {
      filters: g.outChannels,
      kernelSize: compact(g.kernelSizes),
      strides: compact(strides),
      padding,
      ...(outputPadding ? { outputPadding: compact(outputPadding) } : {}),
      dilationRate: compact(dilations),
      dataFormat: g.channelsLast ? 'channels_last' : 'channels_first',
      useBias: g.bias !== null,
    };
    const notes = layoutNote(g, g.channelsLast, true);
    if (!g.channelsLast) {
      notes.push(
        `TensorFlow's CPU kernels may only run ${DATA_NAMES[g.rank]![0]}: there, transpose the data and use 'channels_last'`,
      );
    }
    return done(params, [...notes, ...epilogueNote(g, 'keras')]);
  }
  const crop = (a: Axis): string => `(${a.begin}, ${Math.max(a.net, 0)})`;
  const zeros = list.some((a) => a.net < 0);
  const cropping = g.rank === 1 ? crop(list[0]!) : `(${list.map(crop).join(', ')})`;
  return {
    ok: false,
    reason: `Keras crops either nothing ('valid') or as TensorFlow's 'same' (the larger half at the end); this crop is ${list.map(describe).join('; ')}. Instead use padding='valid', output_padding=0 and a Cropping${g.rank}D(${cropping}) layer${zeros ? `, then ZeroPadding${g.rank}D for the appended zeros` : ''}.`,
  };
}

/**
 * ONNX `ConvTranspose` attributes (explicit pads) giving the same result in onnxruntime,
 * or why none exist. onnxruntime requires output_padding < stride in effect (the forward
 * Conv of the output must give back the input).
 *
 * @throws DeconvError('INVALID_ARGUMENT') for invalid shapes or options.
 */
export function toOnnx(
  inputShape: readonly number[],
  filterShape: readonly number[],
  options: ConvTransposeOptions = {},
): Conversion<OnnxParams> {
  const g = resolveConvTranspose(inputShape, filterShape, options);
  const list = axes(g);
  const split = (a: Axis): [number, number] | null => {
    if (a.outputPadding < a.s) return [a.end, a.outputPadding];
    const end = Math.max(0, a.net);
    return end - a.net < a.s ? [end, end - a.net] : null;
  };
  const splits = list.map(split);
  if (splits.some((s) => s === null)) {
    const bad = list.filter((_, i) => splits[i] === null);
    return {
      ok: false,
      reason: `onnxruntime requires the forward Conv of the output to give back the input, so output_padding must be < stride; here ${bad.map((a) => `${a.name}: ${-a.net} zero ${a.unit} appended with stride ${a.s}`).join('; ')}. Use output_padding = stride − 1 and append the remaining zeros with a Pad node.`,
    };
  }
  const ends = splits as [number, number][];
  const params: OnnxParams = {
    pads: [...list.map((a) => a.begin), ...ends.map((s) => s[0])],
    outputPadding: ends.map((s) => s[1]),
    strides: list.map((a) => a.s),
    dilations: list.map((a) => a.d),
    group: g.groups,
    kernelShape: [...g.kernelSizes],
  };
  return done(params, [...layoutNote(g, false, false), ...epilogueNote(g, 'onnx')]);
}

/**
 * Caffe `Deconvolution` fields giving the same result, or why none exist. Caffe crops
 * `pad` from both ends and has no output padding.
 *
 * @throws DeconvError('INVALID_ARGUMENT') for invalid shapes or options.
 */
export function toCaffe(
  inputShape: readonly number[],
  filterShape: readonly number[],
  options: ConvTransposeOptions = {},
): Conversion<CaffeParams> {
  const g = resolveConvTranspose(inputShape, filterShape, options);
  const list = axes(g);
  const bad = list.filter((a) => a.net !== a.begin);
  if (bad.length) {
    const window = list.map((a) => `${a.unit} ${a.begin}…${a.begin + a.out - 1}`).join(', ');
    return {
      ok: false,
      reason: `Caffe's Deconvolution crops pad equally from both ends and has no output padding; here ${bad.map(describe).join('; ')}. Instead use pad: 0 and crop the result to ${window} (a Crop layer, or after the net${list.some((a) => a.net < 0) ? '; pad with zeros past the end' : ''}).`,
    };
  }
  const params: CaffeParams = { numOutput: g.outChannels, biasTerm: g.bias !== null };
  const kernel = compact(g.kernelSizes);
  const stride = compact(list.map((a) => a.s));
  const pad = compact(list.map((a) => a.begin));
  if (g.rank === 2) {
    // Caffe's own 2-D spelling: one value, or the _h/_w pair.
    const [h, w] = list as [Axis, Axis];
    if (typeof kernel === 'number') params.kernelSize = kernel;
    else [params.kernelH, params.kernelW] = [h.k, w.k];
    if (typeof stride === 'number') params.stride = stride;
    else [params.strideH, params.strideW] = [h.s, w.s];
    if (typeof pad === 'number') params.pad = pad;
    else [params.padH, params.padW] = [h.begin, w.begin];
  } else {
    params.kernelSize = kernel;
    params.stride = stride;
    params.pad = pad;
  }
  params.dilation = compact(list.map((a) => a.d));
  params.group = g.groups;
  return done(params, [...layoutNote(g, false, false), ...epilogueNote(g, 'caffe')]);
}

/**
 * The parameters giving the same result in every supported framework (or why a
 * framework has none), plus the canonical options with padding and outputPadding
 * spelled out. The canonical options' type follows the input shape's type, as the
 * adapters' results do.
 *
 * @throws DeconvError('INVALID_ARGUMENT') for invalid shapes or options.
 */
export function equivalents(
  inputShape: Shape1d,
  filterShape: readonly number[],
  options?: ConvTransposeOptions,
): Equivalents<ConvTranspose1dOptions>;
export function equivalents(
  inputShape: Shape3d,
  filterShape: readonly number[],
  options?: ConvTransposeOptions,
): Equivalents<ConvTranspose3dOptions>;
export function equivalents(
  inputShape: readonly number[],
  filterShape: readonly number[],
  options?: ConvTransposeOptions,
): Equivalents;
export function equivalents(
  inputShape: readonly number[],
  filterShape: readonly number[],
  options: ConvTransposeOptions = {},
): Equivalents<ConvTransposeOptions> {
  // Resolve once, then convert the snapshot: the caller's arrays are not read again.
  const g = resolveConvTranspose(inputShape, filterShape, options);
  const canonical: ConvTransposeOptions = {
    strides: [...g.strides],
    dilations: [...g.dilations],
    padding: [...g.padding],
    outputPadding: [...g.outputPadding],
    groups: g.groups,
    inputLayout: g.inputLayout,
    filterLayout: g.filterLayout,
  };
  if (g.bias) canonical.bias = g.bias;
  if (g.activation) canonical.activation = g.activation;
  if (g.activation === 'leakyRelu') canonical.leakyReluAlpha = g.leakyReluAlpha;
  const [x, w] = [g.inputShape, g.filterShape];
  return {
    canonical,
    torch: toTorch(x, w, canonical),
    tensorflow: toTensorFlow(x, w, canonical),
    keras: toKeras(x, w, canonical),
    onnx: toOnnx(x, w, canonical),
    caffe: toCaffe(x, w, canonical),
  };
}
