/**
 * Focused GPU tests of the scatter, gemm-col2im and im2col-gemm kernels (both GEMM
 * variants) and of the plain GEMM, in Node on Dawn, against the CPU reference.
 * No adapter → getDevice throws → every test here fails.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallContext, runKernel } from '../../src/gpu/context.js';
import type { Kernel } from '../../src/gpu/kernel.js';
import { COL_CAP_BYTES, gemmCol2imKernel, planGemmCol2im } from '../../src/gpu/kernels/gemm-col2im/index.js';
import {
  chooseTile,
  encodeGemm,
  encodeMatmul,
  vectorModes,
  type GemmVariant,
  type StridedGemm,
} from '../../src/gpu/kernels/gemm/index.js';
import { im2colGemmKernel } from '../../src/gpu/kernels/im2col-gemm/index.js';
import { scatterKernel, scatterPasses } from '../../src/gpu/kernels/scatter/index.js';
import { resolveConvTranspose2d, tensorStrides } from '../../src/geometry.js';
import { convTranspose2dCpu } from '../../src/cpu.js';
import type { ConvTranspose2dGeometry, ConvTranspose2dOptions } from '../../src/types.js';
import { compare, getDevice, randomCase, randomData, rng, withErrorScopes, type RandomCase } from '../helpers/gpu.js';

let device: GPUDevice;
beforeAll(async () => {
  ({ device } = await getDevice());
});
afterAll(() => device?.destroy());

/** The device's limits with some replaced (GPUSupportedLimits members are prototype getters). */
function withLimits(overrides: Record<string, number>): GPUSupportedLimits {
  const l: Record<string, unknown> = {};
  for (const key in device.limits) l[key] = device.limits[key as keyof GPUSupportedLimits];
  return { ...l, ...overrides } as unknown as GPUSupportedLimits;
}

/** A kernel with its GEMM variant pinned through `software` (scatter has one path). */
const RUNS: { name: string; kernel: Kernel; software: boolean }[] = [
  { name: 'scatter', kernel: scatterKernel, software: true },
  { name: 'gemm-col2im/registers', kernel: gemmCol2imKernel, software: true },
  { name: 'gemm-col2im/tiled', kernel: gemmCol2imKernel, software: false },
  { name: 'im2col-gemm/registers', kernel: im2colGemmKernel, software: true },
  { name: 'im2col-gemm/tiled', kernel: im2colGemmKernel, software: false },
];

function makeCase(
  name: string,
  nchw: [number, number, number, number],
  cog: number,
  k: [number, number],
  options: ConvTranspose2dOptions,
  seed: number,
): RandomCase {
  const rand = rng(seed);
  const [n, cin, h, w] = nchw;
  const groups = options.groups ?? 1;
  const layout = options.inputLayout ?? 'nchw';
  const fl = options.filterLayout ?? 'iohw';
  const inputShape = layout === 'nchw' ? [n, cin, h, w] : [n, h, w, cin];
  const filterShape =
    fl === 'iohw' ? [cin, cog, k[0], k[1]] : fl === 'hwoi' ? [k[0], k[1], cog, cin] : [cog, k[0], k[1], cin];
  const opts = { ...options };
  if (name.includes('_bias')) opts.bias = randomData(cog * groups, rand);
  return {
    name,
    inputShape,
    filterShape,
    options: opts,
    input: randomData(n * cin * h * w, rand),
    filter: randomData(
      filterShape.reduce((a, b) => a * b, 1),
      rand,
    ),
  };
}

