/**
 * The benchmark suite: transposed-convolution layers taken from real decoders.
 * Shapes are NCHW, filters PyTorch/ONNX `iohw` ([C_in, C_out/groups, kH, kW]).
 * Sizes are kept small enough that software WebGPU (SwiftShader) runs each in
 * about a second or less.
 */

/** One benchmark layer. */
export interface BenchLayer {
  /** Stable id, named after the geometry (used on the command line and in the JSON). */
  id: string;
  /** The model the layer comes from. */
  model: string;
  /** [N, C_in, H, W]. */
  inputShape: [number, number, number, number];
  /** [C_in, C_out/groups, kH, kW]. */
  filterShape: [number, number, number, number];
  strides: [number, number];
  /** [top, bottom, left, right]. */
  padding: [number, number, number, number];
  outputPadding: [number, number];
  groups: number;
  /** Why the layer differs from the model it is named after, if it does. */
  note?: string;
}

function layer(
  id: string,
  model: string,
  [n, cin, h, w]: [number, number, number, number],
  cout: number,
  k: number,
  s: number,
  p: number,
  op = 0,
  groups = 1,
): BenchLayer {
  return {
    id,
    model,
    inputShape: [n, cin, h, w],
    filterShape: [cin, cout / groups, k, k],
    strides: [s, s],
    padding: [p, p, p, p],
    outputPadding: [op, op],
    groups,
  };
}

/** The full suite, in the order it runs. */
export const SUITE: BenchLayer[] = [
  layer('dcgan1_k4_s2_p1_512x4', 'DCGAN generator', [1, 512, 4, 4], 256, 4, 2, 1),
  layer('dcgan2_k4_s2_p1_128x16', 'DCGAN generator', [1, 128, 16, 16], 64, 4, 2, 1),
  layer('dcgan3_k4_s2_p1_64x32', 'DCGAN generator (to RGB)', [1, 64, 32, 32], 3, 4, 2, 1),
  layer('unet_k2_s2_128x32', 'U-Net up-convolution', [1, 128, 32, 32], 64, 2, 2, 0),
  layer('cyclegan_k3_s2_p1_op1_128x32', 'CycleGAN decoder', [1, 128, 32, 32], 64, 3, 2, 1, 1),
  layer('fsrcnn_k9_s3_p4_op2_56x64', 'FSRCNN ×3', [1, 56, 64, 64], 1, 9, 3, 4, 2),
  layer('fcn_k16_s8_p4_21x8', 'FCN-8s ×8 upsampling', [1, 21, 8, 8], 21, 16, 8, 4),
  layer('batch4_k4_s2_p1_256x8', 'DCGAN, batch 4', [4, 256, 8, 8], 128, 4, 2, 1),
  layer(
    'depthwise_k4_s2_p1_g64_64x32',
    'depthwise upsampling (groups = channels)',
    [1, 64, 32, 32],
    64,
    4,
    2,
    1,
    0,
    64,
  ),
  {
    id: 'odd_k5_s3_p2_op1_32x12x20',
    model: 'odd shape, non-square input',
    inputShape: [1, 32, 12, 20],
    filterShape: [32, 16, 5, 5],
    strides: [3, 3],
    padding: [2, 2, 2, 2],
    outputPadding: [1, 1],
    groups: 1,
  },
];

/** The one small layer the smoke test runs. */
export const SMOKE: BenchLayer[] = [
  layer('smoke_k4_s2_p1_op1_16x8', 'smoke test (small CycleGAN-like)', [1, 16, 8, 8], 8, 4, 2, 1, 1),
];

// --- every rank ---------------------------------------------------------------------

/**
 * The suites `npm run bench -- --suite …` selects: transposed-convolution layers with two
 * spatial axes (`SUITE`), one (`SUITE_1D`, audio decoders) and three (`SUITE_3D`, volumes),
 * and a whole TF.js generator (`GENERATOR`).
 */
export type SuiteName = '2d' | '1d' | '3d' | 'generator';

