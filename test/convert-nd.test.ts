// Conversions with one and three spatial axes: fromX(toX(options)) gives the same result
// for every framework, layout, groups, dilation and batch, and where a conversion reports
// none, a search through the 1-D adapters confirms that no parameters exist.
import { describe, expect, it } from 'vitest';
import { equivalents, toCaffe, toKeras, toOnnx, toTensorFlow, toTorch } from '../src/convert.js';
import type { Conversion } from '../src/convert.js';
import { convTransposeCpu } from '../src/cpu.js';
import { fromCaffe, fromKeras, fromOnnx, fromTensorFlow, fromTorch } from '../src/frameworks.js';
import type { KerasParams, TensorFlowParams } from '../src/frameworks.js';
import { FILTER_LAYOUTS, INPUT_LAYOUTS, filterShapeIn, resolveConvTranspose } from '../src/geometry.js';
import type { Activation, AnyFilterLayout, ConvTransposeGeometry, ConvTransposeOptions } from '../src/types.js';
import { activationShape, randomSizes, toChannels, toFilterLayoutNd } from './helpers/nd.js';
import { dyadic, pick, randInt, rng } from './helpers/tensors.js';

type Framework = 'torch' | 'tensorflow' | 'keras' | 'onnx' | 'caffe';
type From = (p: never, x: number[], w: number[]) => ConvTransposeOptions;

/** What decides the values: output shape, crop at the beginning, and the arithmetic. */
function effective(g: ConvTransposeGeometry): unknown {
  return {
    outputShape: [g.batch, g.outChannels, ...g.outSizes],
    begin: g.outSizes.map((_, a) => g.padding[2 * a]),
    strides: g.strides,
    dilations: g.dilations,
    groups: g.groups,
    kernel: g.kernelSizes,
  };
}

const TARGETS: Record<
  Framework,
  { to: (x: number[], w: number[], o: ConvTransposeOptions) => Conversion<unknown>; from: From; tf: boolean }
> = {
  torch: { to: toTorch, from: fromTorch as From, tf: false },
  tensorflow: { to: toTensorFlow, from: fromTensorFlow as From, tf: true },
  keras: { to: toKeras, from: fromKeras as From, tf: true },
  onnx: { to: toOnnx, from: fromOnnx as From, tf: false },
  caffe: { to: toCaffe, from: fromCaffe as From, tf: false },
};

interface Case {
  name: string;
  inputShape: number[];
  filterShape: number[];
  options: ConvTransposeOptions;
}

function randomCase(r: () => number, rank: 1 | 3, i: number): Case {
  const [maxIn, maxK] = rank === 1 ? [5, 4] : [3, 3];
  const groups = pick(r, [1, 1, 1, 2]);
  const inC = groups * randInt(r, 1, 2);
  const cog = randInt(r, 1, 2);
  const n = randInt(r, 1, 2);
  const sizes = randomSizes(r, rank, 1, maxIn);
  const kernel = randomSizes(r, rank, 1, maxK);
  // Often the same on every axis (PyTorch, Keras and Caffe print one value then), strides to 3.
  const strides = r() < 0.4 ? new Array<number>(rank).fill(randInt(r, 1, 3)) : randomSizes(r, rank, 1, 3);
  // Dilation mostly with stride 1 on that axis, so Keras has a chance.
  const dilations = strides.map((s) => (s === 1 && r() < 0.4 ? randInt(r, 2, 3) : 1));
  const channelsLast = r() < 0.5;
  const filterLayout = pick(r, FILTER_LAYOUTS[rank]!);
  const full = sizes.map((v, a) => (v - 1) * strides[a]! + dilations[a]! * (kernel[a]! - 1) + 1);
  const padding = full.flatMap((f) => {
    const begin = randInt(r, 0, Math.min(3, f - 1));
    // Often symmetric, so the symmetric-only frameworks are exercised too.
    const end = r() < 0.4 && 2 * begin <= f - 1 ? begin : randInt(r, 0, Math.min(3, f - 1 - begin));
    return [begin, end];
  });
  const options: ConvTransposeOptions = {
    strides,
    dilations,
    padding,
    outputPadding: strides.map((s, a) => (r() < 0.6 ? 0 : randInt(r, 0, Math.max(s, dilations[a]!) - 1))),
    groups,
    inputLayout: INPUT_LAYOUTS[rank]![channelsLast ? 1 : 0],
    filterLayout,
  };
  if (r() < 0.3) options.bias = dyadic(r, cog * groups);
  if (r() < 0.3) options.activation = pick<Activation>(r, ['relu', 'relu6', 'leakyRelu', 'sigmoid', 'tanh', 'gelu']);
  return {
    name: `${rank}d_${i}_in${sizes.join('x')}_k${kernel.join('x')}_s${strides.join('x')}_d${dilations.join('x')}_p${padding.join('')}_op${options.outputPadding!.join('')}_g${groups}_${options.inputLayout}_${filterLayout}`,
    inputShape: activationShape(channelsLast, n, inC, sizes),
    filterShape: filterShapeIn(filterLayout, inC, cog, ...kernel),
    options,
  };
}

