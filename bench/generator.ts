/**
 * A whole DCGAN-style generator written as a TF.js user writes it (`tf.layers`), run by TF.js
 * on its WebGPU backend, timed end to end with TF.js's own kernels and with ours registered
 * under it (`registerTfjsKernels(tf)`), on the same device, in interleaved rounds; the two
 * outputs are cross-checked.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { fromTensorFlow, resolveConvTranspose, type Engine } from '../src/index.js';
import { registerTfjsKernels } from '../src/tfjs.js';
import { compare, fmtMs, random, type Tolerance } from './data.js';
import {
  calibrate,
  calibrationLine,
  interleave,
  medianOf,
  message,
  timeRuns,
  type BenchGpu,
  type Prepared,
  type Timed,
} from './gpu.js';
import type { RoofGemm } from './roof.js';
import type { GeneratorSpec } from './suite.js';
import type { BenchConfig, GeneratorResult, GeneratorVariant } from './types.js';

const KERNEL = 4;

/** Each conv2dTranspose layer of the generator: TF.js's input, filter and output shapes (NHWC) and padding. */
function convLayers(spec: GeneratorSpec) {
  let size = 1;
  let channels = spec.latent;
  return spec.channels.map((filters, i) => {
    const stride = i === 0 ? 1 : 2;
    const padding = i === 0 ? ('VALID' as const) : ('SAME' as const);
    const out = i === 0 ? KERNEL : size * 2;
    const layer = {
      inputShape: [spec.batch, size, size, channels],
      filterShape: [KERNEL, KERNEL, filters, channels],
      outputShape: [spec.batch, out, out, filters],
      stride,
      padding,
    };
    size = out;
    channels = filters;
    return layer;
  });
}

/**
 * The generator as a tf.layers model. Weights are seeded; each conv's are scaled by
 * √(2 / effective fan-in) (fan-in C_in·k²/s²) and batch normalization has non-trivial
 * statistics, so activations stay near 1 through the layers and the cross-check is meaningful.
 */
function buildGenerator(spec: GeneratorSpec): tfl.Sequential {
  const model = tfl.sequential();
  const uniform = (lo: number, hi: number, seed: number) =>
    tfl.initializers.randomUniform({ minval: lo, maxval: hi, seed });
  let inChannels = spec.latent;
  spec.channels.forEach((filters, i) => {
    const first = i === 0;
    const last = i === spec.channels.length - 1;
    const stride = first ? 1 : 2;
    const fanIn = (inChannels * KERNEL * KERNEL) / (stride * stride);
    model.add(
      tfl.layers.conv2dTranspose({
        ...(first ? { inputShape: [1, 1, spec.latent] } : {}),
        filters,
        kernelSize: KERNEL,
        strides: stride,
        padding: first ? 'valid' : 'same',
        useBias: false,
        kernelInitializer: tfl.initializers.randomNormal({ mean: 0, stddev: Math.sqrt(2 / fanIn), seed: 10 + i }),
        activation: last ? 'tanh' : 'linear',
      }),
    );
    if (!last) {
      model.add(
        tfl.layers.batchNormalization({
          gammaInitializer: uniform(0.8, 1.2, 20 + i),
          betaInitializer: uniform(-0.1, 0.1, 30 + i),
          movingMeanInitializer: uniform(-0.1, 0.1, 40 + i),
          movingVarianceInitializer: uniform(0.5, 1.5, 50 + i),
        }),
      );
      model.add(tfl.layers.reLU());
    }
    inChannels = filters;
  });
  return model;
}

function prepareModel(model: tfl.Sequential, z: tf.Tensor): Prepared {
  let last: tf.Tensor | null = null;
  return {
    run() {
      last?.dispose();
      last = model.predict(z) as tf.Tensor;
    },
    async sync() {
      if (!last) return;
      const one = tf.slice(last, [0, 0, 0, 0], [1, 1, 1, 1]);
      await one.data();
      one.dispose();
    },
    async read() {
      if (!last) throw new Error('no output');
      return (await last.data()) as Float32Array;
    },
    dispose() {
      last?.dispose();
      last = null;
    },
  };
}

/**
 * Untimed runs after each registration of our kernels: the first prepares the layers' weights
 * (copied from TF.js's buffers, repacked, and checked for ±∞/NaN on the GPU, which keeps
 * inserted zeros from meeting a weight until the check is back); by the second the check is
 * back and the layers run the variants they keep.
 */
const WARMUP_RUNS = 2;

/**
 * Times the generator with TF.js's kernels ('tfjs') and with ours registered ('tfjs+ours').
 * Our kernels are registered at the start of each of their turns and unregistered after, so
 * the per-layer comparisons elsewhere always see TF.js's own kernels.
 */
