/**
 * Draws one transposed convolution's geometry on a canvas, in the coordinates of the
 * full (uncropped) result: each input pixel lands at i·stride, with stride − 1
 * inserted zeros between neighbours; the kernel footprint of one input pixel covers
 * i·stride + t·dilation; the crop removes rows/cols at each side, and output padding
 * adds rows/cols at the bottom/right.
 */
import type { ConvTranspose2dGeometry } from '../src/index.js';

/** Colours, shared with the legend. */
export const COLORS = {
  input: '#2f6fdf',
  zero: '#e4e8ef',
  overhang: '#ffffff',
  grid: '#b9c0cc',
  footprint: '#f08c00',
  cropped: 'rgba(220, 53, 69, 0.35)',
  added: 'rgba(47, 158, 68, 0.25)',
  output: '#2f9e44',
} as const;

/** Past this many cells on an axis the drawing would be unreadable (and slow). */
const MAX_CELLS = 200;

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

/** A canvas view of a geometry; hovering picks the input pixel whose footprint is drawn. */
export class GeometryView {
  private g: ConvTranspose2dGeometry | null = null;
  private pick: [number, number] = [0, 0];
  private cell = 16;
  private readonly margin = 8;

  constructor(private readonly canvas: HTMLCanvasElement) {
    canvas.addEventListener('mousemove', (e) => this.hover(e));
  }

  /** Shows `g`, or a notice when the parameters are invalid. */
  set(g: ConvTranspose2dGeometry | null): void {
    this.g = g;
    if (g) {
      // Default footprint: an interior input pixel, so overlaps with neighbours show.
      this.pick = [Math.min(1, g.inHeight - 1), Math.min(1, g.inWidth - 1)];
    }
    this.draw();
  }

  private hover(e: MouseEvent): void {
    if (!this.g) return;
    const [ay, ax] = axes(this.g);
    const rect = this.canvas.getBoundingClientRect();
    const x = (e.clientX - rect.left - this.margin) / this.cell;
    const y = (e.clientY - rect.top - this.margin) / this.cell;
    const iy = Math.min(ay.inSize - 1, Math.max(0, Math.round((y - 0.5) / ay.stride)));
    const ix = Math.min(ax.inSize - 1, Math.max(0, Math.round((x - 0.5) / ax.stride)));
    if (iy !== this.pick[0] || ix !== this.pick[1]) {
      this.pick = [iy, ix];
      this.draw();
    }
  }

  private draw(): void {
    const canvas = this.canvas;
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    const dpr = window.devicePixelRatio || 1;
    const g = this.g;
    if (!g) {
      this.resize(ctx, 320, 60, dpr);
      ctx.fillStyle = '#6b7280';
      ctx.font = '14px system-ui, sans-serif';
      ctx.fillText('Invalid parameters: see the message by the field.', 8, 34);
      canvas.dataset.state = 'invalid';
      return;
    }
    const [ay, ax] = axes(g);
    if (ay.extent > MAX_CELLS || ax.extent > MAX_CELLS) {
      this.resize(ctx, 460, 60, dpr);
      ctx.fillStyle = '#6b7280';
      ctx.font = '14px system-ui, sans-serif';
      ctx.fillText(`${ay.extent}×${ax.extent} cells: too large to draw; the numbers above hold.`, 8, 34);
      canvas.dataset.state = 'too-large';
      return;
    }
    const m = this.margin;
    const maxW = 560;
    const maxH = 440;
    this.cell = Math.max(1, Math.min(32, Math.floor(Math.min(maxW / ax.extent, maxH / ay.extent))));
    const c = this.cell;
    this.resize(ctx, ax.extent * c + 2 * m, ay.extent * c + 2 * m, dpr);
    canvas.dataset.state = 'ok';
    canvas.dataset.full = `${g.fullHeight}x${g.fullWidth}`;
    canvas.dataset.output = `${g.outHeight}x${g.outWidth}`;

    const lastY = (ay.inSize - 1) * ay.stride;
    const lastX = (ax.inSize - 1) * ax.stride;
    for (let y = 0; y < ay.extent; y++) {
      for (let x = 0; x < ax.extent; x++) {
        const px = m + x * c;
        const py = m + y * c;
        const beyond = y >= ay.full || x >= ax.full;
        const isInput = y % ay.stride === 0 && x % ax.stride === 0 && y <= lastY && x <= lastX;
        ctx.fillStyle = beyond
          ? COLORS.overhang
          : isInput
            ? COLORS.input
            : y <= lastY && x <= lastX
              ? COLORS.zero
              : COLORS.overhang;
        ctx.fillRect(px, py, c, c);
        if (!beyond && !isInput && y <= lastY && x <= lastX && c >= 14) {
          ctx.fillStyle = '#8a93a3';
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

  private resize(ctx: CanvasRenderingContext2D, w: number, hgt: number, dpr: number): void {
    const canvas = this.canvas;
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(hgt * dpr);
    canvas.style.width = `${w}px`;
    canvas.style.height = `${hgt}px`;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, hgt);
  }
}
