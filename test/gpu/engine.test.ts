/**
 * The engine in Node on Dawn + SwiftShader: backends, resident tensors, prepared
 * layers, split paths, memory, concurrency and device loss.
 * No adapter → getDevice throws → these tests fail.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convTranspose2dCpu } from '../../src/cpu.js';
import { DeconvError } from '../../src/errors.js';
import { pipelineCount } from '../../src/gpu/context.js';
import type { Engine } from '../../src/gpu/engine.js';
import { createEngine } from '../../src/gpu/kernels/registry.js';
import { createEngine as createCoreEngine, gemmCol2imKernel, scatterKernel, subpixelKernel } from '../../src/core.js';
import { KERNEL_NAMES, type KernelName } from '../../src/gpu/kernel.js';
import type { ConvTranspose2dOptions } from '../../src/types.js';
import { compare, getDevice, nodeGpu, randomCase, randomData, rng, withErrorScopes } from '../helpers/gpu.js';
import { checkCases, randomCases } from '../helpers/cases.js';

let device: GPUDevice;
let engine: Engine;
beforeAll(async () => {
  ({ device } = await getDevice());
  engine = await createEngine({ device, fallback: 'none' });
});
afterAll(() => {
  engine?.destroy();
  device?.destroy();
});

/** Rejects after `ms`: a hang fails the test instead of timing it out silently. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what}: still pending after ${ms} ms`)), ms)),
  ]);
}

async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === 'function' ? p() : p);
    return 'resolved';
  } catch (e) {
    return e instanceof DeconvError ? e.code : `not a DeconvError: ${String(e)}`;
  }
}

describe('createEngine', () => {
  it('creates its own device from the webgpu package', async () => {
    const own = await createEngine({ gpu: nodeGpu(), fallback: 'none' });
    expect(own.backend).toBe('webgpu');
    expect(own.device).not.toBeNull();
    expect(own.software).toBe(true); // SwiftShader
    own.destroy();
  });

  it("without an adapter: fallback 'cpu' runs the CPU reference; 'none' throws NO_WEBGPU", async () => {
    const noAdapter = { requestAdapter: async () => null } as unknown as GPU;
    const cpu = await createEngine({ gpu: noAdapter });
    expect(cpu.backend).toBe('cpu');
    expect(cpu.device).toBeNull();
    const c = randomCase(rng(3), 0);
    const r = await cpu.convTranspose2d(c.input, c.inputShape, c.filter, c.filterShape, c.options);
    expect(r.kernel).toBe('cpu');
    expect(r.data).toEqual(convTranspose2dCpu(c.input, c.inputShape, c.filter, c.filterShape, c.options).data);
    expect(await codeOf(createEngine({ gpu: noAdapter, fallback: 'none' }))).toBe('NO_WEBGPU');
    // No WebGPU entry point at all (Node has no navigator.gpu).
    const none = await codeOf(createEngine({ fallback: 'none' }));
    expect(['NO_WEBGPU', 'resolved']).toContain(none);
  });
});

describe('the kernels option', () => {
  const kernels = [scatterKernel, gemmCol2imKernel];
  const names = ['scatter', 'gemm-col2im'];

  it('an engine of two kernels plans, runs, prepares and tunes among them only (core createEngine)', async () => {
    const e = await createCoreEngine({ device, fallback: 'none', kernels });
    expect(e.kernels).toEqual(names);
    const cases = randomCases(61, 8);
    for (const c of cases) {
      const p = e.plan(c.inputShape, c.filterShape, c.options)!;
      expect(names).toContain(p.kernel);
      expect(Object.keys({ ...p.costs, ...p.unsupported }).sort()).toEqual([...names].sort());
      const r = await e.convTranspose2d(c.input, c.inputShape, c.filter, c.filterShape, c.options);
      const ref = convTranspose2dCpu(c.input, c.inputShape, c.filter, c.filterShape, c.options).data;
      expect(r.kernel).toBe(p.kernel);
      const cmp = compare(r.data, ref);
      expect(cmp.ok, `${c.name}: ${cmp.message}`).toBe(true);
      const layer = e.createConvTranspose2d(c.filter, c.filterShape, c.options);
      expect(names).toContain(layer.kernelFor(c.inputShape));
      const x = e.upload(c.input, c.inputShape);
      const y = layer.run(x);
      const cmpLayer = compare(await y.read(), ref);
      expect(cmpLayer.ok, `${c.name} (layer): ${cmpLayer.message}`).toBe(true);
      [x, y].forEach((t) => t.destroy());
      layer.destroy();
    }
    const c = cases[0]!;
    const tuned = await e.autotune(c.inputShape, c.filterShape, c.options);
    expect(names).toContain(tuned.kernel);
    for (const k of Object.keys(tuned.ms)) expect(names).toContain(k);
    // A kernel the engine was not given cannot be asked for.
    const other = { ...c.options, kernel: 'subpixel' as const };
    const param = async (p: Promise<unknown> | (() => unknown)) => {
      try {
        await (typeof p === 'function' ? p() : p);
        return 'resolved';
      } catch (err) {
        return err instanceof DeconvError ? `${err.code} ${err.param}` : String(err);
      }
    };
    const want = 'INVALID_ARGUMENT options.kernel';
    expect(await param(e.convTranspose2d(c.input, c.inputShape, c.filter, c.filterShape, other))).toBe(want);
    expect(await param(() => e.createConvTranspose2d(c.filter, c.filterShape, other))).toBe(want);
    expect(await param(() => e.plan(c.inputShape, c.filterShape, other))).toBe(want);
    e.destroy();
  });

  it('a geometry none of its kernels can run is DEVICE_LIMIT naming them (k1_s200000_p99999 1-D)', async () => {
    const e = await createCoreEngine({ device, fallback: 'none', kernels: [subpixelKernel] });
    const options = { strides: [200_000], padding: [99_999, 99_999] };
    const err = await e
      .convTranspose(new Float32Array(2), [1, 1, 2], new Float32Array(1), [1, 1, 1], options)
      .catch((x: unknown) => x);
    expect(err).toBeInstanceOf(DeconvError);
    expect((err as DeconvError).code).toBe('DEVICE_LIMIT');
    expect((err as DeconvError).message).toMatch(/none of the kernels given \(subpixel\) can run this geometry/);
    // The five-kernel engine runs it.
    const r = await engine.convTranspose(
      new Float32Array([1, 2]),
      [1, 1, 2],
      new Float32Array([3]),
      [1, 1, 1],
      options,
    );
    expect(Array.from(r.data)).toEqual([0, 0, 0]);
    e.destroy();
  });

  it('an engine of one kernel that made its device keeps that kernel after recovering from device loss', async () => {
    const e = await createEngine({ gpu: nodeGpu(), fallback: 'none', kernels: [scatterKernel] });
    const first = e.device!;
    first.destroy();
    await first.lost;
    const c = randomCase(rng(63), 0);
    const r = await within(
      e.convTranspose2d(c.input, c.inputShape, c.filter, c.filterShape, c.options),
      20_000,
      'a call after recovery',
    );
    expect(e.device).not.toBe(first);
    expect([r.kernel, ...e.kernels]).toEqual(['scatter', 'scatter']);
    const cmp = compare(r.data, convTranspose2dCpu(c.input, c.inputShape, c.filter, c.filterShape, c.options).data);
    expect(cmp.ok, cmp.message).toBe(true);
    e.destroy();
  });

  it("the package's createEngine takes the option too; without it, the engine runs all five kernels", async () => {
    const one = await createEngine({ device, fallback: 'none', kernels: [subpixelKernel] });
    expect(one.kernels).toEqual(['subpixel']);
    const c = randomCase(rng(62), 0);
    const r = await one.convTranspose2d(c.input, c.inputShape, c.filter, c.filterShape, c.options);
    expect(r.kernel).toBe('subpixel');
    one.destroy();
    expect(engine.kernels).toEqual(KERNEL_NAMES);
  });
});

describe('resident tensors and prepared layers', () => {
  it('upload → read round-trips; a destroyed tensor is a DeconvError', async () => {
    const data = randomData(2 * 3 * 4 * 5, rng(1));
    const t = engine.upload(data, [2, 3, 4, 5]);
    expect(t.shape).toEqual([2, 3, 4, 5]);
    expect(await t.read()).toEqual(data);
    t.destroy();
    expect(t.destroyed).toBe(true);
    expect(await codeOf(t.read())).toBe('INVALID_ARGUMENT');
    const layer = engine.createConvTranspose2d(randomData(3 * 2 * 3 * 3, rng(2)), [3, 2, 3, 3]);
    expect(await codeOf(() => layer.run(t))).toBe('INVALID_ARGUMENT');
    layer.destroy();
    expect(await codeOf(() => layer.run(engine.upload(data, [2, 3, 4, 5])))).toBe('DESTROYED');
  });

  it('a 4-layer DCGAN-style generator runs resident with one readback (batch 2, bias, ReLU, tanh)', async () => {
    const rand = rng(11);
    // z [2, 16, 1, 1] → 4² → 8² → 16² → 32², channels 16 → 32 → 16 → 8 → 3.
    const specs: { cin: number; cout: number; k: number; s: number; p: number; act: 'relu' | 'tanh' }[] = [
      { cin: 16, cout: 32, k: 4, s: 1, p: 0, act: 'relu' },
      { cin: 32, cout: 16, k: 4, s: 2, p: 1, act: 'relu' },
      { cin: 16, cout: 8, k: 4, s: 2, p: 1, act: 'relu' },
      { cin: 8, cout: 3, k: 4, s: 2, p: 1, act: 'tanh' },
    ];
    const layers = specs.map((s) => {
      const filter = randomData(s.cin * s.cout * s.k * s.k, rand).map((v) => v * 0.3);
      const options: ConvTranspose2dOptions = {
        strides: [s.s, s.s],
        padding: [s.p, s.p, s.p, s.p],
        bias: randomData(s.cout, rand),
        activation: s.act,
      };
      return { filter, shape: [s.cin, s.cout, s.k, s.k], options };
    });
    const z = randomData(2 * 16, rand);
    const before = engine.memory();
    await withErrorScopes(device, async () => {
      const prepared = layers.map((l) => engine.createConvTranspose2d(l.filter, l.shape, l.options));
      let x = engine.upload(z, [2, 16, 1, 1]);
      const tensors = [x];
      for (const layer of prepared) {
        x = layer.run(x);
        tensors.push(x);
      }
      const image = await x.read();
      expect(x.shape).toEqual([2, 3, 32, 32]);
      let ref = { data: z, shape: [2, 16, 1, 1] };
      for (const l of layers) ref = convTranspose2dCpu(ref.data, ref.shape, l.filter, l.shape, l.options);
      const cmp = compare(image, ref.data, 1e-4, 1e-4);
      expect(cmp.ok, cmp.message).toBe(true);
      tensors.forEach((t) => t.destroy());
      prepared.forEach((l) => l.destroy());
    });
    expect(engine.memory().buffers - engine.memory().pooledBuffers).toBe(before.buffers - before.pooledBuffers);
  });

  it('every kernel runs as a prepared layer (weights repacked to its preferred layout)', async () => {
    const cases = randomCases(77, 12);
    await withErrorScopes(device, async () => {
      for (const kernel of KERNEL_NAMES) {
        for (const c of cases) {
          const layer = engine.createConvTranspose2d(c.filter, c.filterShape, { ...c.options, kernel });
          expect(layer.kernelFor(c.inputShape)).toBe(kernel);
          const x = engine.upload(c.input, c.inputShape);
          const y = layer.run(x);
          const ref = convTranspose2dCpu(c.input, c.inputShape, c.filter, c.filterShape, c.options);
          expect(y.shape).toEqual(ref.shape);
          const cmp = compare(await y.read(), ref.data);
          expect(cmp.ok, `${kernel} ${c.name}: ${cmp.message}`).toBe(true);
          [x, y].forEach((t) => t.destroy());
          layer.destroy();
        }
      }
    });
  });

  it('compiles pipelines once: a repeated call adds no pipeline', async () => {
    const c = randomCase(rng(5), 0);
    await engine.convTranspose2d(c.input, c.inputShape, c.filter, c.filterShape, c.options);
    const n = pipelineCount(device);
    await engine.convTranspose2d(c.input, c.inputShape, c.filter, c.filterShape, c.options);
    expect(pipelineCount(device)).toBe(n);
  });
});

describe('split paths (limits lowered through the engine)', () => {
  // WebGPU raises requiredLimits below the defaults to the defaults, so a device
  // cannot be asked for an 8 KiB binding; the engine's `limits` option lowers the
  // limits its planner uses instead.
  let small: Engine;
  let smallDevice: GPUDevice;
  beforeAll(async () => {
    ({ device: smallDevice } = await getDevice({ requiredLimits: { maxStorageBufferBindingSize: 1 << 27 } }));
    small = await createEngine({
      device: smallDevice,
      limits: { maxStorageBufferBindingSize: 8192, maxBufferSize: 16384, maxComputeWorkgroupsPerDimension: 8 },
    });
  });
  afterAll(() => {
    small?.destroy();
    smallDevice?.destroy();
  });

  const shapes: { name: string; inputShape: number[]; filterShape: number[]; options: ConvTranspose2dOptions }[] = [
    // Output 3·4·23·23·4 B ≈ 25 KiB > maxBufferSize: CPU-side bands stitched on readback.
    {
      name: 'n3_k3_s2_p1_op1_nchw_bands_past_maxBufferSize',
      inputShape: [3, 4, 12, 12],
      filterShape: [4, 4, 3, 3],
      options: {
        strides: [2, 2],
        padding: [1, 1, 1, 1],
        outputPadding: [1, 1],
        bias: randomData(4, rng(1)),
        activation: 'relu',
      },
    },
    // Output ≈ 9 KiB: one buffer, split into GPU pieces by batch and rows.
    {
      name: 'n2_k4_s2_p1_nhwc_hwoi_g2_gpu_pieces',
      inputShape: [2, 6, 6, 4],
      filterShape: [4, 4, 4, 4],
      options: {
        strides: [2, 2],
        padding: [1, 1, 1, 1],
        groups: 2,
        inputLayout: 'nhwc',
        filterLayout: 'hwoi',
        activation: 'tanh',
      },
    },
    {
      name: 'n1_k5_s3_d2_p2103_rows',
      inputShape: [1, 3, 9, 7],
      filterShape: [3, 6, 5, 3],
      options: { strides: [3, 2], dilations: [2, 1], padding: [2, 1, 0, 3], outputPadding: [1, 0] },
    },
  ];

  for (const kernel of KERNEL_NAMES) {
    it(`${kernel}: one-shot calls split by batch and rows match the CPU`, async () => {
      await withErrorScopes(smallDevice, async () => {
        for (const s of shapes) {
          const rand = rng(s.name.length);
          const input = randomData(
            s.inputShape.reduce((a, b) => a * b),
            rand,
          );
          const filter = randomData(
            s.filterShape.reduce((a, b) => a * b),
            rand,
          );
          const p = small.plan(s.inputShape, s.filterShape, { ...s.options, kernel })!;
          expect(p.pieces.length, s.name).toBeGreaterThan(1);
          const r = await small.convTranspose2d(input, s.inputShape, filter, s.filterShape, { ...s.options, kernel });
          const ref = convTranspose2dCpu(input, s.inputShape, filter, s.filterShape, s.options);
          const cmp = compare(r.data, ref.data);
          expect(cmp.ok, `${s.name}: ${cmp.message}`).toBe(true);
        }
      });
    });

    it(`${kernel}: a prepared layer on a tensor past the binding limit splits on the GPU`, async () => {
      const s = shapes[1]!;
      const rand = rng(9);
      const input = randomData(
        s.inputShape.reduce((a, b) => a * b),
        rand,
      );
      const filter = randomData(
        s.filterShape.reduce((a, b) => a * b),
        rand,
      );
      await withErrorScopes(smallDevice, async () => {
        const layer = small.createConvTranspose2d(filter, s.filterShape, { ...s.options, kernel });
        const x = small.upload(input, s.inputShape);
        const y = layer.run(x);
        const cmp = compare(
          await y.read(),
          convTranspose2dCpu(input, s.inputShape, filter, s.filterShape, s.options).data,
        );
        expect(cmp.ok, cmp.message).toBe(true);
        [x, y].forEach((t) => t.destroy());
        layer.destroy();
      });
    });
  }

  it('DEVICE_LIMIT before any GPU work when one output row cannot fit', async () => {
    const input = new Float32Array(1 * 1 * 2 * 2000);
    const filter = new Float32Array(1 * 4 * 1 * 1);
    expect(await codeOf(small.convTranspose2d(input, [1, 1, 2, 2000], filter, [1, 4, 1, 1]))).toBe('DEVICE_LIMIT');
    expect(await codeOf(() => small.upload(new Float32Array(5000), [5000]))).toBe('DEVICE_LIMIT');
  });
});

describe('size: an output past the 128 MiB default binding limit', () => {
  it('k1_s1 1→34 channels at 1024² (142.6 MB output) on a default-limits device, split and correct', async () => {
    const { device: d } = await getDevice();
    expect(d.limits.maxStorageBufferBindingSize).toBe(134217728);
    const big = await createEngine({ device: d });
    const rand = rng(4);
    const input = randomData(1024 * 1024, rand);
    const filter = randomData(34, rand);
    const bias = randomData(34, rand);
    const options: ConvTranspose2dOptions = { bias };
    const p = big.plan([1, 1, 1024, 1024], [1, 34, 1, 1], options)!;
    expect(p.pieces.length).toBeGreaterThan(1);
    const r = await withErrorScopes(d, () =>
      big.convTranspose2d(input, [1, 1, 1024, 1024], filter, [1, 34, 1, 1], options),
    );
    expect(r.data.byteLength).toBeGreaterThan(134217728);
    // out[c, p] = input[p]·filter[c] + bias[c]: check every element without a full CPU pass.
    let bad = 0;
    for (let c = 0; c < 34; c++) {
      const f = filter[c]!;
      const b = bias[c]!;
      const base = c * 1024 * 1024;
      for (let i = 0; i < 1024 * 1024; i++) {
        const want = Math.fround(input[i]! * f) + b;
        if (Math.abs(r.data[base + i]! - want) > 1e-5) bad++;
      }
    }
    expect(bad).toBe(0);
    big.destroy();
    d.destroy();
  });
});

describe('memory', () => {
  it('after 1,000 one-shot calls and 1,000 layer runs (results destroyed) memory is back at its baseline', async () => {
    const { device: d } = await getDevice();
    const e = await createEngine({ device: d });
    const shapes = [
      { inputShape: [1, 2, 3, 3], filterShape: [2, 2, 3, 3], options: { strides: [2, 2] as [number, number] } },
      {
        inputShape: [2, 3, 2, 2],
        filterShape: [3, 1, 2, 2],
        options: { strides: [2, 2] as [number, number], groups: 3 },
      },
    ];
    const rand = rng(5);
    const data = shapes.map((s) => ({
      input: randomData(
        s.inputShape.reduce((a, b) => a * b),
        rand,
      ),
      filter: randomData(
        s.filterShape.reduce((a, b) => a * b),
        rand,
      ),
    }));
    const layers = shapes.map((s, i) => e.createConvTranspose2d(data[i]!.filter, s.filterShape, s.options));
    const inputs = shapes.map((s, i) => e.upload(data[i]!.input, s.inputShape));
    const round = async (calls: number, runs: number) => {
      for (let i = 0; i < calls; i += 50) {
        await Promise.all(
          Array.from({ length: 50 }, (_, j) => {
            const k = (i + j) % 2;
            const s = shapes[k]!;
            return e.convTranspose2d(data[k]!.input, s.inputShape, data[k]!.filter, s.filterShape, s.options);
          }),
        );
      }
      for (let i = 0; i < runs; i += 50) {
        const outs = Array.from({ length: 50 }, (_, j) => layers[(i + j) % 2]!.run(inputs[(i + j) % 2]!));
        await outs[outs.length - 1]!.read();
        outs.forEach((t) => t.destroy());
      }
    };
    await round(100, 100); // warm the pool and the pipeline cache
    await d.queue.onSubmittedWorkDone();
    await new Promise((r) => setTimeout(r, 10));
    const baseline = e.memory();
    await withErrorScopes(d, () => round(1000, 1000));
    await d.queue.onSubmittedWorkDone();
    await new Promise((r) => setTimeout(r, 10));
    const after = e.memory();
    expect(after.buffers).toBe(baseline.buffers);
    expect(after.bytes).toBe(baseline.bytes);
    expect(after.pooledBytes).toBeLessThanOrEqual(64 << 20);
    expect(after.pooledBuffers).toBeLessThanOrEqual(64);
    layers.forEach((l) => l.destroy());
    inputs.forEach((t) => t.destroy());
    e.destroy();
    expect(e.memory().buffers).toBe(0);
    d.destroy();
  });
});

describe('load', () => {
  it('48 concurrent calls of different geometries and kernels each get their own correct result', async () => {
    const cases = randomCases(31, 48);
    const kernels: (KernelName | 'auto')[] = ['auto', ...KERNEL_NAMES];
    await withErrorScopes(device, async () => {
      const results = await Promise.all(
        cases.map((c, i) =>
          engine.convTranspose2d(c.input, c.inputShape, c.filter, c.filterShape, {
            ...c.options,
            kernel: kernels[i % kernels.length],
          }),
        ),
      );
      cases.forEach((c, i) => {
        const cmp = compare(
          results[i]!.data,
          convTranspose2dCpu(c.input, c.inputShape, c.filter, c.filterShape, c.options).data,
        );
        expect(cmp.ok, `${c.name}: ${cmp.message}`).toBe(true);
      });
    });
  });
});

describe('device loss', () => {
  it('a given device destroyed mid-flight: pending calls settle, later calls reject DEVICE_LOST; nothing hangs', async () => {
    const { device: d } = await getDevice();
    const e = await createEngine({ device: d });
    const cases = randomCases(41, 16);
    const t = e.upload(cases[0]!.input, cases[0]!.inputShape);
    const pending = cases.map((c) => e.convTranspose2d(c.input, c.inputShape, c.filter, c.filterShape, c.options));
    d.destroy();
    const settled = await within(Promise.allSettled(pending), 10_000, 'pending calls');
    for (const s of settled) {
      if (s.status === 'rejected') expect((s.reason as DeconvError).code).toBe('DEVICE_LOST');
    }
    await d.lost;
    const c = cases[1]!;
    expect(
      await within(
        codeOf(e.convTranspose2d(c.input, c.inputShape, c.filter, c.filterShape, c.options)),
        10_000,
        'later call',
      ),
    ).toBe('DEVICE_LOST');
    expect(await within(codeOf(t.read()), 10_000, 'read')).toBe('DEVICE_LOST');
    expect(await codeOf(() => e.upload(c.input, c.inputShape))).toBe('DEVICE_LOST');
    e.destroy();
  });

  it('an engine that made its device recovers with a new one; layers re-upload their weights', async () => {
    const e = await createEngine({ gpu: nodeGpu(), fallback: 'none' });
    const first = e.device!;
    const cases = randomCases(43, 8);
    const c = cases[0]!;
    const layer = e.createConvTranspose2d(c.filter, c.filterShape, c.options);
    const old = e.upload(c.input, c.inputShape);
    const pending = cases.map((k) => e.convTranspose2d(k.input, k.inputShape, k.filter, k.filterShape, k.options));
    first.destroy();
    const settled = await within(Promise.allSettled(pending), 10_000, 'pending calls');
    for (const s of settled) {
      if (s.status === 'rejected') expect((s.reason as DeconvError).code).toBe('DEVICE_LOST');
    }
    await first.lost;
    // A later call waits for the replacement device and succeeds.
    const failures = await within(checkCases(e, 'subpixel', cases), 20_000, 'calls after recovery');
    expect(failures).toEqual([]);
    expect(e.device).not.toBe(first);
    expect(await codeOf(old.read())).toBe('DEVICE_LOST');
    expect(await codeOf(() => layer.run(old))).toBe('DEVICE_LOST');
    const x = e.upload(c.input, c.inputShape);
    const y = layer.run(x);
    const cmp = compare(
      await y.read(),
      convTranspose2dCpu(c.input, c.inputShape, c.filter, c.filterShape, c.options).data,
    );
    expect(cmp.ok, cmp.message).toBe(true);
    e.destroy();
  });
});
