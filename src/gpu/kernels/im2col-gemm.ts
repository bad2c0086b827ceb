import registersCode from '../../../shaders/im2col-gemm.wgsl?raw';
import tiledCode from '../../../shaders/im2col-gemm-tiled.wgsl?raw';
import type { ConvTranspose2dGeometry } from '../../types.js';
import type { ConvBuffers, Kernel, KernelContext } from '../kernel.js';
import { activationCode, ceilDiv, strideUniforms } from './common.js';
import { chooseTile, gemmRegisterRows, gemmVariant, type GemmVariant } from './gemm.js';

/** Uniforms shared by both im2col-gemm shaders (each takes the members its struct declares). */
function uniforms(g: ConvTranspose2dGeometry, N: number): Record<string, number> {
  return {
    groups: g.groups,
    cig: g.inChannelsPerGroup,
    cog: g.outChannelsPerGroup,
    N,
    inH: g.inHeight,
    inW: g.inWidth,
    outH: g.outHeight,
    outW: g.outWidth,
    kW: g.kernelWidth,
    strideH: g.strides[0],
    strideW: g.strides[1],
    dilH: g.dilations[0],
    dilW: g.dilations[1],
    padTop: g.padding[0],
    padLeft: g.padding[2],
    ...strideUniforms(g),
    alpha: g.leakyReluAlpha,
  };
}

/** Records im2col-gemm with an explicit variant (the kernel picks by adapter; tests and the benchmark pin it). */
export function encodeIm2colGemm(
  ctx: KernelContext,
  g: ConvTranspose2dGeometry,
  buffers: ConvBuffers,
  variant: GemmVariant = gemmVariant(ctx),
): void {
  const N = g.batch * g.outHeight * g.outWidth;
  const cog = g.outChannelsPerGroup;
  const common = uniforms(g, N);
  const bound = { input: buffers.input, weights: buffers.filter, bias: buffers.bias, output: buffers.output };
  if (variant === 'registers') {
    const rows = gemmRegisterRows(cog, N);
    ctx.dispatch({
      label: 'im2col-gemm',
      code: registersCode,
      constants: { ACT: activationCode(g), WG_ROWS: rows },
      uniforms: { ...common, kH: g.kernelHeight },
      buffers: bound,
      workgroups: g.groups * ceilDiv(cog, 8 * rows) * ceilDiv(N, 8 * (64 / rows)),
    });
  } else {
    const tile = chooseTile(cog, ctx.limits);
    ctx.dispatch({
      label: 'im2col-gemm',
      code: tiledCode,
      constants: { ACT: activationCode(g), ...tile },
      uniforms: { ...common, K: g.kernelHeight * g.kernelWidth * g.inChannelsPerGroup },
      buffers: bound,
      workgroups: g.groups * ceilDiv(cog, tile.TILE_M) * ceilDiv(N, tile.TILE_N),
    });
  }
}

/**
 * 'im2col-gemm', the implicit GEMM: per group, out(cog × batch·outH·outW) =
 * W(cog × kH·kW·cig) · X̃, where X̃ is the im2col matrix of the zero-inserted input,
 * gathered while computing and never stored. Work per output = cig·kH·kW
 * multiply-adds, inserted zeros included (the register variant skips a tap only
 * when all eight of a thread's positions miss it), no scratch memory.
 */
export const im2colGemmKernel: Kernel = {
  name: 'im2col-gemm',
  preferredFilterLayout: 'hwoi',
  unsupported() {
    return null;
  },
  scratchBytes() {
    return 0;
  },
  encode(ctx: KernelContext, g: ConvTranspose2dGeometry, buffers: ConvBuffers) {
    encodeIm2colGemm(ctx, g, buffers);
  },
};
