// Keras's Conv1DTranspose/Conv2DTranspose/Conv3DTranspose rules against fromKeras. Keras
// itself cannot run here (no Python package of it is installed), so its rules are
// transcribed, line by line, from Keras 3's source:
// - the output length: `_get_output_shape_given_tf_padding` in
//   keras/src/backend/common/backend_utils.py (the TensorFlow backend's conv_transpose
//   passes that length to tf.nn.conv_transpose);
// - the layer's own checks: `BaseConvTranspose.__init__` in
//   keras/src/layers/convolutional/base_conv_transpose.py (output_padding < strides; not
//   strides > 1 with dilation_rate > 1);
// and TensorFlow's check of that length (ConvBackpropComputeDimensionsV2 with
// GetWindowedOutputSizeVerbose: the forward size of the output must be the input's).
// Values for 1-D and 2-D are compared with TF.js's conv2dTranspose (1-D on a unit height).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { convTransposeCpu } from '../src/cpu.js';
import { DeconvError } from '../src/errors.js';
import { fromKeras, kerasOutputLength } from '../src/frameworks.js';
import type { KerasParams } from '../src/frameworks.js';
import { resolveConvTranspose } from '../src/geometry.js';
import { activationShape, count, randomSizes, toChannels } from './helpers/nd.js';
import { dyadic, maxViolation, pick, randInt, rng } from './helpers/tensors.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Keras 3's `_get_output_shape_given_tf_padding`, transcribed. */
function kerasLength(
  inputSize: number,
  kernelSize: number,
  strides: number,
  padding: 'same' | 'valid',
  outputPadding: number | null,
  dilationRate: number,
): number {
  const k = (kernelSize - 1) * dilationRate + 1;
  if (padding === 'valid') {
    const op = outputPadding === null ? Math.max(k, strides) - k : outputPadding;
    return (inputSize - 1) * strides + k + op;
  }
  return outputPadding === null ? inputSize * strides : (inputSize - 1) * strides + (k % 2) + outputPadding;
}

/** TensorFlow's GetWindowedOutputSizeVerbose: forward size and padding before, or null when negative. */
function tfWindow(
  input: number,
  k: number,
  d: number,
  s: number,
  padding: 'same' | 'valid',
): { out: number; before: number } | null {
  const eff = (k - 1) * d + 1;
  if (padding === 'valid') {
    // C++ integer division truncates toward zero; a negative size is an error.
    const out = Math.trunc((input - eff + s) / s);
    return out < 0 ? null : { out, before: 0 };
  }
  const out = Math.floor((input + s - 1) / s);
  const needed = Math.max(0, (out - 1) * s + eff - input);
  return { out, before: Math.floor(needed / 2) };
}

describe("Keras's output-length rule", () => {
  it('kerasOutputLength equals Keras 3 on every in ≤ 8, k ≤ 6, s ≤ 4, d ≤ 3, padding and output padding', () => {
    let checked = 0;
    for (let n = 1; n <= 8; n++)
      for (let k = 1; k <= 6; k++)
        for (let s = 1; s <= 4; s++)
          for (let d = 1; d <= 3; d++)
            for (const padding of ['same', 'valid'] as const)
              for (const op of [null, ...Array.from({ length: s }, (_, i) => i)]) {
                expect(kerasOutputLength(n, k, s, d, padding, op), `${n} ${k} ${s} ${d} ${padding} ${op}`).toBe(
                  kerasLength(n, k, s, padding, op, d),
                );
                checked++;
              }
    expect(checked).toBe(8 * 6 * (2 + 3 + 4 + 5) * 3 * 2);
  });
});