/** Hand-picked geometries that hit each kernel's special paths. */
const NAMED: RandomCase[] = [
  makeCase(
    'k3_s2_p1_op1_g2_bias_relu',
    [1, 4, 5, 4],
    3,
    [3, 3],
    {
      strides: [2, 2],
      padding: [1, 1, 1, 1],
      outputPadding: [1, 1],
      groups: 2,
      activation: 'relu',
    },
    1,
  ),
  makeCase(
    'k4_s2_p1_dcgan_bias_tanh',
    [2, 8, 4, 4],
    6,
    [4, 4],
    { strides: [2, 2], padding: [1, 1, 1, 1], activation: 'tanh' },
    2,
  ),
  makeCase(
    'k2_s2_unet_nhwc_hwoi_bias',
    [1, 6, 5, 3],
    5,
    [2, 2],
    { strides: [2, 2], inputLayout: 'nhwc', filterLayout: 'hwoi' },
    3,
  ),
  makeCase(
    'k1_s3_op2_holes_bias_sigmoid',
    [1, 3, 3, 2],
    2,
    [1, 1],
    { strides: [3, 3], outputPadding: [2, 1], activation: 'sigmoid' },
    4,
  ),
  makeCase('k3_s3_p1.0.2.0_crop_unreached', [1, 2, 2, 3], 2, [1, 2], { strides: [3, 3], padding: [1, 1, 0, 1] }, 5),
  makeCase(
    'k4_s2_depthwise_g6_bias_gelu',
    [1, 6, 5, 5],
    1,
    [4, 4],
    { strides: [2, 2], groups: 6, activation: 'gelu' },
    6,
  ),
  makeCase(
    'k3_s2_d2_ohwi_bias_leaky',
    [2, 3, 4, 3],
    4,
    [3, 3],
    {
      strides: [2, 2],
      dilations: [2, 2],
      filterLayout: 'ohwi',
      activation: 'leakyRelu',
      leakyReluAlpha: 0.3,
    },
    7,
  ),
  makeCase(
    'k5x3_s3x2_d2x3_p2.1.0.3_op1.2_bias_relu6',
    [1, 3, 4, 5],
    3,
    [5, 3],
    {
      strides: [3, 2],
      dilations: [2, 3],
      padding: [2, 1, 0, 3],
      outputPadding: [1, 2],
      activation: 'relu6',
    },
    8,
  ),
  makeCase(
    'k3_s1_p1_n3_nhwc_ohwi',
    [3, 5, 4, 4],
    7,
    [3, 3],
    { padding: [1, 1, 1, 1], inputLayout: 'nhwc', filterLayout: 'ohwi' },
    9,
  ),
  makeCase(
    'k5_s3_p2_op1_oddshape_g3_nhwc_bias',
    [1, 6, 3, 7],
    2,
    [5, 5],
    {
      strides: [3, 3],
      padding: [2, 2, 2, 2],
      outputPadding: [1, 1],
      groups: 3,
      inputLayout: 'nhwc',
    },
    10,
  ),
  // Multiple M, N and K tiles with ragged edges in both GEMM variants.
  makeCase('k3_s2_c40x70_tiles_bias', [1, 40, 5, 6], 70, [3, 3], { strides: [2, 2], padding: [1, 0, 0, 1] }, 11),
  makeCase(
    'k4_s2_c20x9_g2_nhwc_hwoi_tiles',
    [2, 20, 6, 5],
    9,
    [4, 4],
    {
      strides: [2, 2],
      groups: 2,
      inputLayout: 'nhwc',
      filterLayout: 'hwoi',
    },
    12,
  ),
  // Aligned strides: the tiled GEMM stages with vec4 loads (A along m / B along n; A and B along k), 3 K tiles.
  makeCase('k4_s2_p1_c36x4_vec4_bias', [1, 36, 4, 4], 4, [4, 4], { strides: [2, 2], padding: [1, 1, 1, 1] }, 13),
  makeCase(
    'k4_s2_p1_c36x4_nhwc_hwoi_vec4',
    [1, 36, 4, 4],
    4,
    [4, 4],
    {
      strides: [2, 2],
      padding: [1, 1, 1, 1],
      inputLayout: 'nhwc',
      filterLayout: 'hwoi',
    },
    14,
  ),
];

