// The published module must load without a bundler: in Node and in a browser
// through a plain <script type="module">. Builds the library into a temporary folder.
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from 'vite';
import { chromium } from 'playwright';
import { chromiumArgs, chromiumPath } from '../vite.config.js';

const root = resolve(import.meta.dirname, '..');
let outDir = '';

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'webgpu-deconv-dist-'));
  await build({
    configFile: join(root, 'vite.config.ts'),
    mode: 'lib',
    logLevel: 'silent',
    build: { outDir, sourcemap: false },
  });
});
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('dist/index.js (CPU-only: loads the module, runs the CPU reference)', () => {
  it('imports in Node and has no bare imports', async () => {
    const code = readFileSync(join(outDir, 'index.js'), 'utf8');
    expect(code).not.toMatch(/^\s*import\s[^;]*from\s*['"][^./]/m);
    const mod = await import(pathToFileURL(join(outDir, 'index.js')).href);
    const r = mod.convTranspose2dCpu(new Float32Array([1]), [1, 1, 1, 1], new Float32Array([2]), [1, 1, 1, 1]);
    expect(Array.from(r.data)).toEqual([2]);
  });

  it('imports in Chromium from a plain module script', async () => {
    const server: Server = createServer((req, res) => {
      const path = req.url === '/' ? null : join(outDir, req.url!.split('?')[0]!);
      if (!path) {
        res.setHeader('content-type', 'text/html');
        res.end(
          '<!doctype html><script type="module">import * as m from "./index.js"; window.__exports = Object.keys(m);</script>',
        );
        return;
      }
      try {
        res.setHeader('content-type', 'text/javascript');
        res.end(readFileSync(path));
      } catch {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(`http://127.0.0.1:${port}/`);
      const exports = await page.waitForFunction(() => (window as unknown as { __exports?: string[] }).__exports);
      const names = (await exports.jsonValue()) as string[];
      expect(errors).toEqual([]);
      expect(names).toContain('convTranspose2dCpu');
      expect(names).toContain('resolveConvTranspose2d');
    } finally {
      await browser.close();
      server.close();
    }
  });
});

describe('dist/core.js (CPU-only: loads the module, checks the kernels option)', () => {
  it('imports in Node, exports the five kernels, and its createEngine requires them', async () => {
    const core = await import(pathToFileURL(join(outDir, 'core.js')).href);
    const kernels = ['zeroInsertionKernel', 'scatterKernel', 'gemmCol2imKernel', 'im2colGemmKernel', 'subpixelKernel'];
    expect(Object.keys(core).sort()).toEqual(['createEngine', ...kernels].sort());
    const err = await core.createEngine({ fallback: 'none' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'INVALID_ARGUMENT', param: 'options.kernels' });
    // Valid kernels pass validation: without WebGPU in Node this is NO_WEBGPU, not a kernels error.
    const none = await core.createEngine({ kernels: [core.subpixelKernel], fallback: 'none' }).catch((e: unknown) => e);
    expect(none).toMatchObject({ code: 'NO_WEBGPU' });
  });
});
