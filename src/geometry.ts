import { DeconvError, invalid, show } from './errors.js';
import type {
  Activation,
  ConvTranspose2dGeometry,
  ConvTranspose2dOptions,
  FilterLayout,
  FilterStrides,
  InputLayout,
  TensorStrides,
} from './types.js';

const ACTIVATIONS: readonly Activation[] = ['relu', 'relu6', 'leakyRelu', 'sigmoid', 'tanh', 'gelu'];
const INPUT_LAYOUTS: readonly InputLayout[] = ['nchw', 'nhwc'];
const FILTER_LAYOUTS: readonly FilterLayout[] = ['iohw', 'hwoi', 'ohwi'];
const OPTION_KEYS = new Set([
  'strides',
  'dilations',
  'padding',
  'outputPadding',
  'outputSizes',
  'groups',
  'inputLayout',
  'filterLayout',
  'bias',
  'activation',
  'leakyReluAlpha',
  // Read by the GPU engine, ignored by the geometry.
  'kernel',
]);

/** True for a finite integer ≥ `min` that is a safe JS integer. */
function isInt(v: unknown, min: number): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= min;
}

/** Validates an integer tuple of fixed length, each element ≥ `min`. */
export function checkInts(param: string, value: unknown, length: number, min: number): number[] {
  const what = min > 0 ? 'positive integers' : 'integers ≥ 0';
  if (!Array.isArray(value) || value.length !== length) {
    invalid(param, value, `must be an array of ${length} ${what}`);
  }
  value.forEach((v, i) => {
    if (!isInt(v, min)) invalid(`${param}[${i}]`, v, `must be one of ${length} ${what}`);
  });
  return value as number[];
}

/** Validates a 4-D shape of positive integers. */
export function checkShape(param: string, shape: unknown): [number, number, number, number] {
  return checkInts(param, shape, 4, 1) as [number, number, number, number];
}

/** Checks that a data array is a Float32Array whose length matches its shape. */
export function checkData(param: string, data: unknown, shape: readonly number[]): void {
  if (!(data instanceof Float32Array)) {
    invalid(param, data, 'must be a Float32Array');
  }
  const size = shape.reduce((a, b) => a * b, 1);
  if (data.length !== size) {
    invalid(`${param}.length`, data.length, `must equal the product of its shape ${show(shape)} = ${size}`);
  }
}

function pair(param: string, value: unknown, def: [number, number], min: number): [number, number] {
  if (value === undefined) return def;
  return checkInts(param, value, 2, min) as [number, number];
}

function oneOf<T extends string>(param: string, value: unknown, allowed: readonly T[], def: T): T {
  if (value === undefined) return def;
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    invalid(param, value, `must be one of ${allowed.map((a) => `'${a}'`).join(', ')}`);
  }
  return value as T;
}

/** Contiguous strides of a 4-D activation tensor in the given layout. */
export function tensorStrides(layout: InputLayout, c: number, h: number, w: number): TensorStrides {
  return layout === 'nchw' ? { n: c * h * w, c: h * w, h: w, w: 1 } : { n: h * w * c, c: 1, h: w * c, w: c };
}

/** The logical filter dimensions [in, out/groups, kH, kW] read from a shape in the given layout. */
export function filterDims(layout: FilterLayout, shape: readonly number[]): [number, number, number, number] {
  const [a, b, c, d] = shape as [number, number, number, number];
  switch (layout) {
    case 'iohw':
      return [a, b, c, d];
    case 'hwoi':
      return [d, c, a, b];
    case 'ohwi':
      return [d, a, b, c];
  }
}

/** The filter shape of logical dims [in, out/groups, kH, kW] in a layout. */
export function filterShapeIn(
  layout: FilterLayout,
  i: number,
  o: number,
  kh: number,
  kw: number,
): [number, number, number, number] {
  switch (layout) {
    case 'iohw':
      return [i, o, kh, kw];
    case 'hwoi':
      return [kh, kw, o, i];
    case 'ohwi':
      return [o, kh, kw, i];
  }
}

