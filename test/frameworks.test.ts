import { describe, expect, it } from 'vitest';
import { convTranspose2dCpu } from '../src/cpu.js';
import { DeconvError } from '../src/errors.js';
import { fromCaffe, fromKeras, fromOnnx, fromTensorFlow, fromTorch } from '../src/frameworks.js';
import { resolveConvTranspose2d } from '../src/geometry.js';

/** Rows of a single-channel output (NHWC or NCHW with C = 1 are the same memory). */
function rows(data: Float32Array, h: number, w: number): number[][] {
  return Array.from({ length: h }, (_, y) => Array.from(data.subarray(y * w, (y + 1) * w)));
}

function expectRowsClose(actual: number[][], expected: number[][]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, y) => row.forEach((v, x) => expect(v).toBeCloseTo(expected[y]![x]!, 5)));
}

function rejects(fn: () => unknown, param: string): DeconvError {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(DeconvError);
  const e = error as DeconvError;
  expect(e.code).toBe('INVALID_ARGUMENT');
  expect(e.param).toBe(param);
  return e;
}

/** Output [H, W] of a geometry. */
function outHW(inputShape: number[], filterShape: number[], options: ReturnType<typeof fromTorch>): [number, number] {
  const g = resolveConvTranspose2d(inputShape, filterShape, options);
  return [g.outHeight, g.outWidth];
}

describe('acceptance: tf.nn.conv2d_transpose examples', () => {
  it('tf_same_k2_s2_in3_out6: a = [[0,0,1.5],[0,1,0],[0,0,0]], filter [[1,2],[3,4]]', () => {
    const a = new Float32Array([0, 0, 1.5, 0, 1, 0, 0, 0, 0]);
    const filter = new Float32Array([1, 2, 3, 4]); // [2, 2, 1, 1]
    const options = fromTensorFlow(
      { outputShape: [1, 6, 6, 1], strides: 2, padding: 'SAME' },
      [1, 3, 3, 1],
      [2, 2, 1, 1],
    );
    const y = convTranspose2dCpu(a, [1, 3, 3, 1], filter, [2, 2, 1, 1], options);
    expect(y.shape).toEqual([1, 6, 6, 1]);
    expect(rows(y.data, 6, 6)).toEqual([
      [0, 0, 0, 0, 1.5, 3],
      [0, 0, 0, 0, 4.5, 6],
      [0, 0, 1, 2, 0, 0],
      [0, 0, 3, 4, 0, 0],
      [0, 0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0, 0],
    ]);
  });

  const x = new Float32Array([4.5, 5.4, 8.1, 9.0]);
  const ones = new Float32Array(9).fill(1);
  // TensorFlow's values for the 5×5 output; 6×6 adds a zero row and column.
  const tf5 = [
    [4.5, 4.5, 9.9, 5.4, 5.4],
    [4.5, 4.5, 9.9, 5.4, 5.4],
    [12.6, 12.6, 27, 14.4, 14.4],
    [8.1, 8.1, 17.1, 9, 9],
    [8.1, 8.1, 17.1, 9, 9],
  ];
  const tf6 = [...tf5.map((r) => [...r, 0]), [0, 0, 0, 0, 0, 0]];

  it('tf_valid_k3_s2_in2_out5: accepted, TF values', () => {
    const options = fromTensorFlow(
      { outputShape: [1, 5, 5, 1], strides: 2, padding: 'VALID' },
      [1, 2, 2, 1],
      [3, 3, 1, 1],
    );
    const y = convTranspose2dCpu(x, [1, 2, 2, 1], ones, [3, 3, 1, 1], options);
    expect(y.shape).toEqual([1, 5, 5, 1]);
    expectRowsClose(rows(y.data, 5, 5), tf5);
  });

  it('tf_valid_k3_s2_in2_out6: accepted, TF values', () => {
    const options = fromTensorFlow(
      { outputShape: [1, 6, 6, 1], strides: 2, padding: 'VALID' },
      [1, 2, 2, 1],
      [3, 3, 1, 1],
    );
    const y = convTranspose2dCpu(x, [1, 2, 2, 1], ones, [3, 3, 1, 1], options);
    expect(y.shape).toEqual([1, 6, 6, 1]);
    expectRowsClose(rows(y.data, 6, 6), tf6);
  });

  it.each([4, 7])('tf_valid_k3_s2_in2_out%i: rejected like TensorFlow', (size) => {
    const e = rejects(
      () =>
        fromTensorFlow({ outputShape: [1, size, size, 1], strides: 2, padding: 'VALID' }, [1, 2, 2, 1], [3, 3, 1, 1]),
      'outputShape',
    );
    expect(e.message).toContain('valid output heights: [5, 6]');
  });

  it("keras Conv2DTranspose(1, 3, 2, 'valid') on 2×2 gives 5×5 with TF's values", () => {
    const options = fromKeras({ filters: 1, kernelSize: 3, strides: 2, padding: 'valid' }, [1, 2, 2, 1], [3, 3, 1, 1]);
    const y = convTranspose2dCpu(x, [1, 2, 2, 1], ones, [3, 3, 1, 1], options);
    expect(y.shape).toEqual([1, 5, 5, 1]);
    expectRowsClose(rows(y.data, 5, 5), tf5);
  });
});

