/**
 * Panel 5: a trained glyph decoder (scripts/train_glyphs.py), loaded from its PyTorch
 * export with `loadTorchDecoder`. A frame uploads one batch for the whole word (the
 * style latent beside each character's one-hot), runs the five layers without leaving
 * the GPU, and reads back once. The weights are served by the demo itself.
 */
import { loadTorchDecoder, type TorchDecoder, type TorchManifest } from '../src/index.js';
import { byId, formatBytes, h, messageOf, nextFrame, onWidthChange, setFieldError } from './dom.js';
import type { Engine } from './engine.js';
import { normals } from './generator.js';
import {
  checkStyles,
  glyphBatch,
  inkSpan,
  setWord,
  mixLatents,
  readWord,
  type GlyphStyles,
  type GlyphWord,
  type InkSpan,
} from './glyph-model.js';
import { InputError, readInts } from './params.js';
import { controlParams, resetControls, restoreControls, saveUrl, type UrlControl } from './url-state.js';

/** The model's folder, relative to the page. */
const FOLDER = 'glyphs/';
/** The two styles the panel opens with: a training font and a held-out one. */
const DEFAULT_A = 'DejaVuSerif';
const DEFAULT_B = 'ComicNeue-Bold';
const RANDOM = 'random';
/** Morph steps per frame while playing (0…100 and back). */
const PLAY_STEP = 2;
/** The window frames per second are counted over. */
const FPS_WINDOW_MS = 2000;
/**
 * CSS pixels per decoder pixel: as large as MAX_SCALE while the longest word fits a row,
 * down to MIN_SCALE (a 48 px glyph) before a word is broken across rows.
 */
const MAX_SCALE = 2;
const MIN_SCALE = 0.75;

/** Everything one frame needs, read from the controls. */
interface Job {
  word: GlyphWord;
  latent: Float32Array;
  /** Identifies what the frame shows (stale checks, tests). */
  key: string;
  /** What the canvas shows, in words. */
  label: string;
}

/** The last frame drawn, kept to lay out again when the panel's width changes. */
interface Shown {
  job: Job;
  data: Float32Array;
  /** Each glyph's ink columns. */
  spans: InkSpan[];
}

async function fetchOk(path: string): Promise<Response> {
  const res = await fetch(new URL(path, document.baseURI));
  if (!res.ok) throw new Error(`${path}: ${res.status} ${res.statusText}`);
  return res;
}

export class GlyphPanel {
  private decoder: TorchDecoder | null = null;
  private styles: GlyphStyles | null = null;
  private readonly word = byId<HTMLInputElement>('glyph-word');
  private readonly styleA = byId<HTMLSelectElement>('glyph-style-a');
  private readonly styleB = byId<HTMLSelectElement>('glyph-style-b');
  private readonly seedField = byId<HTMLInputElement>('glyph-seed');
  private readonly mix = byId<HTMLInputElement>('glyph-mix');
  private readonly canvas = byId<HTMLCanvasElement>('glyph-canvas');
  private readonly controls: UrlControl[] = [
    { key: 'word', el: this.word },
    { key: 'style-a', el: this.styleA },
    { key: 'style-b', el: this.styleB },
    { key: 'style-seed', el: this.seedField },
    { key: 'morph', el: this.mix },
  ];
  /** Until the style lists exist, their part of the URL is kept as it came. */
  private pendingParams: URLSearchParams | null;
  private readonly loading: Promise<[TorchManifest, ArrayBuffer, unknown]>;
  private shown: Shown | null = null;
  private busy = false;
  private dirty = false;
  private playing = false;
  private direction = 1;
  private frames = 0;
  private recent: number[] = [];
  /** The batch size the layers' kernels were listed for. */
  private listedBatch = 0;

