/**
 * WGSL of the zero-insertion kernel, generated per spatial rank, storage and guard: the
 * upsampling pass and the direct convolution. The generator only ever receives validated
 * integers and words (the variant key).
 *
 * The scratch `up` is the zero-inserted, border-padded input in float32, channels first:
 * up[n·us_n + ci·us_c + Σ u_a·us_a] with us_a the strides of sizes U_a (./plan.ts).
 *
 * Pass `upsample` (one thread per input element, `up` zero-filled beforehand):
 *   up[n, ci, …, i_a·s_a + ub_a, …] = input[n, ci, …, i_a, …]   (when inside `up`)
 * with ub_a = d_a·(k_a − 1) − padBegin_a (negative = crop).
 * Pass `main` (one thread per 4 output channels × 4 consecutive outputs of the last axis):
 *   out[n, co, …, o_a, …] = act(bias[co] + Σ_{ci ∈ group(co)} Σ_{t}
 *       up[n, ci, …, o_a + t_a·d_a, …] · w[ci, co mod cog, …, k_a − 1 − t_a, …])
 * The output padding needs no special case: positions past the input are zeros in `up`.
 *
 * With finite weights the inserted zeros and the padding add nothing, so the plain variant
 * multiplies them, as the textbook method does. The guarded variant (filters that may hold
 * ±∞ or NaN) skips every tap of an outer axis that lands on an inserted zero or the padding
 * and masks the products (never the inputs) of the last axis's pixels that do: the full-result
 * coordinate of up position o + t·d is q = o + pad − (k − 1 − t)·d, a real input exactly when
 * q ≥ 0, q ≡ 0 (mod s) and q / s < in. All index math is u32/i32.
 */
import { checkKey, flatMain, type ShaderSpec } from '../../shader/compose.js';
import type { Storage } from '../../shader/storage.js';
import { axisLetters, axisNames } from '../../math.js';

/** The key of the upsampling pass. */
export interface UpsampleKey {
  rank: number;
  storage: Storage;
}

/** The key of the convolution pass. */
export interface ConvKey {
  rank: number;
  storage: Storage;
  /** Skip or mask the products of inserted zeros and padding (filters that may hold ±∞ or NaN). */
  guard: boolean;
}

/** Indents lines by `n` levels of two spaces. */
function indent(lines: string[], n: number): string[] {
  const pad = '  '.repeat(n);
  return lines.map((l) => (l.length ? pad + l : l));
}

/** `let` lines splitting `rest` into `pos_<a>` for the axes `axes` (innermost first), with sizes `params.<prefix>_<a>`. */
function split(axes: readonly string[], prefix: string): string[] {
  return axes.flatMap((a) => [`let pos_${a} = rest % params.${prefix}_${a};`, `rest = rest / params.${prefix}_${a};`]);
}

/** The upsampling pass. */
export function upsampleShader(k: UpsampleKey): ShaderSpec {
  checkKey('zero-insertion:upsample', k as unknown as Record<string, string | number | boolean>);
  const L = axisLetters(k.rank);
  const [last, ...others] = [...L].reverse();
  const lines = [
    '// t = position on the last axis + i_w·(other positions … + cin·n): writes to `up` run along rows.',
    `let pos_${last} = t % params.i_${last};`,
    `var rest = t / params.i_${last};`,
    ...split(others, 'i'),
    'let ci = rest % params.cin;',
    'let n = rest / params.cin;',
  ];
  for (const a of L) {
    lines.push(
      `let u_${a} = i32(pos_${a} * params.s_${a}) + params.ub_${a};`,
      `if (u_${a} < 0 || u32(u_${a}) >= params.u_${a}) { return; }`,
    );
  }
  const src = ['n * params.x_n', 'ci * params.x_c', ...L.map((a) => `pos_${a} * params.x_${a}`)].join(' + ');
  const dst = ['n * params.us_n', 'ci * params.us_c', ...L.map((a) => `u32(u_${a}) * params.us_${a}`)].join(' + ');
  lines.push(`up[${dst}] = ld_input(${src});`);
  return {
    label: 'zero-insertion:upsample',
    storage: k.storage,
    uniforms: [
      'cin',
      'total',
      'x_n',
      'x_c',
      'us_n',
      'us_c',
      ...axisNames(k.rank, ['i', 's', 'x', 'u', 'us']),
      ...axisNames(k.rank, ['ub']).map((name) => [name, 'i32'] as const),
    ],
    bindings: [
      { name: 'input', kind: 'data', access: 'read' },
      { name: 'up', kind: 'f32', access: 'read_write' },
    ],
    modules: ['grid'],
    body: flatMain('t', lines),
  };
}

/**
 * The tap loop of an outer axis `a` of the convolution: up offset and flipped weight offset
 * chained from the enclosing axis (`prev`: its suffix, '' for the thread's base), and under
 * guard a skip of taps whose up row is an inserted zero or padding.
 */
function outerTapLoop(a: string, prev: string, guard: boolean, inner: string[]): string[] {
  const chain = (name: string, term: string) => (prev ? `${name}${prev} + ${term}` : term);
  return [
    `for (var t_${a} = 0u; t_${a} < params.k_${a}; t_${a}++) {`,
    `  let kk_${a} = params.k_${a} - 1u - t_${a};`,
    ...(guard
      ? [
          `  let q_${a} = i32(pos_${a} + params.p_${a}) - i32(kk_${a} * params.d_${a});`,
          `  if (q_${a} < 0 || u32(q_${a}) % params.s_${a} != 0u || u32(q_${a}) / params.s_${a} >= params.i_${a}) { continue; }`,
        ]
      : []),
    `  let u_${a} = ${chain('u_', `t_${a} * params.d_${a} * params.us_${a}`)};`,
    `  let f_${a} = ${chain('f_', `kk_${a} * params.w_${a}`)};`,
    ...indent(inner, 1),
    '}',
  ];
}

