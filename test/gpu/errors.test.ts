/**
 * Bad input, table-driven: every kind is rejected with the right DeconvError on
 * the GPU engine, on the CPU-fallback engine and by the CPU reference, before any
 * GPU work (the device's validation scope stays empty).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convTranspose2dCpu } from '../../src/cpu.js';
import { DeconvError, type DeconvErrorCode } from '../../src/errors.js';
import type { Engine } from '../../src/gpu/engine.js';
import { createEngine } from '../../src/gpu/kernels/registry.js';
import { getDevice, withErrorScopes } from '../helpers/gpu.js';

let device: GPUDevice;
let gpu: Engine;
let cpu: Engine;
beforeAll(async () => {
  ({ device } = await getDevice());
  gpu = await createEngine({ device, fallback: 'none' });
  cpu = await createEngine({ gpu: { requestAdapter: async () => null } as unknown as GPU });
});
afterAll(() => {
  gpu?.destroy();
  device?.destroy();
});

const x = () => new Float32Array(1 * 2 * 4 * 4);
const w = () => new Float32Array(2 * 3 * 3 * 3);

interface Bad {
  name: string;
  input?: unknown;
  inputShape?: unknown;
  filter?: unknown;
  filterShape?: unknown;
  options?: unknown;
  code: DeconvErrorCode;
  /** The parameter the error must name (prefix). */
  param: string;
  /** Only the engines check it (the CPU reference has no `kernel`). */
  engineOnly?: boolean;
}

