/**
 * Panel 2: runs the explorer's layer with every kernel the engine offers, times each,
 * and compares each with the CPU reference.
 */
import {
  convTranspose2dCpu,
  DeconvError,
  seededRandom,
  type ConvTranspose2dOptions,
  type EngineConvOptions,
  type KernelName,
} from '../src/index.js';
import { drawBars, type Bar } from './chart.js';
import { byId, formatError, formatMs, h, maxAbsDiff, median, messageOf, nextFrame } from './dom.js';
import type { Engine } from './engine.js';
import type { Explorer, ExplorerState } from './explorer.js';

/** Errors above this mean a kernel is wrong, not merely rounding differently. */
const TOLERANCE = 1e-4;

interface Row {
  kernel: string;
  status: 'ok' | 'unsupported' | 'error';
  ms: number;
  maxError: number;
  message?: string;
}

function randomData(size: number, seed: number): Float32Array {
  const rand = seededRandom(seed);
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = Math.round((rand() * 2 - 1) * 1000) / 1000;
  return out;
}

function parseFloats(text: string): Float32Array {
  const parts = text.split(/[\s,;]+/).filter((p) => p !== '');
  return new Float32Array(parts.map((p) => Number(p)));
}

function intField(id: string, def: number): number {
  const v = Number(byId<HTMLInputElement>(id).value);
  return Number.isSafeInteger(v) && v >= 1 ? v : def;
}

export class RunPanel {
  private running = false;

  constructor(
    private readonly engine: Engine,
    private readonly explorer: Explorer,
  ) {
    byId('run-button').addEventListener('click', () => void this.run());
    byId('run-data').addEventListener('change', () => this.syncCustom(true));
    byId('run-fill').addEventListener('click', () => this.syncCustom(true));
    explorer.onChange((s) => this.describe(s));
    byId('run-batch').addEventListener('input', () => this.describe(this.explorer.state));
    this.describe(explorer.state);
  }

  /** Shapes of the current run: the explorer's, with the batch from this panel. */
  private shapes(s: ExplorerState): { inputShape: number[]; filterShape: number[] } {
    const inputShape = [...s.inputShape];
    inputShape[0] = intField('run-batch', 1);
    return { inputShape, filterShape: [...s.filterShape] };
  }

  private describe(s: ExplorerState | null): void {
    const text = byId('run-shapes');
    const button = byId<HTMLButtonElement>('run-button');
    if (!s) {
      text.textContent = 'The explorer’s parameters are invalid; fix them to run.';
      button.disabled = true;
      return;
    }
    button.disabled = this.running;
    const { inputShape, filterShape } = this.shapes(s);
    const g = s.geometry;
    const outShape = [...g.outputShape];
    outShape[0] = inputShape[0]!;
    text.textContent =
      `input [${inputShape.join(', ')}] (${g.inputLayout.toUpperCase()}), filter [${filterShape.join(', ')}] ` +
      `(${g.filterLayout}) → output [${outShape.join(', ')}]`;
    this.syncCustom(false);
  }

  /** Shows the user-set tensors' text boxes, filled with random values when asked or empty. */
  private syncCustom(refill: boolean): void {
    const custom = byId<HTMLSelectElement>('run-data').value === 'custom';
    byId('custom-data').hidden = !custom;
    const s = this.explorer.state;
    if (!custom || !s) return;
    const { inputShape, filterShape } = this.shapes(s);
    const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
    const input = byId<HTMLTextAreaElement>('run-input');
    const filter = byId<HTMLTextAreaElement>('run-filter');
    byId('run-input-label').textContent = `input [${inputShape.join(', ')}]: ${size(inputShape)} values`;
    byId('run-filter-label').textContent = `filter [${filterShape.join(', ')}]: ${size(filterShape)} values`;
    const seed = intField('run-seed', 1);
    if (refill || input.value.trim() === '') {
      input.value = Array.from(randomData(size(inputShape), seed)).join(', ');
    }
    if (refill || filter.value.trim() === '') {
      filter.value = Array.from(randomData(size(filterShape), seed + 1)).join(', ');
    }
  }

