// Finds import cycles among the TypeScript sources of a folder (default src/), counting every
// relative import and re-export, type-only ones included. Prints each cycle and exits 1 when
// there is one. `node scripts/import-cycles.mjs [folder]`.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(process.argv[2] ?? 'src');
const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) files.push(p);
  }
})(root);
const edges = new Map();
for (const f of files) {
  const text = readFileSync(f, 'utf8');
  const deps = [...text.matchAll(/(?:import|export)[^'"`;]*?from\s+['"](\.[^'"]+)['"]/g)]
    .map((m) => resolve(dirname(f), m[1].replace(/\.js$/, '.ts')))
    .filter((d) => d.endsWith('.ts') && files.includes(d));
  edges.set(f, deps);
}
const cycles = [];
const state = new Map();
const stack = [];
function visit(f) {
  state.set(f, 'open');
  stack.push(f);
  for (const d of edges.get(f) ?? []) {
    if (state.get(d) === 'open') cycles.push([...stack.slice(stack.indexOf(d)), d]);
    else if (!state.has(d)) visit(d);
  }
  stack.pop();
  state.set(f, 'done');
}
files.forEach((f) => state.has(f) || visit(f));
for (const c of cycles) console.log(`cycle: ${c.map((f) => relative(root, f)).join(' → ')}`);
console.log(`${files.length} modules, ${cycles.length} import cycles`);
process.exit(cycles.length ? 1 : 0);
