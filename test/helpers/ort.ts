// Runs one ONNX ConvTranspose in onnxruntime-node, for the reference tests of every rank.
import * as ort from 'onnxruntime-node';
import { convTransposeModel } from './onnx-model.js';
import type { OnnxConvTransposeAttributes } from './onnx-model.js';

/** What a run gave: the output, or the first line of the error (load and run errors alike). */
export type Outcome = { ok: true; data: Float32Array; shape: number[] } | { ok: false; error: string };

/** Runs one ConvTranspose node (any number of spatial axes) in onnxruntime-node. */
export async function runOrt(
  x: Float32Array,
  xShape: number[],
  w: Float32Array,
  wShape: number[],
  b: Float32Array | null,
  attrs: OnnxConvTransposeAttributes,
): Promise<Outcome> {
  try {
    const model = convTransposeModel(xShape, wShape, attrs, b !== null);
    // Severity 4 (fatal only): rejected models are expected here and need not be logged.
    const session = await ort.InferenceSession.create(model, { logSeverityLevel: 4 });
    const feeds: Record<string, ort.Tensor> = {
      X: new ort.Tensor('float32', x, xShape),
      W: new ort.Tensor('float32', w, wShape),
    };
    if (b) feeds.B = new ort.Tensor('float32', b, [b.length]);
    const out = (await session.run(feeds)).Y!;
    await session.release();
    return { ok: true, data: out.data as Float32Array, shape: out.dims.map(Number) };
  } catch (e) {
    return { ok: false, error: (e as Error).message.split('\n')[0]! };
  }
}

/** A one-line summary of an outcome for a failure message. */
export function summary(o: Outcome): string {
  return o.ok ? `shape ${o.shape.join('×')}` : `rejected: ${o.error}`;
}