describe('acceptance: Keras Conv2DTranspose', () => {
  it('keras_k2_s2_ones: repeats every input pixel into a 2×2 block', () => {
    const input = new Float32Array([1, 2, 3, 4, 5, 6]); // 1×2×3×1
    const options = fromKeras({ filters: 1, kernelSize: [2, 2], strides: [2, 2] }, [1, 2, 3, 1], [2, 2, 1, 1]);
    const y = convTranspose2dCpu(input, [1, 2, 3, 1], new Float32Array(4).fill(1), [2, 2, 1, 1], options);
    expect(y.shape).toEqual([1, 4, 6, 1]);
    expect(rows(y.data, 4, 6)).toEqual([
      [1, 1, 2, 2, 3, 3],
      [1, 1, 2, 2, 3, 3],
      [4, 4, 5, 5, 6, 6],
      [4, 4, 5, 5, 6, 6],
    ]);
  });

  it.each([
    [4, 2, 'same', 8],
    [4, 2, 'valid', 9],
    [4, 3, 'same', 12],
    [4, 1, 'same', 4],
    [5, 2, 'same', 10],
    [5, 2, 'valid', 11],
  ] as const)('keras_k3: %s² input, strides %s, %s → %s²', (size, strides, padding, out) => {
    const options = fromKeras({ filters: 2, kernelSize: 3, strides, padding }, [1, size, size, 3], [3, 3, 2, 3]);
    expect(outHW([1, size, size, 3], [3, 3, 2, 3], options)).toEqual([out, out]);
  });
});

describe('acceptance: Caffe Deconvolution', () => {
  it.each([
    [2, 1, 7],
    [2, 0, 9],
    [3, 1, 10],
  ])('caffe_k3_in4: stride %i pad %i → %i²', (stride, pad, out) => {
    const options = fromCaffe({ numOutput: 2, kernelSize: 3, stride, pad }, [1, 3, 4, 4], [3, 2, 3, 3]);
    expect(outHW([1, 3, 4, 4], [3, 2, 3, 3], options)).toEqual([out, out]);
  });
});

