/**
 * WGSL of the scatter kernel, generated per spatial rank and storage: the tap pass (input-
 * centred, 8 output channels × 8 input pixels per thread) and the fill pass. The generator
 * only ever receives validated integers and words (the variant key).
 *
 * Index math, per axis: input i with tap k reaches output o = i·s + k·d − padBegin. On one
 * axis, taps k and k′ can reach the same output from different inputs only when
 * (k − k′)·d ≡ 0 (mod s), that is k ≡ k′ (mod m), m = s / gcd(s, d). Pass (…, P_h, P_w) takes
 * taps k_a = P_a·m_a + c_a (0 ≤ c_a < m_a) on every axis a: no two of them collide, so within a
 * pass every output has one writer and no atomics are needed. The tap before k in its class,
 * k − m, reaches the same output from input i + e (e = d / gcd(s, d)), and the tap after,
 * k + m, from input i − e; the outputs' writers on one axis thus form a chain of consecutive
 * passes. Passes run in lexicographic order (outermost axis slowest), so a write is an
 * output's first when no axis has a tap before it (it then starts from the bias instead of
 * the running sum), and its last when no axis has a tap after it (it then applies the
 * activation and stores the result). Outputs no tap reaches are written by the fill pass.
 *
 * The running sum lives in the output itself (accumulate = 'output': float32 storage, or a
 * single pass where every write is both first and last) or in a float32 scratch the size of
 * the output (accumulate = 'scratch': float16 storage with several passes, where summing in
 * half precision across passes would round at every pass); the last write always goes
 * through st_output.
 *
 * Thread t → (column block of 8 inputs of the last axis, positions of the other axes
 * (innermost first), block of 8 output channels, group, image), columns fastest. Each thread
 * keeps 8 channels × 8 pixels in named registers (16 loads per 64 multiply-adds, the ratio
 * that decides speed on software adapters) and reads each input value once per tap. All index
 * math is u32/i32. Only (input, tap) pairs that really reach an output are stored, so an
 * inserted zero or the padding never meets a weight: no guarded variant is needed.
 */
import { checkKey, flatMain, type ShaderSpec } from '../../shader/compose.js';
import type { Storage } from '../../shader/storage.js';
import { axisLetters, axisNames } from '../../math.js';

/** The key of the tap pass. */
export interface ScatterKey {
  rank: number;
  storage: Storage;
  /** Where the running sum of an output lives between passes. */
  accumulate: 'output' | 'scratch';
}

/** The key of the fill pass. */
export interface FillKey {
  rank: number;
  storage: Storage;
}

const LANES = ['x', 'y', 'z', 'w'] as const;

/** Indents lines by `n` levels of two spaces. */
function indent(lines: string[], n: number): string[] {
  const pad = '  '.repeat(n);
  return lines.map((l) => (l.length ? pad + l : l));
}

/** `let` lines splitting `rest` into one index per axis of `axes` (innermost first), with sizes `size(a)`. */
function split(axes: readonly string[], name: (a: string) => string, size: (a: string) => string): string[] {
  return axes.flatMap((a) => [`let ${name(a)} = rest % ${size(a)};`, `rest = rest / ${size(a)};`]);
}

/**
 * The tap loop of an outer axis `a`: the pass's taps of that axis, skipping those whose output
 * lies outside, with the first/last flags and the output and weight offsets chained from the
 * enclosing axis (`prev`: its suffix, '' for the thread's own base values).
 */
function outerTapLoop(a: string, prev: string, inner: string[]): string[] {
  const chain = (name: string, op: string, term: string) => (prev ? `${name}${prev} ${op} ${term}` : term);
  return [
    `for (var c_${a} = 0u; c_${a} < params.m_${a}; c_${a}++) {`,
    `  let k_${a} = params.pass_${a} * params.m_${a} + c_${a};`,
    `  if (k_${a} >= params.k_${a}) { break; }`,
    `  let o_${a} = i32(pos_${a} * params.s_${a} + k_${a} * params.d_${a}) - i32(params.p_${a});`,
    `  if (o_${a} < 0 || o_${a} >= i32(params.o_${a})) { continue; }`,
    `  let first_${a} = ${chain('first_', '&&', `(k_${a} < params.m_${a} || pos_${a} + params.e_${a} >= params.i_${a})`)};`,
    `  let last_${a} = ${chain('last_', '&&', `(k_${a} + params.m_${a} >= params.k_${a} || pos_${a} < params.e_${a})`)};`,
    `  let y_${a} = ${chain('y_', '+', `u32(o_${a}) * params.y_${a}`)};`,
    `  let w_${a} = ${chain('w_', '+', `k_${a} * params.w_${a}`)};`,
    ...indent(inner, 1),
    '}',
  ];
}