/** A geometry Keras (and so TensorFlow) can express, from random Keras arguments. */
function randomKerasCase(r: () => number, rank: 1 | 3, i: number): Case {
  for (;;) {
    const n = randInt(r, 1, 2);
    const [cin, cout] = [randInt(r, 1, 2), randInt(r, 1, 2)];
    const sizes = randomSizes(r, rank, 1, rank === 1 ? 5 : 3);
    const kernel = randomSizes(r, rank, 1, rank === 1 ? 4 : 3);
    const strides = r() < 0.2 ? new Array<number>(rank).fill(1) : randomSizes(r, rank, 1, 3);
    const dilationRate = Math.max(...strides) > 1 ? new Array<number>(rank).fill(1) : randomSizes(r, rank, 1, 3);
    const padding = pick(r, ['same', 'valid'] as const);
    const outputPadding = r() < 0.5 ? null : strides.map((s) => randInt(r, 0, s - 1));
    const channelsLast = r() < 0.5;
    const inputShape = activationShape(channelsLast, n, cin, sizes);
    const filterShape = [...kernel, cout, cin];
    const dataFormat = channelsLast ? 'channels_last' : 'channels_first';
    try {
      const options = fromKeras({ strides, dilationRate, padding, outputPadding, dataFormat }, inputShape, filterShape);
      const name = `keras${rank}d_${i}_in${sizes.join('x')}_k${kernel.join('x')}_s${strides.join('x')}_d${dilationRate.join('x')}_${padding}_op${outputPadding?.join('x') ?? 'null'}_${dataFormat}`;
      return { name, inputShape, filterShape, options };
    } catch {
      // TensorFlow rejects Keras's length for these arguments: draw again.
    }
  }
}

/**
 * A geometry that appends zeros past the full size with stride 1 and dilation 3 on the
 * first axis (output padding 2 > stride − 1): PyTorch can, onnxruntime and TensorFlow cannot.
 */
function appendedZerosCase(r: () => number, rank: 1 | 3, i: number): Case {
  const c = randomCase(r, rank, i);
  const strides = [...c.options.strides!];
  const dilations = [...c.options.dilations!];
  const outputPadding = [...c.options.outputPadding!];
  const padding = [...c.options.padding!];
  [strides[0], dilations[0], outputPadding[0], padding[1]] = [1, 3, 2, 0];
  const options = { ...c.options, strides, dilations, outputPadding, padding };
  return { ...c, name: `zeros_${c.name}`, options };
}

/** The framework's layouts for its params: TensorFlow and Keras follow their data format. */
function layoutsOf(fw: Framework, params: unknown, rank: number): [boolean, AnyFilterLayout] {
  const tfFilter = TARGETS[fw].tf;
  let channelsLast = false;
  if (fw === 'tensorflow') channelsLast = !String((params as TensorFlowParams).dataFormat).startsWith('NC');
  if (fw === 'keras') channelsLast = (params as KerasParams).dataFormat !== 'channels_first';
  return [channelsLast, FILTER_LAYOUTS[rank]![tfFilter ? 1 : 0]];
}

/** One axis of a geometry, as a 1-D problem. */
interface Axis {
  n: number;
  k: number;
  s: number;
  d: number;
  full: number;
  begin: number;
  out: number;
}

function axesOf(g: ConvTransposeGeometry): Axis[] {
  return g.inSizes.map((n, a) => ({
    n,
    k: g.kernelSizes[a]!,
    s: g.strides[a]!,
    d: g.dilations[a]!,
    full: g.fullSizes[a]!,
    begin: g.padding[2 * a]!,
    out: g.outSizes[a]!,
  }));
}

/** Whether 1-D options reproduce an axis's crop and size. */
function hits(a: Axis, x: number[], w: number[], make: () => ConvTransposeOptions): boolean {
  try {
    const h = resolveConvTranspose(x, w, make());
    return h.padding[0] === a.begin && h.outSizes[0] === a.out;
  } catch {
    return false;
  }
}

/**
 * Whether some parameters of a framework reproduce one axis, searching every value in
 * range through the real 1-D adapter (the per-axis arguments of PyTorch, ONNX and Caffe
 * are independent across axes; TensorFlow's padding mode is one for all axes).
 */