async function check(
  kernel: Kernel,
  software: boolean,
  c: RandomCase,
  limits?: GPUSupportedLimits,
): Promise<{ ok: boolean; message: string }> {
  const g = resolveConvTranspose2d(c.inputShape, c.filterShape, c.options);
  const out = await runKernel(
    device,
    kernel,
    g,
    c.input,
    c.filter,
    g.bias,
    limits ? { software, limits } : { software },
  );
  const ref = convTranspose2dCpu(c.input, c.inputShape, c.filter, c.filterShape, c.options).data;
  const r = compare(out, ref, 1e-4, 1e-4);
  return { ok: r.ok, message: `${c.name}: ${r.message}` };
}

describe.each(RUNS)('$name', ({ kernel, software }) => {
  it.each(NAMED.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const r = await withErrorScopes(device, () => check(kernel, software, c));
    expect(r.ok, r.message).toBe(true);
  });

  it('100 random geometries', async () => {
    const rand = rng(kernel.name.length * 1000 + (software ? 1 : 2));
    const cases = Array.from({ length: 100 }, (_, i) => randomCase(rand, i));
    const results = await withErrorScopes(device, () => Promise.all(cases.map((c) => check(kernel, software, c))));
    const bad = results.filter((r) => !r.ok).map((r) => r.message);
    expect(bad, bad.slice(0, 5).join('\n')).toEqual([]);
  });
});

describe.each(RUNS)('$name on row bands (the engine splits calls this way)', ({ kernel, software }) => {
  /** Output rows [top, top + rows) of `g` as a geometry of its own: padTop raised, outHeight cut. */
  function band(g: ConvTranspose2dGeometry, top: number, rows: number): ConvTranspose2dGeometry {
    const pt = g.padding[0] + top;
    const pb = Math.max(0, g.fullHeight - pt - rows);
    const op = rows - (g.fullHeight - pt - pb);
    const outputShape: [number, number, number, number] =
      g.inputLayout === 'nchw'
        ? [g.batch, g.outChannels, rows, g.outWidth]
        : [g.batch, rows, g.outWidth, g.outChannels];
    return {
      ...g,
      padding: [pt, pb, g.padding[2], g.padding[3]],
      outputPadding: [op, g.outputPadding[1]],
      outHeight: rows,
      outSizes: [rows, g.outWidth],
      outputShape,
      outputSize: g.batch * g.outChannels * rows * g.outWidth,
      outputStrides: tensorStrides(g.inputLayout, g.outChannels, rows, g.outWidth),
    };
  }
  /** Rows [top, top + rows) of a full output. */
  function rowsOf(g: ConvTranspose2dGeometry, full: Float32Array, top: number, rows: number): Float32Array {
    const out = new Float32Array(g.batch * g.outChannels * rows * g.outWidth);
    const bs = tensorStrides(g.inputLayout, g.outChannels, rows, g.outWidth);
    const fs = g.outputStrides;
    for (let n = 0; n < g.batch; n++)
      for (let c = 0; c < g.outChannels; c++)
        for (let y = 0; y < rows; y++)
          for (let x = 0; x < g.outWidth; x++)
            out[n * bs.n + c * bs.c + y * bs.h + x * bs.w] = full[n * fs.n + c * fs.c + (top + y) * fs.h + x * fs.w]!;
    return out;
  }

  it.each(
    [
      makeCase(
        'k3_s2_p1_op1_n2_bias_relu',
        [2, 5, 5, 4],
        6,
        [3, 3],
        {
          strides: [2, 2],
          padding: [1, 1, 1, 1],
          outputPadding: [1, 1],
          activation: 'relu',
        },
        41,
      ),
      makeCase(
        'k4_s3_d2_g2_nhwc_hwoi_bias',
        [1, 4, 4, 3],
        3,
        [4, 4],
        {
          strides: [3, 3],
          dilations: [2, 2],
          groups: 2,
          inputLayout: 'nhwc',
          filterLayout: 'hwoi',
        },
        42,
      ),
    ].map((c) => [c.name, c] as const),
  )('%s: bands [0,3) [3,4) [4,end)', async (_name, c) => {
    const g = resolveConvTranspose2d(c.inputShape, c.filterShape, c.options);
    const ref = convTranspose2dCpu(c.input, c.inputShape, c.filter, c.filterShape, c.options).data;
    for (const [top, rows] of [
      [0, 3],
      [3, 1],
      [4, g.outHeight - 4],
    ] as const) {
      const b = band(g, top, rows);
      const out = await withErrorScopes(device, () =>
        runKernel(device, kernel, b, c.input, c.filter, g.bias, { software }),
      );
      const r = compare(out, rowsOf(g, ref, top, rows), 1e-4, 1e-4);
      expect(r.ok, `rows ${top}..${top + rows}: ${r.message}`).toBe(true);
    }
  });
});

