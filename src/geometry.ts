import { DeconvError, invalid, show } from './errors.js';
import type {
  Activation,
  AnyFilterLayout,
  AnyInputLayout,
  AxisStrides,
  ConvTranspose2dGeometry,
  ConvTranspose2dOptions,
  ConvTransposeGeometry,
  ConvTransposeOptions,
  FilterAxisStrides,
  FilterLayout,
  FilterStrides,
  InputLayout,
  TensorStrides,
} from './types.js';
import {
  checkOutputShape,
  checkOutputSizes,
  MAX_INDEX,
  isFloat32Array,
  oneOf,
  product,
  readInt,
  readInts,
  readNumber,
  readOptions,
  readShape,
  typedLength,
} from './validate.js';

export { checkData } from './validate.js';

const ACTIVATIONS: readonly Activation[] = ['relu', 'relu6', 'leakyRelu', 'sigmoid', 'tanh', 'gelu'];

/** Input layouts per spatial rank: channels first, then channels last. */
export const INPUT_LAYOUTS: Readonly<Record<number, readonly [AnyInputLayout, AnyInputLayout]>> = {
  1: ['ncw', 'nwc'],
  2: ['nchw', 'nhwc'],
  3: ['ncdhw', 'ndhwc'],
};

/** Filter layouts per spatial rank: [in, out/g, …k] (PyTorch), [...k, out/g, in] (TensorFlow), [out/g, …k, in]. */
export const FILTER_LAYOUTS: Readonly<Record<number, readonly [AnyFilterLayout, AnyFilterLayout, AnyFilterLayout]>> = {
  1: ['iow', 'woi', 'owi'],
  2: ['iohw', 'hwoi', 'ohwi'],
  3: ['iodhw', 'dhwoi', 'odhwi'],
};

/** The keys of the canonical options (`kernel` and `dtype` are read by the GPU engine and ignored here). */
export const OPTION_KEYS = [
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
  'kernel',
  'dtype',
] as const;

/** Validates an integer tuple of fixed length, each element in [min, 2^31 − 1]. */
export function checkInts(param: string, value: unknown, length: number, min: number): number[] {
  return readInts(param, value, [length], min);
}

/** Validates a 4-D shape of positive integers. */
export function checkShape(param: string, shape: unknown): [number, number, number, number] {
  return readShape(param, shape, [4]) as [number, number, number, number];
}

/** Spatial rank (1–3) of a layout name. */
function layoutRank(layout: string): number {
  return layout.length - 2;
}

/** 0: [in, out/g, …k]; 1: [...k, out/g, in]; 2: [out/g, …k, in]. */
function filterFamily(layout: AnyFilterLayout): 0 | 1 | 2 {
  if (layout.startsWith('io')) return 0;
  return layout.startsWith('o') ? 2 : 1;
}

/** Contiguous strides of an activation tensor of any rank, channels first or last. */
export function tensorAxisStrides(channelsLast: boolean, c: number, sizes: readonly number[]): AxisStrides {
  const spatial = new Array<number>(sizes.length);
  let step = channelsLast ? c : 1;
  for (let a = sizes.length - 1; a >= 0; a--) {
    spatial[a] = step;
    step *= sizes[a]!;
  }
  return channelsLast ? { n: step, c: 1, spatial } : { n: step * c, c: step, spatial };
}

/** Contiguous strides of a 4-D activation tensor in the given layout. */
export function tensorStrides(layout: InputLayout, c: number, h: number, w: number): TensorStrides & AxisStrides {
  const s = tensorAxisStrides(layout === 'nhwc', c, [h, w]);
  return { ...s, h: s.spatial[0]!, w: s.spatial[1]! };
}

