// subpixel (register-blocked): transposed convolution by stride-phase decomposition.
//
// Data layout: input and output use the strides in `params` (NCHW or NHWC); the
// filter uses the strides f_i, f_o, f_h, f_w of its logical axes [in, out/groups,
// kH, kW] (any of iohw / hwoi / ohwi).
//
// Index math, per axis (rows shown; columns alike): output row oy is full-result
// row q = oy + padTop, and receives input row iy through tap ky exactly when
//   q = iy·sh + ky·dh,  i.e.  ky·dh ≡ q (mod sh)  and  iy = (q − ky·dh) / sh.
// So the phase q mod sh fixes the valid taps: ky = ky0, ky0 + sty, … with
// sty = sh / gcd(sh, dh). Only those taps are visited; no inserted zero is read.
//
// Work per thread: one output row oy, one column phase px, C output channels
// (co0 … co0+C−1 of one group) × P same-phase output pixels
// ox = x0 + (P·xb + k)·sw, k = 0…P−1. For a tap those P pixels read the P
// consecutive input columns ixb … ixb+P−1, so each input value feeds C channels
// and each weight P pixels: C + P loads per C·P multiply-adds, no workgroup
// memory and no barriers. Entry points by C × P: main 4×4, main8 4×8,
// main84 8×4, main88 8×8, and main88r 8 × (2 rows × 4 columns) for layers with few
// columns per phase (the planner picks the block with the least work). Each block is
// written out as its own entry point because WGSL has no generics, and accumulators
// kept in an array indexed by a loop variable run slower on SwiftShader than named ones.
// Thread index t = cb + ncb·(xb + nxb·(j + nyp·(n + nb·(px + sw·py)))) with output row
// oy = py + j·sh (py = oy mod sh, nyp = ⌈oh / sh⌉; main88r: see there): grouping
// threads by phase keeps one phase's weights in cache while its threads run.
// All index math is u32/i32.

override ACT: u32 = 0u;
override WG: u32 = 64u;

