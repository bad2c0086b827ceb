/**
 * The trained glyph decoder (demo/public/glyphs/, written by scripts/train_glyphs.py) run
 * through loadTorchDecoder and compared with PyTorch's float64 goldens: shared by the CPU,
 * Node GPU and Chromium tests. The weights file is read by the caller (fs or fetch).
 */
import goldens from '../../demo/public/glyphs/goldens.json';
import manifestJson from '../../demo/public/glyphs/manifest.json';
import type { Engine } from '../../src/gpu/engine.js';
import type { KernelName } from '../../src/gpu/kernel.js';
import { loadTorchDecoder, type TorchManifest } from '../../src/torch-model.js';

/** The glyph decoder's manifest (a fresh copy per call, so tests may break it). */
export function glyphManifest(): TorchManifest {
  return structuredClone(manifestJson) as unknown as TorchManifest;
}

/** What a run gave against the goldens. */
export interface GoldenCheck {
  /** Largest |engine − PyTorch| over the output. */
  maxError: number;
  /** max − min of PyTorch's output: the scale the tolerance is relative to. */
  range: number;
  /** The kernel each layer ran. */
  kernels: string[];
  shape: readonly number[];
}

/** Runs the goldens' fixed latents through the decoder on `engine` with one readback. */
export async function runGlyphGoldens(
  engine: Engine,
  weights: ArrayBuffer | Uint8Array,
  kernel: KernelName | 'auto' = 'auto',
): Promise<GoldenCheck> {
  const decoder = loadTorchDecoder(engine, glyphManifest(), weights, { kernel });
  const x = engine.upload(new Float32Array(goldens.input), goldens.inputShape);
  const y = decoder.run(x);
  const actual = await y.read();
  const batch = goldens.inputShape[0]!;
  const kernels = decoder.layers.map((l) => l.prepared.kernelFor([batch, ...l.inputShape]));
  const shape = y.shape;
  x.destroy();
  y.destroy();
  decoder.destroy();
  const expected = goldens.expected;
  let maxError = actual.length === expected.length ? 0 : Infinity;
  let lo = Infinity;
  let hi = -Infinity;
  expected.forEach((e, i) => {
    const err = Math.abs(actual[i]! - e);
    maxError = err > maxError || Number.isNaN(err) ? err : maxError;
    lo = Math.min(lo, e);
    hi = Math.max(hi, e);
  });
  return { maxError, range: hi - lo, kernels, shape };
}

/** The goldens' output shape. */
export const GOLDEN_OUTPUT_SHAPE: readonly number[] = goldens.outputShape;
