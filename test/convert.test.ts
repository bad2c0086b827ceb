import { describe, expect, it } from 'vitest';
import { equivalents, toCaffe, toKeras, toOnnx, toTensorFlow, toTorch } from '../src/convert.js';
import type { Conversion } from '../src/convert.js';
import { convTranspose2dCpu } from '../src/cpu.js';
import { fromCaffe, fromKeras, fromOnnx, fromTensorFlow, fromTorch } from '../src/frameworks.js';
import type { CaffeParams, KerasParams, OnnxParams, TensorFlowParams, TorchParams } from '../src/frameworks.js';
import { resolveConvTranspose2d } from '../src/geometry.js';
import type {
  Activation,
  ConvTranspose2dGeometry,
  ConvTranspose2dOptions,
  FilterLayout,
  InputLayout,
} from '../src/types.js';
import {
  dyadic,
  filterShapeOf,
  inputShapeOf,
  pick,
  randInt,
  rng,
  toFilterLayout,
  toInputLayout,
} from './helpers/tensors.js';

/** What decides the values: output shape, rows cropped at the top/left, and the arithmetic. */
function effective(g: ConvTranspose2dGeometry): unknown {
  return {
    outputShape: [g.batch, g.outChannels, g.outHeight, g.outWidth],
    begin: [g.padding[0], g.padding[2]],
    strides: g.strides,
    dilations: g.dilations,
    groups: g.groups,
    kernel: [g.kernelHeight, g.kernelWidth],
  };
}

type Framework = 'torch' | 'tensorflow' | 'keras' | 'onnx' | 'caffe';

interface Target {
  to: (i: number[], f: number[], o: ConvTranspose2dOptions) => Conversion<unknown>;
  from: (p: never, i: number[], f: number[]) => ConvTranspose2dOptions;
  /** The framework's layouts for given params (TF and Keras follow their data format). */
  layouts: (p: never) => [InputLayout, FilterLayout];
}

const TARGETS: Record<Framework, Target> = {
  torch: { to: toTorch, from: fromTorch as Target['from'], layouts: () => ['nchw', 'iohw'] },
  tensorflow: {
    to: toTensorFlow,
    from: fromTensorFlow as Target['from'],
    layouts: (p: TensorFlowParams) => [p.dataFormat === 'NCHW' ? 'nchw' : 'nhwc', 'hwoi'],
  },
  keras: {
    to: toKeras,
    from: fromKeras as Target['from'],
    layouts: (p: KerasParams) => [p.dataFormat === 'channels_first' ? 'nchw' : 'nhwc', 'hwoi'],
  },
  onnx: { to: toOnnx, from: fromOnnx as Target['from'], layouts: () => ['nchw', 'iohw'] },
  caffe: { to: toCaffe, from: fromCaffe as Target['from'], layouts: () => ['nchw', 'iohw'] },
};

interface Case {
  name: string;
  inputShape: number[];
  filterShape: number[];
  options: ConvTranspose2dOptions;
}