describe('scatter', () => {
  it('pass grid: taps with equal ky·d mod s share no pass; fill only when outputs are unreached', () => {
    const g = (o: ConvTranspose2dOptions, k: number) => resolveConvTranspose2d([1, 1, 4, 4], [1, 1, k, k], o);
    expect(scatterPasses(g({ strides: [2, 2] }, 4))).toMatchObject({ y: { m: 2, e: 1, passes: 2 }, fill: false });
    expect(scatterPasses(g({}, 3))).toMatchObject({ y: { m: 1, passes: 3 }, x: { m: 1, passes: 3 } });
    expect(scatterPasses(g({ strides: [2, 2], dilations: [2, 2] }, 3))).toMatchObject({ y: { m: 1, e: 1, passes: 3 } });
    expect(scatterPasses(g({ strides: [3, 3], dilations: [2, 2] }, 5))).toMatchObject({ y: { m: 3, e: 2, passes: 2 } });
    expect(scatterPasses(g({ strides: [3, 3] }, 1)).fill).toBe(true);
    expect(scatterPasses(g({ strides: [2, 2], outputPadding: [1, 0] }, 2)).fill).toBe(true);
  });

  it('is bitwise deterministic across runs (k3_s1_p1_c9x5, 9 passes)', async () => {
    const c = makeCase('k3_s1_p1_c9x5_bias', [1, 9, 6, 6], 5, [3, 3], { padding: [1, 1, 1, 1] }, 21);
    const g = resolveConvTranspose2d(c.inputShape, c.filterShape, c.options);
    const runs = await withErrorScopes(device, () =>
      Promise.all([0, 1, 2].map(() => runKernel(device, scatterKernel, g, c.input, c.filter))),
    );
    expect(Array.from(runs[1]!)).toEqual(Array.from(runs[0]!));
    expect(Array.from(runs[2]!)).toEqual(Array.from(runs[0]!));
  });
});

describe('gemm-col2im column chunks', () => {
  const limitsWith = (bytes: number) => withLimits({ maxStorageBufferBindingSize: bytes });
  // M = cog·kH·kW = 3·3·3 = 27 column rows; one slice = 27·7·6·4 = 4536 bytes; 2 groups × 2 images.
  const c = makeCase(
    'k3_s2_p1.2.0.1_op1_g2_n2_bias_relu',
    [2, 4, 7, 6],
    3,
    [3, 3],
    {
      strides: [2, 2],
      padding: [1, 2, 0, 1],
      outputPadding: [1, 1],
      groups: 2,
      activation: 'relu',
    },
    31,
  );
  const g = resolveConvTranspose2d(c.inputShape, c.filterShape, c.options);

  it('plans whole, slice runs and row bands by budget', () => {
    const slice = 27 * 7 * 6 * 4;
    const whole = planGemmCol2im(g, COL_CAP_BYTES);
    expect(whole).toMatchObject({ M: 27, colBytes: 4 * slice, chunks: [{ slice0: 0, slices: 4 }] });
    const runs = planGemmCol2im(g, 2 * slice + 5);
    expect(typeof runs !== 'string' && runs.chunks.map((ch) => ch.slices)).toEqual([2, 2]);
    const bands = planGemmCol2im(g, 27 * 6 * 4 * 3);
    if (typeof bands === 'string') throw new Error(bands);
    // Every slice's bands cover the output rows exactly once.
    for (let s = 0; s < 4; s++) {
      const rows = bands.chunks.filter((ch) => ch.slice0 === s).flatMap((ch) => [ch.oy0, ch.oy0 + ch.outRows]);
      expect(rows[0]).toBe(0);
      expect(rows[rows.length - 1]).toBe(g.outHeight);
      for (let i = 1; i + 1 < rows.length; i += 2) expect(rows[i]).toBe(rows[i + 1]);
    }
    expect(bands.colBytes).toBeLessThanOrEqual(27 * 6 * 4 * 3);
    expect(typeof planGemmCol2im(g, 27 * 6 * 4)).toBe('string');
    expect(
      gemmCol2imKernel.unsupported(g, {
        limits: limitsWith(27 * 6 * 4),
        software: false,
        storage: 'f32',
        guard: false,
      }),
    ).toMatch(/column budget/);
  });

  it.each([
    ['slice runs', 2 * 27 * 7 * 6 * 4 + 5],
    ['row bands of 2 input rows', 27 * 6 * 4 * 2],
    ['row bands of 3 input rows', 27 * 6 * 4 * 3 + 7],
  ])('%s match the CPU reference (both variants)', async (_label, bytes) => {
    for (const software of [true, false]) {
      const r = await withErrorScopes(device, () => check(gemmCol2imKernel, software, c, limitsWith(bytes)));
      expect(r.ok, r.message).toBe(true);
    }
  });
});