/** The logical filter dimensions [in, out/groups, …kernel] read from a shape in the given layout. */
export function filterDims(layout: FilterLayout, shape: readonly number[]): [number, number, number, number];
export function filterDims(layout: AnyFilterLayout, shape: readonly number[]): number[];
export function filterDims(layout: AnyFilterLayout, shape: readonly number[]): number[] {
  const r = layoutRank(layout);
  switch (filterFamily(layout)) {
    case 0:
      return [...shape];
    case 1:
      return [shape[r + 1]!, shape[r]!, ...shape.slice(0, r)];
    case 2:
      return [shape[r + 1]!, shape[0]!, ...shape.slice(1, r + 1)];
  }
}

/** The filter shape of logical dims [in, out/groups, …kernel] in a layout. */
export function filterShapeIn(
  layout: FilterLayout,
  i: number,
  o: number,
  kh: number,
  kw: number,
): [number, number, number, number];
export function filterShapeIn(layout: AnyFilterLayout, i: number, o: number, ...kernel: number[]): number[];
export function filterShapeIn(layout: AnyFilterLayout, i: number, o: number, ...kernel: number[]): number[] {
  switch (filterFamily(layout)) {
    case 0:
      return [i, o, ...kernel];
    case 1:
      return [...kernel, o, i];
    case 2:
      return [o, ...kernel, i];
  }
}

/** Element strides of a filter of any rank in the given layout, by logical axis. */
export function filterAxisStrides(
  layout: AnyFilterLayout,
  i: number,
  o: number,
  kernel: readonly number[],
): FilterAxisStrides {
  const shape = filterShapeIn(layout, i, o, ...kernel);
  const contiguous = new Array<number>(shape.length);
  let step = 1;
  for (let a = shape.length - 1; a >= 0; a--) {
    contiguous[a] = step;
    step *= shape[a]!;
  }
  const [si, so, ...spatial] = filterDims(layout, contiguous);
  return { i: si!, o: so!, spatial };
}

/** Element strides of a 2-D filter in the given layout, by logical axis. */
export function filterStrides(
  layout: FilterLayout,
  inC: number,
  outCg: number,
  kh: number,
  kw: number,
): FilterStrides & FilterAxisStrides {
  const s = filterAxisStrides(layout, inC, outCg, [kh, kw]);
  return { ...s, h: s.spatial[0]!, w: s.spatial[1]! };
}

/** Full (uncropped) size of one axis: (in − 1)·stride + dilation·(k − 1) + 1. */
export function fullSize(inSize: number, k: number, s: number, d: number): number {
  return (inSize - 1) * s + d * (k - 1) + 1;
}

/** Σ_{i=0}^{n−1} ⌊(a·i + b) / m⌋ for n ≥ 0, m ≥ 1, a, b ≥ 0, in O(log) steps (exact, in BigInt). */
function floorSum(n: bigint, m: bigint, a: bigint, b: bigint): bigint {
  let sum = 0n;
  for (;;) {
    if (a >= m) {
      sum += ((n * (n - 1n)) / 2n) * (a / m);
      a %= m;
    }
    if (b >= m) {
      sum += n * (b / m);
      b %= m;
    }
    const yMax = a * n + b;
    if (yMax < m) return sum;
    n = yMax / m;
    b = yMax % m;
    [m, a] = [a, m];
  }
}

/** Pairs (i, t) with 0 ≤ i < inSize, 0 ≤ t < k and i·s + t·d ≤ x. */
function pairsUpTo(inSize: bigint, k: bigint, s: bigint, d: bigint, x: bigint): bigint {
  if (x < 0n) return 0n;
  const fl = (p: bigint, q: bigint) => (p >= 0n ? p / q : -((-p + q - 1n) / q));
  // Taps t ≤ t1 reach past every input (count inSize each); taps in (t1, t2] reach ⌊(x − t·d)/s⌋ + 1.
  const t1 = fl(x - (inSize - 1n) * s, d);
  const t2 = x / d;
  const full = t1 < 0n ? 0n : (t1 < k - 1n ? t1 : k - 1n) + 1n;
  let count = inSize * full;
  const lo = t1 + 1n > 0n ? t1 + 1n : 0n;
  const hi = t2 < k - 1n ? t2 : k - 1n;
  if (lo <= hi) {
    const n = hi - lo + 1n;
    count += floorSum(n, s, d, x - hi * d) + n;
  }
  return count;
}