function randomCase(r: () => number, i: number): Case {
  const groups = pick(r, [1, 1, 1, 2]);
  const inC = groups * randInt(r, 1, 2);
  const cog = randInt(r, 1, 2);
  const n = randInt(r, 1, 2);
  const [h, w] = [randInt(r, 1, 4), randInt(r, 1, 4)];
  const [kh, kw] = [randInt(r, 1, 4), randInt(r, 1, 4)];
  const strides: [number, number] = [randInt(r, 1, 3), randInt(r, 1, 3)];
  // Dilation mostly with stride 1 on that axis, so Keras has a chance.
  const dilations: [number, number] = [r() < 0.25 ? randInt(r, 2, 3) : 1, r() < 0.25 ? randInt(r, 2, 3) : 1];
  const inputLayout = pick<InputLayout>(r, ['nchw', 'nhwc']);
  const filterLayout = pick<FilterLayout>(r, ['iohw', 'hwoi', 'ohwi']);
  const full = [(h - 1) * strides[0] + dilations[0] * (kh - 1) + 1, (w - 1) * strides[1] + dilations[1] * (kw - 1) + 1];
  const crop = (f: number): [number, number] => {
    const begin = randInt(r, 0, Math.min(3, f - 1));
    // Often symmetric, so the symmetric-only frameworks are exercised too.
    const end = r() < 0.4 && 2 * begin <= f - 1 ? begin : randInt(r, 0, Math.min(3, f - 1 - begin));
    return [begin, end];
  };
  const [ch, cw] = [crop(full[0]!), crop(full[1]!)];
  const options: ConvTranspose2dOptions = {
    strides,
    dilations,
    padding: [ch[0], ch[1], cw[0], cw[1]],
    outputPadding: [
      r() < 0.6 ? 0 : randInt(r, 0, Math.max(strides[0], dilations[0]) - 1),
      r() < 0.6 ? 0 : randInt(r, 0, Math.max(strides[1], dilations[1]) - 1),
    ],
    groups,
    inputLayout,
    filterLayout,
  };
  if (r() < 0.3) options.bias = dyadic(r, cog * groups);
  if (r() < 0.3) options.activation = pick<Activation>(r, ['relu', 'relu6', 'leakyRelu', 'sigmoid', 'tanh', 'gelu']);
  return {
    name: `${i}_k${kh}x${kw}_s${strides.join('x')}_d${dilations.join('x')}_p${options.padding!.join('')}_op${options.outputPadding!.join('')}_g${groups}_${inputLayout}_${filterLayout}`,
    inputShape: inputShapeOf(inputLayout, n, inC, h, w),
    filterShape: filterShapeOf(filterLayout, inC, cog, kh, kw),
    options,
  };
}

/** A geometry Keras can express (its random arguments), so the Keras path is exercised too. */
function randomKerasCase(r: () => number, i: number): Case {
  for (;;) {
    const n = randInt(r, 1, 2);
    const [cin, cout] = [randInt(r, 1, 2), randInt(r, 1, 2)];
    const [h, w] = [randInt(r, 1, 4), randInt(r, 1, 4)];
    const [kh, kw] = [randInt(r, 1, 4), randInt(r, 1, 4)];
    const strides: [number, number] = r() < 0.2 ? [1, 1] : [randInt(r, 1, 3), randInt(r, 1, 3)];
    const dilationRate: [number, number] = Math.max(...strides) > 1 ? [1, 1] : [randInt(r, 1, 3), randInt(r, 1, 3)];
    const padding = pick(r, ['same', 'valid'] as const);
    const outputPadding: [number, number] | null =
      r() < 0.5 ? null : [randInt(r, 0, strides[0] - 1), randInt(r, 0, strides[1] - 1)];
    const dataFormat = pick(r, ['channels_last', 'channels_first'] as const);
    const inputShape = dataFormat === 'channels_last' ? [n, h, w, cin] : [n, cin, h, w];
    const filterShape = [kh, kw, cout, cin];
    try {
      const options = fromKeras({ strides, dilationRate, padding, outputPadding, dataFormat }, inputShape, filterShape);
      const name = `keras${i}_k${kh}x${kw}_s${strides.join('x')}_d${dilationRate.join('x')}_${padding}_op${outputPadding?.join('x') ?? 'null'}_${dataFormat}`;
      return { name, inputShape, filterShape, options };
    } catch {
      // TensorFlow rejects Keras's length for these arguments: draw again.
    }
  }
}

/** Data shapes in another layout, from a canonical geometry. */
function shapesIn(g: ConvTranspose2dGeometry, input: InputLayout, filter: FilterLayout): [number[], number[]] {
  return [
    inputShapeOf(input, g.batch, g.inChannels, g.inHeight, g.inWidth),
    filterShapeOf(filter, g.inChannels, g.outChannelsPerGroup, g.kernelHeight, g.kernelWidth),
  ];
}

/** A one-axis version of a geometry: the other axis is 1 wide with a 1-tap kernel. */
function axisShapes(g: ConvTranspose2dGeometry, axis: 0 | 1): [number[], number[]] {
  const size = axis === 0 ? g.inHeight : g.inWidth;
  const k = axis === 0 ? g.kernelHeight : g.kernelWidth;
  return axis === 0
    ? [
        [1, 1, size, 1],
        [1, 1, k, 1],
      ]
    : [
        [1, 1, 1, size],
        [1, 1, 1, k],
      ];
}

/** [v, rest] on `axis`, the trivial value on the other. */
function onAxis(axis: 0 | 1, v: number, rest: number): [number, number] {
  return axis === 0 ? [v, rest] : [rest, v];
}

