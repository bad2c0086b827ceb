import { describe, expect, it } from 'vitest';
import { conv2dCpu, convTranspose2dCpu } from '../src/cpu.js';
import { DeconvError } from '../src/errors.js';
import type { DeconvErrorCode } from '../src/errors.js';
import { fromCaffe, fromKeras, fromOnnx, fromTensorFlow, fromTorch, kerasOutputLength } from '../src/frameworks.js';
import { equivalents, toKeras, toTorch } from '../src/convert.js';
import { allocate, bilinearUpsampling, foldBatchNorm, glorotUniform, heUniform } from '../src/init.js';
import { resolveConvTranspose2d } from '../src/geometry.js';
import type { ConvTranspose2dOptions } from '../src/types.js';

const X = [1, 2, 4, 4]; // NCHW
const W = [2, 3, 3, 3]; // iohw
const resolve =
  (options: unknown, x: unknown = X, w: unknown = W) =>
  () =>
    resolveConvTranspose2d(x as number[], w as number[], options as ConvTranspose2dOptions);
const cpu =
  (input: unknown, filter: unknown, options: ConvTranspose2dOptions = {}) =>
  () =>
    convTranspose2dCpu(input as Float32Array, X, filter as Float32Array, W, options);
const data = (n: number): Float32Array => new Float32Array(n);