export async function runGenerator(
  gpu: BenchGpu,
  spec: GeneratorSpec,
  config: BenchConfig,
  tol: Tolerance,
  ours: Engine | null,
  roof: RoofGemm | null,
  progress: (line: string) => void,
): Promise<GeneratorResult> {
  const layers = convLayers(spec);
  const geometry = layers.map((l) => {
    const conv = fromTensorFlow(
      { outputShape: l.outputShape, strides: l.stride, padding: l.padding, dataFormat: 'NHWC' },
      l.inputShape,
      l.filterShape,
    );
    return { l, conv, g: resolveConvTranspose(l.inputShape, l.filterShape, conv) };
  });
  const usefulMacs = geometry.reduce((a, { g }) => a + g.usefulMacs, 0);
  const kernels = geometry.map(({ l, conv }) => {
    try {
      return ours?.plan(l.inputShape, l.filterShape, conv)?.kernel ?? '?';
    } catch (e) {
      return `error: ${message(e)}`;
    }
  });
  progress(
    `  ${layers.length} conv2dTranspose layers, ${(usefulMacs / 1e6).toFixed(1)} M useful MACs; our planner picks ${kernels.join(', ')}`,
  );

  const model = buildGenerator(spec);
  const z = tf.tensor(random(spec.batch * spec.latent, 99), [spec.batch, 1, 1, spec.latent]);
  let unregister: (() => void) | null = null;
  const register = async (p: Prepared) => {
    unregister = registerTfjsKernels(tf);
    for (let i = 0; i < WARMUP_RUNS; i++) await timeRuns(p, 1);
  };
  const unregisterOurs = () => {
    unregister?.();
    unregister = null;
  };

  const results: GeneratorVariant[] = [
    { id: 'tfjs', status: 'ok' },
    { id: 'tfjs+ours', status: 'ok' },
  ];
  const timed: Timed[] = [];
  for (const r of results) {
    const p = prepareModel(model, z);
    try {
      if (r.id === 'tfjs+ours') unregister = registerTfjsKernels(tf);
      // Both variants get the same warm-up, so that each is timed in its steady state.
      const { timed: t, firstRunMs, oneMs } = await calibrate(gpu, r.id, p, config, WARMUP_RUNS);
      r.firstRunMs = firstRunMs;
      r.runsPerRound = t.runs;
      timed.push(t);
      progress(calibrationLine(r.id, firstRunMs, oneMs, t));
    } catch (e) {
      p.dispose();
      r.status = 'error';
      r.message = message(e);
      progress(`  ${r.id.padEnd(20)} error: ${r.message}`);
    } finally {
      unregisterOurs();
    }
  }

  const gemm: Timed | null = roof
    ? { id: 'gemm', p: roof.p, runs: roof.runs, rounds: config.rounds, samples: [] }
    : null;
  try {
    await interleave(gpu, gemm ? [gemm, ...timed] : timed, config.rounds, {
      before: async (t) => {
        if (t.id === 'tfjs+ours') await register(t.p);
      },
      after: unregisterOurs,
    });
  } finally {
    unregisterOurs();
  }

  const outputs = new Map<string, Float32Array>();
  for (const t of timed) {
    const r = results.find((x) => x.id === t.id)!;
    if (t.error !== undefined) {
      r.status = 'error';
      r.message = t.error;
    }
    try {
      outputs.set(t.id, await t.p.read());
    } catch (e) {
      r.status = 'error';
      r.message = message(e);
    }
    t.p.dispose();
    r.samplesMs = t.samples;
    const ms = medianOf(t);
    if (ms !== null) {
      r.medianMs = ms;
      r.gflops = (2 * usefulMacs) / (ms * 1e6);
    }
  }
  const reference = outputs.get('tfjs');
  const mine = outputs.get('tfjs+ours');
  const withOurs = results[1]!;
  if (reference && mine) {
    Object.assign(withOurs, compare(mine, reference, tol));
    if (withOurs.status === 'ok' && !((withOurs.errRatio ?? Infinity) <= 1)) withOurs.status = 'mismatch';
  }
  for (const r of results) {
    progress(
      `  ${r.id.padEnd(20)} ${r.status.padEnd(8)} ${r.medianMs === undefined ? '' : `${fmtMs(r.medianMs)} ms`}` +
        (r.maxAbsErr === undefined ? '' : `; max |out − TF.js's| ${r.maxAbsErr.toExponential(1)}`) +
        (r.message ? `; ${r.message}` : ''),
    );
  }
  z.dispose();
  model.dispose();
  const gemmMs = gemm ? medianOf(gemm) : null;
  return {
    spec,
    outputShape: layers[layers.length - 1]!.outputShape,
    convLayers: geometry.map(({ l, g }) => ({
      inputShape: l.inputShape,
      outputShape: l.outputShape,
      usefulMacs: g.usefulMacs,
    })),
    usefulMacs,
    kernels,
    variants: results,
    ...(roof && gemm && gemm.error === undefined && gemmMs !== null
      ? { roof: { variant: roof.variant, medianMs: gemmMs, gflops: (2 * roof.n ** 3) / (gemmMs * 1e6) } }
      : {}),
  };
}