  constructor(
    private readonly engine: Engine,
    params: URLSearchParams,
  ) {
    this.pendingParams = params;
    // The files download while the other panels draw.
    this.loading = Promise.all([
      fetchOk(`${FOLDER}manifest.json`).then((r) => r.json() as Promise<TorchManifest>),
      fetchOk(`${FOLDER}weights.bin`).then((r) => r.arrayBuffer()),
      fetchOk(`${FOLDER}styles.json`).then((r) => r.json() as Promise<unknown>),
    ]);
    this.loading.catch(() => undefined); // reported by start()
    restoreControls(this.controls, params);
    this.showMix();
    this.word.addEventListener('input', () => this.changed());
    this.seedField.addEventListener('input', () => this.changed());
    this.mix.addEventListener('input', () => {
      this.showMix();
      this.changed();
    });
    for (const select of [this.styleA, this.styleB]) select.addEventListener('change', () => this.changed());
    byId('glyph-form').addEventListener('submit', (e) => e.preventDefault());
    byId('glyph-play').addEventListener('click', () => (this.playing ? this.stop() : this.play()));
    byId('glyph-random').addEventListener('click', () => this.randomStyles());
    document.addEventListener('visibilitychange', () => {
      if (document.hidden) this.stop();
    });
    onWidthChange(byId('glyph-stage'), () => this.paint());
    this.clearFps();
    const cpu = engine.backend !== 'webgpu';
    const note = byId('glyph-backend');
    note.hidden = !cpu;
    note.textContent = cpu
      ? 'This browser has no usable WebGPU: the decoder runs on the library’s CPU reference here (the same glyphs, much slower).'
      : '';
    byId('glyph-runs-on').textContent = cpu
      ? 'the CPU reference (no WebGPU): every layer on the CPU, accumulating in float64'
      : 'WebGPU, as a resident chain: one upload, five layers on the GPU, one readback';
  }

  /** The panel's part of the URL. */
  urlParams(): [string, string][] {
    const own = controlParams(this.controls);
    const pending = this.pendingParams;
    if (!pending) return own;
    // The style lists are still empty: keep the URL's styles rather than drop them.
    const keys = ['style-a', 'style-b'];
    return [
      ...own.filter(([k]) => !keys.includes(k)),
      ...keys.flatMap((k) => pending.getAll(k).map((v): [string, string] => [k, v])),
    ];
  }

  /** Back to the default word, styles and morph. */
  reset(): void {
    this.stop();
    if (this.pendingParams) this.pendingParams = new URLSearchParams();
    this.clearFps(); // the last morph's rate belongs to the state that played
    resetControls(this.controls);
    this.showMix();
    this.changed();
  }

  /**
   * Loads the decoder and its styles and draws the first frame. Never throws: a
   * failure is shown on the panel.
   */
  async start(): Promise<void> {
    try {
      const [manifest, weights, rawStyles] = await this.loading;
      this.decoder = loadTorchDecoder(this.engine, manifest, weights);
      this.styles = checkStyles(rawStyles, this.decoder.inputShape, this.decoder.outputShape);
      this.buildStyleLists(this.styles);
      this.describeModel(manifest, weights.byteLength);
      // Only the style lists: the other controls were restored at once and may have been edited since.
      const lists = this.controls.filter((c) => c.el instanceof HTMLSelectElement);
      restoreControls(lists, this.pendingParams ?? new URLSearchParams());
      this.pendingParams = null;
      for (const id of ['glyph-play', 'glyph-random']) byId<HTMLButtonElement>(id).disabled = false;
      byId('glyph-placeholder').hidden = true;
      this.schedule();
      await this.idle();
    } catch (err) {
      this.fail(`Could not load the glyph decoder: ${messageOf(err)}`);
    }
  }

  /** Resolves when no frame is in flight or waiting. */
  private async idle(): Promise<void> {
    while (this.busy) await nextFrame();
  }

  private buildStyleLists(styles: GlyphStyles): void {
    const option = (value: string, text: string) => h('option', { value, text });
    const fonts = [...styles.fonts].sort((a, b) => a.name.localeCompare(b.name));
    for (const [select, def] of [
      [this.styleA, DEFAULT_A],
      [this.styleB, DEFAULT_B],
    ] as const) {
      const trained = h('optgroup', { label: 'Training fonts' });
      const held = h('optgroup', { label: 'Held out: not seen in training' });
      for (const f of fonts) {
        (f.heldOut ? held : trained).append(option(f.name, f.heldOut ? `${f.name} (held out)` : f.name));
      }
      const random = h('optgroup', { label: 'Random' }, option(RANDOM, 'random style (seeded)'));
      select.replaceChildren(trained, held, random);
      const first = select.querySelector<HTMLOptionElement>(`option[value="${def}"]`) ?? select.options[0]!;
      first.defaultSelected = true;
      select.value = first.value;
    }
  }

