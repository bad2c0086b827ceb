/**
 * The demo's results as a person reads them: tied to the layer they were computed
 * for and marked out of date the moment it changes; user-set data checked as input,
 * never blamed on a kernel; a very large layer asked about before it runs; images
 * drawn at their true relative scale, transparency resolved once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright';
import {
  fieldError,
  invalidControls,
  launchBrowser,
  openPage,
  startDemo,
  waitReady,
  type DemoServer,
  type WatchedPage,
} from './helpers.js';

let demo: DemoServer;
let browser: Browser;
let w: WatchedPage;
let page: Page;

beforeAll(async () => {
  [demo, browser] = await Promise.all([startDemo(), launchBrowser()]);
  w = await openPage(browser, demo.url);
  page = w.page;
  await waitReady(page);
});

afterAll(async () => {
  await w?.context.close();
  await browser?.close();
  await demo?.close();
});

/** Runs the current layer once per kernel (1 repetition: only correctness matters here). */
async function runOnce(): Promise<void> {
  await page.fill('#run-reps', '1');
  await page.click('#run-button');
  await page.waitForSelector('#run-results[data-done="true"]', { timeout: 90_000 });
  expect(await page.isHidden('#run-error')).toBe(true);
}

const stale = async () => (await page.getAttribute('#run-results-section', 'data-stale')) === 'true';

describe('results are tied to the layer they were computed for', () => {
  it('shows a placeholder before the first run, explains the kernels and the layouts', async () => {
    expect(await page.isVisible('#run-placeholder')).toBe(true);
    expect(await page.isHidden('#run-output')).toBe(true);
    expect(await page.locator('#kernels-info dt').allTextContents()).toEqual([
      'subpixel',
      'gemm-col2im',
      'scatter',
      'im2col-gemm',
      'zero-insertion',
    ]);
    expect(await page.textContent('#run-shapes')).toContain(
      'NCHW = [batch, channels, height, width]; iohw = [in channels, out channels per group, kernel H, kernel W]',
    );
    await page.selectOption('#framework', 'tensorflow');
    expect(await page.textContent('#run-shapes')).toContain(
      'hwoi = [kernel H, kernel W, out channels per group, in channels]',
    );
    await page.click('#reset');
  });

  it('marks them out of date on any change of the layer or the run settings, and not when it is changed back', async () => {
    await page.click('#reset');
    await runOnce();
    expect(await page.isHidden('#run-placeholder')).toBe(true);
    expect(await stale()).toBe(false);
    expect(await page.isHidden('#run-stale')).toBe(true);
    expect(await page.textContent('#run-status')).toMatch(/^All 5 kernels agree with the CPU reference/);
    expect(await page.textContent('#auto-pick')).toMatch(
      /“auto” picked \S+ for this layer on this device: lowest estimated cost/,
    );
    // Times in the clock's 0.1 ms steps, not two decimals.
    for (const t of await page.locator('#run-results-body td:nth-child(2)').allTextContents()) {
      expect(t).toMatch(/^(\d+(\.\d)? ms|< 0\.1 ms)$/);
    }

    // A change of the input and the stride: the shape line follows at once, the results are out of date.
    await page.fill('#in-height', '6');
    await page.fill('#p-stride', '3');
    await expect.poll(stale).toBe(true);
    expect(await page.textContent('#run-shapes')).toContain('output [1, 2, 17, 11]');
    expect(await page.textContent('#run-stale')).toMatch(
      /^Out of date: these results are for input \[1, 2, 4, 4\], filter \[2, 2, 3, 3\], stride 2×2, crop 1, 1, 1, 1, output \[1, 2, 8, 8\], random \(seed 1\) data\./,
    );
    await page.fill('#in-height', '4');
    await page.fill('#p-stride', '2');
    await expect.poll(stale).toBe(false);

    const changes: [string, string, string][] = [
      ['#run-batch', '2', '1'],
      ['#run-seed', '7', '1'],
      ['#out-channels', '4', '2'],
    ];
    for (const [field, changed, back] of changes) {
      await page.fill(field, changed);
      await expect.poll(stale, { message: field }).toBe(true);
      await page.fill(field, back);
      await expect.poll(stale, { message: field }).toBe(false);
    }
    await page.selectOption('#run-activation', 'relu');
    await expect.poll(stale).toBe(true);
    await page.selectOption('#run-activation', 'none');
    await page.check('#run-bias');
    await expect.poll(stale).toBe(true);
    await page.uncheck('#run-bias');
    await expect.poll(stale).toBe(false);

    // The same layer spelled in ONNX (the same data layouts) is still the layer that ran.
    await page.selectOption('#framework', 'onnx');
    await expect.poll(() => page.getAttribute('#switch-note', 'data-ok')).toBe('true');
    expect(await stale()).toBe(false);
    // An invalid layer cannot be the one that ran.
    await page.fill('#p-strides', 'abc');
    await expect.poll(stale).toBe(true);
    expect(await page.isDisabled('#run-button')).toBe(true);
    await page.click('#reset');
    await expect.poll(stale).toBe(false);
  });

  it('a layer too large to run is refused in words, and the old table and chart go', async () => {
    await page.click('#reset');
    await runOnce();
    expect(await page.locator('#run-chart [data-bar]').count()).toBe(6);
    await page.fill('#in-height', '20000');
    await page.fill('#in-width', '20000');
    await expect.poll(stale).toBe(true);
    expect(await page.getAttribute('#geometry-canvas', 'data-state')).toBe('too-large');
    await page.click('#run-button');
    await expect.poll(() => page.isVisible('#run-error')).toBe(true);
    expect(await page.textContent('#run-error')).toMatch(
      /^This layer is too large to run here: .* multiply-adds per call .* and about .* [GT]iB of tensors; this page runs layers up to 1\.00 GiB\./,
    );
    expect(await page.locator('#run-results-body tr').count()).toBe(0);
    expect(await page.locator('#run-chart [data-bar]').count()).toBe(0);
    expect(await page.isHidden('#run-stale')).toBe(true);
    expect(await page.textContent('#auto-pick')).toBe('');
  });

  it('a very large layer asks before running; Cancel runs nothing', async () => {
    await page.click('#reset');
    await runOnce();
    const done = await page.locator('#run-results-body tr[data-kernel]').count();
    for (const [id, v] of [
      ['#in-height', '256'],
      ['#in-width', '256'],
      ['#in-channels', '64'],
      ['#out-channels', '64'],
      ['#kernel-height', '4'],
      ['#kernel-width', '4'],
      ['#p-outputPadding', '0'],
    ]) {
      await page.fill(id!, v!);
    }
    await expect.poll(() => page.textContent('#out-shape')).toBe('512×512');
    await page.click('#run-button');
    const dialog = page.locator('#run-confirm');
    await expect.poll(() => dialog.isVisible()).toBe(true);
    expect(await page.textContent('#run-confirm-text')).toMatch(
      /^This layer is large: \d+(\.\d+)? G multiply-adds per call \(\d+ calls: .*\) and about \d+(\.\d+)? MiB of tensors\./,
    );
    await page.click('[data-testid="run-confirm-cancel"]');
    await expect.poll(() => dialog.isVisible()).toBe(false);
    expect(await page.getAttribute('#run-results', 'data-done')).toBe('true');
    expect(await page.locator('#run-results-body tr[data-kernel]').count()).toBe(done);
    expect(await stale()).toBe(true);
    await page.click('#reset');
  });
});

