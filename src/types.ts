/** Element type of a tensor or layer: 'float32' (default) or 'float16' (IEEE half, two bytes). */
export type DType = 'float32' | 'float16';

/** Memory layout of a 4-D activation tensor. The output uses the input's layout. */
export type InputLayout = 'nchw' | 'nhwc';

/** Memory layout of a 3-D activation tensor (one spatial axis: audio, sequences). */
export type InputLayout1d = 'ncw' | 'nwc';

/** Memory layout of a 5-D activation tensor (three spatial axes: volumes, video). */
export type InputLayout3d = 'ncdhw' | 'ndhwc';

/** Any input layout: the rank of the input decides which are valid. */
export type AnyInputLayout = InputLayout1d | InputLayout | InputLayout3d;

/**
 * Memory layout of the filter.
 * - `iohw`: [inChannels, outChannels/groups, kH, kW] (PyTorch, Caffe, ONNX)
 * - `hwoi`: [kH, kW, outChannels/groups, inChannels] (TensorFlow, Keras)
 * - `ohwi`: [outChannels/groups, kH, kW, inChannels]
 */
export type FilterLayout = 'iohw' | 'hwoi' | 'ohwi';

/** Filter layouts of a 1-D transposed convolution: `iow` (PyTorch), `woi` (TensorFlow), `owi`. */
export type FilterLayout1d = 'iow' | 'woi' | 'owi';

/** Filter layouts of a 3-D transposed convolution: `iodhw` (PyTorch), `dhwoi` (TensorFlow), `odhwi`. */
export type FilterLayout3d = 'iodhw' | 'dhwoi' | 'odhwi';

/** Any filter layout: the rank of the input decides which are valid. */
export type AnyFilterLayout = FilterLayout1d | FilterLayout | FilterLayout3d;

/** Activation fused after the bias. */
export type Activation = 'relu' | 'relu6' | 'leakyRelu' | 'sigmoid' | 'tanh' | 'gelu';

/**
 * Options of a transposed convolution of any rank (1, 2 or 3 spatial axes), modelled on
 * WebNN's `convTranspose2d`. Per-axis lists have one entry per spatial axis, in the order
 * of the layout ([W]; [H, W]; [D, H, W]); arrays and readonly tuples are both accepted and
 * their lengths are checked at run time.
 */
export interface ConvTransposeOptions {
  /** One per spatial axis; default all 1. */
  strides?: readonly number[];
  /** One per spatial axis; default all 1. */
  dilations?: readonly number[];
  /** Cropped from the full result, two per axis: [begin₀, end₀, begin₁, end₁, …]; default 0. */
  padding?: readonly number[];
  /** Added at the end of each axis; default 0. */
  outputPadding?: readonly number[];
  /** Explicit output size per spatial axis; outputPadding is then derived. */
  outputSizes?: readonly number[];
  /** Default 1. */
  groups?: number;
  /** Default channels first ('ncw', 'nchw', 'ncdhw'); the output uses the same layout. */
  inputLayout?: AnyInputLayout;
  /** Default 'iow' / 'iohw' / 'iodhw' = [in, out/groups, …kernel]. */
  filterLayout?: AnyFilterLayout;
  /** [outChannels]. */
  bias?: Float32Array;
  /** Applied after the bias. */
  activation?: Activation;
  /** Slope for x < 0 with `activation: 'leakyRelu'`; default 0.01. */
  leakyReluAlpha?: number;
}

/** Options of a 2-D transposed convolution, modelled on WebNN's `convTranspose2d`. */
export interface ConvTranspose2dOptions extends ConvTransposeOptions {
  /** [strideH, strideW]; default [1, 1]. */
  strides?: readonly number[];
  /** [dilationH, dilationW]; default [1, 1]. */
  dilations?: readonly number[];
  /** Cropped from the full result: [top, bottom, left, right]; default 0. */
  padding?: readonly number[];
  /** Rows/cols added at the bottom/right; default [0, 0]. */
  outputPadding?: readonly number[];
  /** Explicit output [H, W]; outputPadding is then derived. */
  outputSizes?: readonly number[];
  /** Default 'nchw'; the output uses the same layout. */
  inputLayout?: InputLayout;
  /** Default 'iohw' = [in, out/groups, kH, kW]. */
  filterLayout?: FilterLayout;
}

/** Canonical options of a transposed convolution with one spatial axis (3-D input). */
export interface ConvTranspose1dOptions extends ConvTransposeOptions {
  inputLayout?: InputLayout1d;
  filterLayout?: FilterLayout1d;
}

/** Canonical options of a transposed convolution with three spatial axes (5-D input). */
export interface ConvTranspose3dOptions extends ConvTransposeOptions {
  inputLayout?: InputLayout3d;
  filterLayout?: FilterLayout3d;
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

/** Element strides of an activation tensor of any rank: batch, channel, and each spatial axis. */
export interface AxisStrides {
  n: number;
  c: number;
  spatial: number[];
}

/** Element strides of a filter of any rank: input channel, output channel within its group, each kernel axis. */
export interface FilterAxisStrides {
  i: number;
  o: number;
  spatial: number[];
}

/**
 * Every number derived from the shapes and options of a transposed convolution of any
 * rank; returned by `resolveConvTranspose`. Per-axis arrays have `rank` entries
 * (`padding` has 2·rank), outermost spatial axis first.
 */
export interface ConvTransposeGeometry {
  /** Spatial axes: 1, 2 or 3. */
  rank: number;
  batch: number;
  inChannels: number;
  outChannels: number;
  groups: number;
  inChannelsPerGroup: number;
  outChannelsPerGroup: number;
  inSizes: number[];
  kernelSizes: number[];
  strides: number[];
  dilations: number[];
  /** Cropped from the full result: [begin₀, end₀, begin₁, end₁, …]. */
  padding: number[];
  outputPadding: number[];
  /** Size of the full (uncropped) result per axis: (in − 1)·stride + dilation·(k − 1) + 1. */
  fullSizes: number[];
  outSizes: number[];
  /** True for channels-last layouts ('nwc', 'nhwc', 'ndhwc'). */
  channelsLast: boolean;
  inputLayout: AnyInputLayout;
  filterLayout: AnyFilterLayout;
  inputShape: number[];
  filterShape: number[];
  /** Output shape, in the input's layout. */
  outputShape: number[];
  inputStrides: AxisStrides;
  outputStrides: AxisStrides;
  filterStrides: FilterAxisStrides;
  inputSize: number;
  filterSize: number;
  outputSize: number;
  bias: Float32Array | null;
  activation: Activation | null;
  leakyReluAlpha: number;
  /** Multiply-adds that touch a real (non-inserted) input value. */
  usefulMacs: number;
}

/** Every number derived from the shapes and options of a 2-D call; returned by `resolveConvTranspose2d`. */
export interface ConvTranspose2dGeometry extends ConvTransposeGeometry {
  inHeight: number;
  inWidth: number;
  kernelHeight: number;
  kernelWidth: number;
  strides: [number, number];
  dilations: [number, number];
  /** Rows/cols cropped from the full result: [top, bottom, left, right]. */
  padding: [number, number, number, number];
  outputPadding: [number, number];
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
  inputStrides: TensorStrides & AxisStrides;
  outputStrides: TensorStrides & AxisStrides;
  filterStrides: FilterStrides & FilterAxisStrides;
}
