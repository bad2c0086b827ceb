/** Small DOM helpers shared by the demo panels. */

/** The element with this id; throws when the page lacks it (a bug in index.html). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`demo: missing element #${id}`);
  return el as T;
}

/** Creates an element with attributes and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number | boolean | undefined> = {},
  ...children: (Node | string | null | undefined)[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (key === 'class') el.className = String(value);
    else if (key === 'text') el.textContent = String(value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    el.append(child);
  }
  return el;
}

/** The message of anything thrown. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/**
 * Formats milliseconds. Browsers that are not cross-origin isolated round
 * `performance.now()` to 0.1 ms, so no more than one decimal is shown.
 */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms < 0.05) return '< 0.1 ms';
  return `${ms.toFixed(1)} ms`;
}

/** Formats a small error value (1.2e-7). */
export function formatError(e: number): string {
  if (!Number.isFinite(e)) return String(e);
  if (e === 0) return '0';
  return e.toExponential(1);
}

/** A count in words a person reads at a glance: 1.2 M, 3.4 G. */
export function formatCount(n: number): string {
  const units: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [size, unit] of units) if (n >= size) return `${(n / size).toPrecision(3)} ${unit}`;
  return String(n);
}

/** Bytes in KiB, MiB or GiB. */
export function formatBytes(bytes: number): string {
  const units: [number, string][] = [
    [2 ** 40, 'TiB'],
    [2 ** 30, 'GiB'],
    [2 ** 20, 'MiB'],
    [2 ** 10, 'KiB'],
  ];
  for (const [size, unit] of units) if (bytes >= size) return `${(bytes / size).toPrecision(3)} ${unit}`;
  return `${bytes} B`;
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Largest absolute difference between two arrays of the same length. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

/** Lets the browser paint before a long piece of work. */
export function nextFrame(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => resolve()));
}

/**
 * Shows `message` under a form control (or clears it with null): the control gets
 * aria-invalid and is described by the message, which sits inside the control's
 * `.field` wrapper so grids and rows keep their shape.
 */
export function setFieldError(control: HTMLElement, message: string | null): void {
  const id = `${control.id}-error`;
  let box = document.getElementById(id);
  if (!box) {
    box = h('p', { id, class: 'field-error', hidden: true });
    (control.closest('.field') ?? control.parentElement ?? document.body).append(box);
    const described = control.getAttribute('aria-describedby');
    control.setAttribute('aria-describedby', described ? `${described} ${id}` : id);
  }
  if (message === null) {
    box.hidden = true;
    box.textContent = '';
    control.removeAttribute('aria-invalid');
  } else {
    box.hidden = false;
    box.textContent = message;
    control.setAttribute('aria-invalid', 'true');
  }
}

/**
 * Copies `text` to the clipboard and says so on `button` for a moment. Falls back to
 * a selected hidden textarea where the Clipboard API is refused.
 */
export async function copyText(text: string, button: HTMLButtonElement): Promise<void> {
  const label = button.dataset.label ?? button.textContent ?? 'Copy';
  button.dataset.label = label;
  let ok = true;
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const area = h('textarea', { class: 'visually-hidden', 'aria-hidden': 'true' });
    area.value = text;
    document.body.append(area);
    area.select();
    ok = document.execCommand('copy');
    area.remove();
  }
  button.textContent = ok ? 'Copied' : 'Copy failed';
  button.dataset.copied = String(ok);
  setTimeout(() => {
    button.textContent = label;
    delete button.dataset.copied;
  }, 1500);
}

/** Calls `fn` whenever `el` changes width (and not for height-only changes). */
export function onWidthChange(el: Element, fn: () => void): void {
  let width = -1;
  new ResizeObserver((entries) => {
    const w = Math.round(entries[0]?.contentRect.width ?? 0);
    if (w === width) return;
    width = w;
    fn();
  }).observe(el);
}
