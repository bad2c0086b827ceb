/**
 * Planning of the zero-insertion kernel, for any spatial rank: the size of the upsampled
 * scratch, its threads, the multiply-adds it issues and its estimated cost. Pure and O(rank).
 */
import type { ConvTransposeGeometry } from '../../../types.js';
import { type Estimate, adapterCosts, blockedMacs, blockedThreads, estimate, registerWork } from '../../cost.js';
import type { KernelEnv } from '../../kernel.js';
import { ceilDiv, FLAT_WORKGROUP, product } from '../../math.js';

/** Output channels and output pixels of the last axis per thread of the convolution (a 4 × 4 block). */
export const BLOCK = 4;

/**
 * The upsampled input, per spatial axis: its size U = out + d·(k − 1) and the border
 * B = d·(k − 1) − padBegin where input 0 lands (negative: cropped), so that input i sits at
 * i·s + B and output o is the stride-1 convolution of U[o … o + d·(k − 1)] with the flipped filter.
 */
export function upsampled(g: ConvTransposeGeometry): { sizes: number[]; borders: number[] } {
  const reach = g.kernelSizes.map((k, a) => g.dilations[a]! * (k - 1));
  return {
    sizes: g.outSizes.map((o, a) => o + reach[a]!),
    borders: reach.map((r, a) => r - g.padding[2 * a]!),
  };
}

/** Bytes of the float32 upsampled input: [batch, inChannels, U…]. */
export function upsampledBytes(g: ConvTransposeGeometry): number {
  return g.batch * g.inChannels * product(upsampled(g).sizes) * 4;
}

/** Threads of the convolution pass: 4 output channels × 4 output pixels of the last axis each. */
export function convThreads(g: ConvTransposeGeometry): number {
  return blockedThreads(g, g.outSizes, BLOCK);
}

/**
 * Multiply-adds zero-insertion issues: every tap of every output pixel (inserted zeros
 * included), and with `blocked`, in whole 4 channel × 4 pixel blocks as the convolution runs
 * them. The guarded variant issues fewer (it skips the taps of the outer axes that land on
 * inserted zeros or padding); this counts it as the plain one.
 */
export function zeroInsertionMacs(g: ConvTransposeGeometry, blocked = false): number {
  return blockedMacs(g, g.outSizes, BLOCK, blocked);
}

/** Relative rate on both adapter classes: it multiplies dense tap sets and is never close, so a rough one. */
const RATE = 0.3;
/** Set-up cost of one thread (both passes' threads are counted). */
const THREAD_OVERHEAD = { software: 400, hardware: 400 };

/** The estimated cost of running `g` with zero-insertion (see src/gpu/cost.ts). */
export function zeroInsertionCost(g: ConvTransposeGeometry, env: KernelEnv): Estimate {
  const k = adapterCosts(env);
  const work = zeroInsertionMacs(g) * (env.software ? registerWork(BLOCK, BLOCK, k.loadCost) : 1);
  return estimate(env, {
    work,
    rate: RATE,
    threads: g.inputSize + convThreads(g),
    threadOverhead: THREAD_OVERHEAD[env.software ? 'software' : 'hardware'],
    // The upsampled input is written, then read back.
    extraFloats: (2 * upsampledBytes(g)) / 4,
    outputs: g.outputSize,
    passes: 2,
    workgroups: ceilDiv(convThreads(g), FLAT_WORKGROUP),
  });
}
