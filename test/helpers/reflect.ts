import { WgslReflect, ResourceType, type VariableInfo } from 'wgsl_reflect/wgsl_reflect.module.js';
import type { ShaderSource } from '../../src/gpu/shader/compose.js';

/** Scalar type of a uniform member (vectors are `count` of these). */
export type UniformScalar = 'u32' | 'i32' | 'f32';

/** One member of the uniform struct: byte offset, scalar type and component count. */
export interface UniformMember {
  name: string;
  offset: number;
  type: UniformScalar;
  /** 1 for a scalar, 2–4 for a vector. */
  count: number;
}

/** The one `var<uniform>` of a shader (by convention named `params`). */
export interface UniformBlock {
  name: string;
  group: number;
  binding: number;
  /** Struct size in bytes, as WGSL lays it out. */
  size: number;
  members: Map<string, UniformMember>;
}

/** A buffer binding of a shader, with the bind-group-layout type it needs. */
export interface ShaderBinding {
  name: string;
  group: number;
  binding: number;
  type: GPUBufferBindingType;
}

/** What the engine needs to know about one entry point. */
export interface EntryReflection {
  name: string;
  /** Buffer bindings the entry point uses (directly or through functions it calls), by binding number. */
  bindings: ShaderBinding[];
  workgroupSize: [number, number, number] | null;
}

/** Reflection of one WGSL module. */
export interface ShaderReflection {
  /** A short stable hash of the source, used in pipeline cache keys. */
  hash: string;
  uniform: UniformBlock | null;
  bindings: Map<string, ShaderBinding>;
  entries: Map<string, EntryReflection>;
  overrides: Set<string>;
}

const cache = new Map<string, ShaderReflection>();

/** FNV-1a over UTF-16 code units, two 32-bit lanes with different seeds. */
function hashCode(code: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ code.length;
  for (let i = 0; i < code.length; i++) {
    const c = code.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return (a >>> 0).toString(36) + (b >>> 0).toString(36);
}

/** Parses a type name from wgsl_reflect (`u32`, `vec2u`, `vec4<f32>`, …) into scalar + count. */
function scalarOf(typeName: string, format: string | undefined): { type: UniformScalar; count: number } | null {
  const scalars: UniformScalar[] = ['u32', 'i32', 'f32'];
  if ((scalars as string[]).includes(typeName)) return { type: typeName as UniformScalar, count: 1 };
  const short = /^vec([234])([uif])$/.exec(typeName);
  if (short) return { type: `${short[2]}32` as UniformScalar, count: Number(short[1]) };
  const long = /^vec([234])$/.exec(typeName);
  if (long && format && (scalars as string[]).includes(format)) {
    return { type: format as UniformScalar, count: Number(long[1]) };
  }
  return null;
}

function bindingOf(v: VariableInfo): ShaderBinding {
  let type: GPUBufferBindingType;
  if (v.resourceType === ResourceType.Uniform) type = 'uniform';
  else if (v.access === 'read_write' || v.access === 'write') type = 'storage';
  else type = 'read-only-storage';
  return { name: v.name, group: v.group, binding: v.binding, type };
}

/**
 * Reflects a WGSL module: its uniform struct layout, buffer bindings per entry
 * point and override names. Cached per source text. Only buffer resources are
 * supported; the library's shaders use nothing else.
 */
export function reflectShader(code: string): ShaderReflection {
  const hit = cache.get(code);
  if (hit) return hit;
  const r = new WgslReflect(code);
  if (r.textures.length || r.samplers.length) throw new Error('reflectShader: only buffer bindings are supported');
  if (r.uniforms.length > 1) throw new Error('reflectShader: at most one uniform block per shader');
  let uniform: UniformBlock | null = null;
  const u = r.uniforms[0];
  if (u) {
    const members = new Map<string, UniformMember>();
    for (const m of u.members ?? []) {
      const fmt = m.type.isTemplate
        ? (m.type as unknown as { format: { name: string } | null }).format?.name
        : undefined;
      const s = scalarOf(m.type.name, fmt);
      if (!s) throw new Error(`reflectShader: uniform member ${m.name} has unsupported type ${m.type.getTypeName()}`);
      members.set(m.name, { name: m.name, offset: m.offset, ...s });
    }
    uniform = { name: u.name, group: u.group, binding: u.binding, size: u.size, members };
  }
  const bindings = new Map<string, ShaderBinding>();
  for (const v of [...r.uniforms, ...r.storage]) {
    if (v.group !== 0) throw new Error(`reflectShader: ${v.name} is in group ${v.group}; only group 0 is supported`);
    bindings.set(v.name, bindingOf(v));
  }
  const entries = new Map<string, EntryReflection>();
  for (const f of r.entry.compute) {
    const used = f.resources.map((v) => bindings.get(v.name)).filter((b): b is ShaderBinding => b !== undefined);
    used.sort((x, y) => x.binding - y.binding);
    entries.set(f.name, { name: f.name, bindings: used, workgroupSize: f.workgroupSize });
  }
  const result: ShaderReflection = {
    hash: hashCode(code),
    uniform,
    bindings,
    entries,
    overrides: new Set(r.overrides.map((o) => o.name)),
  };
  cache.set(code, result);
  return result;
}

/**
 * A {@link ShaderSource} for hand-written WGSL, with its layout read by the WGSL parser.
 * For tests and tools only: the engine's own shaders are generated with their layouts
 * (src/gpu/shader/compose.ts), so no parser ships in the library.
 */
export function shaderFromWgsl(code: string, label: string, entryPoint = 'main'): ShaderSource {
  const r = reflectShader(code);
  const entry = r.entries.get(entryPoint);
  if (!entry) throw new Error(`${label}: the shader has no compute entry point '${entryPoint}'`);
  return {
    label,
    key: `${label}|wgsl:${r.hash}|${entryPoint}`,
    code,
    entryPoint,
    uniforms: r.uniform?.members ?? new Map(),
    uniformSize: r.uniform?.size ?? 0,
    bindings: entry.bindings.map((b) => ({ name: b.name, binding: b.binding, type: b.type })),
    overrides: r.overrides,
  };
}
