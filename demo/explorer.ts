/**
 * Panel 1: the geometry explorer. A framework's own parameters → the output shape,
 * the crop on each side, the full size before cropping, a drawing, and the equivalent
 * parameters in every other framework.
 */
import {
  DeconvError,
  equivalents,
  resolveConvTranspose2d,
  type ConvTranspose2dGeometry,
  type ConvTranspose2dOptions,
  type Equivalents,
} from '../src/index.js';
import { byId, h, messageOf } from './dom.js';
import { COLORS, GeometryView } from './draw-geometry.js';
import {
  FRAMEWORKS,
  fieldForParam,
  frameworkSpec,
  resolveFramework,
  type CommonSizes,
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
}

/** One framework's conversion, its params seen as a plain record. */
type Conversion = { ok: true; params: Record<string, unknown>; note?: string } | { ok: false; reason: string };

const COMMON = [
  { id: 'in-height', label: 'input H', value: '4', group: 'common-input' },
  { id: 'in-width', label: 'input W', value: '4', group: 'common-input' },
  { id: 'in-channels', label: 'in channels', value: '2', group: 'common-input' },
  { id: 'out-channels', label: 'out channels', value: '2', group: 'common-channels' },
  { id: 'kernel-height', label: 'kernel H', value: '3', group: 'common-kernel' },
  { id: 'kernel-width', label: 'kernel W', value: '3', group: 'common-kernel' },
] as const;

