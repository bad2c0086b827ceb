// The adapters with one and three spatial axes (1-D audio layers, 3-D volumes): fixed
// cases whose numbers follow the frameworks' own rules (see docs/rules.md).
import { describe, expect, it } from 'vitest';
import { DeconvError } from '../src/errors.js';
import { fromCaffe, fromKeras, fromOnnx, fromTensorFlow, fromTorch } from '../src/frameworks.js';
import type { ConvTranspose1dOptions, ConvTranspose3dOptions } from '../src/types.js';
import { resolveConvTranspose } from '../src/geometry.js';
import type { ConvTransposeOptions } from '../src/types.js';

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
  expect(e.message.startsWith(`${param} = `)).toBe(true);
  return e;
}

function outputShape(x: readonly number[], w: readonly number[], o: ConvTransposeOptions): number[] {
  return resolveConvTranspose(x, w, o).outputShape;
}

describe('fromTorch: nn.ConvTranspose1d and nn.ConvTranspose3d', () => {
  it('HiFi-GAN-style ConvTranspose1d(4, 2, 16, stride=8, padding=4): 10 → 80 samples', () => {
    const o: ConvTranspose1dOptions = fromTorch({ stride: 8, padding: 4, kernelSize: 16 }, [1, 4, 10], [4, 2, 16]);
    expect(o).toEqual({
      strides: [8],
      dilations: [1],
      padding: [4, 4],
      outputPadding: [0],
      groups: 1,
      inputLayout: 'ncw',
      filterLayout: 'iow',
    });
    expect(outputShape([1, 4, 10], [4, 2, 16], o)).toEqual([1, 2, 80]);
  });

  it('a scalar or a one-element list, as _single takes them', () => {
    const a = fromTorch({ stride: [3], dilation: [2], padding: [1] }, [2, 2, 5], [2, 3, 3]);
    const b = fromTorch({ stride: 3, dilation: 2, padding: 1 }, [2, 2, 5], [2, 3, 3]);
    expect(a).toEqual(b);
    rejects(() => fromTorch({ stride: [3, 3] }, [2, 2, 5], [2, 3, 3]), 'stride');
  });

  it('forward(x, output_size) in 1-D: [L] or [N, C, L], within [min, min + stride − 1]', () => {
    // k3 s2 in3: min = 7.
    for (const outputSize of [[7], [8], [1, 1, 8]]) {
      const o = fromTorch({ stride: 2, outputSize }, [1, 1, 3], [1, 1, 3]);
      expect(outputShape([1, 1, 3], [1, 1, 3], o)[2]).toBe(outputSize[outputSize.length - 1]);
    }
    expect(
      rejects(() => fromTorch({ stride: 2, outputSize: [9] }, [1, 1, 3], [1, 1, 3]), 'outputSize').message,
    ).toContain('length 9 is outside');
    rejects(() => fromTorch({ stride: 2, outputSize: [1, 8] }, [1, 1, 3], [1, 1, 3]), 'outputSize');
  });

  it('ConvTranspose3d(2, 6, 4, stride=2, padding=1) doubles every axis; per-axis output_padding', () => {
    const o: ConvTranspose3dOptions = fromTorch({ stride: 2, padding: 1 }, [1, 2, 3, 4, 5], [2, 6, 4, 4, 4]);
    expect(o).toMatchObject({ padding: [1, 1, 1, 1, 1, 1], inputLayout: 'ncdhw', filterLayout: 'iodhw' });
    expect(outputShape([1, 2, 3, 4, 5], [2, 6, 4, 4, 4], o)).toEqual([1, 6, 6, 8, 10]);
    const op = fromTorch(
      { stride: [2, 1, 3], kernelSize: [3, 1, 2], outputPadding: [1, 0, 2] },
      [1, 1, 2, 2, 2],
      [1, 1, 3, 1, 2],
    );
    expect(outputShape([1, 1, 2, 2, 2], [1, 1, 3, 1, 2], op)).toEqual([1, 1, 6, 2, 7]);
  });

  it('output_padding ≥ max(stride, dilation) names the axis and the largest allowed value', () => {
    const e = rejects(
      () => fromTorch({ stride: [1, 2, 1], outputPadding: [0, 2, 0] }, [1, 1, 2, 2, 2], [1, 1, 3, 3, 3]),
      'outputPadding',
    );
    expect(e.message).toContain(
      'must be less than max(stride, dilation) = 2 on the height axis (at most 1), as PyTorch requires',
    );
  });

  it('depthwise groups in 1-D (BigVGAN-style upsampler: groups = channels, k12 s2)', () => {
    const o = fromTorch({ stride: 2, padding: 5, groups: 8, outChannels: 8 }, [1, 8, 100], [8, 1, 12]);
    expect(outputShape([1, 8, 100], [8, 1, 12], o)).toEqual([1, 8, 200]);
  });
});

