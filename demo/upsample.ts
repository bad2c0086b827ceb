/**
 * Panel 3: learned upsampling of an image. A transposed convolution with
 * bilinear-initialized filters (one per channel, `groups = 3`) upsamples ×2, ×3 or ×4
 * on the GPU; nearest-neighbour and the input are shown beside it.
 */
import { bilinearUpsampling } from '../src/index.js';
import { byId, formatMs, messageOf } from './dom.js';
import type { Engine } from './engine.js';
import { builtInImage } from './test-image.js';

/** Dropped images are shrunk to this many pixels on their longer side, to stay quick. */
const MAX_SIDE = 96;
/** CSS width the two upsampled images are shown at, so they compare at a glance. */
const SHOW_WIDTH = 320;

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

function paint(canvas: HTMLCanvasElement, img: ImageData, cssWidth: number): void {
  canvas.width = img.width;
  canvas.height = img.height;
  canvas.style.width = `${cssWidth}px`;
  canvas.style.height = `${Math.round((cssWidth * img.height) / img.width)}px`;
  canvas.getContext('2d')?.putImageData(img, 0, 0);
}

async function loadFile(file: File): Promise<ImageData> {
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
  return ctx.getImageData(0, 0, width, height);
}

export class UpsamplePanel {
  private image: ImageData = builtInImage();
  private source = 'built-in image';
  private busy: Promise<void> = Promise.resolve();

  constructor(private readonly engine: Engine) {
    byId('upsample-factor').addEventListener('change', () => void this.run());
    byId('upsample-builtin').addEventListener('click', () => {
      this.image = builtInImage();
      this.source = 'built-in image';
      void this.run();
    });
    const fileInput = byId<HTMLInputElement>('upsample-file');
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
      if (file) void this.useFile(file);
    });
  }

  private async useFile(file: File): Promise<void> {
    try {
      this.image = await loadFile(file);
      this.source = `${file.name}, shown at ${this.image.width}×${this.image.height}`;
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
      paint(byId('upsample-input'), img, img.width * 2);
      paint(byId('upsample-nearest'), nearest(img, f), SHOW_WIDTH);
      paint(out, fromPlanes(result.data, ow, oh), SHOW_WIDTH);
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
