/**
 * The kernels of the library, and what runs all of them when no kernel set is given: the
 * package's `plan` and `createEngine`. `webgpu-deconv/core` does without this module, so that
 * an application that names its kernels ships no other.
 */
import type { ConvTransposeGeometry } from '../../types.js';
import { openEngine, type Engine, type EngineOptions } from '../engine.js';
import type { Kernel, KernelName, VariantKey } from '../kernel.js';
import { planWith, readGeometry, readPlanLimits, readPlanOptions, type Plan, type PlanOptions } from '../planner.js';
import type { ShaderSource } from '../shader/compose.js';
import { STORAGES } from '../shader/storage.js';
import { gemmCol2imKernel } from './gemm-col2im/index.js';
import { im2colGemmKernel } from './im2col-gemm/index.js';
import { scatterKernel } from './scatter/index.js';
import { subpixelKernel } from './subpixel/index.js';
import { zeroInsertionKernel } from './zero-insertion/index.js';

/** Every kernel of the library, in KERNEL_NAMES order. */
export const KERNELS: readonly Kernel[] = [
  zeroInsertionKernel,
  scatterKernel,
  gemmCol2imKernel,
  im2colGemmKernel,
  subpixelKernel,
];

/** {@link KERNELS}, for callers that take a function. */
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
 * Creates an engine. In a browser it uses `navigator.gpu`; in Node pass the `gpu` object of
 * the `webgpu` package, or a ready `device`. Without WebGPU the engine runs the CPU reference
 * (`backend === 'cpu'`, with one `console.warn` saying why) unless `fallback: 'none'`, which
 * throws DeconvError('NO_WEBGPU'). Runs the library's five kernels unless `kernels` names
 * some. Unknown options are rejected.
 */
export function createEngine(options: EngineOptions = {}): Promise<Engine> {
  return openEngine(options, KERNELS);
}

/**
 * The planner's decision for a geometry, without running it: which kernel (the given one, or
 * the lowest estimate for 'auto'), its variant, and the pieces that fit `limits`. Considers
 * the library's five kernels unless `options.kernels` names some.
 * @throws DeconvError('UNSUPPORTED_BY_KERNEL') when a named kernel cannot run `g`;
 *   DeconvError('DEVICE_LIMIT') when nothing fits; DeconvError('INVALID_ARGUMENT') for an
 *   unknown kernel name, one not in `options.kernels`, `options.kernels` not a list of kernels,
 *   an unknown option, a value of the wrong kind, limits that are not positive integers, or a
 *   `g` that does not resolve (`g` is resolved again from its shapes and options; its derived
 *   fields are not trusted).
 */
export function plan(g: ConvTransposeGeometry, limits: GPUSupportedLimits, options: PlanOptions = {}): Plan {
  const o = readPlanOptions('options', options);
  return planWith(o.kernels ?? KERNELS, readGeometry('g', g), readPlanLimits('limits', limits), o);
}

/**
 * Multiply-adds a kernel issues for `g` (with a variant: as that variant runs them, empty
 * lanes and inserted zeros included; without one, for the kernel's algorithm).
 */
export function issuedMacs(name: KernelName, g: ConvTransposeGeometry, variant?: object): number {
  return getKernel(name).issuedMacs(g, variant as VariantKey | undefined);
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

export { STORAGES };
