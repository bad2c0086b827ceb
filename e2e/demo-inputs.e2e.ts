/**
 * The demo's inputs as a person types them: every invalid value outlines exactly its
 * own field with a message in that framework's terms (never NaN, never another
 * field); a framework switch carries the layer over through the library's
 * conversions; the page's state survives a reload through its URL; copy, reset and
 * the drawing's keyboard control work.
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
  w = await openPage(browser, demo.url, { clipboard: true });
  page = w.page;
  await waitReady(page);
});

afterAll(async () => {
  await w?.context.close();
  await browser?.close();
  await demo?.close();
});

/** Back to the page's defaults (the reset button) before each scenario. */
async function reset(): Promise<void> {
  await page.click('#reset');
  await expect.poll(() => page.textContent('#out-shape')).toBe('8×8');
}

/** Types `value` into `#id` and expects exactly that control to be invalid, with `message`. */
async function expectOnly(id: string, value: string, message: string | RegExp, scope = 'body'): Promise<void> {
  await page.fill(`#${id}`, value);
  await expect.poll(() => invalidControls(page, scope)).toEqual([id]);
  const text = await fieldError(page, id);
  if (typeof message === 'string') expect(text).toBe(message);
  else expect(text).toMatch(message);
  expect(await page.textContent('main')).not.toContain('NaN');
}

describe('each invalid input outlines exactly its own field, in the framework’s terms', () => {
  it('PyTorch: stride "abc", a blank stride, output_padding 2 at stride 2, groups that do not divide', async () => {
    await reset();
    await expectOnly('p-stride', 'abc', 'stride = abc: “abc” is not a number.', '#explorer');
    await expectOnly('p-stride', '', 'stride is empty: type a value (PyTorch’s default is 1).', '#explorer');
    await page.fill('#p-stride', '2');
    // The library's own rule, after the PyTorch name and the value as typed.
    await expectOnly(
      'p-outputPadding',
      '2',
      /^output_padding = 2: must be less than max\(stride, dilation\) = 2 on the height axis \(at most 1\), as PyTorch requires$/,
      '#explorer',
    );
    await page.fill('#p-outputPadding', '1');
    await expectOnly('p-groups', '3', 'groups = 3: must divide out_channels (2).', '#explorer');
    await page.fill('#p-groups', '1');
    await expect.poll(() => invalidControls(page)).toEqual([]);
    expect(await page.textContent('#out-shape')).toBe('8×8');
  });

  it('the sizes: input H 0 marks only input H and keeps the two-column grid; out channels 0 is out_channels / filters', async () => {
    await reset();
    await expectOnly('in-height', '0', 'input H = 0: must be a positive integer.', '#explorer');
    await expectOnly('in-height', '1e9', 'input H = 1e9: this page takes at most 100000.', '#explorer');
    await page.fill('#in-height', '0');
    const box = async (id: string) => (await page.locator(`#${id}`).boundingBox())!;
    // input H and input W still share a row; in_channels starts the next one.
    expect((await box('in-width')).y).toBeCloseTo((await box('in-height')).y, 0);
    expect((await box('in-channels')).x).toBeCloseTo((await box('in-height')).x, 0);
    expect((await box('in-channels')).y).toBeGreaterThan((await box('in-height')).y);
    // The drawing's place says why in full, instead of a clipped canvas text.
    const note = page.locator('#geometry-note');
    expect(await note.isVisible()).toBe(true);
    expect(await note.textContent()).toBe('Nothing to draw: fix the field outlined in red (its message says why).');
    expect(await page.isHidden('#geometry-canvas')).toBe(true);
    await page.fill('#in-height', '4');

    await expectOnly('out-channels', '0', 'out_channels = 0: must be a positive integer.', '#explorer');
    await page.fill('#out-channels', '2');
    await page.selectOption('#framework', 'keras');
    await expectOnly('out-channels', '0', 'filters = 0: must be a positive integer.', '#explorer');
    await page.selectOption('#framework', 'caffe');
    await expectOnly('out-channels', 'x', 'num_output = x: “x” is not a number.', '#explorer');
  });

  it('TensorFlow: explicit padding "1, 1" is an error on explicit padding, not on the empty output_shape', async () => {
    await reset();
    await page.selectOption('#framework', 'tensorflow');
    // The switch carried PyTorch's layer over as explicit padding with output_shape 8, 8; leave output_shape blank.
    expect(await page.inputValue('#p-padding')).toBe('EXPLICIT');
    await page.fill('#p-outputShape', '');
    await expectOnly(
      'p-explicitPadding',
      '1, 1',
      'explicit padding = “1, 1”: give 1 or 4 integers (top, bottom, left, right; one value = every side), not 2.',
      '#explorer',
    );
    expect(await page.inputValue('#p-outputShape')).toBe('');
    await page.fill('#p-explicitPadding', '1, 1, 1, 1');
    await expect.poll(() => invalidControls(page)).toEqual([]);
    // ONNX lists take exactly two values.
    await page.selectOption('#framework', 'onnx');
    await expectOnly('p-strides', '2', 'strides = 2: give 2 integers, not 1.', '#explorer');
  });

  it('the run and generator fields: batch, repetitions and the two seeds are checked, never replaced', async () => {
    await reset();
    await expectOnly('run-batch', 'abc', 'batch = abc: “abc” is not a number.');
    expect(await page.isDisabled('#run-button')).toBe(true);
    await expectOnly('run-batch', '0', 'batch = 0: must be a positive integer.');
    await page.fill('#run-batch', '1');
    await expectOnly('run-reps', '0', 'repetitions = 0: must be a positive integer.');
    await expectOnly('run-reps', '99', 'repetitions = 99: this page takes at most 50.');
    await page.fill('#run-reps', '5');
    await expectOnly('run-seed', 'xyz', 'data seed = xyz: “xyz” is not a number.');
    await page.fill('#run-seed', '1');
    await expect.poll(() => invalidControls(page)).toEqual([]);
    expect(await page.isEnabled('#run-button')).toBe(true);
    // Two different seeds, two different names.
    expect(await page.textContent('label[for="run-seed"]')).toBe('data seed');
    expect(await page.textContent('label[for="gen-seed"]')).toBe('generator seed');
    await expectOnly('gen-seed', 'xyz', 'generator seed = xyz: “xyz” is not a number.');
    await page.fill('#gen-seed', '1');
    await expect.poll(() => invalidControls(page)).toEqual([]);
  });
});

