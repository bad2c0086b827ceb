// TensorFlow's 1-D and 3-D transposed convolution against TF.js (CPU backend):
// - 3-D: `tf.conv3dTranspose`, TensorFlow's own Conv3DBackpropInputV2 semantics.
// - 1-D: TF.js has no conv1dTranspose. `tf.nn.conv1d_transpose` in TensorFlow is
//   `conv2d_backprop_input` on a unit height (it expands the input to [N, 1, W, C] and the
//   filter to [1, w, out, in]), so TF.js's `tf.conv2dTranspose` on a unit height computes
//   exactly TensorFlow's 1-D semantics; that is what this file compares against.
// TF.js does not check the output shape the way TensorFlow does; whether TensorFlow accepts
// one is decided with TF.js's forward convolution (its size must give back the input's).
// TF.js's 3-D SAME padding (get3DPadAndOutInfo) is not clamped at 0 as TensorFlow's and
// TF.js's own 2-D one are: where (⌈O/s⌉ − 1)·s + k < O on an axis (a kernel smaller than the
// stride), conv3dTranspose shifts the result. There TensorFlow crops nothing, which is
// TF.js's 'valid' with the same output shape, so those cases are compared with that when no
// axis needs a crop, and counted apart when one does.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { convTransposeCpu } from '../src/cpu.js';
import { DeconvError } from '../src/errors.js';
import { fromTensorFlow } from '../src/frameworks.js';
import type { TensorFlowDataFormat } from '../src/frameworks.js';
import { activationShape, count, randomSizes, toChannels } from './helpers/nd.js';
import { dyadic, maxViolation, pick, randInt, rng } from './helpers/tensors.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** TensorFlow's rule through TF.js's forward convolution: conv of the output gives back the input size. */
function tfAccepts(
  rank: 1 | 3,
  inSizes: number[],
  filter: number[],
  outShape: number[],
  strides: number[],
  pad: 'same' | 'valid',
): boolean {
  return tf.tidy(() => {
    try {
      if (rank === 1) {
        const y = tf.conv2d(
          tf.zeros<tf.Rank.R4>([outShape[0]!, 1, outShape[1]!, outShape[2]!]),
          tf.zeros<tf.Rank.R4>([1, ...filter] as [number, number, number, number]),
          [1, strides[0]!],
          pad,
        );
        return y.shape[2] === inSizes[0];
      }
      const y = tf.conv3d(
        tf.zeros<tf.Rank.R5>(outShape as [number, number, number, number, number]),
        tf.zeros<tf.Rank.R5>(filter as [number, number, number, number, number]),
        strides as [number, number, number],
        pad,
      );
      return y.shape.slice(1, 4).every((v, a) => v === inSizes[a]);
    } catch {
      return false;
    }
  });
}

/** TF.js's result, channels last: conv2dTranspose on a unit height (1-D) or conv3dTranspose. */
function tfjsResult(
  rank: 1 | 3,
  x: Float32Array,
  xShape: number[],
  f: Float32Array,
  fShape: number[],
  outShape: number[],
  strides: number[],
  pad: 'same' | 'valid',
): Float32Array {
  return tf.tidy(() => {
    if (rank === 1) {
      return tf
        .conv2dTranspose(
          tf.tensor4d(x, [xShape[0]!, 1, xShape[1]!, xShape[2]!]),
          tf.tensor4d(f, [1, fShape[0]!, fShape[1]!, fShape[2]!]),
          [outShape[0]!, 1, outShape[1]!, outShape[2]!],
          [1, strides[0]!],
          pad,
        )
        .dataSync() as Float32Array;
    }
    return tf
      .conv3dTranspose(
        tf.tensor5d(x, xShape as [number, number, number, number, number]),
        tf.tensor5d(f, fShape as [number, number, number, number, number]),
        outShape as [number, number, number, number, number],
        strides as [number, number, number],
        pad,
      )
      .dataSync() as Float32Array;
  });
}