describe('fromTorch', () => {
  it('k3_s2_p1_op1: 4×4 → 8×8', () => {
    const o = fromTorch({ stride: 2, padding: 1, outputPadding: 1 }, [1, 2, 4, 4], [2, 3, 3, 3]);
    expect(o).toMatchObject({
      padding: [1, 1, 1, 1],
      outputPadding: [1, 1],
      inputLayout: 'nchw',
      filterLayout: 'iohw',
    });
    expect(outHW([1, 2, 4, 4], [2, 3, 3, 3], o)).toEqual([8, 8]);
  });

  it('per-axis pairs: k3x2_s2x3_p1x0_d1x2', () => {
    const o = fromTorch({ stride: [2, 3], padding: [1, 0], dilation: [1, 2], groups: 2 }, [2, 4, 3, 5], [4, 1, 3, 2]);
    expect(o).toMatchObject({ strides: [2, 3], dilations: [1, 2], padding: [1, 1, 0, 0], groups: 2 });
    expect(outHW([2, 4, 3, 5], [4, 1, 3, 2], o)).toEqual([5, 15]);
  });

  it('forward(x, output_size): k3_s2_in3 accepts [min, min + stride − 1] = [7, 8]', () => {
    for (const size of [7, 8]) {
      const o = fromTorch({ stride: 2, outputPadding: 1, outputSize: [size, size] }, [1, 1, 3, 3], [1, 1, 3, 3]);
      expect(outHW([1, 1, 3, 3], [1, 1, 3, 3], o)).toEqual([size, size]);
    }
    for (const size of [6, 9]) {
      const e = rejects(
        () => fromTorch({ stride: 2, outputSize: [size, size] }, [1, 1, 3, 3], [1, 1, 3, 3]),
        'outputSize',
      );
      expect(e.message).toContain('[7, 8]');
    }
  });

  it('k2_s1_d3: output_size range uses stride, not max(stride, dilation); output_padding up to 2 is accepted', () => {
    // PyTorch 1.13: output_size only 6; output_padding 1 and 2 accepted, 3 rejected.
    expect(
      outHW([1, 1, 3, 3], [1, 1, 2, 2], fromTorch({ dilation: 3, outputSize: [6, 6] }, [1, 1, 3, 3], [1, 1, 2, 2])),
    ).toEqual([6, 6]);
    rejects(() => fromTorch({ dilation: 3, outputSize: [7, 7] }, [1, 1, 3, 3], [1, 1, 2, 2]), 'outputSize');
    expect(
      outHW([1, 1, 3, 3], [1, 1, 2, 2], fromTorch({ dilation: 3, outputPadding: 2 }, [1, 1, 3, 3], [1, 1, 2, 2])),
    ).toEqual([8, 8]);
    rejects(() => fromTorch({ dilation: 3, outputPadding: 3 }, [1, 1, 3, 3], [1, 1, 2, 2]), 'outputPadding');
  });

  it('output_size of [N, C, H, W] form; output_padding ignored with output_size, as in PyTorch', () => {
    const o = fromTorch({ stride: 2, outputPadding: 1, outputSize: [1, 1, 7, 7] }, [1, 1, 3, 3], [1, 1, 3, 3]);
    expect(o.outputPadding).toEqual([0, 0]);
  });

  it('k3_s1_p2_in3: output 1×1 accepted; p3 (output −1) rejected', () => {
    expect(outHW([1, 1, 3, 3], [1, 1, 3, 3], fromTorch({ padding: 2 }, [1, 1, 3, 3], [1, 1, 3, 3]))).toEqual([1, 1]);
    rejects(() => fromTorch({ padding: 3 }, [1, 1, 3, 3], [1, 1, 3, 3]), 'padding');
  });

  it('checks inChannels, outChannels and kernelSize against the shapes', () => {
    const o = fromTorch({ inChannels: 4, outChannels: 6, kernelSize: [3, 2], groups: 2 }, [1, 4, 2, 2], [4, 3, 3, 2]);
    expect(o.groups).toBe(2);
    rejects(() => fromTorch({ outChannels: 3, groups: 2 }, [1, 4, 2, 2], [4, 3, 3, 2]), 'outChannels');
    rejects(() => fromTorch({ kernelSize: 3 }, [1, 4, 2, 2], [4, 3, 3, 2]), 'kernelSize');
  });
});

describe('fromTensorFlow', () => {
  it('SAME puts the odd crop at the bottom/right: k4_s2_in3_out6 crops 1 top, 2 bottom', () => {
    const o = fromTensorFlow({ outputShape: [1, 6, 6, 1], strides: 2, padding: 'SAME' }, [1, 3, 3, 1], [4, 4, 1, 1]);
    expect(o.padding).toEqual([1, 1, 1, 1]);
    const odd = fromTensorFlow({ outputShape: [1, 5, 5, 1], strides: 2, padding: 'SAME' }, [1, 3, 3, 1], [4, 4, 1, 1]);
    expect(odd.padding).toEqual([1, 2, 1, 2]);
  });

  it('SAME with stride > kernel: k1_s3_in2 accepts heights 4..6 and pads the end with zeros', () => {
    const o = fromTensorFlow({ outputShape: [1, 6, 4, 1], strides: 3, padding: 'SAME' }, [1, 2, 2, 1], [1, 1, 1, 1]);
    expect(o.padding).toEqual([0, 0, 0, 0]);
    expect(o.outputPadding).toEqual([2, 0]);
    rejects(
      () => fromTensorFlow({ outputShape: [1, 7, 4, 1], strides: 3, padding: 'SAME' }, [1, 2, 2, 1], [1, 1, 1, 1]),
      'outputShape',
    );
    rejects(
      () => fromTensorFlow({ outputShape: [1, 3, 4, 1], strides: 3, padding: 'SAME' }, [1, 2, 2, 1], [1, 1, 1, 1]),
      'outputShape',
    );
  });

  it('explicit padding, NCHW data format, 4-element strides', () => {
    const o = fromTensorFlow(
      {
        outputShape: [2, 3, 6, 5],
        strides: [1, 1, 2, 2],
        padding: [
          [0, 0],
          [0, 0],
          [1, 0],
          [0, 2],
        ],
        dataFormat: 'NCHW',
      },
      [2, 4, 3, 3],
      [3, 3, 3, 4],
    );
    expect(o).toMatchObject({
      inputLayout: 'nchw',
      filterLayout: 'hwoi',
      padding: [1, 0, 0, 2],
      outputPadding: [0, 0],
    });
    expect(outHW([2, 4, 3, 3], [3, 3, 3, 4], o)).toEqual([6, 5]);
  });

  it('dilations: k3_s1_d2_in4 VALID gives 8', () => {
    const o = fromTensorFlow(
      { outputShape: [1, 8, 8, 1], strides: 1, padding: 'VALID', dilations: 2 },
      [1, 4, 4, 1],
      [3, 3, 1, 1],
    );
    expect(outHW([1, 4, 4, 1], [3, 3, 1, 1], o)).toEqual([8, 8]);
    rejects(
      () =>
        fromTensorFlow(
          { outputShape: [1, 9, 9, 1], strides: 1, padding: 'VALID', dilations: 2 },
          [1, 4, 4, 1],
          [3, 3, 1, 1],
        ),
      'outputShape',
    );
  });

  it('rejects a batch or channel mismatch in outputShape', () => {
    rejects(
      () => fromTensorFlow({ outputShape: [2, 6, 6, 1], strides: 2, padding: 'SAME' }, [1, 3, 3, 1], [2, 2, 1, 1]),
      'outputShape',
    );
    rejects(
      () => fromTensorFlow({ outputShape: [1, 6, 6, 2], strides: 2, padding: 'SAME' }, [1, 3, 3, 1], [2, 2, 1, 1]),
      'outputShape',
    );
  });
});

