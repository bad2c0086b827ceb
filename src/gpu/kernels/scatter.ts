import code from '../../../shaders/scatter.wgsl?raw';
import fillCode from '../../../shaders/scatter-fill.wgsl?raw';
import type { ConvTranspose2dGeometry } from '../../types.js';
import type { ConvBuffers, Kernel, KernelContext } from '../kernel.js';
import { activationCode, ceilDiv, outputStrideUniforms, strideUniforms } from './common.js';

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/**
 * The collision-free tap classes of one axis: taps ky ≡ ky' (mod m) can reach the
 * same output (from pixels e apart); taps in different classes never can.
 */
function axisClasses(stride: number, dilation: number, k: number): { m: number; e: number; passes: number } {
  const d = gcd(stride, dilation);
  const m = stride / d;
  return { m, e: dilation / d, passes: Math.ceil(k / m) };
}

/** The scatter kernel's pass grid for `g`: passesY·passesX dispatches, plus a fill pass when `fill`. */
export function scatterPasses(g: ConvTranspose2dGeometry): {
  y: { m: number; e: number; passes: number };
  x: { m: number; e: number; passes: number };
  fill: boolean;
} {
  const y = axisClasses(g.strides[0], g.dilations[0], g.kernelHeight);
  const x = axisClasses(g.strides[1], g.dilations[1], g.kernelWidth);
  const fill =
    !allReached(g.outHeight, g.padding[0], g.kernelHeight, g.strides[0], g.dilations[0], g.inHeight) ||
    !allReached(g.outWidth, g.padding[2], g.kernelWidth, g.strides[1], g.dilations[1], g.inWidth);
  return { y, x, fill };
}

/** True when every output coordinate on an axis is reached by some (pixel, tap). */
function allReached(out: number, pad: number, k: number, s: number, d: number, size: number): boolean {
  for (let o = 0; o < out; o++) {
    const f = o + pad;
    let hit = false;
    for (let t = 0; t < k && t * d <= f && !hit; t++) {
      const q = f - t * d;
      hit = q % s === 0 && q / s < size;
    }
    if (!hit) return false;
  }
  return true;
}

/**
 * 'scatter': input-centred. Each thread takes 8 pixels × 8 output channels and adds
 * their products with a set of filter taps to the outputs they reach. Taps are
 * grouped so that within one pass no two (pixel, tap) pairs reach the same output
 * (ceil(kH/mH)·ceil(kW/mW) passes, m = stride/gcd(stride, dilation)); the passes run
 * in a fixed order, so results are deterministic without atomics. The first write
 * to an output starts from the bias, the last applies the activation; outputs no
 * tap reaches get act(bias) from a fill pass. Work per output ≈ cig·kH·kW/(sH·sW)
 * multiply-adds plus one read-modify-write per pass that reaches it.
 */
export const scatterKernel: Kernel = {
  name: 'scatter',
  preferredFilterLayout: 'hwoi',
  unsupported() {
    return null;
  },
  scratchBytes() {
    return 0;
  },
  encode(ctx: KernelContext, g: ConvTranspose2dGeometry, buffers: ConvBuffers) {
    const { y, x, fill } = scatterPasses(g);
    const act = activationCode(g);
    const base = {
      batch: g.batch,
      groups: g.groups,
      cig: g.inChannelsPerGroup,
      cog: g.outChannelsPerGroup,
      inH: g.inHeight,
      inW: g.inWidth,
      outH: g.outHeight,
      outW: g.outWidth,
      kH: g.kernelHeight,
      kW: g.kernelWidth,
      strideH: g.strides[0],
      strideW: g.strides[1],
      dilH: g.dilations[0],
      dilW: g.dilations[1],
      padTop: g.padding[0],
      padLeft: g.padding[2],
      alpha: g.leakyReluAlpha,
    };
    if (fill) {
      const { batch, inH, inW, outH, outW, kH, kW, strideH, strideW, dilH, dilW, padTop, padLeft, alpha } = base;
      ctx.dispatch({
        label: 'scatter:fill',
        code: fillCode,
        constants: { ACT: act },
        uniforms: {
          ...{ batch, inH, inW, outH, outW, kH, kW, strideH, strideW, dilH, dilW, padTop, padLeft, alpha },
          channels: g.outChannels,
          ...outputStrideUniforms(g),
        },
        buffers: { bias: buffers.bias, output: buffers.output },
        workgroups: ceilDiv(g.outputSize, 64),
      });
    }
    const threads = g.batch * g.groups * ceilDiv(g.outChannelsPerGroup, 8) * g.inHeight * ceilDiv(g.inWidth, 8);
    for (let py = 0; py < y.passes; py++) {
      for (let px = 0; px < x.passes; px++) {
        ctx.dispatch({
          label: 'scatter',
          code,
          constants: { ACT: act },
          uniforms: {
            ...base,
            mY: y.m,
            mX: x.m,
            eY: y.e,
            eX: x.e,
            passY: py,
            passX: px,
            ...strideUniforms(g),
          },
          buffers: { input: buffers.input, weights: buffers.filter, bias: buffers.bias, output: buffers.output },
          workgroups: ceilDiv(threads, 64),
        });
      }
    }
  },
};
