/**
 * Panel 3: learned upsampling of an image. A transposed convolution with
 * bilinear-initialized filters (one per channel, `groups = 3`) upsamples ×2, ×3 or ×4
 * on the GPU; nearest-neighbour and the input are shown beside it, all three at the
 * same scale (CSS pixels per image pixel), so ×4 is drawn twice as large as ×2.
 */
import { bilinearUpsampling } from '../src/index.js';
import { byId, formatMs, messageOf, onWidthChange } from './dom.js';
import type { Engine } from './engine.js';
import { builtInImage } from './test-image.js';
import { controlParams, resetControls, restoreControls, saveUrl, type UrlControl } from './url-state.js';

/** Dropped images are shrunk to this many pixels on their longer side, to stay quick. */
const MAX_SIDE = 96;
/** The largest factor offered: the fitted zoom is the same for every factor. */
const MAX_FACTOR = 4;
/** The fitted zoom never enlarges past this. */
const MAX_FIT_ZOOM = 4;

/** RGB planes in [0, 1], NCHW [1, 3, H, W]. */
function toPlanes(img: ImageData): Float32Array {
  const { width, height, data } = img;
  const plane = width * height;
  const out = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    out[i] = data[4 * i]! / 255;
    out[plane + i] = data[4 * i + 1]! / 255;
    out[2 * plane + i] = data[4 * i + 2]! / 255;
  }
  return out;
}

function fromPlanes(planes: Float32Array, width: number, height: number): ImageData {
  const img = new ImageData(width, height);
  const plane = width * height;
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++)
      img.data[4 * i + c] = Math.round(Math.min(1, Math.max(0, planes[c * plane + i]!)) * 255);
    img.data[4 * i + 3] = 255;
  }
  return img;
}

function nearest(img: ImageData, f: number): ImageData {
  const out = new ImageData(img.width * f, img.height * f);
  for (let y = 0; y < out.height; y++) {
    for (let x = 0; x < out.width; x++) {
      const src = 4 * (Math.floor(y / f) * img.width + Math.floor(x / f));
      const dst = 4 * (y * out.width + x);
      for (let c = 0; c < 4; c++) out.data[dst + c] = img.data[src + c]!;
    }
  }
  return out;
}

function paint(canvas: HTMLCanvasElement, img: ImageData, zoom: number): void {
  canvas.width = img.width;
  canvas.height = img.height;
  canvas.style.width = `${Math.round(img.width * zoom)}px`;
  canvas.style.height = `${Math.round(img.height * zoom)}px`;
  canvas.getContext('2d')?.putImageData(img, 0, 0);
}

/**
 * Reads an image file, shrunk to MAX_SIDE and flattened onto white: the network
 * sees RGB only, so transparency is resolved once, the same way in every view.
 */
async function loadFile(file: File): Promise<{ img: ImageData; alpha: boolean }> {
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
  const width = Math.max(1, Math.round(bitmap.width * scale));
  const height = Math.max(1, Math.round(bitmap.height * scale));
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('demo: no 2D canvas context');
  ctx.drawImage(bitmap, 0, 0, width, height);
  bitmap.close();
  const raw = ctx.getImageData(0, 0, width, height);
  const alpha = raw.data.some((v, i) => i % 4 === 3 && v < 255);
  ctx.globalCompositeOperation = 'destination-over';
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, width, height);
  return { img: ctx.getImageData(0, 0, width, height), alpha };
}

export class UpsamplePanel {
  private image: ImageData = builtInImage();
  private source = 'built-in image';
  private busy: Promise<void> = Promise.resolve();
  /** The last images drawn, to repaint at a new zoom without running again. */
  private shown: { input: ImageData; nearest: ImageData; output: ImageData } | null = null;
  private readonly controls: UrlControl[] = [
    { key: 'up', el: byId<HTMLSelectElement>('upsample-factor') },
    { key: 'zoom', el: byId<HTMLSelectElement>('upsample-zoom') },
  ];

  constructor(
    private readonly engine: Engine,
    params: URLSearchParams,
  ) {
    restoreControls(this.controls, params);
    byId('upsample-factor').addEventListener('change', () => {
      saveUrl();
      void this.run();
    });
    byId('upsample-zoom').addEventListener('change', () => {
      saveUrl();
      this.paint();
    });
    const fileInput = byId<HTMLInputElement>('upsample-file');
    byId('upsample-builtin').addEventListener('click', () => {
      this.image = builtInImage();
      this.source = 'built-in image';
      // The picker would otherwise still name the file no longer shown.
      fileInput.value = '';
      void this.run();
    });
    fileInput.addEventListener('change', () => {
      const file = fileInput.files?.[0];
      if (file) void this.useFile(file);
    });
    const zone = byId('drop-zone');
    zone.addEventListener('dragover', (e) => {
      e.preventDefault();
      zone.classList.add('over');
    });
    zone.addEventListener('dragleave', () => zone.classList.remove('over'));
    zone.addEventListener('drop', (e) => {
      e.preventDefault();
      zone.classList.remove('over');
      const file = e.dataTransfer?.files[0];
      if (file) {
        fileInput.value = '';
        void this.useFile(file);
      }
    });
    onWidthChange(byId('upsample-images'), () => this.paint());
  }

