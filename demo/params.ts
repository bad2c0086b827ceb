/**
 * The explorer's frameworks: the fields each one shows, in its own terms, how their
 * text is checked and turned into that framework's adapter call, and how a layer
 * converted by the library fills them again. Pure: no DOM.
 */
import {
  DeconvError,
  fromCaffe,
  fromKeras,
  fromOnnx,
  fromTensorFlow,
  fromTorch,
  type CaffeParams,
  type ConvTranspose2dOptions,
  type KerasParams,
  type OnnxParams,
  type TensorFlowParams,
  type TorchParams,
} from '../src/index.js';

/** A framework the explorer speaks. */
export type FrameworkId = 'torch' | 'tensorflow' | 'keras' | 'onnx' | 'caffe' | 'canonical';

/** One framework-specific parameter field. */
export interface FieldSpec {
  /** The adapter's parameter name (camelCase), used as the field's id suffix and URL key. */
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
  /** Smallest value allowed in an `ints` field (default 1). */
  min?: 0 | 1;
  /** How many numbers the field takes (default [1, 2]: one for both axes, or H, W). */
  counts?: readonly number[];
  /** The framework's default, named when a required field is left blank. */
  frameworkDefault?: string;
  /** Only shown when this returns true for the current values. */
  visible?: (values: Record<string, string>) => boolean;
}

/** The six sizes every framework shares, as keys of {@link CommonSizes}. */
export type CommonKey = 'height' | 'width' | 'inChannels' | 'outChannels' | 'kernelHeight' | 'kernelWidth';

/** A framework's fields and its adapter. */
export interface FrameworkSpec {
  id: FrameworkId;
  name: string;
  /** How the layer is spelled there, shown above its fields. */
  call: string;
  /** The shared sizes under the names this framework's users know them by. */
  common: Record<CommonKey, string>;
  fields: readonly FieldSpec[];
}

/** Sizes shared by every framework: the input and the filter. */
export type CommonSizes = Record<CommonKey, number>;

/** The shared size fields: element id, key, default text. */
export const COMMON_FIELDS: readonly { id: string; key: CommonKey; value: string }[] = [
  { id: 'in-height', key: 'height', value: '4' },
  { id: 'in-width', key: 'width', value: '4' },
  { id: 'in-channels', key: 'inChannels', value: '2' },
  { id: 'out-channels', key: 'outChannels', value: '2' },
  { id: 'kernel-height', key: 'kernelHeight', value: '3' },
  { id: 'kernel-width', key: 'kernelWidth', value: '3' },
];

/** What the explorer resolves: shapes in the framework's layouts and the canonical options. */
export interface Resolved {
  inputShape: number[];
  filterShape: number[];
  options: ConvTranspose2dOptions;
  /** The adapter call, as code, for display. */
  code: string;
}

/** An input the demo itself rejects before calling the library: which field, and why. */
export class InputError extends Error {
  constructor(
    /** A framework field's key, or a common field's element id. */
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'InputError';
  }
}

/** Every input error found in one pass over the fields. */
export class InputErrors extends Error {
  constructor(readonly errors: readonly InputError[]) {
    super(errors.map((e) => e.message).join('; '));
    this.name = 'InputErrors';
  }
}

const PAIR = 'one value for both axes, or H, W';

