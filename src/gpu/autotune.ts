/**
 * Opt-in autotune: times the kernels the cost model does not rule out on the
 * engine's own device, once per geometry, and remembers the fastest. The cost
 * model is fitted to one adapter class; timing is what settles close calls on
 * the adapter actually in use.
 */
import { DeconvError } from '../errors.js';
import type { ConvTransposeGeometry } from '../types.js';
import { BufferUsage } from './flags.js';
import { CallContext } from './context.js';
import { encodePieces, withFilterLayout } from './execute.js';
import type { KernelName } from './kernel.js';
import { kernelByName, planWith, splitPieces } from './planner.js';
import type { Runtime } from './runtime.js';
import { elementBytes } from './shader/storage.js';
import type { DType } from './tensor.js';

/** What autotuning chose for a geometry; see `Engine.autotune`. */
export interface AutotuneResult {
  /** The kernel 'auto' uses for this geometry from now on; 'cpu' on the CPU backend. */
  readonly kernel: KernelName | 'cpu';
  /** Median milliseconds per run of each kernel timed (empty when nothing needed timing). */
  readonly ms: Readonly<Partial<Record<KernelName, number>>>;
  /** Why this kernel, in words. */
  readonly reason: string;
}

/** Timed runs per candidate, after one warm-up run (pipeline compilation, pool). */
const RUNS = 3;
/** Candidates whose estimated cost is more than this many times the best estimate are not timed. */
const WITHIN = 4;

/** The fields of a resolved geometry that decide its plan (not the data, bias or activation), and the dtype. */
export function tuneKey(g: ConvTransposeGeometry, dtype: DType = 'float32'): string {
  return JSON.stringify([
    dtype,
    g.inputLayout,
    g.inputShape,
    g.filterLayout,
    g.filterShape,
    g.strides,
    g.dilations,
    g.padding,
    g.outputPadding,
    g.groups,
  ]);
}

/** An engine's tuned choices: one tuning per geometry, one tuning at a time. */
export class Autotuner {
  private readonly results = new Map<string, AutotuneResult>();
  private readonly pending = new Map<string, Promise<AutotuneResult>>();
  /** Tunings run one after another: two at once would time each other. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Bumped on every new result, so prepared layers re-plan shapes they planned untuned. */
  version = 0;
  /** Tunings that ran (not served from the cache). */
  tunings = 0;

  /** The cached result for a geometry, or null. */
  get(g: ConvTransposeGeometry, dtype: DType = 'float32'): AutotuneResult | null {
    return this.results.get(tuneKey(g, dtype)) ?? null;
  }

  /** The result for `g`: cached, already being tuned (the same promise), or tuned now on `rt`. */
  tune(rt: Runtime, g: ConvTransposeGeometry, dtype: DType = 'float32'): Promise<AutotuneResult> {
    const key = tuneKey(g, dtype);
    const done = this.results.get(key);
    if (done) return Promise.resolve(done);
    let p = this.pending.get(key);
    if (!p) {
      p = this.queue
        .then(() => {
          this.tunings++;
          return measure(rt, g, dtype);
        })
        .then((r) => {
          this.results.set(key, r);
          this.version++;
          return r;
        })
        .finally(() => this.pending.delete(key));
      this.queue = p.catch(() => undefined);
      this.pending.set(key, p);
    }
    return p;
  }
}

