/**
 * 'scatter': input-centred. Each thread takes 8 input pixels of the last axis × 8 output
 * channels and adds their products with a set of filter taps to the outputs they reach. Taps
 * are grouped per axis so that within one pass no two (input, tap) pairs reach the same
 * output (Π ⌈k_a / m_a⌉ passes, m = stride / gcd(stride, dilation)); the passes run in a
 * fixed order, so results are deterministic without atomics. The first write to an output
 * starts from the bias, the last applies the activation; outputs no tap reaches get
 * act(bias) from a fill pass. Work per output ≈ cig·Π k / Π s multiply-adds plus one
 * read-modify-write per pass that reaches it. Planning in ./plan.ts, WGSL in ./wgsl.ts.
 */
import { FILTER_LAYOUTS } from '../../../geometry.js';
import type { ConvTransposeGeometry } from '../../../types.js';
import type { ConvBuffers, Kernel, KernelContext, KernelEnv, VariantKey } from '../../kernel.js';
import { defineKernel } from '../../kernel.js';
import { activationCode, axisLetters, ceilDiv, FLAT_WORKGROUP, geometryUniforms, pick } from '../../math.js';
import { shaderFor, type ShaderSource } from '../../shader/compose.js';
import type { Storage } from '../../shader/storage.js';
import {
  BLOCK,
  MAX_PASSES,
  scatterCost,
  scatterMacs,
  scatterPasses,
  scatterScratchBytes,
  scatterThreads,
} from './plan.js';
import { fillShader, scatterShader, type FillKey, type ScatterKey } from './wgsl.js';

export { axisClasses, axisReached, scatterPasses, type AxisClasses, type ScatterPasses } from './plan.js';

/** The variant of the scatter kernel: the key of its tap pass. */
export type ScatterVariant = ScatterKey;

function tapShader(key: ScatterKey): ShaderSource {
  return shaderFor('scatter', key, scatterShader);
}

function fill(rank: number, storage: Storage): ShaderSource {
  const key: FillKey = { rank, storage };
  return shaderFor('scatter:fill', key, fillShader);
}

/** The variant for `g` in `env`: the running sums in a float32 scratch when float16 outputs would be written more than once. */
function variantFor(g: ConvTransposeGeometry, env: Pick<KernelEnv, 'storage'>): ScatterVariant {
  return {
    rank: g.rank,
    storage: env.storage,
    accumulate: scatterScratchBytes(g, env.storage) > 0 ? 'scratch' : 'output',
  };
}

/** Records the fill pass (when some output is unreached) and every tap pass, in order. */
export function encodeScatter(
  ctx: KernelContext,
  g: ConvTransposeGeometry,
  buffers: ConvBuffers,
  variant: ScatterVariant,
): void {
  const grid = scatterPasses(g);
  const geometry = geometryUniforms(g);
  const act = activationCode(g);
  const letters = axisLetters(g.rank);
  if (grid.fill) {
    const shader = fill(g.rank, ctx.storage);
    ctx.dispatch({
      shader,
      constants: { ACT: act },
      uniforms: pick({ ...geometry, total: g.outputSize }, [...shader.uniforms.keys()]),
      buffers: { bias: buffers.bias, output: buffers.output },
      workgroups: ceilDiv(g.outputSize, FLAT_WORKGROUP),
    });
  }
  const shader = tapShader({ rank: g.rank, storage: ctx.storage, accumulate: variant.accumulate });
  const bufs: Record<string, GPUBuffer> = {
    input: buffers.input,
    weights: buffers.filter,
    bias: buffers.bias,
    output: buffers.output,
  };
  if (variant.accumulate === 'scratch') bufs.sums = ctx.scratch(g.outputSize * 4, 'scatter:sums');
  const threads = scatterThreads(g);
  const fixed: Record<string, number> = {
    ...geometry,
    cbg: ceilDiv(g.outChannelsPerGroup, BLOCK),
    b_w: ceilDiv(g.inSizes[g.rank - 1]!, BLOCK),
    total: threads,
  };
  grid.axes.forEach((c, a) => {
    fixed[`m_${letters[a]}`] = c.m;
    fixed[`e_${letters[a]}`] = c.e;
  });
  // Passes in lexicographic order, the outermost axis slowest (see ./wgsl.ts).
  const index = grid.axes.map(() => 0);
  for (let p = 0; p < grid.passes; p++) {
    let rest = p;
    for (let a = g.rank - 1; a >= 0; a--) {
      index[a] = rest % grid.axes[a]!.passes;
      rest = Math.floor(rest / grid.axes[a]!.passes);
    }
    const passes: Record<string, number> = {};
    letters.forEach((L, a) => (passes[`pass_${L}`] = index[a]!));
    ctx.dispatch({
      shader,
      constants: { ACT: act },
      uniforms: pick({ ...fixed, ...passes }, [...shader.uniforms.keys()]),
      buffers: bufs,
      workgroups: ceilDiv(threads, FLAT_WORKGROUP),
    });
  }
}

/**
 * The 'scatter' kernel. Each thread adds its inputs' products to the outputs they reach, in fixed passes of taps that never collide (deterministic, no atomics). Pass it in `kernels` of `createEngine` (of `webgpu-deconv/core`,
 * to ship only the kernels an application uses).
 */
export const scatterKernel: Kernel = /* @__PURE__ */ defineKernel({
  name: 'scatter',
  // Taps outermost and input channels contiguous: a thread's channel loop reads each of its 8
  // output channels' weights sequentially.
  preferredFilterLayout: (rank) => FILTER_LAYOUTS[rank]![1],
  unsupported(g, env) {
    const passes = scatterPasses(g).passes;
    if (passes > MAX_PASSES) {
      return `it needs ${passes} tap passes (one per combination of the axes' tap classes), more than ${MAX_PASSES}`;
    }
    const threads = scatterThreads(g);
    if (threads > 2 ** 32 - 1) return `a pass needs ${threads} threads, more than 2^32 − 1`;
    const bytes = scatterScratchBytes(g, env.storage);
    const max = Math.min(env.limits.maxStorageBufferBindingSize, env.limits.maxBufferSize);
    if (bytes > max) {
      return `the float32 running sums need ${bytes} bytes, over the device's largest storage binding (${max} bytes)`;
    }
    return null;
  },
  scratchBytes(g, env) {
    return scatterScratchBytes(g, env.storage);
  },
  choose(g, env) {
    // Several comparable passes: no main-pass workgroup count.
    return { variant: variantFor(g, env) as unknown as VariantKey, ...scatterCost(g, env), workgroups: 0 };
  },
  issuedMacs(g, variant) {
    return scatterMacs(g, variant !== undefined);
  },
  encode(ctx, g, buffers, variant) {
    encodeScatter(ctx, g, buffers, variant as unknown as ScatterVariant);
  },
  variants(rank, storage) {
    const kinds: ScatterKey['accumulate'][] = storage === 'f32' ? ['output'] : ['output', 'scratch'];
    return kinds.map((accumulate) => {
      const key: ScatterKey = { rank, storage, accumulate };
      return { variant: key as unknown as VariantKey, shaders: [tapShader(key), fill(rank, storage)] };
    });
  },
});
