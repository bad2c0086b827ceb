/**
 * 'subpixel': the stride-phase decomposition. An output pixel's phase (its coordinate
 * modulo the stride, per axis) fixes which filter taps reach it, so each phase is an
 * ordinary convolution of the low-resolution input with a sub-filter; every phase is
 * computed in one dispatch and written interleaved into the output. No inserted zero is
 * multiplied. Three variants, chosen by its planning (./plan.ts): register-blocked (up to 8
 * channels × 8 pixels per thread, in one row or two, no barriers), workgroup-tiled (implicit
 * GEMM per phase with tiles in workgroup memory), and depthwise (one channel per group: 8
 * pixels per thread, any adapter). The WGSL of each is generated in ./wgsl.ts.
 */
import { FILTER_LAYOUTS } from '../../../geometry.js';
import type { ConvTransposeGeometry } from '../../../types.js';
import type { ConvBuffers, Kernel, KernelContext, KernelEnv, VariantKey } from '../../kernel.js';
import { defineKernel } from '../../kernel.js';
import { activationCode, axisNames, geometryUniforms, pick } from '../../math.js';
import { shaderFor, type ShaderSource } from '../../shader/compose.js';
import type { Storage } from '../../shader/storage.js';
import {
  type SubpixelConfig,
  columnBlocks,
  depthwiseThreads,
  registerThreads,
  rowSlots,
  subpixelConfig,
  subpixelCost,
  subpixelMacs,
  subpixelWorkgroups,
  tiledTiles,
} from './plan.js';
import {
  depthwiseShader,
  registerShader,
  tiledShader,
  type DepthwiseKey,
  type RegisterKey,
  type TiledKey,
} from './wgsl.js';

export { phaseTaps, subpixelConfig, subpixelMacs, subpixelWorkgroups } from './plan.js';

/** The composed shader of a config at a rank and storage. */
function shaderOf(config: SubpixelConfig, rank: number, storage: Storage, guard: boolean): ShaderSource {
  switch (config.variant) {
    case 'register': {
      const key: RegisterKey = {
        variant: 'register',
        rank,
        storage,
        guard,
        channels: config.channels as 4 | 8,
        pixels: config.pixels as 4 | 8,
        rows: config.rows ?? 1,
      };
      return shaderFor('subpixel', key, registerShader);
    }
    case 'depthwise': {
      const key: DepthwiseKey = { variant: 'depthwise', rank, storage, guard };
      return shaderFor('subpixel:depthwise', key, depthwiseShader);
    }
    case 'tiled': {
      const key: TiledKey = { variant: 'tiled', rank, storage };
      return shaderFor('subpixel:tiled', key, tiledShader);
    }
  }
}

/** Records the subpixel kernel's single dispatch with an explicit variant and tiles (the planner's, or a test's). */
export function encodeSubpixel(
  ctx: KernelContext,
  g: ConvTransposeGeometry,
  buffers: ConvBuffers,
  config: SubpixelConfig,
): void {
  const workgroups = subpixelWorkgroups(g, config);
  const shader = shaderOf(config, g.rank, ctx.storage, ctx.guard);
  const bufs = { input: buffers.input, weights: buffers.filter, bias: buffers.bias, output: buffers.output };
  const geometry = geometryUniforms(g);
  const uniforms = (extra: Record<string, number>) => pick({ ...geometry, ...extra }, [...shader.uniforms.keys()]);
  if (config.variant === 'depthwise') {
    if (g.inChannelsPerGroup !== 1 || g.outChannelsPerGroup !== 1) {
      throw new Error(
        `subpixel: the depthwise variant needs one channel per group, not ${g.inChannelsPerGroup} → ${g.outChannelsPerGroup}`,
      );
    }
    ctx.dispatch({
      shader,
      constants: { ACT: activationCode(g), WG: config.wg },
      uniforms: uniforms({ b_w: columnBlocks(g, 8), total: depthwiseThreads(g) }),
      buffers: bufs,
      workgroups,
    });
    return;
  }
  if (config.variant === 'register') {
    const cbg = Math.ceil(g.outChannelsPerGroup / config.channels);
    const slots = rowSlots(g, config.rows ?? 1);
    const blocks: Record<string, number> = { b_w: columnBlocks(g, config.pixels) };
    axisNames(g.rank, ['b'])
      .slice(0, -1)
      .forEach((name, a) => (blocks[name] = slots[a]!));
    ctx.dispatch({
      shader,
      constants: { ACT: activationCode(g), WG: config.wg },
      uniforms: uniforms({ cbg, ncb: cbg * g.groups, ...blocks, total: registerThreads(g, config) }),
      buffers: bufs,
      workgroups,
    });
    return;
  }
  const { nmt, nnt } = tiledTiles(g, config);
  ctx.dispatch({
    shader,
    constants: {
      ACT: activationCode(g),
      WX: config.wx,
      WY: config.wy,
      TK: config.tk,
      ...tiledVectorModes(g, buffers, ctx.storage),
    },
    uniforms: uniforms({ nmt, nnt, total_wg: workgroups }),
    buffers: { ...bufs, input4: buffers.input, weights4: buffers.filter },
    workgroups,
  });
}

