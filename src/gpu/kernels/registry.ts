/** The kernels of the library. Imports kernel modules only; the planner ranks what it lists. */
import type { Kernel, KernelName } from '../kernel.js';
import { scatterKernel } from './scatter/index.js';
import { subpixelKernel } from './subpixel/index.js';
import { zeroInsertionKernel } from './zero-insertion/index.js';

const KERNELS: readonly Kernel[] = [zeroInsertionKernel, scatterKernel, subpixelKernel];

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
