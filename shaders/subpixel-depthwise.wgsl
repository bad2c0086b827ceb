// subpixel (depthwise): the stride-phase decomposition for one input and one output channel
// per group (groups = channels: depthwise layers and bilinear upsampling).
//
// Data layout: input and output use the strides in `params` (NCHW or NHWC); the filter
// uses the strides f_i, f_o, f_h, f_w of its logical axes [in, out/groups, kH, kW]
// (any of iohw / hwoi / ohwi). With one channel per group, channel c is group c: it
// reads input channel c and filter entry (c, 0, ky, kx) and writes output channel c.
//
// Index math, per axis (rows shown; columns alike): output row oy is full-result row
// q = oy + padTop and receives input row iy through tap ky exactly when
//   q = iy·sh + ky·dh,  i.e.  ky·dh ≡ q (mod sh)  and  iy = (q − ky·dh) / sh,
// so only the phase's taps ky = ky0, ky0 + sty, … (sty = sh / gcd(sh, dh)) are visited.
//
// Work per thread: 8 same-phase output pixels ox = x0 + (8·xb + k)·sw (k = 0…7) of one
// row of one channel; for a tap they read 8 consecutive input columns and one weight
// (8 rather than 4 pixels: the set-up and the weight load are shared by twice the pixels).
// There is no sum over channels, so no register block over channels and no workgroup
// tiles: the register-blocked and tiled subpixel variants would spend a channel block
// of 4 or more lanes on one channel, and their per-thread set-up on 1 multiply-add per tap.
// Thread t = xb + nxb·(px + sw·(oy + oh·(c + channels·n))). All index math is u32/i32.

override ACT: u32 = 0u;
override WG: u32 = 64u;

struct Params {
  cog: u32, cig: u32, channels: u32, nxb: u32,
  ih: u32, iw: u32, oh: u32, ow: u32,
  kh: u32, kw: u32, sh: u32, sw: u32, dh: u32, dw: u32,
  pt: u32, pl: u32, sty: u32, stx: u32,
  in_n: u32, in_c: u32, in_h: u32, in_w: u32,
  out_n: u32, out_c: u32, out_h: u32, out_w: u32,
  f_i: u32, f_o: u32, f_h: u32, f_w: u32,
  total: u32,
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

fn linear_id(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> u32 {
  return (wid.x + wid.y * nwg.x + wid.z * nwg.x * nwg.y) * WG + lid;
}

// First tap k in [0, min(k_count, step)) with k·d ≡ phase (mod s); k_count when none.
fn first_tap(phase: u32, d: u32, s: u32, k_count: u32, step: u32) -> u32 {
  for (var k = 0u; k < min(k_count, step); k++) {
    if ((k * d) % s == phase) { return k; }
  }
  return k_count;
}

// Output pixel (n, c, oy, ox), when ox is inside.
fn store(n: u32, c: u32, oy: u32, ox: u32, v: f32, b: f32) {
  if (ox < params.ow) {
    output[n * params.out_n + c * params.out_c + oy * params.out_h + ox * params.out_w] = activate(v + b);
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let t = linear_id(wid, nwg, lid);
  if (t >= params.total) { return; }
  let xb = t % params.nxb;
  var rest = t / params.nxb;
  let sw = params.sw;
  let px = rest % sw;
  rest = rest / sw;
  let oy = rest % params.oh;
  rest = rest / params.oh;
  let c = rest % params.channels;
  let n = rest / params.channels;

  let sh = params.sh;
  let q = oy + params.pt;
  let ky0 = first_tap(q % sh, params.dh, sh, params.kh, params.sty);
  // x0: the phase's first output column; r0: full-result column of the block's first pixel.
  let x0 = (px + sw - params.pl % sw) % sw;
  let r0 = x0 + params.pl + xb * 8u * sw;
  let kx0 = first_tap(r0 % sw, params.dw, sw, params.kw, params.stx);
  let iwm = i32(params.iw) - 1;
  let base = n * params.in_n + c * params.in_c;
  let wbase = c * params.f_i;

  var acc = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  for (var ky = ky0; ky < params.kh; ky += params.sty) {
    // dy is a multiple of sh (the phase), and falls as ky grows.
    let dy = i32(q) - i32(ky * params.dh);
    if (dy < 0) { break; }
    let iy = u32(dy) / sh;
    if (iy >= params.ih) { continue; }
    let row = base + iy * params.in_h;
    for (var kx = kx0; kx < params.kw; kx += params.stx) {
      let ixb = (i32(r0) - i32(kx * params.dw)) / i32(sw);
      if (ixb + 7 < 0) { break; }
      if (ixb > iwm) { continue; }
      let xs = vec4<i32>(ixb) + vec4<i32>(0, 1, 2, 3);
      let inside = (xs >= vec4<i32>(0)) & (xs <= vec4<i32>(iwm));
      let xc = vec4<u32>(row) + vec4<u32>(clamp(xs, vec4<i32>(0), vec4<i32>(iwm))) * params.in_w;
      let xv = vec4<f32>(input[xc.x], input[xc.y], input[xc.z], input[xc.w]);
      let xs2 = xs + vec4<i32>(4);
      let inside2 = (xs2 >= vec4<i32>(0)) & (xs2 <= vec4<i32>(iwm));
      let xc2 = vec4<u32>(row) + vec4<u32>(clamp(xs2, vec4<i32>(0), vec4<i32>(iwm))) * params.in_w;
      let xv2 = vec4<f32>(input[xc2.x], input[xc2.y], input[xc2.z], input[xc2.w]);
      let wv = weights[wbase + ky * params.f_h + kx * params.f_w];
      acc += select(vec4<f32>(0.0), xv, inside) * wv;
      acc2 += select(vec4<f32>(0.0), xv2, inside2) * wv;
    }
  }

  let b = bias[c];
  let ox = x0 + xb * 8u * sw;
  store(n, c, oy, ox, acc.x, b);
  store(n, c, oy, ox + sw, acc.y, b);
  store(n, c, oy, ox + 2u * sw, acc.z, b);
  store(n, c, oy, ox + 3u * sw, acc.w, b);
  store(n, c, oy, ox + 4u * sw, acc2.x, b);
  store(n, c, oy, ox + 5u * sw, acc2.y, b);
  store(n, c, oy, ox + 6u * sw, acc2.z, b);
  store(n, c, oy, ox + 7u * sw, acc2.w, b);
}