const BAD: Bad[] = [
  { name: 'inputShape not an array', inputShape: 'abc', code: 'INVALID_ARGUMENT', param: 'inputShape' },
  { name: 'inputShape of rank 3', inputShape: [2, 4, 4], code: 'INVALID_ARGUMENT', param: 'inputShape' },
  { name: 'inputShape with a zero', inputShape: [1, 2, 0, 4], code: 'INVALID_ARGUMENT', param: 'inputShape[2]' },
  { name: 'inputShape with a fraction', inputShape: [1, 2, 4.5, 4], code: 'INVALID_ARGUMENT', param: 'inputShape[2]' },
  { name: 'inputShape negative', inputShape: [1, 2, -4, 4], code: 'INVALID_ARGUMENT', param: 'inputShape[2]' },
  { name: 'inputShape NaN', inputShape: [1, 2, NaN, 4], code: 'INVALID_ARGUMENT', param: 'inputShape[2]' },
  { name: 'filterShape of rank 5', filterShape: [2, 3, 3, 3, 1], code: 'INVALID_ARGUMENT', param: 'filterShape' },
  {
    name: 'filter in-channels ≠ input channels',
    filterShape: [3, 3, 3, 3],
    filter: new Float32Array(81),
    code: 'INVALID_ARGUMENT',
    param: 'filterShape',
  },
  { name: 'input too short', input: new Float32Array(31), code: 'INVALID_ARGUMENT', param: 'input.length' },
  { name: 'input a plain array', input: Array.from({ length: 32 }, () => 0), code: 'INVALID_ARGUMENT', param: 'input' },
  { name: 'input a Float64Array', input: new Float64Array(32), code: 'INVALID_ARGUMENT', param: 'input' },
  { name: 'filter too long', filter: new Float32Array(55), code: 'INVALID_ARGUMENT', param: 'filter.length' },
  { name: 'filter null', filter: null, code: 'INVALID_ARGUMENT', param: 'filter' },
  { name: 'strides with a zero', options: { strides: [0, 1] }, code: 'INVALID_ARGUMENT', param: 'options.strides[0]' },
  { name: 'strides of length 1', options: { strides: [2] }, code: 'INVALID_ARGUMENT', param: 'options.strides' },
  {
    name: 'dilations negative',
    options: { dilations: [1, -1] },
    code: 'INVALID_ARGUMENT',
    param: 'options.dilations[1]',
  },
  { name: 'padding of length 2', options: { padding: [1, 1] }, code: 'INVALID_ARGUMENT', param: 'options.padding' },
  {
    name: 'padding negative',
    options: { padding: [0, -1, 0, 0] },
    code: 'INVALID_ARGUMENT',
    param: 'options.padding[1]',
  },
  {
    name: 'padding crops everything',
    options: { padding: [3, 3, 0, 0] },
    code: 'INVALID_ARGUMENT',
    param: 'options.padding',
  },
  {
    name: 'outputPadding ≥ stride',
    options: { strides: [2, 2], outputPadding: [2, 0] },
    code: 'INVALID_ARGUMENT',
    param: 'options.outputPadding[0]',
  },
  {
    name: 'outputSizes out of range',
    options: { strides: [2, 2], outputSizes: [20, 9] },
    code: 'INVALID_ARGUMENT',
    param: 'options.outputSizes[0]',
  },
  {
    name: 'outputSizes conflicts with outputPadding',
    options: { strides: [2, 2], outputSizes: [10, 10], outputPadding: [0, 0] },
    code: 'INVALID_ARGUMENT',
    param: 'options.outputPadding',
  },
  { name: 'groups zero', options: { groups: 0 }, code: 'INVALID_ARGUMENT', param: 'options.groups' },
  { name: 'groups fractional', options: { groups: 1.5 }, code: 'INVALID_ARGUMENT', param: 'options.groups' },
  {
    name: 'groups not dividing channels',
    inputShape: [1, 3, 4, 4],
    input: new Float32Array(48),
    filterShape: [3, 3, 3, 3],
    filter: new Float32Array(81),
    options: { groups: 2 },
    code: 'INVALID_ARGUMENT',
    param: 'options.groups',
  },
  {
    name: 'unknown inputLayout',
    options: { inputLayout: 'nchw4' },
    code: 'INVALID_ARGUMENT',
    param: 'options.inputLayout',
  },
  {
    name: 'unknown filterLayout',
    options: { filterLayout: 'oihw' },
    code: 'INVALID_ARGUMENT',
    param: 'options.filterLayout',
  },
  {
    name: 'bias of wrong length',
    options: { bias: new Float32Array(2) },
    code: 'INVALID_ARGUMENT',
    param: 'options.bias.length',
  },
  { name: 'bias a plain array', options: { bias: [0, 0, 0] }, code: 'INVALID_ARGUMENT', param: 'options.bias' },
  {
    name: 'unknown activation',
    options: { activation: 'swish' },
    code: 'INVALID_ARGUMENT',
    param: 'options.activation',
  },
  {
    name: 'leakyReluAlpha NaN',
    options: { activation: 'leakyRelu', leakyReluAlpha: NaN },
    code: 'INVALID_ARGUMENT',
    param: 'options.leakyReluAlpha',
  },
  { name: 'unknown option', options: { stride: [2, 2] }, code: 'INVALID_ARGUMENT', param: 'options.stride' },
  { name: 'options not an object', options: 7, code: 'INVALID_ARGUMENT', param: 'options' },
  {
    name: 'unknown kernel',
    options: { kernel: 'fft' },
    code: 'INVALID_ARGUMENT',
    param: 'options.kernel',
    engineOnly: true,
  },
  {
    name: 'output past safe integers',
    inputShape: [2 ** 20, 2 ** 10, 2 ** 12, 2 ** 12],
    filterShape: [2 ** 10, 1, 1, 1],
    code: 'INVALID_ARGUMENT',
    param: 'input',
  },
];

async function codeOf(f: () => unknown): Promise<{ code: string; param: string | undefined }> {
  try {
    await f();
    return { code: 'resolved', param: undefined };
  } catch (e) {
    return e instanceof DeconvError ? { code: e.code, param: e.param } : { code: `raw ${String(e)}`, param: undefined };
  }
}

