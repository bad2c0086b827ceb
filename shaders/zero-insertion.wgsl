// zero-insertion: transposed convolution as upsample + direct stride-1 convolution.
//
// Data layout: input and output use the strides in `params` (NCHW or NHWC); the
// filter uses the strides f_i, f_o, f_h, f_w of its logical axes [in, out/groups,
// kH, kW] (any of the iohw / hwoi / ohwi layouts). The scratch buffer `up` is the
// zero-inserted, border-padded input, NCHW: up[((n·cin + ci)·uh + uy)·uw + ux].
//
// Pass `upsample` (one thread per input element, `up` zero-filled beforehand):
//   up[n, ci, iy·sh + bt, ix·sw + bl] = input[n, ci, iy, ix]   (when inside `up`)
//   with bt = dh·(kh − 1) − padTop, bl = dw·(kw − 1) − padLeft (negative = crop).
// Pass `main` (one thread per 4 channels × 4 consecutive output pixels of a row):
//   out[n, co, oy, ox] = act(bias[co] + Σ_{ci ∈ group(co)} Σ_{t,u}
//       up[n, ci, oy + t·dh, ox + u·dw] · w[ci, co mod cog, kh − 1 − t, kw − 1 − u])
// The output padding needs no special case: rows past the input are zeros in `up`.
// All index math is u32/i32.

override ACT: u32 = 0u;
override WG: u32 = 64u;

struct Params {
  batch: u32, cin: u32, cout: u32, cig: u32, cog: u32,
  ih: u32, iw: u32, oh: u32, ow: u32,
  kh: u32, kw: u32, sh: u32, sw: u32, dh: u32, dw: u32,
  uh: u32, uw: u32, bt: i32, bl: i32,
  in_n: u32, in_c: u32, in_h: u32, in_w: u32,
  out_n: u32, out_c: u32, out_h: u32, out_w: u32,
  f_i: u32, f_o: u32, f_h: u32, f_w: u32,
  in_total: u32, out_total: u32, cbg: u32, ncb: u32, nxb: u32,
  alpha: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read> weights: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> output: array<f32>;
@group(0) @binding(5) var<storage, read_write> up: array<f32>;

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

@compute @workgroup_size(WG)
fn upsample(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
            @builtin(local_invocation_index) lid: u32) {
  let e = linear_id(wid, nwg, lid);
  if (e >= params.in_total) { return; }
  let ix = e % params.iw;
  let iy = (e / params.iw) % params.ih;
  let ci = (e / (params.iw * params.ih)) % params.cin;
  let n = e / (params.iw * params.ih * params.cin);
  let r = i32(iy * params.sh) + params.bt;
  let c = i32(ix * params.sw) + params.bl;
  if (r < 0 || c < 0 || u32(r) >= params.uh || u32(c) >= params.uw) { return; }
  let v = input[n * params.in_n + ci * params.in_c + iy * params.in_h + ix * params.in_w];
  up[((n * params.cin + ci) * params.uh + u32(r)) * params.uw + u32(c)] = v;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  // Thread: 4 output channels (one group) × 4 consecutive output pixels of one row,
  // t = cb + ncb·(xb + nxb·(oy + oh·n)); the 4 pixels read 4 consecutive `up` values.
  let t = linear_id(wid, nwg, lid);
  if (t >= params.out_total) { return; }
  let cb = t % params.ncb;
  var rest = t / params.ncb;
  let xb = rest % params.nxb;
  rest = rest / params.nxb;
  let oy = rest % params.oh;
  let n = rest / params.oh;
  let grp = cb / params.cbg;
  let cl0 = (cb % params.cbg) * 4u;
  let cols = min(vec4<u32>(cl0) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(params.cog - 1u));
  let ox0 = xb * 4u;
  // Pixels past the row's end read clamped `up` values and are never stored.
  let oxs = min(vec4<u32>(ox0) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(params.ow - 1u));
  let cig = params.cig;
  let kh = params.kh;
  let kw = params.kw;
  let uplane = params.uh * params.uw;
  var a0 = vec4<f32>(0.0);
  var a1 = vec4<f32>(0.0);
  var a2 = vec4<f32>(0.0);
  var a3 = vec4<f32>(0.0);
  for (var cl = 0u; cl < cig; cl++) {
    let ci = grp * cig + cl;
    let ubase = vec4<u32>(((n * params.cin + ci) * params.uh + oy) * params.uw) + oxs;
    let fbase = vec4<u32>(ci * params.f_i) + cols * params.f_o;
    for (var t2 = 0u; t2 < kh; t2++) {
      let urow = ubase + vec4<u32>(t2 * params.dh * params.uw);
      let frow = fbase + vec4<u32>((kh - 1u - t2) * params.f_h);
      for (var u = 0u; u < kw; u++) {
        let uo = urow + vec4<u32>(u * params.dw);
        let fo = frow + vec4<u32>((kw - 1u - u) * params.f_w);
        let xv = vec4<f32>(up[uo.x], up[uo.y], up[uo.z], up[uo.w]);
        let wv = vec4<f32>(weights[fo.x], weights[fo.y], weights[fo.z], weights[fo.w]);
        a0 += xv.x * wv;
        a1 += xv.y * wv;
        a2 += xv.z * wv;
        a3 += xv.w * wv;
      }
    }
  }
  let co0 = grp * params.cog + cl0;
  let nco = min(4u, params.cog - cl0);
  var acc = array<vec4<f32>, 4>(a0, a1, a2, a3);
  for (var k = 0u; k < 4u; k++) {
    let ox = ox0 + k;
    if (ox >= params.ow) { break; }
    let base = n * params.out_n + oy * params.out_h + ox * params.out_w;
    for (var j = 0u; j < nco; j++) {
      output[base + (co0 + j) * params.out_c] = activate(acc[k][j] + bias[co0 + j]);
    }
  }
}
