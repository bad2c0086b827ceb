// ONNX ConvTranspose with one and three spatial axes: the CPU reference through fromOnnx
// against onnxruntime-node, on random attribute sets onnxruntime accepts and rejects alike.
import { describe, expect, it } from 'vitest';
import { convTransposeCpu } from '../src/cpu.js';
import { DeconvError } from '../src/errors.js';
import { fromOnnx } from '../src/frameworks.js';
import type { OnnxParams } from '../src/frameworks.js';
import type { OnnxConvTransposeAttributes } from './helpers/onnx-model.js';
import { count, randomSizes } from './helpers/nd.js';
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
    const y = convTransposeCpu(x, xShape, w, wShape, options);
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
 * A random geometry and attribute set with `rank` spatial axes, including ones onnxruntime
 * rejects (output_padding up to max(stride, dilation), output shapes past the valid range,
 * pads that crop everything).
 */
function randomCase(r: () => number, rank: 1 | 3, i: number): OrtCase {
  const [maxIn, maxK, maxS] = rank === 1 ? [6, 5, 4] : [3, 3, 3];
  const group = pick(r, [1, 1, 2, 3]);
  const c = group * randInt(r, 1, 2);
  const m = randInt(r, 1, 2);
  const n = randInt(r, 1, 2);
  const sizes = randomSizes(r, rank, 1, maxIn);
  const kernel = randomSizes(r, rank, 1, maxK);
  const s = randomSizes(r, rank, 1, maxS);
  const d = Array.from({ length: rank }, () => pick(r, [1, 1, 2, 3]));
  const full = sizes.map((v, a) => (v - 1) * s[a]! + d[a]! * (kernel[a]! - 1) + 1);
  const mode = pick(r, ['NOTSET', 'NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID', 'shape', 'shape']);
  const attrs: OnnxConvTransposeAttributes = { strides: s, dilations: d };
  if (r() < 0.5) {
    // Mostly valid, sometimes max(stride, dilation) (always rejected) or ≥ stride (rejected in effect).
    attrs.output_padding = s.map((sa, a) => randInt(r, 0, Math.max(sa, d[a]!) - (r() < 0.85 ? 1 : 0)));
  }
  if (group > 1) attrs.group = group;
  if (r() < 0.3) attrs.kernel_shape = kernel;
  if (mode === 'NOTSET') {
    if (r() < 0.8) attrs.pads = [...full, ...full].map((f) => randInt(r, 0, Math.floor(f / 2) + (r() < 0.1 ? f : 0)));
  } else if (mode === 'shape') {
    attrs.output_shape = full.map((f, a) => Math.max(1, randInt(r, f - 4, f + s[a]!)));
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
  const name = `${rank}d_${i}_in${sizes.join('x')}_k${kernel.join('x')}_g${group}_n${n}_${JSON.stringify(attrs)}`;
  return { name, xShape: [n, c, ...sizes], wShape: [c, m, ...kernel], attrs, params, bias: r() < 0.5 };
}

describe.each([
  [1, 200, 0x0d1],
  [3, 150, 0x0d3],
] as const)(
  'ONNX ConvTranspose with %i spatial axes: fromOnnx + CPU reference vs onnxruntime-node',
  (rank, cases, seed) => {
    it(`${cases} random attribute sets (autoPad, pads, outputShape, outputPadding, group, dilations, batch, bias): same values or both reject`, async () => {
      const r = rng(seed);
      let compared = 0;
      let rejected = 0;
      for (let i = 0; i < cases; i++) {
        const c = randomCase(r, rank, i);
        const x = dyadic(r, count(c.xShape));
        const w = dyadic(r, count(c.wShape));
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
      console.log(`ONNX ${rank}-D: ${compared} random cases agreed, ${rejected} rejected by both`);
      // Neither side may pass by rejecting everything, nor skip the rejection paths.
      expect(compared).toBeGreaterThanOrEqual(cases / 2);
      expect(rejected).toBeGreaterThanOrEqual(15);
    });
  },
);

describe('ONNX ConvTranspose 1-D and 3-D: fixed cases measured in onnxruntime-node', () => {
  it('k4_s2_in3 1-D: SAME_UPPER/LOWER with output_padding, output_shape, and a rejected 3-element output_shape', async () => {
    const x = new Float32Array([1, 0, 0]);
    const w = new Float32Array([1, 2, 3, 4]);
    const cases: [OnnxConvTransposeAttributes, number[] | null][] = [
      [{ strides: [2] }, [1, 2, 3, 4, 0, 0, 0, 0]],
      [{ strides: [2], output_shape: [7] }, [2, 3, 4, 0, 0, 0, 0]],
      [{ strides: [2], auto_pad: 'SAME_UPPER', output_shape: [7] }, [1, 2, 3, 4, 0, 0, 0]],
      [{ strides: [2], auto_pad: 'SAME_UPPER', output_padding: [1] }, [2, 3, 4, 0, 0, 0]],
      [{ strides: [2], auto_pad: 'SAME_LOWER', output_padding: [1] }, [3, 4, 0, 0, 0, 0]],
      [{ strides: [2], output_shape: [1, 1, 7] }, null],
      [{ dilations: [2], output_padding: [1] }, null],
    ];
    for (const [attrs, expected] of cases) {
      const theirs = await runOrt(x, [1, 1, 3], w, [1, 1, 4], null, attrs);
      const ours = runOurs(x, [1, 1, 3], w, [1, 1, 4], null, {
        autoPad: attrs.auto_pad,
        strides: attrs.strides,
        dilations: attrs.dilations,
        outputPadding: attrs.output_padding,
        outputShape: attrs.output_shape,
      });
      const name = JSON.stringify(attrs);
      expect(theirs.ok && Array.from(theirs.data), name).toEqual(expected ?? false);
      expect(ours.ok && Array.from(ours.data), name).toEqual(expected ?? false);
    }
  });
});
