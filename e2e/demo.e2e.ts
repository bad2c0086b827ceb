/**
 * The demo page in headless Chromium: explorer, kernel runs, image upsampling, the
 * generator, and the page without WebGPU. Each panel's screenshot is saved under
 * test-results/screenshots/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright';
import {
  fieldError,
  invalidControls,
  launchBrowser,
  openPage,
  pairOf,
  screenshot,
  startDemo,
  waitReady,
  type DemoServer,
  type WatchedPage,
} from './helpers.js';

/** The acceptance bound on every kernel's max |GPU − CPU|. */
const MAX_ERROR = 1e-4;

let demo: DemoServer;
let browser: Browser;

beforeAll(async () => {
  [demo, browser] = await Promise.all([startDemo(), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await demo?.close();
});

/** Sets the common sizes of the explorer. */
async function setSizes(page: Page, s: { h: number; w: number; k: number }): Promise<void> {
  await page.fill('#in-height', String(s.h));
  await page.fill('#in-width', String(s.w));
  await page.fill('#kernel-height', String(s.k));
  await page.fill('#kernel-width', String(s.k));
}

/** The params of one framework's row in the equivalents table, or its reason when none exist. */
async function equivalent(page: Page, framework: string): Promise<{ ok: boolean; params: Record<string, unknown> }> {
  const row = page.locator(`#equivalents-body tr[data-framework="${framework}"]`);
  const ok = (await row.getAttribute('data-ok')) === 'true';
  const params = ok ? (JSON.parse((await row.getAttribute('data-params')) ?? '{}') as Record<string, unknown>) : {};
  return { ok, params };
}

describe('demo page on WebGPU', () => {
  let w: WatchedPage;
  let page: Page;

  beforeAll(async () => {
    w = await openPage(browser, demo.url);
    page = w.page;
    await waitReady(page);
  });

  afterAll(async () => {
    await w?.context.close();
  });

  it('loads on WebGPU with no console errors and no request outside its origin', async () => {
    expect(await page.getAttribute('#backend-status', 'data-backend')).toBe('webgpu');
    expect(await page.isHidden('#fatal')).toBe(true);
    await expect.poll(() => page.textContent('#out-shape')).toBe('8×8');
    expect(w.errors).toEqual([]);
    expect(w.foreign).toEqual([]);
  });

  it('explorer: Keras 4×4 k3 s2 valid gives 9×9, same gives 8×8, and the equivalents follow', async () => {
    await page.selectOption('#framework', 'keras');
    await setSizes(page, { h: 4, w: 4, k: 3 });
    await page.fill('#p-strides', '2');
    await page.selectOption('#p-padding', 'valid');
    await expect.poll(() => page.textContent('#out-shape')).toBe('9×9');
    expect(await page.textContent('#full-size')).toBe('9×9');
    expect(await page.textContent('#crop')).toBe('top 0, bottom 0, left 0, right 0');
    const valid = await equivalent(page, 'torch');
    expect(valid.ok).toBe(true);
    expect(pairOf(valid.params.stride, 1)).toEqual([2, 2]);
    expect(pairOf(valid.params.padding, 0)).toEqual([0, 0]);
    expect(pairOf(valid.params.outputPadding, 0)).toEqual([0, 0]);
    expect(await page.locator('#equivalents-body tr[data-framework="keras"]').count()).toBe(0);

    // 'same' crops the odd row at the end only, which PyTorch's symmetric padding cannot:
    // the row must say so instead of showing parameters.
    await page.selectOption('#p-padding', 'same');
    await expect.poll(() => page.textContent('#out-shape')).toBe('8×8');
    expect(await page.textContent('#crop')).toBe('top 0, bottom 1, left 0, right 1');
    const same = await equivalent(page, 'torch');
    expect(same.ok).toBe(false);
    expect(await page.textContent('#equivalents-body tr[data-framework="torch"]')).toMatch(/No equivalent/);
    const tf = await equivalent(page, 'tensorflow');
    expect(tf.ok).toBe(true);
    expect(tf.params.padding).toBe('SAME');
    expect(await page.getAttribute('#geometry-canvas', 'data-output')).toBe('8x8');
    await screenshot(page.locator('#explorer'), 'explorer-keras');
  });

  it('explorer: Caffe 4×4 k3 s2 pad 1 gives 7×7 with a symmetric crop of 1', async () => {
    await page.selectOption('#framework', 'caffe');
    await setSizes(page, { h: 4, w: 4, k: 3 });
    await page.fill('#p-stride', '2');
    await page.fill('#p-pad', '1');
    await expect.poll(() => page.textContent('#out-shape')).toBe('7×7');
    expect(await page.textContent('#full-size')).toBe('9×9');
    expect(await page.textContent('#crop')).toBe('top 1, bottom 1, left 1, right 1');
    const torch = await equivalent(page, 'torch');
    expect(torch.ok).toBe(true);
    expect(pairOf(torch.params.stride, 1)).toEqual([2, 2]);
    expect(pairOf(torch.params.padding, 0)).toEqual([1, 1]);
    expect(pairOf(torch.params.outputPadding, 0)).toEqual([0, 0]);
    // Every other framework gets a row: its parameters or the reason there are none.
    const rows = await page
      .locator('#equivalents-body tr')
      .evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-framework'), tr.textContent?.trim() ?? '']));
    expect(rows.map((r) => r[0]).sort()).toEqual(['keras', 'onnx', 'tensorflow', 'torch']);
    for (const [, text] of rows) expect(text!.length).toBeGreaterThan(10);

    await page.fill('#p-stride', '3');
    await expect.poll(() => page.textContent('#out-shape')).toBe('10×10');
    await page.fill('#p-stride', '2');
    await expect.poll(() => page.textContent('#out-shape')).toBe('7×7');
    await screenshot(page.locator('#explorer'), 'explorer-caffe');
  });

  it('explorer: an invalid parameter shows the library error under its field, in the framework’s terms', async () => {
    await page.selectOption('#framework', 'torch');
    await setSizes(page, { h: 4, w: 4, k: 3 });
    await page.fill('#p-stride', '2');
    await page.fill('#p-outputPadding', '2');
    await expect.poll(() => fieldError(page, 'p-outputPadding')).toMatch(/^output_padding = 2: /);
    // The library's rule, word for word, after the field's PyTorch name and the typed value.
    expect(await fieldError(page, 'p-outputPadding')).toContain('as PyTorch requires');
    expect(await invalidControls(page, '#explorer')).toEqual(['p-outputPadding']);
    expect(await page.textContent('#out-shape')).toBe('—');
    expect(await page.isDisabled('#run-button')).toBe(true);
    await screenshot(page.locator('#explorer'), 'explorer-error');

    await page.fill('#p-outputPadding', '1');
    await page.fill('#p-stride', 'two');
    await expect.poll(() => fieldError(page, 'p-stride')).toBe('stride = two: “two” is not a number.');
    expect(await invalidControls(page, '#explorer')).toEqual(['p-stride']);

    await page.fill('#p-stride', '2');
    await expect.poll(() => invalidControls(page, '#explorer')).toEqual([]);
    expect(await page.textContent('#out-shape')).toBe('8×8');
    expect(await page.isEnabled('#run-button')).toBe(true);

    // Switching framework while an error shows starts that framework's fields afresh, and says so.
    await page.fill('#p-stride', '0');
    await expect.poll(() => invalidControls(page, '#explorer')).toEqual(['p-stride']);
    await page.selectOption('#framework', 'onnx');
    await expect.poll(() => invalidControls(page, '#explorer')).toEqual([]);
    expect(await page.textContent('#switch-note')).toMatch(
      /PyTorch fields have an error, so ONNX starts from its defaults/,
    );
    expect(await page.textContent('#out-shape')).toBe('8×8');
  });

  it('run: every kernel runs with max error below 1e-4, and the kernel auto picked is marked', async () => {
    await page.selectOption('#framework', 'torch');
    await page.fill('#in-channels', '3');
    await page.fill('#out-channels', '4');
    await page.fill('#p-groups', '1');
    await page.fill('#run-batch', '2');
    await page.fill('#run-reps', '3');
    await page.check('#run-bias');
    await page.selectOption('#run-activation', 'relu');
    await page.click('#run-button');
    await page.waitForSelector('#run-results[data-done="true"]', { timeout: 90_000 });
    expect(await page.isHidden('#run-error')).toBe(true);
    const rows = await page.locator('#run-results-body tr[data-kernel]').evaluateAll((trs) =>
      trs.map((tr) => ({
        kernel: tr.getAttribute('data-kernel'),
        status: tr.getAttribute('data-status'),
        maxError: Number(tr.getAttribute('data-max-error')),
        ms: Number(tr.getAttribute('data-ms')),
        auto: tr.getAttribute('data-auto') === 'true',
        text: tr.textContent,
      })),
    );
    const kernels = rows.map((r) => r.kernel);
    expect(kernels).toEqual(
      expect.arrayContaining(['zero-insertion', 'scatter', 'gemm-col2im', 'im2col-gemm', 'subpixel']),
    );
    expect(rows.length).toBe(Number(await page.getAttribute('#run-results', 'data-kernels')));
    for (const r of rows) {
      expect(r.status, `${r.kernel}: ${r.text}`).toBe('ok');
      expect(r.maxError, r.kernel ?? '').toBeLessThan(MAX_ERROR);
      expect(r.ms, r.kernel ?? '').toBeGreaterThan(0);
    }
    const picked = await page.getAttribute('#run-results', 'data-auto-picked');
    expect(kernels).toContain(picked);
    expect(rows.filter((r) => r.auto).map((r) => r.kernel)).toEqual([picked]);
    expect(await page.textContent('#auto-pick')).toContain(picked!);
    // One bar per kernel plus the CPU reference.
    expect(await page.locator('#run-chart [data-bar]').count()).toBe(rows.length + 1);
    await screenshot(page.locator('#run'), 'run');
  });

  it('upsampling: the ×3 output is bilinear on the GPU, checked pixel by pixel', async () => {
    const out = page.locator('#upsample-output');
    expect(await out.getAttribute('data-ready')).toBe('true');
    await page.selectOption('#upsample-factor', '3');
    await page.waitForSelector('#upsample-output[data-ready="true"][data-factor="3"]', { timeout: 60_000 });
    const px = await page.evaluate(() => {
      const read = (id: string) => {
        const c = document.getElementById(id) as HTMLCanvasElement;
        const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height);
        return { w: c.width, h: c.height, data: Array.from(d.data) };
      };
      return { input: read('upsample-input'), output: read('upsample-output'), nearest: read('upsample-nearest') };
    });
    const { input, output } = px;
    expect([output.w, output.h]).toEqual([input.w * 3, input.h * 3]);
    const at = (img: typeof input, y: number, x: number, c: number) => img.data[4 * (y * img.w + x) + c]!;
    // Kernel 5, stride 3, padding 1: output (3y+1, 3x+1) is input (y, x) exactly, and
    // (3y+1, 3x+2) is ⅔ of input (y, x) plus ⅓ of input (y, x+1).
    let exact = 0;
    let between = 0;
    let differsFromNearest = 0;
    for (let y = 0; y < input.h; y++) {
      for (let x = 0; x < input.w; x++) {
        for (let c = 0; c < 3; c++) {
          exact = Math.max(exact, Math.abs(at(output, 3 * y + 1, 3 * x + 1, c) - at(input, y, x, c)));
          if (x + 1 < input.w) {
            const want = (2 / 3) * at(input, y, x, c) + (1 / 3) * at(input, y, x + 1, c);
            const got = at(output, 3 * y + 1, 3 * x + 2, c);
            between = Math.max(between, Math.abs(got - want));
            if (Math.abs(got - at(px.nearest, 3 * y + 1, 3 * x + 2, c)) > 3) differsFromNearest++;
          }
        }
      }
    }
    expect(exact).toBeLessThanOrEqual(1);
    expect(between).toBeLessThanOrEqual(1);
    expect(differsFromNearest).toBeGreaterThan(50);
    expect(output.data.every((v, i) => i % 4 !== 3 || v === 255)).toBe(true);
    await screenshot(page.locator('#upsample'), 'upsample');

    // A dropped image replaces the built-in one: left half red, right half blue.
    const transfer = await page.evaluateHandle(async () => {
      const c = document.createElement('canvas');
      c.width = 20;
      c.height = 10;
      const ctx = c.getContext('2d')!;
      ctx.fillStyle = '#ff0000';
      ctx.fillRect(0, 0, 10, 10);
      ctx.fillStyle = '#0000ff';
      ctx.fillRect(10, 0, 10, 10);
      const blob = await new Promise<Blob>((done) => c.toBlob((b) => done(b!), 'image/png'));
      const dt = new DataTransfer();
      dt.items.add(new File([blob], 'halves.png', { type: 'image/png' }));
      return dt;
    });
    await page.dispatchEvent('#drop-zone', 'drop', { dataTransfer: transfer });
    await expect.poll(() => page.textContent('#upsample-info'), { timeout: 30_000 }).toContain('halves.png');
    await page.waitForSelector('#upsample-output[data-ready="true"]');
    const dropped = await page.evaluate(() => {
      const c = document.getElementById('upsample-output') as HTMLCanvasElement;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      const at = (y: number, x: number) => Array.from(d.slice(4 * (y * c.width + x), 4 * (y * c.width + x) + 3));
      return { w: c.width, h: c.height, left: at(13, 13), right: at(13, 46) };
    });
    expect([dropped.w, dropped.h]).toEqual([60, 30]);
    expect(dropped.left).toEqual([255, 0, 0]);
    expect(dropped.right).toEqual([0, 0, 255]);
  });

  it('generator: renders frames from the resident chain and shows frames per second', async () => {
    const frames = async () => Number(await page.getAttribute('#gen-frames', 'data-frames'));
    const before = await frames();
    expect(before).toBeGreaterThanOrEqual(1);
    const first = await page.evaluate(() =>
      Array.from(
        (document.getElementById('gen-canvas') as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, 66, 66).data,
      ),
    );
    await page.click('#gen-toggle');
    await expect.poll(frames, { timeout: 60_000, interval: 250 }).toBeGreaterThanOrEqual(before + 5);
    expect(Number(await page.getAttribute('#gen-fps', 'data-fps'))).toBeGreaterThan(0);
    expect(await page.textContent('#gen-fps')).toMatch(/^\d+\.\d$/);
    await page.click('#gen-toggle');
    const last = await page.evaluate(() =>
      Array.from(
        (document.getElementById('gen-canvas') as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, 66, 66).data,
      ),
    );
    // The images change as the latent vectors move, and are not flat.
    expect(last).not.toEqual(first);
    const reds = last.filter((_, i) => i % 4 === 0);
    expect(Math.max(...reds) - Math.min(...reds)).toBeGreaterThan(20);
    expect(await page.textContent('[data-testid="gen-notice"]')).toMatch(/not trained/);
    expect(await page.isHidden('#gen-error')).toBe(true);
    await screenshot(page.locator('#generator'), 'generator');
  });

  it('logged no console error during the whole session', () => {
    expect(w.errors).toEqual([]);
    expect(w.foreign).toEqual([]);
  });
});

describe('demo page without WebGPU', () => {
  it('says so and runs every panel on the CPU reference', async () => {
    const w = await openPage(browser, demo.url, { withoutWebGPU: true });
    const page = w.page;
    try {
      await waitReady(page);
      expect(await page.getAttribute('#backend-status', 'data-backend')).toBe('cpu');
      expect(await page.textContent('#backend-status')).toMatch(/no usable WebGPU.*CPU reference/);
      expect(await page.textContent('#out-shape')).toBe('8×8');
      await page.click('#run-button');
      await page.waitForSelector('#run-results[data-done="true"]', { timeout: 60_000 });
      const rows = await page
        .locator('#run-results-body tr[data-kernel]')
        .evaluateAll((trs) =>
          trs.map((tr) => [tr.getAttribute('data-status'), Number(tr.getAttribute('data-max-error'))] as const),
        );
      expect(rows.length).toBeGreaterThan(0);
      for (const [status, err] of rows) {
        expect(status).toBe('ok');
        expect(err).toBeLessThan(MAX_ERROR);
      }
      expect(await page.getAttribute('#upsample-output', 'data-ready')).toBe('true');
      expect(Number(await page.getAttribute('#gen-frames', 'data-frames'))).toBeGreaterThanOrEqual(1);
      expect(w.errors).toEqual([]);
      expect(w.foreign).toEqual([]);
      await screenshot(page.locator('body'), 'no-webgpu');
    } finally {
      await w.context.close();
    }
  });
});
