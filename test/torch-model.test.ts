/**
 * loadTorchDecoder: the trained glyph decoder against PyTorch's float64 goldens on the CPU
 * backend and on every kernel in Node (Dawn + SwiftShader; no adapter → the GPU tests fail),
 * a small model with other arguments against the CPU reference, float16 decoding, and the
 * errors for manifests that do not match their weights.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convTranspose2dCpu } from '../src/cpu.js';
import { DeconvError } from '../src/errors.js';
import { fromTorch } from '../src/frameworks.js';
import type { Engine } from '../src/gpu/engine.js';
import { createEngine } from '../src/gpu/kernels/registry.js';
import { KERNEL_NAMES } from '../src/gpu/kernel.js';
import { loadTorchDecoder, type TorchManifest } from '../src/torch-model.js';
import { getDevice } from './helpers/gpu.js';
import { compare } from './helpers/check.js';
import {
  GOLDEN_OUTPUT_SHAPE,
  TORCH_DECODERS,
  decoderWeights,
  glyphManifest,
  runDecoderCase,
  runGlyphGoldens,
} from './helpers/torch-model.js';

const WEIGHTS = readFileSync(new URL('../demo/public/glyphs/weights.bin', import.meta.url));
/** The acceptance bound: |engine − PyTorch| ≤ 1e-4 of the output's range. */
const TOLERANCE = 1e-4;

/** An engine on the CPU reference (an entry point that finds no adapter). */
function cpuEngine(): Promise<Engine> {
  return createEngine({ gpu: { requestAdapter: async () => null } as unknown as GPU });
}

/** The DeconvError `fn` throws (fails the test when it throws nothing or something else). */
function errorOf(fn: () => unknown): DeconvError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DeconvError) return e;
    throw e;
  }
  throw new Error('expected a DeconvError, nothing was thrown');
}

/** Float16 bits, little-endian, as a weights file holds them. */
function halfBytes(bits: number[]): Uint8Array {
  return new Uint8Array(Uint16Array.from(bits).buffer);
}

describe('the glyph decoder on the CPU backend', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await cpuEngine();
  });
  afterAll(() => engine?.destroy());

  it("equals PyTorch's float64 goldens", async () => {
    expect(engine.backend).toBe('cpu');
    const r = await runGlyphGoldens(engine, WEIGHTS);
    expect(r.shape).toEqual(GOLDEN_OUTPUT_SHAPE);
    expect(r.kernels.every((k) => k === 'cpu')).toBe(true);
    expect(r.range).toBeGreaterThan(0.5); // the glyphs have ink and background
    // float64 arithmetic on float32 activations: far inside the GPU's bound.
    expect(r.maxError).toBeLessThanOrEqual(1e-6 * r.range);
  });

  it('maps each layer through fromTorch: geometry, bias and fused activation', () => {
    const decoder = loadTorchDecoder(engine, glyphManifest(), WEIGHTS);
    const m = glyphManifest();
    expect(decoder.inputShape).toEqual(m.input);
    expect(decoder.outputShape).toEqual(m.output);
    expect(decoder.layers.map((l) => l.name)).toEqual(m.layers.map((l) => l.name));
    decoder.layers.forEach((l, i) => {
      const args = m.layers[i]!.args;
      expect(l.options.strides).toEqual(args.stride);
      expect(l.options.padding).toEqual([args.padding, args.padding].flat());
      expect(l.options.bias?.length).toBe(args.out_channels);
      expect(l.options.activation).toBe(m.layers[i]!.activation);
    });
    decoder.destroy();
    expect(decoder.destroyed).toBe(true);
    const x = engine.upload(new Float32Array(m.input.reduce((a, b) => a * b, 1)), [1, ...m.input]);
    expect(errorOf(() => decoder.run(x))).toMatchObject({ code: 'DESTROYED', param: 'decoder' });
    x.destroy();
  });
});

