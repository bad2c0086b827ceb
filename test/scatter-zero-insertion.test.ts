/**
 * The scatter and zero-insertion kernels without a GPU: scatter's tap classes and its
 * reached-output test against brute force, the dispatches both kernels record at every rank
 * (1-D with no unit axis), their scratch, limits and variants (every shader composed and
 * reflected).
 */
import { describe, expect, it } from 'vitest';
import { resolveConvTranspose, resolveConvTranspose2d } from '../src/geometry.js';
import type { DispatchSpec, KernelContext, KernelEnv } from '../src/gpu/kernel.js';
import { axisReached, scatterKernel, scatterPasses } from '../src/gpu/kernels/scatter/index.js';
import { upsampled, zeroInsertionKernel } from '../src/gpu/kernels/zero-insertion/index.js';
import { reflectShader } from './helpers/reflect.js';
import type { Storage } from '../src/gpu/shader/storage.js';
import { rng } from './helpers/check.js';

const LIMITS = {
  maxStorageBufferBindingSize: 134217728,
  maxBufferSize: 268435456,
  maxComputeWorkgroupsPerDimension: 65535,
} as unknown as GPUSupportedLimits;

const env = (storage: Storage = 'f32', guard = false): KernelEnv => ({
  limits: LIMITS,
  software: true,
  storage,
  guard,
});

/** Brute force: is every output coordinate of the axis reached by some (input, tap) pair? */
function reachedByBruteForce(out: number, pad: number, k: number, s: number, d: number, size: number): boolean {
  for (let o = 0; o < out; o++) {
    let hit = false;
    for (let t = 0; t < k && !hit; t++) {
      const q = o + pad - t * d;
      hit = q >= 0 && q % s === 0 && q / s < size;
    }
    if (!hit) return false;
  }
  return true;
}

/** A KernelContext that records dispatches and scratch requests instead of encoding them. */
function recorder(e: KernelEnv): KernelContext & { specs: DispatchSpec[]; scratchBytes: number[] } {
  const specs: DispatchSpec[] = [];
  const scratchBytes: number[] = [];
  const buffer = {} as GPUBuffer;
  return {
    ...e,
    device: {} as GPUDevice,
    specs,
    scratchBytes,
    scratch(bytes) {
      scratchBytes.push(bytes);
      return buffer;
    },
    dispatch(spec) {
      specs.push(spec);
    },
  };
}

const BUFFERS = { input: {}, filter: {}, bias: {}, output: {} } as unknown as Parameters<
  typeof scatterKernel.encode
>[2];

