import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallContext, foldWorkgroups, pipelineCount } from '../../src/gpu/context.js';
import { reflectShader, shaderFromWgsl } from '../helpers/reflect.js';
import { getDevice, withErrorScopes } from '../helpers/gpu.js';

// A test shader: each invocation writes a value derived from every uniform type,
// so a wrong offset or type shows up in the output.
const code = /* wgsl */ `
override BASE: f32 = 0.0;
struct Params { total: u32, shift: i32, scale: f32, pair: vec2<u32> }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
@compute @workgroup_size(4)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let wg = wid.x + wid.y * nwg.x + wid.z * nwg.x * nwg.y;
  let i = wg * 4u + lid;
  if (i >= params.total) { return; }
  dst[i] = BASE + params.scale * src[i] + f32(params.shift) + f32(params.pair.x * 10u + params.pair.y);
}
@compute @workgroup_size(1)
fn fill(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = wid.x + wid.y * nwg.x + wid.z * nwg.x * nwg.y;
  if (i < arrayLength(&dst)) { dst[i] = dst[i] + 1.0; }
}
`;

let device: GPUDevice;
beforeAll(async () => {
  ({ device } = await getDevice());
});
afterAll(() => device?.destroy());

async function read(buffer: GPUBuffer, n: number): Promise<Float32Array> {
  const rb = device.createBuffer({ size: n * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const enc = device.createCommandEncoder();
  enc.copyBufferToBuffer(buffer, 0, rb, 0, n * 4);
  device.queue.submit([enc.finish()]);
  await rb.mapAsync(GPUMapMode.READ);
  const out = new Float32Array(rb.getMappedRange().slice(0));
  rb.destroy();
  return out;
}

describe('reflectShader', () => {
  it('derives uniform offsets and bindings from the WGSL', () => {
    const r = reflectShader(code);
    expect(r.uniform?.size).toBe(24);
    expect(r.uniform?.members.get('pair')).toEqual({ name: 'pair', offset: 16, type: 'u32', count: 2 });
    expect(r.uniform?.members.get('shift')).toMatchObject({ offset: 4, type: 'i32' });
    expect(r.entries.get('main')?.bindings.map((b) => [b.name, b.type])).toEqual([
      ['params', 'uniform'],
      ['src', 'read-only-storage'],
      ['dst', 'storage'],
    ]);
    expect(r.entries.get('fill')?.bindings.map((b) => b.name)).toEqual(['dst']);
    expect(r.overrides.has('BASE')).toBe(true);
  });
});

describe('foldWorkgroups', () => {
  it('folds past the per-dimension limit', () => {
    expect(foldWorkgroups(10, 65535)).toEqual([10, 1, 1]);
    expect(foldWorkgroups(70000, 65535)).toEqual([65535, 2, 1]);
    expect(foldWorkgroups(50, 7)).toEqual([7, 7, 2]);
    expect(() => foldWorkgroups(400, 7)).toThrow(/DEVICE_LIMIT|maxComputeWorkgroupsPerDimension/);
  });
});

describe('CallContext', () => {
  it('packs uniforms, folds grids, zero-fills scratch and caches pipelines', async () => {
    const n = 203;
    const src = Float32Array.from({ length: n }, (_, i) => i);
    await withErrorScopes(device, async () => {
      // Lowered per-dimension limit so 51 workgroups fold into 7×7×2.
      const limits = { ...limitsOf(device), maxComputeWorkgroupsPerDimension: 7 } as GPUSupportedLimits;
      const ctx = new CallContext(device, { limits });
      const srcBuf = ctx.scratch(n * 4, 'test:src');
      device.queue.writeBuffer(srcBuf, 0, src);
      const dst = ctx.scratch(n * 4, 'test:dst');
      const spec = {
        shader: shaderFromWgsl(code, 'test'),
        constants: { BASE: 0.5 },
        uniforms: { total: n, shift: -3, scale: 2, pair: [4, 7] },
        buffers: { src: srcBuf, dst },
        workgroups: Math.ceil(n / 4),
      };
      // writeBuffer lands before the submit, but the scratch clear is recorded in
      // the encoder; so write the source after a first submit instead.
      const enc0 = device.createCommandEncoder();
      ctx.encode(enc0);
      device.queue.submit([enc0.finish()]);
      ctx.release(true);

      const ctx2 = new CallContext(device, { limits });
      const s2 = ctx2.scratch(n * 4, 'test:src');
      const d2 = ctx2.scratch(n * 4, 'test:dst');
      ctx2.dispatch({ ...spec, buffers: { src: s2, dst: d2 } });
      ctx2.dispatch({ shader: shaderFromWgsl(code, 'test:fill', 'fill'), buffers: { dst: d2 }, workgroups: n });
      const enc = device.createCommandEncoder();
      ctx2.encode(enc);
      device.queue.submit([enc.finish()]);
      // Fill s2 after its clear has executed, then run once more.
      await device.queue.onSubmittedWorkDone();
      // src was zero-filled: 0.5 − 3 + 47, plus 1 from the second dispatch.
      expect(Array.from(await read(d2, 3))).toEqual([45.5, 45.5, 45.5]);
      device.queue.writeBuffer(s2, 0, src);
      const ctx3 = new CallContext(device, { limits });
      ctx3.dispatch({ ...spec, buffers: { src: s2, dst: d2 } });
      const enc3 = device.createCommandEncoder();
      ctx3.encode(enc3);
      device.queue.submit([enc3.finish()]);
      const out = await read(d2, n);
      for (let i = 0; i < n; i++) expect(out[i]).toBe(0.5 + 2 * i - 3 + 47);
      const before = pipelineCount(device);
      ctx3.dispatch({ ...spec, buffers: { src: s2, dst: d2 } });
      expect(pipelineCount(device)).toBe(before);
      ctx2.release(true);
      ctx3.release(true);
    });
  });

  it('rejects unknown uniform members and missing buffers', () => {
    const ctx = new CallContext(device);
    const dst = device.createBuffer({ size: 16, usage: GPUBufferUsage.STORAGE });
    expect(() =>
      ctx.dispatch({ shader: shaderFromWgsl(code, 't'), uniforms: { nope: 1 }, buffers: { dst }, workgroups: 1 }),
    ).toThrow(/src|nope/);
    dst.destroy();
  });
});

function limitsOf(d: GPUDevice): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k in d.limits) out[k] = (d.limits as unknown as Record<string, number>)[k]!;
  return out;
}
