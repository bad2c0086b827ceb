/**
 * WGSL of the subpixel kernel, generated per variant: register blocks of C channels × R rows
 * × P pixels (any spatial rank), the depthwise variant and the workgroup-tiled one. The
 * generator only ever receives validated integers and words (the variant key).
 *
 * Index math, per axis: output coordinate o is full-result coordinate q = o + padBegin and
 * receives input i through tap k exactly when q = i·s + k·d (shaders/lib/taps.wgsl), so each
 * thread visits only its phase's taps: no inserted zero is multiplied.
 *
 * Register variant: one thread computes C output channels (co0 … co0+C−1 of one group) × P
 * same-phase pixels ox = x0 + (P·xb + j)·s_w of one row (R = 2: of two same-phase rows
 * oh, oh + s_h). For a tap those P pixels read P consecutive input columns, so each input
 * value feeds C channels and each weight P pixels: C + P loads per C·P multiply-adds, no
 * workgroup memory and no barriers. Blocks are unrolled here rather than written as loops
 * over arrays because accumulators in an array indexed by a loop variable live in memory
 * on SwiftShader and ran slower than named ones. Thread t = cb + ncb·(xb + b_w·(J + ·(n +
 * batch·P))) with J the row slots (h fastest) and P the phases (w fastest): grouping
 * threads by phase keeps one phase's weights in cache while its threads run. All index math
 * is u32/i32.
 */
import { checkKey, flatMain, mainHeader, type ShaderSpec } from '../../shader/compose.js';
import type { Storage } from '../../shader/storage.js';
import { axisLetters, axisNames } from '../../math.js';

/** The key of the register variant. */
export interface RegisterKey {
  variant: 'register';
  rank: number;
  storage: Storage;
  /** Mask products, not inputs, at borders (filters that may hold ±∞ or NaN). */
  guard: boolean;
  channels: 4 | 8;
  pixels: 4 | 8;
  rows: 1 | 2;
}

/** The key of the depthwise variant (one channel per group, 8 pixels per thread). */
export interface DepthwiseKey {
  variant: 'depthwise';
  rank: number;
  storage: Storage;
  guard: boolean;
}

/** The key of the tiled variant (implicit GEMM per phase; tile sizes are override constants). */
export interface TiledKey {
  variant: 'tiled';
  rank: number;
  storage: Storage;
}

/** Any subpixel variant key. */
export type SubpixelKey = RegisterKey | DepthwiseKey | TiledKey;

const DATA = [
  { name: 'input', kind: 'data', access: 'read' },
  { name: 'weights', kind: 'data', access: 'read' },
  { name: 'bias', kind: 'data', access: 'read' },
  { name: 'output', kind: 'data', access: 'read_write' },
] as const;

const LANES = ['x', 'y', 'z', 'w'];

/** `vec4<f32>(f(e.x), f(e.y), …)` over the first `lanes` lanes of `e`. */
function gather(lanes: number, e: string, f: (lane: string) => string): string {
  return `vec${lanes}<f32>(${LANES.slice(0, lanes)
    .map((l) => f(`${e}.${l}`))
    .join(', ')})`;
}

/** The geometry uniforms every subpixel variant reads. */
function geometryMembers(rank: number): string[] {
  return [
    'batch',
    'groups',
    'cig',
    'cog',
    'cout',
    'x_n',
    'x_c',
    'y_n',
    'y_c',
    'w_i',
    'w_o',
    ...axisNames(rank, ['i', 'o', 'k', 's', 'd', 'p', 't', 'x', 'y', 'w']),
  ];
}

/** The tap loop header of an outer axis L: visits the phase's taps whose input index is inside. */
function tapLoop(L: string, inner: string[], xr: string, wr: string): string[] {
  return [
    `for (var k${L} = k${L}0; k${L} < params.k_${L}; k${L} += params.t_${L}) {`,
    `  let e${L} = i32(q${L}) - i32(k${L} * params.d_${L});`,
    `  if (e${L} < 0) { break; }`,
    `  let i${L} = u32(e${L}) / params.s_${L};`,
    `  if (i${L} >= params.i_${L}) { continue; }`,
    `  let xr${L} = ${xr} + i${L} * params.x_${L};`,
    `  let wr${L} = ${wr} + k${L} * params.w_${L};`,
    ...inner.map((l) => `  ${l}`),
    '}',
  ];
}

