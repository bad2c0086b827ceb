import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { convTranspose2dCpu } from '../src/cpu.js';
import { DeconvError } from '../src/errors.js';
import { fromTensorFlow } from '../src/frameworks.js';
import type { TensorFlowExplicitPadding, TensorFlowParams } from '../src/frameworks.js';
import { dyadic, maxViolation, pick, randInt, rng } from './helpers/tensors.js';

type Shape4 = [number, number, number, number];
type TfjsPad = 'same' | 'valid' | number | [[0, 0], [number, number], [number, number], [0, 0]];

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** The same call as tf.nn.conv2d_transpose arguments. */
function tfParams(outputShape: number[], strides: [number, number], pad: TfjsPad): TensorFlowParams {
  let padding: TensorFlowParams['padding'];
  if (pad === 'same') padding = 'SAME';
  else if (pad === 'valid') padding = 'VALID';
  else if (typeof pad === 'number') {
    padding = [
      [0, 0],
      [pad, pad],
      [pad, pad],
      [0, 0],
    ];
  } else padding = pad as TensorFlowExplicitPadding;
  return { outputShape, strides, padding };
}

/**
 * TensorFlow's rule, evaluated by TF.js's own forward-convolution shape logic: the
 * forward conv2d of a tensor of the output shape must give back the input's size.
 */
function tfAccepts(
  xShape: number[],
  fShape: number[],
  outputShape: number[],
  strides: [number, number],
  pad: TfjsPad,
): boolean {
  // TF.js sizes both axes of a numeric pad with the filter and stride height
  // (computeOutputShape2D), so ask with the equivalent explicit padding, which it sizes per axis.
  const p: TfjsPad =
    typeof pad === 'number'
      ? [
          [0, 0],
          [pad, pad],
          [pad, pad],
          [0, 0],
        ]
      : pad;
  return tf.tidy(() => {
    try {
      const y = tf.conv2d(
        tf.zeros<tf.Rank.R4>(outputShape as Shape4),
        tf.zeros<tf.Rank.R4>(fShape as Shape4),
        strides,
        p,
      );
      return y.shape[1] === xShape[1] && y.shape[2] === xShape[2];
    } catch {
      return false;
    }
  });
}

