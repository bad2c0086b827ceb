/**
 * Panel 4: a DCGAN-shaped generator as a resident chain of prepared layers. Activations
 * stay on the GPU between layers; each frame reads back only the final images.
 * The weights are seeded random numbers, not trained ones.
 */
import {
  convTranspose2dCpu,
  foldBatchNorm,
  glorotUniform,
  heUniform,
  seededRandom,
  type ConvTranspose2dOptions,
} from '../src/index.js';
import { byId, h, messageOf, setFieldError } from './dom.js';
import type { Engine } from './engine.js';
import { InputError, readInts } from './params.js';
import { controlParams, resetControls, restoreControls, saveUrl, type UrlControl } from './url-state.js';

/** Latent size. */
const Z = 32;
/** Images per frame (one batch, one readback). */
const BATCH = 4;

interface LayerSpec {
  inC: number;
  outC: number;
  kernel: number;
  stride: number;
  pad: number;
  /** Batch-norm + ReLU, or tanh on the last layer. */
  last: boolean;
}

/** z 32 → 4×4×32 → 8×8×16 → 16×16×8 → 32×32×3: DCGAN's shape, scaled down. */
const LAYERS: readonly LayerSpec[] = [
  { inC: Z, outC: 32, kernel: 4, stride: 1, pad: 0, last: false },
  { inC: 32, outC: 16, kernel: 4, stride: 2, pad: 1, last: false },
  { inC: 16, outC: 8, kernel: 4, stride: 2, pad: 1, last: false },
  { inC: 8, outC: 3, kernel: 4, stride: 2, pad: 1, last: true },
];

type Layer = ReturnType<Engine['createConvTranspose2d']>;
type Tensor = ReturnType<Engine['upload']>;

/** Standard normal samples from a seeded generator (Box–Muller). */
export function normals(n: number, seed: number): Float32Array {
  const rand = seededRandom(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - rand()));
    const t = 2 * Math.PI * rand();
    out[i] = r * Math.cos(t);
    if (i + 1 < n) out[i + 1] = r * Math.sin(t);
  }
  return out;
}

function uniform(n: number, lo: number, hi: number, rand: () => number): Float32Array {
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * rand());
}

/** Latent vectors used to measure the batch-norm statistics. */
const CALIBRATION = 16;

/** Per-channel mean and variance of an NCHW tensor over batch and space. */
function channelStats(data: Float32Array, shape: readonly number[]): { mean: Float32Array; variance: Float32Array } {
  const [n, c, hh, ww] = shape as [number, number, number, number];
  const plane = hh * ww;
  const mean = new Float32Array(c);
  const variance = new Float32Array(c);
  for (let ch = 0; ch < c; ch++) {
    let sum = 0;
    let sq = 0;
    for (let b = 0; b < n; b++) {
      const base = (b * c + ch) * plane;
      for (let i = 0; i < plane; i++) {
        const v = data[base + i]!;
        sum += v;
        sq += v * v;
      }
    }
    const count = n * plane;
    mean[ch] = sum / count;
    variance[ch] = Math.max(0, sq / count - (sum / count) ** 2);
  }
  return { mean, variance };
}

/**
 * Filter, bias and options of each layer: seeded He/Glorot init, batch-norm folded in,
 * activation fused. Untrained networks have no running statistics, so the batch-norm
 * mean and variance are measured on a seeded batch of latent vectors (what a
 * training-mode batch-norm would use); γ and β are seeded. The tanh layer's filter
 * is scaled to a fixed input spread (0.6), so the images are neither grey nor saturated.
 */
