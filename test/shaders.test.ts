// CPU-only checks of the WGSL sources: each file documents itself, reflects, and the
// helper functions WGSL makes every file repeat (it has no includes) stay identical.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reflectShader } from '../src/gpu/reflect.js';

const dir = join(import.meta.dirname, '..', 'shaders');
const shaders = readdirSync(dir)
  .filter((f) => f.endsWith('.wgsl'))
  .map((f) => ({ name: f, code: readFileSync(join(dir, f), 'utf8') }));

/** The text of `fn name(...) { ... }` up to its closing brace at column 0. */
function fnText(code: string, name: string): string | null {
  const start = code.indexOf(`fn ${name}(`);
  if (start < 0) return null;
  const end = code.indexOf('\n}\n', start);
  return code.slice(start, end + 2);
}

describe('shaders/*.wgsl (CPU-only)', () => {
  it('has kernels', () => expect(shaders.length).toBeGreaterThanOrEqual(5));

  it.each(shaders.map((s) => [s.name, s.code] as const))('%s opens with a comment and reflects', (_, code) => {
    expect(code.trimStart().startsWith('//')).toBe(true);
    const r = reflectShader(code);
    expect(r.entries.size).toBeGreaterThan(0);
    expect(r.uniform, 'a `var<uniform> params` block').not.toBeNull();
  });

  it.each(['erf_approx', 'activate', 'linear_id'])('every copy of fn %s is the same', (name) => {
    const copies = new Map<string, string[]>();
    for (const s of shaders) {
      const text = fnText(s.code, name);
      if (text === null) continue;
      copies.set(text, [...(copies.get(text) ?? []), s.name]);
    }
    expect([...copies.values()], `differing copies of ${name}`).toHaveLength(copies.size ? 1 : 0);
  });
});