  /** The layers as loaded, and the weights' size. */
  private describeModel(manifest: TorchManifest, bytes: number): void {
    const decoder = this.decoder!;
    byId('glyph-architecture').replaceChildren(
      ...decoder.layers.map((l, i) => {
        const args = manifest.layers[i]!.args;
        const [c, hh, ww] = l.outputShape;
        const act = manifest.layers[i]!.activation;
        const alpha = manifest.layers[i]!.leakyReluAlpha;
        const actText = act === 'leakyRelu' ? `leaky ReLU ${alpha ?? 0.01}` : (act ?? 'no activation');
        const k = Array.isArray(args.kernel_size) ? args.kernel_size.join('×') : args.kernel_size;
        const s = Array.isArray(args.stride) ? args.stride[0] : (args.stride ?? 1);
        const p = Array.isArray(args.padding) ? args.padding[0] : (args.padding ?? 0);
        return h(
          'li',
          { id: `glyph-layer-${i}` },
          `ConvTranspose2d ${args.in_channels}→${args.out_channels}, k${k} s${s} p${p} → ${c}×${hh}×${ww}, ${actText}`,
          h('span', { class: 'muted', 'data-kernel': '' }),
        );
      }),
    );
    const count = manifest.layers.reduce((sum, l) => {
      const size = (t: { shape: number[] } | null | undefined) => (t ? t.shape.reduce((a, b) => a * b, 1) : 0);
      return sum + size(l.weight) + size(l.bias);
    }, 0);
    byId('glyph-weights-note').textContent =
      `Weights: ${count.toLocaleString('en')} numbers in float16, ${formatBytes(bytes)} (weights.bin), ` +
      `with manifest.json and styles.json, all served by this page.`;
  }

  /** Which kernel `auto` runs each layer with, for a batch of `n`. */
  private listKernels(n: number): void {
    if (n === this.listedBatch || !this.decoder) return;
    this.listedBatch = n;
    this.decoder.layers.forEach((l, i) => {
      const span = document.querySelector(`#glyph-layer-${i} [data-kernel]`);
      if (span) span.textContent = ` · ${l.prepared.kernelFor([n, ...l.inputShape])}`;
    });
  }

  private showMix(): void {
    const v = Number(this.mix.value);
    const text = v === 0 ? 'A' : v === 100 ? 'B' : `${v} % of the way to B`;
    byId('glyph-mix-value').textContent = text;
    this.mix.setAttribute('aria-valuetext', v === 0 ? 'style A' : v === 100 ? 'style B' : text);
  }

  /**
   * A control changed: keep the URL, check the controls at once (errors show while a
   * frame is still in flight), and draw when they are valid.
   */
  private changed(): void {
    if (!this.playing) saveUrl();
    if (this.styles) this.markStale(this.job());
    this.schedule();
  }

  private randomStyles(): void {
    const seed = this.readSeed() ?? 0;
    this.seedField.value = String(seed + 1);
    this.styleA.value = RANDOM;
    this.styleB.value = RANDOM;
    this.changed();
  }

  /** The random-style seed, or null with the error on its field. */
  private readSeed(): number | null {
    try {
      const v = readInts(this.seedField.id, 'random-style seed', this.seedField.value, { min: 0, counts: [1] });
      if (v === undefined) throw new InputError(this.seedField.id, 'random-style seed is empty: type an integer ≥ 0.');
      setFieldError(this.seedField, null);
      return v[0]!;
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      setFieldError(this.seedField, err.message);
      return null;
    }
  }

  /** The style a select names: a font's latent, or the seeded random one (A and B differ). */
  private style(select: HTMLSelectElement, slot: 0 | 1, seed: number): { latent: ArrayLike<number>; name: string } {
    const styles = this.styles!;
    if (select.value === RANDOM) {
      const z = styles.zDim;
      const latent = normals(2 * z, seed).subarray(slot * z, (slot + 1) * z);
      return { latent, name: `random style ${slot ? 'B' : 'A'} of seed ${seed}` };
    }
    const font = styles.fonts.find((f) => f.name === select.value) ?? styles.fonts[0]!;
    return { latent: font.latent, name: font.heldOut ? `${font.name} (held out)` : font.name };
  }

