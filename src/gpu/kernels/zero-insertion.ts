import code from '../../../shaders/zero-insertion.wgsl?raw';
import type { ConvTranspose2dGeometry } from '../../types.js';
import type { ConvBuffers, Kernel, KernelContext } from '../kernel.js';
import { activationCode, ceilDiv, strideUniforms } from './common.js';

const WG = 64;

/** Size of the zero-inserted, border-padded input: [batch, inChannels, uh, uw]. */
function upsampledDims(g: ConvTranspose2dGeometry): { uh: number; uw: number; bt: number; bl: number } {
  const [dh, dw] = g.dilations;
  return {
    uh: g.outHeight + dh * (g.kernelHeight - 1),
    uw: g.outWidth + dw * (g.kernelWidth - 1),
    bt: dh * (g.kernelHeight - 1) - g.padding[0],
    bl: dw * (g.kernelWidth - 1) - g.padding[2],
  };
}

/**
 * 'zero-insertion': writes the input into a zero-filled buffer with stride − 1
 * zeros between pixels and a border of dilation·(k − 1) − pad, then runs a
 * direct stride-1 convolution with the flipped filter. The textbook method: it
 * multiplies every inserted zero, so it does about stride_h·stride_w times the
 * useful work, and needs a scratch buffer the size of the upsampled input.
 */
export const zeroInsertionKernel: Kernel = {
  name: 'zero-insertion',
  preferredFilterLayout: 'iohw',
  unsupported(g, limits) {
    const bytes = this.scratchBytes(g);
    const max = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
    if (bytes > max) {
      return `the upsampled input needs ${bytes} bytes, over the device's largest storage binding (${max} bytes)`;
    }
    return null;
  },
  scratchBytes(g) {
    const { uh, uw } = upsampledDims(g);
    return g.batch * g.inChannels * uh * uw * 4;
  },
  encode(ctx: KernelContext, g: ConvTranspose2dGeometry, buffers: ConvBuffers) {
    const { uh, uw, bt, bl } = upsampledDims(g);
    const cbg = ceilDiv(g.outChannelsPerGroup, 4);
    const nxb = ceilDiv(g.outWidth, 4);
    const threads = g.batch * g.outHeight * nxb * cbg * g.groups;
    const up = ctx.scratch(this.scratchBytes(g), 'zero-insertion:upsampled');
    const uniforms = {
      batch: g.batch,
      cin: g.inChannels,
      cout: g.outChannels,
      cig: g.inChannelsPerGroup,
      cog: g.outChannelsPerGroup,
      ih: g.inHeight,
      iw: g.inWidth,
      oh: g.outHeight,
      ow: g.outWidth,
      kh: g.kernelHeight,
      kw: g.kernelWidth,
      sh: g.strides[0],
      sw: g.strides[1],
      dh: g.dilations[0],
      dw: g.dilations[1],
      uh,
      uw,
      bt,
      bl,
      ...strideUniforms(g),
      in_total: g.inputSize,
      out_total: threads,
      cbg,
      ncb: cbg * g.groups,
      nxb,
      alpha: g.leakyReluAlpha,
    };
    const constants = { ACT: activationCode(g), WG };
    ctx.dispatch({
      label: 'zero-insertion:upsample',
      code,
      entryPoint: 'upsample',
      constants: { WG },
      uniforms,
      buffers: { input: buffers.input, up },
      workgroups: ceilDiv(g.inputSize, WG),
    });
    ctx.dispatch({
      label: 'zero-insertion:conv',
      code,
      entryPoint: 'main',
      constants,
      uniforms,
      buffers: { weights: buffers.filter, bias: buffers.bias, output: buffers.output, up },
      workgroups: ceilDiv(threads, WG),
    });
  },
};
