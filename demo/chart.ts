/**
 * A horizontal bar chart in SVG: one bar per kernel, length proportional to its time.
 * It is laid out for the width it is given: label, bar and value on one line when
 * there is room, else the label and value above a full-width bar.
 */

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

/** Below this width the labels go above the bars. */
const STACK_BELOW = 460;

/** Redraws `root` with `bars`, `width` CSS pixels wide (an empty chart for no bars). */
export function drawBars(root: SVGSVGElement, bars: readonly Bar[], width: number): void {
  root.replaceChildren();
  if (bars.length === 0) {
    root.setAttribute('width', '0');
    root.setAttribute('height', '0');
    root.removeAttribute('viewBox');
    return;
  }
  const w = Math.max(200, Math.floor(width));
  const stacked = w < STACK_BELOW;
  const labelW = stacked ? 0 : 130;
  const textW = stacked ? 0 : 150;
  const rowH = stacked ? 40 : 26;
  const barMax = w - labelW - textW - 4;
  const height = bars.length * rowH + 8;
  root.setAttribute('viewBox', `0 0 ${w} ${height}`);
  root.setAttribute('width', String(w));
  root.setAttribute('height', String(height));
  const max = Math.max(...bars.map((b) => (Number.isFinite(b.value) ? b.value : 0)), 1e-9);
  bars.forEach((b, i) => {
    const y = 4 + i * rowH;
    const g = svg('g', { 'data-bar': b.label });
    const barW = Number.isFinite(b.value) ? Math.max(2, (b.value / max) * barMax) : 0;
    const cls = b.highlight ? 'bar bar-auto' : b.muted ? 'bar bar-muted' : 'bar';
    if (stacked) {
      g.append(svg('text', { x: 0, y: y + 13, class: 'bar-label' }, `${b.label}: ${b.text}`));
      g.append(svg('rect', { x: 0, y: y + 19, width: barW, height: 14, rx: 3, class: cls }));
    } else {
      g.append(svg('text', { x: labelW - 8, y: y + rowH / 2 + 4, 'text-anchor': 'end', class: 'bar-label' }, b.label));
      g.append(svg('rect', { x: labelW, y: y + 4, width: barW, height: rowH - 8, rx: 3, class: cls }));
      g.append(svg('text', { x: labelW + barW + 6, y: y + rowH / 2 + 4, class: 'bar-text' }, b.text));
    }
    root.append(g);
  });
}