  /**
   * What the controls ask for, or null when something is invalid. Shows each field's
   * error (or clears it) and the styles' hints on the way.
   */
  private job(): Job | null {
    const styles = this.styles;
    if (!styles) return null;
    const read = readWord(this.word.value, styles.charset);
    setFieldError(this.word, 'error' in read ? read.error : null);
    const usesRandom = this.styleA.value === RANDOM || this.styleB.value === RANDOM;
    byId('glyph-seed-field').hidden = !usesRandom;
    // A hidden field keeps no error: its value is not in use.
    if (!usesRandom) setFieldError(this.seedField, null);
    const seed = usesRandom ? this.readSeed() : 0;
    for (const [select, hint] of [
      [this.styleA, 'glyph-style-a-hint'],
      [this.styleB, 'glyph-style-b-hint'],
    ] as const) {
      const font = styles.fonts.find((f) => f.name === select.value);
      byId(hint).textContent =
        select.value === RANDOM
          ? 'a latent drawn from N(0, 1) with the seed below'
          : font?.heldOut
            ? `held out: the ${font.family} family was not seen in training`
            : `training font (${font?.family ?? ''})`;
    }
    if ('error' in read || seed === null) return null;
    const a = this.style(this.styleA, 0, seed);
    const b = this.style(this.styleB, 1, seed);
    const t = Number(this.mix.value) / 100;
    const mixText =
      t === 0 ? a.name : t === 1 ? b.name : `${Math.round(t * 100)} % of the way from ${a.name} to ${b.name}`;
    return {
      word: read.word,
      latent: mixLatents(a.latent, b.latent, t),
      key: JSON.stringify([read.word.text, a.name, b.name, Math.round(t * 100)]),
      label: `“${read.word.text}” drawn by the decoder in the style ${mixText}`,
    };
  }

  /** Asks for a frame of the current controls; frames never overlap, and the latest state wins. */
  private schedule(): void {
    this.dirty = true;
    if (!this.busy && this.decoder) void this.pump();
  }

  private async pump(): Promise<void> {
    this.busy = true;
    const results = byId('glyph-results');
    results.dataset.pending = 'true';
    try {
      while (this.dirty) {
        this.dirty = false;
        const job = this.job();
        this.markStale(job);
        if (!job) {
          this.stop();
          continue;
        }
        if (job.key !== this.shown?.job.key || this.playing) await this.render(job);
        if (this.playing) {
          await nextFrame();
          if (!this.playing) continue;
          this.step();
          this.dirty = true;
        }
      }
    } catch (err) {
      this.fail(messageOf(err));
    } finally {
      this.busy = false;
      results.dataset.pending = 'false';
    }
  }

  /** Results stand for the controls they were computed for: say so when the controls no longer draw. */
  private markStale(job: Job | null): void {
    const stale = job === null && this.shown !== null;
    byId('glyph-results').dataset.stale = String(stale);
    const banner = byId('glyph-stale');
    banner.hidden = !stale;
    banner.textContent = stale
      ? `Still showing “${this.shown!.job.word.text}”: the controls above have an error, so nothing new was drawn.`
      : '';
  }

