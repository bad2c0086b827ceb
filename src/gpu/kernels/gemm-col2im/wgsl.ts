/**
 * WGSL of gemm-col2im's second pass, col2im, generated per spatial rank: sums the columns of
 * the GEMM into the output, then adds the bias and applies the activation (the fused
 * epilogue). The first pass is the strided GEMM (../gemm/).
 *
 * Column buffer, one matrix per slice of the chunk (slice b = slice0 + local, group
 * g = b / batch, image nb = b % batch):
 *
 *   col[(local·m_rows + m)·n_cols + n],  m = co·m_co + Σ_L k_L·m_L,  n = Σ_L (i_L − lo_L)·cs_L
 *
 * (cs of the last axis is 1), holding Σ_ci W[g·cig + ci, co, taps] · X[nb, g·cig + ci, i] for
 * the input positions i of the chunk's window [lo_L, hi_L) on each axis (the whole axis but
 * on the outermost one when a chunk takes a band). Output, any layout by strides:
 *
 *   out[nb·y_n + (g·cog + co)·y_c + Σ_L o_L·y_L] = act(bias[g·cog + co] + Σ col(co, k, i))
 *
 * over the taps with o_L + p_L = i_L·s_L + k_L·d_L on every axis (shaders/lib/taps.wgsl).
 * Outputs no tap reaches get act(bias). Each output is summed in a fixed tap order by one
 * thread: deterministic, no atomics. Nothing but real (input, tap) products is summed, so
 * the IEEE rule holds whatever the filter holds.
 *
 * One thread per 4 outputs of one (slice, co, position on the outer axes) in the same stride
 * phase of the last axis: ox = ox0 + j·s_w (j = 0 … 3), so the taps that reach them are the
 * same for all 4 and their inputs are 4 consecutive positions. The outputs of the chunk's
 * band [ob_L, ob_L + on_L) are covered phase by phase, with `blocks` blocks per phase (some
 * empty); only min(s_w, on_w) phases have outputs, so a stride larger than the band spends no
 * threads. Threads are ordered block fastest, then the outer axes, then the channel, then the
 * slice; with channels last the channel is fastest, so neighbouring threads write
 * neighbouring elements.
 */
import { checkKey, flatMain, type ShaderSpec } from '../../shader/compose.js';
import type { Storage } from '../../shader/storage.js';
import { axisLetters, axisNames } from '../../math.js';
import { indent } from '../gemm/wgsl.js';

/** The key of the col2im pass. */
export interface Col2imKey {
  rank: number;
  storage: Storage;
}

/** Uniforms of the col2im pass at a rank. */
export function col2imUniforms(rank: number): string[] {
  const outer = axisLetters(rank).slice(0, -1);
  return [
    'total',
    'slice0',
    'batch',
    'cog',
    'm_rows',
    'm_co',
    'n_cols',
    'phases',
    'blocks',
    'channels_last',
    'y_n',
    'y_c',
    ...axisNames(rank, ['k', 's', 'd', 'p', 't', 'e', 'y', 'm', 'lo', 'hi', 'ob', 'on']),
    ...outer.map((a) => `cs_${a}`),
  ];
}

