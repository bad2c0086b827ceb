// Implicit GEMM for transposed convolution, tiled in workgroup memory.
//
// Per group g:  out[(co), (nb, oy, ox)] = act(bias[g·cog + co] + Σ_k A(co, k) · X̃(k, (nb, oy, ox)))
//   k = (ky·kW + kx)·cig + ci   (tap-major, so a K tile mostly shares one tap)
//   A(co, k) = weights[(g·cig + ci)·f_i + co·f_o + ky·f_h + kx·f_w]              (any filter layout, by strides)
//   X̃(k, p) = the zero-inserted input, gathered while staging and never stored:
//     input[nb·in_n + (g·cig + ci)·in_c + iy·in_h + ix·in_w]  when oy + padTop − ky·dilH = iy·strideH and
//     ox + padLeft − kx·dilW = ix·strideW exactly, with 0 ≤ iy < inH, 0 ≤ ix < inW; 0 otherwise.
//   out[nb·out_n + (g·cog + co)·out_c + oy·out_h + ox·out_w]                            (any layout, by strides)
// GEMM view: M = cog, N = batch·outH·outW (p = (nb·outH + oy)·outW + ox), K = kH·kW·cig.
// A workgroup of (TILE_M/4)·(TILE_N/4) threads computes a TILE_M × TILE_N tile; each thread a
// 4×4 block in registers. Per TILE_K step the workgroup stages the filter and gathered-input
// tiles in workgroup memory. Workgroup w (linear) → group w / (tilesM·tilesN), tile row, tile column.

override ACT: u32 = 0u;


override TILE_M: u32 = 64u;
override TILE_N: u32 = 64u;
override TILE_K: u32 = 16u;
override THREADS: u32 = TILE_M * TILE_N / 16u;

struct Params {
  groups: u32,
  cig: u32,
  cog: u32,
  N: u32,
  K: u32,
  inH: i32,
  inW: i32,
  outH: u32,
  outW: u32,
  kW: u32,
  strideH: i32,
  strideW: i32,
  dilH: i32,
  dilW: i32,
  padTop: i32,
  padLeft: i32,
  in_n: u32,
  in_c: u32,
  in_h: u32,
  in_w: u32,
  out_n: u32,
  out_c: u32,
  out_h: u32,
  out_w: u32,
  f_i: u32,
  f_o: u32,
  f_h: u32,
  f_w: u32,
  alpha: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read> weights: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> output: array<f32>;

// erf by Abramowitz & Stegun 7.1.26: |error| ≤ 1.5e-7 (WGSL has no erf).
fn erf_approx(x: f32) -> f32 {
  let ax = abs(x);
  let t = 1.0 / (1.0 + 0.3275911 * ax);
  let p = ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t;
  let y = 1.0 - p * exp(-ax * ax);
  return select(-y, y, x >= 0.0);
}

// ACT: 0 none, 1 relu, 2 relu6, 3 leakyRelu, 4 sigmoid, 5 tanh, 6 gelu.
fn activate(x: f32) -> f32 {
  switch ACT {
    case 1u: { return max(x, 0.0); }
    case 2u: { return clamp(x, 0.0, 6.0); }
    case 3u: { return select(x, params.alpha * x, x < 0.0); }
    case 4u: { return 1.0 / (1.0 + exp(-x)); }
    case 5u: { return tanh(clamp(x, -15.0, 15.0)); }
    case 6u: { return 0.5 * x * (1.0 + erf_approx(x * 0.70710678118654752)); }
    default: { return x; }
  }
}

// [k][m] and [k][n], four consecutive m (n) per vec4.
var<workgroup> tileA: array<vec4f, TILE_K * TILE_M / 4u>;
var<workgroup> tileB: array<vec4f, TILE_K * TILE_N / 4u>;

@compute @workgroup_size(THREADS)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let p = params;
  let tilesM = (p.cog + TILE_M - 1u) / TILE_M;
  let tilesN = (p.N + TILE_N - 1u) / TILE_N;
  let w = wid.x + wid.y * nwg.x + wid.z * nwg.x * nwg.y;
  let g = w / (tilesM * tilesN);
  // Uniform across the workgroup, so returning here keeps barriers in uniform control flow.
  if (g >= p.groups) {
    return;
  }
  let r = w % (tilesM * tilesN);
  let tm0 = (r / tilesN) * TILE_M;
  let tn0 = (r % tilesN) * TILE_N;
  let plane = p.outH * p.outW;
  let colsPerThread = TILE_N / 4u;
  let rowBlock = lid / colsPerThread;
  let colBlock = lid % colsPerThread;
  // Stage along the contiguous axis: ci when the filter (input) has unit channel stride.
  let aKFast = p.f_i == 1u;
  let bKFast = p.in_c == 1u;
  let wg0 = g * p.cig * p.f_i;
  let ig0 = g * p.cig * p.in_c;

