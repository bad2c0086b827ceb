/**
 * Kernel variants side by side in Node on Dawn (SwiftShader without a GPU): the
 * measurements behind the planner's choices between subpixel's register blocks and
 * its depthwise variant. `npm run bench:kernels`. Prints times; asserts nothing.
 * Compare rows within one group of one run only (software WebGPU shares the CPU).
 */
import { bench, describe } from 'vitest';
import { resolveConvTranspose2d } from '../src/geometry.js';
import { CallContext, roundSize } from '../src/gpu/context.js';
import { BufferUsage } from '../src/gpu/flags.js';
import type { ConvBuffers, Kernel, KernelEnv } from '../src/gpu/kernel.js';
import { allKernels } from '../src/gpu/kernels/registry.js';
import { encodeSubpixel, subpixelConfig } from '../src/gpu/kernels/subpixel/index.js';
import type { SubpixelConfig } from '../src/gpu/kernels/subpixel/plan.js';
import type { ConvTranspose2dGeometry, ConvTranspose2dOptions } from '../src/types.js';
import { getDevice } from '../test/helpers/gpu.js';

let devicePromise: Promise<GPUDevice> | null = null;
/** The device, made on first use (inside the first warm-up run). */
function benchDevice(): Promise<GPUDevice> {
  devicePromise ??= getDevice().then((d) => d.device);
  return devicePromise;
}

function buffers(device: GPUDevice, g: ConvTranspose2dGeometry): ConvBuffers {
  const make = (floats: number, label: string) =>
    device.createBuffer({
      label: `bench:${label}`,
      size: roundSize(floats * 4),
      usage: BufferUsage.STORAGE | BufferUsage.COPY_DST,
    });
  return {
    input: make(g.inputSize, 'input'),
    filter: make(g.filterSize, 'filter'),
    bias: make(g.outChannels, 'bias'),
    output: make(g.outputSize, 'output'),
  };
}

/** One run of `encode`, waited for. */
async function run(device: GPUDevice, encode: (ctx: CallContext) => void): Promise<void> {
  const ctx = new CallContext(device, { software: true });
  encode(ctx);
  const encoder = device.createCommandEncoder();
  ctx.encode(encoder);
  device.queue.submit([encoder.finish()]);
  ctx.release();
  await device.queue.onSubmittedWorkDone();
}

const options = { time: 1500, warmupIterations: 2 };

function group(
  name: string,
  inputShape: number[],
  filterShape: number[],
  opts: ConvTranspose2dOptions,
  configs: Record<string, Partial<SubpixelConfig>>,
  kernels: string[],
): void {
  const g = resolveConvTranspose2d(inputShape, filterShape, opts);
  type State = { device: GPUDevice; b: ConvBuffers; planned: SubpixelConfig };
  let state: State | null = null;
  /** The device, buffers and the planner's config, made on first use (a warm-up run). */
  async function ready(): Promise<State> {
    const device = await benchDevice();
    state ??= { device, b: buffers(device, g), planned: subpixelConfig(g, device.limits, true) };
    return state;
  }
  const missing = kernels.filter((k) => !allKernels().some((x) => x.name === k));
  describe(missing.length ? `${name} (not in this build: ${missing.join(', ')})` : name, () => {
    for (const [label, change] of Object.entries(configs)) {
      bench(
        `subpixel ${label}`,
        async () => {
          const { device, b, planned } = await ready();
          await run(device, (ctx) => encodeSubpixel(ctx, g, b, { ...planned, ...change } as SubpixelConfig));
        },
        options,
      );
    }
    for (const k of kernels) {
      // A kernel this build does not register has nothing to time: the group says so in its name.
      const kernel: Kernel | undefined = allKernels().find((x) => x.name === k);
      if (!kernel) continue;
      bench(
        k,
        async () => {
          const { device, b } = await ready();
          const env: KernelEnv = { limits: device.limits, software: true, storage: 'f32', guard: false };
          await run(device, (ctx) => kernel.encode(ctx, g, b, kernel.choose(g, env).variant));
        },
        options,
      );
    }
  });
}

const k4s2p1: ConvTranspose2dOptions = { strides: [2, 2], padding: [1, 1, 1, 1] };
const blocks = {
  '8×4 (1 row)': { variant: 'register', channels: 8, pixels: 4, rows: 1 },
  '8×2×4 (2 rows)': { variant: 'register', channels: 8, pixels: 4, rows: 2 },
} as const;
// Small inputs: a phase has 4 columns, so the 2-row block and its partial blocks matter.
group('DCGAN 512→256 k4 s2 p1 at 4²', [1, 512, 4, 4], [4, 4, 256, 512], { ...k4s2p1, filterLayout: 'hwoi' }, blocks, [
  'gemm-col2im',
]);
group(
  '256→128 k3 s2 p1 op1 at 4²',
  [1, 256, 4, 4],
  [3, 3, 128, 256],
  { ...k4s2p1, outputPadding: [1, 1], filterLayout: 'hwoi' },
  blocks,
  [],
);
group('512→256 k2 s2 at 4²', [1, 512, 4, 4], [2, 2, 256, 512], { strides: [2, 2], filterLayout: 'hwoi' }, blocks, []);
// One channel per group: the depthwise variant against the kernels that ran these before it.
const depthwise = { depthwise: {} };
group('depthwise 64 k4 s2 p1 at 32²', [1, 64, 32, 32], [64, 1, 4, 4], { ...k4s2p1, groups: 64 }, depthwise, [
  'gemm-col2im',
  'scatter',
]);
group('bilinear ×2, 3 channels at 128²', [1, 3, 128, 128], [3, 1, 4, 4], { ...k4s2p1, groups: 3 }, depthwise, [
  'gemm-col2im',
]);
group(
  'bilinear ×8 (k16 s8 p4), 21 channels at 8²',
  [1, 21, 8, 8],
  [21, 1, 16, 16],
  { strides: [8, 8], padding: [4, 4, 4, 4], groups: 21 },
  depthwise,
  ['gemm-col2im'],
);
