/**
 * WGSL of im2col-gemm, generated per variant and spatial rank from the GEMM family's blocks
 * (../gemm/wgsl.ts) with im2col-gemm's own operand loads.
 *
 * Per group g: out[(co), (nb, o)] = act(bias[g·cog + co] + Σ_(taps k, ci) W(ci, co, k) · X̃(ci, nb, o, k))
 *   W(ci, co, k) = weights[(g·cig + ci)·w_i + co·w_o + Σ_L k_L·w_L]          (any filter layout, by strides)
 *   X̃ = the zero-inserted input, gathered on the fly and never stored:
 *     input[nb·x_n + (g·cig + ci)·x_c + Σ_L i_L·x_L] when o_L + p_L − k_L·d_L = i_L·s_L exactly,
 *     with 0 ≤ i_L < i_L size, on every axis L; 0 otherwise.
 *   out[nb·y_n + (g·cog + co)·y_c + Σ_L o_L·y_L]                              (any layout, by strides)
 * GEMM view: M = cog output channels, N = batch · Π o positions (the last axis fastest),
 * K = Π k · cig.
 */
import { checkKey, mainHeader, type BindingSpec, type ShaderSpec } from '../../shader/compose.js';
import type { Storage } from '../../shader/storage.js';
import { axisLetters, axisNames } from '../../math.js';
import {
  TILE_MEMORY,
  TILE_OVERRIDES,
  blockAccumulators,
  blockFma,
  blockStores,
  clampedRows,
  gather4,
  indent,
  registerPrologue,
  stageLoop,
  tiledLoop,
  tiledPrologue,
  tiledStores,
  type BlockStore,
} from '../gemm/wgsl.js';

/** The key of the register-blocked variant. */
export interface RegisterKey {
  variant: 'registers';
  rank: number;
  storage: Storage;
  /** Mask products, not inputs, at inserted zeros and padding (filters that may hold ±∞ or NaN). */
  guard: boolean;
}

/** The key of the tiled variant (tile sizes are override constants; finite filters only). */
export interface TiledKey {
  variant: 'tiled';
  rank: number;
  storage: Storage;
}

/** The tensors, in the call's storage: three read, the output written. */
const DATA: BindingSpec[] = [
  ...(['input', 'weights', 'bias'] as const).map((name): BindingSpec => ({ name, kind: 'data', access: 'read' })),
  { name: 'output', kind: 'data', access: 'read_write' },
];

/** The uniforms of a variant at a rank. */
function uniforms(rank: number, tiled: boolean): string[] {
  const strides = ['x_n', 'x_c', 'y_n', 'y_c', 'w_i', 'w_o'];
  return [
    ...['groups', 'cig', 'cog', 'size_n', ...(tiled ? ['size_k'] : [])],
    ...strides,
    ...axisNames(rank, ['i', 'o', 'k', 's', 'd', 'p', 'x', 'y', 'w']),
  ];
}

/** Splits the WGSL variable `rest` over the axes (innermost first) by `size`_L: `let name(L) = rest % size_L`. */
function splitAxes(axes: readonly string[], rest: string, size: string, name: (a: string) => string): string[] {
  return [...axes]
    .reverse()
    .flatMap((a) => [`let ${name(a)} = ${rest} % p.${size}_${a};`, `${rest} = ${rest} / p.${size}_${a};`]);
}

/** The epilogue's rows (channels) and columns (positions): bias, activation and the output index. */
function outputStore(axes: readonly string[]): BlockStore {
  return {
    row: 'co',
    rowEnd: 'p.cog',
    col: 'pos',
    colEnd: 'p.size_n',
    rowSetup: ['let c = g * p.cog + co;', 'let bc = ld_bias(c);'],
    store: (v) => [
      'var rest = pos;',
      ...splitAxes(axes, 'rest', 'o', (a) => `o${a}`),
      `let at = rest * p.y_n + c * p.y_c + ${axes.map((a) => `o${a} * p.y_${a}`).join(' + ')};`,
      `st_output(at, activate(${v} + bc));`,
    ],
  };
}