function result(kernel: KernelName, ms: Partial<Record<KernelName, number>>, reason: string): AutotuneResult {
  return Object.freeze({ kernel, ms: Object.freeze(ms), reason });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Times the candidates for `g` on zero-filled scratch buffers and returns the fastest. */
async function measure(rt: Runtime, g: ConvTransposeGeometry, dtype: DType): Promise<AutotuneResult> {
  rt.checkAlive();
  const env = { limits: rt.limits, ...rt.planEnv(dtype, false) };
  const storage = env.storage;
  const auto = planWith(rt.kernels, g, rt.limits, env);
  const ranked = (Object.entries(auto.costs) as [KernelName, number][]).sort((a, b) => a[1] - b[1]);
  const best = ranked[0]![1];
  const names = ranked.filter(([, c]) => c <= best * WITHIN).map(([n]) => n);
  const max = rt.limits.maxBufferSize;
  const bytes = elementBytes(storage);
  if (g.inputSize * bytes > max || g.outputSize * bytes > max) {
    return result(auto.kernel, {}, `not timed (larger than one buffer); '${auto.kernel}' by the cost model`);
  }
  if (names.length < 2) {
    return result(auto.kernel, {}, `'${auto.kernel}' is the only kernel within ${WITHIN}× of the best estimate`);
  }
  const runners = names.map((name) => {
    const kernel = kernelByName(name, rt.kernels);
    const packed = withFilterLayout(g, kernel.preferredFilterLayout(g.rank));
    return { name, kernel, g: packed, pieces: splitPieces(kernel, packed, env), times: [] as number[], ok: true };
  });
  const held: GPUBuffer[] = [];
  const usage = BufferUsage.STORAGE | BufferUsage.COPY_DST | BufferUsage.COPY_SRC;
  try {
    const { value: buffers, errors } = rt.scoped(() => {
      const take = (bytes: number, what: string) => {
        const b = rt.acquire(bytes, usage, `autotune:${what}`);
        held.push(b);
        return b;
      };
      const bufs = {
        input: take(g.inputSize * bytes, 'input'),
        filter: take(g.filterSize * bytes, 'filter'),
        bias: take(g.outChannels * bytes, 'bias'),
        output: take(g.outputSize * bytes, 'output'),
      };
      // Pooled buffers hold old data; zeros keep the timing free of NaNs and denormals.
      const enc = rt.device.createCommandEncoder({ label: 'autotune:clear' });
      for (const b of held) enc.clearBuffer(b);
      rt.device.queue.submit([enc.finish()]);
      return bufs;
    });
    await errors;
    for (let round = 0; round <= RUNS; round++) {
      for (const r of runners) {
        if (!r.ok) continue;
        await rt.guard(rt.device.queue.onSubmittedWorkDone());
        const t0 = performance.now();
        const { errors: runErrors } = rt.scoped(() => {
          const ctx = new CallContext(rt.device, { ...env, allocator: rt });
          try {
            encodePieces(ctx, r.kernel, r.g, r.pieces, buffers);
            const enc = rt.device.createCommandEncoder({ label: `autotune:${r.name}` });
            ctx.encode(enc);
            rt.device.queue.submit([enc.finish()]);
            ctx.release();
          } catch (e) {
            ctx.release(true);
            throw e;
          }
        });
        await rt.guard(rt.device.queue.onSubmittedWorkDone());
        const ms = performance.now() - t0;
        try {
          await runErrors;
        } catch (e) {
          // A candidate that fails on this device (out of memory) is dropped, not fatal.
          if (rt.lost || (e instanceof DeconvError && e.code === 'DEVICE_LOST')) throw rt.lostError();
          r.ok = false;
          continue;
        }
        if (round > 0) r.times.push(ms);
      }
    }
  } catch (e) {
    throw rt.lost ? rt.lostError() : e;
  } finally {
    held.forEach((b) => rt.release(b));
  }
  const ms: Partial<Record<KernelName, number>> = {};
  let winner: KernelName | null = null;
  for (const r of runners) {
    if (!r.ok) continue;
    ms[r.name] = median(r.times);
    if (winner === null || ms[r.name]! < ms[winner]!) winner = r.name;
  }
  if (winner === null) {
    return result(auto.kernel, {}, `every timed kernel failed on this device; '${auto.kernel}' by the cost model`);
  }
  const list = (Object.entries(ms) as [KernelName, number][])
    .sort((a, b) => a[1] - b[1])
    .map(([n, t]) => `${n} ${t.toFixed(2)} ms`)
    .join(', ');
  return result(winner, ms, `fastest of ${Object.keys(ms).length} kernels timed (${list})`);
}