describe('tf.conv2dTranspose (TF.js CPU backend) vs the CPU reference through fromTensorFlow', () => {
  it('acceptance: x = [4.5, 5.4, 8.1, 9.0], 3×3 ones, strides 2, VALID: 5×5 and 6×6 equal TF.js', () => {
    const x = new Float32Array([4.5, 5.4, 8.1, 9.0]);
    const ones = new Float32Array(9).fill(1);
    for (const size of [5, 6]) {
      const theirs = tf.tidy(() =>
        tf
          .conv2dTranspose(
            tf.tensor4d(x, [1, 2, 2, 1]),
            tf.tensor4d(ones, [3, 3, 1, 1]),
            [1, size, size, 1],
            2,
            'valid',
          )
          .dataSync(),
      );
      const options = fromTensorFlow(
        { outputShape: [1, size, size, 1], strides: 2, padding: 'VALID' },
        [1, 2, 2, 1],
        [3, 3, 1, 1],
      );
      const ours = convTranspose2dCpu(x, [1, 2, 2, 1], ones, [3, 3, 1, 1], options);
      expect(maxViolation(ours.data, theirs, 1e-5, 1e-5)).toBeLessThanOrEqual(1);
    }
  });

  it('TF.js silently accepts output shapes TensorFlow rejects (4×4, 7×7); we reject them', () => {
    const x = tf.tensor4d([4.5, 5.4, 8.1, 9.0], [1, 2, 2, 1]);
    const ones = tf.ones([3, 3, 1, 1]) as tf.Tensor4D;
    for (const size of [4, 7]) {
      const y = tf.conv2dTranspose(x, ones, [1, size, size, 1], 2, 'valid');
      expect(y.shape).toEqual([1, size, size, 1]);
      y.dispose();
      expect(tfAccepts([1, 2, 2, 1], [3, 3, 1, 1], [1, size, size, 1], [2, 2], 'valid')).toBe(false);
      expect(() =>
        fromTensorFlow({ outputShape: [1, size, size, 1], strides: 2, padding: 'VALID' }, [1, 2, 2, 1], [3, 3, 1, 1]),
      ).toThrow(DeconvError);
    }
    x.dispose();
    ones.dispose();
  });

  it('randomized NHWC geometry (SAME, VALID, numeric and explicit padding, batch, channels): equal where TF accepts, rejected where it does not', () => {
    const r = rng(0x7f5);
    let compared = 0;
    let rejected = 0;
    for (let i = 0; i < 150; i++) {
      const n = randInt(r, 1, 2);
      const [cin, cout] = [randInt(r, 1, 3), randInt(r, 1, 3)];
      const [h, w] = [randInt(r, 1, 4), randInt(r, 1, 4)];
      const kind = pick(r, ['same', 'valid', 'number', 'explicit'] as const);
      const kh = randInt(r, 1, 4);
      // TF.js sizes a numeric pad with the filter height and the stride height on both axes
      // (computeOutputShape2D), giving wrong values or NaN otherwise: numeric pads get square
      // filters and equal strides only.
      const kw = kind === 'number' ? kh : randInt(r, 1, 4);
      const sh = randInt(r, 1, 3);
      const strides: [number, number] = [sh, kind === 'number' ? sh : randInt(r, 1, 3)];
      const pad: TfjsPad =
        kind === 'number'
          ? randInt(r, 0, 2)
          : kind === 'explicit'
            ? [
                [0, 0],
                [randInt(r, 0, 2), randInt(r, 0, 2)],
                [randInt(r, 0, 2), randInt(r, 0, 2)],
                [0, 0],
              ]
            : kind;
      // Mostly inside TensorFlow's valid range, sometimes just outside it.
      const padSum = (axis: 0 | 1): number =>
        typeof pad === 'number' ? 2 * pad : Array.isArray(pad) ? pad[axis + 1]![0] + pad[axis + 1]![1] : 0;
      const around = (inSize: number, k: number, s: number, axis: 0 | 1): number => {
        const [lo, hi] =
          kind === 'same'
            ? [(inSize - 1) * s + 1, inSize * s]
            : [(inSize - 1) * s + k - padSum(axis), (inSize - 1) * s + k - padSum(axis) + s - 1];
        return Math.max(1, r() < 0.8 ? randInt(r, lo, hi) : randInt(r, lo - 2, hi + 2));
      };
      const outputShape = [n, around(h, kh, strides[0], 0), around(w, kw, strides[1], 1), cout];
      const xShape = [n, h, w, cin];
      const fShape = [kh, kw, cout, cin];
      const name = `${i}_k${kh}x${kw}_s${strides.join('x')}_${JSON.stringify(pad)}_in${h}x${w}_out${outputShape[1]}x${outputShape[2]}`;
      const accepts = tfAccepts(xShape, fShape, outputShape, strides, pad);
      const params = tfParams(outputShape, strides, pad);
      if (!accepts) {
        let error: unknown;
        try {
          fromTensorFlow(params, xShape, fShape);
        } catch (e) {
          error = e;
        }
        expect(error, name).toBeInstanceOf(DeconvError);
        expect((error as DeconvError).param, name).toBe('outputShape');
        rejected++;
        continue;
      }
      const x = dyadic(r, n * h * w * cin);
      const f = dyadic(r, kh * kw * cout * cin);
      const options = fromTensorFlow(params, xShape, fShape);
      const ours = convTranspose2dCpu(x, xShape, f, fShape, options);
      const theirs = tf.tidy(() =>
        tf
          .conv2dTranspose(
            tf.tensor4d(x, xShape as [number, number, number, number]),
            tf.tensor4d(f, fShape as [number, number, number, number]),
            outputShape as [number, number, number, number],
            strides,
            pad,
          )
          .dataSync(),
      );
      expect(ours.shape, name).toEqual(outputShape);
      expect(maxViolation(ours.data, theirs, 1e-5, 1e-5), name).toBeLessThanOrEqual(1);
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(60);
    expect(rejected).toBeGreaterThanOrEqual(20);
  });

  it('dilations (stride 1, TF.js has no dilated conv2dTranspose): adjoint of tf.conv2d with the same dilations and padding', () => {
    const r = rng(0xd11);
    for (let i = 0; i < 40; i++) {
      const [cin, cout] = [randInt(r, 1, 3), randInt(r, 1, 3)];
      const [h, w] = [randInt(r, 1, 4), randInt(r, 1, 4)];
      const [kh, kw] = [randInt(r, 1, 3), randInt(r, 1, 3)];
      const dilations: [number, number] = [randInt(r, 1, 3), randInt(r, 1, 3)];
      const kind = pick(r, ['same', 'valid', 'explicit'] as const);
      const pads: [[0, 0], [number, number], [number, number], [0, 0]] = [
        [0, 0],
        [randInt(r, 0, 2), randInt(r, 0, 2)],
        [randInt(r, 0, 2), randInt(r, 0, 2)],
        [0, 0],
      ];
      // Stride 1: SAME keeps the size; otherwise out = in + (k − 1)·d − pads.
      const out = (inSize: number, k: number, d: number, axis: 0 | 1): number =>
        kind === 'same'
          ? inSize
          : inSize + (k - 1) * d - (kind === 'explicit' ? pads[axis + 1]![0] + pads[axis + 1]![1] : 0);
      const [oh, ow] = [out(h, kh, dilations[0], 0), out(w, kw, dilations[1], 1)];
      if (oh < 1 || ow < 1) continue;
      const name = `${i}_k${kh}x${kw}_d${dilations.join('x')}_${kind}_in${h}x${w}`;
      const y = dyadic(r, h * w * cin); // the transposed convolution's input
      const f = dyadic(r, kh * kw * cout * cin); // [kH, kW, cout, cin]
      const x = dyadic(r, oh * ow * cout); // the transposed convolution's output
      const padding = kind === 'same' ? 'SAME' : kind === 'valid' ? 'VALID' : pads;
      const options = fromTensorFlow(
        { outputShape: [1, oh, ow, cout], strides: 1, padding, dilations },
        [1, h, w, cin],
        [kh, kw, cout, cin],
      );
      const ours = convTranspose2dCpu(y, [1, h, w, cin], f, [kh, kw, cout, cin], options);
      const forward = tf.tidy(() =>
        tf
          .conv2d(
            tf.tensor4d(x, [1, oh, ow, cout]),
            tf.tensor4d(f, [kh, kw, cout, cin]),
            1,
            kind === 'explicit' ? pads : kind,
            'NHWC',
            dilations,
          )
          .dataSync(),
      );
      expect(forward.length, name).toBe(y.length);
      let lhs = 0;
      let rhs = 0;
      for (let j = 0; j < y.length; j++) lhs += forward[j]! * y[j]!;
      for (let j = 0; j < x.length; j++) rhs += x[j]! * ours.data[j]!;
      expect(Math.abs(lhs - rhs), name).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(lhs)));
    }
  });
});