/** The frameworks in the order the picker lists them. */
export const FRAMEWORKS: readonly FrameworkSpec[] = [
  {
    id: 'torch',
    name: 'PyTorch',
    call: 'nn.ConvTranspose2d',
    common: {
      height: 'input H',
      width: 'input W',
      inChannels: 'in_channels',
      outChannels: 'out_channels',
      kernelHeight: 'kernel_size H',
      kernelWidth: 'kernel_size W',
    },
    fields: [
      { key: 'stride', label: 'stride', kind: 'ints', value: '2', frameworkDefault: '1' },
      { key: 'padding', label: 'padding', kind: 'ints', value: '1', min: 0, frameworkDefault: '0' },
      { key: 'outputPadding', label: 'output_padding', kind: 'ints', value: '1', min: 0, frameworkDefault: '0' },
      { key: 'dilation', label: 'dilation', kind: 'ints', value: '1', frameworkDefault: '1' },
      { key: 'groups', label: 'groups', kind: 'ints', value: '1', counts: [1], frameworkDefault: '1' },
      {
        key: 'outputSize',
        label: 'forward(x, output_size)',
        kind: 'ints',
        value: '',
        optional: true,
        counts: [2],
        hint: 'H, W; blank = not given',
      },
    ],
  },
  {
    id: 'tensorflow',
    name: 'TensorFlow',
    call: 'tf.nn.conv2d_transpose',
    common: {
      height: 'input height',
      width: 'input width',
      inChannels: 'in_channels',
      outChannels: 'output_channels',
      kernelHeight: 'filters height',
      kernelWidth: 'filters width',
    },
    fields: [
      { key: 'strides', label: 'strides', kind: 'ints', value: '2', counts: [1, 2, 4] },
      { key: 'padding', label: 'padding', kind: 'select', choices: ['SAME', 'VALID', 'EXPLICIT'], value: 'SAME' },
      {
        key: 'explicitPadding',
        label: 'explicit padding',
        kind: 'ints',
        value: '1, 1, 1, 1',
        min: 0,
        counts: [1, 4],
        hint: 'top, bottom, left, right; one value = every side',
        visible: (v) => v.padding === 'EXPLICIT',
      },
      {
        key: 'outputShape',
        label: 'output_shape (H, W)',
        kind: 'ints',
        value: '',
        optional: true,
        counts: [2],
        hint: 'blank = TensorFlow’s usual size for this padding',
      },
      { key: 'dilations', label: 'dilations', kind: 'ints', value: '1', counts: [1, 2, 4], frameworkDefault: '1' },
      { key: 'dataFormat', label: 'data_format', kind: 'select', choices: ['NHWC', 'NCHW'], value: 'NHWC' },
    ],
  },
  {
    id: 'keras',
    name: 'Keras',
    call: 'keras.layers.Conv2DTranspose',
    common: {
      height: 'input height',
      width: 'input width',
      inChannels: 'input channels',
      outChannels: 'filters',
      kernelHeight: 'kernel_size H',
      kernelWidth: 'kernel_size W',
    },
    fields: [
      { key: 'strides', label: 'strides', kind: 'ints', value: '2', frameworkDefault: '1' },
      { key: 'padding', label: 'padding', kind: 'select', choices: ['same', 'valid'], value: 'same' },
      {
        key: 'outputPadding',
        label: 'output_padding',
        kind: 'ints',
        value: '',
        optional: true,
        min: 0,
        hint: 'blank = None (the minimal shape)',
      },
      { key: 'dilationRate', label: 'dilation_rate', kind: 'ints', value: '1', frameworkDefault: '1' },
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
    common: {
      height: 'X height',
      width: 'X width',
      inChannels: 'C (X channels)',
      outChannels: 'M (out channels)',
      kernelHeight: 'kernel_shape H',
      kernelWidth: 'kernel_shape W',
    },
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
        min: 0,
        counts: [4],
        hint: 'H begin, W begin, H end, W end (ONNX order)',
        frameworkDefault: '0, 0, 0, 0',
        visible: (v) => v.autoPad === 'NOTSET',
      },
      { key: 'strides', label: 'strides', kind: 'ints', value: '2, 2', counts: [2], frameworkDefault: '1, 1' },
      {
        key: 'outputPadding',
        label: 'output_padding',
        kind: 'ints',
        value: '1, 1',
        min: 0,
        counts: [2],
        frameworkDefault: '0, 0',
      },
      { key: 'dilations', label: 'dilations', kind: 'ints', value: '1, 1', counts: [2], frameworkDefault: '1, 1' },
      { key: 'group', label: 'group', kind: 'ints', value: '1', counts: [1], frameworkDefault: '1' },
      {
        key: 'outputShape',
        label: 'output_shape',
        kind: 'ints',
        value: '',
        optional: true,
        counts: [2],
        hint: 'H, W; blank = not given',
      },
    ],
  },
  {
    id: 'caffe',
    name: 'Caffe',
    call: 'Deconvolution (convolution_param)',
    common: {
      height: 'bottom height',
      width: 'bottom width',
      inChannels: 'bottom channels',
      outChannels: 'num_output',
      kernelHeight: 'kernel_h',
      kernelWidth: 'kernel_w',
    },
    fields: [
      {
        key: 'stride',
        label: 'stride',
        kind: 'ints',
        value: '2',
        hint: 'one value, or stride_h, stride_w',
        frameworkDefault: '1',
      },
      {
        key: 'pad',
        label: 'pad',
        kind: 'ints',
        value: '1',
        min: 0,
        hint: 'one value, or pad_h, pad_w',
        frameworkDefault: '0',
      },
      { key: 'dilation', label: 'dilation', kind: 'ints', value: '1', frameworkDefault: '1' },
      { key: 'group', label: 'group', kind: 'ints', value: '1', counts: [1], frameworkDefault: '1' },
    ],
  },
  {
    id: 'canonical',
    name: 'Canonical (this library)',
    call: 'ConvTranspose2dOptions',
    common: {
      height: 'inputShape H',
      width: 'inputShape W',
      inChannels: 'in channels',
      outChannels: 'out channels',
      kernelHeight: 'filter kH',
      kernelWidth: 'filter kW',
    },
    fields: [
      { key: 'strides', label: 'strides', kind: 'ints', value: '2, 2', frameworkDefault: '[1, 1]' },
      {
        key: 'padding',
        label: 'padding (crop)',
        kind: 'ints',
        value: '1, 1, 1, 1',
        min: 0,
        counts: [1, 4],
        hint: 'top, bottom, left, right; one value = every side',
        frameworkDefault: '0',
      },
      {
        key: 'outputPadding',
        label: 'outputPadding',
        kind: 'ints',
        value: '1, 1',
        min: 0,
        frameworkDefault: '[0, 0]',
      },
      {
        key: 'outputSizes',
        label: 'outputSizes',
        kind: 'ints',
        value: '',
        optional: true,
        hint: 'H, W; blank = not given',
      },
      { key: 'dilations', label: 'dilations', kind: 'ints', value: '1, 1', frameworkDefault: '[1, 1]' },
      { key: 'groups', label: 'groups', kind: 'ints', value: '1', counts: [1], frameworkDefault: '1' },
    ],
  },
];

