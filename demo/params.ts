/**
 * The explorer's frameworks: the fields each one shows, in its own terms, and how
 * their text turns into that framework's adapter call. Pure: no DOM.
 */
import {
  DeconvError,
  fromCaffe,
  fromKeras,
  fromOnnx,
  fromTensorFlow,
  fromTorch,
  type ConvTranspose2dOptions,
} from '../src/index.js';

/** A framework the explorer speaks. */
export type FrameworkId = 'torch' | 'tensorflow' | 'keras' | 'onnx' | 'caffe' | 'canonical';

/** One framework-specific parameter field. */
export interface FieldSpec {
  /** The adapter's parameter name (camelCase), used as the field's id suffix. */
  key: string;
  /** The name the framework's users know (snake_case as in its docs). */
  label: string;
  kind: 'ints' | 'select';
  /** Choices for `select`. */
  choices?: readonly string[];
  /** Default text. */
  value: string;
  /** Shown under the field. */
  hint?: string;
  /** Blank means "not given". */
  optional?: boolean;
  /** Only shown when this returns true for the current values. */
  visible?: (values: Record<string, string>) => boolean;
}

/** A framework's fields and its adapter. */
export interface FrameworkSpec {
  id: FrameworkId;
  name: string;
  /** How the layer is spelled there, shown above its fields. */
  call: string;
  fields: readonly FieldSpec[];
}

/** Sizes shared by every framework: the input and the filter. */
export interface CommonSizes {
  height: number;
  width: number;
  inChannels: number;
  outChannels: number;
  kernelHeight: number;
  kernelWidth: number;
}

/** What the explorer resolves: shapes in the framework's layouts and the canonical options. */
export interface Resolved {
  inputShape: number[];
  filterShape: number[];
  options: ConvTranspose2dOptions;
  /** The adapter call, as code, for display. */
  code: string;
}

/** The frameworks in the order the picker lists them. */
export const FRAMEWORKS: readonly FrameworkSpec[] = [
  {
    id: 'torch',
    name: 'PyTorch',
    call: 'nn.ConvTranspose2d',
    fields: [
      { key: 'stride', label: 'stride', kind: 'ints', value: '2' },
      { key: 'padding', label: 'padding', kind: 'ints', value: '1' },
      { key: 'outputPadding', label: 'output_padding', kind: 'ints', value: '1' },
      { key: 'dilation', label: 'dilation', kind: 'ints', value: '1' },
      { key: 'groups', label: 'groups', kind: 'ints', value: '1' },
      {
        key: 'outputSize',
        label: 'forward(x, output_size)',
        kind: 'ints',
        value: '',
        optional: true,
        hint: 'H, W; blank = not given',
      },
    ],
  },
  {
    id: 'tensorflow',
    name: 'TensorFlow',
    call: 'tf.nn.conv2d_transpose',
    fields: [
      { key: 'strides', label: 'strides', kind: 'ints', value: '2' },
      { key: 'padding', label: 'padding', kind: 'select', choices: ['SAME', 'VALID', 'EXPLICIT'], value: 'SAME' },
      {
        key: 'explicitPadding',
        label: 'explicit padding',
        kind: 'ints',
        value: '1, 1, 1, 1',
        hint: 'top, bottom, left, right',
        visible: (v) => v.padding === 'EXPLICIT',
      },
      {
        key: 'outputShape',
        label: 'output_shape (H, W)',
        kind: 'ints',
        value: '',
        optional: true,
        hint: 'blank = TensorFlow’s usual size for this padding',
      },
      { key: 'dilations', label: 'dilations', kind: 'ints', value: '1' },
      { key: 'dataFormat', label: 'data_format', kind: 'select', choices: ['NHWC', 'NCHW'], value: 'NHWC' },
    ],
  },
  {
    id: 'keras',
    name: 'Keras',
    call: 'keras.layers.Conv2DTranspose',
    fields: [
      { key: 'strides', label: 'strides', kind: 'ints', value: '2' },
      { key: 'padding', label: 'padding', kind: 'select', choices: ['same', 'valid'], value: 'same' },
      {
        key: 'outputPadding',
        label: 'output_padding',
        kind: 'ints',
        value: '',
        optional: true,
        hint: 'blank = None (the minimal shape)',
      },
      { key: 'dilationRate', label: 'dilation_rate', kind: 'ints', value: '1' },
      {
        key: 'dataFormat',
        label: 'data_format',
        kind: 'select',
        choices: ['channels_last', 'channels_first'],
        value: 'channels_last',
      },
    ],
  },
  {
    id: 'onnx',
    name: 'ONNX',
    call: 'ConvTranspose',
    fields: [
      {
        key: 'autoPad',
        label: 'auto_pad',
        kind: 'select',
        choices: ['NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'],
        value: 'NOTSET',
      },
      {
        key: 'pads',
        label: 'pads',
        kind: 'ints',
        value: '1, 1, 1, 1',
        hint: 'top, left, bottom, right (ONNX order)',
        visible: (v) => v.autoPad === 'NOTSET',
      },
      { key: 'strides', label: 'strides', kind: 'ints', value: '2, 2' },
      { key: 'outputPadding', label: 'output_padding', kind: 'ints', value: '1, 1' },
      { key: 'dilations', label: 'dilations', kind: 'ints', value: '1, 1' },
      { key: 'group', label: 'group', kind: 'ints', value: '1' },
      {
        key: 'outputShape',
        label: 'output_shape',
        kind: 'ints',
        value: '',
        optional: true,
        hint: 'H, W; blank = not given',
      },
    ],
  },
  {
    id: 'caffe',
    name: 'Caffe',
    call: 'Deconvolution (convolution_param)',
    fields: [
      { key: 'stride', label: 'stride', kind: 'ints', value: '2', hint: 'one value, or stride_h, stride_w' },
      { key: 'pad', label: 'pad', kind: 'ints', value: '1', hint: 'one value, or pad_h, pad_w' },
      { key: 'dilation', label: 'dilation', kind: 'ints', value: '1' },
      { key: 'group', label: 'group', kind: 'ints', value: '1' },
    ],
  },
  {
    id: 'canonical',
    name: 'Canonical (this library)',
    call: 'ConvTranspose2dOptions',
    fields: [
      { key: 'strides', label: 'strides', kind: 'ints', value: '2, 2' },
      {
        key: 'padding',
        label: 'padding (crop)',
        kind: 'ints',
        value: '1, 1, 1, 1',
        hint: 'top, bottom, left, right; one value = all sides',
      },
      { key: 'outputPadding', label: 'outputPadding', kind: 'ints', value: '1, 1' },
      {
        key: 'outputSizes',
        label: 'outputSizes',
        kind: 'ints',
        value: '',
        optional: true,
        hint: 'H, W; blank = not given',
      },
      { key: 'dilations', label: 'dilations', kind: 'ints', value: '1, 1' },
      { key: 'groups', label: 'groups', kind: 'ints', value: '1' },
    ],
  },
];

