/** Device limits: a plain copy of them, and the folding of a workgroup count into a grid. */
import { DeconvError } from '../errors.js';

/** A plain copy of a limits object (GPUSupportedLimits' members are prototype getters). */
export function limitsRecord(limits: GPUSupportedLimits): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key in limits) {
    const v = (limits as unknown as Record<string, unknown>)[key];
    if (typeof v === 'number') out[key] = v;
  }
  return out;
}

/**
 * Splits a number of workgroups into an x·y·z grid within `maxPerDim` (x fastest). The grid
 * may hold up to x − 1 extra workgroups; shaders return past the end. Null when even the 3-D
 * grid cannot hold it.
 */
export function foldGrid(total: number, maxPerDim: number): [number, number, number] {
  if (total <= maxPerDim) return [total, 1, 1];
  const rest = Math.ceil(total / maxPerDim);
  if (rest <= maxPerDim) return [maxPerDim, rest, 1];
  return [maxPerDim, maxPerDim, Math.ceil(rest / maxPerDim)];
}

/**
 * {@link foldGrid}, checked.
 * @throws DeconvError('DEVICE_LIMIT') when even the 3-D grid cannot hold `total`.
 */
export function foldWorkgroups(total: number, maxPerDim: number): [number, number, number] {
  const grid = foldGrid(total, maxPerDim);
  if (grid[2] > maxPerDim) {
    throw new DeconvError(
      'DEVICE_LIMIT',
      `workgroups = ${total}: exceeds maxComputeWorkgroupsPerDimension³ = ${maxPerDim ** 3} of this device`,
      'workgroups',
    );
  }
  return grid;
}