describe('fromTensorFlow: tf.nn.conv1d_transpose and tf.nn.conv3d_transpose', () => {
  it('conv1d_transpose NWC, filter [w, out, in], SAME: the odd crop at the end', () => {
    // k3 s2 in5 out10: total = (5 − 1)·2 + 3 − 10 = 1 → 0 at the beginning, 1 at the end.
    const o = fromTensorFlow({ outputShape: [1, 10, 4], strides: 2, padding: 'SAME' }, [1, 5, 2], [3, 4, 2]);
    expect(o).toEqual({
      strides: [2],
      dilations: [1],
      padding: [0, 1],
      outputPadding: [0],
      inputLayout: 'nwc',
      filterLayout: 'woi',
    });
  });

  it("strides of 1 or 3 values (3: in data-format order, 1 at batch and channels); 'NCW'", () => {
    const ncw = fromTensorFlow(
      { outputShape: [1, 4, 11], strides: [1, 1, 2], padding: 'VALID', dataFormat: 'NCW' },
      [1, 2, 5],
      [3, 4, 2],
    );
    expect(ncw).toMatchObject({ strides: [2], inputLayout: 'ncw', padding: [0, 0], outputPadding: [0] });
    const nwc = fromTensorFlow({ outputShape: [1, 12, 4], strides: [1, 2, 1], padding: 'VALID' }, [1, 5, 2], [3, 4, 2]);
    expect(nwc.outputPadding).toEqual([1]);
    rejects(
      () => fromTensorFlow({ outputShape: [1, 12, 4], strides: [2, 1], padding: 'VALID' }, [1, 5, 2], [3, 4, 2]),
      'strides',
    );
    rejects(
      () => fromTensorFlow({ outputShape: [1, 12, 4], strides: [2, 2, 1], padding: 'VALID' }, [1, 5, 2], [3, 4, 2]),
      'strides',
    );
  });

  it("TensorFlow's output-shape check in 1-D: VALID k3 s2 in5 accepts 11 and 12 only", () => {
    for (const len of [10, 13]) {
      const e = rejects(
        () => fromTensorFlow({ outputShape: [1, len, 4], strides: 2, padding: 'VALID' }, [1, 5, 2], [3, 4, 2]),
        'outputShape',
      );
      expect(e.message).toContain('valid output lengths: [11, 12]');
    }
  });

  it('explicit padding exists only in conv2d_transpose', () => {
    const e = rejects(
      () =>
        fromTensorFlow(
          {
            outputShape: [1, 10, 4],
            strides: 2,
            padding: [
              [0, 0],
              [1, 0],
              [0, 0],
            ],
          },
          [1, 5, 2],
          [3, 4, 2],
        ),
      'padding',
    );
    expect(e.message).toContain('tf.nn.conv1d_transpose takes only');
  });

  it('conv3d_transpose NDHWC, filter [d, h, w, out, in], SAME per axis; NCDHW', () => {
    const o = fromTensorFlow(
      { outputShape: [2, 4, 6, 5, 3], strides: [2, 2, 2], padding: 'SAME' },
      [2, 2, 3, 3, 1],
      [2, 3, 4, 3, 1],
    );
    // Depth: k2 → no crop. Height: k3, out 6 → crop 1 (end). Width: k4, out 5 → crop 3 (1 + 2).
    expect(o).toMatchObject({ padding: [0, 0, 0, 1, 1, 2], inputLayout: 'ndhwc', filterLayout: 'dhwoi' });
    expect(outputShape([2, 2, 3, 3, 1], [2, 3, 4, 3, 1], o)).toEqual([2, 4, 6, 5, 3]);
    const first = fromTensorFlow(
      { outputShape: [2, 3, 4, 6, 5], strides: [1, 1, 2, 2, 2], padding: 'SAME', dataFormat: 'NCDHW' },
      [2, 1, 2, 3, 3],
      [2, 3, 4, 3, 1],
    );
    expect(first).toMatchObject({ padding: [0, 0, 0, 1, 1, 2], inputLayout: 'ncdhw' });
    rejects(
      () =>
        fromTensorFlow(
          { outputShape: [2, 4, 6, 5, 3], strides: 2, padding: 'SAME', dataFormat: 'NHWC' as never },
          [2, 2, 3, 3, 1],
          [2, 3, 4, 3, 1],
        ),
      'dataFormat',
    );
  });
});

