// subpixel (workgroup-tiled): stride-phase decomposition as one implicit GEMM per phase.
//
// Data layout: input and output use the strides in `params` (NCHW or NHWC); the
// filter uses the strides f_i, f_o, f_h, f_w of its logical axes [in, out/groups,
// kH, kW] (any of iohw / hwoi / ohwi).
//
// Index math, per axis (rows shown): output row oy is full-result row
// q = oy + padTop and gets input row iy through tap ky iff q = iy·sh + ky·dh.
// For the row phase py = q mod sh the valid taps are ky = ky0 + ty·sty
// (sty = sh / gcd(sh, dh)); the phase's output rows are oy = y0 + a·sh; and
//   iy = a + ybase − ty·ey,  ybase = (y0 + padTop − ky0·dh) / sh,  ey = sty·dh / sh
// (both divisions exact). So phase (py, px) is an ordinary convolution:
//   C[m, co] = Σ_k A[k, m] · B[k, co],  m = (n, a, b) pixels of the phase,
//   k = (ty, tx, ci) over the phase's taps and the group's input channels,
//   A[k, m] = input[n, ci, iy, ix] (0 outside), B[k, co] = w[ci, co, ky, kx].
// No inserted zero is multiplied. One dispatch covers every phase and group:
// workgroup w = mt + nmt·(nt + nnt·(grp + groups·phase)).
//
// Work per thread: a 4 × 4 block of (pixel, channel) outputs, TK-deep slices of A
// and B staged in workgroup memory. Tile sizes are override constants.
// input4 / weights4 view the same buffers as vec4s, for staging four k at once when
// A_VEC / B_VEC = 1: with cig a multiple of 4, k = 4j … 4j+3 are channels c … c+3 of one
// tap, which are one aligned vec4 when the channel stride is 1 (NHWC input; a filter
// with input channels contiguous, as prepared layers pack it) and every other stride,
// the group's first channel and the buffer size are multiples of 4 floats.
// All index math is u32/i32.

override ACT: u32 = 0u;
override WX: u32 = 16u;
override WY: u32 = 16u;
override TK: u32 = 16u;
override A_VEC: u32 = 0u;
override B_VEC: u32 = 0u;
override TM: u32 = WX * 4u;
override TN: u32 = WY * 4u;
override A_SIZE: u32 = TK * WX * 4u;
override B_SIZE: u32 = TK * WY * 4u;

struct Params {
  batch: u32, cog: u32, cig: u32, groups: u32,
  ih: u32, iw: u32, oh: u32, ow: u32,
  kh: u32, kw: u32, sh: u32, sw: u32, dh: u32, dw: u32,
  pt: u32, pl: u32, sty: u32, stx: u32,
  in_n: u32, in_c: u32, in_h: u32, in_w: u32,
  out_n: u32, out_c: u32, out_h: u32, out_w: u32,
  f_i: u32, f_o: u32, f_h: u32, f_w: u32,
  nmt: u32, nnt: u32, total_wg: u32,
  alpha: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read> weights: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> output: array<f32>;
@group(0) @binding(5) var<storage, read> input4: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read> weights4: array<vec4<f32>>;

var<workgroup> As: array<f32, A_SIZE>;
var<workgroup> Bs: array<f32, B_SIZE>;

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

// First tap k in [0, min(k_count, step)) with k·d ≡ phase (mod s); k_count when none.
fn first_tap(phase: u32, d: u32, s: u32, k_count: u32, step: u32) -> u32 {
  for (var k = 0u; k < min(k_count, step); k++) {
    if ((k * d) % s == phase) { return k; }
  }
  return k_count;
}

// One axis of a phase: first output index, output count, first tap, tap count,
// input base (may be negative) and input step per tap.
struct Axis { o0: u32, count: u32, k0: u32, taps: u32, base: i32, e: u32 }

fn phase_axis(p: u32, s: u32, d: u32, k: u32, step: u32, pad: u32, out: u32) -> Axis {
  var a: Axis;
  a.o0 = (p + s - pad % s) % s;
  a.count = select(0u, (out - a.o0 + s - 1u) / s, a.o0 < out);
  a.k0 = first_tap(p, d, s, k, step);
  a.taps = select(0u, (k - a.k0 + step - 1u) / step, a.k0 < k);
  a.base = (i32(a.o0 + pad) - i32(a.k0 * d)) / i32(s);
  a.e = step * d / s;
  return a;
}

@compute @workgroup_size(WX, WY)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid3: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let w = wid.x + wid.y * nwg.x + wid.z * nwg.x * nwg.y;
  if (w >= params.total_wg) { return; }
  let mt = w % params.nmt;
  var rest = w / params.nmt;
  let nt = rest % params.nnt;
  rest = rest / params.nnt;
  let grp = rest % params.groups;
  let ph = rest / params.groups;
  let ay = phase_axis(ph / params.sw, params.sh, params.dh, params.kh, params.sty, params.pt, params.oh);
  let ax = phase_axis(ph % params.sw, params.sw, params.dw, params.kw, params.stx, params.pl, params.ow);
  let plane = ay.count * ax.count;
  let m_total = params.batch * plane;
  if (mt * TM >= m_total) { return; }
  let k_total = ay.taps * ax.taps * params.cig;
  let ci0 = grp * params.cig;
  let nthreads = WX * WY;

