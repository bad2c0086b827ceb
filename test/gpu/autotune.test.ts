/**
 * Autotune in Node on Dawn + SwiftShader: the tuned kernel is correct, tuning
 * runs once per geometry (cached, shared by concurrent calls), layers and
 * `plan` follow it, memory returns to its baseline, device loss rejects.
 * No timing assertions. No adapter → getDevice throws → these tests fail.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { convTranspose2dCpu } from '../../src/cpu.js';
import { DeconvError } from '../../src/errors.js';
import type { Autotuner } from '../../src/gpu/autotune.js';
import type { Engine } from '../../src/gpu/engine.js';
import { createEngine } from '../../src/gpu/kernels/registry.js';
import { KERNEL_NAMES } from '../../src/gpu/kernel.js';
import type { ConvTranspose2dOptions } from '../../src/types.js';
import { compare, getDevice, randomData, rng, withErrorScopes } from '../helpers/gpu.js';

let device: GPUDevice;
beforeAll(async () => {
  ({ device } = await getDevice());
});
afterAll(() => device?.destroy());

/** Tunings an engine ran (its internal tuner's counter). */
const tunings = (e: Engine) => (e as unknown as { tuner: Autotuner }).tuner.tunings;

/** Rejects after `ms`: a hang fails the test instead of timing it out silently. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what}: still pending after ${ms} ms`)), ms)),
  ]);
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (e) {
    return e instanceof DeconvError ? e.code : `not a DeconvError: ${String(e)}`;
  }
}

interface Case {
  name: string;
  inputShape: number[];
  filterShape: number[];
  options: ConvTranspose2dOptions;
}

const k3_s2_p1_op1: Case = {
  name: 'n1_c8_6x6_k3_s2_p1_op1',
  inputShape: [1, 8, 6, 6],
  filterShape: [8, 8, 3, 3],
  options: { strides: [2, 2], padding: [1, 1, 1, 1], outputPadding: [1, 1] },
};
const k4_s2_g4_nhwc: Case = {
  name: 'n2_c4_4x4_k4_s2_g4_nhwc',
  inputShape: [2, 4, 4, 4],
  filterShape: [4, 1, 4, 4],
  options: { strides: [2, 2], groups: 4, inputLayout: 'nhwc' },
};

function data(c: Case, seed: number) {
  const rand = rng(seed);
  const size = (s: number[]) => s.reduce((a, b) => a * b);
  return { input: randomData(size(c.inputShape), rand), filter: randomData(size(c.filterShape), rand) };
}

/** Runs `c` through the engine (options merged over the case's) and checks it against the CPU reference. */
async function check(e: Engine, c: Case, seed: number, extra: ConvTranspose2dOptions = {}) {
  const { input, filter } = data(c, seed);
  const options = { ...c.options, ...extra };
  const r = await e.convTranspose2d(input, c.inputShape, filter, c.filterShape, options);
  const cmp = compare(r.data, convTranspose2dCpu(input, c.inputShape, filter, c.filterShape, options).data, 1e-4, 1e-4);
  expect(cmp.ok, `${c.name}: ${cmp.message}`).toBe(true);
  return r;
}