/** The spec of one framework. */
export function frameworkSpec(id: FrameworkId): FrameworkSpec {
  const spec = FRAMEWORKS.find((f) => f.id === id);
  if (!spec) throw new Error(`demo: unknown framework ${id}`);
  return spec;
}

/** True for a framework id the explorer knows. */
export function isFramework(id: string | null): id is FrameworkId {
  return FRAMEWORKS.some((f) => f.id === id);
}

/** The default text of every field of a framework. */
export function defaultValues(spec: FrameworkSpec): Record<string, string> {
  return Object.fromEntries(spec.fields.map((f) => [f.key, f.value]));
}

/** The text the user typed, as it is shown back in a message. */
export function quoted(text: string): string {
  const t = text.trim();
  return /^[^\s,]+$/.test(t) ? t : `“${t}”`;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** The pieces of a list of numbers: separated by commas, spaces, × or brackets. */
export function splitNumbers(text: string): string[] {
  return text
    .split(/[\s,×()[\]]+/)
    .map((p) => p.trim())
    .filter((p) => p !== '');
}

function countsText(counts: readonly number[]): string {
  if (counts.length === 1) return counts[0] === 1 ? 'one integer' : `${counts[0]} integers`;
  return `${counts.slice(0, -1).join(', ')} or ${counts.at(-1)} integers`;
}

/**
 * Reads a list of integers typed into a field named `label`: each piece a whole number in
 * [`min`, `max`], as many as `counts` allows. Blank gives `undefined`. Throws InputError(field)
 * with a message naming the field and quoting what was typed.
 */
export function readInts(
  field: string,
  label: string,
  text: string,
  {
    min = 1,
    max = Number.MAX_SAFE_INTEGER,
    counts = [1, 2],
    countHint,
  }: { min?: number; max?: number; counts?: readonly number[]; countHint?: string } = {},
): number[] | undefined {
  const parts = splitNumbers(text);
  if (parts.length === 0) return undefined;
  const shown = quoted(text);
  const rule = min > 0 ? 'a positive integer' : 'an integer ≥ 0';
  for (const p of parts) {
    if (!NUMBER.test(p)) throw new InputError(field, `${label} = ${shown}: “${p}” is not a number.`);
    const v = Number(p);
    if (!Number.isInteger(v)) throw new InputError(field, `${label} = ${shown}: ${p} is not a whole number.`);
    if (!Number.isSafeInteger(v)) throw new InputError(field, `${label} = ${shown}: ${p} is too large.`);
    if (v < min) {
      const what = parts.length === 1 ? `must be ${rule}` : `each value must be ${rule}`;
      throw new InputError(field, `${label} = ${shown}: ${what}.`);
    }
    if (v > max) throw new InputError(field, `${label} = ${shown}: this page takes at most ${max}.`);
  }
  if (!counts.includes(parts.length)) {
    const hint = countHint ?? (counts.join() === '1,2' ? PAIR : '');
    throw new InputError(
      field,
      `${label} = ${shown}: give ${countsText(counts)}${hint ? ` (${hint})` : ''}, not ${parts.length}.`,
    );
  }
  return parts.map(Number);
}

/** The numbers of a field by its spec; `undefined` for a blank optional field. */
function fieldInts(spec: FrameworkSpec, f: FieldSpec, text: string): number[] | undefined {
  const v = readInts(f.key, f.label, text, {
    min: f.min ?? 1,
    counts: f.counts ?? [1, 2],
    countHint: f.hint && !f.hint.startsWith('blank') ? f.hint.replace(/; blank.*$/, '') : undefined,
  });
  if (v === undefined && !f.optional) {
    const def = f.frameworkDefault ? ` (${spec.name}’s default is ${f.frameworkDefault})` : '';
    throw new InputError(f.key, `${f.label} is empty: type a value${def}.`);
  }
  return v;
}

/**
 * The largest sizes the explorer takes. The library has no such limit, but every
 * keystroke re-resolves the layer about ten times, and counting its useful
 * multiply-adds walks input size × kernel taps per axis: these keep that under a second.
 */
const MAX_SIZE = 100_000;
const MAX_KERNEL = 256;

/** The common sizes from their texts, each a positive integer. */
function readSizes(spec: FrameworkSpec, texts: Record<string, string>, errors: InputError[]): CommonSizes | null {
  const sizes: Partial<CommonSizes> = {};
  for (const c of COMMON_FIELDS) {
    const label = spec.common[c.key];
    const max = c.key === 'kernelHeight' || c.key === 'kernelWidth' ? MAX_KERNEL : MAX_SIZE;
    try {
      const v = readInts(c.id, label, texts[c.id] ?? '', { max, counts: [1] });
      if (v === undefined) throw new InputError(c.id, `${label} is empty: type a positive integer.`);
      sizes[c.key] = v[0]!;
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      errors.push(err);
    }
  }
  return errors.length ? null : (sizes as CommonSizes);
}

/** One number for a scalar field, a pair as [h, w]: the shapes the adapters take. */
function scalarOrPair(v: number[] | undefined): number | [number, number] | undefined {
  if (v === undefined) return undefined;
  return v.length === 1 ? v[0] : [v[0]!, v[1]!];
}

function pairOf(v: number[] | undefined, def: number): [number, number] {
  if (v === undefined) return [def, def];
  return [v[0]!, v[1] ?? v[0]!];
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
 * Builds the adapter call for `id` from the field texts (framework fields by key,
 * common sizes by element id) and runs it. Throws {@link InputErrors} for text the
 * demo rejects (not a number, blank, wrong count), else the library's DeconvError.
 */
export function resolveFramework(
  id: FrameworkId,
  values: Record<string, string>,
  sizeTexts: Record<string, string>,
): Resolved {
  const spec = frameworkSpec(id);
  const errors: InputError[] = [];
  const nums: Record<string, number[] | undefined> = {};
  const visible = spec.fields.filter((f) => f.kind === 'ints' && (!f.visible || f.visible(values)));
  for (const f of visible) {
    try {
      nums[f.key] = fieldInts(spec, f, values[f.key] ?? '');
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      errors.push(err);
    }
  }
  const s = readSizes(spec, sizeTexts, errors);
  if (errors.length || !s) throw new InputErrors(errors);
  const k: [number, number] = [s.kernelHeight, s.kernelWidth];
  /** Output channels per group; the groups field's error when they do not divide. */
  const perGroup = (key: string): number => {
    const g = nums[key]?.[0] ?? 1;
    if (s.outChannels % g !== 0) {
      const label = spec.fields.find((f) => f.key === key)?.label ?? key;
      throw new InputErrors([
        new InputError(key, `${label} = ${g}: must divide ${spec.common.outChannels} (${s.outChannels}).`),
      ]);
    }
    return s.outChannels / g;
  };
  switch (id) {
    case 'torch': {
      const params: TorchParams = {
        stride: scalarOrPair(nums.stride),
        padding: scalarOrPair(nums.padding),
        outputPadding: scalarOrPair(nums.outputPadding),
        dilation: scalarOrPair(nums.dilation),
        groups: nums.groups?.[0],
        outputSize: nums.outputSize,
      };
      const inputShape = [1, s.inChannels, s.height, s.width];
      const filterShape = [s.inChannels, perGroup('groups'), ...k];
      const options = fromTorch(params, inputShape, filterShape);
      return { inputShape, filterShape, options, code: `fromTorch(${showObject(params)}, …)` };
    }
    case 'tensorflow': {
      const nhwc = values.dataFormat !== 'NCHW';
      const inputShape = nhwc ? [1, s.height, s.width, s.inChannels] : [1, s.inChannels, s.height, s.width];
      // tf.nn.conv2d_transpose's filter is [h, w, out, in].
      const filterShape = [...k, s.outChannels, s.inChannels];
      const strides = nums.strides!;
      const dilations = nums.dilations;
      const mode = values.padding ?? 'SAME';
      let padding: TensorFlowParams['padding'] = mode === 'VALID' ? 'VALID' : 'SAME';
      let explicit: [number, number, number, number] = [0, 0, 0, 0];
      if (mode === 'EXPLICIT') {
        const p = nums.explicitPadding!;
        explicit = p.length === 1 ? [p[0]!, p[0]!, p[0]!, p[0]!] : [p[0]!, p[1]!, p[2]!, p[3]!];
        const hw: [number, number][] = [
          [explicit[0], explicit[1]],
          [explicit[2], explicit[3]],
        ];
        padding = nhwc ? [[0, 0], ...hw, [0, 0]] : [[0, 0], [0, 0], ...hw];
      }
      let out = nums.outputShape as [number, number] | undefined;
      if (out === undefined) {
        out = naturalTfSize(s, mode, hwOf(strides), dilations ? hwOf(dilations) : [1, 1], explicit);
        if (out[0] < 1 || out[1] < 1) {
          throw new InputErrors([
            new InputError(
              'explicitPadding',
              `explicit padding = ${quoted(values.explicitPadding ?? '')}: crops the output to ${out[0]}×${out[1]}; it must be at least 1×1.`,
            ),
          ]);
        }
      }
      const outputShape = nhwc ? [1, out[0], out[1], s.outChannels] : [1, s.outChannels, out[0], out[1]];
      const params: TensorFlowParams = {
        outputShape,
        strides: strides.length === 1 ? strides[0]! : strides,
        padding,
        dilations: dilations && (dilations.length === 1 ? dilations[0]! : dilations),
        dataFormat: nhwc ? 'NHWC' : 'NCHW',
      };
      const options = fromTensorFlow(params, inputShape, filterShape);
      return { inputShape, filterShape, options, code: `fromTensorFlow(${showObject(params)}, …)` };
    }
    case 'keras': {
      const last = values.dataFormat !== 'channels_first';
      const inputShape = last ? [1, s.height, s.width, s.inChannels] : [1, s.inChannels, s.height, s.width];
      // Keras stores a Conv2DTranspose kernel as [h, w, out, in].
      const filterShape = [...k, s.outChannels, s.inChannels];
      const params: KerasParams = {
        filters: s.outChannels,
        kernelSize: k,
        strides: scalarOrPair(nums.strides),
        padding: values.padding === 'valid' ? 'valid' : 'same',
        outputPadding: scalarOrPair(nums.outputPadding),
        dilationRate: scalarOrPair(nums.dilationRate),
        dataFormat: last ? 'channels_last' : 'channels_first',
      };
      const options = fromKeras(params, inputShape, filterShape);
      return { inputShape, filterShape, options, code: `fromKeras(${showObject(params)}, …)` };
    }
    case 'onnx': {
      const inputShape = [1, s.inChannels, s.height, s.width];
      const filterShape = [s.inChannels, perGroup('group'), ...k];
      const autoPad = (values.autoPad ?? 'NOTSET') as OnnxParams['autoPad'];
      const params: OnnxParams = {
        autoPad,
        pads: autoPad === 'NOTSET' ? nums.pads : undefined,
        strides: nums.strides,
        outputPadding: nums.outputPadding,
        dilations: nums.dilations,
        group: nums.group?.[0],
        outputShape: nums.outputShape,
        kernelShape: k,
      };
      const options = fromOnnx(params, inputShape, filterShape);
      return { inputShape, filterShape, options, code: `fromOnnx(${showObject(params)}, …)` };
    }
    case 'caffe': {
      const inputShape = [1, s.inChannels, s.height, s.width];
      const filterShape = [s.inChannels, perGroup('group'), ...k];
      const stride = nums.stride!;
      const pad = nums.pad!;
      const params: CaffeParams = { numOutput: s.outChannels };
      if (k[0] === k[1]) params.kernelSize = k[0];
      else Object.assign(params, { kernelH: k[0], kernelW: k[1] });
      if (stride.length === 2) Object.assign(params, { strideH: stride[0], strideW: stride[1] });
      else params.stride = stride[0];
      if (pad.length === 2) Object.assign(params, { padH: pad[0], padW: pad[1] });
      else params.pad = pad[0];
      params.dilation = scalarOrPair(nums.dilation);
      params.group = nums.group?.[0];
      const options = fromCaffe(params, inputShape, filterShape);
      return { inputShape, filterShape, options, code: `fromCaffe(${showObject(params)}, …)` };
    }
    case 'canonical': {
      const inputShape = [1, s.inChannels, s.height, s.width];
      const filterShape = [s.inChannels, perGroup('groups'), ...k];
      const spread = (v: number[] | undefined, n: number) =>
        v === undefined ? undefined : v.length === 1 ? Array.from({ length: n }, () => v[0]!) : v;
      const options = {
        strides: spread(nums.strides, 2),
        padding: spread(nums.padding, 4),
        outputPadding: spread(nums.outputPadding, 2),
        outputSizes: spread(nums.outputSizes, 2),
        dilations: spread(nums.dilations, 2),
        groups: nums.groups?.[0],
      } as ConvTranspose2dOptions;
      for (const key of Object.keys(options) as (keyof ConvTranspose2dOptions)[]) {
        if (options[key] === undefined) delete options[key];
      }
      return { inputShape, filterShape, options, code: '' };
    }
  }
}

/** [h, w] of a TensorFlow strides/dilations list of 1, 2 or 4 values (4: NHWC or NCHW order is the adapter's concern). */
function hwOf(v: number[]): [number, number] {
  if (v.length === 4) return [v[1]!, v[2]!];
  return pairOf(v, 1);
}

/**
 * The output size TensorFlow users usually pass: in·stride for SAME, the full size for
 * VALID, the full size less the explicit pads for EXPLICIT. Only a default for a
 * blank field; the adapter still checks it the way TensorFlow does.
 */
function naturalTfSize(
  s: CommonSizes,
  padding: string,
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
 * the common sizes (by element id); null when none does. Library params look like
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
    kernelsize: ['kernel-height'],
    kernelshape: ['kernel-height'],
    kernelh: ['kernel-height'],
    kernelw: ['kernel-width'],
    filters: ['out-channels'],
    numoutput: ['out-channels'],
    outchannels: ['out-channels'],
    inchannels: ['in-channels'],
  };
  for (const candidate of aliases[lower] ?? []) {
    if (COMMON_FIELDS.some((c) => c.id === candidate) || keys.includes(candidate)) return candidate;
  }
  return null;
}

/**
 * The rule of a library message `param = value: rule`, or null when it has another
 * form. The value may hold nested brackets, so the separator is found at depth 0.
 */
export function ruleOf(message: string, param: string): string | null {
  const head = `${param} = `;
  if (!message.startsWith(head)) return null;
  let depth = 0;
  for (let i = head.length; i < message.length - 1; i++) {
    const c = message[i]!;
    if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') depth--;
    else if (c === '"') {
      const end = message.indexOf('"', i + 1);
      if (end < 0) return null;
      i = end;
    } else if (depth === 0 && c === ':' && message[i + 1] === ' ') return message.slice(i + 2);
  }
  return null;
}

/**
 * A library error shown on its field: the field's name in the framework's terms and
 * what the user typed, then the library's rule word for word.
 */
export function libraryMessage(err: DeconvError, label: string, typed: string): string {
  const rule = err.param === undefined ? null : ruleOf(err.message, err.param);
  if (rule === null) return err.message;
  const shown = typed.trim() === '' ? '(blank)' : quoted(typed);
  return `${label} = ${shown}: ${rule}`;
}

/** Numbers as a field shows them: "2" or "2, 3". */
function fieldText(v: number | readonly number[] | null | undefined): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'number' ? String(v) : v.join(', ');
}

