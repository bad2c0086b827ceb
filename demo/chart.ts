/** A horizontal bar chart in SVG: one bar per kernel, length proportional to its time. */

const SVG = 'http://www.w3.org/2000/svg';

/** One bar. */
export interface Bar {
  label: string;
  /** Milliseconds; NaN for a kernel that did not run. */
  value: number;
  /** Text after the bar. */
  text: string;
  highlight?: boolean;
  muted?: boolean;
}

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>,
  text?: string,
): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

/** Redraws `root` with `bars`. */
export function drawBars(root: SVGSVGElement, bars: readonly Bar[]): void {
  const labelW = 130;
  const barMax = 300;
  const textW = 150;
  const rowH = 26;
  const width = labelW + barMax + textW;
  const height = Math.max(1, bars.length) * rowH + 8;
  root.setAttribute('viewBox', `0 0 ${width} ${height}`);
  root.setAttribute('width', String(width));
  root.setAttribute('height', String(height));
  root.replaceChildren();
  const max = Math.max(...bars.map((b) => (Number.isFinite(b.value) ? b.value : 0)), 1e-9);
  bars.forEach((b, i) => {
    const y = 4 + i * rowH;
    const g = svg('g', { 'data-bar': b.label });
    g.append(svg('text', { x: labelW - 8, y: y + rowH / 2 + 4, 'text-anchor': 'end', class: 'bar-label' }, b.label));
    const w = Number.isFinite(b.value) ? Math.max(2, (b.value / max) * barMax) : 0;
    const cls = b.highlight ? 'bar bar-auto' : b.muted ? 'bar bar-muted' : 'bar';
    g.append(svg('rect', { x: labelW, y: y + 4, width: w, height: rowH - 8, rx: 3, class: cls }));
    g.append(svg('text', { x: labelW + w + 6, y: y + rowH / 2 + 4, class: 'bar-text' }, b.text));
    root.append(g);
  });
}