describe('fromKeras', () => {
  it("k2_s2 'same' with outputPadding 0: Keras computes 6 for a 4 input and TensorFlow rejects it", () => {
    const e = rejects(
      () => fromKeras({ kernelSize: 2, strides: 2, padding: 'same', outputPadding: 0 }, [1, 4, 4, 1], [2, 2, 1, 1]),
      'outputPadding',
    );
    expect(e.message).toContain('output height of 6');
    // outputPadding 1 gives 7, which TensorFlow accepts (⌈7/2⌉ = 4), cropping the one extra row at the end.
    const o = fromKeras({ kernelSize: 2, strides: 2, padding: 'same', outputPadding: 1 }, [1, 4, 4, 1], [2, 2, 1, 1]);
    expect(o.padding).toEqual([0, 1, 0, 1]);
    expect(outHW([1, 4, 4, 1], [2, 2, 1, 1], o)).toEqual([7, 7]);
  });

  it("k3_s2 'same' outputPadding 0 gives 2·(in − 1) + 1 with the crop split evenly", () => {
    const o = fromKeras({ kernelSize: 3, strides: 2, padding: 'same', outputPadding: 0 }, [1, 4, 4, 1], [3, 3, 1, 1]);
    expect(o.padding).toEqual([1, 1, 1, 1]);
    expect(outHW([1, 4, 4, 1], [3, 3, 1, 1], o)).toEqual([7, 7]);
  });

  it("k1_s3 'valid' with null outputPadding: (in − 1)·s + max(k, s)", () => {
    const o = fromKeras({ kernelSize: 1, strides: 3 }, [1, 2, 2, 1], [1, 1, 1, 1]);
    expect(outHW([1, 2, 2, 1], [1, 1, 1, 1], o)).toEqual([6, 6]);
  });

  it('channels_first, dilation with stride 1', () => {
    const o = fromKeras(
      { kernelSize: 3, dilationRate: 2, padding: 'same', dataFormat: 'channels_first' },
      [1, 2, 5, 5],
      [3, 3, 4, 2],
    );
    expect(o).toMatchObject({ inputLayout: 'nchw', filterLayout: 'hwoi', padding: [2, 2, 2, 2] });
  });

  it('rejects outputPadding ≥ strides and strides > 1 with dilation > 1', () => {
    rejects(
      () => fromKeras({ kernelSize: 3, strides: 2, outputPadding: 2 }, [1, 4, 4, 1], [3, 3, 1, 1]),
      'outputPadding',
    );
    rejects(
      () => fromKeras({ kernelSize: 3, strides: 2, dilationRate: 2 }, [1, 4, 4, 1], [3, 3, 1, 1]),
      'dilationRate',
    );
  });
});

