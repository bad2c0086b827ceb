import { activate } from './activation.js';
import { DeconvError, invalid } from './errors.js';
import { INPUT_LAYOUTS, resolveConvTranspose, resolveConvTranspose2d, tensorAxisStrides } from './geometry.js';
import type {
  AnyInputLayout,
  ConvTransposeGeometry,
  ConvTransposeOptions,
  ConvTranspose2dOptions,
  InputLayout,
  Tensor,
} from './types.js';
import {
  checkData,
  checkElements,
  isArray,
  isFloat32Array,
  oneOf,
  readInt,
  readInts,
  readOptions,
  readShape,
  typedLength,
} from './validate.js';

/** A zeroed Float64Array, or DeconvError('DEVICE_LIMIT') when memory cannot hold it. */
function accumulator(size: number, param: string): Float64Array {
  try {
    return new Float64Array(size);
  } catch {
    throw new DeconvError(
      'DEVICE_LIMIT',
      `${param}: ${size} elements need ${size * 8} bytes of CPU memory for float64 accumulation, more than can be allocated`,
      param,
    );
  }
}

/**
 * Transposed convolution of any rank on the CPU: the library's ground truth and its
 * fallback without WebGPU. The rank comes from the input shape (3, 4 or 5 dimensions);
 * supports every option; accumulates in float64.
 *
 * IEEE rule (shared by every GPU kernel): each output is the sum of the products of the
 * (input, tap) pairs that really reach it, plus the bias. Zeros a stride inserts and
 * padding never meet a weight, so an infinite weight makes only the outputs its tap reaches
 * infinite (or NaN, with a zero input: 0 × ∞ = NaN), and NaN passes through every activation.
 *
 * @throws DeconvError('INVALID_ARGUMENT') for invalid shapes, options or data.
 */
export function convTransposeCpu(
  input: Float32Array,
  inputShape: readonly number[],
  filter: Float32Array,
  filterShape: readonly number[],
  options: ConvTransposeOptions = {},
): Tensor {
  const g = resolveConvTranspose(inputShape, filterShape, options);
  checkData('input', input, g.inputShape);
  checkData('filter', filter, g.filterShape);
  return { data: convTransposeResolved(g, input, filter), shape: [...g.outputShape] };
}

/**
 * 2-D transposed convolution on the CPU (4-D input, NCHW or NHWC); see {@link convTransposeCpu}.
 * @throws DeconvError('INVALID_ARGUMENT') for invalid shapes, options or data.
 */
export function convTranspose2dCpu(
  input: Float32Array,
  inputShape: readonly number[],
  filter: Float32Array,
  filterShape: readonly number[],
  options: ConvTranspose2dOptions = {},
): Tensor {
  const g = resolveConvTranspose2d(inputShape, filterShape, options);
  checkData('input', input, g.inputShape);
  checkData('filter', filter, g.filterShape);
  return { data: convTransposeResolved(g, input, filter), shape: [...g.outputShape] };
}

/** Per-axis values padded in front to 3 spatial axes (unit axes take `fill`). */
function to3<T>(values: readonly T[], fill: T): [T, T, T] {
  return [...new Array<T>(3 - values.length).fill(fill), ...values] as [T, T, T];
}

