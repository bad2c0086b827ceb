// CPU-only checks of the integer helpers the planner and the kernels share.
import { describe, expect, it } from 'vitest';
import { resolveConvTranspose } from '../src/geometry.js';
import { firstTap, tapStep } from '../src/gpu/math.js';
import { plan } from '../src/gpu/kernels/registry.js';
import { DEFAULT_LIMITS } from './helpers/check.js';

const LIMITS = DEFAULT_LIMITS;

describe('integer helpers (CPU-only)', () => {
  it('firstTap solves k·d ≡ phase (mod s) as the shaders’ loop does, for s, d ≤ 24 and k ≤ 30', () => {
    for (let s = 1; s <= 24; s++) {
      for (let d = 1; d <= 24; d++) {
        const step = tapStep(s, d);
        for (let k = 1; k <= 30; k++) {
          for (let p = 0; p < s; p++) {
            let want = k;
            for (let t = 0; t < Math.min(k, step); t++) {
              if ((t * d) % s === p) {
                want = t;
                break;
              }
            }
            expect(firstTap(p, d, s, k, step)).toBe(want);
          }
        }
      }
    }
  });

  it('firstTap is immediate for strides and dilations near 2^31', () => {
    const s = 2 ** 31 - 1; // prime, so every phase has a tap
    const t0 = performance.now();
    for (let p = 0; p < 1000; p++) firstTap(p, 2 ** 30, s, s, tapStep(s, 2 ** 30));
    expect(performance.now() - t0).toBeLessThan(50);
  });

  it('plans a stride of 65536 with 65,536 taps quickly (one tap search per phase, not a loop over taps)', () => {
    const g = resolveConvTranspose([2, 2, 3], [2, 3, 65536], { strides: [65536], dilations: [2], padding: [65536, 0] });
    const t0 = performance.now();
    plan(g, LIMITS, { software: true });
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});
