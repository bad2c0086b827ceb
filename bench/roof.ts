/**
 * The practical roof: our engine's plain row-major GEMM (`encodeMatmul`) on a square
 * problem, timed like the layers in both its variants. The faster variant's rate is the
 * roof, and it is timed again in every later layer's rounds.
 *
 * The GEMM is the library's own (src/gpu/kernels/gemm/), the one gemm-col2im runs.
 */
import { CallContext } from '../src/gpu/context.js';
import type { KernelContext } from '../src/gpu/kernel.js';
import { encodeMatmul } from '../src/gpu/kernels/gemm/index.js';
import { compare, fmtMs, median, random, type Tolerance } from './data.js';
import { message, timeRuns, type BenchGpu, type Prepared } from './gpu.js';
import type { BenchConfig, RoofResult } from './types.js';

/** The GEMM's two variants: 8×8 register blocks (software adapters) and workgroup tiles. */
export type GemmVariant = 'registers' | 'tiled';

/** What the roof needs of the GEMM module. */
interface GemmModule {
  /** C = A·B, row-major, densely packed (A: M×K, B: K×N, C: M×N), in the context's storage. */
  encodeMatmul(
    ctx: KernelContext,
    a: GPUBuffer,
    b: GPUBuffer,
    c: GPUBuffer,
    M: number,
    N: number,
    K: number,
    variant?: GemmVariant,
  ): void;
}

/** Side of the square GEMM that measures the practical roof (smaller in a smoke run). */
export function roofSize(config: BenchConfig): number {
  return config.smoke ? 128 : 512;
}

/** Row-major n×n product in float64, the GEMM's reference. */
function matmulCpu(a: Float32Array, b: Float32Array, n: number): Float32Array {
  const c = new Float32Array(n * n);
  const row = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    row.fill(0);
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k]!;
      for (let j = 0; j < n; j++) row[j] = row[j]! + aik * b[k * n + j]!;
    }
    c.set(row, i * n);
  }
  return c;
}

/** A plain GEMM prepared like a layer variant, with its float64 reference. */
export type PreparedGemm = Prepared & { ref: Float32Array };

function prepareGemm(gpu: BenchGpu, gemm: GemmModule, variant: GemmVariant, n: number): PreparedGemm {
  const device = gpu.device;
  const aData = random(n * n, 1);
  const bData = random(n * n, 2, 1 / Math.sqrt(n));
  const a = gpu.storage(aData, 'gemm:a');
  const b = gpu.storage(bData, 'gemm:b');
  const c = gpu.storage(n * n, 'gemm:c');
  return {
    ref: matmulCpu(aData, bData, n),
    run() {
      const ctx = new CallContext(device, { software: variant === 'registers' });
      gemm.encodeMatmul(ctx, a, b, c, n, n, n, variant);
      const encoder = device.createCommandEncoder({ label: 'gemm' });
      ctx.encode(encoder);
      device.queue.submit([encoder.finish()]);
      ctx.release();
    },
    sync: () => gpu.tinyReadback(c),
    read: () => gpu.read(c, n * n),
    dispose() {
      a.destroy();
      b.destroy();
      c.destroy();
    },
  };
}

/** The faster GEMM variant, prepared once and timed again in every later layer's rounds. */
export interface RoofGemm {
  p: PreparedGemm;
  variant: GemmVariant;
  runs: number;
  n: number;
}

/**
 * Times both GEMM variants on an n³ problem and checks them against the CPU product;
 * returns the result and the faster variant, prepared (or null).
 */
export async function measureRoof(
  gpu: BenchGpu,
  config: BenchConfig,
  tol: Tolerance,
  progress: (line: string) => void,
): Promise<{ result: RoofResult; best: RoofGemm | null }> {
  const n = roofSize(config);
  const gemm: GemmModule = { encodeMatmul };
  const variants: { variant: GemmVariant; ms: number; p: PreparedGemm; runs: number }[] = [];
  const errors: string[] = [];
  for (const variant of ['registers', 'tiled'] as const) {
    let p: PreparedGemm | null = null;
    try {
      const g = gemm;
      const made = await gpu.charged(`gemm:${variant}`, async () => {
        p = prepareGemm(gpu, g, variant, n);
        await timeRuns(p, 1);
        const one = await timeRuns(p, 1);
        const runs = Math.max(1, Math.min(config.maxRunsPerRound, Math.round(config.targetRoundMs / one)));
        const samples: number[] = [];
        for (let r = 0; r < config.rounds; r++) samples.push(await timeRuns(p, runs));
        return { runs, ms: median(samples) };
      });
      const check = compare(await p!.read(), p!.ref, tol);
      if (!(check.errRatio <= 1)) throw new Error(`differs from the CPU product: max |err| ${check.maxAbsErr}`);
      variants.push({ variant, ms: made.ms, p: p!, runs: made.runs });
      p = null;
      progress(`  gemm ${variant} ${n}³: ${fmtMs(made.ms)} ms, ${((2 * n ** 3) / (made.ms * 1e6)).toFixed(2)} GFLOP/s`);
    } catch (e) {
      errors.push(`${variant}: ${message(e)}`);
    } finally {
      (p as PreparedGemm | null)?.dispose();
    }
  }
  const best = variants.sort((x, y) => x.ms - y.ms)[0];
  for (const v of variants) if (v !== best) v.p.dispose();
  if (!best) return { result: { status: 'error', message: errors.join('; ') }, best: null };
  return {
    result: {
      status: 'ok',
      m: n,
      n,
      k: n,
      variant: best.variant,
      medianMs: best.ms,
      gflops: (2 * n ** 3) / (best.ms * 1e6),
      variants: Object.fromEntries(variants.map((v) => [v.variant, (2 * n ** 3) / (v.ms * 1e6)])),
      ...(errors.length ? { message: errors.join('; ') } : {}),
    },
    best: { p: best.p, variant: best.variant, runs: best.runs, n },
  };
}