/** [case, call, parameter named in the error]. Every call must throw DeconvError('INVALID_ARGUMENT'). */
const CASES: [string, () => unknown, string][] = [
  // Shapes: positive safe integers, 4 of them.
  ['inputShape non-integer', resolve({}, [1, 2.5, 4, 4]), 'inputShape[1]'],
  ['inputShape NaN', resolve({}, [1, 2, NaN, 4]), 'inputShape[2]'],
  ['inputShape Infinity', resolve({}, [1, 2, 4, Infinity]), 'inputShape[3]'],
  ['inputShape zero', resolve({}, [0, 2, 4, 4]), 'inputShape[0]'],
  ['inputShape negative', resolve({}, [1, -2, 4, 4]), 'inputShape[1]'],
  ['inputShape string', resolve({}, [1, '2', 4, 4]), 'inputShape[1]'],
  ['inputShape 3-D', resolve({}, [2, 4, 4]), 'inputShape'],
  ['inputShape not an array', resolve({}, 'NCHW'), 'inputShape'],
  ['filterShape 2^53', resolve({}, X, [2, 3, 2 ** 53, 3]), 'filterShape[2]'],
  ['filterShape NaN', resolve({}, X, [2, NaN, 3, 3]), 'filterShape[1]'],
  // Data arrays.
  ['input length mismatch', cpu(data(31), data(54)), 'input.length'],
  ['filter length mismatch', cpu(data(32), data(53)), 'filter.length'],
  ['input not a Float32Array', cpu([...data(32)], data(54)), 'input'],
  ['filter Float64Array', cpu(data(32), new Float64Array(54)), 'filter'],
  // Channels and groups.
  ['filter in-channels ≠ input channels', resolve({}, X, [3, 3, 3, 3]), 'filterShape'],
  ['nhwc input read as the wrong channels', resolve({ inputLayout: 'nhwc' }), 'filterShape'],
  ['groups not dividing the input channels', resolve({ groups: 3 }, [1, 4, 4, 4], [4, 1, 3, 3]), 'options.groups'],
  ['groups 0', resolve({ groups: 0 }), 'options.groups'],
  ['groups 1.5', resolve({ groups: 1.5 }), 'options.groups'],
  // Strides, dilations, padding.
  ['strides 0', resolve({ strides: [0, 1] }), 'options.strides[0]'],
  ['strides scalar', resolve({ strides: 2 }), 'options.strides'],
  ['dilations NaN', resolve({ dilations: [1, NaN] }), 'options.dilations[1]'],
  ['padding negative', resolve({ padding: [-1, 0, 0, 0] }), 'options.padding[0]'],
  ['padding 2 values', resolve({ padding: [1, 1] }), 'options.padding'],
  ['padding crops to an empty output', resolve({ padding: [3, 3, 0, 0] }), 'options.padding'],
  // Output padding and sizes.
  [
    'outputPadding = max(stride, dilation)',
    resolve({ strides: [2, 2], outputPadding: [2, 0] }),
    'options.outputPadding[0]',
  ],
  ['outputPadding with stride 1', resolve({ outputPadding: [0, 1] }), 'options.outputPadding[1]'],
  ['outputPadding negative', resolve({ strides: [2, 2], outputPadding: [-1, 0] }), 'options.outputPadding[0]'],
  ['outputSizes below the range', resolve({ strides: [2, 2], outputSizes: [8, 9] }), 'options.outputSizes[0]'],
  ['outputSizes above the range', resolve({ strides: [2, 2], outputSizes: [9, 11] }), 'options.outputSizes[1]'],
  ['outputSizes non-integer', resolve({ outputSizes: [6.5, 6] }), 'options.outputSizes[0]'],
  [
    'outputSizes conflicting with outputPadding',
    resolve({ strides: [2, 2], outputSizes: [10, 10], outputPadding: [0, 0] }),
    'options.outputPadding',
  ],
  // Bias, activation, layouts, unknown keys.
  ['bias length ≠ output channels', resolve({ bias: data(2) }), 'options.bias.length'],
  ['bias a plain array', resolve({ bias: [0, 0, 0] }), 'options.bias'],
  ['activation unknown', resolve({ activation: 'swish' }), 'options.activation'],
  ['leakyReluAlpha NaN', resolve({ activation: 'leakyRelu', leakyReluAlpha: NaN }), 'options.leakyReluAlpha'],
  ['inputLayout unknown', resolve({ inputLayout: 'chw' }), 'options.inputLayout'],
  ['filterLayout unknown', resolve({ filterLayout: 'oihw' }), 'options.filterLayout'],
  ['unknown option key (PyTorch name)', resolve({ stride: [2, 2] }), 'options.stride'],
  ['options not an object', resolve(7), 'options'],
  // conv2dCpu, the forward reference.
  [
    'conv2d outputSizes above the natural size',
    () => conv2dCpu(data(16), [1, 1, 4, 4], data(9), [1, 1, 3, 3], { outputSizes: [3, 2] }),
    'options.outputSizes',
  ],
  ['conv2d channel mismatch', () => conv2dCpu(data(32), [1, 2, 4, 4], data(9), [1, 1, 3, 3]), 'filterShape'],
  // PyTorch.
  ['torch: misspelt argument', () => fromTorch({ strides: 2 } as never, X, W), 'strides'],
  ['torch: stride 0', () => fromTorch({ stride: 0 }, X, W), 'stride'],
  ['torch: padding negative', () => fromTorch({ padding: -1 }, X, W), 'padding'],
  ['torch: dilation of 3 values', () => fromTorch({ dilation: [1, 1, 1] as never }, X, W), 'dilation'],
  [
    'torch: output_padding ≥ max(stride, dilation)',
    () => fromTorch({ stride: 2, outputPadding: 2 }, X, W),
    'outputPadding',
  ],
  ['torch: output_size out of range', () => fromTorch({ stride: 2, outputSize: [11, 10] }, X, W), 'outputSize'],
  ['torch: output_size of 3 elements', () => fromTorch({ outputSize: [1, 6, 6] }, X, W), 'outputSize'],
  ['torch: padding_mode reflect', () => fromTorch({ paddingMode: 'reflect' as never }, X, W), 'paddingMode'],
  ['torch: in_channels not divisible by groups', () => fromTorch({ groups: 2 }, [1, 3, 2, 2], [3, 1, 3, 3]), 'groups'],
  ['torch: in_channels ≠ input', () => fromTorch({ inChannels: 3 }, X, W), 'inChannels'],
  ['torch: out_channels ≠ weight', () => fromTorch({ outChannels: 4 }, X, W), 'outChannels'],
  ['torch: output below 1', () => fromTorch({ padding: 3 }, X, W), 'padding'],
  // TensorFlow.
  [
    'tf: lower-case padding',
    () =>
      fromTensorFlow({ outputShape: [1, 8, 8, 3], strides: 2, padding: 'same' as never }, [1, 4, 4, 2], [3, 3, 3, 2]),
    'padding',
  ],
  [
    'tf: strides ≠ 1 in channels',
    () =>
      fromTensorFlow({ outputShape: [1, 8, 8, 3], strides: [1, 2, 2, 2], padding: 'SAME' }, [1, 4, 4, 2], [3, 3, 3, 2]),
    'strides',
  ],
  [
    'tf: strides of 3 values',
    () =>
      fromTensorFlow({ outputShape: [1, 8, 8, 3], strides: [2, 2, 2], padding: 'SAME' }, [1, 4, 4, 2], [3, 3, 3, 2]),
    'strides',
  ],
  [
    'tf: strides missing',
    () => fromTensorFlow({ outputShape: [1, 8, 8, 3], padding: 'SAME' } as never, [1, 4, 4, 2], [3, 3, 3, 2]),
    'strides',
  ],
  [
    'tf: outputShape of 3 values',
    () => fromTensorFlow({ outputShape: [8, 8, 3], strides: 2, padding: 'SAME' }, [1, 4, 4, 2], [3, 3, 3, 2]),
    'outputShape',
  ],
  [
    'tf: outputShape rejected by the forward check',
    () => fromTensorFlow({ outputShape: [1, 9, 8, 3], strides: 2, padding: 'SAME' }, [1, 4, 4, 2], [3, 3, 3, 2]),
    'outputShape',
  ],
  [
    'tf: explicit padding in the batch dimension',
    () =>
      fromTensorFlow(
        {
          outputShape: [1, 8, 8, 3],
          strides: 2,
          padding: [
            [1, 0],
            [0, 0],
            [0, 0],
            [0, 0],
          ],
        },
        [1, 4, 4, 2],
        [3, 3, 3, 2],
      ),
    'padding',
  ],
  [
    'tf: explicit padding negative',
    () =>
      fromTensorFlow(
        {
          outputShape: [1, 8, 8, 3],
          strides: 2,
          padding: [
            [0, 0],
            [-1, 0],
            [0, 0],
            [0, 0],
          ],
        },
        [1, 4, 4, 2],
        [3, 3, 3, 2],
      ),
    'padding',
  ],
  [
    'tf: dataFormat NCW',
    () =>
      fromTensorFlow(
        { outputShape: [1, 8, 8, 3], strides: 2, padding: 'SAME', dataFormat: 'NCW' as never },
        [1, 4, 4, 2],
        [3, 3, 3, 2],
      ),
    'dataFormat',
  ],
  [
    'tf: filter in-channels ≠ input',
    () => fromTensorFlow({ outputShape: [1, 8, 8, 3], strides: 2, padding: 'SAME' }, [1, 4, 4, 2], [3, 3, 3, 1]),
    'filterShape',
  ],
  // Keras.
  ["keras: padding 'full'", () => fromKeras({ padding: 'full' as never }, [1, 4, 4, 2], [3, 3, 3, 2]), 'padding'],
  [
    'keras: output_padding ≥ strides',
    () => fromKeras({ strides: 2, outputPadding: [0, 2] }, [1, 4, 4, 2], [3, 3, 3, 2]),
    'outputPadding',
  ],
  [
    'keras: strides > 1 with dilation > 1',
    () => fromKeras({ strides: 2, dilationRate: 2 }, [1, 4, 4, 2], [3, 3, 3, 2]),
    'dilationRate',
  ],
  [
    'keras: length TensorFlow rejects',
    () => fromKeras({ kernelSize: 2, strides: 2, padding: 'same', outputPadding: 0 }, [1, 4, 4, 2], [2, 2, 3, 2]),
    'outputPadding',
  ],
  ['keras: filters ≠ kernel', () => fromKeras({ filters: 4 }, [1, 4, 4, 2], [3, 3, 3, 2]), 'filters'],
  ['keras: kernel_size ≠ kernel', () => fromKeras({ kernelSize: [3, 2] }, [1, 4, 4, 2], [3, 3, 3, 2]), 'kernelSize'],
  [
    'keras: data_format NHWC',
    () => fromKeras({ dataFormat: 'NHWC' as never }, [1, 4, 4, 2], [3, 3, 3, 2]),
    'dataFormat',
  ],
  // ONNX.
  ["onnx: autoPad 'SAME'", () => fromOnnx({ autoPad: 'SAME' as never }, X, W), 'autoPad'],
  ['onnx: pads of 2 values', () => fromOnnx({ pads: [1, 1] }, X, W), 'pads'],
  ['onnx: pads with SAME_UPPER', () => fromOnnx({ autoPad: 'SAME_UPPER', pads: [0, 0, 0, 0] }, X, W), 'pads'],
  ['onnx: output_shape of 4 values', () => fromOnnx({ outputShape: [1, 3, 6, 6] }, X, W), 'outputShape'],
  ['onnx: output_shape 0', () => fromOnnx({ outputShape: [0, 6] }, X, W), 'outputShape[0]'],
  ['onnx: output_shape past the input', () => fromOnnx({ strides: [2, 2], outputShape: [11, 9] }, X, W), 'outputShape'],
  [
    'onnx: output_padding ≥ max(stride, dilation)',
    () => fromOnnx({ strides: [2, 2], outputPadding: [2, 0] }, X, W),
    'outputPadding',
  ],
  [
    'onnx: output_padding ≥ stride (dilation 2)',
    () => fromOnnx({ dilations: [2, 2], outputPadding: [1, 0] }, X, W),
    'outputPadding',
  ],
  ['onnx: group not dividing the channels', () => fromOnnx({ group: 3 }, [1, 4, 4, 4], [4, 1, 3, 3]), 'group'],
  ['onnx: kernel_shape ≠ W', () => fromOnnx({ kernelShape: [3, 2] }, X, W), 'kernelShape'],
  ['onnx: strides 0', () => fromOnnx({ strides: [0, 1] }, X, W), 'strides[0]'],
  ['onnx: pads crop to nothing', () => fromOnnx({ pads: [3, 0, 3, 0] }, X, W), 'pads'],
  // Caffe.
  ['caffe: kernel_size with kernel_h', () => fromCaffe({ kernelSize: 3, kernelH: 3, kernelW: 3 }, X, W), 'kernelSize'],
  ['caffe: stride with stride_h', () => fromCaffe({ stride: 2, strideH: 2, strideW: 2 }, X, W), 'stride'],
  ['caffe: stride_h without stride_w', () => fromCaffe({ strideH: 2 }, X, W), 'strideW'],
  ['caffe: pad of 3 values', () => fromCaffe({ pad: [1, 1, 1] }, X, W), 'pad'],
  ['caffe: dilation 0', () => fromCaffe({ dilation: 0 }, X, W), 'dilation'],
  ['caffe: num_output ≠ weight', () => fromCaffe({ numOutput: 4 }, X, W), 'numOutput'],
  ['caffe: group not dividing the channels', () => fromCaffe({ group: 2 }, [1, 3, 4, 4], [3, 1, 3, 3]), 'group'],
  ['caffe: kernel_size ≠ weight', () => fromCaffe({ kernelSize: 2 }, X, W), 'kernelSize'],
  ['caffe: unknown field', () => fromCaffe({ num_output: 3 } as never, X, W), 'num_output'],
  // Conversions validate the canonical options first.
  [
    'toTorch: invalid options',
    () => toTorch(X, W, { strides: [2, 2], outputPadding: [3, 0] }),
    'options.outputPadding[0]',
  ],
];

