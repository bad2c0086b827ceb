/**
 * WGSL of the GEMM family, generated: the pieces every GEMM-shaped kernel is built from
 * (the 8 × 8 register block and the workgroup tile, each with its prologue, its k step and
 * its epilogue), and the batched strided GEMM's two variants built from them. im2col-gemm
 * builds its variants from the same pieces with its own operand loads, so no line of a
 * block exists twice. The generators receive only validated integers and words.
 *
 * **Register block** (software adapters): each thread keeps an 8×8 block of C (rows m0 …
 * m0+7, columns n0 … n0+7) in registers and reads A and B straight from memory: 16 loads per
 * 64 multiply-adds, no workgroup memory and no barriers. On software adapters every
 * per-thread load is a gather (vec4 loads are split into 4 of them), barriers are costly,
 * and the ratio of multiply-adds to loads decides the speed: 8×8 beat 4×4 by ~1.4× on
 * SwiftShader, larger blocks spill. A workgroup of 64 threads covers WG_ROWS × (64 /
 * WG_ROWS) blocks, so neighbouring threads share rows of A and columns of B in cache.
 * Loads past M or N are clamped to the last row/column; their results are not stored.
 *
 * **Workgroup tile** (hardware adapters): a workgroup of (TILE_M/4)·(TILE_N/4) threads
 * computes a TILE_M × TILE_N tile of C; each thread keeps a 4×4 block in registers. Per step
 * of TILE_K, the workgroup stages A[tile, k … k+TILE_K) and B[k … k+TILE_K, tile] in
 * workgroup memory (zeros past the edges), so every global value is read once per tile
 * instead of once per thread. Neighbouring threads stage neighbouring addresses of the
 * contiguous axis, so global reads coalesce. Tile sizes are `override` constants
 * (multiples of 4).
 */
import { checkKey, mainHeader, type BindingSpec, type ShaderSpec } from '../../shader/compose.js';
import type { Storage } from '../../shader/storage.js';
import type { GemmVariant } from './plan.js';

const LANES = ['x', 'y', 'z', 'w'];

/** Indents lines by `n` levels of two spaces. */
export function indent(lines: readonly string[], n = 1): string[] {
  const pad = '  '.repeat(n);
  return lines.map((l) => (l.length ? pad + l : l));
}

/** `let name = base + min(start + (0, 1, 2, 3), last) · stride`: offsets of 4 rows, clamped to the last. */
export function clampedRows(name: string, base: string, start: string, last: string, stride: string): string {
  return `let ${name} = ${base} + min(vec4<u32>(${start}) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(${last})) * ${stride};`;
}

/** `vec4<f32>(load(at.x + off), …, load(at.w + off))`. */
export function gather4(load: string, at: string, off: string): string {
  return `vec4<f32>(${LANES.map((l) => `${load}(${at}.${l} + ${off})`).join(', ')})`;
}

/**
 * Start of a register-blocked `main`: workgroup w → batch entry `entry` = w / (wgM·wgN), then
 * block row, then block column. Leaves m0 and n0 (the block's first row and column) and
 * returns for threads whose block lies past M or N.
 */
export function registerPrologue(M: string, N: string, entry: string, entries: string): string[] {
  return [
    'let wgCols = 64u / WG_ROWS;',
    `let wgM = (${M} + 8u * WG_ROWS - 1u) / (8u * WG_ROWS);`,
    `let wgN = (${N} + 8u * wgCols - 1u) / (8u * wgCols);`,
    'let w = workgroup_index(wid, nwg);',
    `let ${entry} = w / (wgM * wgN);`,
    `if (${entry} >= ${entries}) { return; }`,
    'let r = w % (wgM * wgN);',
    'let m0 = ((r / wgN) * WG_ROWS + lid / wgCols) * 8u;',
    'let n0 = ((r % wgN) * wgCols + lid % wgCols) * 8u;',
    `if (m0 >= ${M} || n0 >= ${N}) { return; }`,
  ];
}

