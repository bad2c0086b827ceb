/**
 * 'gemm-col2im', Caffe's way, for any spatial rank: per (group, image), a GEMM of Wᵀ
 * (cog·Π k × cig) by the input (cig × Π in) gives every input position's contribution to
 * every tap in a column buffer; col2im then sums, for each output, the columns that land on
 * it and applies bias and activation. Work per output ≈ cig·Π k / Π s multiply-adds (no
 * inserted zero is ever multiplied, so any filter is safe), plus one column-buffer write and
 * read per (position, tap, channel). The column buffer is float32 whatever the storage, and
 * large calls run in chunks within a column budget (./plan.ts). The GEMM is ../gemm/ (8×8
 * register blocks on software adapters, vec4-staged tiles on hardware); col2im's WGSL is
 * generated in ./wgsl.ts.
 */
import { FILTER_LAYOUTS } from '../../../geometry.js';
import type { ConvTransposeGeometry } from '../../../types.js';
import type { ConvBuffers, Kernel, KernelContext, KernelEnv, VariantKey } from '../../kernel.js';
import { defineKernel } from '../../kernel.js';
import { activationCode, axisLetters, ceilDiv, FLAT_WORKGROUP, gcd, geometryUniforms, pick } from '../../math.js';
import { shaderFor, type ShaderSource } from '../../shader/compose.js';
import type { Storage } from '../../shader/storage.js';
import { chooseTile, encodeGemm, gemmShaderOf, gemmVariant, type GemmTile, type GemmVariant } from '../gemm/index.js';
import {
  columnBudget,
  columnOrder,
  gemmCol2imCost,
  gemmCol2imMacs,
  planGemmCol2im,
  type Col2imChunk,
  type Col2imPlan,
} from './plan.js';
import { col2imShader } from './wgsl.js';

export { COL_CAP_BYTES, columnBudget, planGemmCol2im, type Col2imChunk, type Col2imPlan } from './plan.js';

/** gemm-col2im's variant: the GEMM's code path (and tile), at a rank and storage. */
export interface GemmCol2imVariant {
  gemm: GemmVariant;
  rank: number;
  storage: Storage;
  /** Whether the filter may hold non-finite values (every variant is safe: only real products are summed). */
  guard: boolean;
  /** Tiled GEMM: its tile (override constants). */
  tileM?: number;
  tileN?: number;
  tileK?: number;
}

const GEMM_LABEL = 'gemm-col2im:gemm';

/** The composed shaders of a variant: the GEMM, then col2im. */
function shadersOf(gemm: GemmVariant, rank: number, storage: Storage): ShaderSource[] {
  return [gemmShaderOf(GEMM_LABEL, gemm, storage), shaderFor('gemm-col2im:col2im', { rank, storage }, col2imShader)];
}

/** The variant gemm-col2im runs `g` with in `env`: register blocks on software adapters, tiles (sized to M) elsewhere. */
function variantFor(g: ConvTransposeGeometry, env: KernelEnv): GemmCol2imVariant {
  const gemm = gemmVariant(env);
  const v: GemmCol2imVariant = { gemm, rank: g.rank, storage: env.storage, guard: env.guard };
  if (gemm === 'tiled') {
    const t = chooseTile(g.outChannelsPerGroup * g.kernelSizes.reduce((p, k) => p * k, 1), env.limits);
    Object.assign(v, { tileM: t.TILE_M, tileN: t.TILE_N, tileK: t.TILE_K });
  }
  return v;
}

function tileOf(v: GemmCol2imVariant): GemmTile | undefined {
  return v.tileM === undefined ? undefined : { TILE_M: v.tileM, TILE_N: v.tileN!, TILE_K: v.tileK! };
}

/** The plan of `g` within the device's column budget (throws when even one row's columns do not fit). */
function planOf(g: ConvTransposeGeometry, limits: GPUSupportedLimits): Col2imPlan {
  const plan = planGemmCol2im(g, columnBudget(limits));
  if (typeof plan === 'string') throw new Error(`gemm-col2im: ${plan}`);
  return plan;
}