/** Indents lines by `n` levels of two spaces. */
function indent(lines: string[], n: number): string[] {
  const pad = '  '.repeat(n);
  return lines.map((l) => (l.length ? pad + l : l));
}

/** One group of pixels of a block: a vector of input indices `idx` (3 or 4 lanes) and its validity vector. */
interface Pixels {
  idx: string;
  lanes: number;
  valid: string;
}

/**
 * The channel loop of a block: for c over the group's input channels (each thread starting
 * at its own c0 and wrapping around, see below), loads each pixel group's inputs and each
 * channel group's weights and adds their products to `target(pixelGroup, lane, channelGroup)`.
 * `mask`: 'input' zeroes inputs outside (finite weights), 'product' drops the products
 * instead (so 0 × ∞ never happens), 'none' for blocks known to be inside.
 */
function channelLoop(
  pixels: Pixels[],
  channelGroups: number,
  target: (p: number, lane: number, h: number) => string,
  mask: 'none' | 'input' | 'product',
): string[] {
  const lines: string[] = ['for (var c = 0u; c < cig; c++) {'];
  pixels.forEach((p, i) => {
    const load = gather(p.lanes, p.idx, (e) => `ld_input(${e} + xo)`);
    lines.push(
      mask === 'input'
        ? `  let xv${i} = select(vec${p.lanes}<f32>(0.0), ${load}, ${p.valid});`
        : `  let xv${i} = ${load};`,
    );
  });
  for (let h = 0; h < channelGroups; h++) {
    lines.push(`  let wv${h} = ${gather(4, `wb${h}`, (e) => `ld_weights(${e} + wo)`)};`);
  }
  pixels.forEach((p, i) => {
    for (let lane = 0; lane < p.lanes; lane++) {
      for (let h = 0; h < channelGroups; h++) {
        const product = `xv${i}.${LANES[lane]} * wv${h}`;
        lines.push(
          mask === 'product'
            ? `  ${target(i, lane, h)} += select(vec4<f32>(0.0), ${product}, ${p.valid}.${LANES[lane]});`
            : `  ${target(i, lane, h)} += ${product};`,
        );
      }
    }
  });
  lines.push('  xo = select(xo + x_c, 0u, c == cwrap);', '  wo = select(wo + w_i, 0u, c == cwrap);', '}');
  return lines;
}

/** Declares zeroed vec4 accumulators. */
function accumulators(names: string[]): string[] {
  return names.map((n) => `var ${n} = vec4<f32>(0.0);`);
}

/** Accumulator of block row r, pixel p, channel group h: a0…a7 for channels 0–3, b0…b7 for 4–7. */
function acc(P: number, r: number, p: number, h: number): string {
  return `${h === 0 ? 'a' : 'b'}${r * P + p}`;
}

/** The column-tap loop of a register block: its pixel groups, border cases and channel loops. */
function columnLoop(k: RegisterKey): string[] {
  const { pixels: P, channels: C, rows: R } = k;
  const groups = P / 4;
  const H = C / 4;
  const rowNames = R === 1 ? ['xrow'] : ['rowa', 'rowb'];
  const lines: string[] = [
    'for (var kw = kw0; kw < params.k_w; kw += params.t_w) {',
    '  let ixb = (i32(r0) - i32(kw * params.d_w)) / i32(params.s_w);',
    `  if (ixb + ${P - 1} < 0) { break; }`,
    '  if (ixb > iwm) { continue; }',
  ];
  for (let g = 0; g < groups; g++) {
    lines.push(
      `  let xs${g} = vec4<i32>(ixb) + vec4<i32>(${4 * g}, ${4 * g + 1}, ${4 * g + 2}, ${4 * g + 3});`,
      `  let vc${g} = (xs${g} >= vec4<i32>(0)) & (xs${g} <= vec4<i32>(iwm));`,
      `  let xc${g} = vec4<u32>(clamp(xs${g}, vec4<i32>(0), vec4<i32>(iwm))) * x_w;`,
    );
  }
  const pix: Pixels[] = [];
  rowNames.forEach((row, r) => {
    for (let g = 0; g < groups; g++) {
      const valid = R === 1 ? `vc${g}` : `(vc${g} & vec4<bool>(${r === 0 ? 'va' : 'vb'}))`;
      lines.push(`  let ib${r}${g} = vec4<u32>(${row}) + xc${g};`);
      pix.push({ idx: `ib${r}${g}`, lanes: 4, valid });
    }
  });
  lines.push('  let wk = wrow + kw * params.w_w;');
  for (let h = 0; h < H; h++) lines.push(`  let wb${h} = vec4<u32>(wk) + cols${h} * params.w_o;`);
  lines.push('  var xo = c0 * x_c;', '  var wo = c0 * w_i;');
  const target = (i: number, lane: number, h: number) => acc(P, Math.floor(i / groups), (i % groups) * 4 + lane, h);
  const allIn = [...Array(groups).keys()].map((g) => `all(vc${g})`).join(' && ');
  const inside = R === 1 ? allIn : `${allIn} && va && vb`;
  lines.push(`  if (${inside}) {`, ...indent(channelLoop(pix, H, target, 'none'), 2));
  if (R === 2) lines.push(...indent(rowPairBorders(H), 1));
  lines.push(
    '  } else {',
    `    // A border block: pixels whose input is outside add nothing.`,
    ...indent(channelLoop(pix, H, target, k.guard ? 'product' : 'input'), 2),
    '  }',
    '}',
  );
  return lines;
}

