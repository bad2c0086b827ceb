import { resolveConvTranspose2d } from './geometry.js';
import { kerasOutputLength } from './frameworks.js';
import type { CaffeParams, KerasParams, OnnxParams, TensorFlowParams, TorchParams } from './frameworks.js';
import type { ConvTranspose2dGeometry, ConvTranspose2dOptions } from './types.js';

/**
 * The parameters giving the same result in one framework, or why none exist.
 * `note` says what else to do (transpose the data, add the bias or activation).
 */
export type Conversion<P> = { ok: true; params: P; note?: string } | { ok: false; reason: string };

/** Every framework's equivalent of one set of options, plus the canonical form. */
export interface Equivalents {
  /** The options with padding and outputPadding spelled out (no outputSizes). */
  canonical: ConvTranspose2dOptions;
  torch: Conversion<TorchParams>;
  tensorflow: Conversion<TensorFlowParams>;
  keras: Conversion<KerasParams>;
  onnx: Conversion<OnnxParams>;
  caffe: Conversion<CaffeParams>;
}

/**
 * One axis of a resolved geometry. The values depend only on `begin` (rows cropped
 * at the top/left) and `out`; `net` = full − begin − out is what is cropped at the
 * end (negative: that many zero rows are appended).
 */
interface Axis {
  name: 'height' | 'width';
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

function axes(g: ConvTranspose2dGeometry): [Axis, Axis] {
  const make = (i: 0 | 1): Axis => {
    const full = i === 0 ? g.fullHeight : g.fullWidth;
    const out = i === 0 ? g.outHeight : g.outWidth;
    const begin = g.padding[2 * i]!;
    return {
      name: i === 0 ? 'height' : 'width',
      inSize: i === 0 ? g.inHeight : g.inWidth,
      k: i === 0 ? g.kernelHeight : g.kernelWidth,
      s: g.strides[i]!,
      d: g.dilations[i]!,
      full,
      begin,
      end: g.padding[2 * i + 1]!,
      outputPadding: g.outputPadding[i]!,
      out,
      net: full - begin - out,
    };
  };
  return [make(0), make(1)];
}

/** A scalar when both axes agree, as the frameworks print it. */
function compact(a: number, b: number): number | [number, number] {
  return a === b ? a : [a, b];
}

/** `F.pad` amounts (left, right, top, bottom) that cut the full result down to the output. */
function cropRecipe(h: Axis, w: Axis): string {
  return `(${-w.begin}, ${-w.net}, ${-h.begin}, ${-h.net})`;
}

function describe(a: Axis): string {
  const end = a.net >= 0 ? `${a.net} at the end` : `${-a.net} zero rows appended at the end`;
  return `${a.name}: ${a.begin} cropped at the beginning, ${end}`;
}

/** The data layouts a framework takes, and what to transpose to get there. */
function layoutNote(g: ConvTranspose2dGeometry, input: 'nchw' | 'nhwc', filter: 'iohw' | 'hwoi'): string[] {
  const notes: string[] = [];
  if (g.inputLayout !== input) {
    notes.push(
      input === 'nchw'
        ? 'the input is NHWC here: transpose it to NCHW (x.permute(0, 3, 1, 2)) and the output back'
        : 'the input is NCHW here: transpose it to NHWC (tf.transpose(x, [0, 2, 3, 1])) and the output back',
    );
  }
  if (g.filterLayout !== filter) {
    const perm: Record<string, string> = {
      'hwoi>iohw': 'permute(3, 2, 0, 1)',
      'ohwi>iohw': 'permute(3, 0, 1, 2)',
      'iohw>hwoi': 'transpose [2, 3, 1, 0]',
      'ohwi>hwoi': 'transpose [1, 2, 0, 3]',
    };
    const name = filter === 'iohw' ? '[in, out/groups, kH, kW]' : '[kH, kW, out, in]';
    notes.push(
      `the filter is '${g.filterLayout}' here: reorder it to ${name} (${perm[`${g.filterLayout}>${filter}`]})`,
    );
  }
  return notes;
}

type Framework = 'torch' | 'tf' | 'keras' | 'onnx' | 'caffe';

function epilogueNote(g: ConvTranspose2dGeometry, fw: Framework): string[] {
  const notes: string[] = [];
  if (g.bias && fw === 'tf') notes.push('add the bias with tf.nn.bias_add');
  if (g.bias && fw === 'onnx') notes.push('pass the bias as input B');
  if (g.activation) {
    const alpha = g.leakyReluAlpha;
    const names: Record<Framework, Record<string, string>> = {
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
    };
    notes.push(`apply the activation with ${names[fw][g.activation]}`);
  }
  return notes;
}

function done<P>(params: P, notes: string[]): Conversion<P> {
  return notes.length ? { ok: true, params, note: notes.join('; ') + '.' } : { ok: true, params };
}

/**
 * `nn.ConvTranspose2d` arguments giving the same result, or why none exist.
 * PyTorch crops `padding` from both ends and adds `output_padding` (< max(stride,
 * dilation)) at the end only, so an asymmetric crop has no equivalent.
 */
export function toTorch(
  inputShape: readonly number[],
  filterShape: readonly number[],
  options: ConvTranspose2dOptions = {},
): Conversion<TorchParams> {
  const g = resolveConvTranspose2d(inputShape, filterShape, options);
  const [h, w] = axes(g);
  const bad = [h, w].filter((a) => a.net > a.begin || a.begin - a.net >= Math.max(a.s, a.d));
  if (bad.length) {
    const why = bad
      .map((a) =>
        a.net > a.begin
          ? `${describe(a)}: PyTorch crops padding equally from both ends and can only add rows at the end`
          : `${describe(a)}: that needs output_padding ${a.begin - a.net}, but PyTorch requires it < max(stride, dilation) = ${Math.max(a.s, a.d)}`,
      )
      .join('; ');
    return {
      ok: false,
      reason: `No nn.ConvTranspose2d padding reproduces this crop (${why}). Instead run it with padding=0, output_padding=0 and crop the result: F.pad(y, ${cropRecipe(h, w)}) (negative amounts crop, positive ones pad with zeros).`,
    };
  }
  const params: TorchParams = {
    inChannels: g.inChannels,
    outChannels: g.outChannels,
    kernelSize: compact(g.kernelHeight, g.kernelWidth),
    stride: compact(h.s, w.s),
    padding: compact(h.begin, w.begin),
    outputPadding: compact(h.begin - h.net, w.begin - w.net),
    groups: g.groups,
    bias: g.bias !== null,
    dilation: compact(h.d, w.d),
  };
  return done(params, [...layoutNote(g, 'nchw', 'iohw'), ...epilogueNote(g, 'torch')]);
}

/** TensorFlow's [before, after] at the end of one axis: the `end` in [max(0, net), net + s − 1]. */
function tfEnd(a: Axis): number | null {
  const lo = Math.max(0, a.net);
  const hi = a.net + a.s - 1;
  if (lo > hi) return null;
  return Math.min(Math.max(a.end, lo), hi);
}

/**
 * `tf.nn.conv2d_transpose` arguments giving the same result, or why none exist.
 * Uses 'VALID' or 'SAME' when they give the same crop, explicit padding otherwise,
 * and `dataFormat: 'NCHW'` for NCHW data.
 */
export function toTensorFlow(
  inputShape: readonly number[],
  filterShape: readonly number[],
  options: ConvTranspose2dOptions = {},
): Conversion<TensorFlowParams> {
  const g = resolveConvTranspose2d(inputShape, filterShape, options);
  const [h, w] = axes(g);
  if (g.groups > 1) {
    return {
      ok: false,
      reason: `tf.nn.conv2d_transpose has no groups (here ${g.groups}): run one conv2d_transpose per group on its slice of the channels and concatenate the results.`,
    };
  }
  const bad = [h, w].filter((a) => tfEnd(a) === null);
  if (bad.length) {
    return {
      ok: false,
      reason: `TensorFlow requires the forward convolution of the output to give back the input, so at most stride − 1 rows can be added at the end; here ${bad.map((a) => `${a.name}: ${-a.net} zero rows appended with stride ${a.s}`).join('; ')}. Use explicit padding with ${bad.map((a) => `${a.s - 1} rows`).join(' / ')} appended and pad the output with zeros (tf.pad) for the rest.`,
    };
  }
  const valid = [h, w].every((a) => a.begin === 0 && a.net <= 0 && a.net > -a.s);
  const same = [h, w].every(
    (a) => Math.ceil(a.out / a.s) === a.inSize && Math.floor(Math.max(0, a.full - a.out) / 2) === a.begin,
  );
  const nchw = g.inputLayout === 'nchw';
  const [eh, ew] = [tfEnd(h)!, tfEnd(w)!];
  const padding: TensorFlowParams['padding'] = valid
    ? 'VALID'
    : same
      ? 'SAME'
      : nchw
        ? [
            [0, 0],
            [0, 0],
            [h.begin, eh],
            [w.begin, ew],
          ]
        : [
            [0, 0],
            [h.begin, eh],
            [w.begin, ew],
            [0, 0],
          ];
  const params: TensorFlowParams = {
    outputShape: nchw ? [g.batch, g.outChannels, h.out, w.out] : [g.batch, h.out, w.out, g.outChannels],
    strides: compact(h.s, w.s),
    padding,
    dilations: compact(h.d, w.d),
    dataFormat: nchw ? 'NCHW' : 'NHWC',
  };
  const notes = layoutNote(g, g.inputLayout, 'hwoi');
  if (nchw)
    notes.push("TensorFlow's CPU kernels may only run NHWC: there, transpose the data and use dataFormat 'NHWC'");
  return done(params, [...notes, ...epilogueNote(g, 'tf')]);
}

/**
 * The crop Keras (TensorFlow backend) makes on one axis for a padding mode and
 * output padding, or null where TensorFlow rejects the length.
 */
function kerasAxis(a: Axis, padding: 'same' | 'valid', op: number | null): { begin: number; out: number } | null {
  const out = kerasOutputLength(a.inSize, a.k, a.s, a.d, padding, op);
  if (padding === 'same') {
    if (Math.ceil(out / a.s) !== a.inSize) return null;
    return { begin: Math.floor(Math.max(0, a.full - out) / 2), out };
  }
  if (out < a.full || out > a.full + a.s - 1) return null;
  return { begin: 0, out };
}

/**
 * `keras.layers.Conv2DTranspose` arguments giving the same result, or why none
 * exist. Keras crops only as TensorFlow's 'same' (the larger half at the end) or
 * not at all ('valid'), and rejects strides > 1 with dilation > 1.
 */
export function toKeras(
  inputShape: readonly number[],
  filterShape: readonly number[],
  options: ConvTranspose2dOptions = {},
): Conversion<KerasParams> {
  const g = resolveConvTranspose2d(inputShape, filterShape, options);
  const [h, w] = axes(g);
  if (g.groups > 1) {
    return {
      ok: false,
      reason: `keras.layers.Conv2DTranspose has no groups (here ${g.groups}): split the channels, use one Conv2DTranspose per group and concatenate.`,
    };
  }
  if (Math.max(h.s, w.s) > 1 && Math.max(h.d, w.d) > 1) {
    return {
      ok: false,
      reason: `Keras rejects strides > 1 together with dilation_rate > 1 (here strides [${h.s}, ${w.s}], dilations [${h.d}, ${w.d}]); use tf.nn.conv2d_transpose, which accepts both.`,
    };
  }
  const matches = (a: Axis, padding: 'same' | 'valid', op: number | null): boolean => {
    const r = kerasAxis(a, padding, op);
    return r !== null && r.begin === a.begin && r.out === a.out;
  };
  for (const padding of ['valid', 'same'] as const) {
    let outputPadding: [number, number] | null | undefined;
    if (matches(h, padding, null) && matches(w, padding, null)) {
      outputPadding = null;
    } else {
      const pick = (a: Axis): number | undefined => [...Array(a.s).keys()].find((op) => matches(a, padding, op));
      const [oh, ow] = [pick(h), pick(w)];
      if (oh !== undefined && ow !== undefined) outputPadding = [oh, ow];
    }
    if (outputPadding === undefined) continue;
    const params: KerasParams = {
      filters: g.outChannels,
      kernelSize: compact(g.kernelHeight, g.kernelWidth),
      strides: compact(h.s, w.s),
      padding,
      ...(outputPadding ? { outputPadding: compact(outputPadding[0], outputPadding[1]) } : {}),
      dilationRate: compact(h.d, w.d),
      dataFormat: g.inputLayout === 'nchw' ? 'channels_first' : 'channels_last',
      useBias: g.bias !== null,
    };
    const notes = layoutNote(g, g.inputLayout, 'hwoi');
    if (g.inputLayout === 'nchw') {
      notes.push("TensorFlow's CPU kernels may only run NHWC: there, transpose the data and use 'channels_last'");
    }
    return done(params, [...notes, ...epilogueNote(g, 'keras')]);
  }
  const crop = (a: Axis): string => `(${a.begin}, ${Math.max(a.net, 0)})`;
  const zeros = [h, w].some((a) => a.net < 0);
  return {
    ok: false,
    reason: `Keras crops either nothing ('valid') or as TensorFlow's 'same' (the larger half at the end); this crop is ${describe(h)}; ${describe(w)}. Instead use padding='valid', output_padding=0 and a Cropping2D((${crop(h)}, ${crop(w)})) layer${zeros ? ', then ZeroPadding2D for the appended zero rows' : ''}.`,
  };
}

/**
 * ONNX `ConvTranspose` attributes (explicit pads) giving the same result in
 * onnxruntime, or why none exist. onnxruntime requires output_padding < stride
 * in effect (the forward Conv of the output must give back the input).
 */
export function toOnnx(
  inputShape: readonly number[],
  filterShape: readonly number[],
  options: ConvTranspose2dOptions = {},
): Conversion<OnnxParams> {
  const g = resolveConvTranspose2d(inputShape, filterShape, options);
  const [h, w] = axes(g);
  const split = (a: Axis): [number, number] | null => {
    if (a.outputPadding < a.s) return [a.end, a.outputPadding];
    const end = Math.max(0, a.net);
    return end - a.net < a.s ? [end, end - a.net] : null;
  };
  const [sh, sw] = [split(h), split(w)];
  if (!sh || !sw) {
    const bad = [h, w].filter((a) => !split(a));
    return {
      ok: false,
      reason: `onnxruntime requires the forward Conv of the output to give back the input, so output_padding must be < stride; here ${bad.map((a) => `${a.name}: ${-a.net} zero rows appended with stride ${a.s}`).join('; ')}. Use output_padding = stride − 1 and append the remaining zero rows with a Pad node.`,
    };
  }
  const params: OnnxParams = {
    pads: [h.begin, w.begin, sh[0], sw[0]],
    outputPadding: [sh[1], sw[1]],
    strides: [h.s, w.s],
    dilations: [h.d, w.d],
    group: g.groups,
    kernelShape: [g.kernelHeight, g.kernelWidth],
  };
  return done(params, [...layoutNote(g, 'nchw', 'iohw'), ...epilogueNote(g, 'onnx')]);
}

/**
 * Caffe `Deconvolution` fields giving the same result, or why none exist. Caffe
 * crops `pad` from both ends and has no output padding.
 */
export function toCaffe(
  inputShape: readonly number[],
  filterShape: readonly number[],
  options: ConvTranspose2dOptions = {},
): Conversion<CaffeParams> {
  const g = resolveConvTranspose2d(inputShape, filterShape, options);
  const [h, w] = axes(g);
  const bad = [h, w].filter((a) => a.net !== a.begin);
  if (bad.length) {
    return {
      ok: false,
      reason: `Caffe's Deconvolution crops pad equally from both ends and has no output padding; here ${bad.map(describe).join('; ')}. Instead use pad: 0 and crop the result to rows ${h.begin}…${h.begin + h.out - 1}, columns ${w.begin}…${w.begin + w.out - 1} (a Crop layer, or after the net${[h, w].some((a) => a.net < 0) ? '; pad with zeros past the end' : ''}).`,
    };
  }
  const params: CaffeParams = { numOutput: g.outChannels, biasTerm: g.bias !== null };
  if (g.kernelHeight === g.kernelWidth) params.kernelSize = g.kernelHeight;
  else [params.kernelH, params.kernelW] = [g.kernelHeight, g.kernelWidth];
  if (h.s === w.s) params.stride = h.s;
  else [params.strideH, params.strideW] = [h.s, w.s];
  if (h.begin === w.begin) params.pad = h.begin;
  else [params.padH, params.padW] = [h.begin, w.begin];
  params.dilation = h.d === w.d ? h.d : [h.d, w.d];
  params.group = g.groups;
  return done(params, [...layoutNote(g, 'nchw', 'iohw'), ...epilogueNote(g, 'caffe')]);
}

/**
 * The parameters giving the same result in every supported framework (or why a
 * framework has none), plus the canonical options with padding and outputPadding
 * spelled out.
 */
export function equivalents(
  inputShape: readonly number[],
  filterShape: readonly number[],
  options: ConvTranspose2dOptions = {},
): Equivalents {
  const g = resolveConvTranspose2d(inputShape, filterShape, options);
  const canonical: ConvTranspose2dOptions = {
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
  return {
    canonical,
    torch: toTorch(inputShape, filterShape, options),
    tensorflow: toTensorFlow(inputShape, filterShape, options),
    keras: toKeras(inputShape, filterShape, options),
    onnx: toOnnx(inputShape, filterShape, options),
    caffe: toCaffe(inputShape, filterShape, options),
  };
}
