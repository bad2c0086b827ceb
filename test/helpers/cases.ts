/**
 * The shared GPU checks of Node and Chromium: golden cases and random geometries
 * for every kernel through the engine, compared with the CPU reference.
 */
import goldenFile from '../golden/cases.json';
import onnxFile from '../golden/onnx-conformance.json';
import { convTransposeCpu } from '../../src/cpu.js';
import type { Engine } from '../../src/gpu/engine.js';
import type { EngineConvOptions } from '../../src/gpu/layer.js';
import type { KernelName } from '../../src/gpu/kernel.js';
import { fromOnnx, type OnnxParams } from '../../src/frameworks.js';
import { roundToHalf, toHalf } from '../../src/half.js';
import { compare, compareHalf, randomCase, rng, type RandomCase } from './check.js';

/** One golden case, as test/golden/README.md documents. */
export interface GoldenCase {
  name: string;
  inputShape: number[];
  filterShape: number[];
  options: Record<string, unknown>;
  outputShape: number[];
  input: number[];
  filter: number[];
  expected: number[];
  atol: number;
  rtol: number;
}

/** The golden cases (test/golden/cases.json). */
export const GOLDEN: GoldenCase[] = (goldenFile as unknown as { cases: GoldenCase[] }).cases;

/** A golden case's options with `bias` as a Float32Array. */
export function goldenOptions(c: GoldenCase): EngineConvOptions {
  const o = { ...c.options } as EngineConvOptions & { bias?: unknown };
  if (Array.isArray(o.bias)) o.bias = new Float32Array(o.bias as number[]);
  return o;
}

/** `count` random cases from a seed. */
export function randomCases(seed: number, count: number): RandomCase[] {
  const rand = rng(seed);
  return Array.from({ length: count }, (_, i) => randomCase(rand, i));
}

/** Failure messages (empty when all pass) of running `cases` on `kernel`, all at once, vs the CPU reference. */
export async function checkCases(
  engine: Engine,
  kernel: KernelName,
  cases: RandomCase[],
  atol = 1e-4,
  rtol = 1e-4,
): Promise<string[]> {
  const results = await Promise.all(
    cases.map((c) =>
      engine.convTranspose(c.input, c.inputShape, c.filter, c.filterShape, { ...c.options, kernel }).then(
        (r) => r,
        (e: unknown) => e as Error,
      ),
    ),
  );
  const failures: string[] = [];
  cases.forEach((c, i) => {
    const r = results[i]!;
    if (r instanceof Error) {
      failures.push(`${c.name}: threw ${r.message}`);
      return;
    }
    const ref = convTransposeCpu(c.input, c.inputShape, c.filter, c.filterShape, c.options);
    if (r.kernel !== kernel) failures.push(`${c.name}: ran ${r.kernel}, not ${kernel}`);
    if (r.shape.join() !== ref.shape.join()) failures.push(`${c.name}: shape ${r.shape} ≠ ${ref.shape}`);
    const cmp = compare(r.data, ref.data, atol, rtol);
    if (!cmp.ok) failures.push(`${c.name}: ${cmp.message}`);
  });
  return failures;
}

/** Failure messages of the golden cases on `kernel`: vs the CPU reference (1e-4) and vs PyTorch's values. */
export async function checkGolden(engine: Engine, kernel: KernelName): Promise<string[]> {
  const failures: string[] = [];
  await Promise.all(
    GOLDEN.map(async (c) => {
      const options = goldenOptions(c);
      const input = new Float32Array(c.input);
      const filter = new Float32Array(c.filter);
      let r;
      try {
        r = await engine.convTranspose2d(input, c.inputShape, filter, c.filterShape, { ...options, kernel });
      } catch (e) {
        failures.push(`${c.name}: threw ${(e as Error).message}`);
        return;
      }
      const ref = convTransposeCpu(input, c.inputShape, filter, c.filterShape, options);
      const vsCpu = compare(r.data, ref.data, 1e-4, 1e-4);
      if (!vsCpu.ok) failures.push(`${c.name} vs CPU: ${vsCpu.message}`);
      const vsTorch = compare(r.data, new Float32Array(c.expected), Math.max(c.atol, 1e-4), Math.max(c.rtol, 1e-4));
      if (!vsTorch.ok) failures.push(`${c.name} vs PyTorch: ${vsTorch.message}`);
      if (r.shape.join() !== c.outputShape.join()) failures.push(`${c.name}: shape ${r.shape} ≠ ${c.outputShape}`);
    }),
  );
  return failures;
}

