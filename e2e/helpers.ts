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

/**
 * Opens `url` in a fresh context and records errors and foreign requests. With
 * `withoutWebGPU`, `navigator.gpu` is removed before any script runs: the page sees a
 * browser without WebGPU.
 */
export async function openPage(
  browser: Browser,
  url: string,
  { withoutWebGPU = false }: { withoutWebGPU?: boolean } = {},
): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
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
