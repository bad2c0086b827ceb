// Batched strided GEMM, tiled in workgroup memory: C[b](m, n) = Σ_k A[b](m, k) · B[b](k, n).
//
// Layout (element offsets into flat f32 arrays, the same contract as gemm.wgsl):
//   b = batch0 + local (local < batch), outer = b / batchInner, inner = b % batchInner
//   A[b](m, k) = matA[aOffset + outer·aOuter + inner·aInner + m·aM + k·aK]
//   B[b](k, n) = matB[bOffset + outer·bOuter + inner·bInner + k·bK + n·bN]
//   C[b](m, n) = matC[cOffset + local·cBatch + m·cM + n·cN]
// matA4 / matB4 view the same buffers as vec4s, for staging when A_VEC / B_VEC allow:
//   A_VEC = 1: aM = 1 → A[m..m+3, k] is one vec4;  A_VEC = 2: aK = 1 → A[m, k..k+3] is one vec4
//   B_VEC = 1: bN = 1 → B[k, n..n+3] is one vec4;  B_VEC = 2: bK = 1 → B[k..k+3, n] is one vec4
//   (the caller guarantees the other strides, the offsets and the buffer size are multiples of 4
//   floats); 0 stages scalars. Components past M, N or K are replaced by zeros.
//
// A workgroup of (TILE_M/4)·(TILE_N/4) threads computes a TILE_M × TILE_N tile of C; each
// thread keeps a 4×4 block in registers. Per step of TILE_K, the workgroup stages
// A[tile, k..k+TILE_K) and B[k..k+TILE_K, tile] in workgroup memory (zeros past the edges),
// so every global value is read once per tile instead of once per thread. Neighbouring
// threads stage neighbouring addresses of the contiguous axis, so global reads coalesce.
// Workgroup w (linear) → local batch w / (tilesM·tilesN), then tile row, then tile column.
// Needs TILE_M, TILE_N, TILE_K multiples of 4.

override TILE_M: u32 = 64u;
override TILE_N: u32 = 64u;
override TILE_K: u32 = 16u;
override THREADS: u32 = TILE_M * TILE_N / 16u;
override A_VEC: u32 = 0u;
override B_VEC: u32 = 0u;

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
@group(0) @binding(4) var<storage, read> matA4: array<vec4f>;
@group(0) @binding(5) var<storage, read> matB4: array<vec4f>;

// [k][m] and [k][n], four consecutive m (n) per vec4.
var<workgroup> tileA: array<vec4f, TILE_K * TILE_M / 4u>;
var<workgroup> tileB: array<vec4f, TILE_K * TILE_N / 4u>;