/** One case of the ONNX backend node test suite (test/golden/onnx-conformance.json). */
export interface OnnxConformanceCase {
  name: string;
  /** The node's attributes, as `fromOnnx` takes them. */
  attributes: OnnxParams;
  inputShape: number[];
  filterShape: number[];
  outputShape: number[];
  input: number[];
  filter: number[];
  expected: number[];
}

/** The ConvTranspose cases of the ONNX backend node test suite. */
export const ONNX_CONFORMANCE: OnnxConformanceCase[] = (onnxFile as unknown as { cases: OnnxConformanceCase[] }).cases;

/**
 * Failure messages of the ONNX conformance cases on `kernel`, through `fromOnnx`: the suite's
 * values are integers that float32 holds exactly, so every kernel must give them exactly.
 */
export async function checkOnnxConformance(engine: Engine, kernel: KernelName): Promise<string[]> {
  const failures: string[] = [];
  for (const c of ONNX_CONFORMANCE) {
    try {
      const options = fromOnnx(c.attributes, c.inputShape, c.filterShape);
      const r = await engine.convTranspose(
        new Float32Array(c.input),
        c.inputShape,
        new Float32Array(c.filter),
        c.filterShape,
        { ...options, kernel },
      );
      if (r.shape.join() !== c.outputShape.join()) failures.push(`${c.name}: shape ${r.shape} ≠ ${c.outputShape}`);
      const cmp = compare(r.data, new Float32Array(c.expected), 0, 0);
      if (!cmp.ok) failures.push(`${c.name}: ${cmp.message}`);
    } catch (e) {
      failures.push(`${c.name}: threw ${(e as Error).message}`);
    }
  }
  return failures;
}

/**
 * Failure messages of running `cases` on `kernel` in float16: the data rounded to half, run
 * with `dtype: 'float16'`, against the float64 CPU reference of the same half-rounded data
 * within one half ulp (see compareHalf).
 */
export async function checkCasesHalf(engine: Engine, kernel: KernelName, cases: RandomCase[]): Promise<string[]> {
  const half = cases.map((c) => {
    const options = { ...c.options };
    if (options.bias) options.bias = roundToHalf(options.bias);
    return { ...c, input: roundToHalf(c.input), filter: roundToHalf(c.filter), options };
  });
  const results = await Promise.all(
    half.map((c) =>
      engine
        .convTranspose(toHalf(c.input), c.inputShape, toHalf(c.filter), c.filterShape, {
          ...c.options,
          kernel,
          dtype: 'float16',
        })
        .then(
          (r) => r,
          (e: unknown) => e as Error,
        ),
    ),
  );
  const failures: string[] = [];
  half.forEach((c, i) => {
    const r = results[i]!;
    if (r instanceof Error) {
      failures.push(`${c.name}: threw ${r.message}`);
      return;
    }
    const ref = convTransposeCpu(c.input, c.inputShape, c.filter, c.filterShape, c.options);
    if (r.kernel !== kernel) failures.push(`${c.name}: ran ${r.kernel}, not ${kernel}`);
    const cmp = compareHalf(r.data, ref.data);
    if (!cmp.ok) failures.push(`${c.name}: ${cmp.message}`);
  });
  return failures;
}
