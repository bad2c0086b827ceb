// The README's examples must run as written: this extracts them, runs them on
// Dawn + SwiftShader, and checks what they print.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';

const root = join(import.meta.dirname, '..');

/** The ```js blocks marked `<!-- readme-example -->`, in order. */
function readmeExamples(): string[] {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/<!-- readme-example -->\s*```js\n([\s\S]*?)```/g)].map((m) => m[1]!);
  if (blocks.length < 2) throw new Error('README.md should have two ```js examples after <!-- readme-example -->');
  return blocks;
}

/** Writes an example into the repo (so its imports resolve), runs it and returns what it printed. */
async function run(code: string, name: string): Promise<unknown[][]> {
  const dir = join(root, 'test', 'generated');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.mjs`);
  writeFileSync(file, code);
  const printed: unknown[][] = [];
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void printed.push(args));
  await import(/* @vite-ignore */ file);
  return printed;
}

afterEach(() => vi.restoreAllMocks());

describe('README examples (GPU: Dawn + SwiftShader in Node)', () => {
  it('"In Node": one call and one prepared layer', async () => {
    const printed = await run(readmeExamples()[0]!, 'readme-node');
    expect(printed.find((a) => a[0] === 'shape')?.[1]).toEqual([1, 3, 8, 8]);
    expect(printed.length).toBeGreaterThanOrEqual(3);
  });

  it('"A decoder on the GPU": the generator from createEngine to the images', async () => {
    const printed = await run(readmeExamples()[1]!, 'readme-generator');
    const images = printed.find((a) => a[0] === 'images');
    expect(images, 'the example prints its images').toBeDefined();
    const [, shape, min, max] = images as [string, number[], number, number];
    expect(shape).toEqual([2, 3, 32, 32]);
    expect(min).toBeGreaterThan(-1);
    expect(max).toBeLessThan(1);
    expect(max - min).toBeGreaterThan(0.01);
    // Everything left is the engine's capped pool of reusable buffers.
    const memory = printed.find((a) => a[0] === 'memory')?.[1] as Record<string, number>;
    expect(memory.buffers).toBe(memory.pooledBuffers);
    expect(memory.bytes).toBe(memory.pooledBytes);
  });
});