/** The 8 × 8 block's accumulators: cL<i> holds row i, columns 0–3; cR<i> columns 4–7. */
export function blockAccumulators(): string[] {
  return ['L', 'R'].flatMap((side) => [...Array(8).keys()].map((i) => `var c${side}${i} = vec4<f32>(0.0);`));
}

/**
 * The 64 multiply-adds of one k step: rows 0–3 of the block take their A values from the
 * lanes of a[0], rows 4–7 from a[1]; columns 0–3 are b[0], 4–7 b[1]. With `mask` (a
 * vec4<bool> per column half), products of masked columns are dropped rather than their
 * operands zeroed, so a zero never meets an infinite A value (0 × ∞ = NaN).
 */
export function blockFma(
  a: readonly [string, string],
  b: readonly [string, string],
  mask?: readonly [string, string],
): string[] {
  const lines: string[] = [];
  for (let i = 0; i < 8; i++) {
    const ai = `${a[i >> 2]}.${LANES[i & 3]}`;
    ['L', 'R'].forEach((side, h) => {
      const product = `${ai} * ${b[h]}`;
      lines.push(
        mask ? `c${side}${i} += select(vec4<f32>(0.0), ${product}, ${mask[h]});` : `c${side}${i} += ${product};`,
      );
    });
  }
  return lines;
}

/** How a block's epilogue names and bounds its rows and columns and stores a value. */
export interface BlockStore {
  /** Name of the row (m) and column (n) variables, and their exclusive bounds. */
  row: string;
  rowEnd: string;
  col: string;
  colEnd: string;
  /** Lines run once per stored row (they may use the row variable). */
  rowSetup: readonly string[];
  /** Lines that store the WGSL value `v` at the current row and column. */
  store: (v: string) => string[];
}

/** Stores a size × size block whose value at (i, j) is `value` (rows from m0, columns from n0), within the bounds. */
function storeLoop(size: number, value: string, s: BlockStore): string[] {
  return [
    `for (var i = 0u; i < ${size}u; i++) {`,
    `  let ${s.row} = m0 + i;`,
    `  if (${s.row} >= ${s.rowEnd}) { break; }`,
    ...indent(s.rowSetup),
    `  for (var j = 0u; j < ${size}u; j++) {`,
    `    let ${s.col} = n0 + j;`,
    `    if (${s.col} >= ${s.colEnd}) { break; }`,
    ...indent(s.store(value), 2),
    '  }',
    '}',
  ];
}

/** The epilogue of an 8 × 8 register block. */
export function blockStores(s: BlockStore): string[] {
  const list = (side: string) => [...Array(8).keys()].map((i) => `c${side}${i}`).join(', ');
  return [
    `let left = array<vec4<f32>, 8>(${list('L')});`,
    `let right = array<vec4<f32>, 8>(${list('R')});`,
    ...storeLoop(8, 'select(left[i][j % 4u], right[i][j % 4u], j >= 4u)', s),
  ];
}

/** Workgroup memory of a tile: [k][m] and [k][n], four consecutive m (n) per vec4. */
export const TILE_MEMORY = [
  'var<workgroup> tileA: array<vec4<f32>, TILE_K * TILE_M / 4u>;',
  'var<workgroup> tileB: array<vec4<f32>, TILE_K * TILE_N / 4u>;',
].join('\n');

/** The `override` constants of a tiled shader (defaults: a 64 × 64 × 16 tile). */
export const TILE_OVERRIDES: Readonly<Record<string, number | string>> = {
  TILE_M: 64,
  TILE_N: 64,
  TILE_K: 16,
  THREADS: 'TILE_M * TILE_N / 16u',
};

/**
 * Start of a tiled `main`: workgroup w → batch entry `entry` = w / (tilesM·tilesN), then tile
 * row, then tile column. Leaves tm0 and tn0 (the tile's first row and column) and the
 * thread's 4 × 4 block within the tile (rowBlock, colBlock).
 */
