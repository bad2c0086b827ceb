/**
 * Panel 1: the geometry explorer. A framework's own parameters → the output shape,
 * the crop on each side, the full size before cropping, a drawing, and the equivalent
 * parameters in every other framework. A framework switch carries the layer over
 * through the library's conversions; the fields live in the page's URL.
 */
import {
  DeconvError,
  equivalents,
  resolveConvTranspose2d,
  toCaffe,
  toKeras,
  toOnnx,
  toTensorFlow,
  toTorch,
  type ConvTranspose2dGeometry,
  type ConvTranspose2dOptions,
  type Equivalents,
} from '../src/index.js';
import { byId, copyText, h, messageOf, setFieldError } from './dom.js';
import { COLORS, GeometryView } from './draw-geometry.js';
import {
  COMMON_FIELDS,
  FRAMEWORKS,
  InputErrors,
  defaultValues,
  fieldForParam,
  fieldsFromParams,
  frameworkSpec,
  isFramework,
  libraryMessage,
  resolveFramework,
  type FrameworkId,
  type FrameworkSpec,
  type Resolved,
} from './params.js';

/** A valid geometry, as the other panels receive it. */
export interface ExplorerState {
  framework: FrameworkId;
  inputShape: number[];
  filterShape: number[];
  options: ConvTranspose2dOptions;
  geometry: ConvTranspose2dGeometry;
  /** The same for two states exactly when they describe the same layer in the same data layouts. */
  key: string;
}

/** One framework's conversion, its params seen as a plain record. */
type Conversion = { ok: true; params: Record<string, unknown>; note?: string } | { ok: false; reason: string };

/** URL keys of the common sizes. */
const COMMON_URL: Record<string, string> = {
  'in-height': 'h',
  'in-width': 'w',
  'in-channels': 'cin',
  'out-channels': 'cout',
  'kernel-height': 'kh',
  'kernel-width': 'kw',
};

/** How each framework spells its layer, for the equivalents table. */
const CALL_STYLE: Record<string, { name: string; open: string; close: string; sep: string; assign: string }> = {
  torch: { name: 'PyTorch', open: 'nn.ConvTranspose2d(', close: ')', sep: ', ', assign: '=' },
  tensorflow: { name: 'TensorFlow', open: 'tf.nn.conv2d_transpose(x, w, ', close: ')', sep: ', ', assign: '=' },
  keras: { name: 'Keras', open: 'layers.Conv2DTranspose(', close: ')', sep: ', ', assign: '=' },
  onnx: { name: 'ONNX', open: 'ConvTranspose(', close: ')', sep: ', ', assign: '=' },
  caffe: { name: 'Caffe', open: 'convolution_param { ', close: ' }', sep: ' ', assign: ': ' },
};

/** The library function that converts the canonical options to each framework. */
const CONVERTERS: Record<FrameworkId, string> = {
  torch: 'toTorch',
  tensorflow: 'toTensorFlow',
  keras: 'toKeras',
  onnx: 'toOnnx',
  caffe: 'toCaffe',
  canonical: 'equivalents',
};

function snake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function pyValue(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (Array.isArray(v)) return `[${v.map(pyValue).join(', ')}]`;
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  return String(v);
}