describe('autotune: true', () => {
  for (const c of [k3_s2_p1_op1, k4_s2_g4_nhwc]) {
    it(`${c.name}: times the candidates once, runs a supported kernel, matches the CPU`, async () => {
      const e = await createEngine({ device, autotune: true });
      await withErrorScopes(device, async () => {
        const first = await check(e, c, 1);
        expect(tunings(e)).toBe(1);
        const p = e.plan(c.inputShape, c.filterShape, c.options)!;
        expect(p.kernel).toBe(first.kernel);
        expect(p.reason).toMatch(/^autotuned: /);
        expect(Object.keys(p.costs)).toContain(first.kernel);
        const tuned = await e.autotune(c.inputShape, c.filterShape, c.options);
        expect(tuned.kernel).toBe(first.kernel);
        expect(Object.keys(tuned.ms).length).toBeGreaterThanOrEqual(2);
        for (const [k, ms] of Object.entries(tuned.ms)) {
          expect(KERNEL_NAMES).toContain(k);
          expect(ms).toBeGreaterThan(0);
        }
        // Other data, bias and activation: the same geometry, so the cache answers.
        const submit = vi.spyOn(device.queue, 'submit');
        const second = await check(e, c, 2, {
          bias: randomData(c.filterShape[1]! * (c.options.groups ?? 1), rng(3)),
          activation: 'relu',
        });
        expect(second.kernel).toBe(first.kernel);
        expect(submit).toHaveBeenCalledTimes(1); // the call itself, no timing runs
        submit.mockRestore();
        expect(tunings(e)).toBe(1);
        expect(await e.autotune(c.inputShape, c.filterShape, c.options)).toBe(tuned);
      });
      e.destroy();
    });
  }

  it('concurrent calls of one geometry share one tuning; another geometry tunes on its own', async () => {
    const e = await createEngine({ device, autotune: true });
    await withErrorScopes(device, async () => {
      const [results, tuned] = await Promise.all([
        Promise.all([1, 2, 3].map((seed) => check(e, k3_s2_p1_op1, seed))),
        Promise.all(
          [1, 2].map(() => e.autotune(k3_s2_p1_op1.inputShape, k3_s2_p1_op1.filterShape, k3_s2_p1_op1.options)),
        ),
      ]);
      expect(tunings(e)).toBe(1);
      expect(tuned[1]).toBe(tuned[0]);
      for (const r of results) expect(r.kernel).toBe(tuned[0]!.kernel);
      await check(e, k4_s2_g4_nhwc, 4);
      expect(tunings(e)).toBe(2);
    });
    e.destroy();
  });

  it('a named kernel is never tuned', async () => {
    const e = await createEngine({ device, autotune: true });
    const r = await withErrorScopes(device, () =>
      check(e, k3_s2_p1_op1, 5, { kernel: 'scatter' } as ConvTranspose2dOptions),
    );
    expect(r.kernel).toBe('scatter');
    expect(tunings(e)).toBe(0);
    e.destroy();
  });
});