function axisReachable(fw: 'torch' | 'onnx' | 'caffe' | 'SAME' | 'VALID', a: Axis): boolean {
  const x = [1, 1, a.n];
  const w = [1, 1, a.k];
  if (fw === 'SAME' || fw === 'VALID') {
    return hits(a, [1, a.n, 1], [a.k, 1, 1], () =>
      fromTensorFlow(
        { outputShape: [1, a.out, 1], strides: a.s, dilations: a.d, padding: fw },
        [1, a.n, 1],
        [a.k, 1, 1],
      ),
    );
  }
  for (let p = 0; p <= a.full + a.s; p++) {
    for (let q = 0; q <= a.full + a.s; q++) {
      for (let op = 0; op < Math.max(a.s, a.d); op++) {
        const base = { strides: [a.s], dilations: [a.d] };
        if (fw === 'torch' && q === 0) {
          if (hits(a, x, w, () => fromTorch({ stride: a.s, dilation: a.d, padding: p, outputPadding: op }, x, w)))
            return true;
        }
        if (fw === 'caffe' && q === 0 && op === 0) {
          if (hits(a, x, w, () => fromCaffe({ stride: a.s, dilation: a.d, pad: p }, x, w))) return true;
        }
        if (fw === 'onnx' && hits(a, x, w, () => fromOnnx({ ...base, pads: [p, q], outputPadding: [op] }, x, w))) {
          return true;
        }
      }
    }
  }
  return false;
}

/** Whether Keras reproduces an axis with one padding mode and output padding `op` (null: Keras's default). */
function kerasAxis(a: Axis, padding: 'same' | 'valid', op: number | null): boolean {
  return hits(a, [1, a.n, 1], [a.k, 1, 1], () =>
    fromKeras({ strides: a.s, dilationRate: a.d, padding, outputPadding: op }, [1, a.n, 1], [a.k, 1, 1]),
  );
}

/** Whether no parameters of the framework exist for `g`, as the conversion claims. */
function confirmedNone(fw: Framework, g: ConvTransposeGeometry): boolean {
  const list = axesOf(g);
  if (fw === 'torch' || fw === 'onnx' || fw === 'caffe') return !list.every((a) => axisReachable(fw, a));
  if (g.groups > 1) return true; // Neither TensorFlow nor Keras has groups.
  if (fw === 'tensorflow') {
    if (g.rank === 2) throw new Error('2-D is covered by convert.test.ts');
    return !(['SAME', 'VALID'] as const).some((mode) => list.every((a) => axisReachable(mode, a)));
  }
  if (Math.max(...g.strides) > 1 && Math.max(...g.dilations) > 1) return true; // Keras's own rule.
  return !(['same', 'valid'] as const).some(
    (padding) =>
      list.every((a) => kerasAxis(a, padding, null)) ||
      list.every((a) => Array.from({ length: a.s }, (_, op) => op).some((op) => kerasAxis(a, padding, op))),
  );
}

describe.each([
  [1, 140, 0xc1d],
  [3, 80, 0xc3d],
] as const)('%i-D round trips: fromX(toX(options)) gives the same result', (rank, cases, seed) => {
  const r = rng(seed);
  const list = [
    ...Array.from({ length: cases }, (_, i) => randomCase(r, rank, i)),
    ...Array.from({ length: 25 }, (_, i) => randomKerasCase(r, rank, i)),
    ...Array.from({ length: 8 }, (_, i) => appendedZerosCase(r, rank, i)),
  ];
  const counts = Object.fromEntries(
    (Object.keys(TARGETS) as Framework[]).map((fw) => [fw, { ok: 0, none: 0 }]),
  ) as Record<Framework, { ok: number; none: number }>;

  it.each(list.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const g = resolveConvTranspose(c.inputShape, c.filterShape, c.options);
    const x = dyadic(rng(g.inputSize), g.inputSize);
    const f = dyadic(rng(g.filterSize + 1), g.filterSize);
    const reference = convTransposeCpu(x, c.inputShape, f, c.filterShape, c.options);
    const all = equivalents(c.inputShape, c.filterShape, c.options);
    expect(effective(resolveConvTranspose(c.inputShape, c.filterShape, all.canonical))).toEqual(effective(g));
    for (const fw of Object.keys(TARGETS) as Framework[]) {
      const t = TARGETS[fw];
      const conv = t.to(c.inputShape, c.filterShape, c.options);
      expect(all[fw]).toEqual(conv);
      if (!conv.ok) {
        counts[fw].none++;
        expect(conv.reason.length, fw).toBeGreaterThan(40);
        expect(confirmedNone(fw, g), `${fw}: ${conv.reason}`).toBe(true);
        continue;
      }
      counts[fw].ok++;
      const [channelsLast, fLayout] = layoutsOf(fw, conv.params, rank);
      const inShape = activationShape(channelsLast, g.batch, g.inChannels, g.inSizes);
      const fShape = filterShapeIn(fLayout, g.inChannels, g.outChannelsPerGroup, ...g.kernelSizes);
      const back = t.from(conv.params as never, inShape, fShape);
      expect(effective(resolveConvTranspose(inShape, fShape, back)), fw).toEqual(effective(g));
      // Same values: data moved to the framework's layouts, bias and activation added as the note says.
      const y = convTransposeCpu(
        toChannels(x, c.inputShape, g.channelsLast, channelsLast).data,
        inShape,
        toFilterLayoutNd(f, c.filterShape, g.filterLayout, fLayout).data,
        fShape,
        { ...back, bias: c.options.bias, activation: c.options.activation, leakyReluAlpha: c.options.leakyReluAlpha },
      );
      expect(Array.from(toChannels(y.data, y.shape, channelsLast, g.channelsLast).data), fw).toEqual(
        Array.from(reference.data),
      );
    }
  });

  it('exercised both outcomes for every framework', () => {
    console.log(`${rank}-D conversions: ${JSON.stringify(counts)}`);
    for (const fw of Object.keys(counts) as Framework[]) {
      expect(counts[fw].ok, fw).toBeGreaterThanOrEqual(10);
      expect(counts[fw].none, fw).toBeGreaterThanOrEqual(2);
    }
  });
});

