import registersCode from '../../../shaders/gemm.wgsl?raw';
import tiledCode from '../../../shaders/gemm-tiled.wgsl?raw';
import type { KernelContext } from '../kernel.js';
import { ceilDiv } from './common.js';

/** The two GEMM code paths: 8×8 register blocks without barriers, or workgroup-memory tiles. */
export type GemmVariant = 'registers' | 'tiled';

/** The register-blocked variant on software adapters (barriers are costly there), tiles elsewhere. */
export function gemmVariant(ctx: Pick<KernelContext, 'software'>): GemmVariant {
  return ctx.software ? 'registers' : 'tiled';
}

/** Tile sizes of the workgroup-memory variants (`override` constants of the tiled shaders). */
export interface GemmTile {
  TILE_M: number;
  TILE_N: number;
  TILE_K: number;
}

/**
 * Tile for an M-row problem within the device's workgroup limits: a narrow tile
 * when M is small (depthwise, few channels) so little of it idles, widened along N
 * to keep ≥ 64 threads. Each thread computes 4×4, so threads = TILE_M·TILE_N/16.
 */
export function chooseTile(M: number, limits: GPUSupportedLimits): GemmTile {
  const candidates: GemmTile[] = [
    { TILE_M: 64, TILE_N: 64, TILE_K: 16 },
    { TILE_M: 32, TILE_N: 64, TILE_K: 16 },
    { TILE_M: 16, TILE_N: 64, TILE_K: 16 },
    { TILE_M: 8, TILE_N: 128, TILE_K: 16 },
    { TILE_M: 4, TILE_N: 256, TILE_K: 8 },
  ];
  const fits = (t: GemmTile) => {
    const threads = (t.TILE_M * t.TILE_N) / 16;
    return (
      threads <= limits.maxComputeInvocationsPerWorkgroup &&
      threads <= limits.maxComputeWorkgroupSizeX &&
      4 * t.TILE_K * (t.TILE_M + t.TILE_N) <= limits.maxComputeWorkgroupStorageSize
    );
  };
  const usable = candidates.filter(fits);
  // The smallest guaranteed limits (256 invocations, 16 KiB) admit every candidate; keep a floor anyway.
  if (usable.length === 0) return { TILE_M: 4, TILE_N: 16, TILE_K: 4 };
  const wanted = usable.find((t) => M >= (t.TILE_M * 3) / 4);
  return wanted ?? usable[usable.length - 1]!;
}

function pow2AtLeast(x: number): number {
  let p = 1;
  while (p < x) p *= 2;
  return p;
}

/**
 * Shape of a 64-thread workgroup of 8×8 register blocks (the `WG_ROWS` override of
 * shaders/gemm.wgsl and im2col-gemm.wgsl: WG_ROWS × 64/WG_ROWS blocks): 8 × 8 unless
 * one side of the matrix has fewer than 8 blocks, so that few threads idle on thin matrices.
 */
export function gemmRegisterRows(M: number, N: number): number {
  const nBlocks = Math.ceil(N / 8);
  const mBlocks = Math.ceil(M / 8);
  if (nBlocks < 8) return 64 / pow2AtLeast(nBlocks);
  if (mBlocks < 8) return pow2AtLeast(mBlocks);
  return 8;
}

/** One operand of {@link StridedGemm}: a buffer plus element offset and batch strides. */
interface Operand {
  buffer: GPUBuffer;
  /** Element offset of entry (0, 0) of batch 0; default 0. */
  offset?: number;
  /** Stride per outer batch index (b / batchInner); default 0. */
  outer?: number;
  /** Stride per inner batch index (b % batchInner); default 0. */
  inner?: number;
}

/**
 * A batched GEMM with arbitrary element strides (see shaders/gemm.wgsl):
 * C[b](m, n) = Σ_k A[b](m, k) · B[b](k, n) for batch entries b = batch0 … batch0 + batch − 1.
 */
export interface StridedGemm {
  M: number;
  N: number;
  K: number;
  /** Batch entries in this dispatch; default 1. */
  batch?: number;
  /** First batch index (only A's and B's offsets use it); default 0. */
  batch0?: number;
  /** b splits into outer = b / batchInner and inner = b % batchInner; default 1. */
  batchInner?: number;
  a: Operand & { m: number; k: number };
  b: Operand & { k: number; n: number };
  /** C's batch stride applies to the local index b − batch0. */
  c: { buffer: GPUBuffer; offset?: number; batch?: number; m: number; n: number };
}

/**
 * Which operands the tiled variant stages with vec4 loads (the `A_VEC` / `B_VEC` overrides
 * of shaders/gemm-tiled.wgsl): 1 along m (n) when that stride is 1, 2 along k when k's
 * stride is 1, else 0 for scalars. Vec4 reads need every other stride, the offsets and the
 * buffer size to be multiples of 4 floats.
 */
export function vectorModes(spec: StridedGemm): { A_VEC: number; B_VEC: number } {
  const aligned = (...xs: (number | undefined)[]) => xs.every((x) => (x ?? 0) % 4 === 0);
  const { a, b } = spec;
  const aBase = aligned(a.offset, a.outer, a.inner) && a.buffer.size % 16 === 0;
  const bBase = aligned(b.offset, b.outer, b.inner) && b.buffer.size % 16 === 0;
  return {
    A_VEC: aBase && a.m === 1 && aligned(a.k) ? 1 : aBase && a.k === 1 && aligned(a.m) ? 2 : 0,
    B_VEC: bBase && b.n === 1 && aligned(b.k) ? 1 : bBase && b.k === 1 && aligned(b.n) ? 2 : 0,
  };
}

/**
 * Records one batched strided GEMM. `variant` defaults to {@link gemmVariant};
 * `tile` overrides the tile sizes of the tiled variant.
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
    M: spec.M,
    N: spec.N,
    K: spec.K,
    batch,
    batch0: spec.batch0 ?? 0,
    batchInner: spec.batchInner ?? 1,
    aOffset: spec.a.offset ?? 0,
    aOuter: spec.a.outer ?? 0,
    aInner: spec.a.inner ?? 0,
    aM: spec.a.m,
    aK: spec.a.k,
    bOffset: spec.b.offset ?? 0,
    bOuter: spec.b.outer ?? 0,
    bInner: spec.b.inner ?? 0,
    bK: spec.b.k,
    bN: spec.b.n,
    cOffset: spec.c.offset ?? 0,
    cBatch: spec.c.batch ?? 0,
    cM: spec.c.m,
    cN: spec.c.n,
  };
  const buffers = { matA: spec.a.buffer, matB: spec.b.buffer, matC: spec.c.buffer };
  if (variant === 'registers') {
    const rows = gemmRegisterRows(spec.M, spec.N);
    const wgM = ceilDiv(spec.M, 8 * rows);
    const wgN = ceilDiv(spec.N, 8 * (64 / rows));
    ctx.dispatch({
      label,
      code: registersCode,
      constants: { WG_ROWS: rows },
      uniforms,
      buffers,
      workgroups: batch * wgM * wgN,
    });
  } else {
    const workgroups = batch * ceilDiv(spec.M, tile.TILE_M) * ceilDiv(spec.N, tile.TILE_N);
    ctx.dispatch({
      label,
      code: tiledCode,
      constants: { ...tile, ...vectorModes(spec) },
      uniforms,
      buffers: { ...buffers, matA4: spec.a.buffer, matB4: spec.b.buffer },
      workgroups,
    });
  }
}

/**
 * Plain row-major GEMM C = A·B (A: M×K, B: K×N, C: M×N, densely packed floats):
 * the engine's practical roof for the benchmark's "plain GEMM rate".
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