describe('every invalid parameter set raises DeconvError naming the parameter, value and rule', () => {
  it.each(CASES)('%s', (_name, call, param) => {
    let error: unknown;
    try {
      call();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DeconvError);
    const e = error as DeconvError;
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.name).toBe('DeconvError');
    expect(e.param).toBe(param);
    // "<param> = <value>: <rule>"
    expect(e.message.startsWith(`${param} = `)).toBe(true);
    expect(e.message.split(': ').slice(1).join(': ').length).toBeGreaterThan(10);
  });
});

// Hostile inputs (wrong types, edge numbers, odd objects, sizes near or past 2^32) on the
// adapters, conversions and initializers: each is a DeconvError with the right code and
// parameter, quickly, or the correct result. The first ones are fixed regression cases.
const circular: Record<string, unknown> = {};
circular.self = circular;
const revoked = Proxy.revocable({}, {});
revoked.revoke();
const throwing = Object.defineProperty({}, 'stride', {
  enumerable: true,
  get() {
    throw new Error('no');
  },
});
const hidden = Object.defineProperty({}, 'strid', { value: 2, enumerable: false });
const f32 = (n: number) => new Float32Array(n);
/** An array with a hole at `at` (a sparse array). */
function sparse(values: unknown[], at: number): unknown[] {
  const a = [...values];
  delete a[at];
  return a;
}
const bn3 = { gamma: f32(3), beta: f32(3), mean: f32(3), variance: f32(3).fill(1) };