describe('conversion examples with 1 and 3 spatial axes', () => {
  it("TF SAME k4 s2 in3 out5 in 1-D: no PyTorch or Caffe padding, TensorFlow 'SAME'; the 3-D odd crop has no TF padding", () => {
    const o = fromTensorFlow({ outputShape: [1, 5, 2], strides: 2, padding: 'SAME' }, [1, 3, 2], [4, 2, 2]);
    const e = equivalents([1, 3, 2], [4, 2, 2], o);
    expect(e.canonical).toMatchObject({ padding: [1, 2], outputPadding: [0], inputLayout: 'nwc' });
    expect(e.torch.ok || e.torch.reason).toContain('F.pad(y, (-1, -2))');
    expect(e.tensorflow).toMatchObject({
      ok: true,
      params: { padding: 'SAME', outputShape: [1, 5, 2], dataFormat: 'NWC' },
    });
    expect(e.onnx).toMatchObject({ ok: true, params: { pads: [1, 2], outputPadding: [0] } });
    // PyTorch's symmetric crop with output padding on the depth axis: TensorFlow has no explicit padding in 3-D.
    const t = fromTorch({ stride: 2, padding: 1, outputPadding: [1, 0, 0] }, [1, 1, 2, 2, 2], [1, 1, 3, 3, 3]);
    const e3 = equivalents([1, 1, 2, 2, 2], [1, 1, 3, 3, 3], t);
    expect(e3.tensorflow.ok || e3.tensorflow.reason).toContain(
      "tf.nn.conv3d_transpose takes only 'SAME' or 'VALID' padding",
    );
    expect(e3.tensorflow.ok || e3.tensorflow.reason).toContain('y[:, :, 1:5, 1:4, 1:4]');
    expect(e3.torch).toMatchObject({ ok: true, params: { stride: 2, padding: 1, outputPadding: [1, 0, 0] } });
    expect(e3.caffe.ok || e3.caffe.reason).toContain('planes 1…4, rows 1…3, columns 1…3');
  });

  it('the layout notes name the permutation for every rank', () => {
    const one = toTorch([1, 6, 2], [3, 4, 2], { inputLayout: 'nwc', filterLayout: 'woi' });
    expect(one.ok && one.note).toContain('x.permute(0, 2, 1)');
    expect(one.ok && one.note).toContain('reorder it to [in, out/groups, kW] (permute(2, 1, 0))');
    const three = toTensorFlow([1, 2, 2, 2, 3], [3, 4, 2, 2, 2], { filterLayout: 'iodhw', inputLayout: 'ndhwc' });
    expect(three.ok && three.note).toContain('reorder it to [kD, kH, kW, out, in] (transpose [2, 3, 4, 1, 0])');
    const keras = toKeras([1, 3, 6], [3, 4, 2], {});
    expect(keras).toMatchObject({ ok: true, params: { dataFormat: 'channels_first', padding: 'valid' } });
    expect(keras.ok && keras.note).toContain("only run NWC: there, transpose the data and use 'channels_last'");
  });
});