/**
 * The tap loop of the last axis: per tap, which of the 8 pixels reach an output, the first/
 * last flags per pixel, the 8 × 8 products summed over the group's input channels, and the
 * writes. `outer` is the suffix of the innermost outer axis ('' at rank 1).
 */
function columnTapLoop(outer: string): string[] {
  const firstOuter = outer ? `first_${outer}` : 'true';
  const lastOuter = outer ? `last_${outer}` : 'true';
  const fmas: string[] = [];
  for (let c = 0; c < 8; c++) {
    const w = `w${c >> 2}.${LANES[c & 3]}`;
    fmas.push(`  aL${c} += ${w} * xl;`, `  aR${c} += ${w} * xr;`);
  }
  return [
    'for (var c_w = 0u; c_w < params.m_w; c_w++) {',
    '  let k_w = params.pass_w * params.m_w + c_w;',
    '  if (k_w >= params.k_w) { break; }',
    '  let shift = vec4<i32>(i32(k_w * params.d_w) - i32(params.p_w));',
    '  let oxLo = vec4<i32>(ixLo * params.s_w) + shift;',
    '  let oxHi = vec4<i32>(ixHi * params.s_w) + shift;',
    '  let hitLo = pixLo & (oxLo >= vec4<i32>(0)) & (oxLo < vec4<i32>(ow));',
    '  let hitHi = pixHi & (oxHi >= vec4<i32>(0)) & (oxHi < vec4<i32>(ow));',
    '  if (!any(hitLo) && !any(hitHi)) { continue; }',
    `  let fo = vec4<bool>(${firstOuter});`,
    `  let lo = vec4<bool>(${lastOuter});`,
    '  let firstLo = fo & (vec4<bool>(k_w < params.m_w) | noPrevLo);',
    '  let firstHi = fo & (vec4<bool>(k_w < params.m_w) | noPrevHi);',
    '  let lastLo = lo & (vec4<bool>(k_w + params.m_w >= params.k_w) | noNextLo);',
    '  let lastHi = lo & (vec4<bool>(k_w + params.m_w >= params.k_w) | noNextHi);',
    '  // aL<c> / aR<c>: output channel co0 + c of pixels ix0 … ix0+3 / ix0+4 … ix0+7.',
    ...[...Array(8).keys()].flatMap((c) => [`  var aL${c} = vec4<f32>(0.0);`, `  var aR${c} = vec4<f32>(0.0);`]),
    '  var xo = 0u;',
    `  var wo = ${outer ? `w_${outer} + ` : ''}k_w * params.w_w;`,
    '  for (var ci = 0u; ci < cig; ci++) {',
    '    let xl = vec4<f32>(ld_input(xLo.x + xo), ld_input(xLo.y + xo), ld_input(xLo.z + xo), ld_input(xLo.w + xo));',
    '    let xr = vec4<f32>(ld_input(xHi.x + xo), ld_input(xHi.y + xo), ld_input(xHi.z + xo), ld_input(xHi.w + xo));',
    '    let w0 = vec4<f32>(ld_weights(wLo.x + wo), ld_weights(wLo.y + wo), ld_weights(wLo.z + wo), ld_weights(wLo.w + wo));',
    '    let w1 = vec4<f32>(ld_weights(wHi.x + wo), ld_weights(wHi.y + wo), ld_weights(wHi.z + wo), ld_weights(wHi.w + wo));',
    ...indent(fmas, 1),
    '    xo += x_c;',
    '    wo += w_i;',
    '  }',
    `  let yb = ybase${outer ? ` + y_${outer}` : ''};`,
    '  // A loop, not 64 unrolled writes: each write inlines a read-modify-write (two atomics per',
    '  // packed float16 store), and unrolled, the epilogue made SwiftShader compile each pipeline',
    '  // (one per activation) 8–15× slower: 13–36 s against 1.5–2.4 s on a loaded 2-core host.',
    '  let accL = array<vec4<f32>, 8>(aL0, aL1, aL2, aL3, aL4, aL5, aL6, aL7);',
    '  let accR = array<vec4<f32>, 8>(aR0, aR1, aR2, aR3, aR4, aR5, aR6, aR7);',
    '  for (var i = 0u; i < 8u; i++) {',
    '    if (co0 + i >= cog) { break; }',
    '    let c = c0 + i;',
    '    let yc = yb + c * params.y_c;',
    '    for (var j = 0u; j < 8u; j++) {',
    '      let hi = j >= 4u;',
    '      let q = j % 4u;',
    '      if (select(hitLo[q], hitHi[q], hi)) {',
    '        let o = yc + u32(select(oxLo[q], oxHi[q], hi)) * params.y_w;',
    '        put(o, c, select(accL[i][q], accR[i][q], hi), select(firstLo[q], firstHi[q], hi), select(lastLo[q], lastHi[q], hi));',
    '      }',
    '    }',
    '  }',
    '}',
  ];
}

