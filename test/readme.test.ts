// The README's examples must run as written: test/global-setup.ts extracts them, this runs the
// Node ones on Dawn + SwiftShader and checks what they print (the browser one runs in
// test/browser/readme.test.ts).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readmeExamples } from './global-setup.js';

const root = join(import.meta.dirname, '..');

/**
 * The Node examples, in README order: In Node, audio, volume, float16, the generator, the
 * PyTorch port, TF.js, shipping only some kernels.
 */
const EXAMPLES = readmeExamples('node');

/** Writes an example into the repo (so its imports resolve), runs it and returns what it printed. */
async function run(index: number, name: string, examples = EXAMPLES): Promise<unknown[][]> {
  const dir = join(root, 'test', 'generated');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.mjs`);
  writeFileSync(file, examples[index]!);
  const printed: unknown[][] = [];
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void printed.push(args));
  await import(/* @vite-ignore */ file);
  return printed;
}

/** The arguments of the line printed with `label` first. */
function line(printed: unknown[][], label: string): unknown[] {
  const found = printed.find((a) => a[0] === label);
  expect(found, `the example prints '${label}'`).toBeDefined();
  return found!;
}

afterEach(() => vi.restoreAllMocks());

describe('README examples (GPU: Dawn + SwiftShader in Node)', () => {
  it('has the eight Node examples, and every ```js block of the README is an example that runs', () => {
    expect(EXAMPLES).toHaveLength(8);
    const blocks = readFileSync(join(root, 'README.md'), 'utf8').match(/^```js$/gm) ?? [];
    const all = EXAMPLES.length + readmeExamples('browser').length + readmeExamples('install').length;
    expect(blocks.length).toBe(all);
  });

  it('"Install": an engine on WebGPU from the webgpu package', async () => {
    const printed = await run(0, 'readme-install', readmeExamples('install'));
    expect(printed).toEqual([['webgpu']]);
  });

  it('"In Node": one call and one prepared layer, on WebGPU', async () => {
    const printed = await run(0, 'readme-node');
    expect(line(printed, 'backend')[1]).toBe('webgpu');
    expect(line(printed, 'shape')[1]).toEqual([1, 3, 8, 8]);
    expect(printed.length).toBeGreaterThanOrEqual(4);
  });

  it('"Audio": a PyTorch ConvTranspose1d stack', async () => {
    const [, shape, samples] = line(await run(1, 'readme-audio'), 'audio');
    expect(shape).toEqual([1, 1, 6400]);
    expect(samples).toBe(6400);
  });

  it('"Volumes": a PyTorch ConvTranspose3d', async () => {
    const [, shape, kernel] = line(await run(2, 'readme-volume'), 'volume');
    expect(shape).toEqual([1, 8, 12, 12, 12]);
    expect(typeof kernel).toBe('string');
  });

  it('"float16": half weights from a file, a float16 layer', async () => {
    const printed = await run(3, 'readme-float16');
    const [, dtype, shape, storage] = line(printed, 'float16');
    expect([dtype, shape]).toEqual(['float16', [1, 4, 32, 32]]);
    expect(['f16', 'f16-packed']).toContain(storage);
    const [, values, bits] = line(printed, 'values') as [string, Float32Array, Uint16Array];
    expect(values).toHaveLength(4);
    expect(bits).toHaveLength(4);
  });

  it('"A decoder on the GPU": the generator from createEngine to the images', async () => {
    const printed = await run(4, 'readme-generator');
    const [, shape, min, max] = line(printed, 'images') as [string, number[], number, number];
    expect(shape).toEqual([2, 3, 32, 32]);
    expect(min).toBeGreaterThan(-1);
    expect(max).toBeLessThan(1);
    expect(max - min).toBeGreaterThan(0.01);
    // Everything left is the engine's capped pool of reusable buffers.
    const memory = line(printed, 'memory')[1] as Record<string, number>;
    expect(memory.buffers).toBe(memory.pooledBuffers);
    expect(memory.bytes).toBe(memory.pooledBytes);
  });

  it('"Port a PyTorch decoder": the trained glyph decoder from its manifest', async () => {
    const [, shape, font, inked] = line(await run(5, 'readme-port'), 'glyph');
    expect(shape).toEqual([1, 1, 64, 64]);
    expect(typeof font).toBe('string');
    expect(inked).toBe(true);
  });

  it('"TF.js drop-in": a tf.layers generator before and after registerTfjsKernels', async () => {
    const [, length, difference] = line(await run(6, 'readme-tfjs'), 'tfjs') as [string, number, number];
    expect(length).toBe(16 * 16 * 3);
    expect(difference).toBeLessThan(1e-5);
  });

  it('"Shipping only some kernels": an engine of webgpu-deconv/core with three kernels', async () => {
    const [, kernels, shape, kernel] = line(await run(7, 'readme-core'), 'core');
    expect(kernels).toEqual(['subpixel', 'scatter', 'gemm-col2im']);
    expect(shape).toEqual([1, 3, 7, 7]);
    expect(kernels).toContain(kernel);
  });
});
