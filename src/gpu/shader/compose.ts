/**
 * The shader composer: a kernel's WGSL is generated from a validated variant key and put
 * together here from one copy of each shared module (shaders/lib/*.wgsl), a `Params`
 * struct and bindings generated from TypeScript lists, and storage accessors for the
 * element type. Because the struct and the bindings are written from the same lists the
 * engine binds and fills them from, TypeScript and WGSL cannot disagree on a layout (a test
 * still checks every generated variant with a WGSL parser).
 */
import activation from '../../../shaders/lib/activation.wgsl?raw';
import grid from '../../../shaders/lib/grid.wgsl?raw';
import store from '../../../shaders/lib/store.wgsl?raw';
import taps from '../../../shaders/lib/taps.wgsl?raw';
import { FLAT_WORKGROUP } from '../math.js';
import { accessors, declareData, usesF16, type BindingSpec, type Storage } from './storage.js';

export type { BindingSpec };

/** Scalar type of a uniform member. */
export type Scalar = 'u32' | 'i32' | 'f32';

/** Name of a shared WGSL module in shaders/lib/. */
export type ModuleName = 'activation' | 'grid' | 'store' | 'taps';

/** A shared WGSL module: its text, the modules it calls and what it needs of the shader. */
interface Module {
  code: string;
  deps: readonly ModuleName[];
  /** Uniform members the module reads through `params`. */
  uniforms: readonly (readonly [string, Scalar])[];
  /** `override` constants the module declares. */
  overrides: readonly string[];
}

const MODULES: Readonly<Record<ModuleName, Module>> = {
  activation: { code: activation, deps: [], uniforms: [['alpha', 'f32']], overrides: ['ACT'] },
  grid: { code: grid, deps: [], uniforms: [], overrides: [] },
  store: {
    code: store,
    deps: ['activation'],
    uniforms: [
      ['o_w', 'u32'],
      ['y_w', 'u32'],
      ['y_c', 'u32'],
      ['cout', 'u32'],
    ],
    overrides: [],
  },
  taps: { code: taps, deps: [], uniforms: [], overrides: [] },
};

/** What a kernel's generator produces for one variant. */
export interface ShaderSpec {
  /** Kernel and pass, e.g. 'subpixel' or 'gemm-col2im:col2im'; used for labels. */
  label: string;
  /** How the call's tensors are stored. */
  storage: Storage;
  /** `override` constants (u32) with their defaults: a number, or a WGSL expression of other overrides. */
  overrides?: Readonly<Record<string, number | string>>;
  /** Members of `Params`: a name (u32) or [name, type]. Modules add the members they read. */
  uniforms: readonly (string | readonly [string, Scalar])[];
  bindings: readonly BindingSpec[];
  modules: readonly ModuleName[];
  /** Kernel-specific WGSL: helper functions and the `main` entry point. */
  body: string;
}

/** A member of the generated `Params` struct. */
export interface UniformMember {
  name: string;
  offset: number;
  type: Scalar;
  /** 1 for a scalar, 2–4 for a vector (only reflected test shaders use vectors). */
  count: number;
}

/** A binding of a shader, with the bind-group-layout type it needs. */
export interface ShaderBinding {
  name: string;
  binding: number;
  type: GPUBufferBindingType;
}

/** A composed shader: its final text and everything needed to build, bind and fill its pipeline. */
export interface ShaderSource {
  label: string;
  /** The label and the variant key: identifies the text (pipelines are cached by it). */
  key: string;
  code: string;
  entryPoint: string;
  /** The `Params` layout; empty when the shader has no uniforms. */
  uniforms: ReadonlyMap<string, UniformMember>;
  /** Size of `Params` in bytes. */
  uniformSize: number;
  /** Every binding in binding order; `params` (when present) is binding 0. */
  bindings: readonly ShaderBinding[];
  /** Names of the `override` constants. */
  overrides: ReadonlySet<string>;
}

/** A value of a variant key: an integer, a boolean, or a short lowercase word. */
export type KeyValue = number | boolean | string;

/** Throws unless every value of `key` is a safe integer, a boolean or a word of [a-z0-9-]: generated text is built from nothing else. */
export function checkKey(label: string, key: Readonly<Record<string, KeyValue>>): void {
  for (const [k, v] of Object.entries(key)) {
    const ok =
      typeof v === 'boolean' ||
      (typeof v === 'number' && Number.isSafeInteger(v)) ||
      (typeof v === 'string' && /^[a-z0-9-]{1,24}$/.test(v));
    if (!ok || !/^[a-zA-Z][a-zA-Z0-9]*$/.test(k))
      throw new Error(`${label}: variant key ${k} = ${String(v)} is not valid`);
  }
}

/**
 * The header of a `main` entry point with `size` threads a workgroup (a number or an override
 * expression) and the builtins every kernel's index math reads: the grid module's
 * `workgroup_index(wid, nwg)` and the thread's `lid` within its workgroup; `localId` adds the
 * thread's 3-D index `lid3` (tiled kernels). The lines end with the opening brace.
 */
export function mainHeader(size: string, localId = false): string[] {
  const lid3 = localId ? '@builtin(local_invocation_id) lid3: vec3<u32>, ' : '';
  return [
    `@compute @workgroup_size(${size})`,
    'fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,',
    `        ${lid3}@builtin(local_invocation_index) lid: u32) {`,
  ];
}