/**
 * The write of one output: `v` plus the bias on the output's first write, else plus its running
 * sum; on its last write activated and stored through st_output.
 */
function putFunctions(accumulate: ScatterKey['accumulate']): string {
  const read = accumulate === 'output' ? 'ld_output(o)' : 'sums[o]';
  const write = accumulate === 'output' ? 'st_output(o, s);' : 'sums[o] = s;';
  return `// Adds v to output element o of channel c: to the bias on the output's first write, else to
// its running sum; the last write applies the activation and stores the output.
fn put(o: u32, c: u32, v: f32, first: bool, last: bool) {
  var s = v;
  if (first) { s += ld_bias(c); } else { s += ${read}; }
  if (last) { st_output(o, activate(s)); } else { ${write} }
}`;
}

/** The tap pass of one (P_d, P_h, P_w) pass. */
export function scatterShader(k: ScatterKey): ShaderSpec {
  checkKey('scatter', k as unknown as Record<string, string | number | boolean>);
  if (!['output', 'scratch'].includes(k.accumulate)) throw new Error(`scatter: accumulate = ${k.accumulate}`);
  const L = axisLetters(k.rank);
  const outer = L.slice(0, -1);
  let loops = columnTapLoop(outer[outer.length - 1] ?? '');
  for (let i = outer.length - 1; i >= 0; i--) loops = outerTapLoop(outer[i]!, i === 0 ? '' : outer[i - 1]!, loops);
  const outerPos = (prefix: string) => outer.map((a) => ` + pos_${a} * params.${prefix}_${a}`).join('');
  const body = [
    putFunctions(k.accumulate),
    '',
    flatMain('t', [
      'let ix0 = (t % params.b_w) * 8u;',
      'var rest = t / params.b_w;',
      ...split(
        [...outer].reverse(),
        (a) => `pos_${a}`,
        (a) => `params.i_${a}`,
      ),
      'let co0 = (rest % params.cbg) * 8u;',
      'rest = rest / params.cbg;',
      'let grp = rest % params.groups;',
      'let n = rest / params.groups;',
      '// Loop bounds and strides in registers: a uniform read inside a loop is a load per iteration.',
      'let cig = params.cig;',
      'let cog = params.cog;',
      'let x_c = params.x_c;',
      'let w_i = params.w_i;',
      'let iw = params.i_w;',
      'let ow = i32(params.o_w);',
      'let step = vec4<u32>(0u, 1u, 2u, 3u);',
      '// Pixel lanes ix0 … ix0+3 (Lo) and ix0+4 … ix0+7 (Hi); lanes past the row read a clamped',
      '// input and are never written, as are channels past the group (clamped weights).',
      'let ixLo = vec4<u32>(ix0) + step;',
      'let ixHi = vec4<u32>(ix0 + 4u) + step;',
      'let pixLo = ixLo < vec4<u32>(iw);',
      'let pixHi = ixHi < vec4<u32>(iw);',
      `let xrow = n * params.x_n + grp * cig * x_c${outerPos('x')};`,
      'let xLo = vec4<u32>(xrow) + min(ixLo, vec4<u32>(iw - 1u)) * params.x_w;',
      'let xHi = vec4<u32>(xrow) + min(ixHi, vec4<u32>(iw - 1u)) * params.x_w;',
      'let wrow = grp * cig * w_i;',
      'let wLo = vec4<u32>(wrow) + min(vec4<u32>(co0) + step, vec4<u32>(cog - 1u)) * params.w_o;',
      'let wHi = vec4<u32>(wrow) + min(vec4<u32>(co0 + 4u) + step, vec4<u32>(cog - 1u)) * params.w_o;',
      '// Per pixel lane: is there no tap before (after) in its class, from input ix + e (ix − e)?',
      'let noPrevLo = ixLo + vec4<u32>(params.e_w) >= vec4<u32>(iw);',
      'let noPrevHi = ixHi + vec4<u32>(params.e_w) >= vec4<u32>(iw);',
      'let noNextLo = ixLo < vec4<u32>(params.e_w);',
      'let noNextHi = ixHi < vec4<u32>(params.e_w);',
      'let c0 = grp * cog + co0;',
      'let ybase = n * params.y_n;',
      ...loops,
    ]),
  ].join('\n');
  return {
    label: 'scatter',
    storage: k.storage,
    uniforms: [
      'groups',
      'cig',
      'cog',
      'cbg',
      'b_w',
      'total',
      'x_n',
      'x_c',
      'y_n',
      'y_c',
      'w_i',
      'w_o',
      ...axisNames(k.rank, ['i', 'o', 'k', 's', 'd', 'p', 'm', 'e', 'pass', 'x', 'y', 'w']),
    ],
    bindings: [
      { name: 'input', kind: 'data', access: 'read' },
      { name: 'weights', kind: 'data', access: 'read' },
      { name: 'bias', kind: 'data', access: 'read' },
      { name: 'output', kind: 'data', access: 'read_write' },
      ...(k.accumulate === 'scratch' ? [{ name: 'sums', kind: 'f32', access: 'read_write' } as const] : []),
    ],
    modules: ['activation', 'grid'],
    body,
  };
}

