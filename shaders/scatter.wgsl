// Scatter transposed convolution: each thread takes input pixels and adds their contributions
// to the outputs they reach, one pass per set of filter taps whose targets cannot collide.
//
// Input  X(nb, ci, iy, ix) = input[nb·in_n + ci·in_c + iy·in_h + ix·in_w]           (any layout, by strides)
// Filter W(ci, co, ky, kx) = weights[ci·f_i + co·f_o + ky·f_h + kx·f_w]           (co within the group)
// Output out[nb·out_n + c·out_c + oy·out_h + ox·out_w], c = g·cog + co, where input pixel (iy, ix) with tap
// (ky, kx) reaches oy = iy·strideH + ky·dilH − padTop, ox = ix·strideW + kx·dilW − padLeft.
//
// Passes (no atomics, fixed accumulation order): on one axis, taps ky and ky' can reach the same
// output from different pixels only when (ky − ky')·dil ≡ 0 (mod stride), that is ky ≡ ky' (mod m),
// m = stride / gcd(stride, dil). Pass (passY, passX) takes taps ky = passY·mY + cy (0 ≤ cy < mY) and
// kx = passX·mX + cx: no two of them collide, so within a pass every output has one writer.
// The tap before ky in its class, ky − mY, reaches the same output from pixel iy + eY
// (e = dil / gcd(stride, dil)), and the tap after, ky + mY, from pixel iy − eY. Passes run in
// order (passY outer, passX inner), so a write is the output's first when neither axis has a
// tap before it (it then starts from the bias instead of the output), and its last when neither
// axis has a tap after it (it then applies the activation). Outputs no tap reaches are written
// by scatter-fill.wgsl.
// Thread t (linear) → (nb, g, block of 8 channels, iy, block of 8 columns ix), columns fastest;
// each thread keeps 8 channels × 8 pixels in registers (16 loads per 64 multiply-adds, the
// ratio that decides speed on software adapters) and reads each input value once per tap.

override ACT: u32 = 0u;


struct Params {
  batch: u32,
  groups: u32,
  cig: u32,
  cog: u32,
  inH: u32,
  inW: u32,
  outH: i32,
  outW: i32,
  kH: u32,
  kW: u32,
  strideH: u32,
  strideW: u32,
  dilH: u32,
  dilW: u32,
  padTop: i32,
  padLeft: i32,
  mY: u32,
  mX: u32,
  eY: u32,
  eX: u32,
  passY: u32,
  passX: u32,
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

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let p = params;
  let t = (wid.x + wid.y * nwg.x + wid.z * nwg.x * nwg.y) * 64u + lid;
  let colBlocks = (p.inW + 7u) / 8u;
  let chBlocks = (p.cog + 7u) / 8u;
  if (t >= p.batch * p.groups * chBlocks * p.inH * colBlocks) {
    return;
  }
  let ix0 = (t % colBlocks) * 8u;
  let iy = (t / colBlocks) % p.inH;
  let rest = t / (colBlocks * p.inH);
  let co0 = (rest % chBlocks) * 8u;
  let g = (rest / chBlocks) % p.groups;
  let nb = rest / (chBlocks * p.groups);

  let step = vec4u(0u, 1u, 2u, 3u);
  // Pixel lanes ix0..ix0+3 (Lo) and ix0+4..ix0+7 (Hi); channel lanes co0..co0+3 and co0+4..co0+7.
  let ixLo = vec4u(ix0) + step;
  let ixHi = vec4u(ix0 + 4u) + step;
  let pixelLo = ixLo < vec4u(p.inW);
  let pixelHi = ixHi < vec4u(p.inW);
  let rowBase = nb * p.in_n + g * p.cig * p.in_c + iy * p.in_h;
  let inLo = rowBase + min(ixLo, vec4u(p.inW - 1u)) * p.in_w;
  let inHi = rowBase + min(ixHi, vec4u(p.inW - 1u)) * p.in_w;
  let wBase = g * p.cig * p.f_i;
  let wLo = wBase + min(vec4u(co0) + step, vec4u(p.cog - 1u)) * p.f_o;
  let wHi = wBase + min(vec4u(co0 + 4u) + step, vec4u(p.cog - 1u)) * p.f_o;
  // Per pixel lane: does the tap before (after) in the class exist, from pixel ix + eX (ix − eX)?
  let noPrevLo = ixLo + vec4u(p.eX) >= vec4u(p.inW);
  let noPrevHi = ixHi + vec4u(p.eX) >= vec4u(p.inW);
  let noNextLo = ixLo < vec4u(p.eX);
  let noNextHi = ixHi < vec4u(p.eX);