/**
 * A `main` with one thread per element: `index` runs over 0 … params.total − 1 in workgroups
 * of `size` threads (FLAT_WORKGROUP, or a u32 override constant's name; dispatch
 * ceil(total / size) of them, folded by the grid module), and `body` runs for each index.
 */
export function flatMain(index: string, body: readonly string[], size: number | string = FLAT_WORKGROUP): string {
  return [
    ...mainHeader(String(size)),
    `  let ${index} = workgroup_index(wid, nwg) * ${typeof size === 'number' ? `${size}u` : size} + lid;`,
    `  if (${index} >= params.total) { return; }`,
    ...body.map((l) => (l.length ? `  ${l}` : l)),
    '}',
  ].join('\n');
}

/** The variant key as a stable string: its entries sorted by name. */
export function keyString(label: string, key: Readonly<Record<string, KeyValue>>): string {
  return `${label}|${Object.keys(key)
    .sort()
    .map((k) => `${k}=${String(key[k])}`)
    .join(',')}`;
}

/** The modules `names` need, each once, dependencies first. */
function moduleOrder(names: readonly ModuleName[]): ModuleName[] {
  const out: ModuleName[] = [];
  const visit = (n: ModuleName) => {
    if (out.includes(n)) return;
    MODULES[n].deps.forEach(visit);
    out.push(n);
  };
  names.forEach(visit);
  return out;
}

/** `Params` members with offsets: every member is a 4-byte scalar, in order. */
function layout(spec: ShaderSpec, modules: readonly ModuleName[]): UniformMember[] {
  const members: UniformMember[] = [];
  const add = (name: string, type: Scalar) => {
    if (!members.some((m) => m.name === name)) members.push({ name, offset: 4 * members.length, type, count: 1 });
  };
  for (const u of spec.uniforms) {
    if (typeof u === 'string') add(u, 'u32');
    else add(u[0], u[1]);
  }
  for (const m of modules) for (const [name, type] of MODULES[m].uniforms) add(name, type);
  return members;
}

/** Writes `Params` a few members a line. */
function structText(members: readonly UniformMember[]): string {
  const lines: string[] = [];
  for (let i = 0; i < members.length; i += 6) {
    lines.push(
      `  ${members
        .slice(i, i + 6)
        .map((m) => `${m.name}: ${m.type},`)
        .join(' ')}`,
    );
  }
  return `struct Params {\n${lines.join('\n')}\n}`;
}

const cache = new Map<string, ShaderSource>();

/**
 * The shader of one variant: generated by `build` from `key` on first use, then cached by
 * the key (generation is pure: the key decides the text). `key` must hold only integers,
 * booleans and short words (see {@link checkKey}).
 */
export function shaderFor<K extends object>(label: string, key: K, build: (key: K) => ShaderSpec): ShaderSource {
  const entries = key as unknown as Readonly<Record<string, KeyValue>>;
  const id = keyString(label, entries);
  const hit = cache.get(id);
  if (hit) return hit;
  checkKey(label, entries);
  const spec = build(key);
  const modules = moduleOrder(spec.modules);
  const members = layout(spec, modules);
  const bindings: ShaderBinding[] = [];
  const decls: string[] = [];
  if (members.length > 0) {
    bindings.push({ name: 'params', binding: 0, type: 'uniform' });
    decls.push(structText(members), '@group(0) @binding(0) var<uniform> params: Params;');
  }
  for (const b of spec.bindings) {
    const type: GPUBufferBindingType = b.access === 'read' ? 'read-only-storage' : 'storage';
    const views = b.vec4 ? [b.name, `${b.name}4`] : [b.name];
    for (const [i, view] of views.entries()) {
      const binding = bindings.length;
      bindings.push({ name: view, binding, type });
      decls.push(
        b.kind === 'f32'
          ? `@group(0) @binding(${binding}) var<storage, ${b.access}> ${view}: array<${i ? 'vec4<f32>' : 'f32'}>;`
          : declareData(view, binding, spec.storage, b.access, i === 1),
      );
    }
  }
  const overrides = new Set<string>(modules.flatMap((m) => MODULES[m].overrides));
  const overrideText = Object.entries(spec.overrides ?? {}).map(([name, def]) => {
    overrides.add(name);
    return `override ${name}: u32 = ${typeof def === 'number' ? `${def}u` : def};`;
  });
  const code = [
    `// ${label}, generated for variant {${id.slice(label.length + 1)}}.`,
    usesF16(spec.storage) ? 'enable f16;' : '',
    overrideText.join('\n'),
    decls.join('\n'),
    accessors(spec.bindings, spec.storage),
    ...modules.map((m) => MODULES[m].code.trim()),
    spec.body.trim(),
  ]
    .filter((part) => part.length > 0)
    .join('\n\n');
  const source: ShaderSource = {
    label,
    key: id,
    code: `${code}\n`,
    entryPoint: 'main',
    uniforms: new Map(members.map((m) => [m.name, m])),
    uniformSize: 4 * members.length,
    bindings,
    overrides,
  };
  cache.set(id, source);
  return source;
}

export { stripComments } from './strip.js';