/** Records one chunk: the GEMM into the column buffer, then col2im into the output. */
function encodeChunk(
  ctx: KernelContext,
  g: ConvTransposeGeometry,
  buffers: ConvBuffers,
  col: GPUBuffer,
  plan: Col2imPlan,
  ch: Col2imChunk,
  variant: GemmCol2imVariant,
): void {
  const order = columnOrder(g);
  const x = g.inputStrides;
  const cig = g.inChannelsPerGroup;
  const rank = g.rank;
  const L = axisLetters(rank);
  const inner = g.inSizes.slice(1).reduce((p, s) => p * s, 1);
  // Columns: the chunk's positions, one innermost spatial stride apart (spatial axes are
  // contiguous among themselves in both layouts), starting at its first row of the outermost axis.
  const N = ch.colRows * inner;
  encodeGemm(
    ctx,
    GEMM_LABEL,
    {
      M: plan.M,
      N,
      K: cig,
      batch: ch.slices,
      batch0: ch.slice0,
      batchInner: g.batch,
      a: { buffer: buffers.filter, outer: cig * g.filterStrides.i, m: order.aM, k: order.aK },
      b: {
        buffer: buffers.input,
        offset: ch.iy0 * x.spatial[0]!,
        outer: cig * x.c,
        inner: x.n,
        k: x.c,
        n: x.spatial[rank - 1]!,
      },
      c: { buffer: col, batch: plan.M * N, m: N, n: 1 },
    },
    variant.gemm,
    tileOf(variant),
  );
  const geometry = geometryUniforms(g);
  const extra: Record<string, number> = {
    slice0: ch.slice0,
    m_rows: plan.M,
    m_co: order.mCo,
    n_cols: N,
    channels_last: g.channelsLast ? 1 : 0,
  };
  let stride = 1;
  for (let a = rank - 1; a >= 0; a--) {
    const l = L[a]!;
    const s = g.strides[a]!;
    const d = g.dilations[a]!;
    extra[`e_${l}`] = d / gcd(s, d);
    extra[`m_${l}`] = order.mTaps[a]!;
    extra[`lo_${l}`] = a === 0 ? ch.iy0 : 0;
    extra[`hi_${l}`] = a === 0 ? ch.iy0 + ch.colRows : g.inSizes[a]!;
    extra[`ob_${l}`] = a === 0 ? ch.oy0 : 0;
    extra[`on_${l}`] = a === 0 ? ch.outRows : g.outSizes[a]!;
    if (a < rank - 1) extra[`cs_${l}`] = stride;
    stride *= g.inSizes[a]!;
  }
  const sw = g.strides[rank - 1]!;
  const band = extra['on_w']!;
  extra.phases = Math.min(sw, band);
  extra.blocks = ceilDiv(ceilDiv(band, sw), 4);
  let threads = ch.slices * g.outChannelsPerGroup * extra.phases * extra.blocks;
  for (let a = 0; a < rank - 1; a++) threads *= extra[`on_${L[a]}`]!;
  extra.total = threads;
  const shader = shadersOf(variant.gemm, rank, ctx.storage)[1]!;
  ctx.dispatch({
    shader,
    constants: { ACT: activationCode(g) },
    uniforms: pick({ ...geometry, ...extra }, [...shader.uniforms.keys()]),
    buffers: { col, bias: buffers.bias, output: buffers.output },
    workgroups: ceilDiv(threads, FLAT_WORKGROUP),
  });
}

/**
 * The 'gemm-col2im' kernel. A GEMM writes every input position's contribution to every tap into a column buffer, then col2im sums the columns that land on each output (Caffe's way). Pass it in `kernels` of `createEngine` (of `webgpu-deconv/core`,
 * to ship only the kernels an application uses).
 */
export const gemmCol2imKernel: Kernel = /* @__PURE__ */ defineKernel({
  name: 'gemm-col2im',
  // Input channels outermost, then output channels, then taps: the GEMM reads A = Wᵀ with
  // (channel, tap) rows one element apart (vec4-staged along m on hardware).
  preferredFilterLayout: (rank) => FILTER_LAYOUTS[rank]![0],
  unsupported(g, env) {
    const plan = planGemmCol2im(g, columnBudget(env.limits));
    return typeof plan === 'string' ? plan : null;
  },
  scratchBytes(g, env) {
    const plan = planGemmCol2im(g, columnBudget(env.limits));
    return typeof plan === 'string' ? 0 : plan.colBytes;
  },
  choose(g, env) {
    const plan = planGemmCol2im(g, columnBudget(env.limits));
    const colBytes = typeof plan === 'string' ? 0 : plan.colBytes;
    const variant = variantFor(g, env);
    return {
      variant: variant as unknown as VariantKey,
      ...gemmCol2imCost(g, env, colBytes),
      workgroups: 0,
    };
  },
  issuedMacs(g, variant) {
    const v = variant as unknown as GemmCol2imVariant | undefined;
    return gemmCol2imMacs(g, v?.gemm, v && tileOf(v));
  },
  encode(ctx, g, buffers, variant) {
    const v = variant as unknown as GemmCol2imVariant;
    const plan = planOf(g, ctx.limits);
    const col = ctx.scratch(Math.max(4, plan.colBytes), 'gemm-col2im:col');
    for (const ch of plan.chunks) encodeChunk(ctx, g, buffers, col, plan, ch, v);
  },
  variants(rank, storage) {
    return (['registers', 'tiled'] as const).flatMap((gemm) =>
      [false, true].map((guard) => {
        const v: GemmCol2imVariant = { gemm, rank, storage, guard };
        if (gemm === 'tiled') Object.assign(v, { tileM: 64, tileN: 64, tileK: 16 });
        return { variant: v as unknown as VariantKey, shaders: shadersOf(gemm, rank, storage) };
      }),
    );
  },
});
