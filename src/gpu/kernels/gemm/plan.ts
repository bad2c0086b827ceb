/**
 * Planning of the batched strided GEMM that gemm-col2im runs and im2col-gemm's blocks are
 * shaped like: which code path, the workgroup shape of the register-blocked path, the tile
 * of the workgroup-tiled path within the device's limits, and which operands the tiled path
 * stages with vec4 loads. Pure.
 */
import type { KernelEnv } from '../../kernel.js';
import { elementBytes, type Storage } from '../../shader/storage.js';

/** The two GEMM code paths: 8×8 register blocks without barriers, or workgroup-memory tiles. */
export type GemmVariant = 'registers' | 'tiled';

/** The register-blocked variant on software adapters (barriers are costly there), tiles elsewhere. */
export function gemmVariant(env: Pick<KernelEnv, 'software'>): GemmVariant {
  return env.software ? 'registers' : 'tiled';
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
 * Shape of a 64-thread workgroup of 8×8 register blocks (the `WG_ROWS` override of the
 * register-blocked GEMM and im2col-gemm: WG_ROWS × 64/WG_ROWS blocks): 8 × 8 unless one side
 * of the matrix has fewer than 8 blocks, so that few threads idle on thin matrices.
 */
export function gemmRegisterRows(M: number, N: number): number {
  const nBlocks = Math.ceil(N / 8);
  const mBlocks = Math.ceil(M / 8);
  if (nBlocks < 8) return 64 / pow2AtLeast(nBlocks);
  if (mBlocks < 8) return pow2AtLeast(mBlocks);
  return 8;
}

/** Workgroups of one GEMM of M × N per batch entry: 8×8 blocks in WG_ROWS × 64/WG_ROWS, or tiles. */
export function gemmWorkgroups(M: number, N: number, batch: number, variant: GemmVariant, tile: GemmTile): number {
  if (variant === 'registers') {
    const rows = gemmRegisterRows(M, N);
    return batch * Math.ceil(M / (8 * rows)) * Math.ceil(N / (8 * (64 / rows)));
  }
  return batch * Math.ceil(M / tile.TILE_M) * Math.ceil(N / tile.TILE_N);
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
 * A batched GEMM with arbitrary element strides:
 * C[b](m, n) = Σ_k A[b](m, k) · B[b](k, n) for batch entries b = batch0 … batch0 + batch − 1.
 * A and B are in the call's element storage; C is float32.
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
 * Which operands the tiled variant stages with vec4 loads (the `A_VEC` / `B_VEC` overrides):
 * 1 along m (n) when that stride is 1, 2 along k when k's stride is 1, else 0 for scalars.
 * Vec4 reads need every other stride, the offsets and the buffer's element count to be
 * multiples of 4 elements (the vec4 view of a buffer ends at its last whole vector).
 */
export function vectorModes(spec: StridedGemm, storage: Storage = 'f32'): { A_VEC: number; B_VEC: number } {
  const aligned = (...xs: (number | undefined)[]) => xs.every((x) => (x ?? 0) % 4 === 0);
  const whole = (buffer: GPUBuffer) => (buffer.size / elementBytes(storage)) % 4 === 0;
  const { a, b } = spec;
  const aBase = aligned(a.offset, a.outer, a.inner) && whole(a.buffer);
  const bBase = aligned(b.offset, b.outer, b.inner) && whole(b.buffer);
  return {
    A_VEC: aBase && a.m === 1 && aligned(a.k) ? 1 : aBase && a.k === 1 && aligned(a.m) ? 2 : 0,
    B_VEC: bBase && b.n === 1 && aligned(b.k) ? 1 : bBase && b.k === 1 && aligned(b.n) ? 2 : 0,
  };
}
