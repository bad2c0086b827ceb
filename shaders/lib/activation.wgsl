// Activations fused after the bias. ACT: 0 none, 1 relu, 2 relu6, 3 leakyRelu, 4 sigmoid,
// 5 tanh, 6 gelu (an `override`, so each activation is its own pipeline and the switch folds).
// NaN stays NaN through every activation, as in the CPU reference: the comparisons select
// the input itself when it is NaN, and nothing relies on how min/max treat NaN.
// Needs `params.alpha` (the leakyRelu slope).

override ACT: u32 = 0u;

// erf by Abramowitz & Stegun 7.1.26: |error| ≤ 1.5e-7 (WGSL has no erf).
fn erf_approx(x: f32) -> f32 {
  let ax = abs(x);
  let t = 1.0 / (1.0 + 0.3275911 * ax);
  let p = ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t;
  let y = 1.0 - p * exp(-ax * ax);
  return select(-y, y, x >= 0.0);
}

fn activate(x: f32) -> f32 {
  // NaN by its bits (a compiler may fold x != x, and exp(NaN) need not be NaN): returned as it is.
  if ((bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u) { return x; }
  switch ACT {
    case 1u: { return select(x, 0.0, x < 0.0); }
    case 2u: { return select(select(x, 6.0, x > 6.0), 0.0, x < 0.0); }
    case 3u: { return select(x, params.alpha * x, x < 0.0); }
    case 4u: { return 1.0 / (1.0 + exp(-x)); }
    // tanh(±15) is ±1 in f32; past that, sign(x) avoids exp overflow inside tanh.
    case 5u: { return select(tanh(x), sign(x), abs(x) > 15.0); }
    case 6u: { return 0.5 * x * (1.0 + erf_approx(x * 0.70710678118654752)); }
    default: { return x; }
  }
}
