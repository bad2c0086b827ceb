/**
 * The trained glyph decoder (demo/public/glyphs/, written by scripts/train_glyphs.py) run
 * through loadTorchDecoder and compared with PyTorch's float64 goldens: shared by the CPU,
 * Node GPU and Chromium tests. The weights file is read by the caller (fs or fetch). Also the
 * small decoders of every rank in test/golden/torch-decoders.json.
 */
import goldens from '../../demo/public/glyphs/goldens.json';
import manifestJson from '../../demo/public/glyphs/manifest.json';
import decoderGoldens from '../golden/torch-decoders.json';
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

/** Loads a decoder on `engine`, runs one input through it with one readback, and frees it all. */
async function runDecoder(
  engine: Engine,
  manifest: TorchManifest,
  weights: ArrayBuffer | Uint8Array,
  input: readonly number[],
  inputShape: readonly number[],
  kernel: KernelName | 'auto',
): Promise<{ shape: readonly number[]; actual: Float32Array; kernels: string[] }> {
  const decoder = loadTorchDecoder(engine, manifest, weights, { kernel });
  const x = engine.upload(new Float32Array(input), inputShape);
  const y = decoder.run(x);
  const actual = await y.read();
  const kernels = decoder.layers.map((l) => l.prepared.kernelFor([inputShape[0]!, ...l.inputShape]));
  const shape = y.shape;
  [x, y].forEach((t) => t.destroy());
  decoder.destroy();
  return { shape, actual, kernels };
}

/** Runs the goldens' fixed latents through the decoder on `engine` with one readback. */
export async function runGlyphGoldens(
  engine: Engine,
  weights: ArrayBuffer | Uint8Array,
  kernel: KernelName | 'auto' = 'auto',
): Promise<GoldenCheck> {
  const run = await runDecoder(engine, glyphManifest(), weights, goldens.input, goldens.inputShape, kernel);
  const { actual, kernels, shape } = run;
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

/** One decoder of test/golden/torch-decoders.json (scripts/torch_decoder_goldens.py). */
export interface TorchDecoderCase {
  name: string;
  manifest: TorchManifest;
  /** The weights file, base64. */
  weights: string;
  inputShape: number[];
  input: number[];
  outputShape: number[];
  output: number[];
}

/** The small 1-D, 2-D and 3-D decoders exported with the README's export_decoder. */
export const TORCH_DECODERS = decoderGoldens.cases as unknown as TorchDecoderCase[];

/** The bytes of a case's weights file. */
export function decoderWeights(c: TorchDecoderCase): Uint8Array {
  return Uint8Array.from(atob(c.weights), (ch) => ch.charCodeAt(0));
}

/** What a decoder case gave: its output and the kernel each layer ran. */
export interface DecoderRun {
  shape: readonly number[];
  actual: Float32Array;
  expected: Float32Array;
  kernels: string[];
}

/** Loads a decoder case on `engine` and runs its input through it, with one readback. */
export async function runDecoderCase(
  engine: Engine,
  c: TorchDecoderCase,
  kernel: KernelName | 'auto' = 'auto',
): Promise<DecoderRun> {
  const manifest = structuredClone(c.manifest);
  const run = await runDecoder(engine, manifest, decoderWeights(c), c.input, c.inputShape, kernel);
  return { ...run, expected: new Float32Array(c.output) };
}
