/**
 * The glyph decoder's data, without the DOM: its style file (character set, latent size,
 * each font's style latent), what a typed word asks of it, where each glyph goes on the
 * canvas, and the batch that one frame uploads.
 */

/** One font of `styles.json`: its style latent as the training's encoder made it. */
export interface GlyphFont {
  name: string;
  family: string;
  /** Not seen in training (its family was held out for evaluation). */
  heldOut: boolean;
  latent: number[];
}

/** `styles.json`, written by scripts/train_glyphs.py beside the decoder. */
export interface GlyphStyles {
  /** The characters the decoder draws; the one-hot part of its input follows this order. */
  charset: string;
  /** Latent size: the first `zDim` input channels. */
  zDim: number;
  /** Output size in pixels (square). */
  size: number;
  fonts: GlyphFont[];
}

/** A problem with the model's files, in words for the page. */
export class GlyphFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GlyphFileError';
  }
}

/**
 * Checks `styles.json` against the decoder it belongs to (input [zDim + charset, 1, 1],
 * output [1, size, size]): a mismatch would draw nonsense, so it stops the panel instead.
 */
export function checkStyles(raw: unknown, inputShape: readonly number[], outputShape: readonly number[]): GlyphStyles {
  const s = raw as Partial<GlyphStyles> | null;
  if (!s || typeof s.charset !== 'string' || typeof s.zDim !== 'number' || !Array.isArray(s.fonts)) {
    throw new GlyphFileError('styles.json lacks charset, zDim or fonts.');
  }
  const want = s.zDim + s.charset.length;
  if (inputShape[0] !== want || inputShape[1] !== 1 || inputShape[2] !== 1) {
    throw new GlyphFileError(
      `styles.json (latent ${s.zDim} + ${s.charset.length} characters = ${want} channels) does not fit the decoder's input [${inputShape.join(', ')}].`,
    );
  }
  if (outputShape[0] !== 1 || outputShape[1] !== s.size || outputShape[2] !== s.size) {
    throw new GlyphFileError(
      `The decoder's output [${outputShape.join(', ')}] is not one ${s.size}×${s.size} image as styles.json says.`,
    );
  }
  for (const f of s.fonts) {
    if (typeof f?.name !== 'string' || !Array.isArray(f.latent) || f.latent.length !== s.zDim) {
      throw new GlyphFileError(`styles.json: font ${JSON.stringify(f?.name)} has no latent of ${s.zDim} numbers.`);
    }
  }
  if (s.fonts.length === 0) throw new GlyphFileError('styles.json lists no font.');
  return s as GlyphStyles;
}

/** Glyphs one word may have: each is one item of the batch. */
export const MAX_GLYPHS = 24;

/** A word the decoder can draw: its glyphs in order (spaces are gaps, not glyphs). */
export interface GlyphWord {
  /** The text with runs of spaces made single and the ends trimmed. */
  text: string;
  /** The non-space characters, in order: batch item i draws glyphs[i]. */
  glyphs: string;
}

/** How a character is named in a message: quoted, or by its code point when invisible. */
function showChar(ch: string): string {
  const code = ch.codePointAt(0)!;
  if (code < 0x20 || (code >= 0x7f && code < 0xa0)) return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return `“${ch}”`;
}

