// CPU-only checks of the WGSL: every variant every kernel can be asked for, at every rank and
// storage, composes, parses, and has the layout the engine binds and fills it with; and every
// WGSL function is defined once in the sources (shared helpers live in shaders/lib/).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createServer } from 'vite';
import { allKernels, everyShader, STORAGES } from '../src/gpu/kernels/registry.js';
import { generatorsWithoutComments, wgslWithoutComments } from '../vite.config.js';
import { reflectShader } from './helpers/reflect.js';

const root = join(import.meta.dirname, '..');
/** Files under `dir` (recursively) whose names end with `ext`. */
function files(dir: string, ext: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name), ext) : e.name.endsWith(ext) ? [join(dir, e.name)] : [],
  );
}

describe('generated WGSL (CPU-only)', () => {
  const shaders = everyShader();

  it('every kernel has variants at every rank and storage', () => {
    for (const k of allKernels()) {
      for (const rank of [1, 2, 3]) {
        for (const storage of STORAGES)
          expect(k.variants(rank, storage).length, `${k.name} ${rank}-D ${storage}`).toBeGreaterThan(0);
      }
    }
    expect(shaders.length).toBeGreaterThan(50);
  });

  it.each(shaders.map((s) => [s.key, s] as const))('%s: parses with the layout the engine fills', (_key, s) => {
    const r = reflectShader(s.code);
    expect(r.entries.has(s.entryPoint)).toBe(true);
    // Params: same members, offsets, types and size as the composer computed.
    const reflected = [...(r.uniform?.members.values() ?? [])].map((m) => [m.name, m.offset, m.type, m.count]);
    const composed = [...s.uniforms.values()].map((m) => [m.name, m.offset, m.type, m.count]);
    expect(reflected).toEqual(composed);
    expect(r.uniform?.size ?? 0).toBe(s.uniformSize);
    // Bindings: the ones the entry point uses are the declared ones, with the same types.
    const used = r.entries.get(s.entryPoint)!.bindings.map((b) => [b.name, b.binding, b.type]);
    const declared = s.bindings.map((b) => [b.name, b.binding, b.type]);
    for (const b of used) expect(declared).toContainEqual(b);
    for (const o of s.overrides) expect(r.overrides.has(o), o).toBe(true);
  });

  it('defines every WGSL function once across the sources (shaders/lib/*.wgsl and the generators)', () => {
    const sources = [...files(join(root, 'shaders/lib'), '.wgsl'), ...files(join(root, 'src/gpu'), '.ts')];
    const where = new Map<string, string[]>();
    for (const f of sources) {
      const text = readFileSync(f, 'utf8');
      for (const m of text.matchAll(/(?:^|[\s'`"])fn ([A-Za-z_][A-Za-z0-9_]*)\s*\(/gm)) {
        const list = where.get(m[1]!) ?? [];
        if (!list.includes(f)) list.push(f);
        where.set(m[1]!, list);
      }
    }
    // Every shader's entry point is `main`; any other name defined in two files is a copy.
    const twice = [...where.entries()].filter(([name, fs]) => name !== 'main' && fs.length > 1);
    expect(twice.map(([n, fs]) => `${n}: ${fs.join(', ')}`)).toEqual([]);
  });

  it('the shipped generators and shaders/lib (comments stripped by the build) write the same WGSL tokens', async () => {
    const server = await createServer({
      root,
      configFile: false,
      logLevel: 'error',
      appType: 'custom',
      plugins: [wgslWithoutComments(), generatorsWithoutComments()],
      server: { middlewareMode: true, hmr: false, ws: false },
    });
    try {
      const shipped = (await server.ssrLoadModule(
        '/src/gpu/kernels/registry.ts',
      )) as typeof import('../src/gpu/kernels/registry.js');
      const tokens = (code: string) =>
        code
          .replace(/\/\/.*$/gm, '')
          .split(/\s+/)
          .filter(Boolean)
          .join(' ');
      const stripped = shipped.everyShader();
      expect(stripped.map((s) => s.key)).toEqual(shaders.map((s) => s.key));
      stripped.forEach((s, i) => {
        expect(tokens(s.code), s.key).toBe(tokens(shaders[i]!.code));
        // Only the composer's one-line header is left.
        expect(s.code.match(/\/\//g)?.length ?? 0, s.key).toBeLessThanOrEqual(1);
        expect(s.code.length, s.key).toBeLessThan(shaders[i]!.code.length);
      });
    } finally {
      await server.close();
    }
  });

  it('shared modules open with a comment saying what they provide', () => {
    for (const f of files(join(root, 'shaders/lib'), '.wgsl')) {
      expect(readFileSync(f, 'utf8').trimStart().startsWith('//'), f).toBe(true);
    }
  });
});