/**
 * Whether some parameters of one framework reproduce one axis of `g` (its begin crop
 * and size), searching every parameter value in range through the real adapter.
 */
function axisReachable(
  fw: 'torch' | 'onnx' | 'caffe' | 'tensorflow',
  g: ConvTranspose2dGeometry,
  axis: 0 | 1,
): boolean {
  const [inS, fS] = axisShapes(g, axis);
  const s = g.strides[axis];
  const d = g.dilations[axis];
  const full = axis === 0 ? g.fullHeight : g.fullWidth;
  const target = [g.padding[2 * axis], axis === 0 ? g.outHeight : g.outWidth];
  const hits = (make: () => ConvTranspose2dOptions, fShape = fS, iShape = inS): boolean => {
    try {
      const h = resolveConvTranspose2d(iShape, fShape, make());
      return h.padding[2 * axis] === target[0] && (axis === 0 ? h.outHeight : h.outWidth) === target[1];
    } catch {
      return false;
    }
  };
  const maxOp = Math.max(s, d);
  for (let a = 0; a <= full + s; a++) {
    for (let b = 0; b <= full + s; b++) {
      for (let op = 0; op < maxOp; op++) {
        if (
          fw === 'torch' &&
          b === 0 &&
          hits(() =>
            fromTorch(
              {
                stride: onAxis(axis, s, 1),
                dilation: onAxis(axis, d, 1),
                padding: onAxis(axis, a, 0),
                outputPadding: onAxis(axis, op, 0),
              },
              inS,
              fS,
            ),
          )
        )
          return true;
        if (
          fw === 'caffe' &&
          b === 0 &&
          op === 0 &&
          hits(() =>
            fromCaffe({ stride: onAxis(axis, s, 1), dilation: onAxis(axis, d, 1), pad: onAxis(axis, a, 0) }, inS, fS),
          )
        )
          return true;
        if (fw === 'onnx') {
          const base: OnnxParams = {
            strides: onAxis(axis, s, 1),
            dilations: onAxis(axis, d, 1),
            outputPadding: onAxis(axis, op, 0),
          };
          const pads = axis === 0 ? [a, 0, b, 0] : [0, a, 0, b];
          if (hits(() => fromOnnx({ ...base, pads }, inS, fS))) return true;
          if (a === 0 && b === 0) {
            for (const autoPad of ['NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'] as const) {
              if (hits(() => fromOnnx({ ...base, autoPad }, inS, fS))) return true;
              if (hits(() => fromOnnx({ ...base, autoPad, outputShape: onAxis(axis, target[1]!, 1) }, inS, fS)))
                return true;
            }
          }
        }
        if (fw === 'tensorflow' && op === 0) {
          const nhwc = [inS[0]!, inS[2]!, inS[3]!, inS[1]!];
          const hwoi = [fS[2]!, fS[3]!, 1, 1];
          const outputShape = [1, ...onAxis(axis, target[1]!, 1), 1];
          const base = { outputShape, strides: onAxis(axis, s, 1), dilations: onAxis(axis, d, 1) };
          const pad: [number, number] = [a, b];
          const padding: TensorFlowParams['padding'] = [
            [0, 0],
            axis === 0 ? pad : [0, 0],
            axis === 0 ? [0, 0] : pad,
            [0, 0],
          ];
          if (hits(() => fromTensorFlow({ ...base, padding }, nhwc, hwoi), hwoi, nhwc)) return true;
          if (a === 0 && b === 0) {
            for (const p of ['SAME', 'VALID'] as const)
              if (hits(() => fromTensorFlow({ ...base, padding: p }, nhwc, hwoi), hwoi, nhwc)) return true;
          }
        }
      }
    }
  }
  return false;
}

/** Whether any Keras arguments reproduce `g` (Keras shares one padding mode across axes). */
function kerasReachable(g: ConvTranspose2dGeometry): boolean {
  const [inS, fS] = shapesIn(g, 'nhwc', 'hwoi');
  const want = effective(g);
  for (const padding of ['same', 'valid'] as const) {
    const ops: ([number, number] | null)[] = [null];
    for (let a = 0; a < g.strides[0]; a++) for (let b = 0; b < g.strides[1]; b++) ops.push([a, b]);
    for (const outputPadding of ops) {
      try {
        const o = fromKeras({ strides: g.strides, dilationRate: g.dilations, padding, outputPadding }, inS, fS);
        if (JSON.stringify(effective(resolveConvTranspose2d(inS, fS, o))) === JSON.stringify(want)) return true;
      } catch {
        // Keras or TensorFlow rejects these arguments.
      }
    }
  }
  return false;
}