/**
 * The two partial blocks of the 2-row × 4-pixel block (shapes measured faster than a masked
 * 2 × 4 on small inputs): one row inside with every column (a 1 × 4 block, 12 loads per 32
 * multiply-adds), and three columns inside (a 2 × 3 block, 14 loads per 48, shifted by one when
 * the first is outside; a row outside is computed from a clamped row and dropped).
 */
function rowPairBorders(H: number): string[] {
  const temps = (n: number) => [...Array(n).keys()].flatMap((i) => [...Array(H).keys()].map((h) => tmp(i, h)));
  const tmp = (i: number, h: number) => `${h === 0 ? 't' : 'u'}${i}`;
  const add = (to: (p: number, h: number) => string, from: number[], pixelsAt: number[]) =>
    pixelsAt.flatMap((p, j) => [...Array(H).keys()].map((h) => `${to(p, h)} += ${tmp(from[j]!, h)};`)).join(' ');
  const one: Pixels[] = [{ idx: 'ir', lanes: 4, valid: '' }];
  const three: Pixels[] = [
    { idx: 'i3a', lanes: 3, valid: '' },
    { idx: 'i3b', lanes: 3, valid: '' },
  ];
  const row = (r: number) => (p: number, h: number) => acc(4, r, p, h);
  return [
    '} else if (all(vc0) && va != vb) {',
    '  let ir = select(ib10, ib00, va);',
    ...indent(accumulators(temps(4)), 1),
    ...indent(
      channelLoop(one, H, (_i, lane, h) => tmp(lane, h), 'none'),
      1,
    ),
    `  if (va) { ${add(row(0), [0, 1, 2, 3], [0, 1, 2, 3])} }`,
    `  else { ${add(row(1), [0, 1, 2, 3], [0, 1, 2, 3])} }`,
    '} else if (vc0.x != vc0.w && vc0.y && vc0.z) {',
    '  let shift = !vc0.x;',
    '  let xc3 = select(xc0.xyz, xc0.yzw, shift);',
    '  let i3a = vec3<u32>(rowa) + xc3;',
    '  let i3b = vec3<u32>(rowb) + xc3;',
    ...indent(accumulators(temps(6)), 1),
    ...indent(
      channelLoop(three, H, (i, lane, h) => tmp(3 * i + lane, h), 'none'),
      1,
    ),
    `  if (va && shift) { ${add(row(0), [0, 1, 2], [1, 2, 3])} }`,
    `  else if (va) { ${add(row(0), [0, 1, 2], [0, 1, 2])} }`,
    `  if (vb && shift) { ${add(row(1), [3, 4, 5], [1, 2, 3])} }`,
    `  else if (vb) { ${add(row(1), [3, 4, 5], [0, 1, 2])} }`,
  ];
}