  /** One frame: upload the batch, run the chain, read back once, draw. */
  private async render(job: Job): Promise<void> {
    const { charset } = this.styles!;
    const decoder = this.decoder!;
    const n = job.word.glyphs.length;
    const input = glyphBatch(job.word.glyphs, job.latent, charset);
    const t0 = performance.now();
    const x = this.engine.upload(input, [n, ...decoder.inputShape]);
    let data: Float32Array;
    try {
      const y = decoder.run(x);
      try {
        data = await y.read();
      } finally {
        y.destroy();
      }
    } finally {
      x.destroy();
    }
    const ms = performance.now() - t0;
    const size = this.styles!.size;
    this.shown = { job, data, spans: [...job.word.glyphs].map((_, i) => inkSpan(data, i, size)) };
    this.frames++;
    this.paint();
    this.listKernels(n);
    const now = performance.now();
    this.recent.push(now);
    while (this.recent.length > 0 && now - this.recent[0]! > FPS_WINDOW_MS) this.recent.shift();
    const msEl = byId('glyph-ms');
    msEl.textContent = `${ms.toFixed(1)} ms`;
    msEl.dataset.ms = String(ms);
    const [c, hh, ww] = decoder.outputShape;
    byId('glyph-batch').textContent =
      `${n} glyph${n === 1 ? '' : 's'}: [${n}, ${decoder.inputShape.join(', ')}] → [${n}, ${c}, ${hh}, ${ww}]`;
    if (this.playing && this.recent.length > 1) {
      const fps = ((this.recent.length - 1) * 1000) / (now - this.recent[0]!);
      const fpsEl = byId('glyph-fps');
      fpsEl.textContent = fps.toFixed(1);
      fpsEl.dataset.fps = String(fps);
    }
  }

  /** Draws the last frame: the word set like type, ink dark on white, wrapped to the panel's width. */
  private paint(): void {
    const shown = this.shown;
    if (!shown) return;
    const size = this.styles!.size;
    const { text } = shown.job.word;
    const available = Math.max(1, byId('glyph-stage').clientWidth - 2); // less the canvas's border
    const { longestWord } = setWord(text, shown.spans, size, Infinity);
    const scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, available / longestWord));
    const { boxes, width, rows } = setWord(text, shown.spans, size, Math.floor(available / scale));
    const canvas = this.canvas;
    const hh = rows * size;
    if (canvas.width !== width || canvas.height !== hh) {
      canvas.width = width;
      canvas.height = hh;
    }
    canvas.style.width = `${Math.round(width * scale) + 2}px`;
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    const img = ctx.createImageData(width, hh);
    img.data.fill(255);
    // The page's text colour, #1f2430, at full ink.
    const ink = [0x1f, 0x24, 0x30];
    const plane = size * size;
    for (const box of boxes) {
      for (let y = 0; y < size; y++) {
        for (let i = 0; i < box.width; i++) {
          const v = Math.min(1, Math.max(0, shown.data[box.index * plane + y * size + box.left + i]!));
          const dst = 4 * ((box.row * size + y) * width + box.x + i);
          for (let ch = 0; ch < 3; ch++) img.data[dst + ch] = Math.round(255 + (ink[ch]! - 255) * v);
        }
      }
    }
    ctx.putImageData(img, 0, 0);
    canvas.hidden = false;
    canvas.setAttribute('aria-label', shown.job.label);
    canvas.dataset.key = shown.job.key;
    canvas.dataset.frames = String(this.frames);
    canvas.dataset.size = String(size);
    canvas.dataset.boxes = JSON.stringify(boxes.map((b) => [b.ch, b.x, b.row, b.width]));
  }

  private clearFps(): void {
    const fps = byId('glyph-fps');
    fps.textContent = '— (while the morph plays)';
    fps.dataset.fps = '0';
  }

  /** Moves the morph one step, back and forth between A and B. */
  private step(): void {
    let v = Number(this.mix.value) + this.direction * PLAY_STEP;
    if (v >= 100 || v <= 0) {
      v = Math.min(100, Math.max(0, v));
      this.direction = -this.direction;
    }
    this.mix.value = String(v);
    this.showMix();
  }

  play(): void {
    if (this.playing || !this.decoder) return;
    this.playing = true;
    this.recent = [];
    byId('glyph-play').textContent = 'Pause';
    const v = Number(this.mix.value);
    if (v >= 100) this.direction = -1;
    else if (v <= 0) this.direction = 1;
    this.schedule();
  }

  stop(): void {
    if (!this.playing) return;
    this.playing = false;
    byId('glyph-play').textContent = 'Play the morph';
    const fps = byId('glyph-fps');
    if (fps.dataset.fps !== '0') fps.textContent = `${Number(fps.dataset.fps).toFixed(1)} (paused)`;
    saveUrl();
  }

  private fail(message: string): void {
    this.stop();
    byId('glyph-placeholder').hidden = true;
    const box = byId('glyph-error');
    box.hidden = false;
    box.textContent = message;
  }
}
