// Stores four output channels at once, with their bias and activation: store4 and bias4.
// Needs `activate` (activation.wgsl), the accessors st_output and ld_bias, and the uniforms
// o_w, y_w, y_c (last axis and channel strides) and cout.

// Stores channels co0 … co0+nco−1 (nco ≤ 4; none when 0) of output column ox of the row starting
// at element yr, when ox is inside. Called once per accumulator with constant arguments, so the
// accumulators stay in registers: indexing an array of them by a loop variable puts them in
// memory, which made the epilogue cost as much as the taps on layers with little work per thread.
fn store4(yr: u32, ox: u32, co0: u32, nco: u32, v: vec4<f32>, b: vec4<f32>) {
  if (ox >= params.o_w || nco == 0u) { return; }
  let base = yr + ox * params.y_w + co0 * params.y_c;
  let yc = params.y_c;
  st_output(base, activate(v.x + b.x));
  if (nco > 1u) { st_output(base + yc, activate(v.y + b.y)); }
  if (nco > 2u) { st_output(base + 2u * yc, activate(v.z + b.z)); }
  if (nco > 3u) { st_output(base + 3u * yc, activate(v.w + b.w)); }
}

// Bias of channels co0 … co0+3, clamped to the last channel (lanes past it are not stored).
fn bias4(co0: u32) -> vec4<f32> {
  let last = params.cout - 1u;
  return vec4<f32>(ld_bias(min(co0, last)), ld_bias(min(co0 + 1u, last)), ld_bias(min(co0 + 2u, last)),
                   ld_bias(min(co0 + 3u, last)));
}
