/**
 * The TF.js drop-in (`webgpu-deconv/tfjs`) with TF.js's WebGPU backend, shared by Node (Dawn)
 * and Chromium: a tf.layers generator gives the same output with and without it, tf.grad still
 * works, tf.memory() does not grow over 1,000 calls, TF.js's own kernel comes back on
 * unregister, and output shapes TensorFlow rejects throw. The caller sets the backend up.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { DeconvError } from '../../src/errors.js';
import { registerTfjsKernels } from '../../src/tfjs.js';
import { compare } from './check.js';

/** A DCGAN-style tf.layers generator: 'same' and 'valid', strides 1–3, NHWC, bias, activations. */
function generator(): tfl.Sequential {
  const init = (seed: number) => tfl.initializers.glorotUniform({ seed });
  const model = tfl.sequential();
  model.add(
    tfl.layers.conv2dTranspose({
      inputShape: [3, 3, 6],
      filters: 8,
      kernelSize: 4,
      strides: 1,
      padding: 'valid',
      activation: 'relu',
      kernelInitializer: init(1),
      biasInitializer: 'randomNormal',
    }),
  );
  model.add(
    tfl.layers.conv2dTranspose({
      filters: 5,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      activation: 'tanh',
      kernelInitializer: init(2),
    }),
  );
  model.add(
    tfl.layers.conv2dTranspose({
      filters: 3,
      kernelSize: 5,
      strides: 3,
      padding: 'same',
      activation: 'sigmoid',
      useBias: false,
      kernelInitializer: init(3),
    }),
  );
  return model;
}

export function describeTfjsDropIn(where: string): void {
  describe(`registerTfjsKernels (TF.js WebGPU backend in ${where})`, () => {
    it('a tf.layers generator gives the same output with and without it (1e-4)', async () => {
      const model = generator();
      const x = tf.randomUniform([2, 3, 3, 6], -1, 1, 'float32', 7);
      const before = (await (model.predict(x) as tf.Tensor).data()) as Float32Array;
      const unregister = registerTfjsKernels(tf);
      const after = (await (model.predict(x) as tf.Tensor).data()) as Float32Array;
      unregister();
      expect(before.length).toBe(2 * 36 * 36 * 3);
      expect(compare(after, before, 1e-4, 1e-4).message).toBe('ok');
      x.dispose();
      model.dispose();
    });

    it('tf.grad through tf.conv2dTranspose still works, and equals TF.js’s own', async () => {
      const x = tf.randomUniform([1, 4, 4, 2], -1, 1, 'float32', 3);
      const w = tf.randomUniform([3, 3, 3, 2], -1, 1, 'float32', 4);
      const f = (t: tf.Tensor) =>
        tf.sum(tf.square(tf.conv2dTranspose(t as tf.Tensor4D, w as tf.Tensor4D, [1, 8, 8, 3], 2, 'same')));
      const own = (await tf
        .grad(f)(x as tf.Tensor4D)
        .data()) as Float32Array;
      const unregister = registerTfjsKernels(tf);
      const ours = (await tf
        .grad(f)(x as tf.Tensor4D)
        .data()) as Float32Array;
      unregister();
      expect(compare(ours, own, 1e-4, 1e-4).message).toBe('ok');
      tf.dispose([x, w]);
    });

    it('tf.memory() does not grow over 1,000 calls, and unregister restores TF.js’s kernel', async () => {
      const original = tf.getKernel('Conv2DBackpropInput', 'webgpu')!.kernelFunc;
      const unregister = registerTfjsKernels(tf);
      expect(tf.getKernel('Conv2DBackpropInput', 'webgpu')!.kernelFunc).not.toBe(original);
      const x = tf.randomUniform([1, 3, 3, 2], -1, 1, 'float32', 5);
      const w = tf.randomUniform([2, 2, 2, 2], -1, 1, 'float32', 6);
      const run = () => tf.tidy(() => tf.conv2dTranspose(x as tf.Tensor4D, w as tf.Tensor4D, [1, 6, 6, 2], 2, 'valid'));
      run().dispose();
      const start = tf.memory();
      for (let i = 0; i < 1000; i++) run().dispose();
      const last = run();
      await last.data();
      last.dispose();
      const end = tf.memory();
      expect(end.numTensors).toBe(start.numTensors);
      expect(end.numBytes).toBe(start.numBytes);
      unregister();
      expect(tf.getKernel('Conv2DBackpropInput', 'webgpu')!.kernelFunc).toBe(original);
      tf.dispose([x, w]);
    });

    it('throws a DeconvError for an output shape TensorFlow rejects (TF.js alone accepts it)', () => {
      const x = tf.zeros([1, 4, 4, 2]) as tf.Tensor4D;
      const w = tf.zeros([3, 3, 3, 2]) as tf.Tensor4D;
      // SAME with stride 2 needs ⌈9 / 2⌉ = 5 input rows, not 4.
      expect(() => tf.conv2dTranspose(x, w, [1, 9, 9, 3], 2, 'same').dispose()).not.toThrow();
      const unregister = registerTfjsKernels(tf);
      try {
        expect(() => tf.conv2dTranspose(x, w, [1, 9, 9, 3], 2, 'same')).toThrow(DeconvError);
      } finally {
        unregister();
        tf.dispose([x, w]);
      }
    });
  });
}