  for (var cy = 0u; cy < p.mY; cy++) {
    let ky = p.passY * p.mY + cy;
    if (ky >= p.kH) {
      break;
    }
    let oy = i32(iy * p.strideH + ky * p.dilH) - p.padTop;
    if (oy < 0 || oy >= p.outH) {
      continue;
    }
    let firstY = ky < p.mY || iy + p.eY >= p.inH;
    let lastY = ky + p.mY >= p.kH || iy < p.eY;
    for (var cx = 0u; cx < p.mX; cx++) {
      let kx = p.passX * p.mX + cx;
      if (kx >= p.kW) {
        break;
      }
      let shift = vec4i(i32(kx * p.dilW) - p.padLeft);
      let oxLo = vec4i(ixLo * p.strideW) + shift;
      let oxHi = vec4i(ixHi * p.strideW) + shift;
      let hitLo = pixelLo & (oxLo >= vec4i(0)) & (oxLo < vec4i(p.outW));
      let hitHi = pixelHi & (oxHi >= vec4i(0)) & (oxHi < vec4i(p.outW));
      if (!any(hitLo) && !any(hitHi)) {
        continue;
      }
      let firstX = kx < p.mX;
      let lastX = kx + p.mX >= p.kW;
      let firstLo = vec4<bool>(firstY) & (vec4<bool>(firstX) | noPrevLo);
      let firstHi = vec4<bool>(firstY) & (vec4<bool>(firstX) | noPrevHi);
      let lastLo = vec4<bool>(lastY) & (vec4<bool>(lastX) | noNextLo);
      let lastHi = vec4<bool>(lastY) & (vec4<bool>(lastX) | noNextHi);
      // aL[i] / aR[i]: channel co0 + i for pixels Lo / Hi.
      var aL0 = vec4f(0.0);
      var aL1 = vec4f(0.0);
      var aL2 = vec4f(0.0);
      var aL3 = vec4f(0.0);
      var aL4 = vec4f(0.0);
      var aL5 = vec4f(0.0);
      var aL6 = vec4f(0.0);
      var aL7 = vec4f(0.0);
      var aR0 = vec4f(0.0);
      var aR1 = vec4f(0.0);
      var aR2 = vec4f(0.0);
      var aR3 = vec4f(0.0);
      var aR4 = vec4f(0.0);
      var aR5 = vec4f(0.0);
      var aR6 = vec4f(0.0);
      var aR7 = vec4f(0.0);
      var xo = 0u;
      var wo = ky * p.f_h + kx * p.f_w;
      for (var ci = 0u; ci < p.cig; ci++) {
        let xl = vec4f(input[inLo.x + xo], input[inLo.y + xo], input[inLo.z + xo], input[inLo.w + xo]);
        let xr = vec4f(input[inHi.x + xo], input[inHi.y + xo], input[inHi.z + xo], input[inHi.w + xo]);
        let w0 = vec4f(weights[wLo.x + wo], weights[wLo.y + wo], weights[wLo.z + wo], weights[wLo.w + wo]);
        let w1 = vec4f(weights[wHi.x + wo], weights[wHi.y + wo], weights[wHi.z + wo], weights[wHi.w + wo]);
        aL0 += w0.x * xl;
        aR0 += w0.x * xr;
        aL1 += w0.y * xl;
        aR1 += w0.y * xr;
        aL2 += w0.z * xl;
        aR2 += w0.z * xr;
        aL3 += w0.w * xl;
        aR3 += w0.w * xr;
        aL4 += w1.x * xl;
        aR4 += w1.x * xr;
        aL5 += w1.y * xl;
        aR5 += w1.y * xr;
        aL6 += w1.z * xl;
        aR6 += w1.z * xr;
        aL7 += w1.w * xl;
        aR7 += w1.w * xr;
        xo += p.in_c;
        wo += p.f_i;
      }
      let accL = array<vec4f, 8>(aL0, aL1, aL2, aL3, aL4, aL5, aL6, aL7);
      let accR = array<vec4f, 8>(aR0, aR1, aR2, aR3, aR4, aR5, aR6, aR7);
      let outRow = nb * p.out_n + u32(oy) * p.out_h;
      for (var i = 0u; i < 8u; i++) {
        let co = co0 + i;
        if (co >= p.cog) {
          break;
        }
        let c = g * p.cog + co;
        for (var j = 0u; j < 8u; j++) {
          let hi = j >= 4u;
          let q = j % 4u;
          if (select(hitLo[q], hitHi[q], hi)) {
            let o = outRow + c * p.out_c + u32(select(oxLo[q], oxHi[q], hi)) * p.out_w;
            var v = select(accL[i][q], accR[i][q], hi);
            if (select(firstLo[q], firstHi[q], hi)) {
              v += bias[c];
            } else {
              v += output[o];
            }
            if (select(lastLo[q], lastHi[q], hi)) {
              v = activate(v);
            }
            output[o] = v;
          }
        }
      }
    }
  }
}