/** The output stores of a register block. */
function registerStores(k: RegisterKey, outer: string[]): string[] {
  const { pixels: P, channels: C, rows: R } = k;
  const lines: string[] = [
    'let co0 = grp * params.cog + cl0;',
    `let nco = min(${C}u, params.cog - cl0);`,
    'let xs = x0 + xb * ' + P + 'u * params.s_w;',
    'let bv0 = bias4(co0);',
  ];
  if (C === 8) {
    lines.push('let bv1 = bias4(co0 + 4u);', 'let nco0 = min(nco, 4u);', 'let nco1 = select(0u, nco - 4u, nco > 4u);');
  } else {
    lines.push('let nco0 = nco;');
  }
  const rowBase = (r: number) =>
    [
      'n * params.y_n',
      ...outer.map((L) => `${r === 1 && L === outer[outer.length - 1] ? `${L}b` : `o${L}`} * params.y_${L}`),
    ].join(' + ');
  for (let r = 0; r < R; r++) {
    const stores = [`let yr${r} = ${rowBase(r)};`];
    for (let p = 0; p < P; p++) {
      for (let h = 0; h < C / 4; h++) {
        stores.push(
          `store4(yr${r}, xs + ${p}u * params.s_w, co0${h ? ' + 4u' : ''}, nco${h}, ${acc(P, r, p, h)}, bv${h});`,
        );
      }
    }
    if (r === 1)
      lines.push(`if (${outer[outer.length - 1]}b < params.o_${outer[outer.length - 1]}) {`, ...indent(stores, 1), '}');
    else lines.push(...stores);
  }
  return lines;
}

/**
 * Decomposes the thread index: channel block, column block, the row slots of the outer axes
 * (innermost first), the image, then the phases (last axis first). Returns the lines and
 * leaves `o<L>` (and `<L>b` for the second row of a row pair) for every outer axis.
 */
function threadIndex(outer: string[], rows: number): string[] {
  const lines = [
    'let cb = t % params.ncb;',
    'var rest = t / params.ncb;',
    'let xb = rest % params.b_w;',
    'rest = rest / params.b_w;',
  ];
  const inner = [...outer].reverse();
  for (const L of inner) lines.push(`let j${L} = rest % params.b_${L};`, `rest = rest / params.b_${L};`);
  lines.push(
    'let n = rest % params.batch;',
    'rest = rest / params.batch;',
    'let pw = rest % params.s_w;',
    'rest = rest / params.s_w;',
  );
  for (const L of inner) lines.push(`let p${L} = rest % params.s_${L};`, `rest = rest / params.s_${L};`);
  const rowAxis = outer[outer.length - 1];
  for (const L of outer) {
    const pair = rows === 2 && L === rowAxis;
    lines.push(
      `let o${L} = p${L} + j${L} * ${pair ? '2u * ' : ''}params.s_${L};`,
      `if (o${L} >= params.o_${L}) { return; }`,
    );
    if (pair) lines.push(`let ${L}b = o${L} + params.s_${L};`);
    lines.push(
      `let q${L} = o${L} + params.p_${L};`,
      `let k${L}0 = first_tap(q${L} % params.s_${L}, params.d_${L}, params.s_${L}, params.k_${L}, params.t_${L});`,
    );
  }
  return lines;
}

/**
 * The prologue of the column axis for blocks of P pixels: the phase's first output column x0,
 * the full-result column r0 of the block's first pixel, and its first tap.
 */
function columnSetup(P: number): string[] {
  return [
    'let x0 = (pw + params.s_w - params.p_w % params.s_w) % params.s_w;',
    `let r0 = x0 + params.p_w + xb * ${P}u * params.s_w;`,
    'let kw0 = first_tap(r0 % params.s_w, params.d_w, params.s_w, params.k_w, params.t_w);',
    'let iwm = i32(params.i_w) - 1;',
  ];
}