export function tiledPrologue(M: string, N: string, entry: string, entries: string): string[] {
  return [
    `let tilesM = (${M} + TILE_M - 1u) / TILE_M;`,
    `let tilesN = (${N} + TILE_N - 1u) / TILE_N;`,
    'let w = workgroup_index(wid, nwg);',
    `let ${entry} = w / (tilesM * tilesN);`,
    '// Uniform across the workgroup, so returning here keeps barriers in uniform control flow.',
    `if (${entry} >= ${entries}) { return; }`,
    'let r = w % (tilesM * tilesN);',
    'let tm0 = (r / tilesN) * TILE_M;',
    'let tn0 = (r % tilesN) * TILE_N;',
    'let rowBlock = lid / (TILE_N / 4u);',
    'let colBlock = lid % (TILE_N / 4u);',
  ];
}

/** One operand of a tile: A (rows m, TILE_M) or B (columns n, TILE_N). */
export interface TileOperand {
  tile: 'A' | 'B';
  /** The operand's extent along m (A) or n (B), and along k. */
  size: string;
  kSize: string;
}

/** Element e of the staging loop → (kk, xx), the k and m (n) offsets within the tile. */
type Split = 'x-fast-vec4' | 'k-fast-vec4' | { kFast: string };

/**
 * A loop that stages operand `op`'s TILE_K × TILE_X slice: element e → (kk, xx) by `split`;
 * x = tile start + xx and k = k0 + kk; `load` lines set `v` (zero past the edges).
 * 'x-fast-vec4' stages 4 consecutive x per element, 'k-fast-vec4' 4 consecutive k, and
 * `{ kFast }` one element, k or x fastest by the WGSL condition `kFast`.
 */
export function stageLoop(op: TileOperand, split: Split, load: readonly string[]): string[] {
  const T = op.tile === 'A' ? 'TILE_M' : 'TILE_N';
  const t0 = op.tile === 'A' ? 'tm0' : 'tn0';
  const tile = `tile${op.tile}`;
  let count = `TILE_K * ${T} / 4u`;
  let index: string[];
  let write: string[];
  if (split === 'x-fast-vec4') {
    index = [`let kk = e / (${T} / 4u);`, `let xx = (e % (${T} / 4u)) * 4u;`];
    write = [`${tile}[(kk * ${T} + xx) / 4u] = v;`];
  } else if (split === 'k-fast-vec4') {
    index = ['let kk = (e % (TILE_K / 4u)) * 4u;', 'let xx = e / (TILE_K / 4u);'];
    write = ['for (var q = 0u; q < 4u; q++) {', `  ${tile}[((kk + q) * ${T} + xx) / 4u][xx % 4u] = v[q];`, '}'];
  } else {
    count = `TILE_K * ${T}`;
    index = [
      'var kk: u32;',
      'var xx: u32;',
      `if (${split.kFast}) {`,
      '  kk = e % TILE_K;',
      '  xx = e / TILE_K;',
      '} else {',
      `  kk = e / ${T};`,
      `  xx = e % ${T};`,
      '}',
    ];
    write = [`${tile}[(kk * ${T} + xx) / 4u][xx % 4u] = v;`];
  }
  const zero = typeof split === 'string' ? 'vec4<f32>(0.0)' : '0.0';
  return [
    `for (var e = lid; e < ${count}; e += THREADS) {`,
    ...indent(index),
    `  let x = ${t0} + xx;`,
    '  let k = k0 + kk;',
    `  var v = ${zero};`,
    `  if (x < ${op.size} && k < ${op.kSize}) {`,
    ...indent(load, 2),
    '  }',
    ...indent(write),
    '}',
  ];
}

/** The tile's k loop: `stage` fills tileA and tileB, then each thread adds its 4 × 4 block's products. */
export function tiledLoop(K: string, stage: readonly string[]): string[] {
  const rows = [0, 1, 2, 3];
  return [
    ...rows.map((i) => `var c${i} = vec4<f32>(0.0);`),
    `for (var k0 = 0u; k0 < ${K}; k0 += TILE_K) {`,
    ...indent(stage),
    '  workgroupBarrier();',
    '  for (var kk = 0u; kk < TILE_K; kk++) {',
    '    let av = tileA[kk * (TILE_M / 4u) + rowBlock];',
    '    let bv = tileB[kk * (TILE_N / 4u) + colBlock];',
    ...rows.map((i) => `    c${i} += av.${LANES[i]} * bv;`),
    '  }',
    '  workgroupBarrier();',
    '}',
  ];
}