/** "a", "a and b", "a, b and c" */
function listWords(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)!}`;
}

/** The character set in words: “A–Z, a–z and 0–9” for the shipped decoder. */
export function describeCharset(charset: string): string {
  const runs: string[] = [];
  let start = 0;
  for (let i = 1; i <= charset.length; i++) {
    if (i < charset.length && charset.charCodeAt(i) === charset.charCodeAt(i - 1) + 1) continue;
    const a = charset[start]!;
    const b = charset[i - 1]!;
    runs.push(i - 1 - start >= 2 ? `${a}–${b}` : charset.slice(start, i).split('').join(', '));
    start = i;
  }
  return listWords(runs);
}

/**
 * Reads a typed word: the glyphs to draw, or a message in plain words naming the
 * characters the decoder does not know, or why the word is empty or too long.
 */
export function readWord(typed: string, charset: string): { word: GlyphWord } | { error: string } {
  const known = `${describeCharset(charset)} (a space leaves a gap)`;
  const bad = [...new Set([...typed].filter((ch) => ch !== ' ' && !charset.includes(ch)))];
  if (bad.length > 0) {
    const which = listWords(bad.slice(0, 6).map(showChar)) + (bad.length > 6 ? ` and ${bad.length - 6} more` : '');
    return {
      error: `The decoder draws only ${known}: ${which} ${bad.length === 1 ? 'is' : 'are'} not among them.`,
    };
  }
  const text = typed.trim().replace(/ +/g, ' ');
  const glyphs = text.replaceAll(' ', '');
  if (glyphs.length === 0) return { error: `Type a word to draw: ${known}.` };
  if (glyphs.length > MAX_GLYPHS) {
    return {
      error: `At most ${MAX_GLYPHS} letters and digits (this has ${glyphs.length}): each one is an image in the batch.`,
    };
  }
  return { word: { text, glyphs } };
}

/** The columns of one decoded glyph that hold ink: where to crop it when the word is set. */
export interface InkSpan {
  left: number;
  width: number;
}

/** Ink above this level counts when a glyph is cropped to its ink. */
const INK_LEVEL = 0.25;

/**
 * The ink's columns of batch item `index` of the decoder's output ([N, 1, size, size]);
 * a glyph with no ink (a very faint random style) keeps a quarter of its width, centred.
 */
export function inkSpan(data: ArrayLike<number>, index: number, size: number): InkSpan {
  let left = size;
  let right = -1;
  const base = index * size * size;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (data[base + y * size + x]! > INK_LEVEL) {
        left = Math.min(left, x);
        right = Math.max(right, x);
      }
    }
  }
  if (right < 0) return { left: Math.round((size * 3) / 8), width: Math.round(size / 4) };
  return { left, width: right - left + 1 };
}

/** Where batch item `index` (the glyph `ch`) is set: its row, and the canvas column its ink starts at. */
export interface GlyphBox extends InkSpan {
  ch: string;
  index: number;
  row: number;
  x: number;
}

/** Spacing of a set word, in the decoder's pixels (a glyph is `size` tall). */
export function spacing(size: number): { gap: number; space: number; margin: number } {
  return { gap: Math.round(size / 16), space: Math.round(size * 0.3), margin: Math.round(size / 8) };
}

/**
 * Sets the word like type: each glyph cropped to its ink, a small gap between glyphs,
 * a space's width between words, and rows no wider than `maxWidth` (breaking between
 * words, and inside a word only when it alone is wider than a row). `longestWord` is
 * the width its longest word needs on a row of its own.
 */
export function setWord(
  text: string,
  spans: readonly InkSpan[],
  size: number,
  maxWidth: number,
): { boxes: GlyphBox[]; width: number; rows: number; longestWord: number } {
  const { gap, space, margin } = spacing(size);
  const boxes: GlyphBox[] = [];
  let row = 0;
  let x = margin;
  let widest = 0;
  let index = 0;
  let longestWord = 0;
  const limit = Math.max(maxWidth, 2 * margin + 1);
  const newRow = () => {
    row++;
    x = margin;
  };
  for (const word of text.split(' ')) {
    const chars = [...word].map((ch) => ({ ch, index: index++ }));
    const wordWidth = chars.reduce((sum, c, i) => sum + spans[c.index]!.width + (i ? gap : 0), 0);
    longestWord = Math.max(longestWord, wordWidth + 2 * margin);
    if (x > margin) {
      if (x + space + wordWidth + margin <= limit) x += space;
      else newRow();
    }
    chars.forEach((c, i) => {
      const span = spans[c.index]!;
      if (i > 0 && x + gap + span.width + margin > limit) newRow();
      else if (i > 0) x += gap;
      boxes.push({ ch: c.ch, index: c.index, row, x, ...span });
      x += span.width;
      widest = Math.max(widest, x + margin);
    });
  }
  return { boxes, width: widest, rows: row + 1, longestWord };
}

/** The style between `a` (t = 0) and `b` (t = 1): the latents interpolated linearly. */
export function mixLatents(a: ArrayLike<number>, b: ArrayLike<number>, t: number): Float32Array {
  return Float32Array.from({ length: a.length }, (_, i) => (1 - t) * a[i]! + t * b[i]!);
}

/** The decoder's input for one word, [N, zDim + charset, 1, 1]: the latent, then the one-hot character. */
export function glyphBatch(glyphs: string, latent: Float32Array, charset: string): Float32Array {
  const channels = latent.length + charset.length;
  const out = new Float32Array(glyphs.length * channels);
  [...glyphs].forEach((ch, n) => {
    out.set(latent, n * channels);
    out[n * channels + latent.length + charset.indexOf(ch)] = 1;
  });
  return out;
}
