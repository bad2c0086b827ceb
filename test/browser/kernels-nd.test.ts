/**
 * Every kernel on 1-D and 3-D geometries and in float16, in Chromium (the suite is in
 * test/helpers/kernels-nd.ts, shared with Node). No adapter → the tests fail.
 */
import { afterAll, beforeAll } from 'vitest';
import type { Engine } from '../../src/gpu/engine.js';
import { createEngine } from '../../src/gpu/kernels/registry.js';
import { describeKernelsNd } from '../helpers/kernels-nd.js';

let device: GPUDevice;
let engine: Engine;
beforeAll(async () => {
  if (!navigator.gpu) throw new Error('navigator.gpu is missing: this GPU test cannot run and fails on purpose');
  const adapter = await navigator.gpu.requestAdapter();
  if (!adapter) throw new Error('No WebGPU adapter: this GPU test cannot run and fails on purpose');
  device = await adapter.requestDevice();
  engine = await createEngine({ device, fallback: 'none' });
});
afterAll(() => {
  engine?.destroy();
  device?.destroy();
});

describeKernelsNd('Chromium', () => ({ device, engine }));