/** The col2im pass at a rank and storage (the column buffer is float32). */
export function col2imShader(k: Col2imKey): ShaderSpec {
  checkKey('gemm-col2im:col2im', k as unknown as Record<string, string | number>);
  const outer = axisLetters(k.rank).slice(0, -1);
  const index = [
    'var rest = t;',
    'var co = 0u;',
    'if (p.channels_last == 1u) {',
    '  co = rest % p.cog;',
    '  rest = rest / p.cog;',
    '}',
    'let slot = rest % (p.phases * p.blocks);',
    'rest = rest / (p.phases * p.blocks);',
    ...[...outer].reverse().flatMap((a) => [`let o${a} = p.ob_${a} + rest % p.on_${a};`, `rest = rest / p.on_${a};`]),
    'if (p.channels_last == 0u) {',
    '  co = rest % p.cog;',
    '  rest = rest / p.cog;',
    '}',
    'let local = rest;',
    'let ox0 = p.ob_w + slot / p.blocks + (slot % p.blocks) * 4u * p.s_w;',
    'let oxEnd = p.ob_w + p.on_w;',
    'if (ox0 >= oxEnd) { return; }',
    'let b = p.slice0 + local;',
    'let g = b / p.batch;',
    'let nb = b % p.batch;',
    'let colBase = (local * p.m_rows + co * p.m_co) * p.n_cols;',
  ];
  // Per axis: the full-result coordinate q, its phase's first tap and that tap's input index.
  const taps: string[] = [];
  for (const a of outer) {
    taps.push(
      `let q${a} = o${a} + p.p_${a};`,
      `let k${a}0 = first_tap(q${a} % p.s_${a}, p.d_${a}, p.s_${a}, p.k_${a}, p.t_${a});`,
      `let i${a}0 = (i32(q${a}) - i32(k${a}0 * p.d_${a})) / i32(p.s_${a});`,
    );
  }
  taps.push(
    'let qw = ox0 + p.p_w;',
    'let kw0 = first_tap(qw % p.s_w, p.d_w, p.s_w, p.k_w, p.t_w);',
    '// Inputs of the 4 outputs for the first reaching tap: ox0 + j·s_w reads iw + j.',
    'let iw0 = vec4<i32>((i32(qw) - i32(kw0 * p.d_w)) / i32(p.s_w)) + vec4<i32>(0, 1, 2, 3);',
  );
  const rowBase = outer.length ? `r${outer[outer.length - 1]}` : 'colBase';
  // The last axis's taps: 4 columns at once; the input index falls by e_w per tap.
  let loops = [
    'var iw = iw0;',
    'let low = vec4<i32>(i32(p.lo_w));',
    'for (var kw = kw0; kw < p.k_w; kw += p.t_w) {',
    '  if (all(iw < vec4<i32>(0))) { break; }',
    '  let valid = (iw >= low) & (iw < vec4<i32>(i32(p.hi_w)));',
    '  if (any(valid)) {',
    `    let at = vec4<u32>(${rowBase} + kw * p.m_w * p.n_cols) + vec4<u32>(select(vec4<i32>(0), iw - low, valid));`,
    '    sum += select(vec4<f32>(0.0), vec4<f32>(col[at.x], col[at.y], col[at.z], col[at.w]), valid);',
    '  }',
    '  iw -= vec4<i32>(i32(p.e_w));',
    '}',
  ];
  // Each outer axis's taps around it, innermost first: inputs outside the window add nothing.
  for (let j = outer.length - 1; j >= 0; j--) {
    const a = outer[j]!;
    const prev = j === 0 ? 'colBase' : `r${outer[j - 1]}`;
    loops = [
      `var i${a} = i${a}0;`,
      `for (var k${a} = k${a}0; k${a} < p.k_${a} && i${a} >= 0; k${a} += p.t_${a}) {`,
      `  if (i${a} >= i32(p.lo_${a}) && i${a} < i32(p.hi_${a})) {`,
      `    let r${a} = ${prev} + k${a} * p.m_${a} * p.n_cols + u32(i${a} - i32(p.lo_${a})) * p.cs_${a};`,
      ...indent(loops, 2),
      '  }',
      `  i${a} -= i32(p.e_${a});`,
      '}',
    ];
  }
  const row = ['nb * p.y_n', 'c * p.y_c', ...outer.map((a) => `o${a} * p.y_${a}`)].join(' + ');
  const body = flatMain('t', [
    'let p = params;',
    ...index,
    ...taps,
    'var sum = vec4<f32>(0.0);',
    ...loops,
    'let c = g * p.cog + co;',
    'let bc = ld_bias(c);',
    `let row = ${row};`,
    '// Stops before an output past the band (compared by difference: ox + s_w may pass 2^32).',
    'var ox = ox0;',
    'for (var j = 0u; j < 4u; j++) {',
    '  st_output(row + ox * p.y_w, activate(sum[j] + bc));',
    '  if (oxEnd - ox <= p.s_w) { break; }',
    '  ox += p.s_w;',
    '}',
  ]);
  return {
    label: 'gemm-col2im:col2im',
    storage: k.storage,
    uniforms: col2imUniforms(k.rank),
    bindings: [
      { name: 'col', kind: 'f32', access: 'read' },
      { name: 'bias', kind: 'data', access: 'read' },
      { name: 'output', kind: 'data', access: 'read_write' },
    ],
    modules: ['activation', 'taps', 'grid'],
    body,
  };
}