describe('loadTorchDecoder with other nn.ConvTranspose2d arguments', () => {
  it('groups, dilation, output_padding, no bias, float32 and float16 tensors: equals the CPU reference', async () => {
    const engine = await cpuEngine();
    // Layer 0: ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2, bias=False), float32.
    // Layer 1: ConvTranspose2d(6, 2, (2, 3), dilation=(2, 1), bias=True) + tanh, float16.
    const w0 = Float32Array.from({ length: 4 * 3 * 9 }, (_, i) => ((i * 7) % 11) / 8 - 0.6);
    const w1bits = Array.from({ length: 6 * 2 * 6 + 2 }, (_, i) => 0x3000 + ((i * 37) % 97) * 8 + (i % 2) * 0x8000);
    const bytes = new Uint8Array(w0.byteLength + w1bits.length * 2);
    bytes.set(new Uint8Array(w0.buffer), 0);
    bytes.set(halfBytes(w1bits), w0.byteLength);
    const manifest: TorchManifest = {
      input: [4, 3, 5],
      output: [2, 8, 12],
      layers: [
        {
          args: {
            in_channels: 4,
            out_channels: 6,
            kernel_size: 3,
            stride: 2,
            padding: 1,
            output_padding: 1,
            groups: 2,
            bias: false,
          },
          weight: { dtype: 'float32', offset: 0, shape: [4, 3, 3, 3] },
        },
        {
          args: { in_channels: 6, out_channels: 2, kernel_size: [2, 3], dilation: [2, 1] },
          activation: 'tanh',
          weight: { dtype: 'float16', offset: w0.byteLength, shape: [6, 2, 2, 3] },
          bias: { dtype: 'float16', offset: w0.byteLength + 72 * 2, shape: [2] },
        },
      ],
    };
    const decoder = loadTorchDecoder(engine, manifest, bytes.buffer);
    const input = Float32Array.from({ length: 2 * 4 * 3 * 5 }, (_, i) => Math.sin(i));
    const x = engine.upload(input, [2, 4, 3, 5]);
    const y = decoder.run(x);
    const actual = await y.read();

    // The same model by hand: fromTorch and convTranspose2dCpu, weights decoded independently.
    const half = (h: number) => {
      const f = new DataView(new ArrayBuffer(4));
      const e = (h >> 10) & 31;
      f.setUint32(0, ((h & 0x8000) << 16) | ((e - 15 + 127) << 23) | ((h & 0x3ff) << 13)); // normal numbers only
      return f.getFloat32(0);
    };
    const w1 = Float32Array.from(w1bits.slice(0, 72), half);
    const b1 = Float32Array.from(w1bits.slice(72), half);
    const o0 = fromTorch({ stride: 2, padding: 1, outputPadding: 1, groups: 2 }, [2, 4, 3, 5], [4, 3, 3, 3]);
    const h0 = convTranspose2dCpu(input, [2, 4, 3, 5], w0, [4, 3, 3, 3], o0);
    const o1 = fromTorch({ dilation: [2, 1] }, h0.shape, [6, 2, 2, 3]);
    const ref = convTranspose2dCpu(h0.data, h0.shape, w1, [6, 2, 2, 3], { ...o1, bias: b1, activation: 'tanh' });
    expect(y.shape).toEqual([2, 2, 8, 12]);
    expect(ref.shape).toEqual([2, 2, 8, 12]);
    expect(Array.from(actual)).toEqual(Array.from(ref.data));
    [x, y].forEach((t) => t.destroy());
    decoder.destroy();
    engine.destroy();
  });

  it('decodes float16 exactly: zeros, subnormals, normals, the largest value, infinities, NaN', async () => {
    const engine = await cpuEngine();
    const cases: [number, number][] = [
      [0x0000, 0],
      [0x0001, 2 ** -24],
      [0x03ff, 1023 * 2 ** -24],
      [0x0400, 2 ** -14],
      [0x3555, 0.333251953125],
      [0x3c00, 1],
      [0x3c01, 1 + 2 ** -10],
      [0xc000, -2],
      [0x7bff, 65504],
      [0x7c00, Infinity],
      [0xfc00, -Infinity],
      [0x7e00, NaN],
    ];
    // A 1×1 ConvTranspose2d(1, n, 1) of the input 1 outputs its weights.
    const n = cases.length;
    const manifest: TorchManifest = {
      input: [1, 1, 1],
      layers: [
        {
          args: { in_channels: 1, out_channels: n, kernel_size: 1, bias: false },
          weight: { dtype: 'float16', offset: 0, shape: [1, n, 1, 1] },
        },
      ],
    };
    const decoder = loadTorchDecoder(engine, manifest, halfBytes(cases.map((c) => c[0])));
    const x = engine.upload(new Float32Array([1]), [1, 1, 1, 1]);
    const y = decoder.run(x);
    expect(Array.from(await y.read())).toEqual(cases.map((c) => c[1]));
    [x, y].forEach((t) => t.destroy());
    engine.destroy();
  });
});