describe('a framework switch keeps an equivalent layer', () => {
  it('carries k4 s2 p1 through every framework and back, through the library’s conversions', async () => {
    await reset();
    await page.fill('#kernel-height', '4');
    await page.fill('#kernel-width', '4');
    await page.fill('#p-outputPadding', '0');
    const same = async (framework: string, converter: string, fields: Record<string, string>) => {
      await page.selectOption('#framework', framework);
      await expect.poll(() => page.textContent('#out-shape')).toBe('8×8');
      expect(await page.textContent('#crop')).toBe('top 1, bottom 1, left 1, right 1');
      expect(await page.getAttribute('#switch-note', 'data-ok')).toBe('true');
      expect(await page.textContent('#switch-note')).toContain(`${converter}()`);
      for (const [key, value] of Object.entries(fields)) expect(await page.inputValue(`#p-${key}`), key).toBe(value);
    };
    await same('tensorflow', 'toTensorFlow', { strides: '2', padding: 'SAME', outputShape: '8, 8' });
    await same('keras', 'toKeras', { strides: '2', padding: 'same', outputPadding: '' });
    await same('onnx', 'toOnnx', { pads: '1, 1, 1, 1', strides: '2, 2', outputPadding: '0, 0' });
    await same('caffe', 'toCaffe', { stride: '2', pad: '1' });
    await same('canonical', 'equivalents', { strides: '2, 2', padding: '1, 1, 1, 1', outputPadding: '0, 0' });
    await same('torch', 'toTorch', { stride: '2', padding: '1', outputPadding: '0' });
    // The sizes are the user's throughout.
    expect(await page.inputValue('#kernel-height')).toBe('4');
  });

  it('says so when the other framework has no equivalent, and starts from its defaults', async () => {
    await reset();
    // PyTorch's default here, k3 s2 p1 output_padding 1, crops one row more at the top than at the bottom.
    await page.selectOption('#framework', 'caffe');
    expect(await page.getAttribute('#switch-note', 'data-ok')).toBe('false');
    expect(await page.textContent('#switch-note')).toMatch(
      /^Caffe has no equivalent of this layer: Caffe's Deconvolution crops pad equally.*The Caffe fields show its defaults/,
    );
    expect(await page.inputValue('#p-stride')).toBe('2');
    expect(await page.textContent('#out-shape')).toBe('7×7');
  });
});

