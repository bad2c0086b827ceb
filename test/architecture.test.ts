// CPU-only checks of the source structure: no import cycle in src/ (type-only imports
// included), and the planner ranks kernels without ever naming one.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KERNEL_NAMES } from '../src/gpu/kernel.js';

const root = join(import.meta.dirname, '..');

describe('source structure (CPU-only)', () => {
  it('has no import cycle in src/ (scripts/import-cycles.mjs)', () => {
    const out = execFileSync(process.execPath, [join(root, 'scripts/import-cycles.mjs'), join(root, 'src')], {
      encoding: 'utf8',
    });
    expect(out.trim().split('\n').at(-1)).toMatch(/ 0 import cycles$/);
  });

  it('the planner never names a kernel', () => {
    const planner = readFileSync(join(root, 'src/gpu/planner.ts'), 'utf8').replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, '');
    for (const name of KERNEL_NAMES) expect(planner.includes(`'${name}'`), name).toBe(false);
  });
});