/** The spec of one framework. */
export function frameworkSpec(id: FrameworkId): FrameworkSpec {
  const spec = FRAMEWORKS.find((f) => f.id === id);
  if (!spec) throw new Error(`demo: unknown framework ${id}`);
  return spec;
}

/**
 * Parses a field's text: blank → undefined, one number → that number, several →
 * an array. Anything that is not a number becomes NaN, so the library's own
 * validation names it.
 */
export function parseInts(text: string): number | number[] | undefined {
  const parts = text
    .split(/[\s,×x()[\]]+/)
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (parts.length === 0) return undefined;
  const nums = parts.map((p) => (/^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(p) ? Number(p) : NaN));
  return nums.length === 1 ? nums[0] : nums;
}

function given(values: Record<string, string>, key: string): number | number[] | undefined {
  return parseInts(values[key] ?? '');
}

/** A scalar repeated `n` times, an array as is, for the canonical form's convenience. */
function spread(v: number | number[] | undefined, n: number): number[] | undefined {
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v : Array.from({ length: n }, () => v);
}

function pairOf(v: number | number[] | undefined, def: number): [number, number] {
  if (v === undefined) return [def, def];
  if (Array.isArray(v)) return [v[0] ?? NaN, v[1] ?? v[0] ?? NaN];
  return [v, v];
}

/** Output channels per group, or the library's error when groups does not divide them. */
function perGroup(outChannels: number, groups: number | number[] | undefined, param: string): number {
  const g = typeof groups === 'number' ? groups : 1;
  if (Number.isSafeInteger(g) && g >= 1 && outChannels % g !== 0) {
    throw new DeconvError(
      'INVALID_ARGUMENT',
      `${param} = ${g}: must divide the output channels (${outChannels})`,
      param,
    );
  }
  return Number.isSafeInteger(g) && g >= 1 ? outChannels / g : outChannels;
}

/** Renders a parameter object as code: `{ stride: 2, padding: [1, 1] }`. */
export function showObject(obj: object): string {
  const parts = Object.entries(obj)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}: ${showValue(v)}`);
  return `{ ${parts.join(', ')} }`;
}

function showValue(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (Array.isArray(v)) return `[${v.map(showValue).join(', ')}]`;
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}(…)`;
  if (v !== null && typeof v === 'object') return showObject(v);
  return String(v);
}

