/**
 * The batched strided GEMM (not a convolution kernel of its own): gemm-col2im's first pass,
 * the shape of im2col-gemm's blocks, and the benchmark's plain-GEMM roof ({@link encodeMatmul}).
 * Two variants, picked by adapter class (./plan.ts): 8×8 register blocks without barriers,
 * and workgroup tiles with vec4 staging. The WGSL is generated in ./wgsl.ts.
 */
import type { KernelContext } from '../../kernel.js';
import { shaderFor, type ShaderSource } from '../../shader/compose.js';
import type { Storage } from '../../shader/storage.js';
import {
  chooseTile,
  gemmRegisterRows,
  gemmVariant,
  gemmWorkgroups,
  vectorModes,
  type GemmTile,
  type GemmVariant,
  type StridedGemm,
} from './plan.js';
import { gemmShader } from './wgsl.js';

export * from './plan.js';

/** The composed GEMM shader of a variant and storage, labelled for the kernel (pass) that runs it. */
export function gemmShaderOf(label: string, variant: GemmVariant, storage: Storage): ShaderSource {
  return shaderFor(label, { variant, storage }, gemmShader);
}

/**
 * Records one batched strided GEMM. `label` names the pass (e.g. 'gemm-col2im:gemm');
 * `variant` defaults to {@link gemmVariant}; `tile` overrides the tile sizes of the tiled variant.
 */
export function encodeGemm(
  ctx: KernelContext,
  label: string,
  spec: StridedGemm,
  variant: GemmVariant = gemmVariant(ctx),
  tile: GemmTile = chooseTile(spec.M, ctx.limits),
): void {
  const batch = spec.batch ?? 1;
  if (spec.M <= 0 || spec.N <= 0 || batch <= 0) return;
  const uniforms = {
    size_m: spec.M,
    size_n: spec.N,
    size_k: spec.K,
    batches: batch,
    batch0: spec.batch0 ?? 0,
    batch_inner: spec.batchInner ?? 1,
    a_offset: spec.a.offset ?? 0,
    a_outer: spec.a.outer ?? 0,
    a_inner: spec.a.inner ?? 0,
    a_m: spec.a.m,
    a_k: spec.a.k,
    b_offset: spec.b.offset ?? 0,
    b_outer: spec.b.outer ?? 0,
    b_inner: spec.b.inner ?? 0,
    b_k: spec.b.k,
    b_n: spec.b.n,
    c_offset: spec.c.offset ?? 0,
    c_batch: spec.c.batch ?? 0,
    c_m: spec.c.m,
    c_n: spec.c.n,
  };
  const shader = gemmShaderOf(label, variant, ctx.storage);
  const buffers = { mat_a: spec.a.buffer, mat_b: spec.b.buffer, mat_c: spec.c.buffer };
  const workgroups = gemmWorkgroups(spec.M, spec.N, batch, variant, tile);
  if (variant === 'registers') {
    ctx.dispatch({
      shader,
      constants: { WG_ROWS: gemmRegisterRows(spec.M, spec.N) },
      uniforms,
      buffers,
      workgroups,
    });
    return;
  }
  ctx.dispatch({
    shader,
    constants: { ...tile, ...vectorModes(spec, ctx.storage) },
    uniforms,
    buffers: { ...buffers, mat_a4: spec.a.buffer, mat_b4: spec.b.buffer },
    workgroups,
  });
}

/**
 * Plain row-major GEMM C = A·B (A: M×K, B: K×N, C: M×N, densely packed; A and B in the
 * context's storage, C float32): the engine's practical roof for the benchmark's "plain
 * GEMM rate".
 */
export function encodeMatmul(
  ctx: KernelContext,
  a: GPUBuffer,
  b: GPUBuffer,
  c: GPUBuffer,
  M: number,
  N: number,
  K: number,
  variant: GemmVariant = gemmVariant(ctx),
): void {
  encodeGemm(
    ctx,
    'gemm',
    { M, N, K, a: { buffer: a, m: K, k: 1 }, b: { buffer: b, k: N, n: 1 }, c: { buffer: c, m: N, n: 1 } },
    variant,
  );
}
