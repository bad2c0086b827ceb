/**
 * The TF.js drop-in in Node on Dawn (the suite is in test/helpers/tfjs-suite.ts, shared with
 * Chromium). No adapter → the backend fails → these fail.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { nodeGpu } from '../helpers/gpu.js';
import { describeTfjsDropIn } from '../helpers/tfjs-suite.js';

beforeAll(async () => {
  // The backend registers itself at import only where navigator.gpu exists.
  (globalThis as { navigator?: unknown }).navigator = { gpu: nodeGpu() };
  await import('@tensorflow/tfjs-backend-webgpu');
  expect(await tf.setBackend('webgpu')).toBe(true);
  await tf.ready();
});
afterAll(() => {
  tf.engine().reset();
});

describeTfjsDropIn('Node (Dawn)');
