/**
 * Each engine prepared on one layer of any rank, data resident, as its users would write it:
 * - TF.js: `tf.conv2dTranspose` (2-D; 1-D on a unit height, NHWC, since TF.js has no
 *   conv1dTranspose), `tf.conv3dTranspose` (3-D, 'valid' or 'same' only), and the kernel behind
 *   the input gradient of `tf.depthwiseConv2d` for depthwise layers;
 * - onnxruntime-web: a one-node ConvTranspose model with as many spatial axes as the layer,
 *   input and output bound as GPU buffers;
 * - ours: a prepared layer (`engine.createConvTranspose`) and an uploaded input, float32 or float16.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-web/webgpu';
import type { AnyInputLayout, Engine, GPUTensor, KernelName } from '../src/index.js';
import { convTransposeModel } from '../test/helpers/onnx-model.js';
import { channelsLastShape, permute, toChannelsFirst, toChannelsLast } from './data.js';
import { Skip, type BenchGpu, type Prepared } from './gpu.js';
import type { BenchLayerNd } from './suite.js';

/** One layer's data: channels-first input and [C_in, C_out/g, …k] filter, as in the suite. */
export interface LayerData {
  layer: BenchLayerNd;
  /** Spatial axes. */
  rank: number;
  x: Float32Array<ArrayBuffer>;
  w: Float32Array<ArrayBuffer>;
  /** Channels first. */
  outputShape: number[];
}

/** A 1-D layer as TF.js runs it: 2-D with a unit height (kernel 1, stride 1, no padding on it). */
function asUnitHeight(d: LayerData): { inputShape: number[]; filterShape: number[]; outputShape: number[] } {
  const [n, c, w] = d.layer.inputShape as [number, number, number];
  const [i, o, k] = d.layer.filterShape as [number, number, number];
  const [, oc, ow] = d.outputShape as [number, number, number];
  return { inputShape: [n, c, 1, w], filterShape: [i, o, 1, k], outputShape: [n, oc, 1, ow] };
}

/**
 * TF.js's conv3dTranspose takes 'valid' or 'same' only: the one that gives this layer's
 * cropping, or null. 'same' crops (in − 1)·s + k − out, the smaller half at the start.
 */
function sameOrValid(layer: BenchLayerNd, outputShape: readonly number[]): 'same' | 'valid' | null {
  const rank = layer.inputShape.length - 2;
  let valid = true;
  let same = true;
  for (let a = 0; a < rank; a++) {
    const [inp, k, s, out] = [
      layer.inputShape[a + 2]!,
      layer.filterShape[a + 2]!,
      layer.strides[a]!,
      outputShape[a + 2]!,
    ];
    const [b, e] = [layer.padding[2 * a]!, layer.padding[2 * a + 1]!];
    const total = (inp - 1) * s + k - out;
    if (b !== 0 || e !== 0 || layer.outputPadding[a] !== 0) valid = false;
    if (Math.ceil(out / s) !== inp || total < 0 || b !== Math.floor(total / 2) || e !== total - b) same = false;
  }
  return valid ? 'valid' : same ? 'same' : null;
}