export function generatorWeights(
  seed: number,
): { filter: Float32Array; filterShape: number[]; options: ConvTranspose2dOptions }[] {
  let x = normals(CALIBRATION * Z, seed * 13 + 5);
  let shape = [CALIBRATION, Z, 1, 1];
  return LAYERS.map((l, i) => {
    const filterShape = [l.inC, l.outC, l.kernel, l.kernel];
    const s = seed * 101 + i;
    const rand = seededRandom(s + 50);
    const options: ConvTranspose2dOptions = {
      strides: [l.stride, l.stride],
      padding: [l.pad, l.pad, l.pad, l.pad],
    };
    const init = l.last ? glorotUniform(filterShape, { seed: s }) : heUniform(filterShape, { seed: s });
    const y = convTranspose2dCpu(x, shape, init, filterShape, options);
    const stats = channelStats(y.data, y.shape);
    if (l.last) {
      let spread = 0;
      for (const v of stats.variance) spread += v;
      const gain = 0.6 / Math.sqrt(spread / l.outC + 1e-12);
      return {
        filter: init.map((v) => v * gain),
        filterShape,
        options: { ...options, bias: uniform(l.outC, -0.2, 0.2, rand), activation: 'tanh' },
      };
    }
    const bn = {
      gamma: uniform(l.outC, 0.8, 1.2, rand),
      beta: uniform(l.outC, -0.2, 0.2, rand),
      mean: stats.mean,
      variance: stats.variance,
    };
    const folded = foldBatchNorm(init, filterShape, undefined, bn);
    const layerOptions: ConvTranspose2dOptions = { ...options, bias: folded.bias, activation: 'relu' };
    // The next layer's calibration input: this layer as it will run.
    const next = convTranspose2dCpu(x, shape, folded.filter, filterShape, layerOptions);
    x = next.data;
    shape = next.shape;
    return { filter: folded.filter, filterShape, options: layerOptions };
  });
}

export class GeneratorPanel {
  private layers: Layer[] = [];
  private playing = false;
  private phase = 0;
  private frames = 0;
  private recent: number[] = [];
  private a: Float32Array = new Float32Array(0);
  private b: Float32Array = new Float32Array(0);
  private frame: Promise<void> = Promise.resolve();
  private readonly controls: UrlControl[] = [{ key: 'gseed', el: byId<HTMLInputElement>('gen-seed') }];
  /** The seed of the prepared layers, so an unchanged field does not rebuild them. */
  private builtSeed: number | null = null;
  private rebuilding: Promise<void> = Promise.resolve();

  constructor(
    private readonly engine: Engine,
    params: URLSearchParams,
  ) {
    restoreControls(this.controls, params);
    byId('gen-toggle').addEventListener('click', () => (this.playing ? this.stop() : this.play()));
    // Checked as it is typed; rebuilt (a few hundred milliseconds of CPU work) once it is committed.
    byId('gen-seed').addEventListener('input', () => {
      saveUrl();
      this.seed();
    });
    byId('gen-seed').addEventListener('change', () => {
      if (this.seed() !== this.builtSeed) void this.rebuild();
    });
    document.addEventListener('visibilitychange', () => {
      if (document.hidden) this.stop();
    });
    byId('gen-architecture').replaceChildren(
      ...LAYERS.map((l, i) => {
        const size = i === 0 ? 4 : 4 * 2 ** i;
        return h('li', {
          text:
            `ConvTranspose ${l.inC}→${l.outC}, k${l.kernel} s${l.stride} p${l.pad} → ${size}×${size}` +
            (l.last ? ', bias, tanh' : ', batch-norm folded, ReLU fused'),
        });
      }),
    );
  }

  /** The panel's part of the URL. */
  urlParams(): [string, string][] {
    return controlParams(this.controls);
  }

  /** Back to the default seed. */
  reset(): void {
    resetControls(this.controls);
    if (this.seed() !== this.builtSeed) void this.rebuild();
  }

  /** The seed in the field, or null (with the error under the field) when it is not one. */
  private seed(): number | null {
    const field = byId<HTMLInputElement>('gen-seed');
    try {
      const v = readInts(field.id, 'generator seed', field.value, { min: 0, counts: [1] });
      if (v === undefined) throw new InputError(field.id, 'generator seed is empty: type an integer ≥ 0.');
      setFieldError(field, null);
      return v[0]!;
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      setFieldError(field, err.message);
      return null;
    }
  }

  /** Builds the prepared layers for the seed in the field and draws one frame; calls queue up. */
  rebuild(): Promise<void> {
    this.rebuilding = this.rebuilding.then(() => this.rebuildOnce());
    return this.rebuilding;
  }

