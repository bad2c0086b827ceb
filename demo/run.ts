/**
 * Panel 2: runs the explorer's layer with every kernel the engine offers, times each,
 * and compares each with the CPU reference. Results are tied to the layer and run
 * settings they were computed for: any change marks them out of date at once.
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
import {
  byId,
  copyText,
  formatBytes,
  formatCount,
  formatError,
  formatMs,
  h,
  maxAbsDiff,
  median,
  messageOf,
  nextFrame,
  onWidthChange,
  setFieldError,
} from './dom.js';
import type { Engine } from './engine.js';
import type { Explorer, ExplorerState } from './explorer.js';
import { InputError, readInts } from './params.js';
import { controlParams, resetControls, restoreControls, saveUrl, type UrlControl } from './url-state.js';

/** Errors above this mean a kernel is wrong, not merely rounding differently. */
const TOLERANCE = 1e-4;
/** Most repetitions per kernel. */
const MAX_REPS = 50;
/** Most values a user-set tensor may have: beyond this, typing them is not the point. */
const MAX_TYPED = 4096;
/** Above this much tensor memory, or this many multiply-adds in all, the page asks first. */
const CONFIRM_BYTES = 64 * 2 ** 20;
const CONFIRM_MACS = 2e9;
/** Above this much tensor memory the page does not run the layer at all. */
const REFUSE_BYTES = 2 ** 30;

interface Row {
  kernel: string;
  status: 'ok' | 'unsupported' | 'error';
  ms: number;
  maxError: number;
  message?: string;
}

/** Everything one run needs, checked. */
interface RunInputs {
  state: ExplorerState;
  inputShape: number[];
  filterShape: number[];
  outputShape: number[];
  reps: number;
  seed: number;
  custom: boolean;
  /** User-set values, when `custom`. */
  input: Float32Array | null;
  filter: Float32Array | null;
  bias: boolean;
  activation: string;
  /** Equal for two runs exactly when they compute the same thing. */
  key: string;
  /** The run in words, for the out-of-date notice. */
  label: string;
}

/** Seeded values in [−1, 1] with three decimals, as numbers that print short. */
function randomValues(size: number, seed: number): number[] {
  const rand = seededRandom(seed);
  return Array.from({ length: size }, () => Math.round((rand() * 2 - 1) * 1000) / 1000);
}

const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Reads user-set values: every piece a number, exactly `size` of them. */
function readValues(field: string, name: string, text: string, shape: number[], size: number): Float32Array {
  const parts = text.split(/[\s,;]+/).filter((p) => p !== '');
  const bad = parts.findIndex((p) => !FLOAT.test(p));
  if (bad >= 0) throw new InputError(field, `${name}: value ${bad + 1}, “${parts[bad]}”, is not a number.`);
  if (parts.length !== size) {
    throw new InputError(
      field,
      `${name}: ${parts.length} values, but [${shape.join(', ')}] needs ${size}. “Fill with random values” refills it.`,
    );
  }
  return new Float32Array(parts.map(Number));
}

function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Output values as text: six significant digits (float32 holds about seven). */
function valuesText(data: Float32Array): string {
  return Array.from(data, (v) => String(Number(v.toPrecision(6)))).join(', ');
}

export class RunPanel {
  private running = false;
  /** The key and description of the results on show, or null when none are. */
  private shown: { key: string; label: string } | null = null;
  private bars: Bar[] = [];
  private readonly controls: UrlControl[] = [
    { key: 'batch', el: byId<HTMLInputElement>('run-batch') },
    { key: 'reps', el: byId<HTMLInputElement>('run-reps') },
    { key: 'data', el: byId<HTMLSelectElement>('run-data') },
    { key: 'seed', el: byId<HTMLInputElement>('run-seed') },
    { key: 'bias', el: byId<HTMLInputElement>('run-bias') },
    { key: 'act', el: byId<HTMLSelectElement>('run-activation') },
  ];