describe('loadTorchDecoder rejects manifests that do not match', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await cpuEngine();
  });
  afterAll(() => engine?.destroy());

  /** Breaks a copy of the glyph manifest and returns the error loading it gives. */
  function broken(edit: (m: TorchManifest) => void, weights: Uint8Array = WEIGHTS): DeconvError {
    const m = glyphManifest();
    edit(m);
    return errorOf(() => loadTorchDecoder(engine, m, weights));
  }

  it('a weight whose shape does not fit the layer: names the layer and the field', () => {
    const e = broken((m) => (m.layers[2]!.weight.shape = [96, 48, 3, 3]));
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.param).toBe('manifest.layers[2].weight.shape');
    expect(e.message).toContain('[96, 48, 4, 4]');
    expect(e.message).toContain(`layer "${glyphManifest().layers[2]!.name}"`);
  });

  it('kernel_size or out_channels that disagree with the weight', () => {
    expect(broken((m) => (m.layers[1]!.args.kernel_size = [3, 3])).param).toBe('manifest.layers[1].weight.shape');
    expect(broken((m) => (m.layers[3]!.args.out_channels = 12)).param).toBe('manifest.layers[3].weight.shape');
  });

  it('channels that do not chain from the input or the layer before', () => {
    const e = broken((m) => (m.layers[1]!.args.in_channels = 100));
    expect(e.param).toBe('manifest.layers[1].args.in_channels');
    expect(e.message).toContain('out_channels of layers[0]');
    expect(broken((m) => (m.input = [93, 1, 1])).param).toBe('manifest.layers[0].args.in_channels');
  });

  it('a bias of the wrong shape, a missing bias, a bias on a bias-free layer', () => {
    expect(broken((m) => (m.layers[0]!.bias!.shape = [7])).param).toBe('manifest.layers[0].bias.shape');
    expect(broken((m) => delete m.layers[4]!.bias).param).toBe('manifest.layers[4].bias');
    expect(broken((m) => (m.layers[4]!.args.bias = false)).param).toBe('manifest.layers[4].bias');
  });

  it('weights shorter than the manifest says, or a tensor past their end', () => {
    const short = WEIGHTS.subarray(0, WEIGHTS.length - 2);
    expect(broken(() => undefined, short).param).toBe('manifest.weights.byteLength');
    const e = broken((m) => delete m.weights, short);
    expect(e.param).toBe('manifest.layers[4].bias.offset');
    expect(e.message).toContain(`${short.length} bytes`);
  });

  it('an output that the layers do not give, arguments fromTorch rejects, unknown arguments', () => {
    expect(broken((m) => (m.output = [1, 32, 32])).param).toBe('manifest.output');
    const op = broken((m) => (m.layers[1]!.args.output_padding = [2, 2]));
    expect(op.param).toBe('manifest.layers[1].args.output_padding');
    expect(op.message).toContain('must be less than max(stride, dilation)');
    const typo = broken((m) => ((m.layers[0]!.args as Record<string, unknown>).padding_mod = 'zeros'));
    expect(typo.param).toBe('manifest.layers[0].args.padding_mod');
    expect(broken((m) => (m.layers[0]!.activation = 'swish' as never)).param).toBe('manifest.layers[0].activation');
    expect(broken((m) => (m.layers[0]!.weight.dtype = 'bfloat16' as never)).param).toBe(
      'manifest.layers[0].weight.dtype',
    );
  });

  it('an input of the wrong shape at run time', () => {
    const decoder = loadTorchDecoder(engine, glyphManifest(), WEIGHTS);
    const x = engine.upload(new Float32Array(93), [1, 93, 1, 1]);
    expect(errorOf(() => decoder.run(x)).param).toBe('input.shape');
    expect(errorOf(() => decoder.run(null as never)).param).toBe('input');
    expect(errorOf(() => decoder.run({} as never)).param).toBe('input');
    const lying = new Proxy([1, 93, 1, 1], {
      get(t, k) {
        if (k === 'length') throw new Error('boom');
        return t[k as never];
      },
    });
    expect(errorOf(() => decoder.run({ shape: lying } as never)).param).toBe('input.shape');
    decoder.destroy();
    expect(errorOf(() => decoder.run(x))).toMatchObject({ code: 'DESTROYED', param: 'decoder' });
    x.destroy();
  });

  it('hostile arguments: DeconvError naming the argument or the manifest path, never a TypeError', () => {
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    const throwing = (m: TorchManifest, key: string) =>
      Object.defineProperty(m.layers[1]!.args, key, {
        enumerable: true,
        get() {
          throw new Error('no');
        },
      });
    const detached = new ArrayBuffer(WEIGHTS.length);
    structuredClone(detached, { transfer: [detached] });
    const m = glyphManifest();
    const cases: [string, () => DeconvError, string][] = [
      ['engine null', () => errorOf(() => loadTorchDecoder(null as never, m, WEIGHTS)), 'engine'],
      ['manifest null', () => errorOf(() => loadTorchDecoder(engine, null as never, WEIGHTS)), 'manifest'],
      [
        'manifest a revoked Proxy',
        () => errorOf(() => loadTorchDecoder(engine, revoked.proxy as never, WEIGHTS)),
        'manifest',
      ],
      ['weights a string', () => errorOf(() => loadTorchDecoder(engine, m, 'bytes' as never)), 'weights'],
      ['weights detached', () => errorOf(() => loadTorchDecoder(engine, m, detached)), 'weights'],
      ['options 5', () => errorOf(() => loadTorchDecoder(engine, m, WEIGHTS, 5 as never)), 'options'],
      [
        'options.kernal',
        () => errorOf(() => loadTorchDecoder(engine, m, WEIGHTS, { kernal: 'scatter' } as never)),
        'options.kernal',
      ],
      ['a throwing getter', () => broken((x) => throwing(x, 'stride')), 'manifest.layers[1].args.stride'],
      ['a Map as args', () => broken((x) => (x.layers[0]!.args = new Map() as never)), 'manifest.layers[0].args'],
      [
        'leakyReluAlpha',
        () => broken((x) => (x.layers[0]!.leakyReluAlpha = 'x' as never)),
        'manifest.layers[0].leakyReluAlpha',
      ],
      [
        'a stride past 2^31',
        () => broken((x) => (x.layers[1]!.args.stride = 2 ** 30)),
        'manifest.layers[1].args.stride',
      ],
    ];
    for (const [what, f, param] of cases) expect(f().param, what).toBe(param);
    // Fields the loader does not read (a tool's metadata) are not read at all, however large or deep.
    const shared = new Array(65_536).fill(new Array(65_536).fill(0));
    const withMeta = { ...glyphManifest(), meta: { shared, deep: { a: { b: { c: { d: { e: { f: { g: 1 } } } } } } } } };
    const t0 = performance.now();
    loadTorchDecoder(engine, withMeta, WEIGHTS).destroy();
    expect(performance.now() - t0).toBeLessThan(2000);
    // Shared references inside a read field are counted at each use: a bounded error, not a hang.
    const big = glyphManifest();
    (big.layers[0]!.args as Record<string, unknown>).kernel_size = new Array(1000).fill(new Array(2000).fill(1));
    expect(errorOf(() => loadTorchDecoder(engine, big, WEIGHTS)).param).toMatch(
      /^manifest\.layers\[0\]\.args\.kernel_size/,
    );
    // Long names are cut in messages.
    const long = broken((x) => {
      x.layers[0]!.name = 'n'.repeat(100_000);
      x.layers[0]!.args.in_channels = 3;
    });
    expect(long.message.length).toBeLessThan(400);
  });
});

