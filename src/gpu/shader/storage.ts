/**
 * How tensors are stored in GPU memory, and the WGSL that reads and writes them. Kernels
 * never index a tensor binding directly: they call `ld_<name>(i)` (an f32), `st_<name>(i, v)`
 * and `ld4_<name>(i)` (4 elements at index 4·i), generated here per storage. Index math is
 * u32 for every storage, so a float16 tensor is exact at any length.
 */

/** One storage binding of a generated shader. */
export interface BindingSpec {
  name: string;
  /** 'data': a tensor in the call's element storage (read through `ld_<name>`, written through `st_<name>`); 'f32': float32 scratch, indexed directly. */
  kind: 'data' | 'f32';
  access: 'read' | 'read_write';
  /** Also bind the same buffer as 4-element vectors, read through `ld4_<name>` (data) or `<name>4` (f32). */
  vec4?: boolean;
}

/**
 * - `f32`: float32 elements;
 * - `f16`: float16 elements read and written natively (needs the device's `shader-f16`);
 * - `f16-packed`: float16 elements, two per u32 word, unpacked to f32 (any device). Writes
 *   set one half of a word with two atomic operations, so neighbouring elements written by
 *   other threads are never clobbered.
 */
export type Storage = 'f32' | 'f16' | 'f16-packed';

/** Every storage a kernel supports. */
export const STORAGES: readonly Storage[] = ['f32', 'f16', 'f16-packed'];

/** Bytes per element of a storage. */
export function elementBytes(storage: Storage): 2 | 4 {
  return storage === 'f32' ? 4 : 2;
}

/** True when the shader needs `enable f16;`. */
export function usesF16(storage: Storage): boolean {
  return storage === 'f16';
}

/** The declaration of a data binding (or of its vec4 view). */
export function declareData(
  view: string,
  binding: number,
  storage: Storage,
  access: 'read' | 'read_write',
  vec4: boolean,
): string {
  let type: string;
  if (storage === 'f32') type = vec4 ? 'vec4<f32>' : 'f32';
  else if (storage === 'f16') type = vec4 ? 'vec4<f16>' : 'f16';
  else if (vec4) type = 'vec2<u32>';
  else type = access === 'read' ? 'u32' : 'atomic<u32>';
  if (vec4 && access !== 'read') throw new Error(`${view}: vec4 views are read-only`);
  return `@group(0) @binding(${binding}) var<storage, ${access}> ${view}: array<${type}>;`;
}

/**
 * f16 bits of an f32, rounded by the hardware. pack2x16float is indeterminate outside f16's
 * finite range, so NaN (tested on the bits: SwiftShader folds `v != v` to false), overflow to
 * ±∞ (|v| ≥ 65520 rounds past the largest half, 65504) and the values just below it are
 * handled before packing.
 */
const F16_BITS = `fn f16_bits(v: f32) -> u32 {
  if ((bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u) { return 0x7e00u; }
  if (abs(v) >= 65520.0) { return select(0x7c00u, 0xfc00u, v < 0.0); }
  return pack2x16float(vec2<f32>(clamp(v, -65504.0, 65504.0), 0.0)) & 0xffffu;
}`;

function load(name: string, storage: Storage, access: 'read' | 'read_write'): string {
  const body =
    storage === 'f32'
      ? `${name}[i]`
      : storage === 'f16'
        ? `f32(${name}[i])`
        : `unpack2x16float(${access === 'read' ? `${name}[i >> 1u]` : `atomicLoad(&${name}[i >> 1u])`})[i & 1u]`;
  return `fn ld_${name}(i: u32) -> f32 { return ${body}; }`;
}

function store(name: string, storage: Storage): string {
  if (storage === 'f32') return `fn st_${name}(i: u32, v: f32) { ${name}[i] = v; }`;
  if (storage === 'f16') return `fn st_${name}(i: u32, v: f32) { ${name}[i] = bitcast<vec2<f16>>(f16_bits(v)).x; }`;
  return [
    `fn st_${name}(i: u32, v: f32) {`,
    '  let shift = (i & 1u) * 16u;',
    `  atomicAnd(&${name}[i >> 1u], ~(0xffffu << shift));`,
    `  atomicOr(&${name}[i >> 1u], f16_bits(v) << shift);`,
    '}',
  ].join('\n');
}

function load4(name: string, storage: Storage): string {
  const v = `${name}4[i]`;
  const body =
    storage === 'f32'
      ? v
      : storage === 'f16'
        ? `vec4<f32>(${v})`
        : `vec4<f32>(unpack2x16float(${v}.x), unpack2x16float(${v}.y))`;
  return `fn ld4_${name}(i: u32) -> vec4<f32> { return ${body}; }`;
}

/** The accessor functions of every data binding. */
export function accessors(bindings: readonly BindingSpec[], storage: Storage): string {
  const out: string[] = [];
  const data = bindings.filter((b) => b.kind === 'data');
  if (storage !== 'f32' && data.some((b) => b.access === 'read_write')) out.push(F16_BITS);
  for (const b of data) {
    out.push(load(b.name, storage, b.access));
    if (b.access === 'read_write') out.push(store(b.name, storage));
    if (b.vec4) out.push(load4(b.name, storage));
  }
  return out.join('\n');
}
