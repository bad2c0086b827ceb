/**
 * The page's device and what every measurement shares: buffers, waits, readbacks, the
 * charging of uncaptured WebGPU errors to the variant that caused them, and the timing
 * of prepared variants in interleaved rounds.
 */
import type { BenchConfig } from './types.js';
import { fmtMs, median } from './data.js';

/** One engine, kernel or GEMM, prepared with its data resident on the GPU. */
export interface Prepared {
  /** Enqueues one run. */
  run(): void | Promise<void>;
  /** Waits for every enqueued run (a 4-byte readback of the last output, or the queue). */
  sync(): Promise<void>;
  /** The last output, channels first. */
  read(): Promise<Float32Array>;
  dispose(): void;
  /** For our engine: the kernel a layer uses. */
  chosenKernel?: () => string | undefined;
}

/** A variant that cannot run for a reason known in advance. */
export class Skip extends Error {
  constructor(
    readonly status: 'unsupported' | 'n/a',
    message: string,
  ) {
    super(message);
  }
}

/** An error's text, with its class name unless it is a plain Error. */
export function message(e: unknown): string {
  return e instanceof Error ? `${e.name === 'Error' ? '' : `${e.name}: `}${e.message}` : String(e);
}

function align16(bytes: number): number {
  return Math.max(16, Math.ceil(bytes / 16) * 16);
}

/** The device every engine shares, with the helpers the measurements need. */
export class BenchGpu {
  private readonly staging: GPUBuffer;
  /** The variant running now, so that an uncaptured WebGPU error is charged to it. */
  private current: { id: string; errors: string[] } | null = null;

  constructor(
    readonly device: GPUDevice,
    private readonly progress: (line: string) => void,
  ) {
    this.staging = device.createBuffer({
      label: 'bench:sync',
      size: 4,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    device.addEventListener('uncapturederror', (event) => {
      const text = (event as GPUUncapturedErrorEvent).error.message;
      if (this.current) this.current.errors.push(text);
      else progress(`WebGPU error outside any variant: ${text}`);
    });
  }

  /** Runs `fn` as variant `id`: an uncaptured WebGPU error during it makes it throw. */
  async charged<T>(id: string, fn: () => Promise<T> | T): Promise<T> {
    const mine = { id, errors: [] as string[] };
    this.current = mine;
    try {
      const result = await fn();
      if (mine.errors.length) throw new Error(mine.errors.join('; '));
      return result;
    } finally {
      this.current = null;
    }
  }

  /** A storage buffer holding `data`, or `floats` zeros. */
  storage(data: Float32Array<ArrayBuffer> | number, label: string): GPUBuffer {
    const floats = typeof data === 'number' ? data : data.length;
    const buffer = this.device.createBuffer({
      label: `bench:${label}`,
      size: align16(floats * 4),
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
    if (typeof data !== 'number') this.device.queue.writeBuffer(buffer, 0, data);
    return buffer;
  }

  /** Copies 4 bytes of `buffer` out and maps them: waits for all work submitted before. */
  async tinyReadback(buffer: GPUBuffer): Promise<void> {
    const encoder = this.device.createCommandEncoder({ label: 'bench:sync' });
    encoder.copyBufferToBuffer(buffer, 0, this.staging, 0, 4);
    this.device.queue.submit([encoder.finish()]);
    await this.staging.mapAsync(GPUMapMode.READ);
    this.staging.unmap();
  }

  /** The first `floats` float32 values of a buffer. */
  async read(buffer: GPUBuffer, floats: number): Promise<Float32Array> {
    const staging = this.device.createBuffer({
      label: 'bench:read',
      size: align16(floats * 4),
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    const encoder = this.device.createCommandEncoder({ label: 'bench:read' });
    encoder.copyBufferToBuffer(buffer, 0, staging, 0, staging.size);
    this.device.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const out = new Float32Array(staging.getMappedRange().slice(0, floats * 4));
    staging.destroy();
    return out;
  }
}

/** Mean ms per run of `runs` runs enqueued back to back and one wait at the end. */
export async function timeRuns(p: Prepared, runs: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) await p.run();
  await p.sync();
  return (performance.now() - t0) / runs;
}

/** A prepared variant with its round plan and samples. */
export interface Timed {
  id: string;
  p: Prepared;
  /** Runs per round. */
  runs: number;
  /** Rounds it takes part in (fewer for slow variants). */
  rounds: number;
  /** ms per run, one per round. */
  samples: number[];
  /** Set when a round failed; it then leaves the rounds. */
  error?: string;
}

/**
 * Runs a prepared variant once (compiling its pipelines), `warmups` more times untimed, then
 * once more to choose the runs per round; returns the first run's time and the plan. The
 * choice rests on a run after compilation: on a software adapter compiling takes seconds,
 * more on a busy host, and would otherwise pass a fast variant for a slow one.
 */
export async function calibrate(
  gpu: BenchGpu,
  id: string,
  p: Prepared,
  config: BenchConfig,
  warmups = 0,
): Promise<{ timed: Timed; firstRunMs: number; oneMs: number }> {
  return gpu.charged(id, async () => {
    const firstRunMs = await timeRuns(p, 1);
    for (let i = 0; i < warmups; i++) await timeRuns(p, 1);
    const oneMs = await timeRuns(p, 1);
    const runs = Math.max(1, Math.min(config.maxRunsPerRound, Math.round(config.targetRoundMs / oneMs)));
    const rounds = oneMs > config.slowRunMs ? Math.min(3, config.rounds) : config.rounds;
    return { timed: { id, p, runs, rounds, samples: [] }, firstRunMs, oneMs };
  });
}

/**
 * Timed rounds, interleaved across variants so that a burst of background load hits them
 * alike; `before` runs at the start of each variant's turn, untimed (e.g. to switch TF.js's kernels).
 */
export async function interleave(
  gpu: BenchGpu,
  entries: Timed[],
  rounds: number,
  hooks: { before?: (t: Timed) => Promise<void>; after?: (t: Timed) => void } = {},
): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    for (const t of entries) {
      if (round >= t.rounds || t.error !== undefined) continue;
      try {
        await gpu.charged(t.id, async () => {
          await hooks.before?.(t);
          try {
            t.samples.push(await timeRuns(t.p, t.runs));
          } finally {
            hooks.after?.(t);
          }
        });
      } catch (e) {
        t.error = message(e);
      }
    }
  }
}

/** One line of progress for a calibrated variant. */
export function calibrationLine(id: string, firstRunMs: number, oneMs: number, t: Timed): string {
  return `  ${id.padEnd(20)} first run ${fmtMs(firstRunMs)} ms, then ~${fmtMs(oneMs)} ms; ${t.runs} run(s) × ${t.rounds} rounds`;
}

/** The median of a variant's samples, or null when it has none. */
export function medianOf(t: Timed): number | null {
  return t.samples.length ? median(t.samples) : null;
}
