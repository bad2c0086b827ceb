/**
 * The demo's layout and accessibility: no panel sticks out sideways at phone widths
 * (360 and 390 px), with results, user-set values, open explanations and long
 * error messages on show; every panel's screenshot is saved at 390 and 1280 px
 * (and 1600 px) under test-results/screenshots/; axe finds no serious or critical
 * accessibility violation.
 */
import AxeBuilder from '@axe-core/playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright';
import {
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

const PANELS = ['explorer', 'run', 'upsample', 'generator'] as const;

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

async function setWidth(width: number): Promise<void> {
  await page.setViewportSize({ width, height: 900 });
  // Let the resize observers redraw the drawing, the chart and the images.
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
}

/** Every panel that sticks out at `width`, with what sticks out. */
async function overflowAt(width: number): Promise<Record<string, string[]>> {
  await setWidth(width);
  const found: Record<string, string[]> = {};
  for (const panel of PANELS) {
    const bad = await horizontalOverflow(page, `#${panel}`);
    if (bad.length) found[panel] = bad;
  }
  return found;
}

/** Serious and critical axe violations, one line each. */
async function axeViolations(): Promise<string[]> {
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

describe('with results, user-set values and the explanations open', () => {
  beforeAll(async () => {
    await page.selectOption('#run-data', 'custom');
    await page.fill('#run-reps', '1');
    await page.click('#run-button');
    await page.waitForSelector('#run-results[data-done="true"]', { timeout: 90_000 });
    await page.selectOption('#upsample-factor', '4');
    await page.waitForSelector('#upsample-output[data-ready="true"][data-factor="4"]', { timeout: 60_000 });
    await page.locator('details').evaluateAll((ds) => ds.forEach((d) => ((d as HTMLDetailsElement).open = true)));
  });

  it('saves every panel at 1600, 1280 and 390 px', async () => {
    for (const width of [1600, 1280, 390]) {
      await setWidth(width);
      for (const panel of PANELS) await screenshot(page.locator(`#${panel}`), `${panel}-${width}`);
    }
  });

  it('no panel overflows sideways at 390 or 360 px', async () => {
    expect(await overflowAt(390)).toEqual({});
    expect(await overflowAt(360)).toEqual({});
    // The chart switched to its narrow layout, and every bar is still drawn.
    expect(await page.locator('#run-chart [data-bar]').count()).toBe(6);
  });

  it('axe finds no serious or critical violation at 1280 px', async () => {
    await setWidth(1280);
    expect(await axeViolations()).toEqual([]);
  });
});

describe('with error messages and notes on show', () => {
  it('no panel overflows sideways at 390 or 360 px', async () => {
    // A framework switch with no equivalent (a long note), a bad user-set value, a bad generator seed.
    await page.click('#reset');
    await page.selectOption('#framework', 'caffe');
    await page.selectOption('#run-data', 'custom');
    await page.fill('#run-filter', '1, 2, three');
    await page.fill('#gen-seed', 'not a seed');
    expect(await page.getAttribute('#switch-note', 'data-ok')).toBe('false');
    expect(await invalidControls(page)).toEqual(['run-filter', 'gen-seed']);
    expect(await overflowAt(390)).toEqual({});
    expect(await overflowAt(360)).toEqual({});
    // An explorer error (the run panel then waits for a valid layer).
    await page.fill('#p-dilation', 'one, two');
    expect(await invalidControls(page)).toEqual(['p-dilation', 'gen-seed']);
    expect(await overflowAt(390)).toEqual({});
    await screenshot(page.locator('#explorer'), 'explorer-error-390');
    expect(await overflowAt(360)).toEqual({});
  });

  it('axe finds no serious or critical violation at 390 px', async () => {
    await setWidth(390);
    expect(await axeViolations()).toEqual([]);
  });

  it('logged no console error in the whole file', () => {
    expect(w.errors).toEqual([]);
    expect(w.foreign).toEqual([]);
  });
});