  /** Runs every kernel once to compile, then `repetitions` times to time it. */
  async run(): Promise<void> {
    const s = this.explorer.state;
    if (!s || this.running) return;
    this.running = true;
    const button = byId<HTMLButtonElement>('run-button');
    const results = byId('run-results');
    const status = byId('run-status');
    const errorBox = byId('run-error');
    button.disabled = true;
    results.dataset.done = 'false';
    errorBox.hidden = true;
    byId('run-results-body').replaceChildren();
    byId('auto-pick').textContent = '';
    const rows: Row[] = [];
    try {
      const { inputShape, filterShape } = this.shapes(s);
      const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
      const seed = intField('run-seed', 1);
      const custom = byId<HTMLSelectElement>('run-data').value === 'custom';
      const input = custom
        ? parseFloats(byId<HTMLTextAreaElement>('run-input').value)
        : randomData(size(inputShape), seed);
      const filter = custom
        ? parseFloats(byId<HTMLTextAreaElement>('run-filter').value)
        : randomData(size(filterShape), seed + 1);
      const options: ConvTranspose2dOptions = { ...s.options };
      const activation = byId<HTMLSelectElement>('run-activation').value;
      if (activation !== 'none') options.activation = activation as ConvTranspose2dOptions['activation'];
      if (byId<HTMLInputElement>('run-bias').checked) options.bias = randomData(s.geometry.outChannels, seed + 2);
      const reps = Math.min(50, intField('run-reps', 5));

      status.textContent = 'CPU reference…';
      await nextFrame();
      const t0 = performance.now();
      const reference = convTranspose2dCpu(input, inputShape, filter, filterShape, options);
      const cpuMs = performance.now() - t0;

      const kernels: string[] = this.engine.backend === 'webgpu' ? [...this.engine.kernels] : ['cpu'];
      results.dataset.kernels = String(kernels.length);
      for (const kernel of kernels) {
        status.textContent = `Running ${kernel}…`;
        await nextFrame();
        const opts: EngineConvOptions = kernel === 'cpu' ? options : { ...options, kernel: kernel as KernelName };
        const row: Row = { kernel, status: 'ok', ms: NaN, maxError: NaN };
        try {
          const first = await this.engine.convTranspose2d(input, inputShape, filter, filterShape, opts);
          row.maxError = maxAbsDiff(first.data, reference.data);
          const times: number[] = [];
          for (let i = 0; i < reps; i++) {
            const t = performance.now();
            await this.engine.convTranspose2d(input, inputShape, filter, filterShape, opts);
            times.push(performance.now() - t);
          }
          row.ms = median(times);
        } catch (err) {
          row.status = err instanceof DeconvError && err.code === 'UNSUPPORTED_BY_KERNEL' ? 'unsupported' : 'error';
          row.message = messageOf(err);
        }
        rows.push(row);
        this.render(rows, cpuMs, null);
      }

      let picked: string | null = null;
      if (this.engine.backend === 'webgpu') {
        status.textContent = 'Asking the planner (kernel “auto”)…';
        const auto = await this.engine.convTranspose2d(input, inputShape, filter, filterShape, {
          ...options,
          kernel: 'auto',
        });
        const name = String(auto.kernel);
        picked = name;
        byId('auto-pick').textContent = `“auto” picked ${name} for this geometry on this device.`;
        results.dataset.autoPicked = name;
      }
      this.render(rows, cpuMs, picked);
      const bad = rows.filter((r) => r.status !== 'ok' || !(r.maxError < TOLERANCE)).length;
      const bound = TOLERANCE.toExponential(0);
      if (this.engine.backend !== 'webgpu') {
        status.textContent =
          bad === 0
            ? `No WebGPU here: the CPU backend ran it and agrees with the reference (max error < ${bound}).`
            : 'No WebGPU here: the CPU backend disagrees with the reference.';
      } else {
        status.textContent =
          bad === 0
            ? `All ${rows.length} kernels agree with the CPU reference (max error < ${bound}).`
            : `${bad} of ${rows.length} kernels did not run or disagree with the CPU reference.`;
      }
    } catch (err) {
      errorBox.hidden = false;
      errorBox.textContent = messageOf(err);
      status.textContent = '';
    } finally {
      results.dataset.done = 'true';
      this.running = false;
      button.disabled = this.explorer.state === null;
    }
  }

  private render(rows: readonly Row[], cpuMs: number, picked: string | null): void {
    byId('run-results-body').replaceChildren(
      ...rows.map((r) =>
        h(
          'tr',
          {
            'data-kernel': r.kernel,
            'data-status': r.status,
            'data-max-error': String(r.maxError),
            'data-ms': String(r.ms),
            'data-auto': r.kernel === picked ? 'true' : undefined,
            class: r.kernel === picked ? 'auto' : undefined,
          },
          h('th', { scope: 'row' }, r.kernel, r.kernel === picked ? h('span', { class: 'badge', text: 'auto' }) : null),
          h('td', { class: 'num', text: r.status === 'ok' ? formatMs(r.ms) : '—' }),
          h('td', {
            class: `num ${r.status === 'ok' && r.maxError < TOLERANCE ? 'good' : 'bad'}`,
            text: r.status === 'ok' ? formatError(r.maxError) : '—',
          }),
          h('td', { class: r.status === 'ok' ? 'muted' : 'error', text: r.message ?? '' }),
        ),
      ),
    );
    const bars: Bar[] = rows.map((r) => ({
      label: r.kernel,
      value: r.ms,
      text: r.status === 'ok' ? `${formatMs(r.ms)}${r.kernel === picked ? '  ★ auto' : ''}` : r.status,
      highlight: r.kernel === picked,
    }));
    bars.push({ label: 'CPU reference', value: cpuMs, text: `${formatMs(cpuMs)} (one call)`, muted: true });
    drawBars(byId('run-chart') as unknown as SVGSVGElement, bars);
  }
}