/**
 * Number of (input, tap) pairs on one axis whose target i·s + t·d − padBegin lands inside
 * [0, out): the axis's share of the useful multiply-adds. O(log) in the sizes.
 */
export function axisTaps(inSize: number, k: number, s: number, d: number, padBegin: number, out: number): number {
  const args = [inSize, k, s, d].map(BigInt) as [bigint, bigint, bigint, bigint];
  const hi = pairsUpTo(...args, BigInt(out - 1 + padBegin));
  const lo = pairsUpTo(...args, BigInt(padBegin - 1));
  return Number(hi - lo);
}

/**
 * Resolves the shapes and options of a transposed convolution of any rank into every
 * derived number, validating them first (in time independent of the sizes). The rank
 * comes from the input shape: 3 = one spatial axis, 4 = two, 5 = three. Pure; needs no GPU.
 *
 * Per axis, the full size is F = (in − 1)·stride + dilation·(k − 1) + 1 and the output is
 * F − padBegin − padEnd + outputPadding. Sizes (the output's too), strides, dilations, paddings and F are at
 * most 2^31 − 1 and every tensor holds at most 2^32 − 1 elements (GPU indices are 32-bit).
 *
 * @throws DeconvError('INVALID_ARGUMENT') naming the parameter, value and rule.
 */