/** Element strides of a filter in the given layout, by logical axis. */
export function filterStrides(layout: FilterLayout, inC: number, outCg: number, kh: number, kw: number): FilterStrides {
  switch (layout) {
    case 'iohw':
      return { i: outCg * kh * kw, o: kh * kw, h: kw, w: 1 };
    case 'hwoi':
      return { h: kw * outCg * inC, w: outCg * inC, o: inC, i: 1 };
    case 'ohwi':
      return { o: kh * kw * inC, h: kw * inC, w: inC, i: 1 };
  }
}

/** Number of (input, tap) pairs on one axis whose target lands inside the output. */
function usefulTaps(inSize: number, k: number, s: number, d: number, padBegin: number, out: number): number {
  let count = 0;
  for (let i = 0; i < inSize; i++) {
    for (let t = 0; t < k; t++) {
      const o = i * s + t * d - padBegin;
      if (o >= 0 && o < out) count++;
    }
  }
  return count;
}

/**
 * Resolves the shapes and options of a 2-D transposed convolution into every
 * derived number, validating them first. Pure; needs no GPU.
 *
 * Per axis, the full size is F = (in − 1)·stride + dilation·(k − 1) + 1 and the
 * output is F − padBegin − padEnd + outputPadding.
 *
 * @throws DeconvError('INVALID_ARGUMENT') naming the parameter, value and rule.
 */