describe('conversion examples', () => {
  it('TF SAME k4_s2_in3_out5 (odd crop: 1 top, 2 bottom): no PyTorch or Caffe padding; ONNX, Keras, TF have one', () => {
    const options = fromTensorFlow(
      { outputShape: [1, 5, 5, 2], strides: 2, padding: 'SAME' },
      [1, 3, 3, 2],
      [4, 4, 2, 2],
    );
    const e = equivalents([1, 3, 3, 2], [4, 4, 2, 2], options);
    expect(e.canonical).toMatchObject({ padding: [1, 2, 1, 2], outputPadding: [0, 0] });
    expect(e.torch.ok).toBe(false);
    if (!e.torch.ok) {
      expect(e.torch.reason).toContain('crops padding equally from both ends');
      expect(e.torch.reason).toContain('F.pad(y, (-1, -2, -1, -2))');
    }
    expect(e.caffe.ok).toBe(false);
    expect(e.onnx).toMatchObject({ ok: true, params: { pads: [1, 1, 2, 2], outputPadding: [0, 0] } });
    expect(e.keras).toMatchObject({
      ok: true,
      params: { padding: 'same', outputPadding: 1, strides: 2, dataFormat: 'channels_last' },
    });
    expect(e.tensorflow).toMatchObject({ ok: true, params: { padding: 'SAME', outputShape: [1, 5, 5, 2] } });
  });

  it('PyTorch k3_s2_p1_op1 (crop 1 top, 0 bottom): Keras cannot (TF SAME crops the other end); TF needs explicit padding', () => {
    const options = fromTorch({ stride: 2, padding: 1, outputPadding: 1 }, [1, 2, 4, 4], [2, 3, 3, 3]);
    const e = equivalents([1, 2, 4, 4], [2, 3, 3, 3], options);
    expect(e.torch).toMatchObject({
      ok: true,
      params: { stride: 2, padding: 1, outputPadding: 1, inChannels: 2, outChannels: 3 },
    });
    expect(e.keras.ok).toBe(false);
    if (!e.keras.ok) expect(e.keras.reason).toContain('Cropping2D');
    expect(e.tensorflow).toMatchObject({
      ok: true,
      params: {
        padding: [
          [0, 0],
          [0, 0],
          [1, 1],
          [1, 1],
        ],
        dataFormat: 'NCHW',
        outputShape: [1, 3, 8, 8],
      },
    });
    expect(e.tensorflow.ok && e.tensorflow.note).toContain('[kH, kW, out, in]');
    expect(e.caffe.ok).toBe(false);
  });

  it('Caffe k3_s2_p1: every framework; layout and bias notes', () => {
    const options = {
      ...fromCaffe({ kernelSize: 3, stride: 2, pad: 1 }, [1, 2, 4, 4], [2, 3, 3, 3]),
      bias: new Float32Array(3),
      activation: 'relu6' as const,
    };
    const e = equivalents([1, 2, 4, 4], [2, 3, 3, 3], options);
    expect(e.caffe).toMatchObject({
      ok: true,
      params: { kernelSize: 3, stride: 2, pad: 1, numOutput: 3, biasTerm: true },
    });
    expect(e.caffe.ok && e.caffe.note).toContain('Clip');
    expect(e.torch).toMatchObject({ ok: true, params: { padding: 1, outputPadding: 0, bias: true } });
    expect(e.keras).toMatchObject({ ok: true, params: { padding: 'same', outputPadding: 0, useBias: true } });
    expect(e.onnx.ok && e.onnx.note).toContain('input B');
  });

  it('groups and strides with dilation: no TensorFlow or Keras equivalent, with the reason', () => {
    const grouped = equivalents([1, 4, 3, 3], [4, 1, 3, 3], { strides: [2, 2], groups: 4 });
    expect(grouped.tensorflow.ok || grouped.tensorflow.reason).toContain('no groups');
    expect(grouped.keras.ok || grouped.keras.reason).toContain('no groups');
    const dilated = equivalents([1, 1, 3, 3], [1, 1, 3, 3], { strides: [2, 2], dilations: [2, 2] });
    expect(dilated.keras.ok || dilated.keras.reason).toContain('dilation_rate > 1');
    expect(dilated.tensorflow.ok).toBe(true);
  });

  it('k1_s3_op2 appends 2 zero rows: ONNX and TF accept it (op < stride); outputPadding ≥ stride (d > s) is refused', () => {
    const ok = equivalents([1, 1, 2, 2], [1, 1, 1, 1], { strides: [3, 3], outputPadding: [2, 2] });
    expect(ok.onnx).toMatchObject({ ok: true, params: { outputPadding: [2, 2] } });
    expect(ok.tensorflow).toMatchObject({ ok: true, params: { padding: 'VALID', outputShape: [1, 1, 6, 6] } });
    // Stride 1, dilation 3: output padding 2 appends 2 zero rows, which PyTorch accepts and ONNX/TF cannot.
    const bad = equivalents([1, 1, 3, 3], [1, 1, 2, 2], { dilations: [3, 3], outputPadding: [2, 0] });
    expect(bad.torch).toMatchObject({ ok: true, params: { outputPadding: [2, 0], dilation: 3 } });
    expect(bad.onnx.ok || bad.onnx.reason).toContain('output_padding must be < stride');
    expect(bad.tensorflow.ok || bad.tensorflow.reason).toContain('2 zero rows appended with stride 1');
  });
});

