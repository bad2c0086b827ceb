/**
 * Shared set-up of the end-to-end tests: the demo on a Vite dev server bound to
 * 127.0.0.1 (a secure context, as WebGPU needs), and headless Chromium driven by
 * Playwright with the launch flags the browser tests use.
 */
import { mkdirSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright';
import { createServer } from 'vite';
import { chromiumArgs, chromiumPath } from '../vite.config.js';

/** Repository root. */
export const ROOT = resolve(import.meta.dirname, '..');
/** Where panel screenshots go (a CI artifact). */
export const SCREENSHOTS = resolve(ROOT, 'test-results', 'screenshots');

/** A running demo server. */
export interface DemoServer {
  url: string;
  close(): Promise<void>;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const srv = createNetServer();
    srv.unref();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => done(port));
    });
  });
}

/** Starts the demo exactly as `npm run demo` does (same config file), on 127.0.0.1 and a free port. */
export async function startDemo(): Promise<DemoServer> {
  const port = await freePort();
  const server = await createServer({
    configFile: resolve(ROOT, 'vite.config.ts'),
    root: resolve(ROOT, 'demo'),
    logLevel: 'warn',
    clearScreen: false,
    server: { host: '127.0.0.1', port, strictPort: true },
  });
  await server.listen();
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => server.close(),
  };
}

/** Headless Chromium with WebGPU enabled (SwiftShader where there is no GPU). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath, args: chromiumArgs, headless: true });
}

/** A page plus what it logged: console errors, uncaught exceptions, requests off its origin. */
export interface WatchedPage {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught exceptions, in order. */
  errors: string[];
  /** Requests to any origin other than the demo's. */
  foreign: string[];
}

/** Options of {@link openPage}. */
export interface OpenOptions {
  /** Removes `navigator.gpu` before any script runs: the page sees a browser without WebGPU. */
  withoutWebGPU?: boolean;
  /** CSS pixels; default 1280 × 900. */
  viewport?: { width: number; height: number };
  /** Lets the page write and read the clipboard (the copy buttons). */
  clipboard?: boolean;
}

/** Opens `url` in a fresh context and records errors and foreign requests. */
export async function openPage(
  browser: Browser,
  url: string,
  { withoutWebGPU = false, viewport = { width: 1280, height: 900 }, clipboard = false }: OpenOptions = {},
): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport });
  if (clipboard) {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(url).origin });
  }
  if (withoutWebGPU) {
    await context.addInitScript(() => {
      delete (Navigator.prototype as { gpu?: unknown }).gpu;
    });
  }
  const page = await context.newPage();
  const errors: string[] = [];
  const foreign: string[] = [];
  const origin = new URL(url).origin;
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('request', (req) => {
    const u = req.url();
    if (u.startsWith('data:') || u.startsWith('blob:')) return;
    if (new URL(u).origin !== origin) foreign.push(u);
  });
  await page.goto(url);
  return { context, page, errors, foreign };
}

/** SwiftShader compiles pipelines slowly; the page's first full render can take a while. */
export const READY_MS = 90_000;

/** Waits until every panel has drawn once (the engine started, upsampling and generator done). */
export async function waitReady(page: Page): Promise<void> {
  await page.waitForSelector('body[data-ready="true"]', { timeout: READY_MS });
}

/**
 * Everything that sticks out sideways: the page when it scrolls horizontally, and
 * each element of `selector` that reaches past the left or right edge of that
 * element's box (closed `<details>` and hidden elements have no box and are skipped).
 */
export function horizontalOverflow(page: Page, selector: string): Promise<string[]> {
  return page.evaluate((sel) => {
    const doc = document.documentElement;
    const out: string[] = [];
    if (doc.scrollWidth > doc.clientWidth)
      out.push(`the page scrolls sideways: ${doc.scrollWidth} > ${doc.clientWidth}`);
    const root = document.querySelector(sel);
    if (!root) return [`${sel}: not found`];
    const box = root.getBoundingClientRect();
    if (box.left < -0.5 || box.right > doc.clientWidth + 0.5) {
      out.push(`${sel} spans ${box.left.toFixed(0)}…${box.right.toFixed(0)} of ${doc.clientWidth}`);
    }
    for (const el of root.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      if (r.left < box.left - 0.5 || r.right > box.right + 0.5) {
        const name = `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.getAttribute('class') ? `.${el.getAttribute('class')}` : ''}`;
        const text = (el.textContent ?? '').trim().slice(0, 40);
        out.push(
          `${name} "${text}" spans ${r.left.toFixed(0)}…${r.right.toFixed(0)} outside ${box.left.toFixed(0)}…${box.right.toFixed(0)}`,
        );
      }
    }
    return out;
  }, selector);
}

/** The ids of the controls marked invalid inside `selector`, in document order. */
export function invalidControls(page: Page, selector = 'body'): Promise<string[]> {
  return page.locator(`${selector} [aria-invalid="true"]`).evaluateAll((els) => els.map((e) => e.id));
}

/** The text of the visible error under control `id` ('' when none shows). */
export async function fieldError(page: Page, id: string): Promise<string> {
  const box = page.locator(`#${id}-error`);
  if ((await box.count()) === 0 || !(await box.isVisible())) return '';
  return (await box.textContent()) ?? '';
}

/** Saves a screenshot of `locator` as test-results/screenshots/<name>.png. */
export async function screenshot(locator: Locator, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = resolve(SCREENSHOTS, `${name}.png`);
  await locator.screenshot({ path, animations: 'disabled' });
  return path;
}

/** A [h, w] pair from a scalar or pair, as the framework params allow either. */
export function pairOf(v: unknown, def: number): [number, number] {
  if (v === undefined || v === null) return [def, def];
  if (Array.isArray(v)) return [Number(v[0]), Number(v[1] ?? v[0])];
  return [Number(v), Number(v)];
}