  var acc: array<vec4<f32>, 4>;
  for (var k0 = 0u; k0 < k_total; k0 += TK) {
    if (A_VEC == 1u) {
      for (var e = lid; e < TK * TM / 4u; e += nthreads) {
        let gm = mt * TM + e % TM;
        let kq = e / TM;
        let gk = k0 + 4u * kq;
        var v = vec4<f32>(0.0);
        if (gm < m_total && gk < k_total) {
          let c = gk % params.cig;
          let tap = gk / params.cig;
          let n = gm / plane;
          let pix = gm % plane;
          let iy = i32(pix / ax.count) + ay.base - i32((tap / ax.taps) * ay.e);
          let ix = i32(pix % ax.count) + ax.base - i32((tap % ax.taps) * ax.e);
          if (iy >= 0 && ix >= 0 && u32(iy) < params.ih && u32(ix) < params.iw) {
            v = input4[(n * params.in_n + ci0 + c + u32(iy) * params.in_h + u32(ix) * params.in_w) / 4u];
          }
        }
        let at = 4u * kq * TM + e % TM;
        As[at] = v.x;
        As[at + TM] = v.y;
        As[at + 2u * TM] = v.z;
        As[at + 3u * TM] = v.w;
      }
    } else {
      for (var e = lid; e < TK * TM; e += nthreads) {
        let gm = mt * TM + e % TM;
        let gk = k0 + e / TM;
        var v = 0.0;
        if (gm < m_total && gk < k_total) {
          let c = gk % params.cig;
          let tap = gk / params.cig;
          let n = gm / plane;
          let pix = gm % plane;
          let iy = i32(pix / ax.count) + ay.base - i32((tap / ax.taps) * ay.e);
          let ix = i32(pix % ax.count) + ax.base - i32((tap % ax.taps) * ax.e);
          if (iy >= 0 && ix >= 0 && u32(iy) < params.ih && u32(ix) < params.iw) {
            v = input[n * params.in_n + (ci0 + c) * params.in_c + u32(iy) * params.in_h + u32(ix) * params.in_w];
          }
        }
        As[e] = v;
      }
    }
    if (B_VEC == 1u) {
      for (var e = lid; e < TK * TN / 4u; e += nthreads) {
        let col = nt * TN + e % TN;
        let kq = e / TN;
        let gk = k0 + 4u * kq;
        var v = vec4<f32>(0.0);
        if (col < params.cog && gk < k_total) {
          let c = gk % params.cig;
          let tap = gk / params.cig;
          let ky = ay.k0 + (tap / ax.taps) * params.sty;
          let kx = ax.k0 + (tap % ax.taps) * params.stx;
          v = weights4[(ci0 + c + col * params.f_o + ky * params.f_h + kx * params.f_w) / 4u];
        }
        let at = 4u * kq * TN + e % TN;
        Bs[at] = v.x;
        Bs[at + TN] = v.y;
        Bs[at + 2u * TN] = v.z;
        Bs[at + 3u * TN] = v.w;
      }
    } else {
      for (var e = lid; e < TK * TN; e += nthreads) {
        let col = nt * TN + e % TN;
        let gk = k0 + e / TN;
        var v = 0.0;
        if (col < params.cog && gk < k_total) {
          let c = gk % params.cig;
          let tap = gk / params.cig;
          let ky = ay.k0 + (tap / ax.taps) * params.sty;
          let kx = ax.k0 + (tap % ax.taps) * params.stx;
          v = weights[(ci0 + c) * params.f_i + col * params.f_o + ky * params.f_h + kx * params.f_w];
        }
        Bs[e] = v;
      }
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TK; kk++) {
      let a = vec4<f32>(As[kk * TM + lid3.x], As[kk * TM + lid3.x + WX], As[kk * TM + lid3.x + 2u * WX],
                        As[kk * TM + lid3.x + 3u * WX]);
      let b = vec4<f32>(Bs[kk * TN + lid3.y], Bs[kk * TN + lid3.y + WY], Bs[kk * TN + lid3.y + 2u * WY],
                        Bs[kk * TN + lid3.y + 3u * WY]);
      acc[0] += a.x * b;
      acc[1] += a.y * b;
      acc[2] += a.z * b;
      acc[3] += a.w * b;
    }
    workgroupBarrier();
  }

  for (var i = 0u; i < 4u; i++) {
    let gm = mt * TM + lid3.x + i * WX;
    if (gm >= m_total) { break; }
    let n = gm / plane;
    let pix = gm % plane;
    let oy = ay.o0 + (pix / ax.count) * params.sh;
    let ox = ax.o0 + (pix % ax.count) * params.sw;
    let base = n * params.out_n + oy * params.out_h + ox * params.out_w;
    for (var j = 0u; j < 4u; j++) {
      let col = nt * TN + lid3.y + j * WY;
      if (col >= params.cog) { break; }
      let co = grp * params.cog + col;
      output[base + co * params.out_c] = activate(acc[i][j] + bias[co]);
    }
  }
}
