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
