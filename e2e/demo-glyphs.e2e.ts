/**
 * The glyph decoder panel in headless Chromium: the trained decoder draws the typed
 * word (ink in every glyph cell), the morph slider changes the glyphs, an unknown
 * character is an error on the word field, the URL restores the panel, Play measures
 * frames per second, the panel fits 360 and 390 px, axe finds no serious violation in
 * it, nothing is requested outside the page's origin, and without WebGPU it draws on
 * the CPU reference and says so. Screenshots go to test-results/screenshots/.
 */
import AxeBuilder from '@axe-core/playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright';
import {
  fieldError,
  horizontalOverflow,
  invalidControls,
  launchBrowser,
  openPage,
  screenshot,
  startDemo,
  waitReady,
  type DemoServer,
  type WatchedPage,
} from './helpers.js';

/** What the glyph canvas shows: the word set glyph by glyph, and each glyph's ink. */
interface Drawing {
  key: string;
  frames: number;
  /** [character, x, row, width] of each glyph's box, in batch order. */
  boxes: [string, number, number, number][];
  /** Per glyph: its pixels darker than mid-grey, as a share of one size × size image. */
  ink: number[];
  /** Every pixel's grey level (0 = ink, 255 = paper), row-major. */
  grey: number[];
  width: number;
  height: number;
}

function readDrawing(page: Page): Promise<Drawing> {
  return page.locator('#glyph-canvas').evaluate((el) => {
    const canvas = el as HTMLCanvasElement;
    const size = Number(canvas.dataset.size);
    const boxes = JSON.parse(canvas.dataset.boxes ?? '[]') as [string, number, number, number][];
    const { width, height } = canvas;
    const data = canvas.getContext('2d')!.getImageData(0, 0, width, height).data;
    const grey: number[] = [];
    for (let i = 0; i < data.length; i += 4) grey.push(data[i + 1]!);
    const ink = boxes.map(([, x0, row, w]) => {
      let dark = 0;
      for (let y = 0; y < size; y++) {
        for (let x = x0; x < x0 + w; x++) if (grey[(row * size + y) * width + x]! < 128) dark++;
      }
      return dark / (size * size);
    });
    return { key: canvas.dataset.key ?? '', frames: Number(canvas.dataset.frames), boxes, ink, grey, width, height };
  });
}

/** Runs `action` (a change of the controls) and returns the drawing once the panel has caught up. */
async function redraw(page: Page, action: () => Promise<unknown>): Promise<Drawing> {
  await action();
  await page.waitForSelector('#glyph-results[data-pending="false"]', { timeout: 60_000 });
  return readDrawing(page);
}

/** Mean absolute difference of two drawings' grey levels (0…255), paper outside the smaller one. */
function meanDifference(a: Drawing, b: Drawing): number {
  const width = Math.max(a.width, b.width);
  const height = Math.max(a.height, b.height);
  const at = (d: Drawing, x: number, y: number) => (x < d.width && y < d.height ? d.grey[y * d.width + x]! : 255);
  let sum = 0;
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) sum += Math.abs(at(a, x, y) - at(b, x, y));
  return sum / (width * height);
}

/** The word's glyphs in order, each with some ink and none a filled block, their boxes apart on each row. */
function expectInkInEveryGlyph(d: Drawing, word: string): void {
  expect(d.boxes.map(([ch]) => ch).join('')).toBe(word.replaceAll(' ', ''));
  for (const share of d.ink) {
    expect(share).toBeGreaterThan(0.01);
    expect(share).toBeLessThan(0.5);
  }
  for (let i = 1; i < d.boxes.length; i++) {
    const [, x, row] = d.boxes[i]!;
    const [, px, prow, pw] = d.boxes[i - 1]!;
    if (row === prow) expect(x).toBeGreaterThan(px + pw);
  }
}

async function setWidth(page: Page, width: number): Promise<void> {
  await page.setViewportSize({ width, height: 900 });
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
}

async function axeViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).include('#glyphs').analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

let demo: DemoServer;
let browser: Browser;

