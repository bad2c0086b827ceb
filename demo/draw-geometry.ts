/**
 * Draws one transposed convolution's geometry on a canvas, in the coordinates of the
 * full (uncropped) result: each input pixel lands at i·stride, with stride − 1
 * inserted zeros between neighbours; the kernel footprint of one input pixel covers
 * i·stride + t·dilation; the crop removes rows/cols at each side, and output padding
 * adds rows/cols at the bottom/right. The drawing fits its container's width, has a
 * text alternative, and its footprint moves with the mouse, by touch or with the
 * arrow keys.
 */
import type { ConvTranspose2dGeometry } from '../src/index.js';
import { onWidthChange } from './dom.js';

/** Colours, shared with the legend. */
export const COLORS = {
  input: '#2f6fdf',
  zero: '#e4e8ef',
  overhang: '#ffffff',
  grid: '#b9c0cc',
  footprint: '#d9480f',
  cropped: 'rgba(220, 53, 69, 0.35)',
  added: 'rgba(47, 158, 68, 0.25)',
  output: '#2f9e44',
} as const;

/** Below this many CSS pixels per cell the drawing would be unreadable. */
const MIN_CELL = 3;
const MAX_CELL = 32;
const MAX_HEIGHT = 440;

/** The cell range on one axis. */
interface Axis {
  inSize: number;
  stride: number;
  dilation: number;
  kernel: number;
  full: number;
  padBegin: number;
  out: number;
  /** Cells drawn: the full size, or further when output padding reaches past it. */
  extent: number;
}

function axes(g: ConvTranspose2dGeometry): [Axis, Axis] {
  const make = (i: 0 | 1): Axis => {
    const full = i === 0 ? g.fullHeight : g.fullWidth;
    const padBegin = g.padding[i === 0 ? 0 : 2];
    const out = i === 0 ? g.outHeight : g.outWidth;
    return {
      inSize: i === 0 ? g.inHeight : g.inWidth,
      stride: g.strides[i],
      dilation: g.dilations[i],
      kernel: i === 0 ? g.kernelHeight : g.kernelWidth,
      full,
      padBegin,
      out,
      extent: Math.max(full, padBegin + out),
    };
  };
  return [make(0), make(1)];
}

function span(from: number, to: number): string {
  return from === to ? String(from) : `${from}…${to}`;
}

/** Where one input pixel's taps land on one axis, and how many of them the output keeps. */
function reach(a: Axis, i: number): { first: number; last: number; kept: number } {
  const first = i * a.stride;
  const last = first + (a.kernel - 1) * a.dilation;
  let kept = 0;
  for (let t = 0; t < a.kernel; t++) {
    const q = first + t * a.dilation;
    if (q >= a.padBegin && q < a.padBegin + a.out) kept++;
  }
  return { first, last, kept };
}

/** A canvas view of a geometry with its text alternative. */
export class GeometryView {
  private g: ConvTranspose2dGeometry | null = null;
  private pick: [number, number] = [0, 0];
  private cell = 16;
  private readonly margin = 8;

