/**
 * 'im2col-gemm', the implicit GEMM, for any spatial rank: per group, out(cog × batch·Π o) =
 * W(cog × Π k·cig) · X̃, where X̃ is the im2col matrix of the zero-inserted input, gathered
 * while computing and never stored. Work per output = cig·Π k multiply-adds, inserted zeros
 * included (the register variant skips a tap only when all eight of a thread's positions
 * miss it), no scratch memory, one pass. Two variants (./plan.ts): 8×8 register blocks (any
 * adapter, and any filter: they mask products under `guard`) and workgroup tiles (hardware
 * adapters, finite filters). The WGSL is generated in ./wgsl.ts.
 */
import { FILTER_LAYOUTS } from '../../../geometry.js';
import type { ConvTransposeGeometry } from '../../../types.js';
import type { ConvBuffers, Kernel, KernelContext, VariantKey } from '../../kernel.js';
import { defineKernel } from '../../kernel.js';
import { activationCode, geometryUniforms, pick } from '../../math.js';
import { shaderFor, type ShaderSource } from '../../shader/compose.js';
import type { Storage } from '../../shader/storage.js';
import { gemmRegisterRows } from '../gemm/index.js';
import {
  im2colGemmCost,
  im2colGemmMacs,
  im2colGemmVariant,
  im2colGemmWorkgroups,
  positions,
  tileOf,
  type Im2colGemmVariant,
} from './plan.js';
import { registerShader, tiledShader } from './wgsl.js';

export { im2colGemmVariant, type Im2colGemmVariant } from './plan.js';

/** The composed shader of a variant. */
function shaderOf(v: Pick<Im2colGemmVariant, 'variant' | 'rank' | 'storage' | 'guard'>): ShaderSource {
  if (v.variant === 'registers') {
    return shaderFor(
      'im2col-gemm',
      { variant: 'registers', rank: v.rank, storage: v.storage, guard: v.guard },
      registerShader,
    );
  }
  if (v.guard) throw new Error('im2col-gemm: the tiled variant cannot mask products (the filter may hold ±∞ or NaN)');
  return shaderFor('im2col-gemm:tiled', { variant: 'tiled', rank: v.rank, storage: v.storage }, tiledShader);
}

/** Records im2col-gemm's single dispatch with an explicit variant (the kernel's choice, or a test's). */
export function encodeIm2colGemm(
  ctx: KernelContext,
  g: ConvTransposeGeometry,
  buffers: ConvBuffers,
  v: Im2colGemmVariant,
): void {
  const shader = shaderOf({ ...v, rank: g.rank, storage: ctx.storage, guard: v.guard || ctx.guard });
  const N = positions(g);
  const values = {
    ...geometryUniforms(g),
    size_n: N,
    size_k: g.kernelSizes.reduce((p, k) => p * k, 1) * g.inChannelsPerGroup,
  };
  const constants: Record<string, number> =
    v.variant === 'registers' ? { WG_ROWS: gemmRegisterRows(g.outChannelsPerGroup, N) } : { ...tileOf(v) };
  ctx.dispatch({
    shader,
    constants: { ACT: activationCode(g), ...constants },
    uniforms: pick(values, [...shader.uniforms.keys()]),
    buffers: { input: buffers.input, weights: buffers.filter, bias: buffers.bias, output: buffers.output },
    workgroups: im2colGemmWorkgroups(g, v),
  });
}

/**
 * The 'im2col-gemm' kernel. An implicit GEMM of the filter with the im2col matrix of the zero-inserted input, gathered while computing and never stored. Pass it in `kernels` of `createEngine` (of `webgpu-deconv/core`,
 * to ship only the kernels an application uses).
 */
export const im2colGemmKernel: Kernel = /* @__PURE__ */ defineKernel({
  name: 'im2col-gemm',
  // Taps outermost and input channels contiguous: the channel loop reads weights sequentially.
  preferredFilterLayout: (rank) => FILTER_LAYOUTS[rank]![1],
  unsupported() {
    return null;
  },
  scratchBytes() {
    return 0;
  },
  choose(g, env) {
    const v = im2colGemmVariant(g, env);
    return {
      variant: v as unknown as VariantKey,
      ...im2colGemmCost(g, env),
      workgroups: im2colGemmWorkgroups(g, v),
    };
  },
  issuedMacs(g, variant) {
    return im2colGemmMacs(g, variant as unknown as Im2colGemmVariant | undefined);
  },
  encode(ctx, g, buffers, variant) {
    encodeIm2colGemm(ctx, g, buffers, variant as unknown as Im2colGemmVariant);
  },
  variants(rank, storage: Storage) {
    const tile = { tileM: 64, tileN: 64, tileK: 16 };
    const list: Im2colGemmVariant[] = [
      { variant: 'registers', rank, storage, guard: false },
      { variant: 'registers', rank, storage, guard: true },
      { variant: 'tiled', rank, storage, guard: false, ...tile },
    ];
    return list.map((v) => ({ variant: v as unknown as VariantKey, shaders: [shaderOf(v)] }));
  },
});
