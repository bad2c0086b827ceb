// Fill pass of the scatter kernel: writes act(bias) to the outputs that no (pixel, tap) pair
// reaches (stride larger than the dilated filter, or output padding), which scatter.wgsl never
// writes. Runs only when such outputs exist; touches nothing else, so its order is free.
//
// Output out[nb·out_n + c·out_c + oy·out_h + ox·out_w] (any layout, by strides), one thread per element,
// t → (nb, c, oy, ox) with ox fastest. Row oy is reached when some ky has
// oy + padTop − ky·dilH = iy·strideH exactly with 0 ≤ iy < inH (columns likewise); an output is
// reached when both its row and its column are.

override ACT: u32 = 0u;


struct Params {
  batch: u32,
  channels: u32,
  inH: u32,
  inW: u32,
  outH: u32,
  outW: u32,
  kH: u32,
  kW: u32,
  strideH: u32,
  strideW: u32,
  dilH: u32,
  dilW: u32,
  padTop: u32,
  padLeft: u32,
  out_n: u32,
  out_c: u32,
  out_h: u32,
  out_w: u32,
  alpha: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> bias: array<f32>;
@group(0) @binding(2) var<storage, read_write> output: array<f32>;

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

// True when full-result coordinate f (= output + padBegin) is reached by some tap.
fn reached(f: u32, k: u32, s: u32, d: u32, size: u32) -> bool {
  for (var t = 0u; t < k; t++) {
    if (t * d > f) {
      return false;
    }
    let q = f - t * d;
    if (q % s == 0u && q / s < size) {
      return true;
    }
  }
  return false;
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let p = params;
  let t = (wid.x + wid.y * nwg.x + wid.z * nwg.x * nwg.y) * 64u + lid;
  if (t >= p.batch * p.channels * p.outH * p.outW) {
    return;
  }
  let ox = t % p.outW;
  let oy = (t / p.outW) % p.outH;
  let c = (t / (p.outW * p.outH)) % p.channels;
  let nb = t / (p.outW * p.outH * p.channels);
  if (reached(oy + p.padTop, p.kH, p.strideH, p.dilH, p.inH) && reached(ox + p.padLeft, p.kW, p.strideW, p.dilW, p.inW)) {
    return;
  }
  output[nb * p.out_n + c * p.out_c + oy * p.out_h + ox * p.out_w] = activate(bias[c]);
}
