import { activate } from './activation.js';
import { invalid } from './errors.js';
import {
  checkData,
  checkInts,
  checkShape,
  filterDims,
  filterStrides,
  resolveConvTranspose2d,
  tensorStrides,
} from './geometry.js';
import type { ConvTranspose2dGeometry, ConvTranspose2dOptions, FilterLayout, InputLayout, Tensor } from './types.js';

/**
 * Transposed convolution on the CPU: the library's ground truth and its fallback
 * without WebGPU. Supports every option; accumulates in float64.
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
  return { data: convTranspose2dResolved(g, input, filter), shape: [...g.outputShape] };
}

/** Runs the CPU reference on an already resolved and validated geometry. */
export function convTranspose2dResolved(
  g: ConvTranspose2dGeometry,
  input: Float32Array,
  filter: Float32Array,
): Float32Array {
  const acc = new Float64Array(g.outputSize);
  const is = g.inputStrides;
  const os = g.outputStrides;
  const fs = g.filterStrides;
  const [sh, sw] = g.strides;
  const [dh, dw] = g.dilations;
  const pt = g.padding[0];
  const pl = g.padding[2];
  const cig = g.inChannelsPerGroup;
  const cog = g.outChannelsPerGroup;
  for (let n = 0; n < g.batch; n++) {
    for (let ci = 0; ci < g.inChannels; ci++) {
      const grp = Math.floor(ci / cig);
      for (let iy = 0; iy < g.inHeight; iy++) {
        for (let ix = 0; ix < g.inWidth; ix++) {
          const x = input[n * is.n + ci * is.c + iy * is.h + ix * is.w]!;
          if (x === 0) continue;
          for (let ky = 0; ky < g.kernelHeight; ky++) {
            const oy = iy * sh + ky * dh - pt;
            if (oy < 0 || oy >= g.outHeight) continue;
            for (let kx = 0; kx < g.kernelWidth; kx++) {
              const ox = ix * sw + kx * dw - pl;
              if (ox < 0 || ox >= g.outWidth) continue;
              const fBase = ci * fs.i + ky * fs.h + kx * fs.w;
              const oBase = n * os.n + oy * os.h + ox * os.w;
              for (let col = 0; col < cog; col++) {
                const co = grp * cog + col;
                acc[oBase + co * os.c]! += x * filter[fBase + col * fs.o]!;
              }
            }
          }
        }
      }
    }
  }
  return epilogue(
    acc,
    g.bias,
    g.activation,
    g.leakyReluAlpha,
    g.outputSize / g.batch,
    os.c,
    g.outChannels,
    g.batch,
    g.inputLayout,
  );
}

function epilogue(
  acc: Float64Array,
  bias: Float32Array | null,
  activation: ConvTranspose2dGeometry['activation'],
  alpha: number,
  perBatch: number,
  cStride: number,
  channels: number,
  batch: number,
  layout: InputLayout,
): Float32Array {
  const out = new Float32Array(acc.length);
  const spatial = perBatch / channels;
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      const b = bias ? bias[c]! : 0;
      for (let p = 0; p < spatial; p++) {
        const idx = n * perBatch + c * cStride + p * (layout === 'nchw' ? 1 : channels);
        out[idx] = activate(acc[idx]! + b, activation, alpha);
      }
    }
  }
  return out;
}

/** Filter layouts of a forward convolution, as WebNN's `conv2d` names them. */
export type Conv2dFilterLayout = 'oihw' | 'hwio' | 'ohwi' | 'ihwo';

/** Options of the CPU forward convolution {@link conv2dCpu}. */
export interface Conv2dOptions {
  strides?: [number, number];
  dilations?: [number, number];
  /** Zero padding added before the convolution: [top, bottom, left, right]. */
  padding?: [number, number, number, number];
  groups?: number;
  inputLayout?: InputLayout;
  /** Default 'oihw' = [out, in/groups, kH, kW]. */
  filterLayout?: Conv2dFilterLayout;
  /**
   * Explicit output [H, W], at most the natural size: the rows and columns past
   * it are dropped. This is TensorFlow's `input_sizes` of `conv2d_backprop_input`.
   */
  outputSizes?: [number, number];
  bias?: Float32Array;
}

/** The transposed-convolution filter layout that reads a forward filter layout's memory the same way. */
const TRANSPOSED_LAYOUT: Record<Conv2dFilterLayout, FilterLayout | null> = {
  oihw: 'iohw',
  hwio: 'hwoi',
  ihwo: 'ohwi',
  ohwi: null,
};

/**
 * Forward 2-D convolution (cross-correlation) on the CPU, accumulating in float64.
 * `convTranspose2dCpu` with the same filter memory is its adjoint:
 * ⟨conv2d(x, w), y⟩ = ⟨x, convTranspose2d(y, w)⟩.
 */
