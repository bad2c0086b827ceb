/**
 * Encoding of one convolution, whole or in pieces, and the slicing helpers that
 * move row bands between a full tensor and a piece (on the GPU by buffer
 * copies, on the CPU by array copies).
 */
import { filterDims, filterShapeIn, filterStrides } from '../geometry.js';
import type { ConvTranspose2dGeometry, FilterLayout, InputLayout } from '../types.js';
import type { CallContext } from './context.js';
import type { ConvBuffers, Kernel } from './kernel.js';
import type { PlanPiece } from './planner.js';

/** A contiguous run of floats of a full tensor; pieces hold their runs back to back. */
export interface Run {
  offset: number;
  length: number;
}

/** The runs of rows r0…r1 of batch elements n0…n1 of a [N, C, H, W] tensor in `layout`. */
export function rowRuns(
  layout: InputLayout,
  c: number,
  h: number,
  w: number,
  n0: number,
  n1: number,
  r0: number,
  r1: number,
): Run[] {
  const plane = c * h * w;
  if (r0 === 0 && r1 === h) return [{ offset: n0 * plane, length: (n1 - n0) * plane }];
  const runs: Run[] = [];
  for (let n = n0; n < n1; n++) {
    if (layout === 'nhwc') runs.push({ offset: (n * h + r0) * w * c, length: (r1 - r0) * w * c });
    else for (let ch = 0; ch < c; ch++) runs.push({ offset: ((n * c + ch) * h + r0) * w, length: (r1 - r0) * w });
  }
  return runs;
}

/** The input runs a piece reads. */
export function inputRuns(g: ConvTranspose2dGeometry, p: PlanPiece): Run[] {
  return rowRuns(g.inputLayout, g.inChannels, g.inHeight, g.inWidth, p.n0, p.n1, p.iy0, p.iy1);
}

/** The output runs a piece writes. */
export function outputRuns(g: ConvTranspose2dGeometry, p: PlanPiece): Run[] {
  return rowRuns(g.inputLayout, g.outChannels, g.outHeight, g.outWidth, p.n0, p.n1, p.oy0, p.oy1);
}

/** Copies a piece's input rows out of a full CPU input. */
export function extractInput(input: Float32Array, g: ConvTranspose2dGeometry, p: PlanPiece): Float32Array {
  const out = new Float32Array(p.geometry.inputSize);
  let at = 0;
  for (const r of inputRuns(g, p)) {
    out.set(input.subarray(r.offset, r.offset + r.length), at);
    at += r.length;
  }
  return out;
}

/** Writes a piece's output rows into a full CPU output. */
export function placeOutput(result: Float32Array, g: ConvTranspose2dGeometry, p: PlanPiece, piece: Float32Array): void {
  let at = 0;
  for (const r of outputRuns(g, p)) {
    result.set(piece.subarray(at, at + r.length), r.offset);
    at += r.length;
  }
}

/**
 * Records a whole call into `ctx`: the kernel directly when there is one piece
 * covering everything, else per piece: copy its input rows into a scratch
 * buffer, run the kernel on the piece's geometry, copy its output rows back.
 */
export function encodePieces(
  ctx: CallContext,
  kernel: Kernel,
  g: ConvTranspose2dGeometry,
  pieces: readonly PlanPiece[],
  buffers: ConvBuffers,
): void {
  if (pieces.length === 1 && pieces[0]!.geometry === g) {
    kernel.encode(ctx, g, buffers);
    return;
  }
  for (const p of pieces) {
    const pg = p.geometry;
    const input = ctx.scratch(pg.inputSize * 4, `${kernel.name}:piece-input`);
    let at = 0;
    for (const r of inputRuns(g, p)) {
      ctx.copy(buffers.input, r.offset * 4, input, at * 4, r.length * 4);
      at += r.length;
    }
    const output = ctx.scratch(pg.outputSize * 4, `${kernel.name}:piece-output`);
    kernel.encode(ctx, pg, { input, filter: buffers.filter, bias: buffers.bias, output });
    at = 0;
    for (const r of outputRuns(g, p)) {
      ctx.copy(output, at * 4, buffers.output, r.offset * 4, r.length * 4);
      at += r.length;
    }
    ctx.recycle();
  }
}

/** `g` with its filter in another layout (the data must be repacked with {@link packFilter}). */
export function withFilterLayout(g: ConvTranspose2dGeometry, layout: FilterLayout): ConvTranspose2dGeometry {
  if (layout === g.filterLayout) return g;
  const [i, o, kh, kw] = filterDims(g.filterLayout, g.filterShape);
  return {
    ...g,
    filterLayout: layout,
    filterShape: filterShapeIn(layout, i, o, kh, kw),
    filterStrides: filterStrides(layout, i, o, kh, kw),
  };
}

/** Repacks filter data from `g`'s layout into `layout`. */
export function packFilter(data: Float32Array, g: ConvTranspose2dGeometry, layout: FilterLayout): Float32Array {
  if (layout === g.filterLayout) return data;
  const [ni, no, nh, nw] = filterDims(g.filterLayout, g.filterShape);
  const src = g.filterStrides;
  const dst = filterStrides(layout, ni, no, nh, nw);
  const out = new Float32Array(data.length);
  for (let i = 0; i < ni; i++) {
    for (let o = 0; o < no; o++) {
      for (let h = 0; h < nh; h++) {
        for (let w = 0; w < nw; w++) {
          out[i * dst.i + o * dst.o + h * dst.h + w * dst.w] = data[i * src.i + o * src.o + h * src.h + w * src.w]!;
        }
      }
    }
  }
  return out;
}
