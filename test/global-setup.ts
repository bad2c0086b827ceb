/**
 * Runs once before every test project: writes the README's examples to test/generated/ (the
 * Node ones run from there in test/readme.test.ts, the browser one in
 * test/browser/readme.test.ts) and the two ONNX models the browser example fetches.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { glorotUniform } from '../src/init.js';
import { convTransposeModel } from './helpers/onnx-model.js';

const root = join(import.meta.dirname, '..');
const out = join(root, 'test', 'generated');

/**
 * The README's ```js examples after `<!-- readme-example -->` (Node), `<!-- readme-example
 * browser -->` and `<!-- readme-example install -->` (the Install section's, in Node).
 */
export function readmeExamples(kind: 'node' | 'browser' | 'install'): string[] {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const marker = kind === 'node' ? '<!-- readme-example -->' : `<!-- readme-example ${kind} -->`;
  return readme
    .split(marker)
    .slice(1)
    .map((part) => /^\s*```js\n([\s\S]*?)```/.exec(part)?.[1])
    .filter((b): b is string => b !== undefined);
}

export default function setup(): void {
  mkdirSync(join(out, 'models'), { recursive: true });
  readmeExamples('browser').forEach((code, i) => writeFileSync(join(out, `readme-browser-${i}.mjs`), code));
  // The browser example's models: X [1, 16, 4, 4] → Y [1, 8, 8, 8], and X [1, 4, 16, 16] → Y [1, 3, 32, 32].
  const models: [string, number[], number[], number[]][] = [
    ['first', [1, 16, 4, 4], [16, 8, 2, 2], [1, 8, 8, 8]],
    ['last', [1, 4, 16, 16], [4, 3, 2, 2], [1, 3, 32, 32]],
  ];
  for (const [name, x, w, y] of models) {
    const weight = glorotUniform(w, { seed: name.length });
    const model = convTransposeModel(x, w, { strides: [2, 2] }, false, 17, { weight, yShape: y });
    writeFileSync(join(out, 'models', `${name}.onnx`), model);
  }
}
