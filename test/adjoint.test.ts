import { describe, expect, it } from 'vitest';
import { conv2dCpu, convCpu, convTranspose2dCpu, convTransposeCpu } from '../src/cpu.js';
import type { Conv2dFilterLayout, ConvFilterLayout } from '../src/cpu.js';
import {
  FILTER_LAYOUTS,
  INPUT_LAYOUTS,
  filterShapeIn,
  resolveConvTranspose,
  resolveConvTranspose2d,
} from '../src/geometry.js';
import type { ConvTranspose2dOptions, ConvTransposeOptions, FilterLayout, InputLayout } from '../src/types.js';
import { FORWARD_LAYOUT as FORWARD_ND, activationShape, randomSizes } from './helpers/nd.js';
import { dyadic, filterShapeOf, inputShapeOf, pick, randInt, rng } from './helpers/tensors.js';

/** The forward-convolution layout that reads a transposed-convolution filter's memory the same way. */
const FORWARD_LAYOUT: Record<FilterLayout, Conv2dFilterLayout> = { iohw: 'oihw', hwoi: 'hwio', ohwi: 'ihwo' };

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

interface Geometry {
  name: string;
  inputShape: number[];
  filterShape: number[];
  options: ConvTranspose2dOptions;
}

/** A random valid geometry over every option that changes the linear map. */
function randomGeometry(r: () => number, i: number): Geometry {
  const groups = pick(r, [1, 1, 2, 3]);
  const cig = randInt(r, 1, 3);
  const cog = randInt(r, 1, 3);
  const n = randInt(r, 1, 2);
  const [h, w] = [randInt(r, 1, 5), randInt(r, 1, 5)];
  const [kh, kw] = [randInt(r, 1, 4), randInt(r, 1, 4)];
  const strides: [number, number] = [randInt(r, 1, 3), randInt(r, 1, 3)];
  const dilations: [number, number] = [randInt(r, 1, 3), randInt(r, 1, 3)];
  const inputLayout = pick<InputLayout>(r, ['nchw', 'nhwc']);
  const filterLayout = pick<FilterLayout>(r, ['iohw', 'hwoi', 'ohwi']);
  const full = [(h - 1) * strides[0] + dilations[0] * (kh - 1) + 1, (w - 1) * strides[1] + dilations[1] * (kw - 1) + 1];
  // Crops that leave at least one row: begin + end ≤ full − 1.
  const crop = (f: number): [number, number] => {
    const begin = randInt(r, 0, Math.min(3, f - 1));
    return [begin, randInt(r, 0, Math.min(3, f - 1 - begin))];
  };
  const [ch, cw] = [crop(full[0]!), crop(full[1]!)];
  const padding: [number, number, number, number] = [ch[0], ch[1], cw[0], cw[1]];
  const extra: [number, number] = [
    randInt(r, 0, Math.max(strides[0], dilations[0]) - 1),
    randInt(r, 0, Math.max(strides[1], dilations[1]) - 1),
  ];
  const options: ConvTranspose2dOptions = { strides, dilations, padding, groups, inputLayout, filterLayout };
  if (r() < 0.3) {
    options.outputSizes = [full[0]! - ch[0] - ch[1] + extra[0], full[1]! - cw[0] - cw[1] + extra[1]];
  } else {
    options.outputPadding = extra;
  }
  const inC = groups * cig;
  return {
    name: `${i}_k${kh}x${kw}_s${strides.join('x')}_d${dilations.join('x')}_p${padding.join('')}_g${groups}_n${n}_${inputLayout}_${filterLayout}`,
    inputShape: inputShapeOf(inputLayout, n, inC, h, w),
    filterShape: filterShapeOf(filterLayout, inC, cog, kh, kw),
    options,
  };
}

describe('convTranspose2d is the adjoint of conv2d: ⟨conv2d(x, w), y⟩ = ⟨x, convTranspose2d(y, w)⟩', () => {
  it('holds to 1e-9 relative on 240 random geometries (strides, dilations, crops, output padding/sizes, groups, layouts, batch)', () => {
    const r = rng(0xad7);
    const seen = new Set<string>();
    for (let i = 0; i < 240; i++) {
      const { name, inputShape, filterShape, options } = randomGeometry(r, i);
      const g = resolveConvTranspose2d(inputShape, filterShape, options);
      // Multiples of 1/64: every product and sum below is exact in float32 and float64,
      // so a wrong index shows up as a large error, not as rounding noise.
      const y = dyadic(r, g.inputSize);
      const w = dyadic(r, g.filterSize);
      const x = dyadic(r, g.outputSize);
      const t = convTranspose2dCpu(y, inputShape, w, filterShape, options);
      // The forward convolution pads the output with the same crop and keeps the input's size.
      const f = conv2dCpu(x, g.outputShape, w, filterShape, {
        strides: g.strides,
        dilations: g.dilations,
        padding: g.padding,
        groups: g.groups,
        inputLayout: g.inputLayout,
        filterLayout: FORWARD_LAYOUT[g.filterLayout],
        outputSizes: [g.inHeight, g.inWidth],
      });
      expect(f.shape, name).toEqual(g.inputShape);
      const lhs = dot(f.data, y);
      const rhs = dot(x, t.data);
      expect(Math.abs(lhs - rhs), name).toBeLessThanOrEqual(1e-9 * Math.max(Math.abs(lhs), 1e-300));
      seen
        .add(`groups>1 ${g.groups > 1}`)
        .add(g.inputLayout)
        .add(g.filterLayout)
        .add(`batch>1 ${g.batch > 1}`);
      seen.add(`dilated ${g.dilations.some((d) => d > 1)}`).add(`outputPadding ${g.outputPadding.some((p) => p > 0)}`);
      seen.add(`outputSizes ${options.outputSizes !== undefined}`).add(`cropped ${g.padding.some((p) => p > 0)}`);
    }
    // Each feature came up both on and off.
    expect(seen.size).toBe(2 * 6 + 3 + 2);
  });

  it('is not vacuous: a one-row shift of the crop breaks it', () => {
    const r = rng(7);
    const inputShape = [1, 2, 3, 3];
    const filterShape = [2, 2, 3, 3];
    const options: ConvTranspose2dOptions = { strides: [2, 2], padding: [1, 1, 1, 1], outputPadding: [1, 1] };
    const g = resolveConvTranspose2d(inputShape, filterShape, options);
    const [y, w, x] = [dyadic(r, g.inputSize), dyadic(r, g.filterSize), dyadic(r, g.outputSize)];
    const t = convTranspose2dCpu(y, inputShape, w, filterShape, options);
    const shifted = conv2dCpu(x, g.outputShape, w, filterShape, {
      strides: [2, 2],
      padding: [0, 2, 1, 1],
      outputSizes: [3, 3],
    });
    expect(Math.abs(dot(shifted.data, y) - dot(x, t.data))).toBeGreaterThan(1e-3);
  });
});