/** Renders converted params the way that framework's users write them. */
export function formatCall(framework: string, params: Record<string, unknown>): string {
  const style = CALL_STYLE[framework] ?? { open: `${framework}(`, close: ')', sep: ', ', assign: '=' };
  const caffe = framework === 'caffe';
  const parts = Object.entries(params)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${snake(k)}${style.assign}${caffe && typeof v === 'string' ? v : pyValue(v)}`);
  return `${style.open}${parts.join(style.sep)}${style.close}`;
}

/** The per-framework rows of `equivalents` (it also returns the canonical form). */
function conversionRows(result: Equivalents): [string, Conversion][] {
  const frameworks = ['torch', 'tensorflow', 'keras', 'onnx', 'caffe'] as const;
  return frameworks.map((fw) => [fw, result[fw] as Conversion]);
}

/** The layer of `s` converted to framework `id` by the library. */
function convert(id: FrameworkId, s: ExplorerState): Conversion {
  const args = [s.inputShape, s.filterShape, s.options] as const;
  switch (id) {
    case 'torch':
      return toTorch(...args) as Conversion;
    case 'tensorflow':
      return toTensorFlow(...args) as Conversion;
    case 'keras':
      return toKeras(...args) as Conversion;
    case 'onnx':
      return toOnnx(...args) as Conversion;
    case 'caffe':
      return toCaffe(...args) as Conversion;
    case 'canonical':
      return { ok: true, params: equivalents(...args).canonical as Record<string, unknown> };
  }
}

/** A key naming a layer and its data layouts, independent of the framework that spelled it. */
function layerKey(g: ConvTranspose2dGeometry): string {
  return JSON.stringify([
    g.inputShape,
    g.filterShape,
    g.inputLayout,
    g.filterLayout,
    g.strides,
    g.dilations,
    g.padding,
    g.outputPadding,
    g.groups,
  ]);
}

export class Explorer {
  private framework: FrameworkId = 'torch';
  private readonly view: GeometryView;
  private readonly select = byId<HTMLSelectElement>('framework');
  private readonly listeners: ((s: ExplorerState | null) => void)[] = [];
  /** The last valid state, or null while the parameters are invalid. */
  state: ExplorerState | null = null;

  constructor(params: URLSearchParams) {
    this.view = new GeometryView(
      byId<HTMLCanvasElement>('geometry-canvas'),
      byId('geometry-note'),
      byId('geometry-caption'),
      byId('geometry-legend'),
    );
    for (const f of FRAMEWORKS) this.select.append(h('option', { value: f.id, text: f.name }));
    this.select.addEventListener('change', () => this.switchTo(this.select.value as FrameworkId));
    const common = byId('common-fields');
    for (const c of COMMON_FIELDS) {
      common.append(
        h(
          'div',
          { class: 'field', 'data-field': c.id },
          h('label', { for: c.id }),
          h('input', { id: c.id, type: 'text', inputmode: 'numeric', value: c.value, autocomplete: 'off' }),
        ),
      );
    }
    byId('explorer-form').addEventListener('input', () => {
      this.setNote(null);
      this.update();
    });
    byId('explorer-form').addEventListener('submit', (e) => e.preventDefault());
    this.legend();
    this.restore(params);
  }

  /** Calls `fn` with every new state (null while invalid). */
  onChange(fn: (s: ExplorerState | null) => void): void {
    this.listeners.push(fn);
  }

  /** The explorer's part of the URL: the framework, the sizes, and every non-blank field. */
  urlParams(): [string, string][] {
    const out: [string, string][] = [['fw', this.framework]];
    for (const c of COMMON_FIELDS) out.push([COMMON_URL[c.id]!, byId<HTMLInputElement>(c.id).value]);
    for (const [k, v] of Object.entries(this.values())) if (v.trim() !== '') out.push([k, v]);
    return out;
  }

  /** Sets every field from URL parameters (defaults where absent) and resolves. */
  restore(params: URLSearchParams): void {
    const fw = params.get('fw');
    this.framework = isFramework(fw) ? fw : 'torch';
    this.select.value = this.framework;
    for (const c of COMMON_FIELDS) byId<HTMLInputElement>(c.id).value = params.get(COMMON_URL[c.id]!) ?? c.value;
    const values = defaultValues(this.spec());
    for (const f of this.spec().fields) {
      const v = params.get(f.key);
      if (v === null) continue;
      if (f.kind === 'select' && !f.choices?.includes(v)) continue;
      values[f.key] = v;
    }
    this.setNote(null);
    this.buildFields(values);
    this.update();
  }

  private spec(): FrameworkSpec {
    return frameworkSpec(this.framework);
  }

  /**
   * Switches to framework `next`, carrying the layer over with the library's
   * conversion; says what happened, including when there is no equivalent.
   */
  private switchTo(next: FrameworkId): void {
    const from = this.spec();
    const to = frameworkSpec(next);
    const state = this.state;
    let values = defaultValues(to);
    let note: string;
    let ok = false;
    if (!state) {
      note = `The ${from.name} fields have an error, so ${to.name} starts from its defaults; the sizes are kept.`;
    } else {
      const conv = convert(next, state);
      if (conv.ok) {
        ok = true;
        values = fieldsFromParams(next, conv.params);
        const g = state.geometry;
        note =
          `Carried over from ${from.name} with the library’s ${CONVERTERS[next]}(): the same layer, ` +
          `${g.outHeight}×${g.outWidth} output, crop ${g.padding.join(', ')}.` +
          (conv.note ? ` The conversion adds: ${conv.note}` : '');
      } else {
        note =
          `${to.name} has no equivalent of this layer: ${conv.reason} ` +
          `The ${to.name} fields show its defaults; the sizes are kept.`;
      }
    }
    this.framework = next;
    this.buildFields(values);
    this.update();
    this.setNote(note, ok);
  }

  private setNote(text: string | null, ok = false): void {
    const box = byId('switch-note');
    box.hidden = text === null;
    box.textContent = text ?? '';
    box.dataset.ok = String(ok);
    box.classList.toggle('warn', !ok);
  }

  private buildFields(values: Record<string, string>): void {
    const spec = this.spec();
    byId('framework-call').textContent = spec.call;
    for (const c of COMMON_FIELDS) {
      const label = document.querySelector<HTMLLabelElement>(`label[for="${c.id}"]`);
      if (label) label.textContent = spec.common[c.key];
    }
    const box = byId('framework-fields-list');
    box.replaceChildren();
    for (const f of spec.fields) {
      const id = `p-${f.key}`;
      const hintId = f.hint ? `${id}-hint` : undefined;
      const control =
        f.kind === 'select'
          ? h('select', { id }, ...(f.choices ?? []).map((c) => h('option', { value: c, text: c })))
          : h('input', {
              id,
              type: 'text',
              autocomplete: 'off',
              placeholder: f.optional ? 'not given' : undefined,
              'aria-describedby': hintId,
            });
      control.value = values[f.key] ?? f.value;
      box.append(
        h(
          'div',
          { class: 'field', 'data-field': f.key },
          h('label', { for: id, text: f.label }),
          control,
          f.hint ? h('small', { class: 'hint', id: hintId, text: f.hint }) : null,
        ),
      );
    }
  }

  private values(): Record<string, string> {
    const values: Record<string, string> = {};
    for (const f of this.spec().fields) {
      values[f.key] = byId<HTMLInputElement | HTMLSelectElement>(`p-${f.key}`).value;
    }
    return values;
  }

  private sizeTexts(): Record<string, string> {
    return Object.fromEntries(COMMON_FIELDS.map((c) => [c.id, byId<HTMLInputElement>(c.id).value]));
  }

  /** Re-resolves everything from the fields. Never throws: errors go under their field. */
  update(): void {
    const spec = this.spec();
    const values = this.values();
    for (const f of spec.fields) {
      const wrap = document.querySelector<HTMLElement>(`#framework-fields-list [data-field="${f.key}"]`);
      if (wrap) wrap.hidden = f.visible ? !f.visible(values) : false;
    }
    let resolved: Resolved | null = null;
    let geometry: ConvTranspose2dGeometry | null = null;
    try {
      resolved = resolveFramework(this.framework, values, this.sizeTexts());
      geometry = resolveConvTranspose2d(resolved.inputShape, resolved.filterShape, resolved.options);
      this.showErrors(null);
    } catch (err) {
      this.showErrors(err);
    }
    if (resolved && geometry) {
      this.state = {
        framework: this.framework,
        inputShape: resolved.inputShape,
        filterShape: resolved.filterShape,
        options: resolved.options,
        geometry,
        key: layerKey(geometry),
      };
      this.showGeometry(resolved, geometry);
      this.showEquivalents(resolved);
    } else {
      this.state = null;
      this.showGeometry(null, null);
      byId('equivalents-body').replaceChildren(
        h('tr', {}, h('td', { colspan: 2, class: 'muted', text: 'Fix the parameters to see equivalents.' })),
      );
    }
    for (const fn of this.listeners) fn(this.state);
  }

  /** The control of a field key or common id. */
  private control(field: string): HTMLInputElement | HTMLSelectElement | null {
    return document.getElementById(COMMON_URL[field] ? field : `p-${field}`) as HTMLInputElement | null;
  }

  /** The field's name in the current framework's terms. */
  private label(field: string): string {
    const common = COMMON_FIELDS.find((c) => c.id === field);
    if (common) return this.spec().common[common.key];
    return this.spec().fields.find((f) => f.key === field)?.label ?? field;
  }

  /**
   * Puts each error under the field it is about (the demo's own checks name the
   * field; a library error is placed by its `param`). An error no field explains
   * goes under the form.
   */
  private showErrors(err: unknown): void {
    for (const el of document.querySelectorAll<HTMLElement>('#explorer-form [aria-invalid="true"]')) {
      setFieldError(el, null);
    }
    const box = byId('explorer-error');
    box.hidden = true;
    box.textContent = '';
    box.dataset.code = '';
    if (err === null) return;
    const placed: { field: string; message: string }[] = [];
    if (err instanceof InputErrors) {
      for (const e of err.errors) placed.push({ field: e.field, message: e.message });
    } else if (err instanceof DeconvError) {
      let field = fieldForParam(err.param, this.spec());
      // A blank optional field cannot be at fault: the values it left to the demo are.
      const control = field ? this.control(field) : null;
      if (field && (!control || control.value.trim() === '' || control.closest('[hidden]'))) field = null;
      if (field && control) {
        placed.push({ field, message: libraryMessage(err, this.label(field), control.value) });
      } else {
        box.hidden = false;
        box.textContent = err.message;
        box.dataset.code = err.code;
      }
    } else {
      box.hidden = false;
      box.textContent = `Unexpected error: ${messageOf(err)}`;
      box.dataset.code = 'UNEXPECTED';
    }
    for (const p of placed) {
      const control = this.control(p.field);
      if (control) setFieldError(control, p.message);
    }
  }

  private showGeometry(r: Resolved | null, g: ConvTranspose2dGeometry | null): void {
    const out = byId('out-shape');
    if (!r || !g) {
      out.textContent = '—';
      out.dataset.valid = 'false';
      byId('out-tensor-shape').textContent = '';
      for (const id of ['full-size', 'crop', 'output-padding', 'window']) byId(id).textContent = '—';
      byId('formula').textContent = '';
      byId('canonical-options').textContent = '';
      this.view.set(null, 'Nothing to draw: fix the field outlined in red (its message says why).');
      return;
    }
    out.textContent = `${g.outHeight}×${g.outWidth}`;
    out.dataset.valid = 'true';
    byId('out-tensor-shape').textContent = `tensor [${g.outputShape.join(', ')}] (${g.inputLayout.toUpperCase()})`;
    byId('full-size').textContent = `${g.fullHeight}×${g.fullWidth}`;
    const [t, b, l, rr] = g.padding;
    byId('crop').textContent = `top ${t}, bottom ${b}, left ${l}, right ${rr}`;
    byId('output-padding').textContent = `bottom ${g.outputPadding[0]}, right ${g.outputPadding[1]}`;
    const range = (from: number, n: number, full: number) =>
      `${from}…${from + n - 1}${from + n > full ? ` (from ${full} on: zeros, plus bias)` : ''}`;
    byId('window').textContent =
      `rows ${range(t, g.outHeight, g.fullHeight)}, cols ${range(l, g.outWidth, g.fullWidth)}`;
    const axis = (name: string, i: number, k: number, full: number, p0: number, p1: number, op: number, o: number) =>
      `${name}: F = (${i} − 1)·${g.strides[name === 'H' ? 0 : 1]} + ${g.dilations[name === 'H' ? 0 : 1]}·(${k} − 1) + 1 = ${full}; ` +
      `out = ${full} − ${p0} − ${p1} + ${op} = ${o}`;
    byId('formula').textContent = [
      axis('H', g.inHeight, g.kernelHeight, g.fullHeight, t, b, g.outputPadding[0], g.outHeight),
      axis('W', g.inWidth, g.kernelWidth, g.fullWidth, l, rr, g.outputPadding[1], g.outWidth),
    ].join('\n');
    byId('canonical-options').textContent =
      r.code === '' ? optionsText(r.options) : `${r.code}\n→ ${optionsText(r.options)}`;
    this.view.set(g);
  }

  private showEquivalents(r: Resolved): void {
    const body = byId('equivalents-body');
    let rows: [string, Conversion][];
    try {
      rows = conversionRows(equivalents(r.inputShape, r.filterShape, r.options));
    } catch (err) {
      body.replaceChildren(h('tr', {}, h('td', { colspan: 2, class: 'error', text: messageOf(err) })));
      return;
    }
    body.replaceChildren(
      ...rows
        .filter(([fw]) => fw !== this.framework)
        .map(([fw, conv]) => {
          const name = CALL_STYLE[fw]?.name ?? fw;
          let cell: HTMLTableCellElement;
          if (conv.ok) {
            const call = formatCall(fw, conv.params);
            const copy = h('button', {
              type: 'button',
              class: 'copy',
              text: 'Copy',
              'aria-label': `Copy the ${name} call`,
            });
            copy.addEventListener('click', () => void copyText(call, copy));
            cell = h(
              'td',
              {},
              h('div', { class: 'call' }, h('code', { text: call }), copy),
              conv.note ? h('div', { class: 'note', text: conv.note }) : null,
            );
          } else {
            cell = h('td', {}, h('span', { class: 'none', text: 'No equivalent: ' }), conv.reason);
          }
          return h(
            'tr',
            {
              'data-framework': fw,
              'data-ok': String(conv.ok),
              'data-params': conv.ok ? JSON.stringify(conv.params) : undefined,
            },
            h('th', { scope: 'row', text: name }),
            cell,
          );
        }),
    );
  }

  private legend(): void {
    const items: [string, string, string][] = [
      [COLORS.input, 'input pixel, placed every stride cells', ''],
      [COLORS.zero, 'inserted zero (stride − 1 between pixels)', ''],
      [COLORS.overhang, 'kernel overhang past the last pixel', 'border'],
      [COLORS.footprint, 'kernel footprint of one input pixel', 'outline'],
      [COLORS.cropped, 'cropped by padding', ''],
      [COLORS.added, 'added by output padding past the full size', ''],
      [COLORS.output, 'the output', 'outline'],
    ];
    byId('geometry-legend').replaceChildren(
      ...items.map(([color, text, kind]) =>
        h(
          'li',
          {},
          h('span', {
            class: `swatch ${kind}`,
            style: kind === 'outline' ? `border-color:${color}` : `background:${color}`,
          }),
          text,
        ),
      ),
    );
  }
}

function optionsText(o: ConvTranspose2dOptions): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined) continue;
    parts.push(`${k}: ${Array.isArray(v) ? `[${v.join(', ')}]` : typeof v === 'string' ? `'${v}'` : String(v)}`);
  }
  return `{ ${parts.join(', ')} }`;
}
