/**
 * Keeps `npm run bench` working: runs it on the smoke layers (one 2-D, one 1-D and one 3-D
 * layer, each in float32 and float16) and the small TF.js generator, and checks that every
 * engine ran and agreed with the CPU reference (the generator with our kernels: with TF.js
 * alone), and that the JSON, Markdown and SVG reports were written. Timings are not checked.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { GeneratorResult, LayerResult, RoofResult } from '../bench/bench.js';
import { KERNEL_NAMES } from '../src/gpu/kernel.js';

const root = resolve(import.meta.dirname, '..');

/** Software WebGPU compiles every pipeline on a shared CPU: the smoke run takes 30–120 s. */
const RUN_LIMIT_MS = 280_000;

function runBench(outDir: string): Promise<{ code: number | null; output: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['scripts/bench.mjs', '--smoke', '--out', outDir], { cwd: root });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_LIMIT_MS);
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
    'runs every engine and kernel on a 2-D, a 1-D and a 3-D layer in float32 and float16, and the TF.js generator with and without our kernels, and writes JSON, Markdown and SVG',
    { timeout: RUN_LIMIT_MS + 20_000 },
    async () => {
      outDir = await mkdtemp(join(tmpdir(), 'bench-smoke-'));
      const { code, output } = await runBench(outDir);
      expect(code, output).toBe(0);
      expect(output).toMatch(/\[1\/4\] 2d: smoke_/); // progress is printed

      const json = JSON.parse(await readFile(join(outDir, 'latest.json'), 'utf8')) as {
        adapter: Record<string, unknown>;
        foreignRequests: string[];
        kernelsRegistered: string[];
        layers: LayerResult[];
        generator: GeneratorResult;
        roof: RoofResult;
        summary: { crossCheckFailures: string[] };
      };
      expect(json.foreignRequests).toEqual([]);
      expect(json.summary.crossCheckFailures).toEqual([]);
      expect(json.layers.map((l) => [l.suite, l.rank])).toEqual([
        ['2d', 2],
        ['1d', 1],
        ['3d', 3],
      ]);
      // Every kernel is measured; a kernel this build does not register fails, and is reported, as a DeconvError.
      const registered = json.kernelsRegistered;
      expect(registered.length).toBeGreaterThan(0);
      for (const layer of json.layers) {
        const ids = layer.variants.map((v) => v.id);
        expect(ids).toEqual(
          expect.arrayContaining([
            'tfjs',
            'ort',
            'ours:auto',
            'ours:f16:auto',
            ...KERNEL_NAMES.map((k) => `ours:${k}`),
          ]),
        );
        for (const v of layer.variants) {
          const what = `${layer.layer.id} ${v.id}: ${v.message ?? ''}`;
          if (v.engine === 'ours' && v.kernel !== 'auto') {
            // A named kernel may refuse a geometry (UNSUPPORTED_BY_KERNEL).
            if (v.status === 'unsupported') continue;
            if (!registered.includes(v.kernel!)) {
              expect(v.status, what).toBe('error');
              expect(v.code, what).toBe('INVALID_ARGUMENT');
              continue;
            }
          }
          // onnxruntime-web refuses 3-D ConvTranspose at run time; it is reported as such.
          if (v.engine === 'ort' && layer.rank === 3 && v.status === 'unsupported') {
            expect(v.message, what).toMatch(/onnxruntime-web refuses it/);
            continue;
          }
          expect(v.status, what).toBe('ok');
          expect(v.errRatio!, what).toBeLessThanOrEqual(1);
          expect(v.medianMs!, what).toBeGreaterThan(0);
          expect(v.samplesMs!.length, what).toBeGreaterThan(0);
        }
        const half = layer.variants.find((v) => v.id === 'ours:f16:auto')!;
        expect(half.dtype).toBe('float16');
        expect(['f16', 'f16-packed']).toContain(half.storage);
      }

      // The plain GEMM sets the roof and is timed in every layer's own rounds; a build without
      // it says so ('unavailable'), and nothing else may keep it from running.
      if (json.roof.status === 'ok') {
        for (const layer of json.layers) expect(layer.roof?.gflops, layer.layer.id).toBeGreaterThan(0);
      } else {
        expect(json.roof.status, json.roof.message).toBe('unavailable');
      }

      // The generator ran with TF.js's kernels and with ours, and gave the same output.
      expect(json.generator.variants.map((v) => [v.id, v.status])).toEqual([
        ['tfjs', 'ok'],
        ['tfjs+ours', 'ok'],
      ]);
      expect(json.generator.variants[1]!.errRatio!).toBeLessThanOrEqual(1);
      for (const v of json.generator.variants) expect(v.medianMs!, v.id).toBeGreaterThan(0);

      const md = await readFile(join(outDir, 'latest.md'), 'utf8');
      expect(md).toContain('| layer |');
      for (const layer of json.layers) expect(md).toContain(layer.layer.id);
      expect(md).toContain('## float16 beside float32');
      expect(md).toContain('## TF.js generator');
      const svg = await readFile(join(outDir, 'latest.svg'), 'utf8');
      expect(svg).toMatch(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
      expect(svg).toContain('</svg>');
    },
  );
});
