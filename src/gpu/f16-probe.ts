/**
 * The native float16 path checked on the device itself. Generated kernels differ between
 * storages only in their accessors (src/gpu/shader/storage.ts), so compiling one shader that
 * uses every native-f16 accessor tells whether the device's compiler takes them all.
 */
import { flatMain, shaderFor } from './shader/compose.js';
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
    body: flatMain('i', ['st_dst(i, ld_src(i) + ld4_src(i / 4u).x + ld_dst(i));']),
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