describe('user-set data', () => {
  it('is prefilled with short numbers, and a non-number is an input error, not a kernel failure', async () => {
    await page.click('#reset');
    await page.selectOption('#run-data', 'custom');
    const input = await page.inputValue('#run-input');
    const values = input.split(', ');
    expect(values).toHaveLength(32);
    for (const v of values) expect(v).toMatch(/^-?\d(\.\d{1,3})?$/);
    expect(await page.textContent('#run-input-label')).toBe('input [1, 2, 4, 4]: 32 values');

    values[2] = 'foo';
    await page.fill('#run-input', values.join(', '));
    await expect.poll(() => invalidControls(page)).toEqual(['run-input']);
    expect(await fieldError(page, 'run-input')).toBe('input: value 3, “foo”, is not a number.');
    expect(await page.isDisabled('#run-button')).toBe(true);
    await page.fill('#run-input', values.slice(3).join(', '));
    await expect
      .poll(() => fieldError(page, 'run-input'))
      .toBe('input: 29 values, but [1, 2, 4, 4] needs 32. “Fill with random values” refills it.');
    expect(await page.locator('#run-results-body tr[data-status="error"]').count()).toBe(0);

    await page.click('#run-fill');
    await expect.poll(() => invalidControls(page)).toEqual([]);
    await runOnce();
    for (const row of await page.locator('#run-results-body tr[data-kernel]').all()) {
      expect(await row.getAttribute('data-status')).toBe('ok');
      expect(Number(await row.getAttribute('data-max-error'))).toBeLessThan(1e-4);
    }
    // The output values are shown for user-set data.
    expect(await page.isVisible('#run-values')).toBe(true);
    expect(await page.textContent('#run-values-label')).toMatch(
      /^output \[1, 2, 8, 8\] \(NCHW\), from \S+: 128 values$/,
    );
    const out = (await page.inputValue('#run-output-values')).split(', ');
    expect(out).toHaveLength(128);
    for (const v of out) expect(Number.isFinite(Number(v)) && v.replace(/^-/, '').length <= 14).toBe(true);
    await page.click('#reset');
  });
});