@compute @workgroup_size(THREADS)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let p = params;
  let tilesM = (p.M + TILE_M - 1u) / TILE_M;
  let tilesN = (p.N + TILE_N - 1u) / TILE_N;
  let w = wid.x + wid.y * nwg.x + wid.z * nwg.x * nwg.y;
  let local = w / (tilesM * tilesN);
  // Uniform across the workgroup, so returning here keeps barriers in uniform control flow.
  if (local >= p.batch) {
    return;
  }
  let r = w % (tilesM * tilesN);
  let tm0 = (r / tilesN) * TILE_M;
  let tn0 = (r % tilesN) * TILE_N;
  let b = p.batch0 + local;
  let outer = b / p.batchInner;
  let inner = b % p.batchInner;
  let aBase = p.aOffset + outer * p.aOuter + inner * p.aInner;
  let bBase = p.bOffset + outer * p.bOuter + inner * p.bInner;
  let colsPerThread = TILE_N / 4u;
  let rowBlock = lid / colsPerThread;
  let colBlock = lid % colsPerThread;

  var c0 = vec4f(0.0);
  var c1 = vec4f(0.0);
  var c2 = vec4f(0.0);
  var c3 = vec4f(0.0);
  for (var k0 = 0u; k0 < p.K; k0 += TILE_K) {
    if (A_VEC == 1u) {
      for (var i = lid; i < TILE_K * TILE_M / 4u; i += THREADS) {
        let kk = i / (TILE_M / 4u);
        let mm = (i % (TILE_M / 4u)) * 4u;
        let m = tm0 + mm;
        let k = k0 + kk;
        var v = vec4f(0.0);
        if (m < p.M && k < p.K) {
          v = select(vec4f(0.0), matA4[(aBase + m + k * p.aK) / 4u], vec4u(m) + vec4u(0u, 1u, 2u, 3u) < vec4u(p.M));
        }
        tileA[(kk * TILE_M + mm) / 4u] = v;
      }
    } else if (A_VEC == 2u) {
      for (var i = lid; i < TILE_K * TILE_M / 4u; i += THREADS) {
        let kk = (i % (TILE_K / 4u)) * 4u;
        let mm = i / (TILE_K / 4u);
        let m = tm0 + mm;
        let k = k0 + kk;
        var v = vec4f(0.0);
        if (m < p.M && k < p.K) {
          v = select(vec4f(0.0), matA4[(aBase + m * p.aM + k) / 4u], vec4u(k) + vec4u(0u, 1u, 2u, 3u) < vec4u(p.K));
        }
        for (var q = 0u; q < 4u; q++) {
          tileA[((kk + q) * TILE_M + mm) / 4u][mm % 4u] = v[q];
        }
      }
    } else {
      for (var i = lid; i < TILE_K * TILE_M; i += THREADS) {
        var kk: u32;
        var mm: u32;
        if (p.aK == 1u) {
          kk = i % TILE_K;
          mm = i / TILE_K;
        } else {
          kk = i / TILE_M;
          mm = i % TILE_M;
        }
        let m = tm0 + mm;
        let k = k0 + kk;
        var v = 0.0;
        if (m < p.M && k < p.K) {
          v = matA[aBase + m * p.aM + k * p.aK];
        }
        tileA[(kk * TILE_M + mm) / 4u][mm % 4u] = v;
      }
    }
    if (B_VEC == 1u) {
      for (var i = lid; i < TILE_K * TILE_N / 4u; i += THREADS) {
        let kk = i / (TILE_N / 4u);
        let nn = (i % (TILE_N / 4u)) * 4u;
        let n = tn0 + nn;
        let k = k0 + kk;
        var v = vec4f(0.0);
        if (n < p.N && k < p.K) {
          v = select(vec4f(0.0), matB4[(bBase + k * p.bK + n) / 4u], vec4u(n) + vec4u(0u, 1u, 2u, 3u) < vec4u(p.N));
        }
        tileB[(kk * TILE_N + nn) / 4u] = v;
      }
    } else if (B_VEC == 2u) {
      for (var i = lid; i < TILE_K * TILE_N / 4u; i += THREADS) {
        let kk = (i % (TILE_K / 4u)) * 4u;
        let nn = i / (TILE_K / 4u);
        let n = tn0 + nn;
        let k = k0 + kk;
        var v = vec4f(0.0);
        if (n < p.N && k < p.K) {
          v = select(vec4f(0.0), matB4[(bBase + n * p.bN + k) / 4u], vec4u(k) + vec4u(0u, 1u, 2u, 3u) < vec4u(p.K));
        }
        for (var q = 0u; q < 4u; q++) {
          tileB[((kk + q) * TILE_N + nn) / 4u][nn % 4u] = v[q];
        }
      }
    } else {
      for (var i = lid; i < TILE_K * TILE_N; i += THREADS) {
        var kk: u32;
        var nn: u32;
        if (p.bN == 1u) {
          kk = i / TILE_N;
          nn = i % TILE_N;
        } else {
          kk = i % TILE_K;
          nn = i / TILE_K;
        }
        let n = tn0 + nn;
        let k = k0 + kk;
        var v = 0.0;
        if (n < p.N && k < p.K) {
          v = matB[bBase + k * p.bK + n * p.bN];
        }
        tileB[(kk * TILE_N + nn) / 4u][nn % 4u] = v;
      }
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TILE_K; kk++) {
      let av = tileA[kk * (TILE_M / 4u) + rowBlock];
      let bv = tileB[kk * (TILE_N / 4u) + colBlock];
      c0 += av.x * bv;
      c1 += av.y * bv;
      c2 += av.z * bv;
      c3 += av.w * bv;
    }
    workgroupBarrier();
  }

  let cBase = p.cOffset + local * p.cBatch;
  let m0 = tm0 + rowBlock * 4u;
  let n0 = tn0 + colBlock * 4u;
  let rows = array<vec4f, 4>(c0, c1, c2, c3);
  for (var i = 0u; i < 4u; i++) {
    let m = m0 + i;
    if (m < p.M) {
      for (var j = 0u; j < 4u; j++) {
        if (n0 + j < p.N) {
          matC[cBase + m * p.cM + (n0 + j) * p.cN] = rows[i][j];
        }
      }
    }
  }
}
