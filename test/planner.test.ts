/** The planner, without a GPU: kernel choice, tiles, grids and split pieces. */
import { describe, expect, it } from 'vitest';
import { DeconvError } from '../src/errors.js';
import { resolveConvTranspose, resolveConvTranspose2d } from '../src/geometry.js';
import { convTranspose2dCpu } from '../src/cpu.js';
import { extractInput, placeOutput } from '../src/gpu/execute.js';
import { DEFAULT_CORES, occupancy } from '../src/gpu/cost.js';
import { phaseTaps, subpixelConfig, subpixelWorkgroups } from '../src/gpu/kernels/subpixel/index.js';
import { getKernel, issuedMacs, plan } from '../src/gpu/kernels/registry.js';
import { inputRows, splitPieces, subGeometry } from '../src/gpu/planner.js';
import { DEFAULT_LIMITS, randomCase, rng } from './helpers/check.js';

/** WebGPU's default limits, as a plain object. */
const DEFAULTS = DEFAULT_LIMITS;

const limits = (over: Record<string, number>) => ({ ...DEFAULTS, ...over }) as unknown as GPUSupportedLimits;

const dcgan = resolveConvTranspose2d([1, 128, 16, 16], [128, 64, 4, 4], { strides: [2, 2], padding: [1, 1, 1, 1] });