/** `tfError`: why TF.js's WebGPU backend could not start, or ''. */
export function prepareTf(d: LayerData, tfError: string): Prepared {
  if (tfError) throw new Error(tfError);
  const { layer, x, w } = d;
  const lifted = d.rank === 1 ? asUnitHeight(d) : null;
  const inputShape = lifted?.inputShape ?? [...layer.inputShape];
  const filterShape = lifted?.filterShape ?? [...layer.filterShape];
  const outputShape = lifted?.outputShape ?? d.outputShape;
  const rank = inputShape.length - 2;
  const strides = lifted ? [1, layer.strides[0]!] : [...layer.strides];
  const padding = lifted ? [0, 0, ...layer.padding] : [...layer.padding];
  const [, c] = inputShape as [number, number];
  const ocg = filterShape[1]!;
  const kernel = filterShape.slice(2);
  const outLast = channelsLastShape(outputShape);
  const xT = tf.tensor(permute(x, inputShape, toChannelsLast(rank)), channelsLastShape(inputShape));
  const pairs = Array.from({ length: rank }, (_, a) => [padding[2 * a]!, padding[2 * a + 1]!] as [number, number]);
  let fT: tf.Tensor;
  let op: () => tf.Tensor;
  // TF filters: [...k, C_out, C_in] (conv*Transpose); [...k, C, 1] (depthwise).
  const tfFilter = [...kernel.map((_, a) => a + 2), 1, 0];
  try {
    if (layer.groups === c && ocg === 1 && rank === 2) {
      // Depthwise transposed convolution = the input gradient of depthwiseConv2d, a kernel
      // TF.js has (DepthwiseConv2dNativeBackpropInput) but no public op for.
      fT = tf.tensor(permute(w, filterShape, [2, 3, 0, 1]), [kernel[0]!, kernel[1]!, c, 1]);
      const f = fT;
      op = () =>
        tf
          .engine()
          .runKernel(
            tf.DepthwiseConv2dNativeBackpropInput,
            { dy: xT, filter: f },
            { strides, dilations: [1, 1], pad: [[0, 0], ...pairs, [0, 0]], inputShape: outLast },
          ) as tf.Tensor;
    } else if (layer.groups !== 1) {
      throw new Skip('n/a', 'TF.js has no grouped transposed convolution');
    } else if (rank === 2) {
      fT = tf.tensor(
        permute(w, filterShape, tfFilter),
        tfFilter.map((p) => filterShape[p]!),
      );
      const f = fT as tf.Tensor4D;
      const pad = [[0, 0], ...pairs, [0, 0]] as [
        [number, number],
        [number, number],
        [number, number],
        [number, number],
      ];
      op = () =>
        tf.conv2dTranspose(
          xT as tf.Tensor4D,
          f,
          outLast as [number, number, number, number],
          strides as [number, number],
          pad,
        );
    } else {
      const pad = sameOrValid(layer, outputShape);
      if (!pad) throw new Skip('n/a', "tf.conv3dTranspose takes 'valid' or 'same' padding only");
      fT = tf.tensor(
        permute(w, filterShape, tfFilter),
        tfFilter.map((p) => filterShape[p]!),
      );
      const f = fT as tf.Tensor5D;
      op = () =>
        tf.conv3dTranspose(
          xT as tf.Tensor5D,
          f,
          outLast as [number, number, number, number, number],
          strides as [number, number, number],
          pad,
        );
    }
  } catch (e) {
    xT.dispose();
    throw e;
  }
  const filterT = fT;
  let last: tf.Tensor | null = null;
  return {
    run() {
      last?.dispose();
      last = op();
    },
    async sync() {
      if (!last) return;
      const one = tf.slice(last, new Array<number>(last.rank).fill(0), new Array<number>(last.rank).fill(1));
      await one.data();
      one.dispose();
    },
    async read() {
      if (!last) throw new Error('no output');
      return permute((await last.data()) as Float32Array, outLast, toChannelsFirst(rank));
    },
    dispose() {
      last?.dispose();
      xT.dispose();
      filterT.dispose();
    },
  };
}

/** Messages with which onnxruntime-web refuses a geometry it has no kernel for. */
const ORT_REFUSAL = /not (yet )?(supported|implemented)|unsupported|only conv[123]d/i;

/** ORT's refusal of a geometry (reported as unsupported), or the error itself. */
export function ortFailure(e: unknown): unknown {
  const text = e instanceof Error ? e.message : String(e);
  return ORT_REFUSAL.test(text) ? new Skip('unsupported', `onnxruntime-web refuses it: ${text}`) : e;
}