describe.each([1, 2, 3] as const)('keras.layers.Conv%iDTranspose: fromKeras against the transcribed rules', (rank) => {
  it('300 random argument sets: accepted exactly where Keras and TensorFlow accept them, with their output and crop', () => {
    const r = rng(0x4e7a + rank);
    let accepted = 0;
    let rejected = 0;
    let valued = 0;
    for (let i = 0; i < 300; i++) {
      const n = randInt(r, 1, 2);
      const [cin, filters] = [randInt(r, 1, 3), randInt(r, 1, 3)];
      const sizes = randomSizes(r, rank, 1, rank === 3 ? 3 : 5);
      const kernel = randomSizes(r, rank, 1, rank === 3 ? 3 : 4);
      const strides = r() < 0.25 ? new Array<number>(rank).fill(1) : randomSizes(r, rank, 1, 3);
      const dilation = r() < 0.7 ? new Array<number>(rank).fill(1) : randomSizes(r, rank, 1, 3);
      const padding = pick(r, ['same', 'valid'] as const);
      // Mostly valid output padding, sometimes one at the stride (Keras rejects it).
      const outputPadding = r() < 0.4 ? null : strides.map((s) => randInt(r, 0, s - (r() < 0.9 ? 1 : 0)));
      const channelsLast = r() < 0.6;
      const params: KerasParams = {
        filters,
        kernelSize: kernel,
        strides,
        padding,
        outputPadding,
        dilationRate: dilation,
        dataFormat: channelsLast ? 'channels_last' : 'channels_first',
      };
      const xShape = activationShape(channelsLast, n, cin, sizes);
      const fShape = [...kernel, filters, cin];
      const name = `${rank}d_${i}_${JSON.stringify(params)}_in${sizes.join('x')}`;
      // Keras's checks, then its lengths, then TensorFlow's check of them.
      const lengths = sizes.map((v, a) =>
        kerasLength(v, kernel[a]!, strides[a]!, padding, outputPadding ? outputPadding[a]! : null, dilation[a]!),
      );
      const windows = lengths.map((len, a) => tfWindow(len, kernel[a]!, dilation[a]!, strides[a]!, padding));
      const kerasOk =
        !(outputPadding && outputPadding.some((p, a) => p >= strides[a]!)) &&
        !(Math.max(...strides) > 1 && Math.max(...dilation) > 1);
      const tfOk = windows.every((w, a) => w !== null && w.out === sizes[a]);
      let result: ReturnType<typeof resolveConvTranspose> | null = null;
      try {
        result = resolveConvTranspose(xShape, fShape, fromKeras(params, xShape, fShape));
      } catch (e) {
        expect(e, name).toBeInstanceOf(DeconvError);
      }
      expect(result !== null, name).toBe(kerasOk && tfOk);
      if (!result) {
        rejected++;
        continue;
      }
      accepted++;
      expect(result.outSizes, name).toEqual(lengths);
      expect(result.outChannels, name).toBe(filters);
      expect(
        result.outSizes.map((_, a) => result.padding[2 * a]),
        name,
      ).toEqual(windows.map((w) => w!.before));
      // Values through TF.js (no dilated transposed convolution there; no 3-D here: see reference-tfjs-nd).
      if (rank === 3 || dilation.some((d) => d > 1)) continue;
      const xLast = activationShape(true, n, cin, sizes);
      const x = dyadic(r, count(xLast));
      const f = dyadic(r, count(fShape));
      const ours = convTransposeCpu(toChannels(x, xLast, true, channelsLast).data, xShape, f, fShape, {
        ...fromKeras(params, xShape, fShape),
      });
      const unit = (s: number[]) => (rank === 1 ? [s[0]!, 1, ...s.slice(1)] : s) as [number, number, number, number];
      const theirs = tf.tidy(
        () =>
          tf
            .conv2dTranspose(
              tf.tensor4d(x, unit(xLast)),
              tf.tensor4d(f, (rank === 1 ? [1, ...fShape] : fShape) as [number, number, number, number]),
              unit(activationShape(true, n, filters, lengths)),
              (rank === 1 ? [1, strides[0]!] : strides) as [number, number],
              padding,
            )
            .dataSync() as Float32Array,
      );
      expect(
        maxViolation(toChannels(ours.data, ours.shape, channelsLast, true).data, theirs, 1e-5, 1e-5),
        name,
      ).toBeLessThanOrEqual(1);
      valued++;
    }
    console.log(
      `Keras ${rank}-D: ${accepted} random cases agreed (${valued} compared by value with TF.js), ${rejected} rejected by both`,
    );
    expect(accepted).toBeGreaterThanOrEqual(100);
    expect(rejected).toBeGreaterThanOrEqual(20);
  });
});
