/**
 * Every kernel on 1-D and 3-D geometries and in float16, in Node on Dawn (the suite is in
 * test/helpers/kernels-nd.ts, shared with Chromium). No adapter → getDevice throws → these fail.
 */
import { afterAll, beforeAll } from 'vitest';
import type { Engine } from '../../src/gpu/engine.js';
import { createEngine } from '../../src/gpu/kernels/registry.js';
import { getDevice } from '../helpers/gpu.js';
import { describeKernelsNd } from '../helpers/kernels-nd.js';

let device: GPUDevice;
let engine: Engine;
beforeAll(async () => {
  ({ device } = await getDevice());
  engine = await createEngine({ device, fallback: 'none' });
});
afterAll(() => {
  engine?.destroy();
  device?.destroy();
});

describeKernelsNd('Node (Dawn)', () => ({ device, engine }));
