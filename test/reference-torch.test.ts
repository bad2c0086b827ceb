import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { convTranspose2dCpu, convTransposeCpu } from '../src/cpu.js';
import { fromTorch } from '../src/frameworks.js';
import type { ConvTranspose2dOptions, ConvTransposeOptions } from '../src/types.js';
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

/** One entry of test/golden/cases.json (2-D options) or cases-nd.json (1-D and 3-D). */
interface GoldenCase<O extends ConvTransposeOptions = ConvTranspose2dOptions> {
  name: string;
  source: 'pytorch' | 'pytorch+crop';
  inputShape: number[];
  filterShape: number[];
  options: Omit<O, 'bias'> & { bias?: number[] };
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
const torchNdCases = load<TorchCase>('torch-nd.json');
const goldenNdCases = load<GoldenCase<ConvTransposeOptions>>('cases-nd.json');

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

describe('PyTorch nn.ConvTranspose1d / nn.ConvTranspose3d goldens (torch-nd.json) through fromTorch', () => {
  it('has decoder layers and random cases of both ranks, with groups, dilation, output_size, batch and bias', () => {
    const ranks = torchNdCases.map((c) => c.inputShape.length - 2);
    expect(ranks.filter((r) => r === 1).length).toBeGreaterThanOrEqual(30);
    expect(ranks.filter((r) => r === 3).length).toBeGreaterThanOrEqual(20);
    for (const name of ['hifigan_k16_s8_p4', 'kokoro_k20_s10_p5', 'depthwise_k12_s2_p5_g4', 'unet3d_k4_s2_p1']) {
      expect(torchNdCases.some((c) => c.name === name)).toBe(true);
    }
    expect(torchNdCases.some((c) => (c.params.groups ?? 1) > 1)).toBe(true);
    expect(torchNdCases.some((c) => c.params.outputSize && c.params.outputSize.length > c.inputShape.length - 2)).toBe(
      true,
    );
    expect(
      torchNdCases.some((c) => c.params.outputSize && c.params.outputSize.length === c.inputShape.length - 2),
    ).toBe(true);
    expect(torchNdCases.some((c) => c.bias)).toBe(true);
    expect(torchNdCases.some((c) => c.inputShape[0]! > 1)).toBe(true);
    expect(torchNdCases.some((c) => (c.params.dilation as number[]).some((d) => d > 1))).toBe(true);
  });

  it.each(torchNdCases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const options: ConvTransposeOptions = fromTorch(c.params, c.inputShape, c.weightShape);
    const y = convTransposeCpu(new Float32Array(c.input), c.inputShape, new Float32Array(c.weight), c.weightShape, {
      ...options,
      bias: c.bias ? new Float32Array(c.bias) : undefined,
    });
    expect(y.shape).toEqual(c.outputShape);
    expect(maxViolation(y.data, c.expected, 1e-6, 1e-6)).toBeLessThanOrEqual(1);
  });
});

describe('canonical 1-D and 3-D golden cases (cases-nd.json) on the CPU reference', () => {
  it('covers both ranks, every layout, crops, groups, bias and activation', () => {
    expect(new Set(goldenNdCases.map((c) => c.name)).size).toBe(goldenNdCases.length);
    const layouts = new Set(goldenNdCases.flatMap((c) => [c.options.inputLayout ?? '', c.options.filterLayout ?? '']));
    for (const l of ['nwc', 'woi', 'owi', 'ndhwc', 'dhwoi', 'odhwi']) expect(layouts.has(l), l).toBe(true);
    expect(goldenNdCases.filter((c) => c.inputShape.length === 3).length).toBeGreaterThanOrEqual(12);
    expect(goldenNdCases.filter((c) => c.inputShape.length === 5).length).toBeGreaterThanOrEqual(6);
  });

  it.each(goldenNdCases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const y = convTransposeCpu(new Float32Array(c.input), c.inputShape, new Float32Array(c.filter), c.filterShape, {
      ...c.options,
      bias: c.options.bias ? new Float32Array(c.options.bias) : undefined,
    });
    expect(y.shape).toEqual(c.outputShape);
    expect(maxViolation(y.data, c.expected, Math.min(c.atol, 1e-6), Math.min(c.rtol, 1e-6))).toBeLessThanOrEqual(1);
  });
});