export function conv2dCpu(
  input: Float32Array,
  inputShape: readonly number[],
  filter: Float32Array,
  filterShape: readonly number[],
  options: Conv2dOptions = {},
): Tensor {
  const inShape = checkShape('inputShape', inputShape);
  const fShape = checkShape('filterShape', filterShape);
  checkData('input', input, inShape);
  checkData('filter', filter, fShape);
  const layout = options.inputLayout ?? 'nchw';
  if (layout !== 'nchw' && layout !== 'nhwc') invalid('options.inputLayout', layout, "must be 'nchw' or 'nhwc'");
  const fLayout = options.filterLayout ?? 'oihw';
  if (!(fLayout in TRANSPOSED_LAYOUT))
    invalid('options.filterLayout', fLayout, "must be 'oihw', 'hwio', 'ohwi' or 'ihwo'");
  const [sh, sw] = (options.strides ? checkInts('options.strides', options.strides, 2, 1) : [1, 1]) as [number, number];
  const [dh, dw] = (options.dilations ? checkInts('options.dilations', options.dilations, 2, 1) : [1, 1]) as [
    number,
    number,
  ];
  const [pt, pb, pl, pr] = (options.padding ? checkInts('options.padding', options.padding, 4, 0) : [0, 0, 0, 0]) as [
    number,
    number,
    number,
    number,
  ];
  const groups = options.groups ?? 1;
  if (!Number.isSafeInteger(groups) || groups < 1) invalid('options.groups', groups, 'must be a positive integer');
  const [n, c, h, w] = layout === 'nchw' ? inShape : [inShape[0], inShape[3], inShape[1], inShape[2]];
  // Logical forward dims [out, in/groups, kH, kW] and strides.
  let outC: number, inCg: number, kh: number, kw: number;
  let fo: number, fi: number, fh: number, fw: number;
  const tl = TRANSPOSED_LAYOUT[fLayout];
  if (tl) {
    const [a, b, kH, kW] = filterDims(tl, fShape);
    [outC, inCg, kh, kw] = [a, b, kH, kW];
    const st = filterStrides(tl, a, b, kH, kW);
    [fo, fi, fh, fw] = [st.i, st.o, st.h, st.w];
  } else {
    [outC, kh, kw, inCg] = fShape;
    [fo, fh, fw, fi] = [kh * kw * inCg, kw * inCg, inCg, 1];
  }
  if (inCg * groups !== c) {
    invalid(
      'filterShape',
      fShape,
      `its input channels × groups (${inCg} × ${groups}) must equal the input's channels (${c})`,
    );
  }
  if (outC % groups !== 0) invalid('options.groups', groups, `must divide the output channels (${outC})`);
  let oh = Math.floor((h + pt + pb - dh * (kh - 1) - 1) / sh) + 1;
  let ow = Math.floor((w + pl + pr - dw * (kw - 1) - 1) / sw) + 1;
  if (options.outputSizes) {
    const [rh, rw] = checkInts('options.outputSizes', options.outputSizes, 2, 1);
    if (rh! > oh || rw! > ow)
      invalid('options.outputSizes', options.outputSizes, `must be at most the natural size [${oh}, ${ow}]`);
    [oh, ow] = [rh!, rw!];
  }
  if (oh < 1 || ow < 1)
    invalid('inputShape', inShape, `gives an empty output (${oh}×${ow}) for this filter, stride and padding`);
  const is = tensorStrides(layout, c, h, w);
  const os = tensorStrides(layout, outC, oh, ow);
  const outCg = outC / groups;
  const acc = new Float64Array(n * outC * oh * ow);
  for (let b = 0; b < n; b++) {
    for (let co = 0; co < outC; co++) {
      const grp = Math.floor(co / outCg);
      for (let oy = 0; oy < oh; oy++) {
        for (let ox = 0; ox < ow; ox++) {
          let sum = 0;
          for (let ky = 0; ky < kh; ky++) {
            const iy = oy * sh + ky * dh - pt;
            if (iy < 0 || iy >= h) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ox * sw + kx * dw - pl;
              if (ix < 0 || ix >= w) continue;
              for (let cg = 0; cg < inCg; cg++) {
                const ci = grp * inCg + cg;
                sum +=
                  input[b * is.n + ci * is.c + iy * is.h + ix * is.w]! * filter[co * fo + cg * fi + ky * fh + kx * fw]!;
              }
            }
          }
          acc[b * os.n + co * os.c + oy * os.h + ox * os.w] = sum;
        }
      }
    }
  }
  if (options.bias !== undefined && (!(options.bias instanceof Float32Array) || options.bias.length !== outC)) {
    invalid('options.bias', options.bias, `must be a Float32Array of length ${outC}`);
  }
  const shape = layout === 'nchw' ? [n, outC, oh, ow] : [n, oh, ow, outC];
  return { data: epilogue(acc, options.bias ?? null, null, 0, acc.length / n, os.c, outC, n, layout), shape };
}
