/**
 * The native float16 path checked on the device itself. Generated kernels differ between
 * storages only in their accessors (src/gpu/shader/storage.ts), so compiling one shader that
 * uses every native-f16 accessor tells whether the device's compiler takes them all.
 */
import { shaderFor } from './shader/compose.js';
import type { Runtime } from './runtime.js';

/** A shader with every native float16 accessor: load, vec4 load and store. */
function probe() {
  return shaderFor('f16-probe', { storage: 'f16' }, () => ({
    label: 'f16-probe',
    storage: 'f16',
    uniforms: ['total'],
    bindings: [
      { name: 'src', kind: 'data', access: 'read', vec4: true },
      { name: 'dst', kind: 'data', access: 'read_write' },
    ],
    modules: ['grid'],
    body: `@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = workgroup_index(wid, nwg) * 64u + lid;
  if (i >= params.total) { return; }
  st_dst(i, ld_src(i) + ld4_src(i / 4u).x + ld_dst(i));
}`,
  }));
}

/**
 * Keeps float16 native on `rt` only when the device compiles the native accessors without an
 * error; otherwise float16 tensors are packed in u32 words, which every device takes.
 */
export async function checkNativeF16(rt: Runtime): Promise<void> {
  if (!rt.hasF16) return;
  try {
    const module = rt.device.createShaderModule({ label: 'f16-probe', code: probe().code });
    const info = await module.getCompilationInfo();
    if (info.messages.some((m) => m.type === 'error')) rt.hasF16 = false;
  } catch {
    rt.hasF16 = false;
  }
}