  private async rebuildOnce(): Promise<void> {
    const seed = this.seed();
    if (seed === null) return;
    const wasPlaying = this.playing;
    this.stop();
    await this.frame;
    for (const l of this.layers) l.destroy();
    this.layers = [];
    this.builtSeed = seed;
    byId('gen-error').hidden = true;
    try {
      this.layers = generatorWeights(seed).map((w) =>
        this.engine.createConvTranspose2d(w.filter, w.filterShape, w.options),
      );
      this.a = normals(BATCH * Z, seed * 7 + 1);
      this.b = normals(BATCH * Z, seed * 7 + 2);
      this.frame = this.render();
      await this.frame;
      if (wasPlaying) this.play();
    } catch (err) {
      this.fail(err);
    }
  }

  play(): void {
    if (this.playing || this.layers.length === 0) return;
    this.playing = true;
    byId('gen-toggle').textContent = 'Pause';
    const loop = () => {
      if (!this.playing) return;
      this.frame = this.render().then(
        () => {
          if (this.playing) requestAnimationFrame(loop);
        },
        (err: unknown) => this.fail(err),
      );
    };
    requestAnimationFrame(loop);
  }

  stop(): void {
    this.playing = false;
    byId('gen-toggle').textContent = 'Play';
    const fps = byId('gen-fps');
    if (fps.textContent !== '—' && !fps.textContent?.endsWith('(paused)')) fps.textContent += ' (paused)';
  }

  private fail(err: unknown): void {
    this.stop();
    const box = byId('gen-error');
    box.hidden = false;
    box.textContent = messageOf(err);
  }

  /** One frame: upload z, run the chain on the GPU, read back once, draw. */
  private async render(): Promise<void> {
    this.phase += 0.04;
    const z = new Float32Array(BATCH * Z);
    const c = Math.cos(this.phase);
    const s = Math.sin(this.phase);
    for (let i = 0; i < z.length; i++) z[i] = c * this.a[i]! + s * this.b[i]!;
    const t0 = performance.now();
    const tensors: Tensor[] = [this.engine.upload(z, [BATCH, Z, 1, 1])];
    let data: Float32Array;
    try {
      for (const layer of this.layers) tensors.push(layer.run(tensors.at(-1)!));
      data = await tensors.at(-1)!.read();
    } finally {
      for (const t of tensors) t.destroy();
    }
    const ms = performance.now() - t0;
    this.draw(data);
    this.frames++;
    const now = performance.now();
    this.recent.push(now);
    while (this.recent.length > 0 && now - this.recent[0]! > 2000) this.recent.shift();
    const fps = this.recent.length > 1 ? ((this.recent.length - 1) * 1000) / (now - this.recent[0]!) : 0;
    const fpsEl = byId('gen-fps');
    if (this.playing && this.recent.length > 1) fpsEl.textContent = fps.toFixed(1);
    if (this.playing) fpsEl.dataset.fps = String(fps);
    const framesEl = byId('gen-frames');
    framesEl.textContent = String(this.frames);
    framesEl.dataset.frames = String(this.frames);
    byId('gen-frame-ms').textContent = `${ms.toFixed(1)} ms`;
    const mem = this.engine.memory();
    byId('gen-memory').textContent = `${mem.buffers} buffers, ${(mem.bytes / 1024).toFixed(0)} KiB`;
  }

  /** Draws the batch as a 2×2 grid of 32×32 images, tanh output mapped from [−1, 1]. */
  private draw(data: Float32Array): void {
    const size = 32;
    const gap = 2;
    const canvas = byId<HTMLCanvasElement>('gen-canvas');
    const cols = 2;
    const rows = Math.ceil(BATCH / cols);
    const w = cols * size + (cols - 1) * gap;
    const hh = rows * size + (rows - 1) * gap;
    if (canvas.width !== w || canvas.height !== hh) {
      canvas.width = w;
      canvas.height = hh;
    }
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    const img = ctx.createImageData(w, hh);
    img.data.fill(255);
    const plane = size * size;
    for (let n = 0; n < BATCH; n++) {
      const ox = (n % cols) * (size + gap);
      const oy = Math.floor(n / cols) * (size + gap);
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const dst = 4 * ((oy + y) * w + ox + x);
          for (let ch = 0; ch < 3; ch++) {
            const v = data[(n * 3 + ch) * plane + y * size + x]!;
            img.data[dst + ch] = Math.round(((v + 1) / 2) * 255);
          }
        }
      }
    }
    ctx.putImageData(img, 0, 0);
    canvas.dataset.frames = String(this.frames + 1);
  }
}