export function resolveConvTranspose2d(
  inputShape: readonly number[],
  filterShape: readonly number[],
  options: ConvTranspose2dOptions = {},
): ConvTranspose2dGeometry {
  if (options === null || typeof options !== 'object') invalid('options', options, 'must be an object');
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) {
      invalid(
        `options.${key}`,
        (options as Record<string, unknown>)[key],
        `is not an option; known options are ${[...OPTION_KEYS].join(', ')}`,
      );
    }
  }
  const inShape = checkShape('inputShape', inputShape);
  const fShape = checkShape('filterShape', filterShape);
  const inputLayout = oneOf('options.inputLayout', options.inputLayout, INPUT_LAYOUTS, 'nchw');
  const filterLayout = oneOf('options.filterLayout', options.filterLayout, FILTER_LAYOUTS, 'iohw');
  const strides = pair('options.strides', options.strides, [1, 1], 1);
  const dilations = pair('options.dilations', options.dilations, [1, 1], 1);
  const padding =
    options.padding === undefined
      ? ([0, 0, 0, 0] as [number, number, number, number])
      : (checkInts('options.padding', options.padding, 4, 0) as [number, number, number, number]);
  const groups = options.groups ?? 1;
  if (!isInt(groups, 1)) invalid('options.groups', groups, 'must be a positive integer');

  const [batch, inChannels, inHeight, inWidth] =
    inputLayout === 'nchw' ? inShape : [inShape[0], inShape[3], inShape[1], inShape[2]];
  const [fIn, outChannelsPerGroup, kernelHeight, kernelWidth] = filterDims(filterLayout, fShape);
  if (fIn !== inChannels) {
    invalid(
      'filterShape',
      fShape,
      `its input-channel dimension (${fIn}, layout '${filterLayout}') must equal the input's channels (${inChannels}, layout '${inputLayout}')`,
    );
  }
  if (inChannels % groups !== 0) {
    invalid('options.groups', groups, `must divide the input channels (${inChannels})`);
  }
  const outChannels = outChannelsPerGroup * groups;

  const fullHeight = (inHeight - 1) * strides[0] + dilations[0] * (kernelHeight - 1) + 1;
  const fullWidth = (inWidth - 1) * strides[1] + dilations[1] * (kernelWidth - 1) + 1;
  const minH = fullHeight - padding[0] - padding[1];
  const minW = fullWidth - padding[2] - padding[3];
  const maxExtra = [Math.max(strides[0], dilations[0]) - 1, Math.max(strides[1], dilations[1]) - 1];

  let outputPadding: [number, number];
  if (options.outputSizes !== undefined) {
    const sizes = checkInts('options.outputSizes', options.outputSizes, 2, 1);
    const mins = [minH, minW];
    sizes.forEach((size, i) => {
      const lo = mins[i]!;
      const hi = lo + maxExtra[i]!;
      if (size < lo || size > hi) {
        invalid(
          `options.outputSizes[${i}]`,
          size,
          `must lie in [F − padBegin − padEnd, that + max(stride, dilation) − 1] = [${lo}, ${hi}] for this geometry`,
        );
      }
    });
    outputPadding = [sizes[0]! - minH, sizes[1]! - minW];
    if (options.outputPadding !== undefined) {
      const given = checkInts('options.outputPadding', options.outputPadding, 2, 0);
      if (given[0] !== outputPadding[0] || given[1] !== outputPadding[1]) {
        invalid(
          'options.outputPadding',
          given,
          `conflicts with options.outputSizes = ${show(sizes)}, which implies outputPadding ${show(outputPadding)}`,
        );
      }
    }
  } else {
    outputPadding = pair('options.outputPadding', options.outputPadding, [0, 0], 0);
    outputPadding.forEach((op, i) => {
      if (op > maxExtra[i]!) {
        invalid(
          `options.outputPadding[${i}]`,
          op,
          `must be smaller than max(stride, dilation) = ${maxExtra[i]! + 1} on that axis`,
        );
      }
    });
  }
  const outHeight = minH + outputPadding[0];
  const outWidth = minW + outputPadding[1];
  if (outHeight < 1 || outWidth < 1) {
    invalid(
      'options.padding',
      padding,
      `crops the full result (${fullHeight}×${fullWidth}) to ${outHeight}×${outWidth}; the output must be at least 1×1`,
    );
  }

  let bias: Float32Array | null = null;
  if (options.bias !== undefined) {
    if (!(options.bias instanceof Float32Array)) invalid('options.bias', options.bias, 'must be a Float32Array');
    if (options.bias.length !== outChannels) {
      invalid('options.bias.length', options.bias.length, `must equal the output channels (${outChannels})`);
    }
    bias = options.bias;
  }
  const activation =
    options.activation === undefined ? null : oneOf('options.activation', options.activation, ACTIVATIONS, 'relu');
  const leakyReluAlpha = options.leakyReluAlpha ?? 0.01;
  if (typeof leakyReluAlpha !== 'number' || !Number.isFinite(leakyReluAlpha)) {
    invalid('options.leakyReluAlpha', leakyReluAlpha, 'must be a finite number');
  }

  const outputShape: [number, number, number, number] =
    inputLayout === 'nchw' ? [batch, outChannels, outHeight, outWidth] : [batch, outHeight, outWidth, outChannels];
  const inputSize = batch * inChannels * inHeight * inWidth;
  const outputSize = batch * outChannels * outHeight * outWidth;
  if (!Number.isSafeInteger(outputSize)) {
    throw new DeconvError('INVALID_ARGUMENT', `output shape ${show(outputShape)} has too many elements`, 'outputShape');
  }
  const inChannelsPerGroup = inChannels / groups;
  const usefulMacs =
    batch *
    outChannels *
    inChannelsPerGroup *
    usefulTaps(inHeight, kernelHeight, strides[0], dilations[0], padding[0], outHeight) *
    usefulTaps(inWidth, kernelWidth, strides[1], dilations[1], padding[2], outWidth);

  return {
    batch,
    inChannels,
    outChannels,
    groups,
    inChannelsPerGroup,
    outChannelsPerGroup,
    inHeight,
    inWidth,
    kernelHeight,
    kernelWidth,
    strides,
    dilations,
    padding,
    outputPadding,
    fullHeight,
    fullWidth,
    outHeight,
    outWidth,
    inputLayout,
    filterLayout,
    inputShape: inShape,
    filterShape: fShape,
    outputShape,
    inputStrides: tensorStrides(inputLayout, inChannels, inHeight, inWidth),
    outputStrides: tensorStrides(inputLayout, outChannels, outHeight, outWidth),
    filterStrides: filterStrides(filterLayout, inChannels, outChannelsPerGroup, kernelHeight, kernelWidth),
    inputSize,
    filterSize: fShape[0] * fShape[1] * fShape[2] * fShape[3],
    outputSize,
    bias,
    activation,
    leakyReluAlpha,
    usefulMacs,
  };
}
