// Batched strided GEMM, register-blocked: C[b](m, n) = Σ_k A[b](m, k) · B[b](k, n).
//
// Layout (element offsets into flat f32 arrays; any strides, so transposed operands need no copy):
//   b = batch0 + local (local < batch), outer = b / batchInner, inner = b % batchInner
//   A[b](m, k) = matA[aOffset + outer·aOuter + inner·aInner + m·aM + k·aK]
//   B[b](k, n) = matB[bOffset + outer·bOuter + inner·bInner + k·bK + n·bN]
//   C[b](m, n) = matC[cOffset + local·cBatch + m·cM + n·cN]
//
// Each thread keeps an 8×8 block of C (rows m0..m0+7, columns n0..n0+7) in registers and
// reads A and B straight from memory: 16 loads per 64 multiply-adds, no workgroup memory and
// no barriers. This is the variant for software adapters, where every per-thread load is a
// gather (vec4 loads are split into 4 of them), barriers are costly, and the ratio of
// multiply-adds to loads decides the speed: 8×8 beat 4×4 by ~1.4× on SwiftShader, larger
// blocks spill. A workgroup covers WG_ROWS × (64 / WG_ROWS) blocks, so neighbouring threads
// share rows of A and columns of B in cache.
// Workgroup w (linear) → local batch w / (wgM·wgN), then block row, then block column.
// Loads past M or N are clamped to the last row/column; their results are not stored.

override WG_ROWS: u32 = 8u;

struct Params {
  M: u32,
  N: u32,
  K: u32,
  batch: u32,
  batch0: u32,
  batchInner: u32,
  aOffset: u32,
  aOuter: u32,
  aInner: u32,
  aM: u32,
  aK: u32,
  bOffset: u32,
  bOuter: u32,
  bInner: u32,
  bK: u32,
  bN: u32,
  cOffset: u32,
  cBatch: u32,
  cM: u32,
  cN: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> matA: array<f32>;
@group(0) @binding(2) var<storage, read> matB: array<f32>;
@group(0) @binding(3) var<storage, read_write> matC: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let p = params;
  let wgCols = 64u / WG_ROWS;
  let wgM = (p.M + 8u * WG_ROWS - 1u) / (8u * WG_ROWS);
  let wgN = (p.N + 8u * wgCols - 1u) / (8u * wgCols);
  let w = wid.x + wid.y * nwg.x + wid.z * nwg.x * nwg.y;
  let local = w / (wgM * wgN);
  if (local >= p.batch) {
    return;
  }
  let r = w % (wgM * wgN);
  let m0 = ((r / wgN) * WG_ROWS + lid / wgCols) * 8u;
  let n0 = ((r % wgN) * wgCols + lid % wgCols) * 8u;
  if (m0 >= p.M || n0 >= p.N) {
    return;
  }
  let b = p.batch0 + local;
  let outer = b / p.batchInner;
  let inner = b % p.batchInner;
  let aBase = p.aOffset + outer * p.aOuter + inner * p.aInner;
  let bBase = p.bOffset + outer * p.bOuter + inner * p.bInner;
  let step = vec4u(0u, 1u, 2u, 3u);
  // Offsets of rows m0..m0+7 of A and columns n0..n0+7 of B, clamped into range.
  let aLo = aBase + min(vec4u(m0) + step, vec4u(p.M - 1u)) * p.aM;
  let aHi = aBase + min(vec4u(m0 + 4u) + step, vec4u(p.M - 1u)) * p.aM;
  let bLo = bBase + min(vec4u(n0) + step, vec4u(p.N - 1u)) * p.bN;
  let bHi = bBase + min(vec4u(n0 + 4u) + step, vec4u(p.N - 1u)) * p.bN;
  // cL[i] / cR[i]: row m0 + i, columns n0..n0+3 / n0+4..n0+7.
  var cL0 = vec4f(0.0);
  var cL1 = vec4f(0.0);
  var cL2 = vec4f(0.0);
  var cL3 = vec4f(0.0);
  var cL4 = vec4f(0.0);
  var cL5 = vec4f(0.0);
  var cL6 = vec4f(0.0);
  var cL7 = vec4f(0.0);
  var cR0 = vec4f(0.0);
  var cR1 = vec4f(0.0);
  var cR2 = vec4f(0.0);
  var cR3 = vec4f(0.0);
  var cR4 = vec4f(0.0);
  var cR5 = vec4f(0.0);
  var cR6 = vec4f(0.0);
  var cR7 = vec4f(0.0);
  var ak = 0u;
  var bk = 0u;
  for (var k = 0u; k < p.K; k++) {
    let a0 = vec4f(matA[aLo.x + ak], matA[aLo.y + ak], matA[aLo.z + ak], matA[aLo.w + ak]);
    let a1 = vec4f(matA[aHi.x + ak], matA[aHi.y + ak], matA[aHi.z + ak], matA[aHi.w + ak]);
    let bl = vec4f(matB[bLo.x + bk], matB[bLo.y + bk], matB[bLo.z + bk], matB[bLo.w + bk]);
    let br = vec4f(matB[bHi.x + bk], matB[bHi.y + bk], matB[bHi.z + bk], matB[bHi.w + bk]);
    cL0 += a0.x * bl;
    cR0 += a0.x * br;
    cL1 += a0.y * bl;
    cR1 += a0.y * br;
    cL2 += a0.z * bl;
    cR2 += a0.z * br;
    cL3 += a0.w * bl;
    cR3 += a0.w * br;
    cL4 += a1.x * bl;
    cR4 += a1.x * br;
    cL5 += a1.y * bl;
    cR5 += a1.y * br;
    cL6 += a1.z * bl;
    cR6 += a1.z * br;
    cL7 += a1.w * bl;
    cR7 += a1.w * br;
    ak += p.aK;
    bk += p.bK;
  }
  let cBase = p.cOffset + local * p.cBatch;
  let left = array<vec4f, 8>(cL0, cL1, cL2, cL3, cL4, cL5, cL6, cL7);
  let right = array<vec4f, 8>(cR0, cR1, cR2, cR3, cR4, cR5, cR6, cR7);
  for (var i = 0u; i < 8u; i++) {
    let m = m0 + i;
    if (m >= p.M) {
      break;
    }
    let row = cBase + m * p.cM;
    for (var j = 0u; j < 8u; j++) {
      let n = n0 + j;
      if (n >= p.N) {
        break;
      }
      matC[row + n * p.cN] = select(left[i][j % 4u], right[i][j % 4u], j >= 4u);
    }
  }
}