  constructor(
    private readonly engine: Engine,
    private readonly explorer: Explorer,
    params: URLSearchParams,
  ) {
    restoreControls(this.controls, params);
    byId('run-button').addEventListener('click', () => void this.run());
    byId('run-data').addEventListener('change', () => this.fillCustom(false));
    byId('run-fill').addEventListener('click', () => this.fillCustom(true));
    explorer.onChange(() => this.refresh());
    for (const id of ['run-controls', 'custom-data']) byId(id).addEventListener('input', () => this.refresh());
    byId('run-copy-output').addEventListener('click', (e) =>
      copyText(byId<HTMLTextAreaElement>('run-output-values').value, e.currentTarget as HTMLButtonElement),
    );
    onWidthChange(byId('run-output'), () => this.drawChart());
    this.fillCustom(false);
    this.refresh();
  }

  /** The run panel's part of the URL (user-set values are not kept: they can be long). */
  urlParams(): [string, string][] {
    return controlParams(this.controls);
  }

  /** Back to the page's defaults; results on show stay, marked out of date if they no longer match. */
  reset(): void {
    resetControls(this.controls);
    this.fillCustom(false);
    this.refresh();
  }

  /**
   * Checks the run's inputs, showing each error under its field; null when any is
   * invalid (or the explorer is). Never throws.
   */
  private inputs(): RunInputs | null {
    const s = this.explorer.state;
    const errors = new Map<string, string>();
    const int = (id: string, label: string, min: number, max?: number): number => {
      const text = byId<HTMLInputElement>(id).value;
      try {
        const v = readInts(id, label, text, { min, max, counts: [1] });
        if (v === undefined)
          throw new InputError(id, `${label} is empty: type ${min > 0 ? 'a positive' : 'an'} integer.`);
        return v[0]!;
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
        errors.set(id, err.message);
        return NaN;
      }
    };
    const batch = int('run-batch', 'batch', 1);
    const reps = int('run-reps', 'repetitions', 1, MAX_REPS);
    const seed = int('run-seed', 'data seed', 0);
    const custom = byId<HTMLSelectElement>('run-data').value === 'custom';
    let result: RunInputs | null = null;
    let input: Float32Array | null = null;
    let filter: Float32Array | null = null;
    if (s && !errors.has('run-batch')) {
      const inputShape = [batch, ...s.inputShape.slice(1)];
      const filterShape = [...s.filterShape];
      const outputShape = [batch, ...s.geometry.outputShape.slice(1)];
      if (custom) {
        const sizes = [product(inputShape), product(filterShape)];
        if (Math.max(...sizes) > MAX_TYPED) {
          errors.set(
            'run-data',
            `data = user-set: the input has ${sizes[0]} values and the filter ${sizes[1]}; ` +
              `this page takes at most ${MAX_TYPED} typed values per tensor. Use random data or a smaller layer.`,
          );
        } else {
          const read = (id: string, name: string, shape: number[]) => {
            try {
              return readValues(id, name, byId<HTMLTextAreaElement>(id).value, shape, product(shape));
            } catch (err) {
              if (!(err instanceof InputError)) throw err;
              errors.set(id, err.message);
              return null;
            }
          };
          input = read('run-input', 'input', inputShape);
          filter = read('run-filter', 'filter', filterShape);
        }
      }
      if (errors.size === 0) {
        const bias = byId<HTMLInputElement>('run-bias').checked;
        const activation = byId<HTMLSelectElement>('run-activation').value;
        const data = custom
          ? ['user-set', byId<HTMLTextAreaElement>('run-input').value, byId<HTMLTextAreaElement>('run-filter').value]
          : ['random', seed];
        const g = s.geometry;
        result = {
          state: s,
          inputShape,
          filterShape,
          outputShape,
          reps,
          seed,
          custom,
          input,
          filter,
          bias,
          activation,
          key: JSON.stringify([s.key, batch, data, bias, bias ? seed : 0, activation]),
          label:
            `input [${inputShape.join(', ')}], filter [${filterShape.join(', ')}], stride ${g.strides.join('×')}, ` +
            `crop ${g.padding.join(', ')}, output [${outputShape.join(', ')}], ` +
            `${custom ? 'user-set' : `random (seed ${seed})`} data${bias ? ', bias' : ''}` +
            `${activation !== 'none' ? `, ${activation}` : ''}`,
        };
      }
    }
    for (const id of ['run-batch', 'run-reps', 'run-seed', 'run-data', 'run-input', 'run-filter']) {
      setFieldError(byId(id), errors.get(id) ?? null);
    }
    return result;
  }

