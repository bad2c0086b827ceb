/** Starts the library's engine for the page and describes where it runs. */
import { createEngine, type Engine } from '../src/index.js';

export type { Engine };

/**
 * WebGPU when the browser has it, else the CPU reference (the library's default
 * fallback), so the page works everywhere.
 */
export function startEngine(): Promise<Engine> {
  return createEngine({ fallback: 'cpu' });
}

/** One line about the backend: the adapter's description on WebGPU. */
export function describeBackend(engine: Engine): string {
  if (engine.backend !== 'webgpu') {
    return 'This browser has no usable WebGPU: everything below runs on the library’s CPU reference (slower, same results).';
  }
  const info = engine.device?.adapterInfo;
  const parts = info
    ? [info.vendor, info.architecture, info.description].filter((p) => typeof p === 'string' && p !== '')
    : [];
  const soft = engine.software ? ' (a software adapter: expect low speed)' : '';
  return `Running on WebGPU${parts.length ? `: ${parts.join(' · ')}` : ''}${soft}.`;
}