describe('1-D, 2-D and 3-D decoders exported with the README’s export_decoder', () => {
  let device: GPUDevice;
  let gpu: Engine;
  let cpu: Engine;
  beforeAll(async () => {
    ({ device } = await getDevice());
    gpu = await createEngine({ device, fallback: 'none' });
    cpu = await cpuEngine();
  });
  afterAll(() => {
    gpu?.destroy();
    cpu?.destroy();
    device?.destroy();
  });

  for (const c of TORCH_DECODERS) {
    it(`${c.name}: the CPU backend equals PyTorch's float64 output (atol 1e-5, rtol 1e-5)`, async () => {
      const r = await runDecoderCase(cpu, c);
      expect(r.shape).toEqual(c.outputShape);
      const check = compare(r.actual, r.expected, 1e-5, 1e-5);
      expect(check.ok, check.message).toBe(true);
    });
    for (const kernel of ['auto', ...KERNEL_NAMES] as const) {
      it(`${c.name}: ${kernel} on the GPU equals PyTorch's float64 output (atol 1e-4, rtol 1e-4)`, async () => {
        const r = await runDecoderCase(gpu, c, kernel);
        expect(r.shape).toEqual(c.outputShape);
        if (kernel !== 'auto') expect(r.kernels.every((k) => k === kernel)).toBe(true);
        const check = compare(r.actual, r.expected, 1e-4, 1e-4);
        expect(check.ok, check.message).toBe(true);
      });
    }
  }

  it('a module that does not match the input rank', () => {
    const c = structuredClone(TORCH_DECODERS.find((x) => x.name === 'vocoder_1d')!);
    const w = decoderWeights(c);
    c.manifest.layers[1]!.module = 'ConvTranspose2d';
    const e = errorOf(() => loadTorchDecoder(cpu, c.manifest, w));
    expect(e.param).toBe('manifest.layers[1].module');
    expect(e.message).toContain("must be 'ConvTranspose1d'");
    c.manifest.layers[1]!.module = 'ConvTranspose1d';
    c.manifest.layers[0]!.args.kernel_size = [16, 16];
    expect(errorOf(() => loadTorchDecoder(cpu, c.manifest, w)).param).toBe('manifest.layers[0].args.kernel_size');
    c.manifest.input = [8];
    expect(errorOf(() => loadTorchDecoder(cpu, c.manifest, w)).param).toBe('manifest.input');
  });
});

describe('the glyph decoder on the GPU in Node', () => {
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

  for (const kernel of ['auto', ...KERNEL_NAMES] as const) {
    it(`${kernel}: equals PyTorch's float64 goldens within 1e-4 of the output range`, async () => {
      const r = await runGlyphGoldens(engine, WEIGHTS, kernel);
      expect(r.shape).toEqual(GOLDEN_OUTPUT_SHAPE);
      if (kernel !== 'auto') expect(r.kernels.every((k) => k === kernel)).toBe(true);
      expect(r.maxError).toBeLessThanOrEqual(TOLERANCE * r.range);
    });
  }

  it('keeps no GPU memory after destroy beyond the engine pool', async () => {
    const before = engine.memory();
    await runGlyphGoldens(engine, WEIGHTS);
    const after = engine.memory();
    expect(after.buffers - after.pooledBuffers).toBe(before.buffers - before.pooledBuffers);
  });
});