  var c0 = vec4f(0.0);
  var c1 = vec4f(0.0);
  var c2 = vec4f(0.0);
  var c3 = vec4f(0.0);
  for (var k0 = 0u; k0 < p.K; k0 += TILE_K) {
    for (var i = lid; i < TILE_K * TILE_M; i += THREADS) {
      var kk: u32;
      var mm: u32;
      if (aKFast) {
        kk = i % TILE_K;
        mm = i / TILE_K;
      } else {
        kk = i / TILE_M;
        mm = i % TILE_M;
      }
      let co = tm0 + mm;
      let k = k0 + kk;
      var v = 0.0;
      if (co < p.cog && k < p.K) {
        let tap = k / p.cig;
        let ci = k % p.cig;
        v = weights[wg0 + ci * p.f_i + co * p.f_o + (tap / p.kW) * p.f_h + (tap % p.kW) * p.f_w];
      }
      tileA[(kk * TILE_M + mm) / 4u][mm % 4u] = v;
    }
    for (var i = lid; i < TILE_K * TILE_N; i += THREADS) {
      var kk: u32;
      var nn: u32;
      if (bKFast) {
        kk = i % TILE_K;
        nn = i / TILE_K;
      } else {
        kk = i / TILE_N;
        nn = i % TILE_N;
      }
      let pos = tn0 + nn;
      let k = k0 + kk;
      var v = 0.0;
      if (pos < p.N && k < p.K) {
        let tap = k / p.cig;
        let ci = k % p.cig;
        let rem = pos % plane;
        let ty = i32(rem / p.outW) + p.padTop - i32(tap / p.kW) * p.dilH;
        let tx = i32(rem % p.outW) + p.padLeft - i32(tap % p.kW) * p.dilW;
        let iy = ty / p.strideH;
        let ix = tx / p.strideW;
        if (ty >= 0 && tx >= 0 && iy * p.strideH == ty && ix * p.strideW == tx && iy < p.inH && ix < p.inW) {
          v = input[(pos / plane) * p.in_n + ig0 + ci * p.in_c + u32(iy) * p.in_h + u32(ix) * p.in_w];
        }
      }
      tileB[(kk * TILE_N + nn) / 4u][nn % 4u] = v;
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

  let m0 = tm0 + rowBlock * 4u;
  let n0 = tn0 + colBlock * 4u;
  let rows = array<vec4f, 4>(c0, c1, c2, c3);
  for (var i = 0u; i < 4u; i++) {
    let co = m0 + i;
    if (co < p.cog) {
      let c = g * p.cog + co;
      let b = bias[c];
      for (var j = 0u; j < 4u; j++) {
        let pos = n0 + j;
        if (pos < p.N) {
          let rem = pos % plane;
          let o = (pos / plane) * p.out_n + c * p.out_c + (rem / p.outW) * p.out_h + (rem % p.outW) * p.out_w;
          output[o] = activate(rows[i][j] + b);
        }
      }
    }
  }
}