describe('invalid input → DeconvError, on the GPU and CPU paths', () => {
  it(`has at least 30 kinds (${BAD.length})`, () => expect(BAD.length).toBeGreaterThanOrEqual(30));

  for (const b of BAD) {
    it(b.name, async () => {
      const args = [
        'input' in b ? b.input : x(),
        'inputShape' in b ? b.inputShape : [1, 2, 4, 4],
        'filter' in b ? b.filter : w(),
        'filterShape' in b ? b.filterShape : [2, 3, 3, 3],
        'options' in b ? b.options : {},
      ] as Parameters<typeof convTranspose2dCpu>;
      await withErrorScopes(device, async () => {
        for (const [where, run] of [
          ['gpu engine', () => gpu.convTranspose2d(...args)],
          ['cpu engine', () => cpu.convTranspose2d(...args)],
          ...(b.engineOnly ? [] : [['cpu reference', () => convTranspose2dCpu(...args)]]),
        ] as [string, () => unknown][]) {
          const got = await codeOf(run);
          expect(got.code, where).toBe(b.code);
          expect(got.param ?? '', where).toMatch(new RegExp(`^${b.param.replace(/[[\].]/g, '\\$&')}`));
        }
      });
    });
  }

  it('tensors and layers: bad uploads, foreign and destroyed tensors, wrong shapes', async () => {
    const other = await createEngine({ device });
    await withErrorScopes(device, async () => {
      for (const e of [gpu, cpu]) {
        expect((await codeOf(() => e.upload(new Float32Array(3), [2, 2]))).code).toBe('INVALID_ARGUMENT');
        expect((await codeOf(() => e.upload(new Float32Array(4), [2, -2]))).code).toBe('INVALID_ARGUMENT');
        expect((await codeOf(() => e.upload([1, 2] as unknown as Float32Array, [2]))).code).toBe('INVALID_ARGUMENT');
        expect((await codeOf(() => e.createConvTranspose2d(w(), [2, 3, 3]))).code).toBe('INVALID_ARGUMENT');
        expect((await codeOf(() => e.createConvTranspose2d(w(), [2, 3, 3, 3], { strides: [0, 1] }))).code).toBe(
          'INVALID_ARGUMENT',
        );
        const layer = e.createConvTranspose2d(w(), [2, 3, 3, 3], { strides: [2, 2] });
        const wrongChannels = e.upload(new Float32Array(48), [1, 3, 4, 4]);
        expect((await codeOf(() => layer.run(wrongChannels))).code).toBe('INVALID_ARGUMENT');
        const foreign = other.upload(x(), [1, 2, 4, 4]);
        expect((await codeOf(() => layer.run(foreign))).code).toBe('INVALID_ARGUMENT');
        expect((await codeOf(() => layer.run({ shape: [1, 2, 4, 4] } as never))).code).toBe('INVALID_ARGUMENT');
        const t = e.upload(x(), [1, 2, 4, 4]);
        t.destroy();
        expect((await codeOf(() => layer.run(t))).code).toBe('INVALID_ARGUMENT');
        expect((await codeOf(() => t.read())).code).toBe('INVALID_ARGUMENT');
        layer.destroy();
        // A destroyed layer has its own code, which recovery code cannot mistake for a bad argument.
        expect((await codeOf(() => layer.run(wrongChannels))).code).toBe('DESTROYED');
      }
    });
    other.destroy();
  });

  it('a destroyed engine rejects calls with DeconvError', async () => {
    const e = await createEngine({ device });
    e.destroy();
    // Its own code, not DEVICE_LOST: recovery code must not try to recover a destroyed engine.
    expect((await codeOf(() => e.convTranspose2d(x(), [1, 2, 4, 4], w(), [2, 3, 3, 3]))).code).toBe('DESTROYED');
    expect((await codeOf(() => e.upload(x(), [1, 2, 4, 4]))).code).toBe('DESTROYED');
  });
});