const HOSTILE: [string, () => unknown, DeconvErrorCode, string][] = [
  // Sizes near or past 2^32 are rejected before any work that depends on them.
  [
    'fromOnnx: a filter of height 2^32',
    () => fromOnnx({}, [1, 1, 1, 1], [1, 1, 2 ** 32, 1]),
    'INVALID_ARGUMENT',
    'filterShape[2]',
  ],
  [
    'toTorch: an input of width 2^40',
    () => toTorch([1, 1, 1, 2 ** 40], [1, 1, 1, 1]),
    'INVALID_ARGUMENT',
    'inputShape[3]',
  ],
  [
    'equivalents: a stride of 2^32',
    () => equivalents([1, 1, 2, 6], [1, 1, 1, 1], { strides: [2 ** 32, 65536] }),
    'INVALID_ARGUMENT',
    'options.strides[0]',
  ],
  [
    'fromTorch: dilation 2^31 − 1 with a 3-tap kernel (full size 2^32)',
    () => fromTorch({ dilation: 2 ** 31 - 1 }, [1, 1, 4], [1, 1, 3]),
    'INVALID_ARGUMENT',
    'dilation',
  ],
  [
    'fromTensorFlow: a full height of 2^31',
    () =>
      fromTensorFlow(
        { outputShape: [1, 2 ** 31 - 1, 1, 1], strides: [2 ** 31 - 1, 1], padding: 'VALID' },
        [1, 2, 1, 1],
        [1, 1, 1, 1],
      ),
    'INVALID_ARGUMENT',
    'strides',
  ],
  [
    'fromKeras: strides past 2^31 − 1',
    () => fromKeras({ strides: 2 ** 31 }, [1, 2, 1], [1, 1, 1]),
    'INVALID_ARGUMENT',
    'strides',
  ],
  ['fromCaffe: pad 2^53', () => fromCaffe({ pad: 2 ** 53 }, X, W), 'INVALID_ARGUMENT', 'pad'],
  [
    'kerasOutputLength: in = 2^40',
    () => kerasOutputLength(2 ** 40, 3, 2, 1, 'same', null),
    'INVALID_ARGUMENT',
    'inSize',
  ],
  // Values that once made the message formatter throw.
  ['fromTorch: a BigInt stride', () => fromTorch({ stride: 2n as never }, X, W), 'INVALID_ARGUMENT', 'stride'],
  [
    'fromTorch: a circular padding',
    () => fromTorch({ padding: circular as never }, X, W),
    'INVALID_ARGUMENT',
    'padding',
  ],
  [
    'fromKeras: circular params',
    () => fromKeras(circular as never, [1, 4, 4, 2], [3, 3, 3, 2]),
    'INVALID_ARGUMENT',
    'self',
  ],
  ['fromOnnx: a revoked Proxy as params', () => fromOnnx(revoked.proxy as never, X, W), 'INVALID_ARGUMENT', 'params'],
  ['fromTorch: a throwing getter', () => fromTorch(throwing as never, X, W), 'INVALID_ARGUMENT', 'stride'],
  [
    'toKeras: a BigInt in the options',
    () => toKeras(X, W, { strides: [2n, 1] as never }),
    'INVALID_ARGUMENT',
    'options.strides[0]',
  ],
  // Odd arrays and objects.
  [
    'fromTorch: a sparse stride',
    () => fromTorch({ stride: sparse([0, 2], 0) as never }, X, W),
    'INVALID_ARGUMENT',
    'stride[0]',
  ],
  [
    'fromOnnx: a sparse input shape',
    () => fromOnnx({}, sparse([1, 2, 4, 4], 1) as never, W),
    'INVALID_ARGUMENT',
    'inputShape[1]',
  ],
  [
    'fromTensorFlow: a sparse explicit padding',
    () =>
      fromTensorFlow(
        {
          outputShape: [1, 8, 8, 3],
          strides: 2,
          padding: sparse(
            [
              [0, 0],
              [0, 0],
              [0, 0],
              [0, 0],
            ],
            1,
          ) as never,
        },
        [1, 4, 4, 2],
        [3, 3, 3, 2],
      ),
    'INVALID_ARGUMENT',
    'padding',
  ],
  ['fromCaffe: a Map as params', () => fromCaffe(new Map() as never, X, W), 'INVALID_ARGUMENT', 'params'],
  ['fromTorch: null params', () => fromTorch(null as never, X, W), 'INVALID_ARGUMENT', 'params'],
  [
    'fromTorch: an inherited unknown key',
    () => fromTorch(Object.create({ strides: 2 }) as never, X, W),
    'INVALID_ARGUMENT',
    'strides',
  ],
  ['fromTorch: a non-enumerable unknown key', () => fromTorch(hidden as never, X, W), 'INVALID_ARGUMENT', 'strid'],
  ['fromTorch: groups null', () => fromTorch({ groups: null as never }, X, W), 'INVALID_ARGUMENT', 'groups'],
  [
    'fromKeras: useBias "yes"',
    () => fromKeras({ useBias: 'yes' as never }, [1, 4, 4, 2], [3, 3, 3, 2]),
    'INVALID_ARGUMENT',
    'useBias',
  ],
  // Initializers.
  ['glorotUniform: options null', () => glorotUniform([2, 3, 3, 3], null as never), 'INVALID_ARGUMENT', 'options'],
  ['heUniform: options null', () => heUniform([2, 3, 3, 3], null as never), 'INVALID_ARGUMENT', 'options'],
  ["heUniform: options 'x'", () => heUniform([2, 3, 3, 3], 'x' as never), 'INVALID_ARGUMENT', 'options'],
  [
    'glorotUniform: seed null',
    () => glorotUniform([2, 3, 3, 3], { seed: null as never }),
    'INVALID_ARGUMENT',
    'options.seed',
  ],
  [
    "glorotUniform: groups 'x'",
    () => glorotUniform([2, 3, 3, 3], { groups: 'x' as never }),
    'INVALID_ARGUMENT',
    'options.groups',
  ],
  ['glorotUniform: groups 0', () => glorotUniform([2, 3, 3, 3], { groups: 0 }), 'INVALID_ARGUMENT', 'options.groups'],
  [
    'glorotUniform: groups not dividing the input channels',
    () => glorotUniform([3, 3, 3, 3], { groups: 2 }),
    'INVALID_ARGUMENT',
    'options.groups',
  ],
  [
    'glorotUniform: an unknown filterLayout',
    () => glorotUniform([2, 3, 3, 3], { filterLayout: 'oihw' as never }),
    'INVALID_ARGUMENT',
    'options.filterLayout',
  ],
  [
    'glorotUniform: an unknown option',
    () => glorotUniform([2, 3, 3, 3], { sead: 1 } as never),
    'INVALID_ARGUMENT',
    'options.sead',
  ],
  [
    'glorotUniform: 2^62 elements',
    () => glorotUniform([2 ** 31 - 1, 2 ** 31 - 1, 1, 1]),
    'INVALID_ARGUMENT',
    'filterShape',
  ],
  ['heUniform: a 6-D filter', () => heUniform([1, 1, 1, 1, 1, 1]), 'INVALID_ARGUMENT', 'filterShape'],
  [
    'foldBatchNorm: options null',
    () => foldBatchNorm(f32(6), [2, 3, 1, 1], undefined, bn3, null as never),
    'INVALID_ARGUMENT',
    'options',
  ],
  [
    'foldBatchNorm: bn null',
    () => foldBatchNorm(f32(6), [2, 3, 1, 1], undefined, null as never),
    'INVALID_ARGUMENT',
    'bn',
  ],
  [
    'foldBatchNorm: a DataView bias',
    () => foldBatchNorm(f32(6), [2, 3, 1, 1], new DataView(new ArrayBuffer(12)) as never, bn3),
    'INVALID_ARGUMENT',
    'bias',
  ],
  [
    'foldBatchNorm: an unknown filterLayout',
    () => foldBatchNorm(f32(6), [2, 3, 1, 1], undefined, bn3, { filterLayout: 'hwio' as never }),
    'INVALID_ARGUMENT',
    'options.filterLayout',
  ],
  [
    'bilinearUpsampling: a filter of 2^62 elements',
    () => bilinearUpsampling(2 ** 20, 2 ** 20),
    'INVALID_ARGUMENT',
    'filterShape',
  ],
  ['bilinearUpsampling: factor 2^31', () => bilinearUpsampling(2 ** 31, 1), 'INVALID_ARGUMENT', 'factor'],
  ['bilinearUpsampling: rank 4', () => bilinearUpsampling(2, 1, 4 as never), 'INVALID_ARGUMENT', 'rank'],
  [
    'an allocation the machine cannot make',
    () => allocate(Float32Array, 2 ** 53, 'filterShape'),
    'DEVICE_LIMIT',
    'filterShape',
  ],
];