/** Runs the CPU reference on an already resolved and validated geometry (any rank). */
export function convTransposeResolved(
  g: ConvTransposeGeometry,
  input: Float32Array,
  filter: Float32Array,
): Float32Array {
  const acc = accumulator(g.outputSize, 'outputShape');
  const is = g.inputStrides;
  const os = g.outputStrides;
  const fs = g.filterStrides;
  // Rank 1 and 2 run as rank 3 with unit axes in front: one loop nest for every rank.
  const [ID, IH, IW] = to3(g.inSizes, 1);
  const [KD, KH, KW] = to3(g.kernelSizes, 1);
  const [sd, sh, sw] = to3(g.strides, 1);
  const [dd, dh, dw] = to3(g.dilations, 1);
  const [pd, ph, pw] = to3(
    g.inSizes.map((_, a) => g.padding[2 * a]!),
    0,
  );
  const [OD, OH, OW] = to3(g.outSizes, 1);
  const [isd, ish, isw] = to3(is.spatial, 0);
  const [osd, osh, osw] = to3(os.spatial, 0);
  const [fsd, fsh, fsw] = to3(fs.spatial, 0);
  const cig = g.inChannelsPerGroup;
  const cog = g.outChannelsPerGroup;
  for (let n = 0; n < g.batch; n++) {
    for (let ci = 0; ci < g.inChannels; ci++) {
      const grp = Math.floor(ci / cig);
      const oChan = n * os.n + grp * cog * os.c;
      for (let iz = 0; iz < ID; iz++) {
        for (let iy = 0; iy < IH; iy++) {
          for (let ix = 0; ix < IW; ix++) {
            const x = input[n * is.n + ci * is.c + iz * isd + iy * ish + ix * isw]!;
            for (let kz = 0; kz < KD; kz++) {
              const oz = iz * sd + kz * dd - pd;
              if (oz < 0 || oz >= OD) continue;
              for (let ky = 0; ky < KH; ky++) {
                const oy = iy * sh + ky * dh - ph;
                if (oy < 0 || oy >= OH) continue;
                for (let kx = 0; kx < KW; kx++) {
                  const ox = ix * sw + kx * dw - pw;
                  if (ox < 0 || ox >= OW) continue;
                  const fBase = ci * fs.i + kz * fsd + ky * fsh + kx * fsw;
                  const oBase = oChan + oz * osd + oy * osh + ox * osw;
                  for (let col = 0; col < cog; col++) {
                    acc[oBase + col * os.c]! += x * filter[fBase + col * fs.o]!;
                  }
                }
              }
            }
          }
        }
      }
    }
  }
  return epilogue(acc, g.bias, g.activation, g.leakyReluAlpha, g.outChannels, g.batch, g.channelsLast);
}

/** Kept for callers of the 2-D name: the same as {@link convTransposeResolved}. */
export const convTranspose2dResolved = convTransposeResolved;

/** Adds the bias, applies the activation and rounds to float32. */
function epilogue(
  acc: Float64Array,
  bias: Float32Array | null,
  activation: ConvTransposeGeometry['activation'],
  alpha: number,
  channels: number,
  batch: number,
  channelsLast: boolean,
): Float32Array {
  const out = new Float32Array(acc.length);
  const spatial = acc.length / batch / channels;
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      const b = bias ? bias[c]! : 0;
      for (let p = 0; p < spatial; p++) {
        const idx = channelsLast ? (n * spatial + p) * channels + c : (n * channels + c) * spatial + p;
        out[idx] = activate(acc[idx]! + b, activation, alpha);
      }
    }
  }
  return out;
}

/** Filter layouts of a 2-D forward convolution, as WebNN's `conv2d` names them. */
export type Conv2dFilterLayout = 'oihw' | 'hwio' | 'ohwi' | 'ihwo';

/** Filter layouts of a forward convolution of any rank ([out, in/groups, …k] first). */
export type ConvFilterLayout =
  'oiw' | 'wio' | 'owi' | 'iwo' | Conv2dFilterLayout | 'oidhw' | 'dhwio' | 'odhwi' | 'idhwo';

const CONV_FILTER_LAYOUTS: Readonly<Record<number, readonly ConvFilterLayout[]>> = {
  1: ['oiw', 'wio', 'owi', 'iwo'],
  2: ['oihw', 'hwio', 'ohwi', 'ihwo'],
  3: ['oidhw', 'dhwio', 'odhwi', 'idhwo'],
};

/** Options of the CPU forward convolution {@link convCpu} (any rank). */
export interface ConvOptions {
  /** One per spatial axis; default 1. */
  strides?: readonly number[];
  /** One per spatial axis; default 1. */
  dilations?: readonly number[];
  /** Zero padding added before the convolution, two per axis: [begin₀, end₀, …]. */
  padding?: readonly number[];
  groups?: number;
  /** Default channels first ('ncw', 'nchw', 'ncdhw'). */
  inputLayout?: AnyInputLayout;
  /** Default 'oiw' / 'oihw' / 'oidhw' = [out, in/groups, …k]. */
  filterLayout?: ConvFilterLayout;
  /**
   * Explicit output size per spatial axis, at most the natural size: the positions past it
   * are dropped. This is TensorFlow's `input_sizes` of `conv2d_backprop_input`.
   */
  outputSizes?: readonly number[];
  bias?: Float32Array;
}