beforeAll(async () => {
  [demo, browser] = await Promise.all([startDemo(), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await demo?.close();
});

describe('glyph decoder on WebGPU', () => {
  let w: WatchedPage;
  let page: Page;
  /** Every request the page made (the weights must come from its own origin). */
  const requests: string[] = [];

  beforeAll(async () => {
    w = await openPage(browser, demo.url);
    page = w.page;
    page.on('request', (r) => requests.push(r.url()));
    await waitReady(page);
  });

  afterAll(async () => {
    await w?.context.close();
  });

  it('draws the default word with ink in every glyph cell, and measures the batch', async () => {
    expect(await page.getAttribute('#backend-status', 'data-backend')).toBe('webgpu');
    expect(await page.isHidden('#glyph-error')).toBe(true);
    expect(await page.isHidden('#glyph-backend')).toBe(true);
    expect(await page.isHidden('#glyph-placeholder')).toBe(true);
    expectInkInEveryGlyph(await readDrawing(page), 'Deconv');
    expect(await page.textContent('#glyph-ms')).toMatch(/^\d+\.\d ms$/);
    expect(await page.textContent('#glyph-batch')).toBe('6 glyphs: [6, 94, 1, 1] → [6, 1, 64, 64]');
    expect(await page.textContent('#glyph-runs-on')).toMatch(/^WebGPU, as a resident chain/);
    expect(await page.getAttribute('#glyph-canvas', 'aria-label')).toBe(
      '“Deconv” drawn by the decoder in the style DejaVuSerif',
    );
    // Each layer names the kernel auto picked for this batch.
    const kernels = await page.locator('#glyph-architecture [data-kernel]').allTextContents();
    expect(kernels).toHaveLength(5);
    for (const k of kernels) expect(k).toMatch(/^ · [a-z0-9-]+$/);
    // The held-out fonts are marked in both lists.
    for (const id of ['glyph-style-a', 'glyph-style-b']) {
      const held = await page.locator(`#${id} optgroup[label^="Held out"] option`).allTextContents();
      expect(held.length).toBe(30);
      for (const name of held) expect(name).toMatch(/\(held out\)$/);
    }
    expect(await page.textContent('#glyph-style-b-hint')).toMatch(/^held out: the Comic Neue family/);
  });

  it('a word with spaces: one batch of its letters and digits, ink in every glyph, a gap between words', async () => {
    const d = await redraw(page, () => page.fill('#glyph-word', 'Hello WebGPU 2025'));
    expectInkInEveryGlyph(d, 'Hello WebGPU 2025');
    expect(await page.textContent('#glyph-batch')).toMatch(/^15 glyphs: \[15, 94, 1, 1\]/);
    // Between words: a space wider than the gap between two letters, or the next row.
    const [, ox, orow, ow] = d.boxes[4]!; // the o of Hello
    const [, wx, wrow, ww] = d.boxes[5]!; // the W of WebGPU
    const [, ex] = d.boxes[6]!; // its e
    if (wrow === orow) expect(wx - (ox + ow)).toBeGreaterThan(2 * (ex - (wx + ww)));
    else expect(wrow).toBe(orow + 1);
  });

  it('the morph slider changes the glyphs, through a blend of both styles', async () => {
    const a = await redraw(page, () => page.fill('#glyph-word', 'Morph'));
    const b = await redraw(page, () => page.locator('#glyph-mix').fill('100'));
    const mid = await redraw(page, () => page.locator('#glyph-mix').fill('50'));
    expect(new Set([a.key, b.key, mid.key]).size).toBe(3);
    expectInkInEveryGlyph(a, 'Morph');
    expectInkInEveryGlyph(b, 'Morph');
    expectInkInEveryGlyph(mid, 'Morph');
    const ab = meanDifference(a, b);
    expect(ab).toBeGreaterThan(5);
    // Halfway differs from both ends.
    expect(meanDifference(a, mid)).toBeGreaterThan(1);
    expect(meanDifference(b, mid)).toBeGreaterThan(1);
    expect(await page.textContent('#glyph-mix-value')).toBe('50 % of the way to B');
    // Back at A the same glyphs; another font for A changes them.
    const a2 = await redraw(page, () => page.locator('#glyph-mix').fill('0'));
    expect(a2.key).toBe(a.key);
    expect(meanDifference(a, a2)).toBe(0);
    const bold = await redraw(page, () => page.selectOption('#glyph-style-a', 'LiberationSans-Bold'));
    expect(meanDifference(a, bold)).toBeGreaterThan(5);
  });

  it('random styles: seeded, so the same seed draws the same glyphs', async () => {
    const r1 = await redraw(page, () => page.click('#glyph-random'));
    expect(await page.isVisible('#glyph-seed')).toBe(true);
    expect(r1.key).toContain('random style');
    expectInkInEveryGlyph(r1, 'Morph');
    const seed = await page.inputValue('#glyph-seed');
    const r2 = await redraw(page, () => page.fill('#glyph-seed', String(Number(seed) + 5)));
    expect(meanDifference(r1, r2)).toBeGreaterThan(1);
    const r3 = await redraw(page, () => page.fill('#glyph-seed', seed));
    expect(meanDifference(r1, r3)).toBe(0);
    await page.fill('#glyph-seed', 'x');
    expect(await fieldError(page, 'glyph-seed')).toBe('random-style seed = x: “x” is not a number.');
    await page.fill('#glyph-seed', seed);
    expect(await fieldError(page, 'glyph-seed')).toBe('');
    // Off random styles the seed field hides, and keeps no error.
    await page.fill('#glyph-seed', 'x');
    await page.selectOption('#glyph-style-a', 'DejaVuSans');
    await page.selectOption('#glyph-style-b', 'DejaVuSans-Bold');
    expect(await page.isHidden('#glyph-seed')).toBe(true);
    expect(await invalidControls(page, '#glyphs')).toEqual([]);
  });

  it('a character outside the set is an error on the word field, and the drawing is marked stale', async () => {
    const ok = await redraw(page, () => page.click('#reset'));
    expect(ok.key).toContain('Deconv');
    await page.fill('#glyph-word', 'Héllo, world!');
    expect(await fieldError(page, 'glyph-word')).toBe(
      'The decoder draws only A–Z, a–z and 0–9 (a space leaves a gap): “é”, “,” and “!” are not among them.',
    );
    expect(await invalidControls(page, '#glyphs')).toEqual(['glyph-word']);
    expect(await page.getAttribute('#glyph-results', 'data-stale')).toBe('true');
    expect(await page.textContent('#glyph-stale')).toMatch(/^Still showing “Deconv”/);
    expect((await readDrawing(page)).key).toBe(ok.key);
    await page.fill('#glyph-word', 'abcdefghijklmnopqrstuvwxyz');
    expect(await fieldError(page, 'glyph-word')).toBe(
      'At most 24 letters and digits (this has 26): each one is an image in the batch.',
    );
    await page.fill('#glyph-word', '   ');
    expect(await fieldError(page, 'glyph-word')).toMatch(/^Type a word to draw/);
    const fixed = await redraw(page, () => page.fill('#glyph-word', 'Hello'));
    expectInkInEveryGlyph(fixed, 'Hello');
    expect(await invalidControls(page, '#glyphs')).toEqual([]);
    expect(await page.getAttribute('#glyph-results', 'data-stale')).toBe('false');
  });

  it('the URL keeps the panel, and a reload draws the same glyphs', async () => {
    await page.fill('#glyph-word', 'Url 42');
    await page.selectOption('#glyph-style-a', 'Go-Regular');
    await page.selectOption('#glyph-style-b', 'EBGaramond12-Italic');
    const drawn = await redraw(page, () => page.locator('#glyph-mix').fill('30'));
    expect(drawn.key).toBe(JSON.stringify(['Url 42', 'Go-Regular (held out)', 'EBGaramond12-Italic', 30]));
    await expect.poll(() => new URL(page.url()).searchParams.get('morph')).toBe('30');
    const query = new URL(page.url()).searchParams;
    expect(query.get('word')).toBe('Url 42');
    expect(query.get('style-a')).toBe('Go-Regular');
    expect(query.get('style-b')).toBe('EBGaramond12-Italic');
    await page.reload();
    await waitReady(page);
    expect(await page.inputValue('#glyph-word')).toBe('Url 42');
    expect(await page.inputValue('#glyph-style-a')).toBe('Go-Regular');
    expect(await page.inputValue('#glyph-style-b')).toBe('EBGaramond12-Italic');
    expect(await page.inputValue('#glyph-mix')).toBe('30');
    const again = await readDrawing(page);
    expect(again.key).toBe(drawn.key);
    expect(meanDifference(drawn, again)).toBe(0);
  });

  it('Play morphs the word and shows frames per second', async () => {
    const start = (await readDrawing(page)).frames;
    await page.click('#glyph-play');
    await page.waitForFunction(
      (n) => Number(document.querySelector<HTMLCanvasElement>('#glyph-canvas')?.dataset.frames) >= n + 4,
      start,
      { timeout: 60_000 },
    );
    await expect.poll(async () => Number(await page.getAttribute('#glyph-fps', 'data-fps'))).toBeGreaterThan(0);
    expect(await page.textContent('#glyph-fps')).toMatch(/^\d+\.\d$/);
    expect(Number(await page.inputValue('#glyph-mix'))).not.toBe(30);
    await page.click('#glyph-play');
    expect(await page.textContent('#glyph-play')).toBe('Play the morph');
    expect(await page.textContent('#glyph-fps')).toMatch(/^\d+\.\d \(paused\)$/);
    // Paused, the URL has the morph where it stopped; a reset clears the rate.
    await expect.poll(() => new URL(page.url()).searchParams.get('morph')).toBe(await page.inputValue('#glyph-mix'));
    await redraw(page, () => page.click('#reset'));
    expect(await page.textContent('#glyph-fps')).toBe('— (while the morph plays)');
  });

  it('fits 360 and 390 px with a long word and with an error on show, and saves screenshots', async () => {
    await redraw(page, () => page.click('#reset'));
    await setWidth(page, 1280);
    await redraw(page, () => page.locator('#glyph-mix').fill('40'));
    await screenshot(page.locator('#glyphs'), 'glyphs-1280');
    // The explanations open: their text and code must fit too.
    await page
      .locator('#glyphs details')
      .evaluateAll((ds) => ds.forEach((d) => ((d as HTMLDetailsElement).open = true)));
    for (const width of [390, 360]) {
      await setWidth(page, width);
      expect(await horizontalOverflow(page, '#glyphs')).toEqual([]);
      await screenshot(page.locator('#glyphs'), `glyphs-${width}`);
    }
    const long = await redraw(page, () => page.fill('#glyph-word', 'Transposed convolution 24'));
    expect(long.height).toBeGreaterThan(64); // wrapped onto more rows
    await page.click('#glyph-random');
    await page.fill('#glyph-seed', 'not a seed');
    await page.fill('#glyph-word', 'Ünïcode ✓');
    for (const width of [390, 360]) {
      await setWidth(page, width);
      expect(await horizontalOverflow(page, '#glyphs')).toEqual([]);
    }
    expect(await invalidControls(page, '#glyphs')).toEqual(['glyph-word', 'glyph-seed']);
    await screenshot(page.locator('#glyphs'), 'glyphs-error-390');
  });

  it('axe finds no serious or critical violation in the panel at 390 and 1280 px', async () => {
    await setWidth(page, 390);
    expect(await axeViolations(page)).toEqual([]);
    await redraw(page, () => page.click('#reset'));
    await setWidth(page, 1280);
    expect(await axeViolations(page)).toEqual([]);
  });

  it('requested nothing outside its origin (the weights came from it) and logged no error', () => {
    const origin = new URL(demo.url).origin;
    const glyphFiles = requests.filter((u) => u.includes('/glyphs/'));
    for (const file of ['manifest.json', 'weights.bin', 'styles.json']) {
      expect(glyphFiles).toContain(`${origin}/glyphs/${file}`);
    }
    expect(w.foreign).toEqual([]);
    expect(w.errors).toEqual([]);
  });
});

describe('glyph decoder without WebGPU', () => {
  it('draws the word on the CPU reference and says so on the panel', async () => {
    const w = await openPage(browser, `${demo.url}?word=Cpu`, { withoutWebGPU: true });
    const page = w.page;
    try {
      await waitReady(page);
      expect(await page.getAttribute('#backend-status', 'data-backend')).toBe('cpu');
      expect(await page.isVisible('#glyph-backend')).toBe(true);
      expect(await page.textContent('#glyph-backend')).toMatch(/no usable WebGPU.*CPU reference/);
      expect(await page.textContent('#glyph-runs-on')).toMatch(/^the CPU reference/);
      expectInkInEveryGlyph(await readDrawing(page), 'Cpu');
      expect(await page.textContent('#glyph-ms')).toMatch(/^\d+\.\d ms$/);
      const kernels = await page.locator('#glyph-architecture [data-kernel]').allTextContents();
      expect(kernels).toEqual(Array(5).fill(' · cpu'));
      expect(w.foreign).toEqual([]);
      expect(w.errors).toEqual([]);
      await screenshot(page.locator('#glyphs'), 'glyphs-no-webgpu');
    } finally {
      await w.context.close();
    }
  });
});