describe('GEMM', () => {
  /** Uploads A and B, records `record` with a zeroed C of `cSize` floats, returns C. */
  async function runGemm(
    a: Float32Array,
    b: Float32Array,
    cSize: number,
    record: (ctx: CallContext, a: GPUBuffer, b: GPUBuffer, c: GPUBuffer) => void,
  ): Promise<Float32Array> {
    return withErrorScopes(device, async () => {
      const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;
      const make = (d: Float32Array | number) => {
        const size = Math.ceil(Math.max(16, 4 * (typeof d === 'number' ? d : d.length)) / 16) * 16;
        const buf = device.createBuffer({ label: 'gemm-test', size, usage });
        if (typeof d !== 'number') device.queue.writeBuffer(buf, 0, d.buffer, d.byteOffset, d.byteLength);
        return buf;
      };
      const [ba, bb, bc] = [make(a), make(b), make(cSize)];
      const read = device.createBuffer({ size: bc.size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
      const ctx = new CallContext(device);
      record(ctx, ba, bb, bc);
      const enc = device.createCommandEncoder();
      ctx.encode(enc);
      enc.copyBufferToBuffer(bc, 0, read, 0, read.size);
      device.queue.submit([enc.finish()]);
      await read.mapAsync(GPUMapMode.READ);
      const res = new Float32Array(read.getMappedRange().slice(0, 4 * cSize));
      read.unmap();
      ctx.release(true);
      [ba, bb, bc, read].forEach((x) => x.destroy());
      return res;
    });
  }

  it.each([
    ['registers', 67, 45, 33],
    ['tiled', 67, 45, 33],
    ['registers', 20, 36, 44],
    ['registers', 1, 130, 5],
    ['tiled', 3, 7, 1],
    ['tiled', 128, 64, 48],
  ] as const)('plain %s M%i_N%i_K%i', async (variant: GemmVariant, M, N, K) => {
    const rand = rng(M * 7 + N);
    const a = randomData(M * K, rand);
    const b = randomData(K * N, rand);
    const out = await runGemm(a, b, M * N, (ctx, ba, bb, bc) => encodeMatmul(ctx, ba, bb, bc, M, N, K, variant));
    const want = new Float32Array(M * N);
    for (let m = 0; m < M; m++) {
      for (let n = 0; n < N; n++) {
        let sum = 0;
        for (let k = 0; k < K; k++) sum += a[m * K + k]! * b[k * N + n]!;
        want[m * N + n] = sum;
      }
    }
    const r = compare(out, want, 1e-4, 1e-4);
    expect(r.ok, r.message).toBe(true);
  });

  // Row- and column-major operands with padded leading dimensions, a 2-level batch and K % 4 ≠ 0:
  // every vec4 staging mode of the tiled variant and the register variant's edges.
  const M = 10;
  const N = 7;
  const K = 9;
  const layouts = {
    'A row-major lda 12': { m: 12, k: 1, size: M * 12, vec: 2 },
    'A col-major lda 12': { m: 1, k: 12, size: K * 12, vec: 1 },
    'A row-major lda 11': { m: 11, k: 1, size: M * 11, vec: 0 },
  };
  const bLayouts = {
    'B row-major ldb 8': { k: 8, n: 1, size: K * 8, vec: 1 },
    'B col-major ldb 12': { k: 1, n: 12, size: N * 12, vec: 2 },
    'B col-major ldb 9': { k: 1, n: 9, size: N * 9, vec: 0 },
  };
  const combos = Object.entries(layouts).flatMap(([an, al]) =>
    Object.entries(bLayouts).flatMap(([bn, bl]) =>
      (['registers', 'tiled'] as const).map((v) => [`${v} ${an} × ${bn}`, v, al, bl] as const),
    ),
  );
  it.each(combos)('strided %s, batch 2×3', async (_name, variant, al, bl) => {
    const [outerN, innerN] = [2, 3];
    const aOuter = al.size + 4;
    const bOuter = 3 * (bl.size + 4);
    const rand = rng(al.size * 31 + bl.size);
    const a = randomData(4 + outerN * aOuter, rand);
    const b = randomData(8 + bOuter * outerN, rand);
    const spec = (ba: GPUBuffer, bb: GPUBuffer, bc: GPUBuffer): StridedGemm => ({
      M,
      N,
      K,
      batch: outerN * innerN - 1,
      batch0: 1,
      batchInner: innerN,
      a: { buffer: ba, offset: 4, outer: aOuter, inner: 0, m: al.m, k: al.k },
      b: { buffer: bb, offset: 8, outer: bOuter, inner: bl.size + 4, k: bl.k, n: bl.n },
      c: { buffer: bc, offset: 2, batch: M * N + 3, m: 1, n: M },
    });
    const batches = outerN * innerN - 1;
    const cSize = 2 + batches * (M * N + 3);
    const dummy = { size: 1024 } as GPUBuffer;
    expect(vectorModes(spec(dummy, dummy, dummy))).toEqual({ A_VEC: al.vec, B_VEC: bl.vec });
    expect(vectorModes(spec({ size: 1028 } as GPUBuffer, dummy, dummy)).A_VEC).toBe(0);
    const out = await runGemm(a, b, cSize, (ctx, ba, bb, bc) =>
      encodeGemm(ctx, 'gemm-test', spec(ba, bb, bc), variant),
    );
    const want = new Float32Array(cSize);
    for (let local = 0; local < batches; local++) {
      const bi = 1 + local;
      const [o, i] = [Math.floor(bi / innerN), bi % innerN];
      for (let m = 0; m < M; m++) {
        for (let n = 0; n < N; n++) {
          let sum = 0;
          for (let k = 0; k < K; k++) {
            sum +=
              a[4 + o * aOuter + m * al.m + k * al.k]! * b[8 + o * bOuter + i * (bl.size + 4) + k * bl.k + n * bl.n]!;
          }
          want[2 + local * (M * N + 3) + m + n * M] = sum;
        }
      }
    }
    const r = compare(out, want, 1e-4, 1e-4);
    expect(r.ok, r.message).toBe(true);
  });

  it('tile choice narrows for small M and respects the device limits', () => {
    expect(chooseTile(256, device.limits)).toEqual({ TILE_M: 64, TILE_N: 64, TILE_K: 16 });
    expect(chooseTile(1, device.limits).TILE_M).toBe(4);
    const t = chooseTile(
      256,
      withLimits({ maxComputeWorkgroupStorageSize: 4096, maxComputeInvocationsPerWorkgroup: 128 }),
    );
    expect((t.TILE_M * t.TILE_N) / 16).toBeLessThanOrEqual(128);
    expect(4 * t.TILE_K * (t.TILE_M + t.TILE_N)).toBeLessThanOrEqual(4096);
  });
});