  /**
   * @param canvas the drawing
   * @param note replaces the drawing (in words) when there is nothing to draw
   * @param caption describes the footprint in words; the canvas is described by it
   * @param legend the colours' key, hidden with the drawing
   */
  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly note: HTMLElement,
    private readonly caption: HTMLElement,
    private readonly legend?: HTMLElement,
  ) {
    canvas.tabIndex = 0;
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-describedby', caption.id);
    canvas.addEventListener('pointermove', (e) => this.point(e));
    canvas.addEventListener('pointerdown', (e) => this.point(e));
    canvas.addEventListener('keydown', (e) => this.key(e));
    onWidthChange(canvas.parentElement ?? canvas, () => this.draw());
  }

  /** Shows `g`, or `message` in words when there is no geometry. */
  set(g: ConvTranspose2dGeometry | null, message = ''): void {
    const same =
      g && this.g && g.inHeight === this.g.inHeight && g.inWidth === this.g.inWidth && this.pick[0] < g.inHeight;
    this.g = g;
    if (g && !same) {
      // Default footprint: an interior input pixel, so overlaps with neighbours show.
      this.pick = [Math.min(1, g.inHeight - 1), Math.min(1, g.inWidth - 1)];
    }
    this.note.textContent = message;
    this.draw();
  }

  private point(e: PointerEvent): void {
    if (!this.g) return;
    const [ay, ax] = axes(this.g);
    const rect = this.canvas.getBoundingClientRect();
    const x = (e.clientX - rect.left - this.margin) / this.cell;
    const y = (e.clientY - rect.top - this.margin) / this.cell;
    const iy = Math.min(ay.inSize - 1, Math.max(0, Math.round((y - 0.5) / ay.stride)));
    const ix = Math.min(ax.inSize - 1, Math.max(0, Math.round((x - 0.5) / ax.stride)));
    this.move(iy, ix);
  }

  private key(e: KeyboardEvent): void {
    if (!this.g) return;
    const steps: Record<string, [number, number]> = {
      ArrowUp: [-1, 0],
      ArrowDown: [1, 0],
      ArrowLeft: [0, -1],
      ArrowRight: [0, 1],
    };
    const step = steps[e.key];
    if (!step) return;
    e.preventDefault();
    const iy = Math.min(this.g.inHeight - 1, Math.max(0, this.pick[0] + step[0]));
    const ix = Math.min(this.g.inWidth - 1, Math.max(0, this.pick[1] + step[1]));
    this.move(iy, ix);
  }

  private move(iy: number, ix: number): void {
    if (iy !== this.pick[0] || ix !== this.pick[1]) {
      this.pick = [iy, ix];
      this.draw();
    }
  }

  /** The drawing in one sentence: what is placed where, and which part is the output. */
  private summary(g: ConvTranspose2dGeometry, ay: Axis, ax: Axis): string {
    const [t, b, l, r] = g.padding;
    const zeros =
      ay.stride > 1 || ax.stride > 1
        ? `, with ${ay.stride - 1} inserted zero row(s) and ${ax.stride - 1} zero column(s) between them`
        : '';
    return (
      `Drawing of the full ${g.fullHeight}×${g.fullWidth} result: the ${g.inHeight}×${g.inWidth} input pixels ` +
      `placed every ${ay.stride} row(s) and ${ax.stride} column(s)${zeros}. Padding crops ${t} row(s) at the top, ` +
      `${b} at the bottom, ${l} column(s) at the left and ${r} at the right; output padding adds ` +
      `${g.outputPadding[0]} row(s) and ${g.outputPadding[1]} column(s). The ${g.outHeight}×${g.outWidth} output is ` +
      `rows ${span(ay.padBegin, ay.padBegin + ay.out - 1)} and columns ${span(ax.padBegin, ax.padBegin + ax.out - 1)}.`
    );
  }

  private describeFootprint(ay: Axis, ax: Axis): string {
    const [iy, ix] = this.pick;
    const ry = reach(ay, iy);
    const rx = reach(ax, ix);
    const taps = ay.kernel * ax.kernel;
    const kept = ry.kept * rx.kept;
    return (
      `Footprint of input pixel (row ${iy}, column ${ix}): its ${ay.kernel}×${ax.kernel} taps land on rows ` +
      `${span(ry.first, ry.last)} and columns ${span(rx.first, rx.last)} of the full result; ${kept} of ${taps} ` +
      `fall inside the output. Move it with the mouse, by touch, or focus the drawing and use the arrow keys.`
    );
  }

  private draw(): void {
    const canvas = this.canvas;
    const g = this.g;
    const available = (canvas.parentElement?.clientWidth ?? 320) - 2;
    if (!g) {
      this.hide('invalid');
      return;
    }
    const [ay, ax] = axes(g);
    const m = this.margin;
    const cell = Math.min(MAX_CELL, (available - 2 * m) / ax.extent, (MAX_HEIGHT - 2 * m) / ay.extent);
    if (cell < MIN_CELL) {
      this.note.textContent =
        `${ay.extent}×${ax.extent} cells are too many to draw at this width; the numbers above hold. ` +
        this.summary(g, ay, ax);
      this.hide('too-large');
      return;
    }
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    this.cell = cell >= 4 ? Math.floor(cell) : cell;
    const c = this.cell;
    canvas.hidden = false;
    this.note.hidden = true;
    this.caption.hidden = false;
    if (this.legend) this.legend.hidden = false;
    this.resize(ctx, ax.extent * c + 2 * m, ay.extent * c + 2 * m);
    canvas.dataset.state = 'ok';
    canvas.dataset.full = `${g.fullHeight}x${g.fullWidth}`;
    canvas.dataset.output = `${g.outHeight}x${g.outWidth}`;
    canvas.setAttribute('aria-label', this.summary(g, ay, ax));
    this.caption.textContent = this.describeFootprint(ay, ax);

    const lastY = (ay.inSize - 1) * ay.stride;
    const lastX = (ax.inSize - 1) * ax.stride;
    for (let y = 0; y < ay.extent; y++) {
      for (let x = 0; x < ax.extent; x++) {
        const px = m + x * c;
        const py = m + y * c;
        const beyond = y >= ay.full || x >= ax.full;
        const inside = y <= lastY && x <= lastX;
        const isInput = inside && y % ay.stride === 0 && x % ax.stride === 0;
        ctx.fillStyle = beyond ? COLORS.overhang : isInput ? COLORS.input : inside ? COLORS.zero : COLORS.overhang;
        ctx.fillRect(px, py, c, c);
        if (!beyond && !isInput && inside && c >= 14) {
          ctx.fillStyle = '#5f6b7a';
          ctx.font = `${Math.floor(c * 0.5)}px system-ui, sans-serif`;
          ctx.textAlign = 'center';
          ctx.textBaseline = 'middle';
          ctx.fillText('0', px + c / 2, py + c / 2 + 1);
        }
      }
    }
    // Output padding past the full result: rows/cols the output adds (zeros plus bias).
    ctx.fillStyle = COLORS.added;
    for (let y = 0; y < ay.extent; y++) {
      for (let x = 0; x < ax.extent; x++) {
        if (y >= ay.full || x >= ax.full) ctx.fillRect(m + x * c, m + y * c, c, c);
      }
    }
    if (c >= 4) {
      ctx.strokeStyle = COLORS.grid;
      ctx.lineWidth = 1;
      ctx.beginPath();
      for (let y = 0; y <= ay.extent; y++) {
        ctx.moveTo(m, m + y * c + 0.5);
        ctx.lineTo(m + ax.extent * c, m + y * c + 0.5);
      }
      for (let x = 0; x <= ax.extent; x++) {
        ctx.moveTo(m + x * c + 0.5, m);
        ctx.lineTo(m + x * c + 0.5, m + ay.extent * c);
      }
      ctx.stroke();
    }
    // The crop: every cell of the full result outside the output.
    ctx.fillStyle = COLORS.cropped;
    const oy0 = ay.padBegin;
    const ox0 = ax.padBegin;
    for (let y = 0; y < ay.full; y++) {
      for (let x = 0; x < ax.full; x++) {
        const inside = y >= oy0 && y < oy0 + ay.out && x >= ox0 && x < ox0 + ax.out;
        if (!inside) ctx.fillRect(m + x * c, m + y * c, c, c);
      }
    }
    // The kernel footprint of the picked input pixel.
    const [iy, ix] = this.pick;
    const y0 = iy * ay.stride;
    const x0 = ix * ax.stride;
    ctx.strokeStyle = COLORS.footprint;
    ctx.lineWidth = Math.max(1.5, c / 8);
    for (let ty = 0; ty < ay.kernel; ty++) {
      for (let tx = 0; tx < ax.kernel; tx++) {
        const y = y0 + ty * ay.dilation;
        const x = x0 + tx * ax.dilation;
        const inset = Math.min(3, c / 6);
        ctx.strokeRect(m + x * c + inset, m + y * c + inset, c - 2 * inset, c - 2 * inset);
      }
    }
    ctx.setLineDash([4, 3]);
    ctx.strokeRect(
      m + x0 * c,
      m + y0 * c,
      ((ax.kernel - 1) * ax.dilation + 1) * c,
      ((ay.kernel - 1) * ay.dilation + 1) * c,
    );
    ctx.setLineDash([]);
    // The output window.
    ctx.strokeStyle = COLORS.output;
    ctx.lineWidth = Math.max(2, c / 6);
    ctx.strokeRect(m + ox0 * c, m + oy0 * c, ax.out * c, ay.out * c);
    canvas.dataset.footprint = `${iy},${ix}`;
  }

  /** Replaces the drawing by its note (a paragraph, so a long message wraps). */
  private hide(state: string): void {
    this.canvas.hidden = true;
    this.canvas.dataset.state = state;
    this.canvas.removeAttribute('aria-label');
    this.note.hidden = false;
    this.caption.hidden = true;
    this.caption.textContent = '';
    if (this.legend) this.legend.hidden = true;
  }

  private resize(ctx: CanvasRenderingContext2D, w: number, hgt: number): void {
    const dpr = window.devicePixelRatio || 1;
    const canvas = this.canvas;
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(hgt * dpr);
    canvas.style.width = `${w}px`;
    canvas.style.height = `${hgt}px`;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, hgt);
  }
}