/** What a converted layer puts in a framework's fields. */
export type FieldsFromConversion = Record<string, string>;

/**
 * The field texts of framework `id` for parameters the library's conversion gave
 * (`toTorch`, `toTensorFlow`, … or the canonical options of `equivalents`).
 */
export function fieldsFromParams(id: FrameworkId, params: object): FieldsFromConversion {
  const values = defaultValues(frameworkSpec(id));
  switch (id) {
    case 'torch': {
      const p = params as TorchParams;
      Object.assign(values, {
        stride: fieldText(p.stride ?? 1),
        padding: fieldText(p.padding ?? 0),
        outputPadding: fieldText(p.outputPadding ?? 0),
        dilation: fieldText(p.dilation ?? 1),
        groups: fieldText(p.groups ?? 1),
        outputSize: fieldText(p.outputSize),
      });
      break;
    }
    case 'tensorflow': {
      const p = params as TensorFlowParams;
      const nhwc = p.dataFormat !== 'NCHW';
      const [oh, ow] = nhwc ? [p.outputShape[1], p.outputShape[2]] : [p.outputShape[2], p.outputShape[3]];
      Object.assign(values, {
        strides: fieldText(p.strides),
        outputShape: fieldText([oh!, ow!]),
        dilations: fieldText(p.dilations ?? 1),
        dataFormat: nhwc ? 'NHWC' : 'NCHW',
      });
      if (typeof p.padding === 'string') {
        values.padding = p.padding;
      } else {
        const [ph, pw] = nhwc ? [p.padding[1]!, p.padding[2]!] : [p.padding[2]!, p.padding[3]!];
        values.padding = 'EXPLICIT';
        values.explicitPadding = fieldText([ph[0]!, ph[1]!, pw[0]!, pw[1]!]);
      }
      break;
    }
    case 'keras': {
      const p = params as KerasParams;
      Object.assign(values, {
        strides: fieldText(p.strides ?? 1),
        padding: String(p.padding ?? 'valid').toLowerCase(),
        outputPadding: fieldText(p.outputPadding),
        dilationRate: fieldText(p.dilationRate ?? 1),
        dataFormat: p.dataFormat ?? 'channels_last',
      });
      break;
    }
    case 'onnx': {
      const p = params as OnnxParams;
      Object.assign(values, {
        autoPad: p.autoPad ?? 'NOTSET',
        pads: fieldText(p.pads ?? [0, 0, 0, 0]),
        strides: fieldText(p.strides ?? [1, 1]),
        outputPadding: fieldText(p.outputPadding ?? [0, 0]),
        dilations: fieldText(p.dilations ?? [1, 1]),
        group: fieldText(p.group ?? 1),
        outputShape: fieldText(p.outputShape),
      });
      break;
    }
    case 'caffe': {
      const p = params as CaffeParams;
      const two = (v: number | readonly number[] | undefined, h?: number, w?: number, def = 0) =>
        h !== undefined || w !== undefined ? fieldText([h ?? def, w ?? def]) : fieldText(v ?? def);
      Object.assign(values, {
        stride: two(p.stride, p.strideH, p.strideW, 1),
        pad: two(p.pad, p.padH, p.padW, 0),
        dilation: fieldText(p.dilation ?? 1),
        group: fieldText(p.group ?? 1),
      });
      break;
    }
    case 'canonical': {
      const o = params as ConvTranspose2dOptions;
      Object.assign(values, {
        strides: fieldText(o.strides ?? [1, 1]),
        padding: fieldText(o.padding ?? [0, 0, 0, 0]),
        outputPadding: fieldText(o.outputPadding ?? [0, 0]),
        outputSizes: fieldText(o.outputSizes),
        dilations: fieldText(o.dilations ?? [1, 1]),
        groups: fieldText(o.groups ?? 1),
      });
      break;
    }
  }
  return values;
}
