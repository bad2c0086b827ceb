import registerCode from '../../../shaders/subpixel.wgsl?raw';
import tiledCode from '../../../shaders/subpixel-tiled.wgsl?raw';
import depthwiseCode from '../../../shaders/subpixel-depthwise.wgsl?raw';
import type { ConvTranspose2dGeometry } from '../../types.js';
import type { ConvBuffers, Kernel, KernelContext } from '../kernel.js';
import {
  gcd,
  subpixelConfig,
  subpixelDepthwiseThreads,
  subpixelRowSlots,
  subpixelWorkgroups,
  type SubpixelConfig,
} from '../planner.js';
import { activationCode, strideUniforms } from './common.js';

/** Uniforms both subpixel variants share. */
function sharedUniforms(g: ConvTranspose2dGeometry): Record<string, number> {
  const [sh, sw] = g.strides;
  const [dh, dw] = g.dilations;
  return {
    cog: g.outChannelsPerGroup,
    cig: g.inChannelsPerGroup,
    ih: g.inHeight,
    iw: g.inWidth,
    oh: g.outHeight,
    ow: g.outWidth,
    kh: g.kernelHeight,
    kw: g.kernelWidth,
    sh,
    sw,
    dh,
    dw,
    pt: g.padding[0],
    pl: g.padding[2],
    sty: sh / gcd(sh, dh),
    stx: sw / gcd(sw, dw),
    ...strideUniforms(g),
    alpha: g.leakyReluAlpha,
  };
}

/**
 * 'subpixel': the stride-phase decomposition. An output pixel's phase
 * (q mod stride per axis) fixes which filter taps reach it, so each phase is an
 * ordinary convolution of the low-resolution input with a sub-filter; every
 * phase is computed in one dispatch and written interleaved into the output.
 * No inserted zero is multiplied. Three variants, chosen by the planner:
 * register-blocked (up to 8 channels × 8 pixels per thread, in one row or two, no barriers),
 * workgroup-tiled (implicit GEMM per phase with tiles in workgroup memory), and depthwise
 * (one channel per group: 8 pixels per thread, any adapter).
 */
export const subpixelKernel: Kernel = {
  name: 'subpixel',
  // Taps [kH, kW] outermost and input channels contiguous: the inner loop over
  // input channels reads weights sequentially.
  preferredFilterLayout: 'hwoi',
  unsupported() {
    return null;
  },
  scratchBytes() {
    return 0;
  },
  encode(ctx: KernelContext, g: ConvTranspose2dGeometry, buffers: ConvBuffers) {
    encodeSubpixel(ctx, g, buffers, subpixelConfig(g, ctx.limits, ctx.software));
  },
};

/** Entry point of the register-blocked shader for a block of channels × pixels per thread. */
const ENTRY: Record<string, string> = {
  '4x4': 'main',
  '4x8': 'main8',
  '8x8': 'main88',
  '8x4': 'main84',
  '8x4x2': 'main88r',
};

/** Records the subpixel kernel's single dispatch with an explicit variant and tiles (the planner's, or a test's). */
export function encodeSubpixel(
  ctx: KernelContext,
  g: ConvTranspose2dGeometry,
  buffers: ConvBuffers,
  config: SubpixelConfig,
): void {
  const workgroups = subpixelWorkgroups(g, config);
  const bufs = { input: buffers.input, weights: buffers.filter, bias: buffers.bias, output: buffers.output };
  const act = activationCode(g);
  if (config.variant === 'depthwise') {
    if (g.inChannelsPerGroup !== 1 || g.outChannelsPerGroup !== 1) {
      throw new Error(
        `subpixel: the depthwise variant needs one channel per group, not ${g.inChannelsPerGroup} → ${g.outChannelsPerGroup}`,
      );
    }
    ctx.dispatch({
      label: 'subpixel:depthwise',
      code: depthwiseCode,
      constants: { ACT: act, WG: config.wg },
      uniforms: {
        ...sharedUniforms(g),
        channels: g.groups,
        nxb: Math.ceil(Math.ceil(g.outWidth / g.strides[1]) / 8),
        total: subpixelDepthwiseThreads(g),
      },
      buffers: bufs,
      workgroups,
    });
    return;
  }
  if (config.variant === 'register') {
    const cbg = Math.ceil(g.outChannelsPerGroup / config.channels);
    const nxb = Math.ceil(Math.ceil(g.outWidth / g.strides[1]) / config.pixels);
    const rows = config.rows ?? 1;
    const nyr = subpixelRowSlots(g, config);
    const entry = ENTRY[`${config.channels}x${config.pixels}${rows === 2 ? 'x2' : ''}`];
    if (!entry) throw new Error(`subpixel: no register block of ${config.channels} × ${rows} × ${config.pixels}`);
    ctx.dispatch({
      label: 'subpixel',
      code: registerCode,
      entryPoint: entry,
      constants: { ACT: act, WG: config.wg },
      uniforms: {
        ...sharedUniforms(g),
        cbg,
        ncb: cbg * g.groups,
        nxb,
        nyr,
        nb: g.batch,
        total: g.batch * nyr * g.strides[1] * cbg * g.groups * nxb,
      },
      buffers: bufs,
      workgroups,
    });
    return;
  }
  const [sh, sw] = g.strides;
  const nmt = Math.ceil((g.batch * Math.ceil(g.outHeight / sh) * Math.ceil(g.outWidth / sw)) / (config.wx * 4));
  const nnt = Math.ceil(g.outChannelsPerGroup / (config.wy * 4));
  ctx.dispatch({
    label: 'subpixel:tiled',
    code: tiledCode,
    constants: { ACT: act, WX: config.wx, WY: config.wy, TK: config.tk, ...tiledVectorModes(g, buffers) },
    uniforms: { ...sharedUniforms(g), batch: g.batch, groups: g.groups, nmt, nnt, total_wg: workgroups },
    buffers: { ...bufs, input4: buffers.input, weights4: buffers.filter },
    workgroups,
  });
}

/**
 * Whether the tiled subpixel stages input (A_VEC) and weights (B_VEC) four input channels
 * at a time: the channel stride is 1, and the other strides, the channels per group and
 * the buffer size are multiples of 4 floats (see shaders/subpixel-tiled.wgsl).
 */
export function tiledVectorModes(
  g: ConvTranspose2dGeometry,
  buffers: Pick<ConvBuffers, 'input' | 'filter'>,
): { A_VEC: number; B_VEC: number } {
  const by4 = (...xs: number[]) => xs.every((x) => x % 4 === 0);
  const x = g.inputStrides;
  const f = g.filterStrides;
  const channels = by4(g.inChannelsPerGroup);
  return {
    A_VEC: channels && x.c === 1 && by4(x.n, x.h, x.w, buffers.input.size / 4) ? 1 : 0,
    B_VEC: channels && f.i === 1 && by4(f.o, f.h, f.w, buffers.filter.size / 4) ? 1 : 0,
  };
}
