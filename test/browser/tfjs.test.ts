/**
 * The TF.js drop-in in Chromium (the suite is in test/helpers/tfjs-suite.ts, shared with Node).
 * No WebGPU adapter → the backend fails to initialize → these fail.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { describeTfjsDropIn } from '../helpers/tfjs-suite.js';

beforeAll(async () => {
  await import('@tensorflow/tfjs-backend-webgpu');
  expect(await tf.setBackend('webgpu')).toBe(true);
  await tf.ready();
});
afterAll(() => {
  tf.engine().reset();
});

describeTfjsDropIn('Chromium');
