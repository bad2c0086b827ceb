/**
 * 'zero-insertion': writes the input into a zero-filled float32 scratch with stride − 1 zeros
 * between inputs and a border of dilation·(k − 1) − padBegin on every spatial axis, then runs
 * a direct stride-1 convolution with the flipped filter, 4 output channels × 4 outputs of the
 * last axis per thread. The textbook method: it multiplies every inserted zero, so it does
 * about Π stride times the useful work, and needs a scratch the size of the upsampled input.
 * Planning in ./plan.ts, WGSL in ./wgsl.ts.
 */
import { FILTER_LAYOUTS } from '../../../geometry.js';
import type { ConvTransposeGeometry } from '../../../types.js';
import type { ConvBuffers, Kernel, KernelContext, VariantKey } from '../../kernel.js';
import { defineKernel } from '../../kernel.js';
import { activationCode, axisLetters, ceilDiv, FLAT_WORKGROUP, geometryUniforms, pick } from '../../math.js';
import { shaderFor, type ShaderSource } from '../../shader/compose.js';
import type { Storage } from '../../shader/storage.js';
import { BLOCK, convThreads, upsampled, upsampledBytes, zeroInsertionCost, zeroInsertionMacs } from './plan.js';
import { convShader, upsampleShader, type ConvKey, type UpsampleKey } from './wgsl.js';

export { upsampled, upsampledBytes } from './plan.js';

/** The variant of the zero-insertion kernel: the key of its convolution pass. */
export type ZeroInsertionVariant = ConvKey;

function shaders(key: ConvKey): [ShaderSource, ShaderSource] {
  const up: UpsampleKey = { rank: key.rank, storage: key.storage };
  return [shaderFor('zero-insertion:upsample', up, upsampleShader), shaderFor('zero-insertion', key, convShader)];
}

/** Records the upsampling and the convolution of `g`. */
export function encodeZeroInsertion(
  ctx: KernelContext,
  g: ConvTransposeGeometry,
  buffers: ConvBuffers,
  variant: ZeroInsertionVariant,
): void {
  const [upShader, conv] = shaders({ rank: g.rank, storage: ctx.storage, guard: variant.guard });
  const { sizes, borders } = upsampled(g);
  const letters = axisLetters(g.rank);
  const cbg = ceilDiv(g.outChannelsPerGroup, BLOCK);
  const threads = convThreads(g);
  const values: Record<string, number> = {
    ...geometryUniforms(g),
    cbg,
    ncb: cbg * g.groups,
    b_w: ceilDiv(g.outSizes[g.rank - 1]!, BLOCK),
  };
  // Strides of the channels-first scratch: the last axis contiguous.
  let stride = 1;
  for (let a = g.rank - 1; a >= 0; a--) {
    values[`u_${letters[a]}`] = sizes[a]!;
    values[`us_${letters[a]}`] = stride;
    values[`ub_${letters[a]}`] = borders[a]!;
    stride *= sizes[a]!;
  }
  values.us_c = stride;
  values.us_n = stride * g.inChannels;
  const up = ctx.scratch(upsampledBytes(g), 'zero-insertion:upsampled');
  ctx.dispatch({
    shader: upShader,
    uniforms: pick({ ...values, total: g.inputSize }, [...upShader.uniforms.keys()]),
    buffers: { input: buffers.input, up },
    workgroups: ceilDiv(g.inputSize, FLAT_WORKGROUP),
  });
  ctx.dispatch({
    shader: conv,
    constants: { ACT: activationCode(g) },
    uniforms: pick({ ...values, total: threads }, [...conv.uniforms.keys()]),
    buffers: { weights: buffers.filter, bias: buffers.bias, output: buffers.output, up },
    workgroups: ceilDiv(threads, FLAT_WORKGROUP),
  });
}

/**
 * The 'zero-insertion' kernel. The textbook method: the input upsampled with the stride's zeros, then a direct convolution with the flipped filter. Pass it in `kernels` of `createEngine` (of `webgpu-deconv/core`,
 * to ship only the kernels an application uses).
 */
export const zeroInsertionKernel: Kernel = /* @__PURE__ */ defineKernel({
  name: 'zero-insertion',
  // Input and output channels outermost: a thread's 4 channels read 4 filters tap by tap.
  preferredFilterLayout: (rank) => FILTER_LAYOUTS[rank]![0],
  unsupported(g, env) {
    // The scratch's indices are u32: a binding of at most 2^32 bytes holds fewer than 2^30 floats.
    const bytes = upsampledBytes(g);
    const max = Math.min(env.limits.maxStorageBufferBindingSize, env.limits.maxBufferSize);
    if (bytes > max) {
      return `the upsampled input needs ${bytes} bytes, over the device's largest storage binding (${max} bytes)`;
    }
    return null;
  },
  scratchBytes(g) {
    return upsampledBytes(g);
  },
  choose(g, env) {
    const variant: ZeroInsertionVariant = { rank: g.rank, storage: env.storage, guard: env.guard };
    return {
      variant: variant as unknown as VariantKey,
      ...zeroInsertionCost(g, env),
      workgroups: ceilDiv(convThreads(g), FLAT_WORKGROUP),
    };
  },
  issuedMacs(g, variant) {
    return zeroInsertionMacs(g, variant !== undefined);
  },
  encode(ctx, g, buffers, variant) {
    encodeZeroInsertion(ctx, g, buffers, variant as unknown as ZeroInsertionVariant);
  },
  variants(rank, storage: Storage) {
    return [false, true].map((guard) => {
      const key: ConvKey = { rank, storage, guard };
      return { variant: key as unknown as VariantKey, shaders: shaders(key) };
    });
  },
});