export async function prepareOrt(gpu: BenchGpu, d: LayerData): Promise<Prepared> {
  const { layer, x, w, outputShape } = d;
  const rank = d.rank;
  const model = convTransposeModel(
    layer.inputShape,
    layer.filterShape,
    {
      kernel_shape: layer.filterShape.slice(2),
      strides: [...layer.strides],
      dilations: new Array<number>(rank).fill(1),
      // ONNX: every axis's begin, then every axis's end.
      pads: [0, 1].flatMap((side) => Array.from({ length: rank }, (_, a) => layer.padding[2 * a + side]!)),
      output_padding: [...layer.outputPadding],
      group: layer.groups,
    },
    false,
    17,
    { weight: w, yShape: outputShape },
  );
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(model, {
      executionProviders: [{ name: 'webgpu', device: gpu.device }],
      preferredOutputLocation: 'gpu-buffer',
      graphOptimizationLevel: 'all',
    });
  } catch (e) {
    throw ortFailure(e);
  }
  const outSize = outputShape.reduce((a, b) => a * b, 1);
  const xBuf = gpu.storage(x, 'ort:x');
  const yBuf = gpu.storage(outSize, 'ort:y');
  // Resident input and a pre-bound output (ORT's IO binding), so a run copies nothing.
  const xT = ort.Tensor.fromGpuBuffer(xBuf, { dataType: 'float32', dims: layer.inputShape });
  const yT = ort.Tensor.fromGpuBuffer(yBuf, { dataType: 'float32', dims: outputShape });
  return {
    async run() {
      try {
        await session.run({ X: xT }, { Y: yT });
      } catch (e) {
        throw ortFailure(e);
      }
    },
    sync: () => gpu.tinyReadback(yBuf),
    read: () => gpu.read(yBuf, outSize),
    dispose() {
      void session.release();
      xBuf.destroy();
      yBuf.destroy();
    },
  };
}

const LAYOUTS: Record<number, [AnyInputLayout, AnyInputLayout]> = {
  1: ['ncw', 'nwc'],
  2: ['nchw', 'nhwc'],
  3: ['ncdhw', 'ndhwc'],
};

/** Our engine's options for a layer (without kernel and dtype). */
export function oursOptions(d: LayerData, channelsLast: boolean) {
  const { layer } = d;
  return {
    strides: layer.strides,
    padding: layer.padding,
    outputPadding: layer.outputPadding,
    groups: layer.groups,
    inputLayout: LAYOUTS[d.rank]![channelsLast ? 1 : 0],
  };
}

export function prepareOurs(
  engine: Engine,
  d: LayerData,
  kernel: KernelName | 'auto',
  dtype: 'float32' | 'float16',
  channelsLast: boolean,
): Prepared {
  const { layer, x, w, outputShape, rank } = d;
  const layerObj = engine.createConvTranspose(w, layer.filterShape, {
    ...oursOptions(d, channelsLast),
    kernel,
    dtype,
  });
  let xG: GPUTensor;
  try {
    xG = channelsLast
      ? engine.upload(permute(x, layer.inputShape, toChannelsLast(rank)), channelsLastShape(layer.inputShape), {
          dtype,
        })
      : engine.upload(x, layer.inputShape, { dtype });
  } catch (e) {
    layerObj.destroy();
    throw e;
  }
  let last: GPUTensor | null = null;
  return {
    run() {
      last?.destroy();
      last = layerObj.run(xG);
    },
    // layer.run submits its work at once, so the queue's completion covers every run.
    sync: () => engine.device!.queue.onSubmittedWorkDone(),
    async read() {
      if (!last) throw new Error('no output');
      const data = await last.read();
      return channelsLast ? permute(data, channelsLastShape(outputShape), toChannelsFirst(rank)) : data;
    },
    dispose() {
      last?.destroy();
      xG.destroy();
      layerObj.destroy();
    },
    chosenKernel: () => layerObj.kernelFor(xG.shape),
  };
}
