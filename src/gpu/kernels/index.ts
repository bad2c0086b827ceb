import type { Kernel, KernelName } from '../kernel.js';
import { gemmCol2imKernel } from './gemm-col2im.js';
import { im2colGemmKernel } from './im2col-gemm.js';
import { scatterKernel } from './scatter.js';
import { subpixelKernel } from './subpixel.js';
import { zeroInsertionKernel } from './zero-insertion.js';

export { gemmCol2imKernel, im2colGemmKernel, scatterKernel, subpixelKernel, zeroInsertionKernel };

/**
 * Every kernel of the library, in KERNEL_NAMES order. A function rather than a
 * constant so that modules in an import cycle with the planner can load in any order.
 */
export function allKernels(): readonly Kernel[] {
  return [zeroInsertionKernel, scatterKernel, gemmCol2imKernel, im2colGemmKernel, subpixelKernel];
}

/** The kernel with a given name. */
export function getKernel(name: KernelName): Kernel {
  return allKernels().find((k) => k.name === name)!;
}