describe('round trips: fromX(toX(options)) gives the same result', () => {
  const r = rng(0xc0de);
  const cases = [
    ...Array.from({ length: 130 }, (_, i) => randomCase(r, i)),
    ...Array.from({ length: 30 }, (_, i) => randomKerasCase(r, i)),
  ];
  const counts: Record<Framework, { ok: number; none: number }> = {
    torch: { ok: 0, none: 0 },
    tensorflow: { ok: 0, none: 0 },
    keras: { ok: 0, none: 0 },
    onnx: { ok: 0, none: 0 },
    caffe: { ok: 0, none: 0 },
  };

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const g = resolveConvTranspose2d(c.inputShape, c.filterShape, c.options);
    const x = dyadic(rng(g.inputSize), g.inputSize);
    const f = dyadic(rng(g.filterSize + 1), g.filterSize);
    const reference = convTranspose2dCpu(x, c.inputShape, f, c.filterShape, c.options);
    const all = equivalents(c.inputShape, c.filterShape, c.options);
    expect(effective(resolveConvTranspose2d(c.inputShape, c.filterShape, all.canonical))).toEqual(effective(g));
    for (const fw of Object.keys(TARGETS) as Framework[]) {
      const t = TARGETS[fw];
      const conv = t.to(c.inputShape, c.filterShape, c.options);
      expect(all[fw]).toEqual(conv);
      if (!conv.ok) {
        counts[fw].none++;
        expect(conv.reason.length, fw).toBeGreaterThan(40);
        // The claim that no parameters exist, checked by searching them all through fromX.
        if (fw === 'keras') {
          if (g.groups === 1) expect(kerasReachable(g), `${fw}: ${conv.reason}`).toBe(false);
        } else if (!(fw === 'tensorflow' && g.groups > 1)) {
          const reach = [axisReachable(fw, g, 0), axisReachable(fw, g, 1)];
          expect(reach.every(Boolean), `${fw}: ${conv.reason}`).toBe(false);
        }
        continue;
      }
      counts[fw].ok++;
      const [inLayout, fLayout] = t.layouts(conv.params as never);
      const [inShape, fShape] = shapesIn(g, inLayout, fLayout);
      const back = t.from(conv.params as never, inShape, fShape);
      const gb = resolveConvTranspose2d(inShape, fShape, back);
      expect(effective(gb), fw).toEqual(effective(g));
      // Same values: data moved to the framework's layouts, bias and activation added as the note says.
      const y = convTranspose2dCpu(
        toInputLayout(x, c.inputShape, g.inputLayout, inLayout).data,
        inShape,
        toFilterLayout(f, c.filterShape, g.filterLayout, fLayout).data,
        fShape,
        { ...back, bias: c.options.bias, activation: c.options.activation, leakyReluAlpha: c.options.leakyReluAlpha },
      );
      expect(Array.from(toInputLayout(y.data, y.shape, inLayout, g.inputLayout).data), fw).toEqual(
        Array.from(reference.data),
      );
    }
  });

  it('exercised both outcomes for every framework', () => {
    for (const fw of Object.keys(counts) as Framework[]) {
      expect(counts[fw].ok, fw).toBeGreaterThanOrEqual(15);
      expect(counts[fw].none, fw).toBeGreaterThanOrEqual(2);
    }
  });
});