export function resolveConvTranspose(
  inputShape: readonly number[],
  filterShape: readonly number[],
  options: ConvTransposeOptions = {},
): ConvTransposeGeometry {
  const o = readOptions('options', options, OPTION_KEYS);
  const inShape = readShape('inputShape', inputShape, [3, 4, 5]);
  const rank = inShape.length - 2;
  const fShape = readShape('filterShape', filterShape, [rank + 2]);
  const inputLayouts = INPUT_LAYOUTS[rank]!;
  const filterLayouts = FILTER_LAYOUTS[rank]!;
  const axes = rank === 1 ? 'one spatial axis' : `${rank} spatial axes`;
  const layoutRule = (list: readonly string[]) =>
    `must be one of ${list.map((a) => `'${a}'`).join(', ')} for a ${rank + 2}-D input (${axes})`;
  const inputLayout = o.inputLayout ?? inputLayouts[0];
  if (!(inputLayouts as readonly unknown[]).includes(inputLayout)) {
    invalid('options.inputLayout', inputLayout, layoutRule(inputLayouts));
  }
  const filterLayout = o.filterLayout ?? filterLayouts[0];
  if (!(filterLayouts as readonly unknown[]).includes(filterLayout)) {
    invalid('options.filterLayout', filterLayout, layoutRule(filterLayouts));
  }
  const perAxis = (key: 'strides' | 'dilations', min: number) =>
    o[key] === undefined ? new Array<number>(rank).fill(1) : readInts(`options.${key}`, o[key], [rank], min);
  const strides = perAxis('strides', 1);
  const dilations = perAxis('dilations', 1);
  const padding =
    o.padding === undefined
      ? new Array<number>(2 * rank).fill(0)
      : readInts('options.padding', o.padding, [2 * rank], 0);
  const groups = readInt('options.groups', o.groups, 1, 1);

  const channelsLast = inputLayout === inputLayouts[1];
  const batch = inShape[0]!;
  const inChannels = channelsLast ? inShape[rank + 1]! : inShape[1]!;
  const inSizes = channelsLast ? inShape.slice(1, rank + 1) : inShape.slice(2);
  const [fIn, outChannelsPerGroup, ...kernelSizes] = filterDims(filterLayout as AnyFilterLayout, fShape) as [
    number,
    number,
    ...number[],
  ];
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
  if (outChannels > MAX_INDEX) {
    invalid('options.groups', groups, `makes ${outChannels} output channels, more than 2^31 − 1`);
  }

  const fullSizes = inSizes.map((n, a) => {
    const [s, d, k] = [strides[a]!, dilations[a]!, kernelSizes[a]!];
    const reach = (n - 1) * s;
    const span = d * (k - 1);
    const f = reach + span + 1;
    if (f > MAX_INDEX) {
      // Name what made the full size too large: the stride's or the dilation's contribution.
      const [param, value] =
        reach >= span
          ? s > 1
            ? [`options.strides[${a}]`, s]
            : ['inputShape', inShape]
          : d > 1
            ? [`options.dilations[${a}]`, d]
            : ['filterShape', fShape];
      invalid(
        param,
        value,
        `makes the full result of spatial axis ${a} (in − 1)·stride + dilation·(k − 1) + 1 = ${f} long, more than 2^31 − 1 (GPU coordinates are 32-bit)`,
      );
    }
    return f;
  });
  const minSizes = fullSizes.map((f, a) => f - padding[2 * a]! - padding[2 * a + 1]!);
  const maxExtra = strides.map((s, a) => Math.max(s, dilations[a]!) - 1);

  let outputPadding: number[];
  if (o.outputSizes !== undefined) {
    const sizes = readInts('options.outputSizes', o.outputSizes, [rank], 1);
    sizes.forEach((size, a) => {
      const lo = minSizes[a]!;
      const hi = lo + maxExtra[a]!;
      if (size < lo || size > hi) {
        invalid(
          `options.outputSizes[${a}]`,
          size,
          `must lie in [F − padBegin − padEnd, that + max(stride, dilation) − 1] = [${lo}, ${hi}] for this geometry`,
        );
      }
    });
    outputPadding = sizes.map((s, a) => s - minSizes[a]!);
    if (o.outputPadding !== undefined) {
      const given = readInts('options.outputPadding', o.outputPadding, [rank], 0);
      if (given.some((v, a) => v !== outputPadding[a])) {
        invalid(
          'options.outputPadding',
          given,
          `conflicts with options.outputSizes = ${show(sizes)}, which implies outputPadding ${show(outputPadding)}`,
        );
      }
    }
  } else {
    outputPadding =
      o.outputPadding === undefined
        ? new Array<number>(rank).fill(0)
        : readInts('options.outputPadding', o.outputPadding, [rank], 0);
    outputPadding.forEach((op, a) => {
      if (op > maxExtra[a]!) {
        invalid(
          `options.outputPadding[${a}]`,
          op,
          `must be less than max(stride, dilation) = ${maxExtra[a]! + 1} on that axis (at most ${maxExtra[a]!})`,
        );
      }
    });
  }
  const outSizes = minSizes.map((m, a) => m + outputPadding[a]!);
  if (outSizes.some((s) => s < 1)) {
    invalid(
      'options.padding',
      padding,
      `crops the full result (${fullSizes.join('×')}) to ${outSizes.join('×')}; the output must be at least ${outSizes.map(() => 1).join('×')}`,
    );
  }
  checkOutputSizes(outSizes, outputPadding, (a) => `options.outputPadding[${a}]`);

  let bias: Float32Array | null = null;
  if (o.bias !== undefined) {
    if (!isFloat32Array(o.bias)) invalid('options.bias', o.bias, 'must be a Float32Array');
    const length = typedLength(o.bias);
    if (length !== outChannels) {
      invalid('options.bias.length', length, `must equal the output channels (${outChannels})`);
    }
    bias = new Float32Array(o.bias);
  }
  const activation = o.activation === undefined ? null : oneOf('options.activation', o.activation, ACTIVATIONS, 'relu');
  const leakyReluAlpha = readNumber('options.leakyReluAlpha', o.leakyReluAlpha, 0.01);

  const outputShape = channelsLast ? [batch, ...outSizes, outChannels] : [batch, outChannels, ...outSizes];
  checkOutputShape(outputShape, inShape);
  const outputSize = product(outputShape);
  const inChannelsPerGroup = inChannels / groups;
  let usefulMacs = batch * outChannels * inChannelsPerGroup;
  inSizes.forEach((n, a) => {
    usefulMacs *= axisTaps(n, kernelSizes[a]!, strides[a]!, dilations[a]!, padding[2 * a]!, outSizes[a]!);
  });

  return {
    rank,
    batch,
    inChannels,
    outChannels,
    groups,
    inChannelsPerGroup,
    outChannelsPerGroup,
    inSizes,
    kernelSizes,
    strides,
    dilations,
    padding,
    outputPadding,
    fullSizes,
    outSizes,
    channelsLast,
    inputLayout: inputLayout as AnyInputLayout,
    filterLayout: filterLayout as AnyFilterLayout,
    inputShape: inShape,
    filterShape: fShape,
    outputShape,
    inputStrides: tensorAxisStrides(channelsLast, inChannels, inSizes),
    outputStrides: tensorAxisStrides(channelsLast, outChannels, outSizes),
    filterStrides: filterAxisStrides(filterLayout as AnyFilterLayout, inChannels, outChannelsPerGroup, kernelSizes),
    inputSize: batch * inChannels * inSizes.reduce((p, s) => p * s, 1),
    filterSize: fShape.reduce((p, s) => p * s, 1),
    outputSize,
    bias,
    activation,
    leakyReluAlpha,
    usefulMacs,
  };
}