/**
 * The register-blocked variant (no workgroup memory, no barriers): each thread computes 8
 * channels × 8 consecutive positions (16 loads per 64 multiply-adds, the ratio that decides
 * speed on software adapters), walking K tap by tap so each tap's validity is found once per
 * position: per axis, a tap reaches a position when o + p − k·d is a non-negative multiple
 * of s below the input size, and the validity of the outer axes is found once per outer tap.
 * A tap that none of the 8 positions reads is skipped whole. Positions that read an inserted
 * zero or padding add nothing: their input is zeroed, or with `guard` their products are
 * dropped (so 0 × ∞ never happens). Workgroup w → group, then channel block row, then
 * position block (WG_ROWS × 64/WG_ROWS blocks per workgroup).
 */
export function registerShader(k: RegisterKey): ShaderSpec {
  checkKey('im2col-gemm', k as unknown as Record<string, string | number | boolean>);
  const axes = axisLetters(k.rank);
  // Per lane: the input offset of the image and group, and the full-result coordinate per axis.
  const lanes = [
    `struct Lanes { img: vec4<u32>, ${axes.map((a) => `f_${a}: vec4<i32>`).join(', ')} }`,
    '',
    '// Lanes of positions n0 … n0+3 (clamped to the last position; results past it are not stored).',
    'fn lanes(n0: u32, g: u32) -> Lanes {',
    '  let p = params;',
    '  var l: Lanes;',
    '  for (var j = 0u; j < 4u; j++) {',
    '    var rest = min(n0 + j, p.size_n - 1u);',
    ...[...axes]
      .reverse()
      .flatMap((a) => [`    l.f_${a}[j] = i32(rest % p.o_${a} + p.p_${a});`, `    rest = rest / p.o_${a};`]),
    '    l.img[j] = rest * p.x_n + g * p.cig * p.x_c;',
    '  }',
    '  return l;',
    '}',
  ];
  const last = axes[axes.length - 1]!;
  // The channel loop over the taps' positions: 8 input values and 8 weights per input channel.
  const mask = k.guard ? (['va', 'vb'] as const) : undefined;
  const load = (off: string, valid: string) =>
    k.guard ? gather4('ld_input', off, 'xo') : `select(zero, ${gather4('ld_input', off, 'xo')}, ${valid})`;
  let loops = [
    `let va = v${last}a;`,
    `let vb = v${last}b;`,
    `let offa = select(vec4<u32>(0u), o${last}a, va);`,
    `let offb = select(vec4<u32>(0u), o${last}b, vb);`,
    'var xo = 0u;',
    `var wo = ${axes.map((a) => `k${a} * p.w_${a}`).join(' + ')};`,
    'for (var ci = 0u; ci < p.cig; ci++) {',
    `  let xl = ${load('offa', 'va')};`,
    `  let xr = ${load('offb', 'vb')};`,
    `  let w0 = ${gather4('ld_weights', 'wLo', 'wo')};`,
    `  let w1 = ${gather4('ld_weights', 'wHi', 'wo')};`,
    ...indent(blockFma(['w0', 'w1'], ['xl', 'xr'], mask)),
    '  xo += p.x_c;',
    '  wo += p.w_i;',
    '}',
  ];
  for (let j = axes.length - 1; j >= 0; j--) {
    const a = axes[j]!;
    const lane = (h: 'a' | 'b') => {
      const src = h === 'a' ? 'lo' : 'hi';
      const prevValid = j === 0 ? '' : `v${axes[j - 1]}${h} & `;
      const prevOff = j === 0 ? `${src}.img` : `o${axes[j - 1]}${h}`;
      return [
        `let e${a}${h} = ${src}.f_${a} - vec4<i32>(i32(k${a} * p.d_${a}));`,
        `let q${a}${h} = e${a}${h} / s${a};`,
        `let v${a}${h} = ${prevValid}(e${a}${h} >= vec4<i32>(0)) & (q${a}${h} * s${a} == e${a}${h}) & (q${a}${h} < n${a});`,
        `let o${a}${h} = ${prevOff} + vec4<u32>(q${a}${h}) * p.x_${a};`,
      ];
    };
    loops = [
      `for (var k${a} = 0u; k${a} < p.k_${a}; k${a}++) {`,
      ...indent(lane('a')),
      ...indent(lane('b')),
      `  if (!any(v${a}a) && !any(v${a}b)) { continue; }`,
      ...indent(loops),
      '}',
    ];
  }
  const body = [
    ...lanes,
    '',
    ...mainHeader('64'),
    ...indent([
      'let p = params;',
      ...registerPrologue('p.cog', 'p.size_n', 'g', 'p.groups'),
      'let lo = lanes(n0, g);',
      'let hi = lanes(n0 + 4u, g);',
      ...axes.flatMap((a) => [`let s${a} = vec4<i32>(i32(p.s_${a}));`, `let n${a} = vec4<i32>(i32(p.i_${a}));`]),
      'let wg0 = g * p.cig * p.w_i;',
      clampedRows('wLo', 'wg0', 'm0', 'p.cog - 1u', 'p.w_o'),
      clampedRows('wHi', 'wg0', 'm0 + 4u', 'p.cog - 1u', 'p.w_o'),
      '// cL<i> / cR<i>: channel m0 + i at positions n0 … n0+3 / n0+4 … n0+7.',
      ...blockAccumulators(),
      'let zero = vec4<f32>(0.0);',
      ...loops,
      ...blockStores(outputStore(axes)),
    ]),
    '}',
  ].join('\n');
  return {
    label: 'im2col-gemm',
    storage: k.storage,
    overrides: { WG_ROWS: 4 },
    uniforms: uniforms(k.rank, false),
    bindings: DATA,
    modules: ['activation', 'grid'],
    body,
  };
}