describe('hostile inputs: a DeconvError with the right code and parameter within 50 ms', () => {
  it.each(HOSTILE)('%s', (_name, call, code, param) => {
    // The fastest of three tries: a slow call every time is work that depends on the value,
    // while one slow try is the machine (other test files run beside this one).
    let fastest = Infinity;
    for (let attempt = 0; attempt < 3; attempt++) {
      const t0 = performance.now();
      let error: unknown;
      try {
        call();
      } catch (e) {
        error = e;
      }
      fastest = Math.min(fastest, performance.now() - t0);
      expect(error).toBeInstanceOf(DeconvError);
      const e = error as DeconvError;
      expect([e.code, e.param]).toEqual([code, param]);
      expect(e.message.length).toBeLessThan(2000);
    }
    expect(fastest).toBeLessThan(50);
  });

  it('huge but valid geometries convert in O(1): a stride of 65536, and of 2^31 − 1 for Keras', () => {
    const t0 = performance.now();
    const e = equivalents([1, 1, 2, 6], [1, 1, 1, 1], { strides: [65536, 2] });
    expect(e.keras).toMatchObject({ ok: true, params: { padding: 'valid', outputPadding: 0, strides: [65536, 2] } });
    const k = toKeras([1, 1, 1, 1], [1, 1, 1, 1], { strides: [2 ** 31 - 1, 1] });
    expect(k).toMatchObject({ ok: true, params: { strides: [2 ** 31 - 1, 1], outputPadding: 0 } });
    // Work proportional to the stride would take seconds here (or fail to allocate); the
    // bound leaves room for a loaded machine.
    expect(performance.now() - t0).toBeLessThan(250);
  });

  it('reads every argument once and keeps none of the caller arrays', () => {
    let reads = 0;
    const stride = [2, 2];
    const params = {
      get stride() {
        reads++;
        return stride;
      },
    };
    const o = fromTorch(params, X, W);
    expect(reads).toBe(1);
    stride[0] = 5;
    expect(o.strides).toEqual([2, 2]);
    const onnx = { strides: [2, 2], pads: [1, 1, 1, 1] };
    const p = fromOnnx(onnx, X, W);
    onnx.strides[0] = 3;
    expect(p.strides).toEqual([2, 2]);
  });

  it('PyTorch output padding: the message says the largest allowed value', () => {
    let error: unknown;
    try {
      fromTorch({ stride: 2, outputPadding: 2 }, X, W);
    } catch (e) {
      error = e;
    }
    expect((error as DeconvError).message).toContain(
      'must be less than max(stride, dilation) = 2 on the height axis (at most 1), as PyTorch requires',
    );
  });
});