/** The tap loop of the last axis: 4 up values (one per pixel) × 4 weights (one per channel). */
function columnTapLoop(outer: string, guard: boolean): string[] {
  const product = (lane: string) =>
    guard ? `select(vec4<f32>(0.0), xv.${lane} * wv, real.${lane})` : `xv.${lane} * wv`;
  return [
    'for (var t_w = 0u; t_w < params.k_w; t_w++) {',
    '  let kk_w = params.k_w - 1u - t_w;',
    ...(guard
      ? [
          '  let q = vec4<i32>(oxs + vec4<u32>(params.p_w)) - vec4<i32>(i32(kk_w * params.d_w));',
          '  let qu = vec4<u32>(q);',
          '  let sw = vec4<u32>(params.s_w);',
          '  let real = (q >= vec4<i32>(0)) & (qu % sw == vec4<u32>(0u)) & (qu / sw < vec4<u32>(params.i_w));',
          '  if (!any(real)) { continue; }',
        ]
      : []),
    `  let uo = urow + vec4<u32>(${outer ? `u_${outer} + ` : ''}t_w * params.d_w);`,
    `  let fo = frow + vec4<u32>(${outer ? `f_${outer} + ` : ''}kk_w * params.w_w);`,
    '  let xv = vec4<f32>(up[uo.x], up[uo.y], up[uo.z], up[uo.w]);',
    '  let wv = vec4<f32>(ld_weights(fo.x), ld_weights(fo.y), ld_weights(fo.z), ld_weights(fo.w));',
    `  a0 += ${product('x')};`,
    `  a1 += ${product('y')};`,
    `  a2 += ${product('z')};`,
    `  a3 += ${product('w')};`,
    '}',
  ];
}

/** The convolution pass. */
export function convShader(k: ConvKey): ShaderSpec {
  checkKey('zero-insertion', k as unknown as Record<string, string | number | boolean>);
  const L = axisLetters(k.rank);
  const outer = L.slice(0, -1);
  let taps = columnTapLoop(outer[outer.length - 1] ?? '', k.guard);
  for (let i = outer.length - 1; i >= 0; i--)
    taps = outerTapLoop(outer[i]!, i === 0 ? '' : outer[i - 1]!, k.guard, taps);
  const ubase = ['n * params.us_n', ...outer.map((a) => `pos_${a} * params.us_${a}`)].join(' + ');
  const ybase = ['n * params.y_n', ...outer.map((a) => `pos_${a} * params.y_${a}`)].join(' + ');
  const body = [
    flatMain('t', [
      '// t = cb + ncb·(xb + b_w·(outer positions, innermost first … + n)): the 4 pixels of a',
      '// thread read 4 consecutive `up` values.',
      'let cb = t % params.ncb;',
      'var rest = t / params.ncb;',
      'let xb = rest % params.b_w;',
      'rest = rest / params.b_w;',
      ...split([...outer].reverse(), 'o'),
      'let n = rest;',
      'let grp = cb / params.cbg;',
      'let cl0 = (cb % params.cbg) * 4u;',
      'let lanes = vec4<u32>(0u, 1u, 2u, 3u);',
      "// Channels past the group's end read a clamped weight, pixels past the row's end a",
      '// clamped `up` value; neither is stored.',
      'let cols = min(vec4<u32>(cl0) + lanes, vec4<u32>(params.cog - 1u));',
      'let ox0 = xb * 4u;',
      'let oxs = min(vec4<u32>(ox0) + lanes, vec4<u32>(params.o_w - 1u));',
      '// Loop bounds and strides in registers: a uniform read inside a loop is a load per iteration.',
      'let cig = params.cig;',
      'let us_c = params.us_c;',
      'let w_i = params.w_i;',
      `let ubase = ${ubase};`,
      'var a0 = vec4<f32>(0.0);',
      'var a1 = vec4<f32>(0.0);',
      'var a2 = vec4<f32>(0.0);',
      'var a3 = vec4<f32>(0.0);',
      'for (var cl = 0u; cl < cig; cl++) {',
      '  let ci = grp * cig + cl;',
      '  let urow = vec4<u32>(ubase + ci * us_c) + oxs;',
      '  let frow = vec4<u32>(ci * w_i) + cols * params.w_o;',
      ...indent(taps, 1),
      '}',
      'let co0 = grp * params.cog + cl0;',
      'let nco = min(4u, params.cog - cl0);',
      `let yrow = ${ybase};`,
      'let bv = bias4(co0);',
      'store4(yrow, ox0, co0, nco, a0, bv);',
      'store4(yrow, ox0 + 1u, co0, nco, a1, bv);',
      'store4(yrow, ox0 + 2u, co0, nco, a2, bv);',
      'store4(yrow, ox0 + 3u, co0, nco, a3, bv);',
    ]),
  ];
  return {
    label: 'zero-insertion',
    storage: k.storage,
    uniforms: [
      'cig',
      'cog',
      'cbg',
      'ncb',
      'b_w',
      'total',
      'us_n',
      'us_c',
      'y_n',
      'y_c',
      'w_i',
      'w_o',
      ...axisNames(k.rank, ['o', 'k', 'd', 'us', 'y', 'w', ...(k.guard ? ['i', 's', 'p'] : [])]),
    ],
    bindings: [
      { name: 'weights', kind: 'data', access: 'read' },
      { name: 'bias', kind: 'data', access: 'read' },
      { name: 'output', kind: 'data', access: 'read_write' },
      { name: 'up', kind: 'f32', access: 'read' },
    ],
    modules: ['activation', 'grid', 'store'],
    body: body.join('\n'),
  };
}
