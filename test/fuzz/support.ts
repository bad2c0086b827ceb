/**
 * The fuzz harness: seeded, time-bounded fast-check runs, and the contract every call of the
 * public API must meet on hostile input — a result, or a DeconvError with a short message
 * naming a parameter, quickly; never another exception, a hang or an unhandled rejection.
 *
 * Environment: FUZZ_SEED (the base seed; default fixed, so the normal test run is
 * reproducible), FUZZ_MS (milliseconds per property; default each property's own CI budget).
 * `npm run fuzz -- --minutes 15` sets both (a random seed, printed).
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { DeconvError, type DeconvErrorCode } from '../../src/errors.js';

/** The base seed: each property derives its own from it and its name. */
export const BASE_SEED = readSeed(process.env.FUZZ_SEED);

function readSeed(text: string | undefined): number {
  if (text === undefined || text === '') return 18_2026;
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new Error(`FUZZ_SEED = ${text}: must be an integer`);
  return n | 0;
}

/** Milliseconds each property runs for, when the environment says (a long run); else the property's default. */
const FUZZ_MS = process.env.FUZZ_MS ? Number(process.env.FUZZ_MS) : null;

/** The time a property runs for (its CI budget unless FUZZ_MS says otherwise). */
export function budget(defaultMs: number): number {
  return FUZZ_MS ?? defaultMs;
}

/** The vitest timeout of a property of `defaultMs`: its budget plus time to shrink and clean up. */
export function testTimeout(defaultMs: number): number {
  return budget(defaultMs) + 90_000;
}

/** FNV-1a of a name: properties get independent seeds from one base seed. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h | 0;
}

/** The seed of a property. */
export function seedFor(name: string): number {
  return (BASE_SEED ^ hash(name)) | 0;
}

/**
 * Runs a property for its time budget (as many runs as fit) from its seed and fails with
 * fast-check's report plus the command that replays it.
 */
export async function runProperty<T>(
  name: string,
  property: fc.IAsyncPropertyWithHooks<T> | fc.IPropertyWithHooks<T>,
  defaultMs: number,
): Promise<void> {
  const ms = budget(defaultMs);
  const seed = seedFor(name);
  const rejections = trackRejections();
  failures.length = 0;
  const t0 = performance.now();
  const details = await fc.check(property as fc.IAsyncProperty<T>, {
    seed,
    numRuns: Number.MAX_SAFE_INTEGER,
    plugins: [fc.interruptAfterTimeLimit(ms)],
  });
  // Let rejections of promises nobody awaited surface before judging.
  await new Promise((r) => setTimeout(r, 20));
  const unhandled = rejections.stop();
  const took = ((performance.now() - t0) / 1000).toFixed(1);
  console.log(`fuzz ${name}: ${details.numRuns} runs in ${took} s (FUZZ_SEED=${BASE_SEED}, seed ${seed})`);
  if (details.failed) {
    throw new Error(
      `fuzz property '${name}' failed (FUZZ_SEED=${BASE_SEED}; replay with ` +
        `FUZZ_SEED=${BASE_SEED} npx vitest run --project node test/fuzz -t '${name}')\n` +
        fc.defaultReportMessage(details) +
        `\nError: ${describe(details.errorInstance)}`,
    );
  }
  // fast-check ignores the outcome of the run the time limit interrupted; its failure counts.
  if (failures.length > 0) throw new Error(`fuzz property '${name}': the last run failed: ${failures[0]}`);
  if (details.numRuns === 0) throw new Error(`fuzz property '${name}': no run completed within ${ms} ms`);
  expect(unhandled, `unhandled rejections during '${name}'`).toEqual([]);
}

/** Collects unhandled promise rejections until `stop()`. */
function trackRejections(): { stop: () => string[] } {
  const seen: string[] = [];
  const onRejection = (reason: unknown) => seen.push(describe(reason));
  process.on('unhandledRejection', onRejection);
  return {
    stop: () => {
      process.off('unhandledRejection', onRejection);
      return seen;
    },
  };
}

/** A short description of a thrown value (never throws). */
export function describe(e: unknown): string {
  try {
    if (e instanceof DeconvError) return `DeconvError(${e.code}, ${e.param}): ${e.message.slice(0, 300)}`;
    if (e instanceof Error) return `${e.constructor.name}: ${e.message.slice(0, 300)}\n${e.stack ?? ''}`;
    return `a thrown ${typeof e}: ${String(e).slice(0, 300)}`;
  } catch {
    return 'a thrown value that cannot be shown';
  }
}

/** Failures of the current property's checks, kept in case fast-check ignores their run (see runProperty). */
const failures: string[] = [];

/** An Error for a broken contract, remembered for {@link runProperty}. */
function broken(message: string): Error {
  failures.push(message);
  return new Error(message);
}

/** Longest message a DeconvError may have. */
export const MAX_MESSAGE = 500;