/**
 * A random valid geometry of one or three spatial axes over every option that changes the
 * linear map. 3-D sizes stay tiny (at most 3 per axis) so 200 cases take well under a second.
 */
function randomNd(
  r: () => number,
  rank: 1 | 3,
  i: number,
): { name: string; x: number[]; w: number[]; options: ConvTransposeOptions } {
  const [maxIn, maxK, maxS] = rank === 1 ? [7, 5, 4] : [3, 3, 2];
  const groups = pick(r, [1, 1, 2, 3]);
  const cig = randInt(r, 1, rank === 1 ? 3 : 2);
  const cog = randInt(r, 1, rank === 1 ? 3 : 2);
  const n = randInt(r, 1, 2);
  const sizes = randomSizes(r, rank, 1, maxIn);
  const kernel = randomSizes(r, rank, 1, maxK);
  const strides = randomSizes(r, rank, 1, maxS);
  const dilations = randomSizes(r, rank, 1, rank === 1 ? 3 : 2);
  const channelsLast = r() < 0.5;
  const filterLayout = pick(r, FILTER_LAYOUTS[rank]!);
  const full = sizes.map((s, a) => (s - 1) * strides[a]! + dilations[a]! * (kernel[a]! - 1) + 1);
  const padding = full.flatMap((f) => {
    const begin = randInt(r, 0, Math.min(3, f - 1));
    return [begin, randInt(r, 0, Math.min(3, f - 1 - begin))];
  });
  const extra = strides.map((s, a) => randInt(r, 0, Math.max(s, dilations[a]!) - 1));
  const options: ConvTransposeOptions = {
    strides,
    dilations,
    padding,
    groups,
    inputLayout: INPUT_LAYOUTS[rank]![channelsLast ? 1 : 0],
    filterLayout,
  };
  if (r() < 0.3) options.outputSizes = full.map((f, a) => f - padding[2 * a]! - padding[2 * a + 1]! + extra[a]!);
  else options.outputPadding = extra;
  const inC = groups * cig;
  return {
    name: `${rank}d_${i}_k${kernel.join('x')}_s${strides.join('x')}_d${dilations.join('x')}_p${padding.join('')}_g${groups}_n${n}_${options.inputLayout}_${filterLayout}`,
    x: activationShape(channelsLast, n, inC, sizes),
    w: filterShapeIn(filterLayout, inC, cog, ...kernel),
    options,
  };
}

describe.each([1, 3] as const)('%i-D convTranspose is the adjoint of the forward conv', (rank) => {
  it(`holds to 1e-9 relative on 220 random ${rank}-D geometries (strides, dilations, crops, output padding/sizes, groups, layouts, batch)`, () => {
    const r = rng(rank === 1 ? 0xad71 : 0xad73);
    const seen = new Set<string>();
    for (let i = 0; i < 220; i++) {
      const { name, x: inputShape, w: filterShape, options } = randomNd(r, rank, i);
      const g = resolveConvTranspose(inputShape, filterShape, options);
      const y = dyadic(r, g.inputSize);
      const w = dyadic(r, g.filterSize);
      const x = dyadic(r, g.outputSize);
      const t = convTransposeCpu(y, inputShape, w, filterShape, options);
      const f = convCpu(x, g.outputShape, w, filterShape, {
        strides: g.strides,
        dilations: g.dilations,
        padding: g.padding,
        groups: g.groups,
        inputLayout: g.inputLayout,
        filterLayout: FORWARD_ND[g.filterLayout] as ConvFilterLayout,
        outputSizes: g.inSizes,
      });
      expect(f.shape, name).toEqual(g.inputShape);
      const lhs = dot(f.data, y);
      const rhs = dot(x, t.data);
      expect(Math.abs(lhs - rhs), name).toBeLessThanOrEqual(1e-9 * Math.max(Math.abs(lhs), 1e-300));
      seen
        .add(`groups>1 ${g.groups > 1}`)
        .add(g.inputLayout)
        .add(g.filterLayout)
        .add(`batch>1 ${g.batch > 1}`);
      seen.add(`dilated ${g.dilations.some((d) => d > 1)}`).add(`outputPadding ${g.outputPadding.some((p) => p > 0)}`);
      seen.add(`outputSizes ${options.outputSizes !== undefined}`).add(`cropped ${g.padding.some((p) => p > 0)}`);
    }
    // Each feature came up both on and off, every layout too.
    expect(seen.size).toBe(2 * 6 + 2 + 3);
  });
});