  /** Re-checks the inputs, redescribes the run, and marks results on show out of date. */
  private refresh(): void {
    const text = byId('run-shapes');
    const button = byId<HTMLButtonElement>('run-button');
    const s = this.explorer.state;
    this.labelCustom();
    const inputs = this.inputs();
    if (!s) {
      text.textContent = 'The explorer’s parameters are invalid; fix them to run.';
    } else if (!inputs) {
      text.textContent = 'Fix the field outlined in red to run.';
    } else {
      const g = s.geometry;
      const layout = g.inputLayout.toUpperCase();
      const fLayout = FILTER_LAYOUTS[g.filterLayout] ?? g.filterLayout;
      text.replaceChildren(
        `input [${inputs.inputShape.join(', ')}] (${layout}), filter [${inputs.filterShape.join(', ')}] ` +
          `(${g.filterLayout}) → output [${inputs.outputShape.join(', ')}] (${layout})`,
        h('br'),
        h('span', {
          class: 'muted',
          text: `${layout} = [${LAYOUT_WORDS[layout] ?? layout}]; ${g.filterLayout} = ${fLayout}`,
        }),
      );
    }
    button.disabled = this.running || inputs === null;
    const section = byId('run-results-section');
    const stale = this.shown !== null && inputs?.key !== this.shown.key;
    section.dataset.stale = String(stale);
    const banner = byId('run-stale');
    banner.hidden = !stale;
    banner.textContent = stale
      ? `Out of date: these results are for ${this.shown!.label}. The layer or the run settings have changed since; run again to update them.`
      : '';
    saveUrl();
  }

  /** Labels the user-set text boxes with the shapes they need. */
  private labelCustom(): void {
    const s = this.explorer.state;
    const batch = Number(byId<HTMLInputElement>('run-batch').value);
    if (!s || !Number.isSafeInteger(batch) || batch < 1) return;
    const inputShape = [batch, ...s.inputShape.slice(1)];
    byId('run-input-label').textContent = `input [${inputShape.join(', ')}]: ${product(inputShape)} values`;
    byId('run-filter-label').textContent = `filter [${s.filterShape.join(', ')}]: ${product(s.filterShape)} values`;
  }

  /** Shows the user-set text boxes; fills them with seeded values when asked or empty. */
  private fillCustom(refill: boolean): void {
    const custom = byId<HTMLSelectElement>('run-data').value === 'custom';
    byId('custom-data').hidden = !custom;
    const s = this.explorer.state;
    const batch = Number(byId<HTMLInputElement>('run-batch').value);
    const seed = Number(byId<HTMLInputElement>('run-seed').value);
    if (custom && s && Number.isSafeInteger(batch) && batch >= 1 && Number.isSafeInteger(seed) && seed >= 0) {
      const sizes = [batch * product(s.inputShape.slice(1)), product(s.filterShape)];
      const boxes = [byId<HTMLTextAreaElement>('run-input'), byId<HTMLTextAreaElement>('run-filter')];
      boxes.forEach((box, i) => {
        if (sizes[i]! > MAX_TYPED) return;
        if (refill || box.value.trim() === '') box.value = randomValues(sizes[i]!, seed + i).join(', ');
      });
    }
    this.refresh();
  }

  /** Memory and work of a run, to ask before a very large one. */
  private estimate(r: RunInputs, kernels: number, auto: boolean): { bytes: number; macs: number; calls: number } {
    const g = r.state.geometry;
    const batch = r.inputShape[0]!;
    // Input and filter as float32; the output as float32 plus the reference's float64 accumulator.
    const bytes = 4 * (g.inputSize * batch + g.filterSize) + 16 * g.outputSize * batch;
    // The reference, a warm-up and the timed repetitions per kernel, and the "auto" call.
    const calls = 1 + kernels * (r.reps + 1) + (auto ? 1 : 0);
    return { bytes, macs: g.usefulMacs * batch, calls };
  }