describe('fixed points: params → fromX → toX → fromX keeps padding and outputPadding exactly', () => {
  const r = rng(0xf1);
  it('torch, ONNX and Caffe (their canonical form is unique)', () => {
    for (let i = 0; i < 100; i++) {
      const [h, k, s, d] = [randInt(r, 1, 4), randInt(r, 1, 4), randInt(r, 1, 3), randInt(r, 1, 3)];
      const full = (h - 1) * s + d * (k - 1) + 1;
      const p = randInt(r, 0, Math.floor((full - 1) / 2));
      const op = randInt(r, 0, Math.max(s, d) - 1);
      const shape = [1, 2, h, h + 1];
      const wShape = [2, 1, k, k];
      const check = (o1: ConvTranspose2dOptions, conv: Conversion<unknown>, from: Target['from']): void => {
        expect(conv.ok).toBe(true);
        if (!conv.ok) return;
        const g1 = resolveConvTranspose2d(shape, wShape, o1);
        const g2 = resolveConvTranspose2d(shape, wShape, from(conv.params as never, shape, wShape));
        expect([g2.padding, g2.outputPadding, g2.outputShape]).toEqual([g1.padding, g1.outputPadding, g1.outputShape]);
      };
      const t = fromTorch({ stride: s, dilation: d, padding: p, outputPadding: op }, shape, wShape);
      check(t, toTorch(shape, wShape, t), fromTorch as Target['from']);
      const c = fromCaffe({ stride: s, dilation: d, pad: p }, shape, wShape);
      check(c, toCaffe(shape, wShape, c), fromCaffe as Target['from']);
      if (op < s) {
        const pads = [p, randInt(r, 0, p), p, 0];
        const o = fromOnnx({ strides: [s, s], dilations: [d, d], pads, outputPadding: [op, 0] }, shape, wShape);
        check(o, toOnnx(shape, wShape, o), fromOnnx as Target['from']);
      }
    }
  });

  it('TensorFlow and Keras: the same result (their SAME/VALID split the crop their own way)', () => {
    for (let i = 0; i < 100; i++) {
      const [h, k, s] = [randInt(r, 1, 4), randInt(r, 1, 4), randInt(r, 1, 3)];
      const shape = [1, h, h + 1, 2];
      const wShape = [k, k, 3, 2];
      const padding = pick(r, ['same', 'valid'] as const);
      const outputPadding = r() < 0.5 ? null : randInt(r, 0, s - 1);
      let o1: ConvTranspose2dOptions;
      try {
        o1 = fromKeras({ strides: s, padding, outputPadding }, shape, wShape);
      } catch {
        continue; // TensorFlow rejects Keras's length here (even kernel, 'same', outputPadding 0).
      }
      const g1 = resolveConvTranspose2d(shape, wShape, o1);
      for (const [to, from] of [
        [toKeras, fromKeras as Target['from']],
        [toTensorFlow, fromTensorFlow as Target['from']],
      ] as const) {
        const conv = to(shape, wShape, o1) as Conversion<KerasParams & TensorFlowParams>;
        expect(conv.ok).toBe(true);
        if (conv.ok)
          expect(effective(resolveConvTranspose2d(shape, wShape, from(conv.params as never, shape, wShape)))).toEqual(
            effective(g1),
          );
      }
    }
  });
});

// Compile-time check that the conversions return the adapters' parameter types.
const _typed: [Conversion<TorchParams>, Conversion<CaffeParams>] = [
  toTorch([1, 1, 1, 1], [1, 1, 1, 1]),
  toCaffe([1, 1, 1, 1], [1, 1, 1, 1]),
];
void _typed;