describe('fromKeras: Conv1DTranspose and Conv3DTranspose', () => {
  it("Conv1DTranspose k4 s2 'same': Keras's in·s, TensorFlow's crop", () => {
    const o = fromKeras({ filters: 3, kernelSize: 4, strides: 2, padding: 'same' }, [1, 7, 2], [4, 3, 2]);
    expect(outputShape([1, 7, 2], [4, 3, 2], o)).toEqual([1, 14, 3]);
    expect(o.padding).toEqual([1, 1]);
  });

  it("Conv1DTranspose 'valid' with outputPadding: (in − 1)·s + k + op; op < strides", () => {
    const o = fromKeras({ kernelSize: 3, strides: 3, outputPadding: 2 }, [1, 4, 1], [3, 1, 1]);
    expect(outputShape([1, 4, 1], [3, 1, 1], o)).toEqual([1, 14, 1]);
    rejects(() => fromKeras({ kernelSize: 3, strides: 3, outputPadding: 3 }, [1, 4, 1], [3, 1, 1]), 'outputPadding');
  });

  it("Conv3DTranspose 'valid' with per-axis output padding, channels_first", () => {
    const o = fromKeras(
      { strides: [2, 1, 3], outputPadding: [1, 0, 2], dataFormat: 'channels_first' },
      [1, 2, 2, 3, 2],
      [3, 2, 2, 4, 2],
    );
    // (in − 1)·s + k + op: depth 2 + 3 + 1 = 6, height 2 + 2 = 4, width 3 + 2 + 2 = 7.
    expect(outputShape([1, 2, 2, 3, 2], [3, 2, 2, 4, 2], o)).toEqual([1, 4, 6, 4, 7]);
    expect(o).toMatchObject({ inputLayout: 'ncdhw', filterLayout: 'dhwoi' });
  });

  it("Conv3DTranspose 'same' with an even kernel and outputPadding 0: Keras's length is rejected by TensorFlow", () => {
    const e = rejects(
      () =>
        fromKeras({ kernelSize: 2, strides: 2, padding: 'same', outputPadding: 0 }, [1, 3, 3, 3, 1], [2, 2, 2, 1, 1]),
      'outputPadding',
    );
    expect(e.message).toContain('Keras computes an output depth of 4 and tf.nn.conv3d_transpose rejects it');
  });
});