/** Time a rejection (validation, O(rank)) may take. */
export const REJECT_MS = 50;

/** What a call gave: its value, or the DeconvError it threw (anything else fails the property). */
export type Outcome<T> = { ok: true; value: T; ms: number } | { ok: false; error: DeconvError; ms: number };

/** Checks that a thrown value is a DeconvError a caller can use: a known code, a named parameter, a short message. */
export function checkError(what: string, e: unknown, codes?: readonly DeconvErrorCode[]): DeconvError {
  if (!(e instanceof DeconvError)) throw broken(`${what}: threw something other than a DeconvError: ${describe(e)}`);
  if (typeof e.message !== 'string' || e.message.length === 0 || e.message.length >= MAX_MESSAGE) {
    throw broken(`${what}: DeconvError message of ${e.message?.length} characters: ${e.message?.slice(0, 600)}`);
  }
  if (typeof e.param !== 'string' || e.param.length === 0) {
    throw broken(`${what}: DeconvError names no parameter: ${e.message}`);
  }
  if (/internal error/i.test(e.message)) throw broken(`${what}: an internal error: ${e.message}`);
  if (codes && !codes.includes(e.code)) {
    throw broken(`${what}: DeconvError code ${e.code}, expected one of ${codes.join(', ')}: ${e.message}`);
  }
  return e;
}

function timed<T>(fn: () => T): { value?: T; error?: unknown; threw: boolean; ms: number } {
  const t0 = performance.now();
  try {
    const value = fn();
    return { value, threw: false, ms: performance.now() - t0 };
  } catch (error) {
    return { error, threw: true, ms: performance.now() - t0 };
  }
}

/**
 * Runs a synchronous call: its value, or its DeconvError. A rejection must come within
 * `rejectMs` (default REJECT_MS), and with `acceptMs` a result too. A slow call is timed
 * again (up to three times, the fastest counts), so a pause of the shared machine is not a
 * failure while work that grows with the sizes still is. `fn` must make its own arguments
 * fresh or not depend on them being unchanged.
 */
export function syncOutcome<T>(
  what: string,
  fn: () => T,
  options: { codes?: readonly DeconvErrorCode[]; rejectMs?: number; acceptMs?: number } = {},
): Outcome<T> {
  const limitOf = (threw: boolean) => (threw ? (options.rejectMs ?? REJECT_MS) : (options.acceptMs ?? Infinity));
  let r = timed(fn);
  for (let again = 0; again < 2 && r.ms > limitOf(r.threw); again++) {
    const next = timed(fn);
    if (next.threw === r.threw) r = next.ms < r.ms ? next : r;
    else r = next;
  }
  const limit = limitOf(r.threw);
  const slow = r.ms > limit ? `after ${r.ms.toFixed(1)} ms (limit ${limit} ms)` : null;
  if (!r.threw) {
    if (slow) throw broken(`${what}: answered ${slow}`);
    return { ok: true, value: r.value as T, ms: r.ms };
  }
  const error = checkError(what, r.error, options.codes);
  if (slow) throw broken(`${what}: the DeconvError came ${slow}`);
  return { ok: false, error, ms: r.ms };
}

/** Rejects after `ms`, so a hang fails the property instead of the test run. */
export function within<T>(p: PromiseLike<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still pending after ${ms} ms`)), ms);
  });
  return Promise.race([Promise.resolve(p), limit]).finally(() => clearTimeout(timer));
}

/**
 * Runs an asynchronous call: it must return a promise (never throw synchronously) that
 * settles within `settleMs`, to a value or a DeconvError; a rejection that is only
 * validation must come within REJECT_MS (timed as it was thrown, synchronously, on the call).
 */
export async function asyncOutcome<T>(
  what: string,
  fn: () => Promise<T>,
  options: { codes?: readonly DeconvErrorCode[]; settleMs?: number } = {},
): Promise<Outcome<T>> {
  const t0 = performance.now();
  let p: Promise<T>;
  try {
    p = fn();
  } catch (e) {
    throw broken(`${what}: threw synchronously instead of returning a rejected promise: ${describe(e)}`);
  }
  if (!p || typeof (p as { then?: unknown }).then !== 'function') throw broken(`${what}: returned no promise`);
  try {
    const value = await within(p, options.settleMs ?? 20_000, what);
    return { ok: true, value, ms: performance.now() - t0 };
  } catch (e) {
    if (e instanceof Error && e.message.startsWith(`${what}: still pending`)) throw broken(e.message);
    return { ok: false, error: checkError(what, e, options.codes), ms: performance.now() - t0 };
  }
}

/** The same error (code and parameter) from two paths that must agree. */
export function sameError(what: string, a: DeconvError, b: DeconvError): void {
  if (a.code !== b.code || a.param !== b.param) {
    throw broken(`${what}: ${a.code} ${a.param} (${a.message}) ≠ ${b.code} ${b.param} (${b.message})`);
  }
}