const FORMATS: Record<1 | 3, [TensorFlowDataFormat, TensorFlowDataFormat]> = {
  1: ['NWC', 'NCW'],
  3: ['NDHWC', 'NCDHW'],
};

describe.each([
  [1, 200, 0x7f1],
  [3, 120, 0x7f3],
] as const)(
  'TensorFlow %i-D transposed convolution (TF.js CPU) vs the CPU reference through fromTensorFlow',
  (rank, cases, seed) => {
    it(`${cases} random geometries (SAME, VALID, batch, channels, both data formats): equal where TensorFlow accepts, rejected where it does not`, () => {
      const r = rng(seed);
      let compared = 0;
      let rejected = 0;
      let unclamped = 0;
      for (let i = 0; i < cases; i++) {
        const n = randInt(r, 1, 2);
        const [cin, cout] = [randInt(r, 1, 3), randInt(r, 1, 3)];
        const sizes = randomSizes(r, rank, 1, rank === 1 ? 6 : 3);
        const kernel = randomSizes(r, rank, 1, rank === 1 ? 5 : 3);
        const strides = randomSizes(r, rank, 1, 3);
        const pad = pick(r, ['same', 'valid'] as const);
        const channelsFirst = r() < 0.4;
        // Mostly inside TensorFlow's valid range, sometimes just outside it.
        const outSizes = sizes.map((v, a) => {
          const [s, k] = [strides[a]!, kernel[a]!];
          const [lo, hi] = pad === 'same' ? [(v - 1) * s + 1, v * s] : [(v - 1) * s + k, (v - 1) * s + k + s - 1];
          return Math.max(1, r() < 0.8 ? randInt(r, lo, hi) : randInt(r, lo - 2, hi + 2));
        });
        const xLast = activationShape(true, n, cin, sizes);
        const outLast = activationShape(true, n, cout, outSizes);
        const fShape = [...kernel, cout, cin];
        const dataFormat = FORMATS[rank][channelsFirst ? 1 : 0];
        const xShape = activationShape(!channelsFirst, n, cin, sizes);
        const params = {
          outputShape: activationShape(!channelsFirst, n, cout, outSizes),
          strides: r() < 0.5 ? strides : channelsFirst ? [1, 1, ...strides] : [1, ...strides, 1],
          padding: pad === 'same' ? ('SAME' as const) : ('VALID' as const),
          dataFormat,
        };
        const name = `${i}_in${sizes.join('x')}_k${kernel.join('x')}_s${strides.join('x')}_${pad}_out${outSizes.join('x')}_${dataFormat}`;
        if (!tfAccepts(rank, sizes, fShape, outLast, strides, pad)) {
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
        const x = dyadic(r, count(xLast));
        const f = dyadic(r, count(fShape));
        const options = fromTensorFlow(params, xShape, fShape);
        const input = toChannels(x, xLast, true, !channelsFirst).data;
        const ours = convTransposeCpu(input, xShape, f, fShape, options);
        expect(ours.shape, name).toEqual(params.outputShape);
        const oursLast = toChannels(ours.data, ours.shape, !channelsFirst, true).data;
        const negative = (v: number, a: number) =>
          Math.ceil(outSizes[a]! / strides[a]!) * strides[a]! - strides[a]! + kernel[a]! - outSizes[a]! < 0;
        const total = (v: number, a: number) =>
          Math.max(0, Math.ceil(outSizes[a]! / strides[a]!) * strides[a]! - strides[a]! + kernel[a]! - outSizes[a]!);
        let tfjsPad = pad;
        if (rank === 3 && pad === 'same' && sizes.some(negative)) {
          if (sizes.some((v, a) => total(v, a) > 0)) {
            unclamped++;
            continue;
          }
          tfjsPad = 'valid';
        }
        const theirs = tfjsResult(rank, x, xLast, f, fShape, outLast, strides, tfjsPad);
        expect(maxViolation(oursLast, theirs, 1e-5, 1e-5), name).toBeLessThanOrEqual(1);
        compared++;
      }
      console.log(
        `TF.js ${rank}-D: ${compared} random cases agreed, ${rejected} rejected by both, ${unclamped} not compared (TF.js's unclamped 3-D SAME padding)`,
      );
      expect(compared).toBeGreaterThanOrEqual(cases / 2);
      expect(rejected).toBeGreaterThanOrEqual(10);
    });
  },
);

describe('TensorFlow 1-D dilations (TF.js has no dilated transposed convolution): the adjoint of tf.conv2d on a unit height', () => {
  it('holds on 60 random stride-1 dilated geometries, SAME and VALID', () => {
    const r = rng(0xd1d);
    for (let i = 0; i < 60; i++) {
      const [cin, cout] = [randInt(r, 1, 3), randInt(r, 1, 3)];
      const [w, k, d] = [randInt(r, 1, 6), randInt(r, 1, 4), randInt(r, 1, 3)];
      const pad = pick(r, ['same', 'valid'] as const);
      const out = pad === 'same' ? w : w + (k - 1) * d;
      const y = dyadic(r, w * cin);
      const f = dyadic(r, k * cout * cin);
      const x = dyadic(r, out * cout);
      const options = fromTensorFlow(
        { outputShape: [1, out, cout], strides: 1, padding: pad === 'same' ? 'SAME' : 'VALID', dilations: d },
        [1, w, cin],
        [k, cout, cin],
      );
      const ours = convTransposeCpu(y, [1, w, cin], f, [k, cout, cin], options);
      const forward = tf.tidy(
        () =>
          tf
            .conv2d(tf.tensor4d(x, [1, 1, out, cout]), tf.tensor4d(f, [1, k, cout, cin]), 1, pad, 'NHWC', [1, d])
            .dataSync() as Float32Array,
      );
      expect(forward.length).toBe(y.length);
      let lhs = 0;
      let rhs = 0;
      for (let j = 0; j < y.length; j++) lhs += forward[j]! * y[j]!;
      for (let j = 0; j < x.length; j++) rhs += x[j]! * ours.data[j]!;
      expect(Math.abs(lhs - rhs), `${i}_w${w}_k${k}_d${d}_${pad}`).toBeLessThanOrEqual(
        1e-9 * Math.max(1, Math.abs(lhs)),
      );
    }
  });
});

describe("TF.js's 3-D SAME padding is not clamped at 0 (TensorFlow's is)", () => {
  it('k1 s3 in2 out6: TensorFlow crops nothing, x[0] → y[0]; TF.js shifts it to y[1]', () => {
    const theirs = tfjsResult(
      3,
      new Float32Array([1, 2]),
      [1, 2, 1, 1, 1],
      new Float32Array([1]),
      [1, 1, 1, 1, 1],
      [1, 6, 1, 1, 1],
      [3, 1, 1],
      'same',
    );
    expect(Array.from(theirs)).toEqual([0, 1, 0, 0, 2, 0]);
    const options = fromTensorFlow(
      { outputShape: [1, 6, 1, 1, 1], strides: [3, 1, 1], padding: 'SAME' },
      [1, 2, 1, 1, 1],
      [1, 1, 1, 1, 1],
    );
    expect(options.padding).toEqual([0, 0, 0, 0, 0, 0]);
    const ours = convTransposeCpu(
      new Float32Array([1, 2]),
      [1, 2, 1, 1, 1],
      new Float32Array([1]),
      [1, 1, 1, 1, 1],
      options,
    );
    expect(Array.from(ours.data)).toEqual([1, 0, 0, 2, 0, 0]);
    // TF.js's own 2-D path clamps, and agrees with TensorFlow on the same axis.
    const twoD = tf.tidy(() =>
      tf
        .conv2dTranspose(
          tf.tensor4d([1, 2], [1, 2, 1, 1]),
          tf.tensor4d([1], [1, 1, 1, 1]),
          [1, 6, 1, 1],
          [3, 1],
          'same',
        )
        .dataSync(),
    );
    expect(Array.from(twoD)).toEqual([1, 0, 0, 2, 0, 0]);
  });
});