describe('fromOnnx: ConvTranspose with 1 and 3 spatial axes (as onnxruntime computes it)', () => {
  // k4 s2 in3: F = 8; the same numbers onnxruntime-node 1.30 gives (test/reference-ort-nd.test.ts).
  it('SAME_UPPER / SAME_LOWER / output_shape / pads in 1-D', () => {
    const pad = (p: Parameters<typeof fromOnnx>[0]) => {
      const g = resolveConvTranspose([1, 1, 3], [1, 1, 4], fromOnnx(p, [1, 1, 3], [1, 1, 4]));
      return [g.outSizes[0], ...g.padding];
    };
    expect(pad({ strides: [2], autoPad: 'SAME_UPPER', outputPadding: [1] })).toEqual([6, 1, 2]);
    expect(pad({ strides: [2], autoPad: 'SAME_LOWER', outputPadding: [1] })).toEqual([6, 2, 1]);
    expect(pad({ strides: [2], outputShape: [7] })).toEqual([7, 1, 0]);
    expect(pad({ strides: [2], autoPad: 'SAME_UPPER', outputShape: [7] })).toEqual([7, 0, 1]);
    expect(pad({ strides: [2], pads: [1, 2] })).toEqual([5, 1, 2]);
    rejects(() => fromOnnx({ strides: [2], outputShape: [1, 1, 7] }, [1, 1, 3], [1, 1, 4]), 'outputShape');
    rejects(() => fromOnnx({ strides: [2], pads: [4, 4] }, [1, 1, 3], [1, 1, 4]), 'pads');
    rejects(() => fromOnnx({ strides: [2], pads: [1, 1, 1, 1] }, [1, 1, 3], [1, 1, 4]), 'pads');
    rejects(() => fromOnnx({ dilations: [2], outputPadding: [1] }, [1, 1, 3], [1, 1, 4]), 'outputPadding');
  });

  it('3-D: pads [d, h, w begins, d, h, w ends], group, output_shape per axis', () => {
    const o = fromOnnx({ strides: [2, 2, 2], pads: [1, 0, 0, 0, 1, 0] }, [1, 1, 2, 2, 2], [1, 1, 2, 2, 2]);
    expect(o.padding).toEqual([1, 0, 0, 1, 0, 0]);
    expect(outputShape([1, 1, 2, 2, 2], [1, 1, 2, 2, 2], o)).toEqual([1, 1, 3, 3, 4]);
    const g = fromOnnx({ strides: [2, 1, 1], group: 2 }, [1, 2, 2, 2, 2], [2, 1, 3, 3, 3]);
    expect(outputShape([1, 2, 2, 2, 2], [2, 1, 3, 3, 3], g)).toEqual([1, 2, 5, 4, 4]);
    const s = fromOnnx({ strides: [2, 2, 2], outputShape: [4, 5, 4] }, [1, 1, 2, 2, 2], [1, 1, 3, 3, 3]);
    expect(s.padding).toEqual([1, 0, 0, 0, 1, 0]);
  });
});

describe('fromCaffe: N-D Deconvolution', () => {
  it('1-D and 3-D: kernel_size/stride/pad once or per axis', () => {
    const one = fromCaffe({ numOutput: 2, kernelSize: 4, stride: 2, pad: 1 }, [1, 3, 6], [3, 2, 4]);
    expect(outputShape([1, 3, 6], [3, 2, 4], one)).toEqual([1, 2, 12]);
    const three = fromCaffe(
      { kernelSize: [3, 1, 2], stride: [2, 1, 2], pad: [1, 0, 0], dilation: 1 },
      [1, 1, 2, 3, 4],
      [1, 1, 3, 1, 2],
    );
    expect(three).toMatchObject({ strides: [2, 1, 2], padding: [1, 1, 0, 0, 0, 0], inputLayout: 'ncdhw' });
    expect(outputShape([1, 1, 2, 3, 4], [1, 1, 3, 1, 2], three)).toEqual([1, 1, 3, 3, 8]);
  });

  it('kernel_h/stride_h/pad_h exist for 2-D only; repeated fields take 1 or rank values', () => {
    expect(rejects(() => fromCaffe({ kernelH: 3, kernelW: 3 }, [1, 1, 4], [1, 1, 3]), 'kernelH').message).toContain(
      'can only be used for 2-D',
    );
    rejects(() => fromCaffe({ padW: 1 }, [1, 1, 2, 2, 2], [1, 1, 3, 3, 3]), 'padW');
    rejects(() => fromCaffe({ stride: [2, 2] }, [1, 1, 2, 2, 2], [1, 1, 3, 3, 3]), 'stride');
    rejects(() => fromCaffe({ kernelSize: [3, 3, 2] }, [1, 1, 2, 2, 2], [1, 1, 3, 3, 3]), 'kernelSize');
  });
});