struct Params {
  cog: u32, cig: u32, cbg: u32, ncb: u32, nxb: u32, nyr: u32, nb: u32,
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

// First tap k in [0, min(k_count, step)) with k·d ≡ phase (mod s); k_count when none.
fn first_tap(phase: u32, d: u32, s: u32, k_count: u32, step: u32) -> u32 {
  for (var k = 0u; k < min(k_count, step); k++) {
    if ((k * d) % s == phase) { return k; }
  }
  return k_count;
}

// Stores channels co0 … co0+nco−1 (nco ≤ 4; none when 0) of output pixel (n, oy, ox) when ox is
// inside. Called once per accumulator with constant arguments, so the accumulators stay in
// registers: indexing an array of them by a loop variable puts them in memory, which made
// the epilogue cost as much as the taps on layers with little work per thread.
fn store4(n: u32, oy: u32, ox: u32, co0: u32, nco: u32, v: vec4<f32>, b: vec4<f32>) {
  if (ox >= params.ow || nco == 0u) { return; }
  let oc = params.out_c;
  let base = n * params.out_n + oy * params.out_h + ox * params.out_w + co0 * oc;
  output[base] = activate(v.x + b.x);
  if (nco > 1u) { output[base + oc] = activate(v.y + b.y); }
  if (nco > 2u) { output[base + 2u * oc] = activate(v.z + b.z); }
  if (nco > 3u) { output[base + 3u * oc] = activate(v.w + b.w); }
}

// Bias of channels co0 … co0+3, clamped to the last channel (lanes past it are not stored).
fn bias4(co0: u32) -> vec4<f32> {
  let last = arrayLength(&bias) - 1u;
  return vec4<f32>(bias[min(co0, last)], bias[min(co0 + 1u, last)], bias[min(co0 + 2u, last)], bias[min(co0 + 3u, last)]);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let t = (wid.x + wid.y * nwg.x + wid.z * nwg.x * nwg.y) * WG + lid;
  if (t >= params.total) { return; }
  // Channel blocks vary fastest, so neighbouring invocations (SIMD lanes on a CPU
  // adapter) share their pixels and take the same border branch; the row phase is
  // slowest, so threads that run together read the same taps' weights (cache reuse).
  let cb = t % params.ncb;
  var rest = t / params.ncb;
  let xb = rest % params.nxb;
  rest = rest / params.nxb;
  let nyp = params.nyr / params.sh;
  let j = rest % nyp;
  rest = rest / nyp;
  let n = rest % params.nb;
  rest = rest / params.nb;
  let px = rest % params.sw;
  let oy = rest / params.sw + j * params.sh;
  if (oy >= params.oh) { return; }

  let grp = cb / params.cbg;
  let cl0 = (cb % params.cbg) * 4u;
  // Channels past the group's end read a clamped weight and are never stored.
  let cols = min(vec4<u32>(cl0) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(params.cog - 1u));
  let ci0 = grp * params.cig;

  let q = oy + params.pt;
  let ky0 = first_tap(q % params.sh, params.dh, params.sh, params.kh, params.sty);
  let x0 = (px + params.sw - params.pl % params.sw) % params.sw;
  let r0 = x0 + params.pl + xb * 4u * params.sw;
  let kx0 = first_tap(r0 % params.sw, params.dw, params.sw, params.kw, params.stx);
  let iwm = i32(params.iw) - 1;

  // Loop bounds and strides in registers: a uniform read inside the loop is a load per iteration.
  let cig = params.cig;
  let in_c = params.in_c;
  let f_i = params.f_i;
  let in_w = params.in_w;
  let kh = params.kh;
  let kw = params.kw;
  let sty = params.sty;
  let stx = params.stx;
  // Each thread starts its input-channel loop at its own channel c0 and wraps around. With
  // packed filters, a thread's weight rows lie cig floats apart; when cig is a power of two,
  // equal starts put every lane's rows in the same few L1 sets (conflict misses on a CPU adapter).
  let c0 = (cb * 16u) % cig;
  let cwrap = cig - 1u - c0;
  var a0 = vec4<f32>(0.0);
  var a1 = vec4<f32>(0.0);
  var a2 = vec4<f32>(0.0);
  var a3 = vec4<f32>(0.0);
  for (var ky = ky0; ky < kh; ky += sty) {
    let dy = i32(q) - i32(ky * params.dh);
    if (dy < 0) { break; }
    let iy = u32(dy) / params.sh;
    if (iy >= params.ih) { continue; }
    let row = n * params.in_n + iy * params.in_h + ci0 * in_c;
    for (var kx = kx0; kx < kw; kx += stx) {
      let ixb = (i32(r0) - i32(kx * params.dw)) / i32(params.sw);
      if (ixb + 3 < 0) { break; }
      if (ixb > iwm) { continue; }
      let xs = vec4<i32>(ixb) + vec4<i32>(0, 1, 2, 3);
      let valid = (xs >= vec4<i32>(0)) & (xs <= vec4<i32>(iwm));
      let xc = vec4<u32>(clamp(xs, vec4<i32>(0), vec4<i32>(iwm)));
      let ib = vec4<u32>(row) + xc * in_w;
      let wb = vec4<u32>(ky * params.f_h + kx * params.f_w + ci0 * f_i) + cols * params.f_o;
      var xo = c0 * in_c;
      var wo = c0 * f_i;
      if (all(valid)) {
        for (var c = 0u; c < cig; c++) {
          let xv = vec4<f32>(input[ib.x + xo], input[ib.y + xo], input[ib.z + xo], input[ib.w + xo]);
          let wv = vec4<f32>(weights[wb.x + wo], weights[wb.y + wo], weights[wb.z + wo], weights[wb.w + wo]);
          a0 += xv.x * wv;
          a1 += xv.y * wv;
          a2 += xv.z * wv;
          a3 += xv.w * wv;
          xo = select(xo + in_c, 0u, c == cwrap);
          wo = select(wo + f_i, 0u, c == cwrap);
        }
      } else {
        // A border block: pixels whose input column is outside read a clamped value and add zero.
        for (var c = 0u; c < cig; c++) {
          let xv = select(vec4<f32>(0.0),
                          vec4<f32>(input[ib.x + xo], input[ib.y + xo], input[ib.z + xo], input[ib.w + xo]), valid);
          let wv = vec4<f32>(weights[wb.x + wo], weights[wb.y + wo], weights[wb.z + wo], weights[wb.w + wo]);
          a0 += xv.x * wv;
          a1 += xv.y * wv;
          a2 += xv.z * wv;
          a3 += xv.w * wv;
          xo = select(xo + in_c, 0u, c == cwrap);
          wo = select(wo + f_i, 0u, c == cwrap);
        }
      }
    }
  }

  let co0 = grp * params.cog + cl0;
  let nco = min(4u, params.cog - cl0);
  let bv = bias4(co0);
  let xs0 = x0 + xb * 4u * params.sw;
  let sw = params.sw;
  store4(n, oy, xs0, co0, nco, a0, bv);
  store4(n, oy, xs0 + 1u * sw, co0, nco, a1, bv);
  store4(n, oy, xs0 + 2u * sw, co0, nco, a2, bv);
  store4(n, oy, xs0 + 3u * sw, co0, nco, a3, bv);
}

@compute @workgroup_size(WG)
fn main8(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let t = (wid.x + wid.y * nwg.x + wid.z * nwg.x * nwg.y) * WG + lid;
  if (t >= params.total) { return; }
  // Channel blocks vary fastest, so neighbouring invocations (SIMD lanes on a CPU
  // adapter) share their pixels and take the same border branch; the row phase is
  // slowest, so threads that run together read the same taps' weights (cache reuse).
  let cb = t % params.ncb;
  var rest = t / params.ncb;
  let xb = rest % params.nxb;
  rest = rest / params.nxb;
  let nyp = params.nyr / params.sh;
  let j = rest % nyp;
  rest = rest / nyp;
  let n = rest % params.nb;
  rest = rest / params.nb;
  let px = rest % params.sw;
  let oy = rest / params.sw + j * params.sh;
  if (oy >= params.oh) { return; }

  let grp = cb / params.cbg;
  let cl0 = (cb % params.cbg) * 4u;
  // Channels past the group's end read a clamped weight and are never stored.
  let cols = min(vec4<u32>(cl0) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(params.cog - 1u));
  let ci0 = grp * params.cig;

  let q = oy + params.pt;
  let ky0 = first_tap(q % params.sh, params.dh, params.sh, params.kh, params.sty);
  let x0 = (px + params.sw - params.pl % params.sw) % params.sw;
  let r0 = x0 + params.pl + xb * 8u * params.sw;
  let kx0 = first_tap(r0 % params.sw, params.dw, params.sw, params.kw, params.stx);
  let iwm = i32(params.iw) - 1;

  // Loop bounds and strides in registers: a uniform read inside the loop is a load per iteration.
  let cig = params.cig;
  let in_c = params.in_c;
  let f_i = params.f_i;
  let in_w = params.in_w;
  let kh = params.kh;
  let kw = params.kw;
  let sty = params.sty;
  let stx = params.stx;
  // Each thread starts its input-channel loop at its own channel c0 and wraps around. With
  // packed filters, a thread's weight rows lie cig floats apart; when cig is a power of two,
  // equal starts put every lane's rows in the same few L1 sets (conflict misses on a CPU adapter).
  let c0 = (cb * 16u) % cig;
  let cwrap = cig - 1u - c0;
  var a0 = vec4<f32>(0.0);
  var a1 = vec4<f32>(0.0);
  var a2 = vec4<f32>(0.0);
  var a3 = vec4<f32>(0.0);
  var a4 = vec4<f32>(0.0);
  var a5 = vec4<f32>(0.0);
  var a6 = vec4<f32>(0.0);
  var a7 = vec4<f32>(0.0);
  for (var ky = ky0; ky < kh; ky += sty) {
    let dy = i32(q) - i32(ky * params.dh);
    if (dy < 0) { break; }
    let iy = u32(dy) / params.sh;
    if (iy >= params.ih) { continue; }
    let row = n * params.in_n + iy * params.in_h + ci0 * in_c;
    for (var kx = kx0; kx < kw; kx += stx) {
      let ixb = (i32(r0) - i32(kx * params.dw)) / i32(params.sw);
      if (ixb + 7 < 0) { break; }
      if (ixb > iwm) { continue; }
      let xs = vec4<i32>(ixb) + vec4<i32>(0, 1, 2, 3);
      let xs2 = xs + vec4<i32>(4);
      let valid = (xs >= vec4<i32>(0)) & (xs <= vec4<i32>(iwm));
      let valid2 = (xs2 >= vec4<i32>(0)) & (xs2 <= vec4<i32>(iwm));
      let ib = vec4<u32>(row) + vec4<u32>(clamp(xs, vec4<i32>(0), vec4<i32>(iwm))) * in_w;
      let ib2 = vec4<u32>(row) + vec4<u32>(clamp(xs2, vec4<i32>(0), vec4<i32>(iwm))) * in_w;
      let wb = vec4<u32>(ky * params.f_h + kx * params.f_w + ci0 * f_i) + cols * params.f_o;
      var xo = c0 * in_c;
      var wo = c0 * f_i;
      if (all(valid) && all(valid2)) {
        for (var c = 0u; c < cig; c++) {
          let xv = vec4<f32>(input[ib.x + xo], input[ib.y + xo], input[ib.z + xo], input[ib.w + xo]);
          let xv2 = vec4<f32>(input[ib2.x + xo], input[ib2.y + xo], input[ib2.z + xo], input[ib2.w + xo]);
          let wv = vec4<f32>(weights[wb.x + wo], weights[wb.y + wo], weights[wb.z + wo], weights[wb.w + wo]);
          a0 += xv.x * wv;
          a1 += xv.y * wv;
          a2 += xv.z * wv;
          a3 += xv.w * wv;
          a4 += xv2.x * wv;
          a5 += xv2.y * wv;
          a6 += xv2.z * wv;
          a7 += xv2.w * wv;
          xo = select(xo + in_c, 0u, c == cwrap);
          wo = select(wo + f_i, 0u, c == cwrap);
        }
      } else {
        // A border block: pixels whose input column is outside read a clamped value and add zero.
        for (var c = 0u; c < cig; c++) {
          let xv = select(vec4<f32>(0.0),
                          vec4<f32>(input[ib.x + xo], input[ib.y + xo], input[ib.z + xo], input[ib.w + xo]), valid);
          let xv2 = select(vec4<f32>(0.0),
                           vec4<f32>(input[ib2.x + xo], input[ib2.y + xo], input[ib2.z + xo], input[ib2.w + xo]), valid2);
          let wv = vec4<f32>(weights[wb.x + wo], weights[wb.y + wo], weights[wb.z + wo], weights[wb.w + wo]);
          a0 += xv.x * wv;
          a1 += xv.y * wv;
          a2 += xv.z * wv;
          a3 += xv.w * wv;
          a4 += xv2.x * wv;
          a5 += xv2.y * wv;
          a6 += xv2.z * wv;
          a7 += xv2.w * wv;
          xo = select(xo + in_c, 0u, c == cwrap);
          wo = select(wo + f_i, 0u, c == cwrap);
        }
      }
    }
  }

  let co0 = grp * params.cog + cl0;
  let nco = min(4u, params.cog - cl0);
  let bv = bias4(co0);
  let xs0 = x0 + xb * 8u * params.sw;
  let sw = params.sw;
  store4(n, oy, xs0, co0, nco, a0, bv);
  store4(n, oy, xs0 + 1u * sw, co0, nco, a1, bv);
  store4(n, oy, xs0 + 2u * sw, co0, nco, a2, bv);
  store4(n, oy, xs0 + 3u * sw, co0, nco, a3, bv);
  store4(n, oy, xs0 + 4u * sw, co0, nco, a4, bv);
  store4(n, oy, xs0 + 5u * sw, co0, nco, a5, bv);
  store4(n, oy, xs0 + 6u * sw, co0, nco, a6, bv);
  store4(n, oy, xs0 + 7u * sw, co0, nco, a7, bv);
}

@compute @workgroup_size(WG)
fn main88(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let t = (wid.x + wid.y * nwg.x + wid.z * nwg.x * nwg.y) * WG + lid;
  if (t >= params.total) { return; }
  // Channel blocks vary fastest, so neighbouring invocations (SIMD lanes on a CPU
  // adapter) share their pixels and take the same border branch; the row phase is
  // slowest, so threads that run together read the same taps' weights (cache reuse).
  let cb = t % params.ncb;
  var rest = t / params.ncb;
  let xb = rest % params.nxb;
  rest = rest / params.nxb;
  let nyp = params.nyr / params.sh;
  let j = rest % nyp;
  rest = rest / nyp;
  let n = rest % params.nb;
  rest = rest / params.nb;
  let px = rest % params.sw;
  let oy = rest / params.sw + j * params.sh;
  if (oy >= params.oh) { return; }

  let grp = cb / params.cbg;
  let cl0 = (cb % params.cbg) * 8u;
  // Channels past the group's end read a clamped weight and are never stored.
  let cols = min(vec4<u32>(cl0) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(params.cog - 1u));
  let cols2 = min(vec4<u32>(cl0 + 4u) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(params.cog - 1u));
  let ci0 = grp * params.cig;

  let q = oy + params.pt;
  let ky0 = first_tap(q % params.sh, params.dh, params.sh, params.kh, params.sty);
  let x0 = (px + params.sw - params.pl % params.sw) % params.sw;
  let r0 = x0 + params.pl + xb * 8u * params.sw;
  let kx0 = first_tap(r0 % params.sw, params.dw, params.sw, params.kw, params.stx);
  let iwm = i32(params.iw) - 1;

  // Loop bounds and strides in registers: a uniform read inside the loop is a load per iteration.
  let cig = params.cig;
  let in_c = params.in_c;
  let f_i = params.f_i;
  let in_w = params.in_w;
  let kh = params.kh;
  let kw = params.kw;
  let sty = params.sty;
  let stx = params.stx;
  // Each thread starts its input-channel loop at its own channel c0 and wraps around. With
  // packed filters, a thread's weight rows lie cig floats apart; when cig is a power of two,
  // equal starts put every lane's rows in the same few L1 sets (conflict misses on a CPU adapter).
  let c0 = (cb * 16u) % cig;
  let cwrap = cig - 1u - c0;
  var a0 = vec4<f32>(0.0);
  var a1 = vec4<f32>(0.0);
  var a2 = vec4<f32>(0.0);
  var a3 = vec4<f32>(0.0);
  var a4 = vec4<f32>(0.0);
  var a5 = vec4<f32>(0.0);
  var a6 = vec4<f32>(0.0);
  var a7 = vec4<f32>(0.0);
  var b0 = vec4<f32>(0.0);
  var b1 = vec4<f32>(0.0);
  var b2 = vec4<f32>(0.0);
  var b3 = vec4<f32>(0.0);
  var b4 = vec4<f32>(0.0);
  var b5 = vec4<f32>(0.0);
  var b6 = vec4<f32>(0.0);
  var b7 = vec4<f32>(0.0);
  for (var ky = ky0; ky < kh; ky += sty) {
    let dy = i32(q) - i32(ky * params.dh);
    if (dy < 0) { break; }
    let iy = u32(dy) / params.sh;
    if (iy >= params.ih) { continue; }
    let row = n * params.in_n + iy * params.in_h + ci0 * in_c;
    for (var kx = kx0; kx < kw; kx += stx) {
      let ixb = (i32(r0) - i32(kx * params.dw)) / i32(params.sw);
      if (ixb + 7 < 0) { break; }
      if (ixb > iwm) { continue; }
      let xs = vec4<i32>(ixb) + vec4<i32>(0, 1, 2, 3);
      let xs2 = xs + vec4<i32>(4);
      let valid = (xs >= vec4<i32>(0)) & (xs <= vec4<i32>(iwm));
      let valid2 = (xs2 >= vec4<i32>(0)) & (xs2 <= vec4<i32>(iwm));
      let ib = vec4<u32>(row) + vec4<u32>(clamp(xs, vec4<i32>(0), vec4<i32>(iwm))) * in_w;
      let ib2 = vec4<u32>(row) + vec4<u32>(clamp(xs2, vec4<i32>(0), vec4<i32>(iwm))) * in_w;
      let wb = vec4<u32>(ky * params.f_h + kx * params.f_w + ci0 * f_i) + cols * params.f_o;
      let wb2 = vec4<u32>(ky * params.f_h + kx * params.f_w + ci0 * f_i) + cols2 * params.f_o;
      var xo = c0 * in_c;
      var wo = c0 * f_i;
      if (all(valid) && all(valid2)) {
        for (var c = 0u; c < cig; c++) {
          let xv = vec4<f32>(input[ib.x + xo], input[ib.y + xo], input[ib.z + xo], input[ib.w + xo]);
          let xv2 = vec4<f32>(input[ib2.x + xo], input[ib2.y + xo], input[ib2.z + xo], input[ib2.w + xo]);
          let wv = vec4<f32>(weights[wb.x + wo], weights[wb.y + wo], weights[wb.z + wo], weights[wb.w + wo]);
          let wv2 = vec4<f32>(weights[wb2.x + wo], weights[wb2.y + wo], weights[wb2.z + wo], weights[wb2.w + wo]);
          a0 += xv.x * wv;
          b0 += xv.x * wv2;
          a1 += xv.y * wv;
          b1 += xv.y * wv2;
          a2 += xv.z * wv;
          b2 += xv.z * wv2;
          a3 += xv.w * wv;
          b3 += xv.w * wv2;
          a4 += xv2.x * wv;
          b4 += xv2.x * wv2;
          a5 += xv2.y * wv;
          b5 += xv2.y * wv2;
          a6 += xv2.z * wv;
          b6 += xv2.z * wv2;
          a7 += xv2.w * wv;
          b7 += xv2.w * wv2;
          xo = select(xo + in_c, 0u, c == cwrap);
          wo = select(wo + f_i, 0u, c == cwrap);
        }
      } else {
        // A border block: pixels whose input column is outside read a clamped value and add zero.
        for (var c = 0u; c < cig; c++) {
          let xv = select(vec4<f32>(0.0),
                          vec4<f32>(input[ib.x + xo], input[ib.y + xo], input[ib.z + xo], input[ib.w + xo]), valid);
          let xv2 = select(vec4<f32>(0.0),
                           vec4<f32>(input[ib2.x + xo], input[ib2.y + xo], input[ib2.z + xo], input[ib2.w + xo]), valid2);
          let wv = vec4<f32>(weights[wb.x + wo], weights[wb.y + wo], weights[wb.z + wo], weights[wb.w + wo]);
          let wv2 = vec4<f32>(weights[wb2.x + wo], weights[wb2.y + wo], weights[wb2.z + wo], weights[wb2.w + wo]);
          a0 += xv.x * wv;
          b0 += xv.x * wv2;
          a1 += xv.y * wv;
          b1 += xv.y * wv2;
          a2 += xv.z * wv;
          b2 += xv.z * wv2;
          a3 += xv.w * wv;
          b3 += xv.w * wv2;
          a4 += xv2.x * wv;
          b4 += xv2.x * wv2;
          a5 += xv2.y * wv;
          b5 += xv2.y * wv2;
          a6 += xv2.z * wv;
          b6 += xv2.z * wv2;
          a7 += xv2.w * wv;
          b7 += xv2.w * wv2;
          xo = select(xo + in_c, 0u, c == cwrap);
          wo = select(wo + f_i, 0u, c == cwrap);
        }
      }
    }
  }

  let co0 = grp * params.cog + cl0;
  let nco = min(8u, params.cog - cl0);
  let nco2 = select(0u, nco - 4u, nco > 4u);
  let bv = bias4(co0);
  let bv2 = bias4(co0 + 4u);
  let nco1 = min(nco, 4u);
  let xs0 = x0 + xb * 8u * params.sw;
  let sw = params.sw;
  store4(n, oy, xs0, co0, nco1, a0, bv);
  store4(n, oy, xs0, co0 + 4u, nco2, b0, bv2);
  store4(n, oy, xs0 + 1u * sw, co0, nco1, a1, bv);
  store4(n, oy, xs0 + 1u * sw, co0 + 4u, nco2, b1, bv2);
  store4(n, oy, xs0 + 2u * sw, co0, nco1, a2, bv);
  store4(n, oy, xs0 + 2u * sw, co0 + 4u, nco2, b2, bv2);
  store4(n, oy, xs0 + 3u * sw, co0, nco1, a3, bv);
  store4(n, oy, xs0 + 3u * sw, co0 + 4u, nco2, b3, bv2);
  store4(n, oy, xs0 + 4u * sw, co0, nco1, a4, bv);
  store4(n, oy, xs0 + 4u * sw, co0 + 4u, nco2, b4, bv2);
  store4(n, oy, xs0 + 5u * sw, co0, nco1, a5, bv);
  store4(n, oy, xs0 + 5u * sw, co0 + 4u, nco2, b5, bv2);
  store4(n, oy, xs0 + 6u * sw, co0, nco1, a6, bv);
  store4(n, oy, xs0 + 6u * sw, co0 + 4u, nco2, b6, bv2);
  store4(n, oy, xs0 + 7u * sw, co0, nco1, a7, bv);
  store4(n, oy, xs0 + 7u * sw, co0 + 4u, nco2, b7, bv2);
}

@compute @workgroup_size(WG)
fn main84(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let t = (wid.x + wid.y * nwg.x + wid.z * nwg.x * nwg.y) * WG + lid;
  if (t >= params.total) { return; }
  // Channel blocks vary fastest, so neighbouring invocations (SIMD lanes on a CPU
  // adapter) share their pixels and take the same border branch; the row phase is
  // slowest, so threads that run together read the same taps' weights (cache reuse).
  let cb = t % params.ncb;
  var rest = t / params.ncb;
  let xb = rest % params.nxb;
  rest = rest / params.nxb;
  let nyp = params.nyr / params.sh;
  let j = rest % nyp;
  rest = rest / nyp;
  let n = rest % params.nb;
  rest = rest / params.nb;
  let px = rest % params.sw;
  let oy = rest / params.sw + j * params.sh;
  if (oy >= params.oh) { return; }

  let grp = cb / params.cbg;
  let cl0 = (cb % params.cbg) * 8u;
  // Channels past the group's end read a clamped weight and are never stored.
  let cols = min(vec4<u32>(cl0) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(params.cog - 1u));
  let cols2 = min(vec4<u32>(cl0 + 4u) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(params.cog - 1u));
  let ci0 = grp * params.cig;

  let q = oy + params.pt;
  let ky0 = first_tap(q % params.sh, params.dh, params.sh, params.kh, params.sty);
  let x0 = (px + params.sw - params.pl % params.sw) % params.sw;
  let r0 = x0 + params.pl + xb * 4u * params.sw;
  let kx0 = first_tap(r0 % params.sw, params.dw, params.sw, params.kw, params.stx);
  let iwm = i32(params.iw) - 1;

  // Loop bounds and strides in registers: a uniform read inside the loop is a load per iteration.
  let cig = params.cig;
  let in_c = params.in_c;
  let f_i = params.f_i;
  let in_w = params.in_w;
  let kh = params.kh;
  let kw = params.kw;
  let sty = params.sty;
  let stx = params.stx;
  // Each thread starts its input-channel loop at its own channel c0 and wraps around. With
  // packed filters, a thread's weight rows lie cig floats apart; when cig is a power of two,
  // equal starts put every lane's rows in the same few L1 sets (conflict misses on a CPU adapter).
  let c0 = (cb * 16u) % cig;
  let cwrap = cig - 1u - c0;
  var a0 = vec4<f32>(0.0);
  var a1 = vec4<f32>(0.0);
  var a2 = vec4<f32>(0.0);
  var a3 = vec4<f32>(0.0);
  var b0 = vec4<f32>(0.0);
  var b1 = vec4<f32>(0.0);
  var b2 = vec4<f32>(0.0);
  var b3 = vec4<f32>(0.0);
  for (var ky = ky0; ky < kh; ky += sty) {
    let dy = i32(q) - i32(ky * params.dh);
    if (dy < 0) { break; }
    let iy = u32(dy) / params.sh;
    if (iy >= params.ih) { continue; }
    let row = n * params.in_n + iy * params.in_h + ci0 * in_c;
    for (var kx = kx0; kx < kw; kx += stx) {
      let ixb = (i32(r0) - i32(kx * params.dw)) / i32(params.sw);
      if (ixb + 3 < 0) { break; }
      if (ixb > iwm) { continue; }
      let xs = vec4<i32>(ixb) + vec4<i32>(0, 1, 2, 3);
      let valid = (xs >= vec4<i32>(0)) & (xs <= vec4<i32>(iwm));
      let xc = vec4<u32>(clamp(xs, vec4<i32>(0), vec4<i32>(iwm)));
      let ib = vec4<u32>(row) + xc * in_w;
      let wb = vec4<u32>(ky * params.f_h + kx * params.f_w + ci0 * f_i) + cols * params.f_o;
      let wb2 = vec4<u32>(ky * params.f_h + kx * params.f_w + ci0 * f_i) + cols2 * params.f_o;
      var xo = c0 * in_c;
      var wo = c0 * f_i;
      if (all(valid)) {
        for (var c = 0u; c < cig; c++) {
          let xv = vec4<f32>(input[ib.x + xo], input[ib.y + xo], input[ib.z + xo], input[ib.w + xo]);
          let wv = vec4<f32>(weights[wb.x + wo], weights[wb.y + wo], weights[wb.z + wo], weights[wb.w + wo]);
          let wv2 = vec4<f32>(weights[wb2.x + wo], weights[wb2.y + wo], weights[wb2.z + wo], weights[wb2.w + wo]);
          a0 += xv.x * wv;
          b0 += xv.x * wv2;
          a1 += xv.y * wv;
          b1 += xv.y * wv2;
          a2 += xv.z * wv;
          b2 += xv.z * wv2;
          a3 += xv.w * wv;
          b3 += xv.w * wv2;
          xo = select(xo + in_c, 0u, c == cwrap);
          wo = select(wo + f_i, 0u, c == cwrap);
        }
      } else {
        // A border block: pixels whose input column is outside read a clamped value and add zero.
        for (var c = 0u; c < cig; c++) {
          let xv = select(vec4<f32>(0.0),
                          vec4<f32>(input[ib.x + xo], input[ib.y + xo], input[ib.z + xo], input[ib.w + xo]), valid);
          let wv = vec4<f32>(weights[wb.x + wo], weights[wb.y + wo], weights[wb.z + wo], weights[wb.w + wo]);
          let wv2 = vec4<f32>(weights[wb2.x + wo], weights[wb2.y + wo], weights[wb2.z + wo], weights[wb2.w + wo]);
          a0 += xv.x * wv;
          b0 += xv.x * wv2;
          a1 += xv.y * wv;
          b1 += xv.y * wv2;
          a2 += xv.z * wv;
          b2 += xv.z * wv2;
          a3 += xv.w * wv;
          b3 += xv.w * wv2;
          xo = select(xo + in_c, 0u, c == cwrap);
          wo = select(wo + f_i, 0u, c == cwrap);
        }
      }
    }
  }

  let co0 = grp * params.cog + cl0;
  let nco = min(8u, params.cog - cl0);
  let nco2 = select(0u, nco - 4u, nco > 4u);
  let bv = bias4(co0);
  let bv2 = bias4(co0 + 4u);
  let nco1 = min(nco, 4u);
  let xs0 = x0 + xb * 4u * params.sw;
  let sw = params.sw;
  store4(n, oy, xs0, co0, nco1, a0, bv);
  store4(n, oy, xs0, co0 + 4u, nco2, b0, bv2);
  store4(n, oy, xs0 + 1u * sw, co0, nco1, a1, bv);
  store4(n, oy, xs0 + 1u * sw, co0 + 4u, nco2, b1, bv2);
  store4(n, oy, xs0 + 2u * sw, co0, nco1, a2, bv);
  store4(n, oy, xs0 + 2u * sw, co0 + 4u, nco2, b2, bv2);
  store4(n, oy, xs0 + 3u * sw, co0, nco1, a3, bv);
  store4(n, oy, xs0 + 3u * sw, co0 + 4u, nco2, b3, bv2);
}


// 8 channels × 2 rows × 4 columns: for layers with ≤ 4 columns per phase (small inputs),
// where an 8-pixel row block would be half empty. The thread's two output rows oyA and
// oyB = oyA + sh share their phase, so each tap reads input rows iy and iy + 1 at the
// same 4 columns: still 16 loads per 64 multiply-adds. On such small inputs many taps reach
// past an edge for part of the block; those run as smaller blocks (1 row × 4 columns, or
// 2 rows × the 3 columns inside) rather than as a masked full block, which on a 4 × 4
// input k4 s2 layer would issue 31% more multiply-adds than the useful ones. Row slot r = py + sh·jb covers
// rows oyA = py + 2·jb·sh (nyr = sh · ceil(ceil(oh / sh) / 2) slots);
// t = cb + ncb·(xb + nxb·(jb + (nyr / sh)·(n + nb·(px + sw·py)))).
@compute @workgroup_size(WG)
fn main88r(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let t = (wid.x + wid.y * nwg.x + wid.z * nwg.x * nwg.y) * WG + lid;
  if (t >= params.total) { return; }
  let cb = t % params.ncb;
  var rest = t / params.ncb;
  let xb = rest % params.nxb;
  rest = rest / params.nxb;
  let sh = params.sh;
  let npair = params.nyr / sh;
  let jb = rest % npair;
  rest = rest / npair;
  let n = rest % params.nb;
  rest = rest / params.nb;
  let px = rest % params.sw;
  let oya = rest / params.sw + jb * 2u * sh;
  if (oya >= params.oh) { return; }
  let oyb = oya + sh;

  let grp = cb / params.cbg;
  let cl0 = (cb % params.cbg) * 8u;
  // Channels past the group's end read a clamped weight and are never stored.
  let cols = min(vec4<u32>(cl0) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(params.cog - 1u));
  let cols2 = min(vec4<u32>(cl0 + 4u) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(params.cog - 1u));
  let ci0 = grp * params.cig;

  let q = oya + params.pt;
  let ky0 = first_tap(q % sh, params.dh, sh, params.kh, params.sty);
  let x0 = (px + params.sw - params.pl % params.sw) % params.sw;
  let r0 = x0 + params.pl + xb * 4u * params.sw;
  let kx0 = first_tap(r0 % params.sw, params.dw, params.sw, params.kw, params.stx);
  let iwm = i32(params.iw) - 1;
  let ihm = i32(params.ih) - 1;

  let cig = params.cig;
  let in_c = params.in_c;
  let f_i = params.f_i;
  let in_w = params.in_w;
  let in_h = params.in_h;
  let kh = params.kh;
  let kw = params.kw;
  let sty = params.sty;
  let stx = params.stx;
  // Each thread starts its input-channel loop at its own channel c0 and wraps around. With
  // packed filters, a thread's weight rows lie cig floats apart; when cig is a power of two,
  // equal starts put every lane's rows in the same few L1 sets (conflict misses on a CPU adapter).
  let c0 = (cb * 16u) % cig;
  let cwrap = cig - 1u - c0;
  let base_n = n * params.in_n + ci0 * in_c;
  var a0 = vec4<f32>(0.0);
  var a1 = vec4<f32>(0.0);
  var a2 = vec4<f32>(0.0);
  var a3 = vec4<f32>(0.0);
  var a4 = vec4<f32>(0.0);
  var a5 = vec4<f32>(0.0);
  var a6 = vec4<f32>(0.0);
  var a7 = vec4<f32>(0.0);
  var b0 = vec4<f32>(0.0);
  var b1 = vec4<f32>(0.0);
  var b2 = vec4<f32>(0.0);
  var b3 = vec4<f32>(0.0);
  var b4 = vec4<f32>(0.0);
  var b5 = vec4<f32>(0.0);
  var b6 = vec4<f32>(0.0);
  var b7 = vec4<f32>(0.0);
  for (var ky = ky0; ky < kh; ky += sty) {
    // Row A reads iy = dy / sh (dy is a multiple of sh by the phase), row B iy + 1.
    let dy = i32(q) - i32(ky * params.dh);
    if (dy + i32(sh) < 0) { break; }
    let iya = dy / i32(sh);
    let va = iya >= 0 && iya <= ihm;
    let vb = iya + 1 >= 0 && iya + 1 <= ihm;
    if (!va && !vb) { continue; }
    let rowa = base_n + u32(clamp(iya, 0, ihm)) * in_h;
    let rowb = base_n + u32(clamp(iya + 1, 0, ihm)) * in_h;
    for (var kx = kx0; kx < kw; kx += stx) {
      let ixb = (i32(r0) - i32(kx * params.dw)) / i32(params.sw);
      if (ixb + 3 < 0) { break; }
      if (ixb > iwm) { continue; }
      let xs = vec4<i32>(ixb) + vec4<i32>(0, 1, 2, 3);
      let vcol = (xs >= vec4<i32>(0)) & (xs <= vec4<i32>(iwm));
      let valid = vcol & vec4<bool>(va);
      let valid2 = vcol & vec4<bool>(vb);
      let xc = vec4<u32>(clamp(xs, vec4<i32>(0), vec4<i32>(iwm))) * in_w;
      let ib = vec4<u32>(rowa) + xc;
      let ib2 = vec4<u32>(rowb) + xc;
      let wb = vec4<u32>(ky * params.f_h + kx * params.f_w + ci0 * f_i) + cols * params.f_o;
      let wb2 = vec4<u32>(ky * params.f_h + kx * params.f_w + ci0 * f_i) + cols2 * params.f_o;
      var xo = c0 * in_c;
      var wo = c0 * f_i;
      if (all(valid) && all(valid2)) {
        for (var c = 0u; c < cig; c++) {
          let xv = vec4<f32>(input[ib.x + xo], input[ib.y + xo], input[ib.z + xo], input[ib.w + xo]);
          let xv2 = vec4<f32>(input[ib2.x + xo], input[ib2.y + xo], input[ib2.z + xo], input[ib2.w + xo]);
          let wv = vec4<f32>(weights[wb.x + wo], weights[wb.y + wo], weights[wb.z + wo], weights[wb.w + wo]);
          let wv2 = vec4<f32>(weights[wb2.x + wo], weights[wb2.y + wo], weights[wb2.z + wo], weights[wb2.w + wo]);
          a0 += xv.x * wv;
          b0 += xv.x * wv2;
          a1 += xv.y * wv;
          b1 += xv.y * wv2;
          a2 += xv.z * wv;
          b2 += xv.z * wv2;
          a3 += xv.w * wv;
          b3 += xv.w * wv2;
          a4 += xv2.x * wv;
          b4 += xv2.x * wv2;
          a5 += xv2.y * wv;
          b5 += xv2.y * wv2;
          a6 += xv2.z * wv;
          b6 += xv2.z * wv2;
          a7 += xv2.w * wv;
          b7 += xv2.w * wv2;
          xo = select(xo + in_c, 0u, c == cwrap);
          wo = select(wo + f_i, 0u, c == cwrap);
        }
      } else if (all(vcol) && va != vb) {
        // One row inside, every column inside: a 1 × 4 block (12 loads per 32 multiply-adds)
        // instead of a masked 2 × 4 one, added to the row that is inside afterwards.
        let ir = select(ib2, ib, va);
        var t0 = vec4<f32>(0.0);
        var t1 = vec4<f32>(0.0);
        var t2 = vec4<f32>(0.0);
        var t3 = vec4<f32>(0.0);
        var u0 = vec4<f32>(0.0);
        var u1 = vec4<f32>(0.0);
        var u2 = vec4<f32>(0.0);
        var u3 = vec4<f32>(0.0);
        for (var c = 0u; c < cig; c++) {
          let xv = vec4<f32>(input[ir.x + xo], input[ir.y + xo], input[ir.z + xo], input[ir.w + xo]);
          let wv = vec4<f32>(weights[wb.x + wo], weights[wb.y + wo], weights[wb.z + wo], weights[wb.w + wo]);
          let wv2 = vec4<f32>(weights[wb2.x + wo], weights[wb2.y + wo], weights[wb2.z + wo], weights[wb2.w + wo]);
          t0 += xv.x * wv;
          u0 += xv.x * wv2;
          t1 += xv.y * wv;
          u1 += xv.y * wv2;
          t2 += xv.z * wv;
          u2 += xv.z * wv2;
          t3 += xv.w * wv;
          u3 += xv.w * wv2;
          xo = select(xo + in_c, 0u, c == cwrap);
          wo = select(wo + f_i, 0u, c == cwrap);
        }
        if (va) {
          a0 += t0; a1 += t1; a2 += t2; a3 += t3;
          b0 += u0; b1 += u1; b2 += u2; b3 += u3;
        } else {
          a4 += t0; a5 += t1; a6 += t2; a7 += t3;
          b4 += u0; b5 += u1; b6 += u2; b7 += u3;
        }
      } else if (vcol.x != vcol.w && vcol.y && vcol.z) {
        // Three columns inside (the tap reaches past the left or the right edge): a 2 × 3
        // block (14 loads per 48 multiply-adds) on the columns inside, shifted by one when the
        // first is outside; a row outside is computed from a clamped row and dropped.
        let shift = !vcol.x;
        let xc3 = select(xc.xyz, xc.yzw, shift);
        let ia = vec3<u32>(rowa) + xc3;
        let ib3 = vec3<u32>(rowb) + xc3;
        var t0 = vec4<f32>(0.0);
        var t1 = vec4<f32>(0.0);
        var t2 = vec4<f32>(0.0);
        var t3 = vec4<f32>(0.0);
        var t4 = vec4<f32>(0.0);
        var t5 = vec4<f32>(0.0);
        var u0 = vec4<f32>(0.0);
        var u1 = vec4<f32>(0.0);
        var u2 = vec4<f32>(0.0);
        var u3 = vec4<f32>(0.0);
        var u4 = vec4<f32>(0.0);
        var u5 = vec4<f32>(0.0);
        for (var c = 0u; c < cig; c++) {
          let xv = vec3<f32>(input[ia.x + xo], input[ia.y + xo], input[ia.z + xo]);
          let xv2 = vec3<f32>(input[ib3.x + xo], input[ib3.y + xo], input[ib3.z + xo]);
          let wv = vec4<f32>(weights[wb.x + wo], weights[wb.y + wo], weights[wb.z + wo], weights[wb.w + wo]);
          let wv2 = vec4<f32>(weights[wb2.x + wo], weights[wb2.y + wo], weights[wb2.z + wo], weights[wb2.w + wo]);
          t0 += xv.x * wv;
          u0 += xv.x * wv2;
          t1 += xv.y * wv;
          u1 += xv.y * wv2;
          t2 += xv.z * wv;
          u2 += xv.z * wv2;
          t3 += xv2.x * wv;
          u3 += xv2.x * wv2;
          t4 += xv2.y * wv;
          u4 += xv2.y * wv2;
          t5 += xv2.z * wv;
          u5 += xv2.z * wv2;
          xo = select(xo + in_c, 0u, c == cwrap);
          wo = select(wo + f_i, 0u, c == cwrap);
        }
        if (va && shift) {
          a1 += t0; a2 += t1; a3 += t2;
          b1 += u0; b2 += u1; b3 += u2;
        } else if (va) {
          a0 += t0; a1 += t1; a2 += t2;
          b0 += u0; b1 += u1; b2 += u2;
        }
        if (vb && shift) {
          a5 += t3; a6 += t4; a7 += t5;
          b5 += u3; b6 += u4; b7 += u5;
        } else if (vb) {
          a4 += t3; a5 += t4; a6 += t5;
          b4 += u3; b5 += u4; b6 += u5;
        }
      } else {
        // A border block: pixels whose input row or column is outside read a clamped value and add zero.
        for (var c = 0u; c < cig; c++) {
          let xv = select(vec4<f32>(0.0),
                          vec4<f32>(input[ib.x + xo], input[ib.y + xo], input[ib.z + xo], input[ib.w + xo]), valid);
          let xv2 = select(vec4<f32>(0.0),
                           vec4<f32>(input[ib2.x + xo], input[ib2.y + xo], input[ib2.z + xo], input[ib2.w + xo]), valid2);
          let wv = vec4<f32>(weights[wb.x + wo], weights[wb.y + wo], weights[wb.z + wo], weights[wb.w + wo]);
          let wv2 = vec4<f32>(weights[wb2.x + wo], weights[wb2.y + wo], weights[wb2.z + wo], weights[wb2.w + wo]);
          a0 += xv.x * wv;
          b0 += xv.x * wv2;
          a1 += xv.y * wv;
          b1 += xv.y * wv2;
          a2 += xv.z * wv;
          b2 += xv.z * wv2;
          a3 += xv.w * wv;
          b3 += xv.w * wv2;
          a4 += xv2.x * wv;
          b4 += xv2.x * wv2;
          a5 += xv2.y * wv;
          b5 += xv2.y * wv2;
          a6 += xv2.z * wv;
          b6 += xv2.z * wv2;
          a7 += xv2.w * wv;
          b7 += xv2.w * wv2;
          xo = select(xo + in_c, 0u, c == cwrap);
          wo = select(wo + f_i, 0u, c == cwrap);
        }
      }
    }
  }

  let co0 = grp * params.cog + cl0;
  let nco = min(8u, params.cog - cl0);
  let nco2 = select(0u, nco - 4u, nco > 4u);
  let nco1 = min(nco, 4u);
  let bv = bias4(co0);
  let bv2 = bias4(co0 + 4u);
  let xs0 = x0 + xb * 4u * params.sw;
  let sw = params.sw;
  store4(n, oya, xs0, co0, nco1, a0, bv);
  store4(n, oya, xs0, co0 + 4u, nco2, b0, bv2);
  store4(n, oya, xs0 + sw, co0, nco1, a1, bv);
  store4(n, oya, xs0 + sw, co0 + 4u, nco2, b1, bv2);
  store4(n, oya, xs0 + 2u * sw, co0, nco1, a2, bv);
  store4(n, oya, xs0 + 2u * sw, co0 + 4u, nco2, b2, bv2);
  store4(n, oya, xs0 + 3u * sw, co0, nco1, a3, bv);
  store4(n, oya, xs0 + 3u * sw, co0 + 4u, nco2, b3, bv2);
  if (oyb < params.oh) {
    store4(n, oyb, xs0, co0, nco1, a4, bv);
    store4(n, oyb, xs0, co0 + 4u, nco2, b4, bv2);
    store4(n, oyb, xs0 + sw, co0, nco1, a5, bv);
    store4(n, oyb, xs0 + sw, co0 + 4u, nco2, b5, bv2);
    store4(n, oyb, xs0 + 2u * sw, co0, nco1, a6, bv);
    store4(n, oyb, xs0 + 2u * sw, co0 + 4u, nco2, b6, bv2);
    store4(n, oyb, xs0 + 3u * sw, co0, nco1, a7, bv);
    store4(n, oyb, xs0 + 3u * sw, co0 + 4u, nco2, b7, bv2);
  }
}
