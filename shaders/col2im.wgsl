// col2im for transposed convolution: sums the columns of gemm-col2im's GEMM into the output,
// then adds the bias and applies the activation (the fused epilogue).
//
// Column buffer (written by gemm.wgsl / gemm-tiled.wgsl), one matrix per slice:
//   slice b = slice0 + local, group g = b / batch, image nb = b % batch
//   col[local·M·N + m·N + (iy − iy0)·inW + ix],  M = cog·kH·kW,  N = colRows·inW,
//   m = co·mCo + ky·mKy + kx·mKx  (co-major for iohw/ohwi filters, tap-major for hwoi)
//   holding Σ_ci W[g·cig + ci, co, ky, kx] · X[nb, g·cig + ci, iy, ix] for input rows iy0 ≤ iy < iy0 + colRows.
// Output (any layout, by strides):
//   out[nb·out_n + (g·cog + co)·out_c + oy·out_h + ox·out_w] = act(bias[g·cog + co] + Σ col(co, ky, kx, iy, ix))
//   over the taps with oy + padTop = iy·strideH + ky·dilH and ox + padLeft = ix·strideW + kx·dilW
//   (exact division, 0 ≤ iy < inH, 0 ≤ ix < inW). Outputs no tap reaches get act(bias).
// One thread per 4 outputs of one (slice, co, oy) in the same stride phase: ox = ph + (4·jb + j)·strideW,
// j = 0..3, so the taps that reach them are the same for all 4. Threads of a row are ordered
// (phase, jb), with blocksPerPhase = ceil(ceil(outW / strideW) / 4) blocks per phase (some empty);
// rows are oy0 ≤ oy < oy0 + outRows; blocks fastest (channelsLast = 0) or channels (= 1).
// Taps reaching a coordinate f = o + pad are k ≡ k0 (mod m), m = stride / gcd(stride, dil), with
// input index q0 − i·e, e = dil / gcd: a thread finds k0 by walking at most m taps, keeping the
// quotient and remainder of (f − k·dil) / stride up to date with dil = dq·stride + dr (integer
// division is slow on software adapters), then visits only the reaching taps.
// Each output is summed in a fixed tap order by one thread: deterministic, no atomics.

override ACT: u32 = 0u;


struct Params {
  slice0: u32,
  slices: u32,
  batch: u32,
  cog: u32,
  inH: i32,
  inW: i32,
  outW: u32,
  kH: u32,
  kW: u32,
  strideH: i32,
  strideW: i32,
  dqY: i32,
  drY: i32,
  dqX: i32,
  drX: i32,
  mY: u32,
  mX: u32,
  eY: i32,
  eX: i32,
  blocksPerPhase: u32,
  padTop: u32,
  padLeft: u32,
  oy0: u32,
  outRows: u32,
  iy0: i32,
  colRows: i32,
  mCo: u32,
  mKy: u32,
  mKx: u32,
  out_n: u32,
  out_c: u32,
  out_h: u32,
  out_w: u32,
  channelsLast: u32,
  alpha: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> col: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> output: array<f32>;

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

// First tap k < min(m, kCount) whose (f − k·dil) is a multiple of the stride, and its quotient;
// k = kCount when none is.
fn firstTap(f: i32, s: i32, dq: i32, dr: i32, m: u32, kCount: u32) -> vec2i {
  var q = f / s;
  var r = f - q * s;
  for (var k = 0u; k < min(m, kCount); k++) {
    if (r == 0) {
      return vec2i(i32(k), q);
    }
    r -= dr;
    q -= dq;
    if (r < 0) {
      r += s;
      q -= 1;
    }
  }
  return vec2i(i32(kCount), 0);
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let p = params;
  let t = (wid.x + wid.y * nwg.x + wid.z * nwg.x * nwg.y) * 64u + lid;
  let rowBlocks = u32(p.strideW) * p.blocksPerPhase;
  let perSlice = p.cog * p.outRows * rowBlocks;
  if (t >= p.slices * perSlice) {
    return;
  }
  let local = t / perSlice;
  let r = t % perSlice;
  var co: u32;
  var rest: u32;
  if (p.channelsLast == 1u) {
    co = r % p.cog;
    rest = r / p.cog;
  } else {
    co = r / (p.outRows * rowBlocks);
    rest = r % (p.outRows * rowBlocks);
  }
  let oy = p.oy0 + rest / rowBlocks;
  let blockIndex = rest % rowBlocks;
  let ox0 = blockIndex / p.blocksPerPhase + (blockIndex % p.blocksPerPhase) * 4u * u32(p.strideW);
  if (ox0 >= p.outW) {
    return;
  }
  let b = p.slice0 + local;
  let g = b / p.batch;
  let nb = b % p.batch;
  let n = u32(p.colRows * p.inW);
  let colBase = (local * (p.cog * p.kH * p.kW) + co * p.mCo) * n;

  let ty = firstTap(i32(oy + p.padTop), p.strideH, p.dqY, p.drY, p.mY, p.kH);
  let tx = firstTap(i32(ox0 + p.padLeft), p.strideW, p.dqX, p.drX, p.mX, p.kW);
  // Input columns of the 4 outputs for the first reaching kx: ox0 + j·strideW → ix + j.
  let ix0 = vec4i(tx.y) + vec4i(0, 1, 2, 3);
  var sum = vec4f(0.0);
  var iy = ty.y;
  for (var ky = u32(ty.x); ky < p.kH && iy >= 0; ky += p.mY) {
    if (iy < p.inH && iy >= p.iy0 && iy < p.iy0 + p.colRows) {
      let rowBase = colBase + ky * p.mKy * n + u32(iy - p.iy0) * u32(p.inW);
      var ix = ix0;
      for (var kx = u32(tx.x); kx < p.kW; kx += p.mX) {
        if (all(ix < vec4i(0))) {
          break;
        }
        let valid = (ix >= vec4i(0)) & (ix < vec4i(p.inW));
        if (any(valid)) {
          let at = vec4u(rowBase + kx * p.mKx * n) + vec4u(select(vec4i(0), ix, valid));
          sum += select(vec4f(0.0), vec4f(col[at.x], col[at.y], col[at.z], col[at.w]), valid);
        }
        ix -= vec4i(p.eX);
      }
    }
    iy -= p.eY;
  }
  let c = g * p.cog + co;
  let bc = bias[c];
  let row = nb * p.out_n + c * p.out_c + oy * p.out_h;
  for (var j = 0u; j < 4u; j++) {
    let ox = ox0 + j * u32(p.strideW);
    if (ox < p.outW) {
      output[row + ox * p.out_w] = activate(sum[j] + bc);
    }
  }
}