/** The register variant. */
export function registerShader(k: RegisterKey): ShaderSpec {
  checkKey('subpixel', k as unknown as Record<string, string | number | boolean>);
  if (![4, 8].includes(k.channels) || ![4, 8].includes(k.pixels) || ![1, 2].includes(k.rows)) {
    throw new Error(`subpixel: no register block of ${k.channels} × ${k.rows} × ${k.pixels}`);
  }
  if (k.rows === 2 && (k.pixels !== 4 || k.channels !== 8 || k.rank < 2)) {
    throw new Error('subpixel: two-row blocks are 8 channels × 2 rows × 4 pixels, with a row axis');
  }
  const L = axisLetters(k.rank);
  const outer = L.slice(0, -1);
  const pairAxis = k.rows === 2 ? outer[outer.length - 1]! : null;
  const loopAxes = outer.filter((a) => a !== pairAxis);
  const P = k.pixels;
  const H = k.channels / 4;
  // The column loop sits inside the tap loops of the outer axes (the row axis of a row pair last).
  let inner = columnLoop(k);
  let xr = 'xr';
  let wr = 'wr';
  const nest = (body: string[]): string[] => {
    let out = body;
    for (let i = loopAxes.length - 1; i >= 0; i--) {
      const a = loopAxes[i]!;
      const prevX = i === 0 ? 'xr' : `xr${loopAxes[i - 1]}`;
      const prevW = i === 0 ? 'wr' : `wr${loopAxes[i - 1]}`;
      out = tapLoop(a, out, prevX, prevW);
    }
    return out;
  };
  if (loopAxes.length) {
    xr = `xr${loopAxes[loopAxes.length - 1]}`;
    wr = `wr${loopAxes[loopAxes.length - 1]}`;
  }
  if (pairAxis) {
    const a = pairAxis;
    inner = [
      `for (var k${a} = k${a}0; k${a} < params.k_${a}; k${a} += params.t_${a}) {`,
      `  // Row A reads i = e / s (e is a multiple of s by the phase), row B i + 1.`,
      `  let e${a} = i32(q${a}) - i32(k${a} * params.d_${a});`,
      `  if (e${a} + i32(params.s_${a}) < 0) { break; }`,
      `  let ia = e${a} / i32(params.s_${a});`,
      `  let va = ia >= 0 && ia <= i${a}m;`,
      `  let vb = ia + 1 >= 0 && ia + 1 <= i${a}m;`,
      '  if (!va && !vb) { continue; }',
      `  let rowa = ${xr} + u32(clamp(ia, 0, i${a}m)) * params.x_${a};`,
      `  let rowb = ${xr} + u32(clamp(ia + 1, 0, i${a}m)) * params.x_${a};`,
      `  let wrow = ${wr} + k${a} * params.w_${a};`,
      ...indent(inner, 1),
      '}',
    ];
  } else {
    inner = [`let xrow = ${xr};`, `let wrow = ${wr};`, ...inner];
  }
  const accNames: string[] = [];
  for (let r = 0; r < k.rows; r++)
    for (let h = 0; h < H; h++) for (let p = 0; p < P; p++) accNames.push(acc(P, r, p, h));
  const cols = [...Array(H).keys()].map(
    (h) => `let cols${h} = min(vec4<u32>(cl0 + ${4 * h}u) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(params.cog - 1u));`,
  );
  const body = [
    flatMain(
      't',
      [
        ...threadIndex(outer, k.rows),
        'let grp = cb / params.cbg;',
        `let cl0 = (cb % params.cbg) * ${k.channels}u;`,
        "// Channels past the group's end read a clamped weight and are never stored.",
        ...cols,
        'let ci0 = grp * params.cig;',
        ...columnSetup(P),
        ...(pairAxis ? [`let i${pairAxis}m = i32(params.i_${pairAxis}) - 1;`] : []),
        '// Loop bounds and strides in registers: a uniform read inside the loop is a load per iteration.',
        'let cig = params.cig;',
        'let x_c = params.x_c;',
        'let w_i = params.w_i;',
        'let x_w = params.x_w;',
        '// Each thread starts its input-channel loop at its own channel c0 and wraps around. With',
        "// packed filters a thread's weight rows lie cig floats apart; when cig is a power of two,",
        "// equal starts put every lane's rows in the same few L1 sets (conflict misses on a CPU adapter).",
        'let c0 = (cb * 16u) % cig;',
        'let cwrap = cig - 1u - c0;',
        'let xr = n * params.x_n + ci0 * params.x_c;',
        'let wr = ci0 * params.w_i;',
        ...accumulators(accNames),
        ...nest(inner),
        ...registerStores(k, outer),
      ],
      'WG',
    ),
  ].join('\n');
  return {
    label: 'subpixel',
    storage: k.storage,
    overrides: { WG: 64 },
    uniforms: [...geometryMembers(k.rank), 'cbg', 'ncb', ...axisNames(k.rank, ['b']), 'total'],
    bindings: DATA,
    modules: ['activation', 'taps', 'grid', 'store'],
    body,
  };
}

/**
 * The depthwise variant: one input and one output channel per group. A thread computes 8
 * same-phase pixels of one row of one channel; for a tap they read 8 consecutive input
 * columns and one weight (8 rather than 4 pixels: the set-up and the weight load are shared
 * by twice the pixels). There is no sum over channels, so no channel block and no tiles.
 * Thread t = xb + b_w·(pw + s_w·(row + rows·(c + groups·n))).
 */