/**
 * The fill pass: act(bias) to every output that no (input, tap) pair reaches (a stride larger
 * than the dilated filter, output padding, or padding that crops), which the tap passes never
 * write. One thread per output element, t → (last axis fastest, other axes, channel, image);
 * an output is reached when its coordinate on every axis is. Touches nothing else, so it may
 * run before the tap passes.
 */
export function fillShader(k: FillKey): ShaderSpec {
  checkKey('scatter:fill', k as unknown as Record<string, string | number | boolean>);
  const L = axisLetters(k.rank);
  const reached = L.map(
    (a) =>
      `reached(pos_${a} + params.p_${a}, params.s_${a}, params.d_${a}, params.k_${a}, params.t_${a}, params.i_${a})`,
  ).join(' &&\n      ');
  const body = `// True when full-result coordinate f of an axis is reached by some (input, tap) pair. The
// taps that can reach f are k0, k0 + step, … (shaders/lib/taps.wgsl); tap k0 + i·step reads input
// top − i·e, top = (f − k0·d) / s, e = d / gcd(s, d), so f is reached when some i < taps puts that in [0, size).
fn reached(f: u32, s: u32, d: u32, k: u32, step: u32, size: u32) -> bool {
  let k0 = first_tap(f % s, d, s, k, step);
  if (k0 >= k || k0 * d > f) { return false; }
  let top = (f - k0 * d) / s;
  let e = d / (s / step);
  let taps = (k - k0 + step - 1u) / step;
  // The smallest i with top − i·e < size, and the largest with top − i·e ≥ 0.
  let lo = select(0u, (top - size + e) / e, top >= size);
  return lo <= min(taps - 1u, top / e);
}

${flatMain('t', [
  'var rest = t;',
  ...split(
    [...L].reverse(),
    (a) => `pos_${a}`,
    (a) => `params.o_${a}`,
  ),
  'let c = rest % params.cout;',
  'let n = rest / params.cout;',
  `if (${reached}) {`,
  '  return;',
  '}',
  `st_output(n * params.y_n + c * params.y_c${L.map((a) => ` + pos_${a} * params.y_${a}`).join('')}, activate(ld_bias(c)));`,
])}`;
  return {
    label: 'scatter:fill',
    storage: k.storage,
    uniforms: ['cout', 'total', 'y_n', 'y_c', ...axisNames(k.rank, ['i', 'o', 'k', 's', 'd', 'p', 't', 'y'])],
    bindings: [
      { name: 'bias', kind: 'data', access: 'read' },
      { name: 'output', kind: 'data', access: 'read_write' },
    ],
    modules: ['activation', 'taps', 'grid'],
    body,
  };
}
