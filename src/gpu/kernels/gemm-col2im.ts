import col2imCode from '../../../shaders/col2im.wgsl?raw';
import type { ConvTranspose2dGeometry } from '../../types.js';
import type { ConvBuffers, Kernel, KernelContext } from '../kernel.js';
import { activationCode, ceilDiv, outputStrideUniforms } from './common.js';
import { encodeGemm } from './gemm.js';

/** Largest column buffer one call allocates (the WebGPU default maxStorageBufferBindingSize). */
export const COL_CAP_BYTES = 128 * 1024 * 1024;

/** One GEMM + col2im step: a run of (group, image) slices, or output rows of one slice. */
export interface Col2imChunk {
  /** First slice b = group·batch + image, and how many. */
  slice0: number;
  slices: number;
  /** Output rows this chunk writes. */
  oy0: number;
  outRows: number;
  /** Input rows whose columns the chunk computes (all that reach its output rows). */
  iy0: number;
  colRows: number;
}

/** How gemm-col2im covers a geometry within a column-buffer budget. */
export interface Col2imPlan {
  /** Rows of the column matrix: outChannelsPerGroup·kH·kW. */
  M: number;
  chunks: Col2imChunk[];
  /** Size of the column buffer, reused by every chunk. */
  colBytes: number;
}

/** Input rows [lo, hi) that reach output rows [oy0, oy1) through some tap. */
function inputRows(g: ConvTranspose2dGeometry, oy0: number, oy1: number): [number, number] {
  const [s] = g.strides;
  const [d] = g.dilations;
  const pt = g.padding[0];
  const lo = Math.max(0, Math.ceil((oy0 + pt - (g.kernelHeight - 1) * d) / s));
  const hi = Math.min(g.inHeight, Math.floor((oy1 - 1 + pt) / s) + 1);
  return hi > lo ? [lo, hi] : [0, 0];
}

/**
 * Splits the work so the column buffer fits `maxBytes`: all slices at once when
 * they fit, else runs of whole slices, else bands of output rows of one slice
 * (recomputing the few input rows that neighbouring bands share).
 * Returns a reason string when even one output row's columns do not fit. Pure.
 */
export function planGemmCol2im(g: ConvTranspose2dGeometry, maxBytes: number): Col2imPlan | string {
  const M = g.outChannelsPerGroup * g.kernelHeight * g.kernelWidth;
  const slices = g.groups * g.batch;
  const rowBytes = M * g.inWidth * 4;
  const sliceBytes = rowBytes * g.inHeight;
  const whole = (slice0: number, n: number): Col2imChunk => ({
    slice0,
    slices: n,
    oy0: 0,
    outRows: g.outHeight,
    iy0: 0,
    colRows: g.inHeight,
  });
  if (slices * sliceBytes <= maxBytes) {
    return { M, chunks: [whole(0, slices)], colBytes: slices * sliceBytes };
  }
  if (sliceBytes <= maxBytes) {
    const per = Math.floor(maxBytes / sliceBytes);
    const chunks: Col2imChunk[] = [];
    for (let s = 0; s < slices; s += per) chunks.push(whole(s, Math.min(per, slices - s)));
    return { M, chunks, colBytes: per * sliceBytes };
  }
  const maxRows = Math.floor(maxBytes / rowBytes);
  const bands: [number, number][] = [];
  for (let oy0 = 0; oy0 < g.outHeight;) {
    let oy1 = oy0 + 1;
    const [lo, hi] = inputRows(g, oy0, oy1);
    if (hi - lo > maxRows) {
      return `one output row needs ${hi - lo} input rows of columns (${(hi - lo) * rowBytes} bytes), over the column budget of ${maxBytes} bytes`;
    }
    while (oy1 < g.outHeight) {
      const [l, h] = inputRows(g, oy0, oy1 + 1);
      if (h - l > maxRows) break;
      oy1++;
    }
    bands.push([oy0, oy1]);
    oy0 = oy1;
  }
  const chunks: Col2imChunk[] = [];
  let most = 0;
  for (let s = 0; s < slices; s++) {
    for (const [oy0, oy1] of bands) {
      const [lo, hi] = inputRows(g, oy0, oy1);
      chunks.push({ slice0: s, slices: 1, oy0, outRows: oy1 - oy0, iy0: lo, colRows: hi - lo });
      most = Math.max(most, hi - lo);
    }
  }
  return { M, chunks, colBytes: most * rowBytes };
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

function budget(limits: GPUSupportedLimits): number {
  return Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize, COL_CAP_BYTES);
}

