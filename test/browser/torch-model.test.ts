/**
 * The trained glyph decoder in real Chromium (Vitest browser mode, SwiftShader here), loaded
 * with loadTorchDecoder from the files the demo serves, against PyTorch's float64 goldens on
 * every kernel and 'auto', and the small 1-D, 2-D and 3-D decoders of
 * test/golden/torch-decoders.json. No adapter → the test fails.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import weightsUrl from '../../demo/public/glyphs/weights.bin?url';
import type { Engine } from '../../src/gpu/engine.js';
import { createEngine } from '../../src/gpu/kernels/registry.js';
import { KERNEL_NAMES } from '../../src/gpu/kernel.js';
import { compare, withErrorScopes } from '../helpers/check.js';
import {
  GOLDEN_OUTPUT_SHAPE,
  TORCH_DECODERS,
  glyphManifest,
  runDecoderCase,
  runGlyphGoldens,
} from '../helpers/torch-model.js';

let device: GPUDevice;
let engine: Engine;
let weights: ArrayBuffer;
beforeAll(async () => {
  if (!navigator.gpu) throw new Error('navigator.gpu is missing: this GPU test cannot run and fails on purpose');
  const adapter = await navigator.gpu.requestAdapter();
  if (!adapter) throw new Error('No WebGPU adapter: this GPU test cannot run and fails on purpose');
  device = await adapter.requestDevice();
  engine = await createEngine({ device, fallback: 'none' });
  const response = await fetch(weightsUrl);
  if (!response.ok) throw new Error(`${weightsUrl}: HTTP ${response.status}`);
  weights = await response.arrayBuffer();
});
afterAll(() => {
  engine?.destroy();
  device?.destroy();
});

describe('the glyph decoder in Chromium', () => {
  it('fetches the weights the manifest describes', () => {
    expect(weights.byteLength).toBe(glyphManifest().weights?.byteLength);
  });

  for (const kernel of ['auto', ...KERNEL_NAMES] as const) {
    it(`${kernel}: equals PyTorch's float64 goldens within 1e-4 of the output range`, async () => {
      const r = await withErrorScopes(device, () => runGlyphGoldens(engine, weights, kernel));
      expect(r.shape).toEqual(GOLDEN_OUTPUT_SHAPE);
      if (kernel !== 'auto') expect(r.kernels.every((k) => k === kernel)).toBe(true);
      expect(r.range).toBeGreaterThan(0.5);
      expect(r.maxError).toBeLessThanOrEqual(1e-4 * r.range);
    });
  }
});

describe('1-D, 2-D and 3-D decoders exported with the README’s export_decoder, in Chromium', () => {
  for (const c of TORCH_DECODERS) {
    for (const kernel of ['auto', ...KERNEL_NAMES] as const) {
      it(`${c.name}: ${kernel} equals PyTorch's float64 output (atol 1e-4, rtol 1e-4)`, async () => {
        const r = await withErrorScopes(device, () => runDecoderCase(engine, c, kernel));
        expect(r.shape).toEqual(c.outputShape);
        if (kernel !== 'auto') expect(r.kernels.every((k) => k === kernel)).toBe(true);
        const check = compare(r.actual, r.expected, 1e-4, 1e-4);
        expect(check.ok, check.message).toBe(true);
      });
    }
  }
});
