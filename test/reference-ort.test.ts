import { describe, expect, it } from 'vitest';
import { convTranspose2dCpu } from '../src/cpu.js';
import { DeconvError } from '../src/errors.js';
import { fromOnnx } from '../src/frameworks.js';
import type { OnnxParams } from '../src/frameworks.js';
import type { OnnxConvTransposeAttributes } from './helpers/onnx-model.js';
import { runOrt, summary } from './helpers/ort.js';
import type { Outcome } from './helpers/ort.js';
import { dyadic, maxViolation, pick, randInt, rng } from './helpers/tensors.js';

function runOurs(
  x: Float32Array,
  xShape: number[],
  w: Float32Array,
  wShape: number[],
  b: Float32Array | null,
  params: OnnxParams,
): Outcome {
  try {
    const options = fromOnnx(params, xShape, wShape);
    if (b) options.bias = b;
    const y = convTranspose2dCpu(x, xShape, w, wShape, options);
    return { ok: true, data: y.data, shape: y.shape };
  } catch (e) {
    if (!(e instanceof DeconvError)) throw e;
    expect(e.code).toBe('INVALID_ARGUMENT');
    return { ok: false, error: e.message };
  }
}

interface OrtCase {
  name: string;
  xShape: number[];
  wShape: number[];
  attrs: OnnxConvTransposeAttributes;
  params: OnnxParams;
  bias: boolean;
}

/**
 * A random geometry and attribute set, including ones onnxruntime rejects
 * (output_padding up to max(stride, dilation), output shapes past the valid range).
 */
function randomCase(r: () => number, i: number): OrtCase {
  const group = pick(r, [1, 1, 2, 3]);
  const c = group * randInt(r, 1, 2);
  const m = randInt(r, 1, 2);
  const n = randInt(r, 1, 2);
  const [h, w] = [randInt(r, 1, 4), randInt(r, 1, 4)];
  const [kh, kw] = [randInt(r, 1, 4), randInt(r, 1, 4)];
  const s = [randInt(r, 1, 3), randInt(r, 1, 3)];
  const d = [pick(r, [1, 1, 2, 3]), pick(r, [1, 1, 2])];
  const full = [(h - 1) * s[0]! + d[0]! * (kh - 1) + 1, (w - 1) * s[1]! + d[1]! * (kw - 1) + 1];
  const mode = pick(r, ['NOTSET', 'NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID', 'shape', 'shape']);
  const attrs: OnnxConvTransposeAttributes = { strides: s, dilations: d };
  if (r() < 0.5) {
    // Mostly valid, sometimes max(stride, dilation) (always rejected) or ≥ stride (rejected in effect).
    attrs.output_padding = [0, 1].map((a) => randInt(r, 0, Math.max(s[a]!, d[a]!) - (r() < 0.85 ? 1 : 0)));
  }
  if (group > 1) attrs.group = group;
  if (r() < 0.3) attrs.kernel_shape = [kh, kw];
  if (mode === 'NOTSET') {
    if (r() < 0.8) attrs.pads = [0, 1, 0, 1].map((a) => randInt(r, 0, Math.floor(full[a]! / 2)));
  } else if (mode === 'shape') {
    attrs.output_shape = [0, 1].map((a) => Math.max(1, randInt(r, full[a]! - 4, full[a]! + s[a]!)));
    if (r() < 0.3) attrs.auto_pad = pick(r, ['SAME_UPPER', 'SAME_LOWER', 'VALID']);
  } else {
    attrs.auto_pad = mode as OnnxConvTransposeAttributes['auto_pad'];
  }
  const params: OnnxParams = {
    autoPad: attrs.auto_pad,
    pads: attrs.pads,
    outputShape: attrs.output_shape,
    outputPadding: attrs.output_padding,
    strides: attrs.strides,
    dilations: attrs.dilations,
    group: attrs.group,
    kernelShape: attrs.kernel_shape,
  };
  for (const key of Object.keys(params) as (keyof OnnxParams)[]) if (params[key] === undefined) delete params[key];
  const name = `${i}_k${kh}x${kw}_s${s.join('x')}_d${d.join('x')}_g${group}_n${n}_${JSON.stringify(attrs)}`;
  return { name, xShape: [n, c, h, w], wShape: [c, m, kh, kw], attrs, params, bias: r() < 0.5 };
}

describe('ONNX ConvTranspose: CPU reference through fromOnnx vs onnxruntime-node', () => {
  it('fixed cases: SAME_UPPER / SAME_LOWER / output_shape crops, k4_s2_in3 (F = 8)', async () => {
    const x = new Float32Array([1, 0, 0]); // 1×1×3×1: the first output row that is not cropped is w[head]
    const w = new Float32Array([1, 2, 3, 4]); // 1×1×4×1
    const cases: [OnnxConvTransposeAttributes, number[]][] = [
      [{ auto_pad: 'SAME_UPPER', strides: [2, 1] }, [2, 3, 4, 0, 0, 0]],
      [{ auto_pad: 'SAME_LOWER', strides: [2, 1], output_padding: [1, 0] }, [3, 4, 0, 0, 0, 0]],
      [{ auto_pad: 'SAME_UPPER', strides: [2, 1], output_padding: [1, 0] }, [2, 3, 4, 0, 0, 0]],
      [{ strides: [2, 1], output_shape: [7, 1] }, [2, 3, 4, 0, 0, 0, 0]],
      [{ auto_pad: 'SAME_UPPER', strides: [2, 1], output_shape: [7, 1] }, [1, 2, 3, 4, 0, 0, 0]],
    ];
    for (const [attrs, expected] of cases) {
      const ours = runOurs(x, [1, 1, 3, 1], w, [1, 1, 4, 1], null, {
        autoPad: attrs.auto_pad,
        strides: attrs.strides,
        outputPadding: attrs.output_padding,
        outputShape: attrs.output_shape,
      });
      const theirs = await runOrt(x, [1, 1, 3, 1], w, [1, 1, 4, 1], null, attrs);
      expect(theirs.ok && Array.from(theirs.data)).toEqual(expected);
      expect(ours.ok && Array.from(ours.data)).toEqual(expected);
    }
  });

  it('randomized geometry (autoPad, pads, outputShape, outputPadding, group, dilations, batch, bias): same values or both reject', async () => {
    const r = rng(0x0dd5);
    let compared = 0;
    let rejected = 0;
    for (let i = 0; i < 160; i++) {
      const c = randomCase(r, i);
      const x = dyadic(
        r,
        c.xShape.reduce((a, b) => a * b, 1),
      );
      const w = dyadic(
        r,
        c.wShape.reduce((a, b) => a * b, 1),
      );
      const b = c.bias ? dyadic(r, c.wShape[1]! * (c.attrs.group ?? 1)) : null;
      const theirs = await runOrt(x, c.xShape, w, c.wShape, b, c.attrs);
      const ours = runOurs(x, c.xShape, w, c.wShape, b, c.params);
      expect(ours.ok, `${c.name}\n onnxruntime: ${summary(theirs)}\n ours: ${summary(ours)}`).toBe(theirs.ok);
      if (ours.ok && theirs.ok) {
        expect(ours.shape, c.name).toEqual(theirs.shape);
        expect(maxViolation(ours.data, theirs.data, 1e-4, 1e-4), c.name).toBeLessThanOrEqual(1);
        compared++;
      } else {
        rejected++;
      }
    }
    // Neither side may pass by rejecting everything, nor skip the rejection paths.
    expect(compared).toBeGreaterThanOrEqual(90);
    expect(rejected).toBeGreaterThanOrEqual(10);
  });
});
