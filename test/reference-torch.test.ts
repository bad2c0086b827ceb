import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { convTranspose2dCpu } from '../src/cpu.js';
import { fromTorch } from '../src/frameworks.js';
import type { ConvTranspose2dOptions } from '../src/types.js';
import type { TorchParams } from '../src/frameworks.js';
import { maxViolation } from './helpers/tensors.js';

/** One entry of test/golden/torch.json (see test/golden/README.md). */
interface TorchCase {
  name: string;
  params: TorchParams;
  inputShape: number[];
  weightShape: number[];
  input: number[];
  weight: number[];
  bias: number[] | null;
  outputShape: number[];
  expected: number[];
}

/** One entry of test/golden/cases.json. */
interface GoldenCase {
  name: string;
  source: 'pytorch' | 'pytorch+crop';
  inputShape: number[];
  filterShape: number[];
  options: Omit<ConvTranspose2dOptions, 'bias'> & { bias?: number[] };
  outputShape: number[];
  input: number[];
  filter: number[];
  expected: number[];
  atol: number;
  rtol: number;
}

function load<T>(name: string): T[] {
  const file = new URL(`./golden/${name}`, import.meta.url);
  return (JSON.parse(readFileSync(file, 'utf8')) as { cases: T[] }).cases;
}

const torchCases = load<TorchCase>('torch.json');
const goldenCases = load<GoldenCase>('cases.json');

describe('PyTorch nn.ConvTranspose2d goldens (torch.json) through fromTorch', () => {
  it('has enough cases, covering groups, dilation, output_padding, output_size, batch and bias', () => {
    expect(torchCases.length).toBeGreaterThanOrEqual(30);
    expect(torchCases.some((c) => (c.params.groups ?? 1) > 1)).toBe(true);
    expect(torchCases.some((c) => c.params.outputSize)).toBe(true);
    expect(torchCases.some((c) => c.bias)).toBe(true);
    expect(torchCases.some((c) => c.inputShape[0]! > 1)).toBe(true);
    expect(torchCases.some((c) => JSON.stringify(c.params.dilation) !== '[1,1]')).toBe(true);
  });

  it.each(torchCases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const options = fromTorch(c.params, c.inputShape, c.weightShape);
    if (c.bias) options.bias = new Float32Array(c.bias);
    const y = convTranspose2dCpu(
      new Float32Array(c.input),
      c.inputShape,
      new Float32Array(c.weight),
      c.weightShape,
      options,
    );
    expect(y.shape).toEqual(c.outputShape);
    expect(maxViolation(y.data, c.expected, 1e-6, 1e-6)).toBeLessThanOrEqual(1);
  });
});

describe('canonical golden cases (cases.json) on the CPU reference', () => {
  it('has ~30 cases from PyTorch', () => {
    expect(goldenCases.length).toBeGreaterThanOrEqual(30);
    expect(new Set(goldenCases.map((c) => c.name)).size).toBe(goldenCases.length);
  });

  it.each(goldenCases.map((c) => [`${c.name} (${c.source})`, c] as const))('%s', (_name, c) => {
    const options: ConvTranspose2dOptions = {
      ...c.options,
      bias: c.options.bias ? new Float32Array(c.options.bias) : undefined,
    };
    const y = convTranspose2dCpu(
      new Float32Array(c.input),
      c.inputShape,
      new Float32Array(c.filter),
      c.filterShape,
      options,
    );
    expect(y.shape).toEqual(c.outputShape);
    // The CPU reference accumulates in float64: hold it to a tighter bound than the GPU tests.
    expect(maxViolation(y.data, c.expected, Math.min(c.atol, 1e-6), Math.min(c.rtol, 1e-6))).toBeLessThanOrEqual(1);
  });
});