/**
 * The workgroup-tiled variant: k = tap·cig + ci (tap-major, so a K tile mostly shares one
 * tap). Per TILE_K step the workgroup stages the filter tile and the gathered input tile
 * (zero where a tap reaches no input) in workgroup memory, each along its contiguous axis
 * (ci when the filter's or the input's channel stride is 1). Workgroup w → group, then tile
 * row, then tile column. Staged zeros meet the weights, so this variant is for finite filters.
 */
export function tiledShader(k: TiledKey): ShaderSpec {
  checkKey('im2col-gemm:tiled', k as unknown as Record<string, string | number>);
  const axes = axisLetters(k.rank);
  const taps = ['let ci = k % p.cig;', 'var tap = k / p.cig;', ...splitAxes(axes, 'tap', 'k', (a) => `k${a}`)];
  const reach = axes.flatMap((a) => [
    `let e${a} = i32(o${a} + p.p_${a}) - i32(k${a} * p.d_${a});`,
    `let i${a} = e${a} / i32(p.s_${a});`,
  ]);
  const inside = axes
    .map((a) => `e${a} >= 0 && i${a} * i32(p.s_${a}) == e${a} && i${a} < i32(p.i_${a})`)
    .join(' &&\n    ');
  const stageA = stageLoop({ tile: 'A', size: 'p.cog', kSize: 'p.size_k' }, { kFast: 'p.w_i == 1u' }, [
    ...taps,
    `v = ld_weights(wg0 + ci * p.w_i + x * p.w_o + ${axes.map((a) => `k${a} * p.w_${a}`).join(' + ')});`,
  ]);
  const stageB = stageLoop({ tile: 'B', size: 'p.size_n', kSize: 'p.size_k' }, { kFast: 'p.x_c == 1u' }, [
    ...taps,
    'var rest = x;',
    ...splitAxes(axes, 'rest', 'o', (a) => `o${a}`),
    ...reach,
    `if (${inside}) {`,
    `  v = ld_input(rest * p.x_n + ig0 + ci * p.x_c + ${axes.map((a) => `u32(i${a}) * p.x_${a}`).join(' + ')});`,
    '}',
  ]);
  const body = [
    TILE_MEMORY,
    '',
    ...mainHeader('THREADS'),
    ...indent([
      'let p = params;',
      ...tiledPrologue('p.cog', 'p.size_n', 'g', 'p.groups'),
      'let wg0 = g * p.cig * p.w_i;',
      'let ig0 = g * p.cig * p.x_c;',
      ...tiledLoop('p.size_k', [...stageA, ...stageB]),
      ...tiledStores(outputStore(axes)),
    ]),
    '}',
  ].join('\n');
  return {
    label: 'im2col-gemm:tiled',
    storage: k.storage,
    overrides: TILE_OVERRIDES,
    uniforms: uniforms(k.rank, true),
    bindings: DATA,
    modules: ['activation', 'grid'],
    body,
  };
}