/** The epilogue of a tile: each thread stores its 4 × 4 block within the bounds. */
export function tiledStores(s: BlockStore): string[] {
  return [
    'let m0 = tm0 + rowBlock * 4u;',
    'let n0 = tn0 + colBlock * 4u;',
    'let rows = array<vec4<f32>, 4>(c0, c1, c2, c3);',
    ...storeLoop(4, 'rows[i][j]', s),
  ];
}

/** The key of a batched strided GEMM shader. */
export interface GemmKey {
  variant: GemmVariant;
  /** How A and B are stored (C is float32). */
  storage: Storage;
}

/** Uniforms of the strided GEMM (see {@link gemmShader}). */
export const GEMM_UNIFORMS = [
  'size_m',
  'size_n',
  'size_k',
  'batches',
  'batch0',
  'batch_inner',
  'a_offset',
  'a_outer',
  'a_inner',
  'a_m',
  'a_k',
  'b_offset',
  'b_outer',
  'b_inner',
  'b_k',
  'b_n',
  'c_offset',
  'c_batch',
  'c_m',
  'c_n',
] as const;

/** Batch entry b = batch0 + local → the offsets of A[b] and B[b]. */
const BATCH_BASES = [
  'let b = p.batch0 + local;',
  'let outer = b / p.batch_inner;',
  'let inner = b % p.batch_inner;',
  'let aBase = p.a_offset + outer * p.a_outer + inner * p.a_inner;',
  'let bBase = p.b_offset + outer * p.b_outer + inner * p.b_inner;',
];

/** The epilogue's rows and columns of C. */
const C_STORE: BlockStore = {
  row: 'm',
  rowEnd: 'p.size_m',
  col: 'n',
  colEnd: 'p.size_n',
  rowSetup: ['let row = cBase + m * p.c_m;'],
  store: (v) => [`mat_c[row + n * p.c_n] = ${v};`],
};

/**
 * The batched strided GEMM C[b](m, n) = Σ_k A[b](m, k) · B[b](k, n), with element offsets
 * into flat arrays (any strides, so transposed operands need no copy):
 *
 *   b = batch0 + local (local < batches), outer = b / batch_inner, inner = b % batch_inner
 *   A[b](m, k) = mat_a[a_offset + outer·a_outer + inner·a_inner + m·a_m + k·a_k]
 *   B[b](k, n) = mat_b[b_offset + outer·b_outer + inner·b_inner + k·b_k + n·b_n]
 *   C[b](m, n) = mat_c[c_offset + local·c_batch + m·c_m + n·c_n]
 *
 * A and B are read in the call's storage, C is float32. Workgroup w → local batch entry,
 * then block (tile) row, then block (tile) column. The tiled variant's mat_a4 / mat_b4 view
 * the same buffers as vec4s for staging, where A_VEC / B_VEC allow: A_VEC = 1: a_m = 1, so
 * A[m … m+3, k] is one vec4; A_VEC = 2: a_k = 1, so A[m, k … k+3] is one; B_VEC = 1: b_n = 1;
 * B_VEC = 2: b_k = 1 (the caller guarantees that the other strides, the offsets and the
 * buffer's element count are multiples of 4); 0 stages scalars. Components past M, N or K
 * are replaced by zeros.
 */