/**
 * The 2-D view of a rank-2 geometry: the generic fields plus the named ones
 * (inHeight, kernelWidth, fullHeight, …, and h/w strides).
 */
export function as2d(g: ConvTransposeGeometry): ConvTranspose2dGeometry {
  if (g.rank !== 2) {
    throw new DeconvError(
      'INVALID_ARGUMENT',
      `inputShape = ${show(g.inputShape)}: must be 4-D (NCHW or NHWC)`,
      'inputShape',
    );
  }
  const two = (a: number[]) => a as [number, number];
  return {
    ...g,
    inHeight: g.inSizes[0]!,
    inWidth: g.inSizes[1]!,
    kernelHeight: g.kernelSizes[0]!,
    kernelWidth: g.kernelSizes[1]!,
    strides: two(g.strides),
    dilations: two(g.dilations),
    padding: g.padding as [number, number, number, number],
    outputPadding: two(g.outputPadding),
    fullHeight: g.fullSizes[0]!,
    fullWidth: g.fullSizes[1]!,
    outHeight: g.outSizes[0]!,
    outWidth: g.outSizes[1]!,
    inputLayout: g.inputLayout as InputLayout,
    filterLayout: g.filterLayout as FilterLayout,
    inputShape: g.inputShape as [number, number, number, number],
    filterShape: g.filterShape as [number, number, number, number],
    outputShape: g.outputShape as [number, number, number, number],
    inputStrides: { ...g.inputStrides, h: g.inputStrides.spatial[0]!, w: g.inputStrides.spatial[1]! },
    outputStrides: { ...g.outputStrides, h: g.outputStrides.spatial[0]!, w: g.outputStrides.spatial[1]! },
    filterStrides: { ...g.filterStrides, h: g.filterStrides.spatial[0]!, w: g.filterStrides.spatial[1]! },
  };
}

/**
 * Resolves the shapes and options of a 2-D transposed convolution (4-D input, NCHW or
 * NHWC) into every derived number; see {@link resolveConvTranspose}.
 *
 * @throws DeconvError('INVALID_ARGUMENT') naming the parameter, value and rule.
 */
export function resolveConvTranspose2d(
  inputShape: readonly number[],
  filterShape: readonly number[],
  options: ConvTranspose2dOptions = {},
): ConvTranspose2dGeometry {
  readShape('inputShape', inputShape, [4]);
  return as2d(resolveConvTranspose(inputShape, filterShape, options));
}
