/**
 * Encoding of one convolution, whole or in pieces, and the slicing helpers that move bands
 * of the outermost spatial axis between a full tensor and a piece (on the GPU by buffer
 * copies, on the CPU by array copies).
 */
import { filterAxisStrides, filterDims, filterShapeIn } from '../geometry.js';
import type { AnyFilterLayout, ConvTransposeGeometry } from '../types.js';
import type { CallContext } from './context.js';
import type { ConvBuffers, Kernel, VariantKey } from './kernel.js';
import { ceilDiv, FLAT_WORKGROUP } from './math.js';
import type { PlanPiece } from './planner.js';
import { flatMain, shaderFor, type ShaderSpec } from './shader/compose.js';
import { elementBytes, type Storage } from './shader/storage.js';

/** Equally spaced runs of elements: run j covers [offset + j·stride, … + length). */
export interface Runs {
  offset: number;
  stride: number;
  length: number;
  count: number;
}

/**
 * The runs of band [r0, r1) of the outermost spatial axis, batch elements n0…n1, of a
 * tensor with `c` channels and spatial `sizes` (channels first or last).
 */
export function bandRuns(
  channelsLast: boolean,
  c: number,
  sizes: readonly number[],
  n0: number,
  n1: number,
  r0: number,
  r1: number,
): Runs {
  const rows = sizes[0]!;
  const rest = sizes.slice(1).reduce((p, s) => p * s, 1);
  const plane = c * rows * rest;
  if (r0 === 0 && r1 === rows) return { offset: n0 * plane, stride: 0, length: (n1 - n0) * plane, count: 1 };
  if (channelsLast) {
    return { offset: (n0 * rows + r0) * rest * c, stride: plane, length: (r1 - r0) * rest * c, count: n1 - n0 };
  }
  return { offset: (n0 * c * rows + r0) * rest, stride: rows * rest, length: (r1 - r0) * rest, count: (n1 - n0) * c };
}

/** The input runs a piece reads. */
export function inputRuns(g: ConvTransposeGeometry, p: PlanPiece): Runs {
  return bandRuns(g.channelsLast, g.inChannels, g.inSizes, p.n0, p.n1, p.iy0, p.iy1);
}

/** The output runs a piece writes. */
export function outputRuns(g: ConvTransposeGeometry, p: PlanPiece): Runs {
  return bandRuns(g.channelsLast, g.outChannels, g.outSizes, p.n0, p.n1, p.oy0, p.oy1);
}

/** Copies a piece's input band out of a full CPU input. */
export function extractInput<T extends Float32Array | Uint16Array>(
  input: T,
  g: ConvTransposeGeometry,
  p: PlanPiece,
): T {
  const out = new (input.constructor as new (n: number) => T)(p.geometry.inputSize);
  const r = inputRuns(g, p);
  for (let j = 0; j < r.count; j++) {
    const at = r.offset + j * r.stride;
    out.set(input.subarray(at, at + r.length), j * r.length);
  }
  return out;
}

/** Writes a piece's output band into a full CPU output. */
export function placeOutput<T extends Float32Array | Uint16Array>(
  result: T,
  g: ConvTransposeGeometry,
  p: PlanPiece,
  piece: T,
): void {
  const r = outputRuns(g, p);
  for (let j = 0; j < r.count; j++) {
    result.set(piece.subarray(j * r.length, (j + 1) * r.length), r.offset + j * r.stride);
  }
}

/** dst[j·length + e] = src[offset + j·stride + e] (gather) or the reverse (scatter), in any storage. */
function copyShader(key: { storage: Storage }): ShaderSpec {
  return {
    label: 'copy',
    storage: key.storage,
    uniforms: ['src0', 'src_stride', 'dst0', 'dst_stride', 'length', 'total'],
    bindings: [
      { name: 'src', kind: 'data', access: 'read' },
      { name: 'dst', kind: 'data', access: 'read_write' },
    ],
    modules: ['grid'],
    // Copies equally spaced runs element by element: float16 runs may start inside a 4-byte
    // word, where buffer copies cannot.
    body: flatMain('t', [
      'let j = t / params.length;',
      'let e = t % params.length;',
      'st_dst(params.dst0 + j * params.dst_stride + e, ld_src(params.src0 + j * params.src_stride + e));',
    ]),
  };
}

