// The README's complete example must run as written: this extracts it, runs it on
// Dawn + SwiftShader, and checks what it prints.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';

const root = join(import.meta.dirname, '..');

function readmeExample(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const match = /<!-- readme-example -->\s*```js\n([\s\S]*?)```/.exec(readme);
  if (!match) throw new Error('README.md has no ```js block after <!-- readme-example -->');
  return match[1]!;
}

afterEach(() => vi.restoreAllMocks());

describe('README example (GPU: Dawn + SwiftShader in Node)', () => {
  it('runs the generator from createEngine to the images', async () => {
    const dir = join(root, 'test', 'generated');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'readme-example.mjs');
    writeFileSync(file, readmeExample());
    const printed: unknown[][] = [];
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void printed.push(args));
    await import(/* @vite-ignore */ file);

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
