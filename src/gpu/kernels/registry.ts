/** The kernels of the library. Imports kernel modules only; the planner ranks what it lists. */
import type { Kernel, KernelName } from '../kernel.js';
import type { ShaderSource } from '../shader/compose.js';
import type { Storage } from '../shader/storage.js';
import { gemmCol2imKernel } from './gemm-col2im/index.js';
import { im2colGemmKernel } from './im2col-gemm/index.js';
import { scatterKernel } from './scatter/index.js';
import { subpixelKernel } from './subpixel/index.js';
import { zeroInsertionKernel } from './zero-insertion/index.js';

const KERNELS: readonly Kernel[] = [
  zeroInsertionKernel,
  scatterKernel,
  gemmCol2imKernel,
  im2colGemmKernel,
  subpixelKernel,
];

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

/**
 * Every composed shader of every kernel's variants at every spatial rank and storage: what
 * `npm run shaders:dump` writes and the layout test parses.
 */
export function everyShader(): ShaderSource[] {
  const seen = new Map<string, ShaderSource>();
  for (const k of KERNELS) {
    for (const rank of [1, 2, 3]) {
      for (const storage of STORAGES) {
        for (const v of k.variants(rank, storage)) for (const s of v.shaders) seen.set(s.key, s);
      }
    }
  }
  return [...seen.values()];
}

/** Every storage a kernel supports. */
export const STORAGES: readonly Storage[] = ['f32', 'f16', 'f16-packed'];