describe('fromOnnx (as onnxruntime 1.30 computes it)', () => {
  // k4_s2_in3: F = 8. These outcomes were measured with onnxruntime-node 1.30.
  const shape = [1, 1, 3, 3];
  const w = [1, 1, 4, 4];
  const crop = (p: Parameters<typeof fromOnnx>[0]): [number, number, number] => {
    const g = resolveConvTranspose2d(shape, w, fromOnnx(p, shape, w));
    return [g.outHeight, g.padding[0], g.padding[1]];
  };

  it('SAME_UPPER puts the odd crop at the end, SAME_LOWER at the beginning', () => {
    expect(crop({ autoPad: 'SAME_UPPER', strides: [2, 2] })).toEqual([6, 1, 1]);
    expect(crop({ autoPad: 'SAME_UPPER', strides: [2, 2], outputPadding: [1, 1] })).toEqual([6, 1, 2]);
    expect(crop({ autoPad: 'SAME_LOWER', strides: [2, 2], outputPadding: [1, 1] })).toEqual([6, 2, 1]);
  });

  it('explicit output_shape puts the odd crop at the beginning (except SAME_UPPER) and ignores pads', () => {
    expect(crop({ strides: [2, 2], outputShape: [7, 7] })).toEqual([7, 1, 0]);
    expect(crop({ strides: [2, 2], outputShape: [5, 5], pads: [1, 1, 2, 2] })).toEqual([5, 2, 1]);
    expect(crop({ autoPad: 'SAME_UPPER', strides: [2, 2], outputShape: [5, 5] })).toEqual([5, 1, 2]);
    expect(crop({ autoPad: 'VALID', strides: [2, 2], outputShape: [7, 7] })).toEqual([7, 1, 0]);
    expect(crop({ strides: [2, 2], outputShape: [9, 9] })).toEqual([9, 0, 0]);
    rejects(() => crop({ strides: [2, 2], outputShape: [10, 10] }), 'outputShape');
  });

  it('SAME with stride > kernel: total crop clamped at 0, output F + op (not in·s)', () => {
    const g = resolveConvTranspose2d(
      [1, 1, 2, 2],
      [1, 1, 1, 1],
      fromOnnx({ autoPad: 'SAME_UPPER', strides: [3, 3], outputPadding: [1, 1] }, [1, 1, 2, 2], [1, 1, 1, 1]),
    );
    expect(g.outHeight).toBe(5);
  });

  it('output_padding: < max(stride, dilation), and in effect < stride', () => {
    rejects(() => fromOnnx({ strides: [2, 2], outputPadding: [2, 0] }, shape, w), 'outputPadding');
    const e = rejects(() => fromOnnx({ dilations: [2, 2], outputPadding: [1, 0] }, shape, w), 'outputPadding');
    expect(e.message).toContain('onnxruntime rejects it');
  });

  it('rejects pads with autoPad other than NOTSET, and a crop to 0', () => {
    rejects(() => fromOnnx({ autoPad: 'SAME_UPPER', pads: [0, 0, 0, 0] }, shape, w), 'pads');
    rejects(() => fromOnnx({ strides: [2, 2], pads: [4, 0, 4, 0] }, shape, w), 'pads');
    expect(crop({ strides: [2, 2], pads: [8, 0, 0, 0], outputPadding: [1, 0] })).toEqual([1, 8, 0]);
  });
});

describe('fromCaffe', () => {
  it('kernel_h/kernel_w, stride_h/stride_w, pad_h/pad_w, dilation per axis, group', () => {
    const o = fromCaffe(
      { numOutput: 4, kernelH: 3, kernelW: 2, strideH: 2, strideW: 1, padH: 1, padW: 0, dilation: [1, 2], group: 2 },
      [1, 2, 4, 5],
      [2, 2, 3, 2],
    );
    expect(o).toMatchObject({ strides: [2, 1], padding: [1, 1, 0, 0], dilations: [1, 2], groups: 2 });
    expect(outHW([1, 2, 4, 5], [2, 2, 3, 2], o)).toEqual([7, 7]);
  });

  it('rejects pad together with pad_h/pad_w, a lone kernel_h, and a crop to nothing', () => {
    rejects(() => fromCaffe({ pad: 1, padH: 1, padW: 1 }, [1, 1, 4, 4], [1, 1, 3, 3]), 'pad');
    rejects(() => fromCaffe({ kernelH: 3 }, [1, 1, 4, 4], [1, 1, 3, 3]), 'kernelW');
    rejects(() => fromCaffe({ pad: 4 }, [1, 1, 2, 2], [1, 1, 3, 3]), 'pad');
  });

  it('takes a lone pad_h with pad_w = 0, as Caffe does', () => {
    expect(fromCaffe({ padH: 1, kernelSize: 3 }, [1, 1, 4, 4], [1, 1, 3, 3]).padding).toEqual([1, 1, 0, 0]);
    expect(fromCaffe({ padW: 2 }, [1, 1, 4, 4], [1, 1, 3, 3]).padding).toEqual([0, 0, 2, 2]);
  });
});