export function depthwiseShader(k: DepthwiseKey): ShaderSpec {
  checkKey('subpixel:depthwise', k as unknown as Record<string, string | number | boolean>);
  const L = axisLetters(k.rank);
  const outer = L.slice(0, -1);
  const index = [
    'let xb = t % params.b_w;',
    'var rest = t / params.b_w;',
    'let pw = rest % params.s_w;',
    'rest = rest / params.s_w;',
  ];
  for (const a of [...outer].reverse()) {
    index.push(`let o${a} = rest % params.o_${a};`, `rest = rest / params.o_${a};`);
  }
  index.push('let c = rest % params.groups;', 'let n = rest / params.groups;');
  for (const a of outer) {
    index.push(
      `let q${a} = o${a} + params.p_${a};`,
      `let k${a}0 = first_tap(q${a} % params.s_${a}, params.d_${a}, params.s_${a}, params.k_${a}, params.t_${a});`,
    );
  }
  const masked = (xv: string, v: string) =>
    k.guard ? `select(vec4<f32>(0.0), ${xv} * wv, ${v})` : `select(vec4<f32>(0.0), ${xv}, ${v}) * wv`;
  let inner = [
    'for (var kw = kw0; kw < params.k_w; kw += params.t_w) {',
    '  let ixb = (i32(r0) - i32(kw * params.d_w)) / i32(params.s_w);',
    '  if (ixb + 7 < 0) { break; }',
    '  if (ixb > iwm) { continue; }',
    '  let wv = ld_weights(wrow + kw * params.w_w);',
    ...[0, 1].flatMap((g) => [
      `  let xs${g} = vec4<i32>(ixb) + vec4<i32>(${4 * g}, ${4 * g + 1}, ${4 * g + 2}, ${4 * g + 3});`,
      `  let v${g} = (xs${g} >= vec4<i32>(0)) & (xs${g} <= vec4<i32>(iwm));`,
      `  let xc${g} = vec4<u32>(xrow) + vec4<u32>(clamp(xs${g}, vec4<i32>(0), vec4<i32>(iwm))) * params.x_w;`,
      `  let xv${g} = ${gather(4, `xc${g}`, (e) => `ld_input(${e})`)};`,
      `  acc${g} += ${masked(`xv${g}`, `v${g}`)};`,
    ]),
    '}',
  ];
  const last = outer[outer.length - 1];
  inner = [`let xrow = xr${last ?? ''};`, `let wrow = wr${last ?? ''};`, ...inner];
  for (let i = outer.length - 1; i >= 0; i--) {
    inner = tapLoop(outer[i]!, inner, i === 0 ? 'xr' : `xr${outer[i - 1]}`, i === 0 ? 'wr' : `wr${outer[i - 1]}`);
  }
  const yrow = ['n * params.y_n', 'c * params.y_c', ...outer.map((a) => `o${a} * params.y_${a}`)].join(' + ');
  const body = [
    `// Output pixel ox of the row starting at element yr, when ox is inside.`,
    'fn store(yr: u32, ox: u32, v: f32, b: f32) {',
    '  if (ox < params.o_w) { st_output(yr + ox * params.y_w, activate(v + b)); }',
    '}',
    '',
    flatMain(
      't',
      [
        ...index,
        ...columnSetup(8),
        'let xr = n * params.x_n + c * params.x_c;',
        'let wr = c * params.w_i;',
        'var acc0 = vec4<f32>(0.0);',
        'var acc1 = vec4<f32>(0.0);',
        ...inner,
        'let b = ld_bias(c);',
        `let yr = ${yrow};`,
        'let ox = x0 + xb * 8u * params.s_w;',
        ...[0, 1, 2, 3, 4, 5, 6, 7].map(
          (j) => `store(yr, ox${j ? ` + ${j}u * params.s_w` : ''}, acc${j >> 2}.${LANES[j & 3]}, b);`,
        ),
      ],
      'WG',
    ),
  ].join('\n');
  return {
    label: 'subpixel:depthwise',
    storage: k.storage,
    overrides: { WG: 64 },
    uniforms: [...geometryMembers(k.rank), 'b_w', 'total'],
    bindings: DATA,
    modules: ['activation', 'taps', 'grid'],
    body,
  };
}

