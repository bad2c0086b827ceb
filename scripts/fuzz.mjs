#!/usr/bin/env node
/**
 * `npm run fuzz -- --minutes 15 [--seed N]`: runs the fuzz properties of test/fuzz (the same
 * ones the normal test run runs for about a minute with a fixed seed) for the given time,
 * from a random seed unless one is given. The seed is printed first and again on failure;
 * `FUZZ_SEED=<seed> FUZZ_MS=<ms> npx vitest run --project node test/fuzz` replays a run.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);

function option(name, fallback) {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(args[i + 1]);
  if (!Number.isFinite(value)) {
    console.error(`fuzz: --${name} needs a number, got ${args[i + 1]}`);
    process.exit(2);
  }
  return value;
}

const minutes = option('minutes', 15);
const seed = option('seed', (Math.random() * 2 ** 32) | 0) | 0;
if (!(minutes > 0)) {
  console.error('fuzz: --minutes must be positive');
  process.exit(2);
}

// Each property (an it() calling runProperty) gets an equal share; the files run one after another.
const dir = join(root, 'test', 'fuzz');
const properties = readdirSync(dir)
  .filter((f) => f.endsWith('.test.ts'))
  .reduce((n, f) => n + (readFileSync(join(dir, f), 'utf8').match(/await runProperty\(/g) ?? []).length, 0);
const perProperty = Math.floor((minutes * 60_000) / Math.max(1, properties));

console.log(
  `fuzz: ${properties} properties × ${(perProperty / 1000).toFixed(0)} s (${minutes} min), FUZZ_SEED=${seed}\n` +
    `fuzz: replay with FUZZ_SEED=${seed} FUZZ_MS=${perProperty} npx vitest run --project node test/fuzz`,
);
const run = spawnSync(
  'npx',
  ['vitest', 'run', '--project', 'node', '--no-file-parallelism', '--reporter=default', 'test/fuzz'],
  { cwd: root, stdio: 'inherit', env: { ...process.env, FUZZ_SEED: String(seed), FUZZ_MS: String(perProperty) } },
);
if (run.status !== 0)
  console.error(`fuzz: FAILED with FUZZ_SEED=${seed} (each failure above names its property and replay command)`);
else console.log(`fuzz: nothing found in ${minutes} min with FUZZ_SEED=${seed}`);
process.exit(run.status ?? 1);
