/** Memory layout of a 4-D activation tensor. The output uses the input's layout. */
export type InputLayout = 'nchw' | 'nhwc';

/**
 * Memory layout of the filter.
 * - `iohw`: [inChannels, outChannels/groups, kH, kW] (PyTorch, Caffe, ONNX)
 * - `hwoi`: [kH, kW, outChannels/groups, inChannels] (TensorFlow, Keras)
 * - `ohwi`: [outChannels/groups, kH, kW, inChannels]
 */
export type FilterLayout = 'iohw' | 'hwoi' | 'ohwi';

/** Activation fused after the bias. */
export type Activation = 'relu' | 'relu6' | 'leakyRelu' | 'sigmoid' | 'tanh' | 'gelu';

/** Options of a 2-D transposed convolution, modelled on WebNN's `convTranspose2d`. */
export interface ConvTranspose2dOptions {
  /** [strideH, strideW]; default [1, 1]. */
  strides?: [number, number];
  /** [dilationH, dilationW]; default [1, 1]. */
  dilations?: [number, number];
  /** Cropped from the full result: [top, bottom, left, right]; default 0. */
  padding?: [number, number, number, number];
  /** Rows/cols added at the bottom/right; default [0, 0]. */
  outputPadding?: [number, number];
  /** Explicit output [H, W]; outputPadding is then derived. */
  outputSizes?: [number, number];
  /** Default 1. */
  groups?: number;
  /** Default 'nchw'; the output uses the same layout. */
  inputLayout?: InputLayout;
  /** Default 'iohw' = [in, out/groups, kH, kW]. */
  filterLayout?: FilterLayout;
  /** [outChannels]. */
  bias?: Float32Array;
  /** Applied after the bias. */
  activation?: Activation;
  /** Slope for x < 0 with `activation: 'leakyRelu'`; default 0.01. */
  leakyReluAlpha?: number;
}

/** A dense float32 tensor on the CPU. */
export interface Tensor {
  data: Float32Array;
  shape: number[];
}

/** Element strides of a filter, by logical axis (in-channel, out-channel within group, row, column). */
export interface FilterStrides {
  i: number;
  o: number;
  h: number;
  w: number;
}

/** Element strides of an activation tensor, by logical axis. */
export interface TensorStrides {
  n: number;
  c: number;
  h: number;
  w: number;
}

/** Every number derived from the shapes and options; returned by `resolveConvTranspose2d`. */
export interface ConvTranspose2dGeometry {
  batch: number;
  inChannels: number;
  outChannels: number;
  groups: number;
  inChannelsPerGroup: number;
  outChannelsPerGroup: number;
  inHeight: number;
  inWidth: number;
  kernelHeight: number;
  kernelWidth: number;
  strides: [number, number];
  dilations: [number, number];
  /** Rows/cols cropped from the full result: [top, bottom, left, right]. */
  padding: [number, number, number, number];
  outputPadding: [number, number];
  /** Size of the full (uncropped) result per axis: (in − 1)·stride + dilation·(k − 1) + 1. */
  fullHeight: number;
  fullWidth: number;
  outHeight: number;
  outWidth: number;
  inputLayout: InputLayout;
  filterLayout: FilterLayout;
  inputShape: [number, number, number, number];
  filterShape: [number, number, number, number];
  /** Output shape, in the input's layout. */
  outputShape: [number, number, number, number];
  inputStrides: TensorStrides;
  outputStrides: TensorStrides;
  filterStrides: FilterStrides;
  inputSize: number;
  filterSize: number;
  outputSize: number;
  bias: Float32Array | null;
  activation: Activation | null;
  leakyReluAlpha: number;
  /** Multiply-adds that touch a real (non-inserted) input value. */
  usefulMacs: number;
}
