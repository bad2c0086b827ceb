// In Node the `webgpu` package's globals (GPUBufferUsage, GPUMapMode, …) are optional:
// the engine must run with only `create([])`. This file never installs them.
import { create } from 'webgpu';
import { describe, expect, it } from 'vitest';
import { convTranspose2dCpu, createEngine } from '../../src/index.js';
import { compare } from '../helpers/check.js';

describe('engine without WebGPU globals (GPU: Dawn + SwiftShader in Node)', () => {
  it('k3_s2_p1_op1 runs and matches the CPU reference', async () => {
    expect((globalThis as { GPUBufferUsage?: unknown }).GPUBufferUsage).toBeUndefined();
    const engine = await createEngine({ gpu: create([]), fallback: 'none' });
    try {
      const input = Float32Array.from({ length: 2 * 3 * 3 }, (_, i) => (i % 7) / 4 - 0.5);
      const filter = Float32Array.from({ length: 2 * 2 * 3 * 3 }, (_, i) => (i % 5) / 8 - 0.25);
      const opts = {
        strides: [2, 2] as [number, number],
        padding: [1, 1, 1, 1] as [number, number, number, number],
        outputPadding: [1, 1] as [number, number],
      };
      const got = await engine.convTranspose2d(input, [1, 2, 3, 3], filter, [2, 2, 3, 3], opts);
      const want = convTranspose2dCpu(input, [1, 2, 3, 3], filter, [2, 2, 3, 3], opts);
      expect(got.shape).toEqual([1, 2, 6, 6]);
      const r = compare(got.data, want.data, 1e-4, 1e-4);
      expect(r.ok, r.message).toBe(true);
      const x = engine.upload(input, [1, 2, 3, 3]);
      const layer = engine.createConvTranspose2d(filter, [2, 2, 3, 3], opts);
      const y = layer.run(x);
      expect(compare(await y.read(), want.data, 1e-4, 1e-4).ok).toBe(true);
      [x, y, layer].forEach((t) => t.destroy());
    } finally {
      engine.destroy();
    }
  });
});