/** Options of the CPU forward convolution {@link conv2dCpu}. */
export interface Conv2dOptions extends ConvOptions {
  /** [strideH, strideW]. */
  strides?: readonly number[];
  /** [dilationH, dilationW]. */
  dilations?: readonly number[];
  /** Zero padding added before the convolution: [top, bottom, left, right]. */
  padding?: readonly number[];
  inputLayout?: InputLayout;
  /** Default 'oihw' = [out, in/groups, kH, kW]. */
  filterLayout?: Conv2dFilterLayout;
  /** Explicit output [H, W], at most the natural size. */
  outputSizes?: readonly number[];
}

const CONV_KEYS = [
  'strides',
  'dilations',
  'padding',
  'groups',
  'inputLayout',
  'filterLayout',
  'outputSizes',
  'bias',
] as const;

/** Contiguous strides of `shape`, by the letter of each dimension in `layout`. */
function letterStrides(layout: string, shape: readonly number[]): Map<string, number> {
  const strides = new Map<string, number>();
  let step = 1;
  for (let a = shape.length - 1; a >= 0; a--) {
    strides.set(layout[a]!, step);
    step *= shape[a]!;
  }
  return strides;
}

/**
 * Forward convolution (cross-correlation) of any rank on the CPU, accumulating in float64.
 * `convTransposeCpu` with the same filter memory is its adjoint:
 * ⟨conv(x, w), y⟩ = ⟨x, convTranspose(y, w)⟩ (forward 'oihw' pairs with transposed 'iohw',
 * 'hwio' with 'hwoi', 'ihwo' with 'ohwi'; likewise for 1-D and 3-D).
 *
 * @throws DeconvError('INVALID_ARGUMENT') for invalid shapes, options or data.
 */