/** Every suite, in the order a default run measures them. */
export const SUITE_NAMES: readonly SuiteName[] = ['2d', '1d', '3d', 'generator'];

/**
 * One benchmark layer of any spatial rank (1, 2 or 3; a {@link BenchLayer} is one too).
 * Shapes are channels first (NCW, NCHW, NCDHW) and filters PyTorch/ONNX's
 * [C_in, C_out/groups, …kernel] (iow, iohw, iodhw).
 */
export interface BenchLayerNd {
  /** Stable id, named after the geometry (used on the command line and in the JSON). */
  id: string;
  /** The model the layer comes from. */
  model: string;
  /** [N, C_in, …spatial]. */
  inputShape: readonly number[];
  /** [C_in, C_out/groups, …kernel]. */
  filterShape: readonly number[];
  /** One per spatial axis. */
  strides: readonly number[];
  /** Two per spatial axis: [begin₀, end₀, begin₁, end₁, …]. */
  padding: readonly number[];
  /** One per spatial axis. */
  outputPadding: readonly number[];
  groups: number;
  /** Why the layer differs from the model it is named after, if it does. */
  note?: string;
}

/**
 * A 1-D layer: input [n, cin, w], kernel k, stride s, and the samples cropped from the
 * full result, `p` at each end or `[begin, end]`.
 */
function layer1d(
  id: string,
  model: string,
  [n, cin, w]: [number, number, number],
  cout: number,
  k: number,
  s: number,
  p: number | [number, number],
  extra: { groups?: number; note?: string } = {},
): BenchLayerNd {
  const groups = extra.groups ?? 1;
  return {
    id,
    model,
    inputShape: [n, cin, w],
    filterShape: [cin, cout / groups, k],
    strides: [s],
    padding: typeof p === 'number' ? [p, p] : p,
    outputPadding: [0],
    groups,
    ...(extra.note ? { note: extra.note } : {}),
  };
}

/** A 3-D layer with a cubic input [n, cin, d, d, d] and a cubic kernel k, stride s, padding p. */
function layer3d(
  id: string,
  model: string,
  [n, cin, d]: [number, number, number],
  cout: number,
  k: number,
  s: number,
  p: number,
  note?: string,
): BenchLayerNd {
  return {
    id,
    model,
    inputShape: [n, cin, d, d, d],
    filterShape: [cin, cout, k, k, k],
    strides: [s, s, s],
    padding: [p, p, p, p, p, p],
    outputPadding: [0, 0, 0],
    groups: 1,
    ...(note ? { note } : {}),
  };
}

/** Lengths are shorter than a second of audio so that software WebGPU runs each layer in well under a second. */
const SHORT = 'input shorter than in the model, channels as in it';

/**
 * The 1-D suite: the upsampling layers of neural vocoders and audio-codec decoders, which
 * upsample with kernel = 2 × stride (or close) and strides 2–10.
 */
export const SUITE_1D: BenchLayerNd[] = [
  layer1d('hifigan_k16_s8_p4_512x32', 'HiFi-GAN V1 / BigVGAN generator, first ×8', [1, 512, 32], 256, 16, 8, 4, {
    note: SHORT,
  }),
  layer1d(
    'hifigan_k4_s2_p1_64x4096',
    'HiFi-GAN V1 generator, last ×2 (8,192 output samples)',
    [1, 64, 4096],
    32,
    4,
    2,
    1,
  ),
  layer1d('dac_k8_s4_p2_384x64', 'DAC decoder block ×4 (k = 2s, p = ⌈s/2⌉)', [1, 384, 64], 192, 8, 4, 2, {
    note: SHORT,
  }),
  layer1d(
    'encodec_k10_s5_p3_2_256x64',
    'EnCodec decoder ×5, non-causal (k = 2s; k − s cropped, 3 at the start, 2 at the end)',
    [1, 256, 64],
    128,
    10,
    5,
    [3, 2],
    { note: SHORT },
  ),
  layer1d(
    'encodec_k16_s8_p0_8_512x16',
    'EnCodec decoder ×8, causal (k = 2s; k − s cropped at the end)',
    [1, 512, 16],
    256,
    16,
    8,
    [0, 8],
    { note: SHORT },
  ),
  layer1d('kokoro_k20_s10_p5_512x16', 'Kokoro (iSTFTNet) generator, first ×10', [1, 512, 16], 256, 20, 10, 5, {
    note: SHORT,
  }),
  layer1d(
    'bigvgan_aa_k12_s2_p5_g64_64x4096',
    'BigVGAN anti-aliased activation, depthwise ×2 upsampler (groups = channels)',
    [1, 64, 4096],
    64,
    12,
    2,
    5,
    {
      groups: 64,
      note: 'BigVGAN pads the input by replication and crops 15 samples; cropping (k − s)/2 = 5 is the same arithmetic without the pad',
    },
  ),
  layer1d(
    'demucs_k8_s4_64x2500',
    'Demucs decoder, last layer (4 sources × stereo, 10,004 output samples)',
    [1, 64, 2500],
    8,
    8,
    4,
    0,
  ),
];