describe('engine.autotune', () => {
  it('k3_s2_p1_op1: layers made before and after tuning run the tuned kernel; plan reports it', async () => {
    const e = await createEngine({ device }); // no autotune option: explicit tuning still counts
    const c = k3_s2_p1_op1;
    const { input, filter } = data(c, 6);
    await withErrorScopes(device, async () => {
      const before = e.createConvTranspose2d(filter, c.filterShape, c.options);
      const untuned = e.plan(c.inputShape, c.filterShape, c.options)!;
      expect(before.kernelFor(c.inputShape)).toBe(untuned.kernel);
      expect(untuned.reason).not.toMatch(/autotuned/);
      // `before` planned this shape by the cost model; it re-plans once the geometry is tuned.
      const tuner = (e as unknown as { tuner: Autotuner }).tuner;
      const tuned = await e.autotune(c.inputShape, c.filterShape, c.options);
      expect(Object.keys(untuned.costs)).toContain(tuned.kernel);
      const after = e.createConvTranspose2d(filter, c.filterShape, c.options);
      expect(after.kernelFor(c.inputShape)).toBe(tuned.kernel);
      expect(before.kernelFor(c.inputShape)).toBe(tuned.kernel);
      expect(e.plan(c.inputShape, c.filterShape, c.options)!.reason).toBe(`autotuned: ${tuned.reason}`);
      const x = e.upload(input, c.inputShape);
      const ref = convTranspose2dCpu(input, c.inputShape, filter, c.filterShape, c.options).data;
      for (const layer of [before, after]) {
        const y = layer.run(x);
        const cmp = compare(await y.read(), ref, 1e-4, 1e-4);
        expect(cmp.ok, cmp.message).toBe(true);
        y.destroy();
        layer.destroy();
      }
      x.destroy();
      expect(tuner.tunings).toBe(1);
    });
    e.destroy();
  });

  it('GPU memory returns to its baseline after tuning (only the capped pool may grow)', async () => {
    const e = await createEngine({ device });
    const live = () => {
      const m = e.memory();
      return { buffers: m.buffers - m.pooledBuffers, bytes: m.bytes - m.pooledBytes };
    };
    const base = live();
    await withErrorScopes(device, async () => {
      await e.autotune(k3_s2_p1_op1.inputShape, k3_s2_p1_op1.filterShape, k3_s2_p1_op1.options);
      await e.autotune(k4_s2_g4_nhwc.inputShape, k4_s2_g4_nhwc.filterShape, k4_s2_g4_nhwc.options);
    });
    await device.queue.onSubmittedWorkDone();
    expect(live()).toEqual(base);
    expect(e.memory().pooledBuffers).toBeLessThanOrEqual(64);
    e.destroy();
    expect(e.memory().buffers).toBe(0);
  });

  it('invalid arguments reject INVALID_ARGUMENT; a non-boolean autotune option is refused', async () => {
    const e = await createEngine({ device });
    expect(await codeOf(e.autotune([1, 8, 6, 6], [7, 8, 3, 3]))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(e.autotune([1, 8, 6, 6], [8, 8, 3, 3], null as unknown as ConvTranspose2dOptions))).toBe(
      'INVALID_ARGUMENT',
    );
    expect(await codeOf(createEngine({ device, autotune: 'yes' as unknown as boolean }))).toBe('INVALID_ARGUMENT');
    e.destroy();
  });

  it("on the CPU backend it resolves to 'cpu' and tunes nothing", async () => {
    const noAdapter = { requestAdapter: async () => null } as unknown as GPU;
    const cpu = await createEngine({ gpu: noAdapter, autotune: true });
    expect(cpu.backend).toBe('cpu');
    const r = await cpu.autotune(k3_s2_p1_op1.inputShape, k3_s2_p1_op1.filterShape, k3_s2_p1_op1.options);
    expect(r.kernel).toBe('cpu');
    expect(r.ms).toEqual({});
    expect((await check(cpu, k3_s2_p1_op1, 7)).kernel).toBe('cpu');
  });

  it('device lost while tuning: tuning and the waiting call reject DEVICE_LOST; nothing hangs', async () => {
    const { device: d } = await getDevice();
    const e = await createEngine({ device: d, autotune: true });
    const c = k3_s2_p1_op1;
    const pending = e.autotune(c.inputShape, c.filterShape, c.options);
    const { input, filter } = data(c, 8);
    const call = e.convTranspose2d(input, c.inputShape, filter, c.filterShape, c.options);
    d.destroy();
    expect(await within(codeOf(pending), 10_000, 'autotune')).toBe('DEVICE_LOST');
    expect(await within(codeOf(call), 10_000, 'call')).toBe('DEVICE_LOST');
    expect(await within(codeOf(e.autotune(c.inputShape, c.filterShape, c.options)), 10_000, 'later')).toBe(
      'DEVICE_LOST',
    );
    e.destroy();
  });

  it('device destroyed between timing runs: rejects DEVICE_LOST; nothing hangs', async () => {
    const { device: d } = await getDevice();
    const e = await createEngine({ device: d });
    const queue = d.queue;
    const submit = queue.submit.bind(queue);
    let submits = 0;
    // Destroy the device right after the third submit (the clear, then two timing runs).
    vi.spyOn(queue, 'submit').mockImplementation((buffers) => {
      submit(buffers);
      if (++submits === 3) d.destroy();
    });
    const c = k3_s2_p1_op1;
    expect(await within(codeOf(e.autotune(c.inputShape, c.filterShape, c.options)), 10_000, 'autotune')).toBe(
      'DEVICE_LOST',
    );
    expect(submits).toBe(3);
    vi.restoreAllMocks();
    e.destroy();
  });
});