describe('plan', () => {
  it('k4_s2_p1 128→64: auto picks subpixel, register-blocked on software, tiled on hardware', () => {
    const sw = plan(dcgan, DEFAULTS, { software: true });
    expect(sw.kernel).toBe('subpixel');
    expect(sw.subpixel?.variant).toBe('register');
    expect(sw.reason).toMatch(/lowest estimated cost/);
    const hw = plan(dcgan, DEFAULTS, { software: false });
    expect(hw.subpixel?.variant).toBe('tiled');
    expect(hw.subpixel!.wx * hw.subpixel!.wy).toBeLessThanOrEqual(256);
    expect(hw.pieces).toHaveLength(1);
    expect(hw.pieces[0]!.geometry).toEqual(dcgan);
    expect(Object.keys(hw.costs).sort()).toEqual([
      'gemm-col2im',
      'im2col-gemm',
      'scatter',
      'subpixel',
      'zero-insertion',
    ]);
  });

  it('a named kernel is used as asked', () => {
    const p = plan(dcgan, DEFAULTS, { kernel: 'scatter' });
    expect(p.kernel).toBe('scatter');
    expect(p.reason).toMatch(/requested/);
  });

  it('kernels: plans among the given kernel objects of the library only; anything else is INVALID_ARGUMENT', () => {
    const p = plan(dcgan, DEFAULTS, { kernels: [getKernel('scatter'), getKernel('gemm-col2im')] });
    expect(Object.keys(p.costs).sort()).toEqual(['gemm-col2im', 'scatter']);
    const err = (f: () => unknown) => {
      try {
        f();
        return 'planned';
      } catch (e) {
        return e instanceof DeconvError ? `${e.code} ${e.param}` : String(e);
      }
    };
    const scatter = getKernel('scatter');
    expect(Object.isFrozen(scatter)).toBe(true);
    for (const [kernels, param] of [
      [[], 'options.kernels'],
      ['scatter', 'options.kernels'],
      [['scatter'], 'options.kernels[0]'],
      [[{ ...scatter }], 'options.kernels[0]'],
      [[scatter, scatter], 'options.kernels[1]'],
      [[scatter, new Proxy(scatter, {})], 'options.kernels[1]'],
    ] as const) {
      expect(
        err(() => plan(dcgan, DEFAULTS, { kernels: kernels as never })),
        JSON.stringify(kernels),
      ).toBe(`INVALID_ARGUMENT ${param}`);
    }
    expect(err(() => plan(dcgan, DEFAULTS, { kernels: [scatter], kernel: 'subpixel' }))).toBe(
      'INVALID_ARGUMENT options.kernel',
    );
  });

  it('hostile arguments: INVALID_ARGUMENT naming the geometry field, limit or option, never a TypeError or a hang', () => {
    const err = (f: () => unknown) => {
      try {
        f();
        return 'planned';
      } catch (e) {
        return e instanceof DeconvError ? `${e.code} ${e.param}` : `${(e as Error).name}: ${(e as Error).message}`;
      }
    };
    const p = plan as (...args: unknown[]) => unknown;
    const cases: [string, () => unknown, string][] = [
      ['no arguments', () => p(), 'INVALID_ARGUMENT g'],
      ['g = {}', () => p({}, DEFAULTS), 'INVALID_ARGUMENT g.inputShape'],
      ['g = a shape', () => p([1, 128, 16, 16], DEFAULTS), 'INVALID_ARGUMENT g'],
      ['g.strides edited', () => p({ ...dcgan, strides: [0, 2] }, DEFAULTS), 'INVALID_ARGUMENT g.strides[0]'],
      ['g.outputSize edited', () => p({ ...dcgan, outputSize: 3 }, DEFAULTS), 'INVALID_ARGUMENT g.outputSize'],
      ['g.outSizes edited', () => p({ ...dcgan, outSizes: [31, 32] }, DEFAULTS), 'INVALID_ARGUMENT g.outSizes'],
      [
        'g.inputShape unreadable',
        () =>
          p(
            Object.defineProperty({ ...dcgan }, 'inputShape', {
              get() {
                throw new Error('no');
              },
            }),
            DEFAULTS,
          ),
        'INVALID_ARGUMENT g.inputShape',
      ],
      ['limits missing', () => p(dcgan), 'INVALID_ARGUMENT limits'],
      ['limits = {}', () => p(dcgan, {}), 'INVALID_ARGUMENT limits.maxBufferSize'],
      ['limits = null', () => p(dcgan, null), 'INVALID_ARGUMENT limits'],
      [
        'limits NaN',
        () => p(dcgan, limits({ maxStorageBufferBindingSize: NaN })),
        'INVALID_ARGUMENT limits.maxStorageBufferBindingSize',
      ],
      [
        'limits 0',
        () => p(dcgan, limits({ maxComputeWorkgroupsPerDimension: 0 })),
        'INVALID_ARGUMENT limits.maxComputeWorkgroupsPerDimension',
      ],
      ['options = 5', () => p(dcgan, DEFAULTS, 5), 'INVALID_ARGUMENT options'],
      ['options.software = "yes"', () => p(dcgan, DEFAULTS, { software: 'yes' }), 'INVALID_ARGUMENT options.software'],
      ['options.cores = -1', () => p(dcgan, DEFAULTS, { cores: -1 }), 'INVALID_ARGUMENT options.cores'],
      ['options.storage = "f64"', () => p(dcgan, DEFAULTS, { storage: 'f64' }), 'INVALID_ARGUMENT options.storage'],
      ['options.guard = 1', () => p(dcgan, DEFAULTS, { guard: 1 }), 'INVALID_ARGUMENT options.guard'],
      ['options.kernal (a typo)', () => p(dcgan, DEFAULTS, { kernal: 'scatter' }), 'INVALID_ARGUMENT options.kernal'],
      [
        'a filter larger than any binding',
        () => p(dcgan, limits({ maxStorageBufferBindingSize: 64 })),
        'DEVICE_LIMIT inputShape',
      ],
    ];
    for (const [what, f, want] of cases) expect(err(f), what).toBe(want);
  });

  it('a copy of a geometry (JSON included) plans as the original; the plan holds a geometry of its own', () => {
    const copy = JSON.parse(JSON.stringify(dcgan)) as typeof dcgan;
    const a = plan(dcgan, DEFAULTS, { software: true });
    const b = plan(copy, DEFAULTS, { software: true });
    expect(b).toEqual(a);
    expect(a.pieces[0]!.geometry).not.toBe(dcgan);
    const biased = resolveConvTranspose([1, 4, 3], [4, 2, 3], { strides: [2], bias: new Float32Array([1, 2]) });
    expect(plan({ ...biased }, DEFAULTS).pieces[0]!.geometry.bias).toEqual(new Float32Array([1, 2]));
    // JSON turns the bias into an object of numbers; it plans as the original.
    const viaJson = JSON.parse(JSON.stringify(biased)) as typeof biased;
    expect(plan(viaJson, DEFAULTS).pieces[0]!.geometry.bias).toEqual(new Float32Array([1, 2]));
    // The pieces of a split plan are geometries plan takes too (their usefulMacs is prorated).
    const wide = resolveConvTranspose2d([1, 4, 64, 64], [4, 4, 4, 4], { strides: [2, 2], padding: [1, 1, 1, 1] });
    const split = plan(wide, limits({ maxStorageBufferBindingSize: 100_000, maxBufferSize: 100_000 }));
    expect(split.pieces.length).toBeGreaterThan(1);
    expect(plan(split.pieces[0]!.geometry, DEFAULTS).pieces).toHaveLength(1);
  });

  it('rejects an unknown kernel name with INVALID_ARGUMENT', () => {
    expect(() => plan(dcgan, DEFAULTS, { kernel: 'fft' as never })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', param: 'options.kernel' }),
    );
  });

  it('subpixel issues the useful multiply-adds plus border taps only', () => {
    const g = resolveConvTranspose2d([1, 8, 5, 5], [8, 4, 3, 3], { strides: [2, 2] });
    // Phase taps counted without the input's bounds: the border rows/columns add a little.
    expect(issuedMacs('subpixel', g)).toBeGreaterThanOrEqual(g.usefulMacs);
    expect(issuedMacs('subpixel', g)).toBeLessThan(1.3 * g.usefulMacs);
    expect(issuedMacs('zero-insertion', g)).toBeGreaterThan(3 * g.usefulMacs);
    expect(phaseTaps(11, 0, 2, 1, 3)).toBe(6 * 2 + 5 * 1);
  });

  it('software blocks: least work, smaller workgroups when threads are few', () => {
    // k5_s3_p2_op1, 20 columns per phase: 4-pixel blocks fit exactly, 8-pixel blocks waste 1/6.
    const odd = resolveConvTranspose2d([1, 32, 12, 20], [32, 16, 5, 5], {
      strides: [3, 3],
      padding: [2, 2, 2, 2],
      outputPadding: [1, 1],
    });
    expect(subpixelConfig(odd, DEFAULTS, true)).toMatchObject({ variant: 'register', channels: 8, pixels: 4 });
    // k4_s2_p1 64→3: a 4-channel block.
    const rgb = resolveConvTranspose2d([1, 64, 32, 32], [64, 3, 4, 4], { strides: [2, 2], padding: [1, 1, 1, 1] });
    expect(subpixelConfig(rgb, DEFAULTS, true)).toMatchObject({ channels: 4, pixels: 8, wg: 16 });
    // k4_s2_p1 512→256 at 4²: 4 columns per phase, so 8 channels × 2 rows × 4 columns; 256
    // threads, so the smallest workgroups (16 of them).
    const small = resolveConvTranspose2d([1, 512, 4, 4], [512, 256, 4, 4], { strides: [2, 2], padding: [1, 1, 1, 1] });
    const c = subpixelConfig(small, DEFAULTS, true);
    expect(c).toMatchObject({ channels: 8, pixels: 4, rows: 2, wg: 16 });
    expect(subpixelWorkgroups(small, c)).toBe(16);
    // Per axis 14 of the 16 (tap, pixel) pairs are useful. Of the block's 8 × 4 (row tap, column
    // tap) pairs, 2 × 4 run one row (4 pixels or, with 3 columns inside, a 2 × 3 block) and
    // 6 × 2 run 3 columns (6 pixels): 6·(2·8 + 2·6) + 2·(2·4 + 2·6) = 208 pixels, not 16 × 16.
    expect(small.usefulMacs).toBe(512 * 256 * 14 * 14);
    expect(issuedMacs('subpixel', small, c)).toBe(512 * 256 * 208);
    // A wide layer keeps 8 × 8 blocks in workgroups of 64.
    const wide = resolveConvTranspose2d([1, 128, 32, 32], [128, 64, 3, 3], {
      strides: [2, 2],
      padding: [1, 1, 1, 1],
      outputPadding: [1, 1],
    });
    expect(subpixelConfig(wide, DEFAULTS, true)).toMatchObject({ channels: 8, pixels: 8, wg: 64 });
  });

  it('software: few output channels per group go to gemm-col2im, depthwise and wide layers to subpixel', () => {
    const rgb = resolveConvTranspose2d([1, 64, 32, 32], [64, 3, 4, 4], { strides: [2, 2], padding: [1, 1, 1, 1] });
    expect(plan(rgb, DEFAULTS, { software: true }).kernel).toBe('gemm-col2im');
    const depthwise = resolveConvTranspose2d([1, 64, 32, 32], [64, 1, 4, 4], {
      strides: [2, 2],
      padding: [1, 1, 1, 1],
      groups: 64,
    });
    // One channel per group: subpixel's depthwise variant, on either adapter class.
    const p = plan(depthwise, DEFAULTS, { software: true });
    expect(p.kernel).toBe('subpixel');
    expect(p.subpixel).toMatchObject({ variant: 'depthwise', pixels: 8, channels: 1 });
    expect(subpixelConfig(depthwise, DEFAULTS, false).variant).toBe('depthwise');
    expect(plan(dcgan, DEFAULTS, { software: true }).kernel).toBe('subpixel');
  });

  it('software: kernel = stride (no overlapping taps) goes to scatter, one pass with no read-modify-write', () => {
    const unet = resolveConvTranspose2d([1, 128, 32, 32], [128, 64, 2, 2], { strides: [2, 2] });
    expect(plan(unet, DEFAULTS, { software: true }).kernel).toBe('scatter');
    // With overlapping taps (k3 s2) every output after its first write is a read-modify-write: subpixel.
    const cyclegan = resolveConvTranspose2d([1, 128, 32, 32], [128, 64, 3, 3], {
      strides: [2, 2],
      padding: [1, 1, 1, 1],
      outputPadding: [1, 1],
    });
    expect(plan(cyclegan, DEFAULTS, { software: true }).kernel).toBe('subpixel');
  });

  it('occupancy: a pass of W workgroups on P software threads takes ⌈W/P⌉ rounds', () => {
    const sw = { software: true, cores: 2 };
    expect(occupancy(sw, 1)).toBe(2);
    expect(occupancy(sw, 3)).toBeCloseTo(4 / 3, 12);
    expect(occupancy(sw, 4)).toBe(1);
    expect(occupancy({ software: true, cores: 8 }, 2)).toBe(4);
    // Not counted, one thread, or a hardware adapter: no factor.
    for (const w of [0, undefined]) expect(occupancy(sw, w)).toBe(1);
    expect(occupancy({ software: true, cores: 1 }, 1)).toBe(1);
    expect(occupancy({ software: false, cores: 2 }, 1)).toBe(1);
    expect(occupancy({ software: true }, 1)).toBe(DEFAULT_CORES);
  });

  it('software, 2 threads: between scatter and gemm-col2im, 1-D k16_s8 512→256 on 16 samples goes to gemm-col2im (scatter has one workgroup a pass)', () => {
    // npm run bench (2 threads): gemm-col2im 22.6 ms, scatter 35.4 ms.
    const encodec = resolveConvTranspose([1, 512, 16], [512, 256, 16], { strides: [8], padding: [0, 8] });
    const two = { kernels: [getKernel('scatter'), getKernel('gemm-col2im')] };
    expect(plan(encodec, DEFAULTS, { software: true, cores: 2, ...two }).kernel).toBe('gemm-col2im');
    // Without the occupancy term (one thread), scatter's estimate is the lower.
    expect(plan(encodec, DEFAULTS, { software: true, cores: 1, ...two }).kernel).toBe('scatter');
    // With enough workgroups a pass (k16_s8 512→256 on 32 samples: 2 a pass on 2 threads) scatter stays.
    const hifigan = resolveConvTranspose([1, 512, 32], [512, 256, 16], { strides: [8], padding: [4, 4] });
    expect(plan(hifigan, DEFAULTS, { software: true, cores: 2, ...two }).kernel).toBe('scatter');
  });

  it('software: 1-D vocoder layers go to subpixel, whose one-axis blocks run as fast as scatter’s', () => {
    // npm run bench -- --suite 1d (2 threads), two runs, ms: hifigan_k16 subpixel 54.5 / 43.2, scatter
    // 66.5 / 50.2; demucs subpixel 11.2 / 6.88, scatter 14.6 / 8.76; encodec_k16 subpixel 32.2 / 21.6,
    // gemm-col2im 32.9 / 20.9.
    const layers = [
      resolveConvTranspose([1, 512, 32], [512, 256, 16], { strides: [8], padding: [4, 4] }),
      resolveConvTranspose([1, 64, 2500], [64, 8, 8], { strides: [4] }),
      resolveConvTranspose([1, 512, 16], [512, 256, 16], { strides: [8], padding: [0, 8] }),
    ];
    for (const g of layers) expect(plan(g, DEFAULTS, { software: true, cores: 2 }).kernel).toBe('subpixel');
    // The 1-D rate is the software adapter's: 2-D layers and hardware adapters keep subpixel's unit rate.
    const unet = resolveConvTranspose([1, 128, 32, 32], [128, 64, 2, 2], { strides: [2, 2] });
    expect(plan(unet, DEFAULTS, { software: true, cores: 2 }).kernel).toBe('scatter');
  });

  it('narrow layers get narrow channel tiles on hardware', () => {
    const g = resolveConvTranspose2d([1, 64, 32, 32], [64, 3, 4, 4], { strides: [2, 2], padding: [1, 1, 1, 1] });
    const c = subpixelConfig(g, DEFAULTS, false);
    expect(c.wy).toBe(1);
    expect(c.wx * 4).toBeGreaterThanOrEqual(64);
    expect(c.tk * 4 * (c.wx + c.wy) * 4).toBeLessThanOrEqual(16384);
  });

  it('folds a grid past maxComputeWorkgroupsPerDimension', () => {
    const p = plan(dcgan, limits({ maxComputeWorkgroupsPerDimension: 16 }), { software: true });
    const [x, y, z] = p.dispatch!.grid;
    expect(Math.max(x, y, z)).toBeLessThanOrEqual(16);
    expect(x * y * z).toBeGreaterThanOrEqual(p.dispatch!.workgroups);
  });
});

