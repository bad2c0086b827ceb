/**
 * WebGPU's bit flags, with the values the specification fixes. The engine uses
 * these rather than the `GPUBufferUsage`/`GPUMapMode`/`GPUShaderStage` globals, so
 * it also works in Node when the `webgpu` package's globals were not installed.
 */
export const BufferUsage = {
  MAP_READ: 0x0001,
  MAP_WRITE: 0x0002,
  COPY_SRC: 0x0004,
  COPY_DST: 0x0008,
  UNIFORM: 0x0040,
  STORAGE: 0x0080,
} as const;

/** `GPUMapMode` values. */
export const MapMode = { READ: 0x0001, WRITE: 0x0002 } as const;

/** `GPUShaderStage` values. */
export const ShaderStage = { COMPUTE: 0x0004 } as const;