/**
 * The workgroup-tiled variant: each stride phase is an ordinary convolution of the input
 * with a sub-filter, run as an implicit GEMM C[m, co] = Σ_k A[k, m]·B[k, co] with m = (n,
 * positions of the phase), k = (taps of the phase, input channel), A the input (0 outside)
 * and B the weights. One dispatch covers every phase and group: workgroup
 * w = mt + nmt·(nt + nnt·(grp + groups·phase)). Each thread computes a 4 × 4 block of
 * (pixel, channel) outputs from TK-deep slices of A and B staged in workgroup memory (tile
 * sizes are override constants). input4 / weights4 view the same buffers as vec4s, for
 * staging four k at once when A_VEC / B_VEC = 1: with cig a multiple of 4, k = 4j … 4j+3 are
 * channels c … c+3 of one tap, one aligned vec4 when the channel stride is 1 (NHWC input; a
 * filter with input channels contiguous, as prepared layers pack it) and every other
 * stride, the group's first channel and the buffer size are multiples of 4 elements.
 */
export function tiledShader(k: TiledKey): ShaderSpec {
  checkKey('subpixel:tiled', k as unknown as Record<string, string | number | boolean>);
  const L = axisLetters(k.rank);
  const inner = [...L].reverse();
  // Per axis: its phase, its positions and taps; decomposing m and the tap index w fastest.
  const phases = ['var ph = rest;'];
  for (const a of inner) {
    phases.push(
      `let a${a} = phase_axis(ph % params.s_${a}, params.s_${a}, params.d_${a}, params.k_${a}, params.t_${a}, params.p_${a}, params.o_${a});`,
      `ph = ph / params.s_${a};`,
    );
  }
  const plane = L.map((a) => `a${a}.count`).join(' * ');
  const taps = L.map((a) => `a${a}.taps`).join(' * ');
  // Splits a linear index (positions or taps of the phase) into one index per axis, w fastest.
  const split = (v: string, init: string, field: 'count' | 'taps', out: (a: string) => string) => {
    const lines = [`var ${v} = ${init};`];
    for (const a of inner) lines.push(`let ${out(a)} = ${v} % a${a}.${field};`, `${v} = ${v} / a${a}.${field};`);
    return lines;
  };
  const stageA = (vec: boolean) => {
    const count = vec ? 'TK * TM / 4u' : 'TK * TM';
    const gk = vec ? 'k0 + 4u * (e / TM)' : 'k0 + e / TM';
    const inputIndex = `n * params.x_n + (ci0 + c) * params.x_c + ${L.map((a) => `u32(i${a}) * params.x_${a}`).join(' + ')}`;
    return [
      `for (var e = lid; e < ${count}; e += nthreads) {`,
      '  let gm = mt * TM + e % TM;',
      `  let gk = ${gk};`,
      `  var v = ${vec ? 'vec4<f32>(0.0)' : '0.0'};`,
      '  if (gm < m_total && gk < k_total) {',
      '    let c = gk % params.cig;',
      '    let n = gm / plane;',
      ...indent(
        split('pix', 'gm % plane', 'count', (a) => `m${a}`),
        2,
      ),
      ...indent(
        split('tap', 'gk / params.cig', 'taps', (a) => `t${a}`),
        2,
      ),
      ...L.map((a) => `    let i${a} = i32(m${a}) + a${a}.base - i32(t${a} * a${a}.e);`),
      `    if (${L.map((a) => `i${a} >= 0 && u32(i${a}) < params.i_${a}`).join(' && ')}) {`,
      vec ? `      v = ld4_input((${inputIndex}) / 4u);` : `      v = ld_input(${inputIndex});`,
      '    }',
      '  }',
      ...(vec
        ? [
            '  let at = 4u * (e / TM) * TM + e % TM;',
            '  As[at] = v.x;',
            '  As[at + TM] = v.y;',
            '  As[at + 2u * TM] = v.z;',
            '  As[at + 3u * TM] = v.w;',
          ]
        : ['  As[e] = v;']),
      '}',
    ];
  };
  const stageB = (vec: boolean) => {
    const count = vec ? 'TK * TN / 4u' : 'TK * TN';
    const gk = vec ? 'k0 + 4u * (e / TN)' : 'k0 + e / TN';
    const wIndex = `(ci0 + c) * params.w_i + col * params.w_o + ${L.map((a) => `(a${a}.k0 + t${a} * params.t_${a}) * params.w_${a}`).join(' + ')}`;
    return [
      `for (var e = lid; e < ${count}; e += nthreads) {`,
      '  let col = nt * TN + e % TN;',
      `  let gk = ${gk};`,
      `  var v = ${vec ? 'vec4<f32>(0.0)' : '0.0'};`,
      '  if (col < params.cog && gk < k_total) {',
      '    let c = gk % params.cig;',
      ...indent(
        split('tap', 'gk / params.cig', 'taps', (a) => `t${a}`),
        2,
      ),
      vec ? `    v = ld4_weights((${wIndex}) / 4u);` : `    v = ld_weights(${wIndex});`,
      '  }',
      ...(vec
        ? [
            '  let at = 4u * (e / TN) * TN + e % TN;',
            '  Bs[at] = v.x;',
            '  Bs[at + TN] = v.y;',
            '  Bs[at + 2u * TN] = v.z;',
            '  Bs[at + 3u * TN] = v.w;',
          ]
        : ['  Bs[e] = v;']),
      '}',
    ];
  };
  const body = [
    'var<workgroup> As: array<f32, A_SIZE>;',
    'var<workgroup> Bs: array<f32, B_SIZE>;',
    '',
    ...mainHeader('WX, WY', true),
    ...indent(
      [
        'let w = workgroup_index(wid, nwg);',
        'if (w >= params.total_wg) { return; }',
        'let mt = w % params.nmt;',
        'var rest = w / params.nmt;',
        'let nt = rest % params.nnt;',
        'rest = rest / params.nnt;',
        'let grp = rest % params.groups;',
        'rest = rest / params.groups;',
        ...phases,
        `let plane = ${plane};`,
        'let m_total = params.batch * plane;',
        'if (mt * TM >= m_total) { return; }',
        `let k_total = ${taps} * params.cig;`,
        'let ci0 = grp * params.cig;',
        'let nthreads = WX * WY;',
        'var acc: array<vec4<f32>, 4>;',
        'for (var k0 = 0u; k0 < k_total; k0 += TK) {',
        '  if (A_VEC == 1u) {',
        ...indent(stageA(true), 2),
        '  } else {',
        ...indent(stageA(false), 2),
        '  }',
        '  if (B_VEC == 1u) {',
        ...indent(stageB(true), 2),
        '  } else {',
        ...indent(stageB(false), 2),
        '  }',
        '  workgroupBarrier();',
        '  for (var kk = 0u; kk < TK; kk++) {',
        '    let a = vec4<f32>(As[kk * TM + lid3.x], As[kk * TM + lid3.x + WX], As[kk * TM + lid3.x + 2u * WX],',
        '                      As[kk * TM + lid3.x + 3u * WX]);',
        '    let b = vec4<f32>(Bs[kk * TN + lid3.y], Bs[kk * TN + lid3.y + WY], Bs[kk * TN + lid3.y + 2u * WY],',
        '                      Bs[kk * TN + lid3.y + 3u * WY]);',
        '    acc[0] += a.x * b;',
        '    acc[1] += a.y * b;',
        '    acc[2] += a.z * b;',
        '    acc[3] += a.w * b;',
        '  }',
        '  workgroupBarrier();',
        '}',
        'for (var i = 0u; i < 4u; i++) {',
        '  let gm = mt * TM + lid3.x + i * WX;',
        '  if (gm >= m_total) { break; }',
        '  let n = gm / plane;',
        ...indent(
          split('pix', 'gm % plane', 'count', (a) => `m${a}`),
          1,
        ),
        `  let base = n * params.y_n + ${L.map((a) => `(a${a}.o0 + m${a} * params.s_${a}) * params.y_${a}`).join(' + ')};`,
        '  for (var j = 0u; j < 4u; j++) {',
        '    let col = nt * TN + lid3.y + j * WY;',
        '    if (col >= params.cog) { break; }',
        '    let co = grp * params.cog + col;',
        '    st_output(base + co * params.y_c, activate(acc[i][j] + ld_bias(co)));',
        '  }',
        '}',
      ],
      1,
    ),
    '}',
  ].join('\n');
  return {
    label: 'subpixel:tiled',
    storage: k.storage,
    overrides: {
      WX: 16,
      WY: 16,
      TK: 16,
      A_VEC: 0,
      B_VEC: 0,
      TM: 'WX * 4u',
      TN: 'WY * 4u',
      A_SIZE: 'TK * WX * 4u',
      B_SIZE: 'TK * WY * 4u',
    },
    uniforms: [...geometryMembers(k.rank), 'nmt', 'nnt', 'total_wg'],
    bindings: [{ ...DATA[0], vec4: true }, { ...DATA[1], vec4: true }, DATA[2], DATA[3]],
    modules: ['activation', 'taps', 'grid'],
    body,
  };
}
