/** The kernels of the library. Imports kernel modules only; the planner ranks what it lists. */
import type { Kernel, KernelName } from '../kernel.js';
import { gemmCol2imKernel } from './gemm-col2im/index.js';
import { im2colGemmKernel } from './im2col-gemm/index.js';
import { subpixelKernel } from './subpixel/index.js';

const KERNELS: readonly Kernel[] = [gemmCol2imKernel, im2colGemmKernel, subpixelKernel];

/** Every kernel of the library, in KERNEL_NAMES order. */
export function allKernels(): readonly Kernel[] {
  return KERNELS;
}

/** The kernel with a given name. */
export function getKernel(name: KernelName): Kernel {
  const k = KERNELS.find((x) => x.name === name);
  if (!k) throw new Error(`no kernel '${name}'`);
  return k;
}
