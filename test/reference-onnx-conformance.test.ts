/**
 * The ConvTranspose cases of the ONNX backend node test suite (test/golden/onnx-conformance.json)
 * through `fromOnnx` and the CPU reference, and onnxruntime-node on the same nodes: both must give
 * the suite's values exactly (they are integers float32 holds). The GPU kernels run the same
 * cases in test/gpu/kernels.test.ts and test/browser/kernels.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { convTransposeCpu } from '../src/cpu.js';
import { fromOnnx, type OnnxParams } from '../src/frameworks.js';
import { ONNX_CONFORMANCE } from './helpers/cases.js';
import type { OnnxConvTransposeAttributes } from './helpers/onnx-model.js';
import { runOrt } from './helpers/ort.js';

/** The suite's attributes in ONNX's own names, for the model onnxruntime runs. */
function onnxAttributes(p: OnnxParams): OnnxConvTransposeAttributes {
  const a: OnnxConvTransposeAttributes = {};
  if (p.autoPad !== undefined) a.auto_pad = p.autoPad;
  if (p.dilations !== undefined) a.dilations = [...p.dilations];
  if (p.group !== undefined) a.group = p.group;
  if (p.kernelShape !== undefined) a.kernel_shape = [...p.kernelShape];
  if (p.outputPadding !== undefined) a.output_padding = [...p.outputPadding];
  if (p.outputShape !== undefined) a.output_shape = [...p.outputShape];
  if (p.pads !== undefined) a.pads = [...p.pads];
  if (p.strides !== undefined) a.strides = [...p.strides];
  return a;
}

describe('ONNX backend node tests (ConvTranspose)', () => {
  it('holds the suite: 1-D, 2-D and 3-D, output_shape, output_padding, kernel_shape, pads, dilations, SAME_UPPER', () => {
    expect(ONNX_CONFORMANCE.map((c) => c.name)).toEqual([
      'test_convtranspose',
      'test_convtranspose_1d',
      'test_convtranspose_3d',
      'test_convtranspose_output_shape',
      'test_convtranspose_pad',
      'test_convtranspose_kernel_shape',
      'test_convtranspose_pads',
      'test_convtranspose_dilations',
      'test_convtranspose_autopad_same',
    ]);
  });

  for (const c of ONNX_CONFORMANCE) {
    it(`${c.name}: fromOnnx + the CPU reference give the suite's output exactly`, () => {
      const options = fromOnnx(c.attributes, c.inputShape, c.filterShape);
      const y = convTransposeCpu(
        new Float32Array(c.input),
        c.inputShape,
        new Float32Array(c.filter),
        c.filterShape,
        options,
      );
      expect(y.shape).toEqual(c.outputShape);
      expect(Array.from(y.data)).toEqual(c.expected);
    });

    it(`${c.name}: onnxruntime-node gives the suite's output exactly`, async () => {
      const r = await runOrt(
        new Float32Array(c.input),
        c.inputShape,
        new Float32Array(c.filter),
        c.filterShape,
        null,
        onnxAttributes(c.attributes),
      );
      expect(r.ok && r.shape).toEqual(c.outputShape);
      expect(r.ok && Array.from(r.data)).toEqual(c.expected);
    });
  }
});