export function convCpu(
  input: Float32Array,
  inputShape: readonly number[],
  filter: Float32Array,
  filterShape: readonly number[],
  options: ConvOptions = {},
): Tensor {
  const o = readOptions('options', options, CONV_KEYS);
  const inShape = readShape('inputShape', inputShape, [3, 4, 5]);
  const rank = inShape.length - 2;
  const fShape = readShape('filterShape', filterShape, [rank + 2]);
  checkData('input', input, inShape);
  checkData('filter', filter, fShape);
  const layouts = INPUT_LAYOUTS[rank]!;
  const layout = oneOf('options.inputLayout', o.inputLayout, layouts, layouts[0]);
  const fLayouts = CONV_FILTER_LAYOUTS[rank]!;
  const fLayout = oneOf('options.filterLayout', o.filterLayout, fLayouts, fLayouts[0]!);
  const perAxis = (key: 'strides' | 'dilations') =>
    o[key] === undefined ? new Array<number>(rank).fill(1) : readInts(`options.${key}`, o[key], [rank], 1);
  const strides = perAxis('strides');
  const dilations = perAxis('dilations');
  const padding =
    o.padding === undefined
      ? new Array<number>(2 * rank).fill(0)
      : readInts('options.padding', o.padding, [2 * rank], 0);
  const groups = readInt('options.groups', o.groups, 1, 1);
  const channelsLast = layout === layouts[1];
  const n = inShape[0]!;
  const c = channelsLast ? inShape[rank + 1]! : inShape[1]!;
  const sizes = channelsLast ? inShape.slice(1, rank + 1) : inShape.slice(2);
  const spatialLetters = 'dhw'.slice(3 - rank);
  const fLetters = letterStrides(fLayout, fShape);
  const fDim = (letter: string) => fShape[fLayout.indexOf(letter)]!;
  const outC = fDim('o');
  const inCg = fDim('i');
  const ks = [...spatialLetters].map(fDim);
  if (inCg * groups !== c) {
    invalid(
      'filterShape',
      fShape,
      `its input channels × groups (${inCg} × ${groups}) must equal the input's channels (${c})`,
    );
  }
  if (outC % groups !== 0) invalid('options.groups', groups, `must divide the output channels (${outC})`);
  let outSizes = sizes.map(
    (s, a) =>
      Math.floor((s + padding[2 * a]! + padding[2 * a + 1]! - dilations[a]! * (ks[a]! - 1) - 1) / strides[a]!) + 1,
  );
  if (o.outputSizes !== undefined) {
    const want = readInts('options.outputSizes', o.outputSizes, [rank], 1);
    if (want.some((w, a) => w > outSizes[a]!)) {
      invalid('options.outputSizes', o.outputSizes, `must be at most the natural size [${outSizes.join(', ')}]`);
    }
    outSizes = want;
  }
  if (outSizes.some((s) => s < 1)) {
    invalid('inputShape', inShape, `gives an empty output (${outSizes.join('×')}) for this filter, stride and padding`);
  }
  if (o.bias !== undefined && (!isFloat32Array(o.bias) || typedLength(o.bias) !== outC)) {
    invalid('options.bias', o.bias, `must be a Float32Array of length ${outC}`);
  }
  const outputShape = channelsLast ? [n, ...outSizes, outC] : [n, outC, ...outSizes];
  const outputSize = checkElements('outputShape', outputShape);
  const ist = tensorAxisStrides(channelsLast, c, sizes);
  const is = to3(ist.spatial, 0);
  const ost = tensorAxisStrides(channelsLast, outC, outSizes);
  const os = to3(ost.spatial, 0);
  const [ID, IH, IW] = to3(sizes, 1);
  const [KD, KH, KW] = to3(ks, 1);
  const [sd, sh, sw] = to3(strides, 1);
  const [dd, dh, dw] = to3(dilations, 1);
  const [pd, ph, pw] = to3(
    sizes.map((_, a) => padding[2 * a]!),
    0,
  );
  const [OD, OH, OW] = to3(outSizes, 1);
  const [fsd, fsh, fsw] = to3(
    [...spatialLetters].map((l) => fLetters.get(l)!),
    0,
  );
  const fo = fLetters.get('o')!;
  const fi = fLetters.get('i')!;
  const outCg = outC / groups;
  const acc = accumulator(outputSize, 'outputShape');
  for (let b = 0; b < n; b++) {
    for (let co = 0; co < outC; co++) {
      const grp = Math.floor(co / outCg);
      for (let oz = 0; oz < OD; oz++) {
        for (let oy = 0; oy < OH; oy++) {
          for (let ox = 0; ox < OW; ox++) {
            let sum = 0;
            for (let kz = 0; kz < KD; kz++) {
              const iz = oz * sd + kz * dd - pd;
              if (iz < 0 || iz >= ID) continue;
              for (let ky = 0; ky < KH; ky++) {
                const iy = oy * sh + ky * dh - ph;
                if (iy < 0 || iy >= IH) continue;
                for (let kx = 0; kx < KW; kx++) {
                  const ix = ox * sw + kx * dw - pw;
                  if (ix < 0 || ix >= IW) continue;
                  for (let cg = 0; cg < inCg; cg++) {
                    const ci = grp * inCg + cg;
                    sum +=
                      input[b * ist.n + ci * ist.c + iz * is[0] + iy * is[1] + ix * is[2]]! *
                      filter[co * fo + cg * fi + kz * fsd + ky * fsh + kx * fsw]!;
                  }
                }
              }
            }
            acc[b * ost.n + co * ost.c + oz * os[0] + oy * os[1] + ox * os[2]] = sum;
          }
        }
      }
    }
  }
  const bias = (o.bias as Float32Array | undefined) ?? null;
  return { data: epilogue(acc, bias, null, 0, outC, n, channelsLast), shape: outputShape };
}

/**
 * Forward 2-D convolution (cross-correlation) on the CPU, accumulating in float64;
 * see {@link convCpu}. `convTranspose2dCpu` with the same filter memory is its adjoint.
 * @throws DeconvError('INVALID_ARGUMENT') for invalid shapes, options or data.
 */
export function conv2dCpu(
  input: Float32Array,
  inputShape: readonly number[],
  filter: Float32Array,
  filterShape: readonly number[],
  options: Conv2dOptions = {},
): Tensor {
  readShape('inputShape', inputShape, [4]);
  if (isArray(filterShape)) readShape('filterShape', filterShape, [4]);
  return convCpu(input, inputShape, filter, filterShape, options);
}