describe('image upsampling', () => {
  /** The width an image is drawn at, in CSS pixels (its frame not counted). */
  const cssWidth = (id: string) => page.locator(`#${id}`).evaluate((el) => el.clientWidth);
  const pixel = (id: string, fx: number, fy: number) =>
    page.evaluate(
      ([id, fx, fy]) => {
        const c = document.getElementById(id as string) as HTMLCanvasElement;
        const x = Math.floor(c.width * (fx as number));
        const y = Math.floor(c.height * (fy as number));
        return Array.from(c.getContext('2d')!.getImageData(x, y, 1, 1).data);
      },
      [id, fx, fy] as const,
    );

  it('draws every image at one scale, so ×4 is twice as large as ×2', async () => {
    await page.selectOption('#upsample-factor', '2');
    await page.waitForSelector('#upsample-output[data-ready="true"][data-factor="2"]');
    const [in2, out2] = [await cssWidth('upsample-input'), await cssWidth('upsample-output')];
    await page.selectOption('#upsample-factor', '4');
    await page.waitForSelector('#upsample-output[data-ready="true"][data-factor="4"]');
    const [in4, out4] = [await cssWidth('upsample-input'), await cssWidth('upsample-output')];
    expect(in4).toBeCloseTo(in2, 0);
    expect(out2).toBeCloseTo(2 * in2, 0);
    expect(out4).toBeCloseTo(2 * out2, 0);
    expect(await cssWidth('upsample-nearest')).toBeCloseTo(out4, 0);
    // A chosen zoom: 100 % is one screen pixel per image pixel.
    await page.selectOption('#upsample-zoom', '1');
    await expect.poll(() => cssWidth('upsample-output')).toBeCloseTo(256, 0);
    expect(await page.textContent('#upsample-scale')).toMatch(/^All three at 100 %/);
    await page.selectOption('#upsample-zoom', 'fit');
    await page.selectOption('#upsample-factor', '2');
    await page.waitForSelector('#upsample-output[data-ready="true"][data-factor="2"]');
  });

  it('shows a half-transparent image the same in every view, and the picker forgets a file once the built-in image is back', async () => {
    const png = await page.evaluate(async () => {
      const c = document.createElement('canvas');
      c.width = 20;
      c.height = 10;
      const ctx = c.getContext('2d')!;
      ctx.fillStyle = '#ff0000';
      ctx.fillRect(0, 0, 10, 10);
      ctx.fillStyle = 'rgba(0, 0, 255, 0)';
      ctx.fillRect(10, 0, 10, 10);
      return c.toDataURL('image/png').split(',')[1]!;
    });
    await page.setInputFiles('#upsample-file', {
      name: 'half-transparent.png',
      mimeType: 'image/png',
      buffer: Buffer.from(png, 'base64'),
    });
    await expect.poll(() => page.textContent('#upsample-info')).toContain('half-transparent.png');
    await page.waitForSelector('#upsample-output[data-ready="true"]');
    expect(await page.textContent('#upsample-info')).toContain('transparent areas flattened onto white');
    for (const id of ['upsample-input', 'upsample-nearest', 'upsample-output']) {
      expect(await pixel(id, 0.8, 0.5), id).toEqual([255, 255, 255, 255]);
      expect(await pixel(id, 0.2, 0.5), id).toEqual([255, 0, 0, 255]);
    }
    expect(
      await page.evaluate(() => (document.getElementById('upsample-file') as HTMLInputElement).files!.length),
    ).toBe(1);

    await page.click('#upsample-builtin');
    await expect.poll(() => page.textContent('#upsample-info')).toMatch(/^built-in image: /);
    expect(
      await page.evaluate(() => (document.getElementById('upsample-file') as HTMLInputElement).files!.length),
    ).toBe(0);
    expect(await page.inputValue('#upsample-file')).toBe('');
  });

  it('logged no console error in the whole file', () => {
    expect(w.errors).toEqual([]);
    expect(w.foreign).toEqual([]);
  });
});
