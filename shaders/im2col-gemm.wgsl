// Implicit GEMM for transposed convolution, register-blocked (no workgroup memory, no barriers).
//
// Per group g:  out[(co), (nb, oy, ox)] = act(bias[g·cog + co] + Σ_(ky, kx, ci) W(ci, co, ky, kx) · X̃(ci, nb, oy, ox, ky, kx))
//   W(ci, co, ky, kx) = weights[(g·cig + ci)·f_i + co·f_o + ky·f_h + kx·f_w]        (any filter layout, by strides)
//   X̃ = the zero-inserted input, gathered on the fly and never stored:
//     X̃ = input[nb·in_n + (g·cig + ci)·in_c + iy·in_h + ix·in_w]  when oy + padTop − ky·dilH = iy·strideH and
//         ox + padLeft − kx·dilW = ix·strideW exactly, with 0 ≤ iy < inH, 0 ≤ ix < inW; 0 otherwise.
//   out[nb·out_n + (g·cog + co)·out_c + oy·out_h + ox·out_w]                               (any layout, by strides)
// GEMM view: M = cog output channels, N = batch·outH·outW positions (p = (nb·outH + oy)·outW + ox),
// K = kH·kW·cig, walked tap by tap so each tap's validity is found once per position.
// Each thread computes 8 channels × 8 consecutive positions in registers (16 loads per 64
// multiply-adds, the ratio that decides speed on software adapters); a tap where none of its 8
// positions reads a real input value is skipped whole. A workgroup holds WG_ROWS × (64 / WG_ROWS)
// threads; workgroup w (linear) → group w / (wgM·wgN), then channel block row, then position block.

override ACT: u32 = 0u;


override WG_ROWS: u32 = 4u;

struct Params {
  groups: u32,
  cig: u32,
  cog: u32,
  N: u32,
  inH: i32,
  inW: i32,
  outH: u32,
  outW: u32,
  kH: u32,
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

// Per lane: input offset of the image and group, full-result row and column of the position.
struct Lanes {
  img: vec4u,
  fy: vec4i,
  fx: vec4i,
}

fn lanes(n0: u32, g: u32) -> Lanes {
  let p = params;
  let plane = p.outH * p.outW;
  var l: Lanes;
  for (var j = 0u; j < 4u; j++) {
    let pos = min(n0 + j, p.N - 1u);
    let rem = pos % plane;
    l.img[j] = (pos / plane) * p.in_n + g * p.cig * p.in_c;
    l.fy[j] = i32(rem / p.outW) + p.padTop;
    l.fx[j] = i32(rem % p.outW) + p.padLeft;
  }
  return l;
}

// Input offsets of 4 positions for tap (ky, kx), and which of them read a real value.
struct Tap {
  off: vec4u,
  valid: vec4<bool>,
}

fn tap(l: Lanes, ky: u32, kx: u32) -> Tap {
  let p = params;
  let ty = l.fy - vec4i(i32(ky) * p.dilH);
  let tx = l.fx - vec4i(i32(kx) * p.dilW);
  let iy = ty / vec4i(p.strideH);
  let ix = tx / vec4i(p.strideW);
  let v = (ty >= vec4i(0)) & (iy * vec4i(p.strideH) == ty) & (iy < vec4i(p.inH)) & (tx >= vec4i(0)) &
    (ix * vec4i(p.strideW) == tx) & (ix < vec4i(p.inW));
  return Tap(select(vec4u(0u), l.img + vec4u(iy) * p.in_h + vec4u(ix) * p.in_w, v), v);
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let p = params;
  let wgCols = 64u / WG_ROWS;
  let wgM = (p.cog + 8u * WG_ROWS - 1u) / (8u * WG_ROWS);
  let wgN = (p.N + 8u * wgCols - 1u) / (8u * wgCols);
  let w = wid.x + wid.y * nwg.x + wid.z * nwg.x * nwg.y;
  let g = w / (wgM * wgN);
  if (g >= p.groups) {
    return;
  }
  let r = w % (wgM * wgN);
  let m0 = ((r / wgN) * WG_ROWS + lid / wgCols) * 8u;
  let n0 = ((r % wgN) * wgCols + lid % wgCols) * 8u;
  if (m0 >= p.cog || n0 >= p.N) {
    return;
  }
  let lo = lanes(n0, g);
  let hi = lanes(n0 + 4u, g);
  let step = vec4u(0u, 1u, 2u, 3u);
  let wg0 = g * p.cig * p.f_i;
  let wLo = wg0 + min(vec4u(m0) + step, vec4u(p.cog - 1u)) * p.f_o;
  let wHi = wg0 + min(vec4u(m0 + 4u) + step, vec4u(p.cog - 1u)) * p.f_o;
  // cL[i] / cR[i]: channel m0 + i at positions n0..n0+3 / n0+4..n0+7.
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
  let zero = vec4f(0.0);
  for (var ky = 0u; ky < p.kH; ky++) {
    for (var kx = 0u; kx < p.kW; kx++) {
      let a = tap(lo, ky, kx);
      let b = tap(hi, ky, kx);
      if (!any(a.valid) && !any(b.valid)) {
        continue;
      }
      var xo = 0u;
      var wo = ky * p.f_h + kx * p.f_w;
      for (var ci = 0u; ci < p.cig; ci++) {
        let xl = select(zero, vec4f(input[a.off.x + xo], input[a.off.y + xo], input[a.off.z + xo], input[a.off.w + xo]), a.valid);
        let xr = select(zero, vec4f(input[b.off.x + xo], input[b.off.y + xo], input[b.off.z + xo], input[b.off.w + xo]), b.valid);
        let w0 = vec4f(weights[wLo.x + wo], weights[wLo.y + wo], weights[wLo.z + wo], weights[wLo.w + wo]);
        let w1 = vec4f(weights[wHi.x + wo], weights[wHi.y + wo], weights[wHi.z + wo], weights[wHi.w + wo]);
        cL0 += w0.x * xl;
        cR0 += w0.x * xr;
        cL1 += w0.y * xl;
        cR1 += w0.y * xr;
        cL2 += w0.z * xl;
        cR2 += w0.z * xr;
        cL3 += w0.w * xl;
        cR3 += w0.w * xr;
        cL4 += w1.x * xl;
        cR4 += w1.x * xr;
        cL5 += w1.y * xl;
        cR5 += w1.y * xr;
        cL6 += w1.z * xl;
        cR6 += w1.z * xr;
        cL7 += w1.w * xl;
        cR7 += w1.w * xr;
        xo += p.in_c;
        wo += p.f_i;
      }
    }
  }
  let left = array<vec4f, 8>(cL0, cL1, cL2, cL3, cL4, cL5, cL6, cL7);
  let right = array<vec4f, 8>(cR0, cR1, cR2, cR3, cR4, cR5, cR6, cR7);
  let plane = p.outH * p.outW;
  for (var i = 0u; i < 8u; i++) {
    let co = m0 + i;
    if (co >= p.cog) {
      break;
    }
    let c = g * p.cog + co;
    let bc = bias[c];
    for (var j = 0u; j < 8u; j++) {
      let pos = n0 + j;
      if (pos >= p.N) {
        break;
      }
      let rem = pos % plane;
      let o = (pos / plane) * p.out_n + c * p.out_c + (rem / p.outW) * p.out_h + (rem % p.outW) * p.out_w;
      output[o] = activate(select(left[i][j % 4u], right[i][j % 4u], j >= 4u) + bc);
    }
  }
}
