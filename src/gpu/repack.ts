/**
 * Filters that are already on the GPU (a wrapped TF.js or ONNX Runtime weight): repacked
 * into a kernel's preferred layout by a small shader instead of on the CPU, and checked
 * for ±∞/NaN on the GPU (the result arrives asynchronously; until then the layer assumes
 * the filter may hold them, see KernelEnv.guard).
 */
import { filterAxisStrides, filterDims } from '../geometry.js';
import type { AnyFilterLayout } from '../types.js';
import type { CallContext } from './context.js';
import { ceilDiv, FLAT_WORKGROUP, product } from './math.js';
import { flatMain, shaderFor, type ShaderSpec } from './shader/compose.js';
import type { Storage } from './shader/storage.js';

/** Logical axes of a filter: input channel, output channel within its group, and each kernel axis. */
function axes(rank: number): number {
  return rank + 2;
}

/**
 * Element e of the source (contiguous in its layout) has logical coordinate
 * c_j = (e / src_j) % size_j on each logical axis j, and goes to Σ c_j · dst_j.
 */
function repackShader(key: { rank: number; storage: Storage }): ShaderSpec {
  const n = axes(key.rank);
  const names = Array.from({ length: n }, (_, j) => [`src${j}`, `size${j}`, `dst${j}`]).flat();
  const terms = Array.from({ length: n }, (_, j) => `((e / params.src${j}) % params.size${j}) * params.dst${j}`);
  return {
    label: 'repack',
    storage: key.storage,
    uniforms: [...names, 'total'],
    bindings: [
      { name: 'src', kind: 'data', access: 'read' },
      { name: 'dst', kind: 'data', access: 'read_write' },
    ],
    modules: ['grid'],
    body: flatMain('e', [`st_dst(${terms.join(' + ')}, ld_src(e));`]),
  };
}

/** Sets flag[0] to 1 when some element is ±∞ or NaN (exponent bits all ones). */
function finiteShader(key: { storage: Storage }): ShaderSpec {
  return {
    label: 'finite',
    storage: key.storage,
    uniforms: ['total'],
    bindings: [
      { name: 'src', kind: 'data', access: 'read' },
      { name: 'flag', kind: 'f32', access: 'read_write' },
    ],
    modules: ['grid'],
    body: flatMain('e', ['if ((bitcast<u32>(ld_src(e)) & 0x7f800000u) == 0x7f800000u) { flag[0] = 1.0; }']),
  };
}

/** Records the repacking of a filter of logical dims from `from` into `to` (both contiguous). */
export function encodeRepack(
  ctx: CallContext,
  src: GPUBuffer,
  dst: GPUBuffer,
  shape: readonly number[],
  from: AnyFilterLayout,
  to: AnyFilterLayout,
): void {
  const rank = shape.length - 2;
  const [i, o, ...k] = filterDims(from, shape) as [number, number, ...number[]];
  const s = filterAxisStrides(from, i, o, k);
  const d = filterAxisStrides(to, i, o, k);
  const srcStrides = [s.i, s.o, ...s.spatial];
  const dstStrides = [d.i, d.o, ...d.spatial];
  const sizes = [i, o, ...k];
  const uniforms: Record<string, number> = { total: product(shape) };
  sizes.forEach((size, j) => {
    uniforms[`src${j}`] = srcStrides[j]!;
    uniforms[`size${j}`] = size;
    uniforms[`dst${j}`] = dstStrides[j]!;
  });
  ctx.dispatch({
    shader: shaderFor('repack', { rank, storage: ctx.storage }, repackShader),
    uniforms,
    buffers: { src, dst },
    workgroups: ceilDiv(uniforms.total!, FLAT_WORKGROUP),
  });
}

/** Records the ±∞/NaN check of `count` elements of `src` into `flag` (a zeroed f32 scratch). */
export function encodeFiniteCheck(ctx: CallContext, src: GPUBuffer, flag: GPUBuffer, count: number): void {
  ctx.dispatch({
    shader: shaderFor('finite', { storage: ctx.storage }, finiteShader),
    uniforms: { total: count },
    buffers: { src, flag },
    workgroups: ceilDiv(count, FLAT_WORKGROUP),
  });
}
