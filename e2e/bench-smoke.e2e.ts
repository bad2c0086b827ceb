/**
 * Keeps `npm run bench` working: runs it on the one small smoke layer and checks
 * that every engine ran, agreed with the CPU reference, and that the JSON,
 * Markdown and SVG reports were written. Timings are not checked.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LayerResult } from '../bench/bench.js';

const root = resolve(import.meta.dirname, '..');

function runBench(outDir: string): Promise<{ code: number | null; output: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['scripts/bench.mjs', '--smoke', '--out', outDir], { cwd: root });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 110_000);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, output });
    });
  });
}

describe('npm run bench -- --smoke', () => {
  let outDir = '';
  afterAll(async () => {
    if (outDir) await rm(outDir, { recursive: true, force: true });
  });

  it(
    'runs every engine and kernel on the smoke layer and writes JSON, Markdown and SVG',
    { timeout: 120_000 },
    async () => {
      outDir = await mkdtemp(join(tmpdir(), 'bench-smoke-'));
      const { code, output } = await runBench(outDir);
      expect(code, output).toBe(0);
      expect(output).toMatch(/\[1\/1\] smoke_/); // progress is printed

      const json = JSON.parse(await readFile(join(outDir, 'latest.json'), 'utf8')) as {
        adapter: Record<string, unknown>;
        foreignRequests: string[];
        layers: LayerResult[];
        summary: { crossCheckFailures: string[] };
      };
      expect(json.foreignRequests).toEqual([]);
      expect(json.summary.crossCheckFailures).toEqual([]);
      expect(json.layers).toHaveLength(1);
      const [layer] = json.layers;
      const ids = layer!.variants.map((v) => v.id);
      expect(ids).toEqual(
        expect.arrayContaining([
          'tfjs',
          'ort',
          'ours:auto',
          'ours:subpixel',
          'ours:im2col-gemm',
          'ours:gemm-col2im',
          'ours:scatter',
          'ours:zero-insertion',
        ]),
      );
      for (const v of layer!.variants) {
        // A named kernel may refuse a geometry (UNSUPPORTED_BY_KERNEL); everything else must run and agree.
        if (v.status === 'unsupported' && v.engine === 'ours' && v.kernel !== 'auto') continue;
        expect(v.status, `${v.id}: ${v.message ?? ''}`).toBe('ok');
        expect(v.errRatio!, v.id).toBeLessThanOrEqual(1);
        expect(v.medianMs!, v.id).toBeGreaterThan(0);
        expect(v.samplesMs!.length, v.id).toBeGreaterThan(0);
      }

      // The roof's GEMM is timed in the layer's own rounds.
      expect(layer!.roof?.gflops).toBeGreaterThan(0);

      const md = await readFile(join(outDir, 'latest.md'), 'utf8');
      expect(md).toContain('| layer |');
      expect(md).toContain(layer!.layer.id);
      const svg = await readFile(join(outDir, 'latest.svg'), 'utf8');
      expect(svg).toMatch(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
      expect(svg).toContain('</svg>');
    },
  );
});
