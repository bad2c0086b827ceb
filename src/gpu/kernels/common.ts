import type { Activation, ConvTranspose2dGeometry } from '../../types.js';

/** Codes of the `ACT` override constant shared by the library's shaders. */
export const ACTIVATION_CODES: Record<Activation, number> = {
  relu: 1,
  relu6: 2,
  leakyRelu: 3,
  sigmoid: 4,
  tanh: 5,
  gelu: 6,
};

/** The `ACT` override value for a geometry's activation (0 = none). */
export function activationCode(g: ConvTranspose2dGeometry): number {
  return g.activation === null ? 0 : ACTIVATION_CODES[g.activation];
}

/** Ceiling division of non-negative integers. */
export function ceilDiv(a: number, b: number): number {
  return Math.floor((a + b - 1) / b);
}

/** Output-stride uniforms (`out_n`, `out_c`, `out_h`, `out_w`), for shaders that only write the output. */
export function outputStrideUniforms(g: ConvTranspose2dGeometry): Record<string, number> {
  const os = g.outputStrides;
  return { out_n: os.n, out_c: os.c, out_h: os.h, out_w: os.w };
}

/** Input, output and filter stride uniforms, by the WGSL member names every kernel's shader uses. */
export function strideUniforms(g: ConvTranspose2dGeometry): Record<string, number> {
  const is = g.inputStrides;
  const fs = g.filterStrides;
  return {
    in_n: is.n,
    in_c: is.c,
    in_h: is.h,
    in_w: is.w,
    ...outputStrideUniforms(g),
    f_i: fs.i,
    f_o: fs.o,
    f_h: fs.h,
    f_w: fs.w,
  };
}