describe('the page state lives in the URL', () => {
  it('a reload restores the same layer, run settings, upsampling factor and generator seed', async () => {
    await reset();
    await page.selectOption('#framework', 'keras');
    await page.fill('#in-height', '5');
    await page.fill('#in-width', '7');
    await page.fill('#out-channels', '3');
    await page.fill('#p-strides', '3');
    await page.selectOption('#p-padding', 'valid');
    await page.fill('#run-batch', '2');
    await page.selectOption('#run-activation', 'tanh');
    await page.selectOption('#upsample-factor', '3');
    await page.fill('#gen-seed', '5');
    await expect.poll(() => page.textContent('#out-shape')).toBe('15×21');
    const crop = await page.textContent('#crop');
    await expect.poll(() => new URL(page.url()).searchParams.get('gseed')).toBe('5');
    const url = new URL(page.url());
    expect(url.searchParams.get('fw')).toBe('keras');
    expect(url.searchParams.get('strides')).toBe('3');

    await page.reload();
    await waitReady(page);
    expect(await page.inputValue('#framework')).toBe('keras');
    expect(await page.inputValue('#in-height')).toBe('5');
    expect(await page.inputValue('#in-width')).toBe('7');
    expect(await page.inputValue('#out-channels')).toBe('3');
    expect(await page.inputValue('#p-strides')).toBe('3');
    expect(await page.inputValue('#p-padding')).toBe('valid');
    expect(await page.textContent('#out-shape')).toBe('15×21');
    expect(await page.textContent('#crop')).toBe(crop);
    expect(await page.inputValue('#run-batch')).toBe('2');
    expect(await page.inputValue('#run-activation')).toBe('tanh');
    expect(await page.inputValue('#upsample-factor')).toBe('3');
    expect(await page.getAttribute('#upsample-output', 'data-factor')).toBe('3');
    expect(await page.inputValue('#gen-seed')).toBe('5');
    expect(page.url()).toBe(url.href);

    // "Copy link" copies exactly that URL.
    await page.click('#copy-link');
    await expect.poll(() => page.textContent('#copy-link')).toBe('Copied');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(url.href);

    // Reset puts every panel back and the URL with it.
    await page.click('#reset');
    await expect.poll(() => page.inputValue('#framework')).toBe('torch');
    expect(await page.inputValue('#in-height')).toBe('4');
    expect(await page.inputValue('#run-batch')).toBe('1');
    expect(await page.inputValue('#upsample-factor')).toBe('2');
    expect(await page.inputValue('#gen-seed')).toBe('1');
    await expect.poll(() => new URL(page.url()).searchParams.has('batch')).toBe(false);
    expect(new URL(page.url()).searchParams.get('fw')).toBe('torch');
  });

  it('a shared link with an invalid value shows it as typed, with its error', async () => {
    const other = await openPage(browser, `${demo.url}?fw=torch&stride=abc&h=6`);
    try {
      await expect.poll(() => invalidControls(other.page, '#explorer')).toEqual(['p-stride']);
      expect(await other.page.inputValue('#p-stride')).toBe('abc');
      expect(await other.page.inputValue('#in-height')).toBe('6');
      expect(await fieldError(other.page, 'p-stride')).toBe('stride = abc: “abc” is not a number.');
    } finally {
      await other.context.close();
    }
  });
});

describe('copying, the drawing’s keyboard control and its text alternative', () => {
  it('copies an equivalent call with its button', async () => {
    await reset();
    const row = page.locator('#equivalents-body tr[data-framework="onnx"]');
    const code = await row.locator('code').textContent();
    await row.locator('button.copy').click();
    await expect.poll(() => row.locator('button.copy').textContent()).toBe('Copied');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(code);
  });

  it('moves the footprint with the arrow keys and describes it in words', async () => {
    await reset();
    const canvas = page.locator('#geometry-canvas');
    expect(await canvas.getAttribute('aria-label')).toMatch(/^Drawing of the full 9×9 result: the 4×4 input pixels/);
    expect(await canvas.getAttribute('aria-describedby')).toBe('geometry-caption');
    expect(await canvas.getAttribute('data-footprint')).toBe('1,1');
    await canvas.focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    expect(await canvas.getAttribute('data-footprint')).toBe('3,2');
    expect(await page.textContent('#geometry-caption')).toMatch(
      /^Footprint of input pixel \(row 3, column 2\): its 3×3 taps land on rows 6…8 and columns 4…6 of the full result; 9 of 9 fall inside the output\./,
    );
    // It stops at the last input pixel; at the first, the crop takes a row and a column of taps.
    await page.keyboard.press('ArrowDown');
    expect(await canvas.getAttribute('data-footprint')).toBe('3,2');
    for (const key of ['ArrowUp', 'ArrowUp', 'ArrowUp', 'ArrowUp', 'ArrowLeft', 'ArrowLeft', 'ArrowLeft']) {
      await page.keyboard.press(key);
    }
    expect(await canvas.getAttribute('data-footprint')).toBe('0,0');
    expect(await page.textContent('#geometry-caption')).toContain('4 of 9 fall inside the output');
  });

  it('logged no console error in the whole file', () => {
    expect(w.errors).toEqual([]);
    expect(w.foreign).toEqual([]);
  });
});