/**
 * Builds the adapter call for `id` from the field texts and the common sizes, and
 * runs it. Throws the library's DeconvError for invalid parameters.
 */
export function resolveFramework(id: FrameworkId, values: Record<string, string>, s: CommonSizes): Resolved {
  const k: [number, number] = [s.kernelHeight, s.kernelWidth];
  switch (id) {
    case 'torch': {
      const groups = given(values, 'groups');
      const params = {
        stride: given(values, 'stride'),
        padding: given(values, 'padding'),
        outputPadding: given(values, 'outputPadding'),
        dilation: given(values, 'dilation'),
        groups,
        outputSize: given(values, 'outputSize'),
      };
      const inputShape = [1, s.inChannels, s.height, s.width];
      const filterShape = [s.inChannels, perGroup(s.outChannels, groups, 'groups'), ...k];
      const options = fromTorch(params as Parameters<typeof fromTorch>[0], inputShape, filterShape);
      return { inputShape, filterShape, options, code: `fromTorch(${showObject(params)}, …)` };
    }
    case 'tensorflow': {
      const nhwc = values.dataFormat !== 'NCHW';
      const inputShape = nhwc ? [1, s.height, s.width, s.inChannels] : [1, s.inChannels, s.height, s.width];
      // tf.nn.conv2d_transpose's filter is [h, w, out, in].
      const filterShape = [...k, s.outChannels, s.inChannels];
      const strides = given(values, 'strides');
      const dilations = given(values, 'dilations');
      let padding: string | number[][] = values.padding ?? 'SAME';
      let explicit: [number, number, number, number] = [0, 0, 0, 0];
      if (padding === 'EXPLICIT') {
        const p = spread(given(values, 'explicitPadding'), 4) ?? [0, 0, 0, 0];
        explicit = [p[0] ?? NaN, p[1] ?? NaN, p[2] ?? NaN, p[3] ?? NaN];
        const hw = [
          [explicit[0], explicit[1]],
          [explicit[2], explicit[3]],
        ];
        padding = nhwc ? [[0, 0], ...hw, [0, 0]] : [[0, 0], [0, 0], ...hw];
      }
      let out = given(values, 'outputShape');
      if (out === undefined) out = naturalTfSize(s, padding, pairOf(strides, 1), pairOf(dilations, 1), explicit);
      const [oh, ow] = pairOf(out, NaN);
      const outputShape = nhwc ? [1, oh, ow, s.outChannels] : [1, s.outChannels, oh, ow];
      const params = {
        outputShape,
        strides,
        padding,
        dilations,
        dataFormat: nhwc ? 'NHWC' : 'NCHW',
      };
      const options = fromTensorFlow(params as Parameters<typeof fromTensorFlow>[0], inputShape, filterShape);
      return { inputShape, filterShape, options, code: `fromTensorFlow(${showObject(params)}, …)` };
    }
    case 'keras': {
      const last = values.dataFormat !== 'channels_first';
      const inputShape = last ? [1, s.height, s.width, s.inChannels] : [1, s.inChannels, s.height, s.width];
      // Keras stores a Conv2DTranspose kernel as [h, w, out, in].
      const filterShape = [...k, s.outChannels, s.inChannels];
      const params = {
        filters: s.outChannels,
        kernelSize: k,
        strides: given(values, 'strides'),
        padding: values.padding ?? 'same',
        outputPadding: given(values, 'outputPadding'),
        dilationRate: given(values, 'dilationRate'),
        dataFormat: last ? 'channels_last' : 'channels_first',
      };
      const options = fromKeras(params as Parameters<typeof fromKeras>[0], inputShape, filterShape);
      return { inputShape, filterShape, options, code: `fromKeras(${showObject(params)}, …)` };
    }
    case 'onnx': {
      const group = given(values, 'group');
      const inputShape = [1, s.inChannels, s.height, s.width];
      const filterShape = [s.inChannels, perGroup(s.outChannels, group, 'group'), ...k];
      const autoPad = values.autoPad ?? 'NOTSET';
      const params = {
        autoPad,
        pads: autoPad === 'NOTSET' ? given(values, 'pads') : undefined,
        strides: given(values, 'strides'),
        outputPadding: given(values, 'outputPadding'),
        dilations: given(values, 'dilations'),
        group,
        outputShape: given(values, 'outputShape'),
        kernelShape: k,
      };
      const options = fromOnnx(params as Parameters<typeof fromOnnx>[0], inputShape, filterShape);
      return { inputShape, filterShape, options, code: `fromOnnx(${showObject(params)}, …)` };
    }
    case 'caffe': {
      const group = given(values, 'group');
      const inputShape = [1, s.inChannels, s.height, s.width];
      const filterShape = [s.inChannels, perGroup(s.outChannels, group, 'group'), ...k];
      const stride = given(values, 'stride');
      const pad = given(values, 'pad');
      const params: Record<string, unknown> = { numOutput: s.outChannels };
      if (k[0] === k[1]) params.kernelSize = k[0];
      else Object.assign(params, { kernelH: k[0], kernelW: k[1] });
      if (Array.isArray(stride)) Object.assign(params, { strideH: stride[0], strideW: stride[1] });
      else params.stride = stride;
      if (Array.isArray(pad)) Object.assign(params, { padH: pad[0], padW: pad[1] });
      else params.pad = pad;
      params.dilation = given(values, 'dilation');
      params.group = group;
      const options = fromCaffe(params as Parameters<typeof fromCaffe>[0], inputShape, filterShape);
      return { inputShape, filterShape, options, code: `fromCaffe(${showObject(params)}, …)` };
    }
    case 'canonical': {
      const groups = given(values, 'groups');
      const inputShape = [1, s.inChannels, s.height, s.width];
      const filterShape = [s.inChannels, perGroup(s.outChannels, groups, 'groups'), ...k];
      const options = {
        strides: spread(given(values, 'strides'), 2),
        padding: spread(given(values, 'padding'), 4),
        outputPadding: spread(given(values, 'outputPadding'), 2),
        outputSizes: spread(given(values, 'outputSizes'), 2),
        dilations: spread(given(values, 'dilations'), 2),
        groups,
      } as ConvTranspose2dOptions;
      for (const key of Object.keys(options) as (keyof ConvTranspose2dOptions)[]) {
        if (options[key] === undefined) delete options[key];
      }
      return { inputShape, filterShape, options, code: '' };
    }
  }
}