/** Records the copy of `runs` of `src` into consecutive elements of `dst` (or, with `back`, the reverse). */
function copyRuns(ctx: CallContext, src: GPUBuffer, dst: GPUBuffer, runs: Runs, back: boolean): void {
  const bytes = elementBytes(ctx.storage);
  if (bytes === 4) {
    for (let j = 0; j < runs.count; j++) {
      const far = (runs.offset + j * runs.stride) * 4;
      const near = j * runs.length * 4;
      if (back) ctx.copy(src, near, dst, far, runs.length * 4);
      else ctx.copy(src, far, dst, near, runs.length * 4);
    }
    return;
  }
  const far = { at: runs.offset, stride: runs.stride };
  const near = { at: 0, stride: runs.length };
  const [from, to] = back ? [near, far] : [far, near];
  const total = runs.count * runs.length;
  ctx.dispatch({
    shader: shaderFor('copy', { storage: ctx.storage }, copyShader),
    uniforms: {
      src0: from.at,
      src_stride: from.stride,
      dst0: to.at,
      dst_stride: to.stride,
      length: runs.length,
      total,
    },
    buffers: { src, dst },
    workgroups: ceilDiv(total, FLAT_WORKGROUP),
  });
}

/**
 * Records a whole call into `ctx`: the kernel directly when there is one piece covering
 * everything, else per piece: copy its input band into a scratch buffer, run the kernel on
 * the piece's geometry (with the variant the kernel chooses for it), copy its output band back.
 */
export function encodePieces(
  ctx: CallContext,
  kernel: Kernel,
  g: ConvTransposeGeometry,
  pieces: readonly PlanPiece[],
  buffers: ConvBuffers,
  variant?: VariantKey,
): void {
  if (pieces.length === 1 && pieces[0]!.geometry === g) {
    kernel.encode(ctx, g, buffers, variant ?? kernel.choose(g, ctx).variant);
    return;
  }
  const bytes = elementBytes(ctx.storage);
  for (const p of pieces) {
    const pg = p.geometry;
    const input = ctx.scratch(Math.ceil((pg.inputSize * bytes) / 4) * 4, `${kernel.name}:piece-input`);
    copyRuns(ctx, buffers.input, input, inputRuns(g, p), false);
    const output = ctx.scratch(Math.ceil((pg.outputSize * bytes) / 4) * 4, `${kernel.name}:piece-output`);
    kernel.encode(
      ctx,
      pg,
      { input, filter: buffers.filter, bias: buffers.bias, output },
      kernel.choose(pg, ctx).variant,
    );
    copyRuns(ctx, output, buffers.output, outputRuns(g, p), true);
    ctx.recycle();
  }
}

/** `g` with its filter in another layout of the same rank (the data must be repacked with {@link packFilter}). */
export function withFilterLayout<G extends ConvTransposeGeometry>(g: G, layout: AnyFilterLayout): G {
  if (layout === g.filterLayout) return g;
  const [i, o, ...k] = filterDims(g.filterLayout, g.filterShape);
  const filterStrides = filterAxisStrides(layout, i!, o!, k);
  const twoD = 'kernelHeight' in g ? { h: filterStrides.spatial[0], w: filterStrides.spatial[1] } : {};
  return {
    ...g,
    filterLayout: layout,
    filterShape: filterShapeIn(layout, i!, o!, ...k),
    filterStrides: { ...filterStrides, ...twoD },
  };
}

/** Repacks filter data (float32 values or float16 bits) from `g`'s layout into `layout`. */
export function packFilter<T extends Float32Array | Uint16Array>(
  data: T,
  g: ConvTransposeGeometry,
  layout: AnyFilterLayout,
): T {
  if (layout === g.filterLayout) return data;
  const [ni, no, ...ks] = filterDims(g.filterLayout, g.filterShape) as [number, number, ...number[]];
  const src = g.filterStrides;
  const dst = filterAxisStrides(layout, ni, no, ks);
  const out = new (data.constructor as new (n: number) => T)(data.length);
  const taps = ks.reduce((p, k) => p * k, 1);
  const srcTap = new Array<number>(taps);
  const dstTap = new Array<number>(taps);
  for (let t = 0; t < taps; t++) {
    let rest = t;
    let s = 0;
    let d = 0;
    for (let a = ks.length - 1; a >= 0; a--) {
      const idx = rest % ks[a]!;
      rest = Math.floor(rest / ks[a]!);
      s += idx * src.spatial[a]!;
      d += idx * dst.spatial[a]!;
    }
    srcTap[t] = s;
    dstTap[t] = d;
  }
  for (let i = 0; i < ni; i++) {
    for (let o = 0; o < no; o++) {
      const sBase = i * src.i + o * src.o;
      const dBase = i * dst.i + o * dst.o;
      for (let t = 0; t < taps; t++) out[dBase + dstTap[t]!] = data[sBase + srcTap[t]!]!;
    }
  }
  return out;
}