/**
 * Where column m of the GEMM keeps (co, ky, kx): m = co·mCo + ky·mKy + kx·mKx, and
 * A's strides. Co-major for iohw/ohwi filters, tap-major for hwoi, so that m is one
 * linear stride into the filter and the GEMM reads it in place.
 */
function columnOrder(g: ConvTranspose2dGeometry): { aM: number; aK: number; mCo: number; mKy: number; mKx: number } {
  const fs = g.filterStrides;
  const kHW = g.kernelHeight * g.kernelWidth;
  if (g.filterLayout === 'hwoi') {
    return { aM: fs.o, aK: fs.i, mCo: 1, mKy: g.kernelWidth * g.outChannelsPerGroup, mKx: g.outChannelsPerGroup };
  }
  return { aM: fs.w, aK: fs.i, mCo: kHW, mKy: g.kernelWidth, mKx: 1 };
}

/**
 * 'gemm-col2im', Caffe's way: per (group, image), a GEMM of Wᵀ (cog·kH·kW × cig)
 * by the input (cig × inH·inW) gives every pixel's contribution to every tap in a
 * column buffer; col2im then sums, for each output, the columns that land on it and
 * applies bias and activation. Work per output ≈ cig·kH·kW/(sH·sW) multiply-adds (no
 * inserted zeros), plus one column-buffer write and read per (pixel, tap, channel).
 */
export const gemmCol2imKernel: Kernel = {
  name: 'gemm-col2im',
  preferredFilterLayout: 'iohw',
  unsupported(g, limits) {
    const plan = planGemmCol2im(g, budget(limits));
    return typeof plan === 'string' ? plan : null;
  },
  scratchBytes(g) {
    const plan = planGemmCol2im(g, COL_CAP_BYTES);
    return typeof plan === 'string' ? 0 : plan.colBytes;
  },
  encode(ctx: KernelContext, g: ConvTranspose2dGeometry, buffers: ConvBuffers) {
    const plan = planGemmCol2im(g, budget(ctx.limits));
    if (typeof plan === 'string') throw new Error(`gemm-col2im: ${plan}`);
    const col = ctx.scratch(Math.max(16, plan.colBytes), 'gemm-col2im:col');
    const order = columnOrder(g);
    const is = g.inputStrides;
    const fs = g.filterStrides;
    const cig = g.inChannelsPerGroup;
    const cog = g.outChannelsPerGroup;
    const [sh, sw] = g.strides;
    const [dh, dw] = g.dilations;
    // col2im: 4 outputs of one stride phase per thread (see shaders/col2im.wgsl).
    const blocksPerPhase = ceilDiv(ceilDiv(g.outWidth, sw), 4);
    for (const ch of plan.chunks) {
      const N = ch.colRows * g.inWidth;
      encodeGemm(ctx, 'gemm-col2im:gemm', {
        M: plan.M,
        N,
        K: cig,
        batch: ch.slices,
        batch0: ch.slice0,
        batchInner: g.batch,
        a: { buffer: buffers.filter, outer: cig * fs.i, m: order.aM, k: order.aK },
        b: { buffer: buffers.input, offset: ch.iy0 * is.h, outer: cig * is.c, inner: is.n, k: is.c, n: is.w },
        c: { buffer: col, batch: plan.M * N, m: N, n: 1 },
      });
      const threads = ch.slices * cog * ch.outRows * sw * blocksPerPhase;
      ctx.dispatch({
        label: 'gemm-col2im:col2im',
        code: col2imCode,
        constants: { ACT: activationCode(g) },
        uniforms: {
          slice0: ch.slice0,
          slices: ch.slices,
          batch: g.batch,
          cog,
          inH: g.inHeight,
          inW: g.inWidth,
          outW: g.outWidth,
          kH: g.kernelHeight,
          kW: g.kernelWidth,
          strideH: sh,
          strideW: sw,
          dqY: Math.floor(dh / sh),
          drY: dh % sh,
          dqX: Math.floor(dw / sw),
          drX: dw % sw,
          mY: sh / gcd(sh, dh),
          mX: sw / gcd(sw, dw),
          eY: dh / gcd(sh, dh),
          eX: dw / gcd(sw, dw),
          blocksPerPhase,
          padTop: g.padding[0],
          padLeft: g.padding[2],
          oy0: ch.oy0,
          outRows: ch.outRows,
          iy0: ch.iy0,
          colRows: ch.colRows,
          mCo: order.mCo,
          mKy: order.mKy,
          mKx: order.mKx,
          ...outputStrideUniforms(g),
          channelsLast: g.inputLayout === 'nhwc' ? 1 : 0,
          alpha: g.leakyReluAlpha,
        },
        buffers: { col, bias: buffers.bias, output: buffers.output },
        workgroups: ceilDiv(threads, 64),
      });
    }
  },
};