  /** The panel's part of the URL. */
  urlParams(): [string, string][] {
    return controlParams(this.controls);
  }

  /** Back to the built-in image at the default factor and zoom. */
  reset(): void {
    resetControls(this.controls);
    byId<HTMLInputElement>('upsample-file').value = '';
    this.image = builtInImage();
    this.source = 'built-in image';
    void this.run();
  }

  private async useFile(file: File): Promise<void> {
    try {
      const { img, alpha } = await loadFile(file);
      this.image = img;
      this.source =
        `${file.name}, ${img.width}×${img.height} px` + (alpha ? ' (transparent areas flattened onto white)' : '');
    } catch (err) {
      this.fail(`Could not read ${file.name} as an image: ${messageOf(err)}`);
      return;
    }
    await this.run();
  }

  private fail(message: string): void {
    const box = byId('upsample-error');
    box.hidden = false;
    box.textContent = message;
  }

  /** Upsamples the current image by the chosen factor; calls queue up, never overlap. */
  run(): Promise<void> {
    this.busy = this.busy.then(() => this.runOnce());
    return this.busy;
  }

  /** CSS pixels per image pixel: the chosen zoom, or the largest that fits ×4 in the panel. */
  private zoom(): number {
    const choice = byId<HTMLSelectElement>('upsample-zoom').value;
    if (choice !== 'fit') return Number(choice);
    const box = byId('upsample-images');
    const avail = box.clientWidth - 4;
    // Side by side when the panel is wide, one under the other on a phone.
    const perImage = avail >= 640 ? (avail - 24) / 2 : avail;
    const fit = perImage / (this.image.width * MAX_FACTOR);
    return fit >= 1 ? Math.min(MAX_FIT_ZOOM, Math.floor(fit)) : fit;
  }

  /** Paints the last result at the current zoom. */
  private paint(): void {
    if (!this.shown) return;
    const z = this.zoom();
    paint(byId('upsample-input'), this.shown.input, z);
    paint(byId('upsample-nearest'), this.shown.nearest, z);
    paint(byId('upsample-output'), this.shown.output, z);
    const percent = Math.round(z * 100);
    const { input, output } = this.shown;
    byId('upsample-input-caption').textContent = `input, ${input.width}×${input.height} px`;
    byId('upsample-nearest-caption').textContent = `nearest neighbour (CPU), ${output.width}×${output.height} px`;
    byId('upsample-output-caption').textContent =
      `transposed convolution, bilinear filters, ${output.width}×${output.height} px`;
    byId('upsample-scale').textContent =
      `All three at ${percent} % (${percent / 100} screen pixel${percent === 100 ? '' : 's'} per image pixel), ` +
      'so their sizes compare: ×4 is drawn twice as large as ×2.';
    byId('upsample-images').dataset.zoom = String(z);
  }

  private async runOnce(): Promise<void> {
    const out = byId<HTMLCanvasElement>('upsample-output');
    out.dataset.ready = 'false';
    byId('upsample-error').hidden = true;
    const f = Number(byId<HTMLSelectElement>('upsample-factor').value);
    const img = this.image;
    try {
      const layer = bilinearUpsampling(f, 3);
      const t0 = performance.now();
      const result = await this.engine.convTranspose2d(
        toPlanes(img),
        [1, 3, img.height, img.width],
        layer.filter,
        layer.filterShape,
        layer.options,
      );
      const ms = performance.now() - t0;
      const [, , oh, ow] = result.shape as [number, number, number, number];
      this.shown = { input: img, nearest: nearest(img, f), output: fromPlanes(result.data, ow, oh) };
      this.paint();
      const k = layer.filterShape[2];
      byId('upsample-info').textContent =
        `${this.source}: ${img.width}×${img.height} → ${ow}×${oh}, kernel ${k}×${k}, stride ${f}, ` +
        `padding ${layer.options.padding?.[0] ?? 0}, groups 3; ` +
        (result.kernel === 'cpu' ? 'the CPU reference, ' : `kernel ${result.kernel} on WebGPU, `) +
        `${formatMs(ms)} including upload and readback.`;
      out.dataset.factor = String(f);
      out.dataset.kernel = String(result.kernel);
      out.dataset.ready = 'true';
    } catch (err) {
      this.fail(messageOf(err));
    }
  }
}