/**
 * The output size TensorFlow users usually pass: in·stride for SAME, the full size for
 * VALID, the full size less the explicit pads for EXPLICIT. Only a default for a
 * blank field; the adapter still checks it the way TensorFlow does.
 */
function naturalTfSize(
  s: CommonSizes,
  padding: string | number[][],
  strides: [number, number],
  dilations: [number, number],
  explicit: [number, number, number, number],
): [number, number] {
  const full = (n: number, k: number, st: number, d: number) => (n - 1) * st + d * (k - 1) + 1;
  if (padding === 'SAME') return [s.height * strides[0], s.width * strides[1]];
  const fh = full(s.height, s.kernelHeight, strides[0], dilations[0]);
  const fw = full(s.width, s.kernelWidth, strides[1], dilations[1]);
  if (padding === 'VALID') return [fh, fw];
  return [fh - explicit[0] - explicit[1], fw - explicit[2] - explicit[3]];
}

/**
 * Which field an error's parameter names, among the current framework's fields and
 * the common sizes; null when none does. Library params look like
 * `options.outputPadding[0]`, `params.stride` or `filterShape`.
 */
export function fieldForParam(param: string | undefined, spec: FrameworkSpec): string | null {
  if (!param) return null;
  const base = param
    .replace(/^(options|params)\./, '')
    .replace(/\[.*$/, '')
    .replace(/\..*$/, '');
  const keys = spec.fields.map((f) => f.key);
  const lower = base.toLowerCase();
  const direct = keys.find((key) => key.toLowerCase() === lower);
  if (direct) return direct;
  const aliases: Record<string, string[]> = {
    strides: ['stride', 'strides'],
    stride: ['strides', 'stride'],
    strideh: ['stride'],
    stridew: ['stride'],
    dilations: ['dilation', 'dilationRate', 'dilations'],
    dilation: ['dilations', 'dilationRate'],
    dilationrate: ['dilations', 'dilation'],
    padding: ['pad', 'pads', 'padding', 'explicitPadding'],
    pad: ['padding', 'pads'],
    padh: ['pad'],
    padw: ['pad'],
    pads: ['padding', 'pad'],
    outputpadding: ['outputPadding'],
    outputsizes: ['outputSize', 'outputShape', 'outputSizes'],
    outputsize: ['outputSizes', 'outputShape'],
    outputshape: ['outputSize', 'outputSizes', 'outputShape'],
    groups: ['group', 'groups'],
    group: ['groups', 'group'],
    autopad: ['autoPad'],
    inputshape: ['common-input'],
    filtershape: ['common-kernel'],
    kernelsize: ['common-kernel'],
    kernelshape: ['common-kernel'],
    kernelh: ['common-kernel'],
    kernelw: ['common-kernel'],
    filters: ['common-channels'],
    numoutput: ['common-channels'],
  };
  for (const candidate of aliases[lower] ?? []) {
    if (candidate.startsWith('common-') || keys.includes(candidate)) return candidate;
  }
  return null;
}