  /** Asks in a dialog whether to run a large layer; resolves true to go ahead. */
  private confirmLarge(text: string): Promise<boolean> {
    const dialog = byId<HTMLDialogElement>('run-confirm');
    byId('run-confirm-text').textContent = text;
    return new Promise((done) => {
      dialog.addEventListener('close', () => done(dialog.returnValue === 'run'), { once: true });
      dialog.returnValue = '';
      dialog.showModal();
    });
  }

  /** Empties the results area: table, chart, verdicts, values. */
  private clear(): void {
    byId('run-results-body').replaceChildren();
    this.bars = [];
    this.drawChart();
    byId('auto-pick').textContent = '';
    byId('run-status').textContent = '';
    byId('run-error').hidden = true;
    byId('run-values').hidden = true;
    byId('run-output').hidden = true;
    byId('run-results').dataset.autoPicked = '';
  }

  private fail(message: string): void {
    const box = byId('run-error');
    box.hidden = false;
    box.textContent = message;
  }

  /** Runs every kernel once to compile, then `repetitions` times to time it. */
  async run(): Promise<void> {
    const r = this.inputs();
    if (!r || this.running) return;
    const webgpu = this.engine.backend === 'webgpu';
    const kernels: string[] = webgpu ? [...this.engine.kernels] : ['cpu'];
    const { bytes, macs, calls } = this.estimate(r, kernels.length, webgpu);
    const size =
      `${formatCount(macs)} multiply-adds per call (${calls} calls: the CPU reference, ` +
      `${webgpu ? `${kernels.length} kernels × ${r.reps + 1}, and “auto”` : `the CPU backend × ${r.reps + 1}`}) ` +
      `and about ${formatBytes(bytes)} of tensors`;
    const results = byId('run-results');
    if (bytes > REFUSE_BYTES) {
      this.shown = null;
      this.clear();
      byId('run-placeholder').hidden = true;
      results.dataset.done = 'true';
      this.fail(
        `This layer is too large to run here: ${size}; this page runs layers up to ${formatBytes(REFUSE_BYTES)}. ` +
          'Make the input, channels or batch smaller.',
      );
      this.refresh();
      return;
    }
    if (
      (bytes > CONFIRM_BYTES || macs * calls > CONFIRM_MACS) &&
      !(await this.confirmLarge(
        `This layer is large: ${size}. It may take a long time and a lot of memory. Run it anyway?`,
      ))
    ) {
      return;
    }
    this.running = true;
    this.shown = { key: r.key, label: r.label };
    this.clear();
    byId('run-placeholder').hidden = true;
    byId('run-output').hidden = false;
    results.dataset.done = 'false';
    const status = byId('run-status');
    this.refresh();
    const rows: Row[] = [];
    try {
      const input = r.input ?? new Float32Array(randomValues(product(r.inputShape), r.seed));
      const filter = r.filter ?? new Float32Array(randomValues(product(r.filterShape), r.seed + 1));
      const options: ConvTranspose2dOptions = { ...r.state.options };
      if (r.activation !== 'none') options.activation = r.activation as ConvTranspose2dOptions['activation'];
      if (r.bias) options.bias = new Float32Array(randomValues(r.state.geometry.outChannels, r.seed + 2));

      status.textContent = 'CPU reference…';
      await nextFrame();
      const t0 = performance.now();
      const reference = convTranspose2dCpu(input, r.inputShape, filter, r.filterShape, options);
      const cpuMs = performance.now() - t0;

      results.dataset.kernels = String(kernels.length);
      let last: Float32Array = reference.data;
      for (const kernel of kernels) {
        status.textContent = `Running ${kernel}…`;
        await nextFrame();
        const opts: EngineConvOptions = kernel === 'cpu' ? options : { ...options, kernel: kernel as KernelName };
        const row: Row = { kernel, status: 'ok', ms: NaN, maxError: NaN };
        try {
          const first = await this.engine.convTranspose2d(input, r.inputShape, filter, r.filterShape, opts);
          row.maxError = maxAbsDiff(first.data, reference.data);
          if (kernel === 'cpu') last = first.data;
          const times: number[] = [];
          for (let i = 0; i < r.reps; i++) {
            const t = performance.now();
            await this.engine.convTranspose2d(input, r.inputShape, filter, r.filterShape, opts);
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
      if (webgpu) {
        status.textContent = 'Asking the planner (kernel “auto”)…';
        const plan = this.engine.plan(r.inputShape, r.filterShape, options);
        const auto = await this.engine.convTranspose2d(input, r.inputShape, filter, r.filterShape, {
          ...options,
          kernel: 'auto',
        });
        last = auto.data;
        picked = String(auto.kernel);
        const best = plan ? plan.costs[plan.kernel] : undefined;
        const ranking =
          plan && best
            ? (Object.entries(plan.costs) as [string, number][])
                .sort((a, b) => a[1] - b[1])
                .map(([k, c]) => `${k} ${(c / best).toFixed(2)}`)
                .join(', ')
            : '';
        byId('auto-pick').textContent =
          `“auto” picked ${picked} for this layer on this device` +
          (plan ? `: ${plan.reason}. The planner’s estimated cost relative to its pick: ${ranking}.` : '.');
        results.dataset.autoPicked = picked;
      }
      this.render(rows, cpuMs, picked);
      const bad = rows.filter((row) => row.status !== 'ok' || !(row.maxError < TOLERANCE)).length;
      const bound = TOLERANCE.toExponential(0);
      if (!webgpu) {
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
      byId('run-timing').textContent =
        `Times: the median of ${r.reps} call${r.reps > 1 ? 's' : ''} after one warm-up call, each with upload and ` +
        'readback. The browser’s clock ticks in 0.1 ms steps, so that is the finest difference shown.';
      if (r.custom) {
        byId('run-values').hidden = false;
        byId('run-values-label').textContent =
          `output [${r.outputShape.join(', ')}] (${r.state.geometry.inputLayout.toUpperCase()})` +
          `${picked ? `, from ${picked}` : ''}: ${last.length} values`;
        byId<HTMLTextAreaElement>('run-output-values').value = valuesText(last);
      }
    } catch (err) {
      this.shown = null;
      this.clear();
      this.fail(messageOf(err));
    } finally {
      results.dataset.done = 'true';
      this.running = false;
      this.refresh();
    }
  }

  private render(rows: readonly Row[], cpuMs: number, picked: string | null): void {
    byId('run-results-body').replaceChildren(
      ...rows.flatMap((r) => {
        const row = h(
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
            text: r.status === 'ok' ? formatError(r.maxError) : r.status,
          }),
        );
        if (!r.message) return [row];
        return [row, h('tr', { class: 'message' }, h('td', { colspan: 3, class: 'error', text: r.message }))];
      }),
    );
    this.bars = rows.map((r) => ({
      label: r.kernel,
      value: r.ms,
      text: r.status === 'ok' ? `${formatMs(r.ms)}${r.kernel === picked ? '  ★ auto' : ''}` : r.status,
      highlight: r.kernel === picked,
    }));
    this.bars.push({ label: 'CPU reference', value: cpuMs, text: `${formatMs(cpuMs)} (one call)`, muted: true });
    this.drawChart();
  }

  /** Draws the bars at the width the chart has now. */
  private drawChart(): void {
    const box = byId('run-output');
    const width = Math.min(600, box.clientWidth);
    drawBars(byId('run-chart') as unknown as SVGSVGElement, this.bars, width);
  }
}

/** What the data layouts' letters stand for. */
const LAYOUT_WORDS: Record<string, string> = {
  NCHW: 'batch, channels, height, width',
  NHWC: 'batch, height, width, channels',
};

/** What the filter layouts' letters stand for. */
const FILTER_LAYOUTS: Record<string, string> = {
  iohw: '[in channels, out channels per group, kernel H, kernel W]',
  hwoi: '[kernel H, kernel W, out channels per group, in channels]',
  ohwi: '[out channels per group, kernel H, kernel W, in channels]',
};