/** The 3-D suite: up-sampling layers of volumetric decoders. */
export const SUITE_3D: BenchLayerNd[] = [
  layer3d(
    'unet3d_k2_s2_64x12',
    '3-D U-Net up-convolution',
    [1, 64, 12],
    32,
    2,
    2,
    0,
    'a 12³ input volume, smaller than in the model',
  ),
  layer3d(
    'gan3d_k4_s2_p1_64x8',
    '3D-GAN / volumetric decoder, k4 s2 p1',
    [1, 64, 8],
    32,
    4,
    2,
    1,
    'channels quartered from 3D-GAN',
  ),
];

/** The small 1-D layer the smoke test runs. */
export const SMOKE_1D: BenchLayerNd[] = [
  layer1d('smoke1d_k8_s4_p2_16x64', 'smoke test (small DAC-like ×4)', [1, 16, 64], 8, 8, 4, 2),
];

/** The small 3-D layer the smoke test runs. */
export const SMOKE_3D: BenchLayerNd[] = [
  layer3d('smoke3d_k4_s2_p1_8x4', 'smoke test (small volumetric k4 s2 p1)', [1, 8, 4], 4, 4, 2, 1),
];

/**
 * A DCGAN-style generator run by TF.js (`tf.layers`): a latent vector of `latent` values
 * (1×1 spatially) goes through `channels.length` `conv2dTranspose` layers, the first k4 s1
 * 'valid' (1×1 → 4×4), the others k4 s2 'same' (doubling the size), each but the last followed
 * by batch normalization and ReLU, the last by tanh.
 */
export interface GeneratorSpec {
  id: string;
  model: string;
  batch: number;
  latent: number;
  /** Output channels of each conv2dTranspose layer, the last being the image's. */
  channels: number[];
}

/** The generator of the suite: DCGAN's 64×64 generator (PyTorch's DCGAN tutorial, ngf = 64). */
export const GENERATOR: GeneratorSpec = {
  id: 'dcgan_generator_64x64',
  model: 'DCGAN generator (nz = 100, ngf = 64, 64×64 RGB)',
  batch: 1,
  latent: 100,
  channels: [512, 256, 128, 64, 3],
};

/** The small generator the smoke test runs (16×16 RGB). */
export const SMOKE_GENERATOR: GeneratorSpec = {
  id: 'smoke_generator_16x16',
  model: 'smoke test (small DCGAN-style generator)',
  batch: 1,
  latent: 8,
  channels: [16, 8, 3],
};

/** The layers of a suite (the generator suite has none), full or smoke. */
export function suiteLayers(suite: SuiteName, smoke: boolean): BenchLayerNd[] {
  switch (suite) {
    case '2d':
      return smoke ? SMOKE : SUITE;
    case '1d':
      return smoke ? SMOKE_1D : SUITE_1D;
    case '3d':
      return smoke ? SMOKE_3D : SUITE_3D;
    case 'generator':
      return [];
  }
}
