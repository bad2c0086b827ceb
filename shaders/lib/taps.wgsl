// Tap arithmetic of one axis of a transposed convolution. Full-result coordinate f
// (output coordinate + padBegin) receives input i through tap k exactly when
//   f = i·s + k·d,  i.e.  k·d ≡ f (mod s)  and  i = (f − k·d) / s,
// so the phase f mod s fixes the taps that reach f: k = k0, k0 + step, k0 + 2·step, …
// with step = s / gcd(s, d). The CPU planner mirrors this in src/gpu/math.ts (firstTap).

// First tap k in [0, min(k_count, step)) with k·d ≡ phase (mod s); k_count when none.
fn first_tap(phase: u32, d: u32, s: u32, k_count: u32, step: u32) -> u32 {
  for (var k = 0u; k < min(k_count, step); k++) {
    if ((k * d) % s == phase) { return k; }
  }
  return k_count;
}

// One axis of one stride phase p: its first output o0 and output count, its first tap k0
// and tap count, the input index `base` of (first output, first tap) (negative before the
// start), and `e`, how far the input index falls per tap.
struct PhaseAxis { o0: u32, count: u32, k0: u32, taps: u32, base: i32, e: u32 }

fn phase_axis(p: u32, s: u32, d: u32, k: u32, step: u32, pad: u32, out: u32) -> PhaseAxis {
  var a: PhaseAxis;
  a.o0 = (p + s - pad % s) % s;
  a.count = select(0u, (out - a.o0 + s - 1u) / s, a.o0 < out);
  a.k0 = first_tap(p, d, s, k, step);
  a.taps = select(0u, (k - a.k0 + step - 1u) / step, a.k0 < k);
  a.base = (i32(a.o0 + pad) - i32(a.k0 * d)) / i32(s);
  a.e = step * d / s;
  return a;
}