/** How each framework spells its layer, for the equivalents table. */
const CALL_STYLE: Record<string, { name: string; open: string; close: string; sep: string; assign: string }> = {
  torch: { name: 'PyTorch', open: 'nn.ConvTranspose2d(', close: ')', sep: ', ', assign: '=' },
  tensorflow: { name: 'TensorFlow', open: 'tf.nn.conv2d_transpose(x, w, ', close: ')', sep: ', ', assign: '=' },
  keras: { name: 'Keras', open: 'layers.Conv2DTranspose(', close: ')', sep: ', ', assign: '=' },
  onnx: { name: 'ONNX', open: 'ConvTranspose(', close: ')', sep: ', ', assign: '=' },
  caffe: { name: 'Caffe', open: 'convolution_param { ', close: ' }', sep: ' ', assign: ': ' },
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

export class Explorer {
  private framework: FrameworkId = 'torch';
  private readonly view: GeometryView;
  /** Moves next to the field an error names, so it is kept here rather than looked up. */
  private readonly errorBox = byId('explorer-error');
  private readonly listeners: ((s: ExplorerState | null) => void)[] = [];
  /** The last valid state, or null while the parameters are invalid. */
  state: ExplorerState | null = null;

  constructor() {
    this.view = new GeometryView(byId<HTMLCanvasElement>('geometry-canvas'));
    const select = byId<HTMLSelectElement>('framework');
    for (const f of FRAMEWORKS) select.append(h('option', { value: f.id, text: f.name }));
    select.value = this.framework;
    select.addEventListener('change', () => {
      this.framework = select.value as FrameworkId;
      this.buildFields();
      this.update();
    });
    const common = byId('common-fields');
    for (const c of COMMON) {
      common.append(
        h(
          'div',
          { class: 'field', 'data-field': c.id, 'data-group': c.group },
          h('label', { for: c.id, text: c.label }),
          h('input', { id: c.id, type: 'text', inputmode: 'numeric', value: c.value, autocomplete: 'off' }),
        ),
      );
    }
    byId('explorer-form').addEventListener('input', () => this.update());
    byId('explorer-form').addEventListener('submit', (e) => e.preventDefault());
    this.legend();
    this.buildFields();
    this.update();
  }

  /** Calls `fn` with every new state (null while invalid). */
  onChange(fn: (s: ExplorerState | null) => void): void {
    this.listeners.push(fn);
  }

  private spec(): FrameworkSpec {
    return frameworkSpec(this.framework);
  }

  private buildFields(): void {
    const spec = this.spec();
    byId('framework-call').textContent = spec.call;
    const box = byId('framework-fields-list');
    // The error box may sit among the old fields: park it before they go.
    box.after(this.errorBox);
    box.replaceChildren();
    for (const f of spec.fields) {
      const id = `p-${f.key}`;
      const control =
        f.kind === 'select'
          ? h('select', { id }, ...(f.choices ?? []).map((c) => h('option', { value: c, text: c })))
          : h('input', {
              id,
              type: 'text',
              value: f.value,
              autocomplete: 'off',
              placeholder: f.optional ? 'not given' : undefined,
            });
      if (control instanceof HTMLSelectElement) control.value = f.value;
      box.append(
        h(
          'div',
          { class: 'field', 'data-field': f.key },
          h('label', { for: id, text: f.label }),
          control,
          f.hint ? h('small', { class: 'hint', text: f.hint }) : null,
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

  private sizes(): CommonSizes {
    const num = (id: string) => {
      const text = byId<HTMLInputElement>(id).value.trim();
      return text === '' ? NaN : Number(text);
    };
    return {
      height: num('in-height'),
      width: num('in-width'),
      inChannels: num('in-channels'),
      outChannels: num('out-channels'),
      kernelHeight: num('kernel-height'),
      kernelWidth: num('kernel-width'),
    };
  }

  /** Re-resolves everything from the fields. Never throws: errors go next to their field. */
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
      resolved = resolveFramework(this.framework, values, this.sizes());
      geometry = resolveConvTranspose2d(resolved.inputShape, resolved.filterShape, resolved.options);
      this.showError(null);
    } catch (err) {
      this.showError(err);
    }
    if (resolved && geometry) {
      this.state = {
        framework: this.framework,
        inputShape: resolved.inputShape,
        filterShape: resolved.filterShape,
        options: resolved.options,
        geometry,
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

  private showError(err: unknown): void {
    const box = this.errorBox;
    for (const el of document.querySelectorAll('#explorer-form [aria-invalid="true"]')) {
      el.removeAttribute('aria-invalid');
    }
    if (err === null) {
      box.hidden = true;
      box.textContent = '';
      box.removeAttribute('data-code');
      box.removeAttribute('data-param');
      box.removeAttribute('data-field');
      byId('framework-fields-list').after(box);
      return;
    }
    const message = messageOf(err);
    box.hidden = false;
    box.textContent = err instanceof DeconvError ? message : `Unexpected error: ${message}`;
    box.dataset.code = err instanceof DeconvError ? err.code : 'UNEXPECTED';
    const param = err instanceof DeconvError ? err.param : undefined;
    box.dataset.param = param ?? '';
    const field = fieldForParam(param, this.spec());
    let anchor: Element | null = null;
    if (field?.startsWith('common-')) {
      const group = [...document.querySelectorAll<HTMLElement>(`#common-fields [data-group="${field}"]`)];
      anchor = group.at(-1) ?? null;
      for (const g of group) g.querySelector('input')?.setAttribute('aria-invalid', 'true');
    } else if (field) {
      anchor = document.querySelector(`#framework-fields-list [data-field="${field}"]`);
      anchor?.querySelector('input, select')?.setAttribute('aria-invalid', 'true');
    }
    box.dataset.field = field ?? '';
    if (anchor) anchor.after(box);
    else byId('framework-fields-list').after(box);
  }

  private showGeometry(r: Resolved | null, g: ConvTranspose2dGeometry | null): void {
    const out = byId('out-shape');
    if (!r || !g) {
      out.textContent = '—';
      out.dataset.valid = 'false';
      byId('out-tensor-shape').textContent = '';
      byId('full-size').textContent = '—';
      byId('crop').textContent = '—';
      byId('output-padding').textContent = '—';
      byId('window').textContent = '—';
      byId('formula').textContent = '';
      byId('canonical-options').textContent = '';
      this.view.set(null);
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
      `${name}: F = (${i} − 1)·${g.strides[name === 'H' ? 0 : 1]} + ${g.dilations[name === 'H' ? 0 : 1]}·(${k} − 1) + 1 = ${full};  ` +
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
          const cell = conv.ok
            ? h(
                'td',
                {},
                h('code', { title: JSON.stringify(conv.params), text: formatCall(fw, conv.params) }),
                conv.note ? h('div', { class: 'note', text: conv.note }) : null,
              )
            : h('td', {}, h('span', { class: 'none', text: 'No equivalent: ' }), conv.reason);
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
      [COLORS.footprint, 'kernel footprint of one input pixel (hover to move)', 'outline'],
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
