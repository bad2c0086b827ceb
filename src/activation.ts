import type { Activation } from './types.js';

/** erf(x) to ~1e-9 absolute: Maclaurin series below |x| = 4, ±1 beyond (erfc(4) ≈ 1.5e-8). */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax >= 4) return Math.sign(x);
  let term = x;
  let sum = x;
  const x2 = x * x;
  for (let n = 1; n < 100; n++) {
    term *= -x2 / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

/**
 * Applies an activation to one value (float64); `null` is the identity. NaN stays NaN
 * through every activation (as in PyTorch); the GPU shaders follow the same rule.
 */
export function activate(x: number, activation: Activation | null, alpha: number): number {
  switch (activation) {
    case null:
      return x;
    case 'relu':
      return x < 0 ? 0 : x;
    case 'relu6':
      return x < 0 ? 0 : x > 6 ? 6 : x;
    case 'leakyRelu':
      return x < 0 ? alpha * x : x;
    case 'sigmoid':
      return 1 / (1 + Math.exp(-x));
    case 'tanh':
      return Math.tanh(x);
    case 'gelu':
      return 0.5 * x * (1 + erf(x / Math.SQRT2));
  }
}