describe('scatter planning', () => {
  it('axisReached agrees with brute force on 20,000 random axes, strides up to 40', () => {
    const rand = rng(17);
    const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
    for (let i = 0; i < 20000; i++) {
      const size = int(1, 6);
      const k = int(1, 7);
      const s = int(1, i % 2 ? 40 : 5);
      const d = int(1, 4);
      const full = (size - 1) * s + d * (k - 1) + 1;
      const pad = int(0, full - 1);
      const out = int(1, full - pad + Math.max(s, d) - 1);
      const args = [out, pad, k, s, d, size] as const;
      expect(axisReached(...args), args.join(',')).toBe(reachedByBruteForce(...args));
    }
  });

  it('axisReached is bounded by the filter, not by the stride or the output', () => {
    // Stride 2^30 and a million outputs: answered from the taps alone.
    const t0 = performance.now();
    expect(axisReached(1_000_000, 0, 3, 2 ** 30, 1, 2)).toBe(false);
    expect(axisReached(1, 0, 1, 2 ** 30, 1, 2)).toBe(true);
    expect(performance.now() - t0).toBeLessThan(50);
  });

  it('names the axes of every rank: x last, then y, then z', () => {
    const one = resolveConvTranspose([1, 1, 5], [1, 1, 4], { strides: [2] });
    expect(scatterPasses(one)).toMatchObject({ x: { m: 2, e: 1, passes: 2 }, passes: 2, fill: false });
    expect(scatterPasses(one).y).toBeUndefined();
    const three = resolveConvTranspose([1, 1, 3, 3, 3], [1, 1, 3, 2, 5], {
      strides: [1, 2, 3],
      dilations: [1, 1, 2],
    });
    const p = scatterPasses(three);
    expect(p).toMatchObject({ z: { m: 1, passes: 3 }, y: { m: 2, passes: 1 }, x: { m: 3, e: 2, passes: 2 } });
    expect(p.axes.map((a) => a.passes)).toEqual([3, 1, 2]);
    expect(p.passes).toBe(6);
  });

  it('records the fill pass first, then every tap pass in lexicographic order', () => {
    // k1 s3 leaves holes (fill); 3-D with 3 × 1 × 2 tap passes.
    const g = resolveConvTranspose([1, 2, 2, 3, 4], [2, 3, 3, 1, 2], { strides: [1, 3, 1] });
    const ctx = recorder(env());
    scatterKernel.encode(ctx, g, BUFFERS, scatterKernel.choose(g, ctx).variant);
    expect(ctx.specs.map((s) => s.shader.label)).toEqual(['scatter:fill', ...Array(6).fill('scatter')]);
    const passes = ctx.specs.slice(1).map((s) => ['pass_d', 'pass_h', 'pass_w'].map((n) => s.uniforms![n]));
    expect(passes).toEqual([
      [0, 0, 0],
      [0, 0, 1],
      [1, 0, 0],
      [1, 0, 1],
      [2, 0, 0],
      [2, 0, 1],
    ]);
    expect(ctx.scratchBytes).toEqual([]);
  });

  it('1-D runs on the one axis: no unit axis in the uniforms, threads from the samples alone', () => {
    const g = resolveConvTranspose([2, 4, 1000], [4, 3, 16], { strides: [8], padding: [4, 4] });
    const ctx = recorder(env());
    scatterKernel.encode(ctx, g, BUFFERS, scatterKernel.choose(g, ctx).variant);
    expect(ctx.specs).toHaveLength(2);
    for (const spec of ctx.specs) {
      expect(Object.keys(spec.uniforms!).filter((n) => /_[dh]$/.test(n))).toEqual([]);
      // batch × groups × ⌈3 / 8⌉ channel blocks × ⌈1000 / 8⌉ column blocks.
      expect(spec.uniforms!.total).toBe(2 * 1 * 1 * 125);
    }
    const zi = recorder(env());
    zeroInsertionKernel.encode(zi, g, BUFFERS, zeroInsertionKernel.choose(g, zi).variant);
    expect(zi.specs.map((s) => s.uniforms!.total)).toEqual([2 * 4 * 1000, 2 * 1 * Math.ceil(8000 / 4)]);
    expect(zi.scratchBytes).toEqual([2 * 4 * (8000 + 15) * 4]);
  });

  it('float16 outputs written in several passes accumulate in float32 scratch; one pass needs none', () => {
    const overlapping = resolveConvTranspose2d([1, 2, 4, 4], [2, 3, 3, 3], { strides: [2, 2] });
    const unet = resolveConvTranspose2d([1, 2, 4, 4], [2, 3, 2, 2], { strides: [2, 2] });
    for (const storage of ['f16', 'f16-packed'] as const) {
      expect(scatterKernel.choose(overlapping, env(storage)).variant).toMatchObject({ accumulate: 'scratch' });
      expect(scatterKernel.scratchBytes(overlapping, env(storage))).toBe(overlapping.outputSize * 4);
      expect(scatterKernel.choose(unet, env(storage)).variant).toMatchObject({ accumulate: 'output' });
      expect(scatterKernel.scratchBytes(unet, env(storage))).toBe(0);
      const ctx = recorder(env(storage));
      scatterKernel.encode(ctx, overlapping, BUFFERS, scatterKernel.choose(overlapping, ctx).variant);
      expect(ctx.scratchBytes).toEqual([overlapping.outputSize * 4]);
      expect(ctx.specs.every((s) => 'sums' in s.buffers)).toBe(true);
    }
    expect(scatterKernel.choose(overlapping, env('f32')).variant).toMatchObject({ accumulate: 'output' });
    expect(scatterKernel.scratchBytes(overlapping, env('f32'))).toBe(0);
    // The scratch must fit a binding: a device reason, so the planner splits the call.
    const small = { ...env('f16-packed'), limits: { ...LIMITS, maxStorageBufferBindingSize: 256 } };
    expect(scatterKernel.unsupported(overlapping, small)).toMatch(/running sums need/);
  });

  it('refuses a filter that needs more than 4,096 tap passes', () => {
    const g = resolveConvTranspose([1, 1, 4], [1, 1, 5000], {});
    expect(scatterKernel.unsupported(g, env())).toMatch(/5000 tap passes/);
  });
});

describe('zero-insertion planning', () => {
  it('upsampled sizes and borders per axis (negative borders crop)', () => {
    const g = resolveConvTranspose([1, 1, 3, 4, 5], [1, 1, 3, 2, 1], {
      strides: [2, 3, 1],
      dilations: [2, 1, 1],
      padding: [5, 0, 0, 1, 0, 0],
    });
    expect(upsampled(g)).toEqual({
      sizes: [g.outSizes[0]! + 4, g.outSizes[1]! + 1, g.outSizes[2]!],
      borders: [-1, 1, 0],
    });
  });

  it('guard picks the variant that skips inserted zeros and padding', () => {
    const g = resolveConvTranspose2d([1, 2, 4, 4], [2, 3, 3, 3], { strides: [2, 2] });
    expect(zeroInsertionKernel.choose(g, env('f32', true)).variant).toMatchObject({ guard: true });
    expect(zeroInsertionKernel.choose(g, env('f32', false)).variant).toMatchObject({ guard: false });
  });
});

describe('every variant composes and reflects', () => {
  for (const kernel of [scatterKernel, zeroInsertionKernel]) {
    it(`${kernel.name}: ranks 1–3, every storage`, () => {
      for (const rank of [1, 2, 3]) {
        for (const storage of ['f32', 'f16', 'f16-packed'] as const) {
          const variants = kernel.variants(rank, storage);
          expect(variants.length).toBeGreaterThan(0);
          for (const { shaders } of variants) {
            for (const shader of shaders) {
              const r = reflectShader(shader.code);
              expect(r.entries.has('main'), shader.key).toBe(true);
              expect(r.uniform?.size, shader.key).toBe(shader.uniformSize);
              for (const b of shader.bindings) expect(r.bindings.get(b.name)?.binding, shader.key).toBe(b.binding);
              // No axis the rank does not have.
              const absent = ['d', 'h'].slice(0, 3 - rank);
              expect([...shader.uniforms.keys()].filter((n) => absent.some((a) => n.endsWith(`_${a}`)))).toEqual([]);
            }
          }
        }
      }
    });
  }
});