export function gemmShader(k: GemmKey): ShaderSpec {
  checkKey('gemm', k as unknown as Record<string, string>);
  const bindings = (vec4: boolean): BindingSpec[] => [
    { name: 'mat_a', kind: 'data', access: 'read', vec4 },
    { name: 'mat_b', kind: 'data', access: 'read', vec4 },
    { name: 'mat_c', kind: 'f32', access: 'read_write' },
  ];
  if (k.variant === 'registers') {
    const body = [
      ...mainHeader('64'),
      ...indent([
        'let p = params;',
        ...registerPrologue('p.size_m', 'p.size_n', 'local', 'p.batches'),
        ...BATCH_BASES,
        '// Offsets of rows m0 … m0+7 of A and columns n0 … n0+7 of B, clamped into range.',
        clampedRows('aLo', 'aBase', 'm0', 'p.size_m - 1u', 'p.a_m'),
        clampedRows('aHi', 'aBase', 'm0 + 4u', 'p.size_m - 1u', 'p.a_m'),
        clampedRows('bLo', 'bBase', 'n0', 'p.size_n - 1u', 'p.b_n'),
        clampedRows('bHi', 'bBase', 'n0 + 4u', 'p.size_n - 1u', 'p.b_n'),
        ...blockAccumulators(),
        'var ak = 0u;',
        'var bk = 0u;',
        'for (var k = 0u; k < p.size_k; k++) {',
        `  let a0 = ${gather4('ld_mat_a', 'aLo', 'ak')};`,
        `  let a1 = ${gather4('ld_mat_a', 'aHi', 'ak')};`,
        `  let bl = ${gather4('ld_mat_b', 'bLo', 'bk')};`,
        `  let br = ${gather4('ld_mat_b', 'bHi', 'bk')};`,
        ...indent(blockFma(['a0', 'a1'], ['bl', 'br'])),
        '  ak += p.a_k;',
        '  bk += p.b_k;',
        '}',
        'let cBase = p.c_offset + local * p.c_batch;',
        ...blockStores(C_STORE),
      ]),
      '}',
    ].join('\n');
    return {
      label: 'gemm',
      storage: k.storage,
      overrides: { WG_ROWS: 8 },
      uniforms: GEMM_UNIFORMS,
      bindings: bindings(false),
      modules: ['grid'],
      body,
    };
  }
  const A: TileOperand = { tile: 'A', size: 'p.size_m', kSize: 'p.size_k' };
  const B: TileOperand = { tile: 'B', size: 'p.size_n', kSize: 'p.size_k' };
  const step = 'vec4<u32>(0u, 1u, 2u, 3u)';
  const masked = (load: string, first: string, end: string) =>
    `v = select(vec4<f32>(0.0), ${load}, vec4<u32>(${first}) + ${step} < vec4<u32>(${end}));`;
  const staging = (op: TileOperand, mode: string, along: string, across: string, scalar: string[], kFast: string) => [
    `if (${mode} == 1u) {`,
    ...indent(stageLoop(op, 'x-fast-vec4', [masked(along, 'x', op.size)])),
    `} else if (${mode} == 2u) {`,
    ...indent(stageLoop(op, 'k-fast-vec4', [masked(across, 'k', op.kSize)])),
    '} else {',
    ...indent(stageLoop(op, { kFast }, scalar)),
    '}',
  ];
  const body = [
    TILE_MEMORY,
    '',
    ...mainHeader('THREADS'),
    ...indent([
      'let p = params;',
      ...tiledPrologue('p.size_m', 'p.size_n', 'local', 'p.batches'),
      ...BATCH_BASES,
      ...tiledLoop('p.size_k', [
        ...staging(
          A,
          'A_VEC',
          'ld4_mat_a((aBase + x + k * p.a_k) / 4u)',
          'ld4_mat_a((aBase + x * p.a_m + k) / 4u)',
          ['v = ld_mat_a(aBase + x * p.a_m + k * p.a_k);'],
          'p.a_k == 1u',
        ),
        ...staging(
          B,
          'B_VEC',
          'ld4_mat_b((bBase + k * p.b_k + x) / 4u)',
          'ld4_mat_b((bBase + x * p.b_n + k) / 4u)',
          ['v = ld_mat_b(bBase + k * p.b_k + x * p.b_n);'],
          'p.b_n != 1u',
        ),
      ]),
      'let cBase = p.c_offset + local * p.c_batch;',
      ...tiledStores(C_STORE),
    ]),
    '}',
  ].join('\n');
  return {
    label: 'gemm',
    storage: k.storage,
    overrides: { ...TILE_OVERRIDES, A_VEC: 0, B_VEC: 0 },
    uniforms: GEMM_UNIFORMS,
    bindings: bindings(true),
    modules: ['grid'],
    body,
  };
}