/**
 * Whether the tiled subpixel stages input (A_VEC) and weights (B_VEC) four input channels
 * at a time: the channel stride is 1, and the other strides, the channels per group and
 * the buffer's element count are multiples of 4.
 */
export function tiledVectorModes(
  g: ConvTransposeGeometry,
  buffers: Pick<ConvBuffers, 'input' | 'filter'>,
  storage: Storage = 'f32',
): { A_VEC: number; B_VEC: number } {
  const by4 = (...xs: number[]) => xs.every((x) => x % 4 === 0);
  const bytes = storage === 'f32' ? 4 : 2;
  const x = g.inputStrides;
  const f = g.filterStrides;
  const channels = by4(g.inChannelsPerGroup);
  return {
    A_VEC: channels && x.c === 1 && by4(x.n, ...x.spatial, buffers.input.size / bytes) ? 1 : 0,
    B_VEC: channels && f.i === 1 && by4(f.o, ...f.spatial, buffers.filter.size / bytes) ? 1 : 0,
  };
}

/** The configs the planner can choose at a rank (tiles of the tiled variant are override constants). */
function configs(rank: number): SubpixelConfig[] {
  const base = { wg: 64, wx: 0, wy: 0, tk: 0 };
  const blocks: SubpixelConfig[] = (
    [[8, 8, 1], [8, 4, 1], [4, 8, 1], [4, 4, 1], ...(rank >= 2 ? [[8, 4, 2] as const] : [])] as const
  ).map(([channels, pixels, rows]) => ({ variant: 'register', channels, pixels, rows, ...base }));
  return [
    ...blocks,
    { variant: 'depthwise', channels: 1, pixels: 8, ...base },
    { variant: 'tiled', channels: 4, pixels: 4, wg: 256, wx: 16, wy: 16, tk: 16 },
  ];
}

/** The variant key of a config in an environment (what the pipeline cache and shaders:dump see). */
function variantOf(c: SubpixelConfig, rank: number, env: Pick<KernelEnv, 'storage' | 'guard'>): VariantKey {
  return { ...c, rows: c.rows ?? 1, rank, storage: env.storage, guard: env.guard };
}

/** Stride phases past the output positions the kernel accepts (65536 empty phases run in about 0.1 s on SwiftShader). */
const MAX_EMPTY_PHASES = 1 << 16;

/**
 * The 'subpixel' kernel. The stride-phase decomposition: each output visits only the taps of its phase, so no inserted zero is multiplied. Pass it in `kernels` of `createEngine` (of `webgpu-deconv/core`,
 * to ship only the kernels an application uses).
 */
export const subpixelKernel: Kernel = /* @__PURE__ */ defineKernel({
  name: 'subpixel',
  // Taps outermost and input channels contiguous: the inner loop over input channels reads
  // weights sequentially.
  preferredFilterLayout: (rank) => FILTER_LAYOUTS[rank]![1],
  unsupported(g) {
    // Every variant's grid covers all ∏ strides phases, even those with no output position:
    // with strides far above the output's size that is work without output (minutes at 2^24).
    const phases = g.strides.reduce((p, s) => p * s, 1);
    const positions = g.outSizes.reduce((p, o) => p * o, 1);
    if (phases > MAX_EMPTY_PHASES && phases > positions) {
      return `its grid spans all ${phases} stride phases for ${positions} output positions per channel`;
    }
    return null;
  },
  scratchBytes() {
    return 0;
  },
  choose(g, env) {
    const config = subpixelConfig(g, env.limits, env.software, env.guard);
    return {
      variant: variantOf(config, g.rank, env),
      ...subpixelCost(g, env, config),
      workgroups: subpixelWorkgroups(g, config),
    };
  },
  issuedMacs(g, variant) {
    return subpixelMacs(g, variant as unknown as SubpixelConfig | undefined);
  },
  encode(ctx, g, buffers, variant) {
    encodeSubpixel(ctx, g, buffers, variant as unknown as SubpixelConfig);
  },
  variants(rank, storage) {
    return [false, true].flatMap((guard) =>
      configs(rank)
        .filter((c) => !(guard && c.variant === 'tiled'))
        .map((c) => ({
          variant: variantOf(c, rank, { storage, guard }),
          shaders: [shaderOf(c, rank, storage, guard)],
        })),
    );
  },
});