describe('splitting', () => {
  it('whole when it fits; by batch, then by rows when not', () => {
    const g = resolveConvTranspose2d([4, 2, 6, 5], [2, 3, 3, 3], { strides: [2, 2], padding: [1, 1, 1, 1] });
    const k = getKernel('subpixel');
    expect(splitPieces(k, g, DEFAULTS)).toHaveLength(1);
    const outPerImage = g.outputSize / 4;
    const byBatch = splitPieces(k, g, limits({ maxStorageBufferBindingSize: outPerImage * 4 * 2 }));
    expect(byBatch.map((p) => [p.n0, p.n1])).toEqual([
      [0, 2],
      [2, 4],
    ]);
    const byRows = splitPieces(k, g, limits({ maxStorageBufferBindingSize: 256 }));
    expect(byRows.length).toBeGreaterThan(4);
    for (const p of byRows) {
      expect(p.geometry.outputSize * 4).toBeLessThanOrEqual(256);
      expect(p.geometry.inputSize * 4).toBeLessThanOrEqual(256);
      expect(p.geometry.padding[0]).toBeGreaterThanOrEqual(0);
    }
  });

  it('DEVICE_LIMIT when one output row cannot fit', () => {
    const g = resolveConvTranspose2d([1, 4, 4, 64], [4, 4, 3, 3], {});
    let err: unknown;
    try {
      plan(g, limits({ maxStorageBufferBindingSize: 512 }));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DeconvError);
    expect((err as DeconvError).code).toBe('DEVICE_LIMIT');
  });

  it('row bands recombine to the whole result (CPU), for random geometries', () => {
    const rand = rng(7);
    for (let i = 0; i < 200; i++) {
      const c = randomCase(rand, i);
      const g = resolveConvTranspose2d(c.inputShape, c.filterShape, c.options);
      const want = convTranspose2dCpu(c.input, c.inputShape, c.filter, c.filterShape, c.options).data;
      const rows = 1 + Math.floor(rand() * 3);
      const got = new Float32Array(g.outputSize);
      for (let n = 0; n < g.batch; n++) {
        for (let oy0 = 0; oy0 < g.outHeight; oy0 += rows) {
          const oy1 = Math.min(g.outHeight, oy0 + rows);
          const [iy0, iy1] = inputRows(g, oy0, oy1);
          const piece = {
            n0: n,
            n1: n + 1,
            oy0,
            oy1,
            iy0,
            iy1,
            geometry: subGeometry(g, n, n + 1, iy0, iy1, oy0, oy1),
          };
          const part = convTranspose2dCpu(
            extractInput(c.input, g, piece),
            piece.geometry.inputShape,
            c.filter,
            c.filterShape,
            {
              ...c.options,
              padding: piece.geometry.padding,
              outputPadding: undefined,
              outputSizes: [piece.geometry.outHeight, g.outWidth],
            },
          ).data;
          placeOutput(got, g, piece, part);
        }
      }
      expect(Array.from(got), c.name).toEqual(Array.from(want));
    }
  });
});
