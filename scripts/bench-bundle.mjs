#!/usr/bin/env node
/**
 * `npm run bench:bundle`: builds the portable GPU benchmark, a self-contained folder that runs
 * on a Linux x64 machine with a GPU but no Node, no npm registry and no browser:
 *
 *   run.sh              the entry point (bench/bundle/run.sh)
 *   bench.mjs           bench/node-bench.ts bundled with the library and TF.js's WebGPU backend
 *   node.xz             this Node binary, xz-compressed
 *   webgpu/             the `webgpu` package: index.js, package.json and dawn.node.xz (linux-x64)
 *   debs/               Debian's Vulkan loader packages, when apt-get could download them
 *   manifest.json       versions, commit, sizes
 *
 * The compressed binaries are cached in node_modules/.cache/webgpu-deconv-bench/, keyed by
 * their version and size, so a rebuild does not compress them again.
 *
 * Options:
 *   --out DIR      the folder to write (default .device); an existing one is replaced only if
 *                  it is empty or an earlier bundle
 *   --no-debs      do not download the Vulkan loader packages
 *   --xz-level N   xz preset for the binaries (default 6)
 */
import { execFile, spawn } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const run = promisify(execFile);

const { values: args } = parseArgs({
  options: {
    out: { type: 'string', default: '.device' },
    'no-debs': { type: 'boolean', default: false },
    'xz-level': { type: 'string', default: '6' },
  },
});
const outDir = resolve(root, args.out);
const xzLevel = Number(args['xz-level']);
if (!Number.isInteger(xzLevel) || xzLevel < 0 || xzLevel > 9)
  throw new Error(`--xz-level must be 0…9, got ${args['xz-level']}`);
/** The bundle must travel with a run whose carried files are capped at 64 MiB, the working tree included. */
const MAX_BYTES = 60 * 2 ** 20;
const KIND = 'webgpu-deconv-bench-bundle';
/** Debian's Vulkan loader and the GL dispatch libraries NVIDIA's driver may need (see docs/benchmark.md). */
const DEBS = ['libvulkan1', 'libglvnd0', 'libegl1', 'libopengl0', 'libgl1', 'libglx0', 'libgles2'];

if (process.platform !== 'linux' || process.arch !== 'x64') {
  throw new Error(
    `the bundle carries this Node binary and runs on Linux x64; this is ${process.platform}-${process.arch}`,
  );
}

const t0 = performance.now();
const seconds = (since) => ((performance.now() - since) / 1000).toFixed(1);
const timings = {};

async function packageVersion(name) {
  return JSON.parse(await readFile(join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
}

/** Refuses to delete a folder that is neither empty nor a bundle this script wrote. */
async function clearOut() {
  if (!existsSync(outDir)) return;
  const entries = await readdir(outDir);
  if (entries.length > 0) {
    let kind = null;
    try {
      kind = JSON.parse(await readFile(join(outDir, 'manifest.json'), 'utf8')).kind;
    } catch {
      // not a bundle
    }
    if (kind !== KIND) throw new Error(`${outDir} is not empty and holds no bundle manifest: not replacing it`);
  }
  await rm(outDir, { recursive: true, force: true });
}

/** Runs a compressor writing to stdout into `dest`; null when the command does not exist. */
async function compressWith(command, commandArgs, dest) {
  const child = spawn(command, commandArgs, { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((resolveExit) => {
    child.on('error', (e) => resolveExit(e.code === 'ENOENT' ? null : e));
    child.on('close', resolveExit);
  });
  await pipeline(child.stdout, createWriteStream(dest));
  const code = await exited;
  if (code === null) return null;
  if (code !== 0) throw new Error(`${command} failed: ${code}`);
  return command;
}

/** `source` compressed to `dest` in the .xz format: with xz, else with Python's lzma module. */
async function xzFile(source, dest) {
  // Two threads in blocks of 32 MiB: about the size of one block, and faster on 2 cores.
  const used =
    (await compressWith('xz', [`-${xzLevel}`, '-T2', '--block-size=32MiB', '-c', source], dest)) ??
    (await compressWith(
      'python3',
      [
        '-c',
        'import lzma, shutil, sys\nwith open(sys.argv[1], "rb") as i, lzma.open(sys.stdout.buffer, "wb", preset=int(sys.argv[2])) as o:\n  shutil.copyfileobj(i, o, 1 << 20)',
        source,
        String(xzLevel),
      ],
      dest,
    ));
  if (!used) throw new Error('neither xz nor python3 is available to compress the binaries: install xz-utils');
}

/** `xz` of `source` into the cache (once per key), then copied to `dest`. */
async function compressCached(source, key, dest) {
  const cacheDir = join(root, 'node_modules/.cache/webgpu-deconv-bench');
  const cached = join(cacheDir, `${key}-xz${xzLevel}.xz`);
  const start = performance.now();
  let hit = existsSync(cached);
  if (!hit) {
    await mkdir(cacheDir, { recursive: true });
    const tmp = `${cached}.${process.pid}.tmp`;
    await xzFile(source, tmp);
    await rename(tmp, cached);
  }
  await copyFile(cached, dest);
  timings[relative(outDir, dest)] = hit ? 'cached' : `${seconds(start)} s`;
  return hit;
}

/** Bundles bench/node-bench.ts: the library, TF.js and the driver in one ES module; `webgpu` stays external. */
async function bundle(dest) {
  const start = performance.now();
  const rawText = {
    name: 'raw-text',
    setup(b) {
      // The library imports its WGSL as `file.wgsl?raw` (Vite's convention).
      b.onResolve({ filter: /\?raw$/ }, (a) => ({
        path: resolve(a.resolveDir, a.path.slice(0, -'?raw'.length)),
        namespace: 'raw-text',
      }));
      b.onLoad({ filter: /.*/, namespace: 'raw-text' }, async (a) => ({
        contents: await readFile(a.path, 'utf8'),
        loader: 'text',
      }));
    },
  };
  await build({
    entryPoints: [join(root, 'bench/node-bench.ts')],
    outfile: dest,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['webgpu'],
    plugins: [rawText],
    // TF.js's Node platform calls require(); an ES module has none unless given one.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);",
    },
    minifyWhitespace: true,
    legalComments: 'eof',
    logLevel: 'warning',
  });
  timings['bench.mjs'] = `${seconds(start)} s`;
}

/** Debian's Vulkan loader packages, if apt-get can download them here; else a note. */
async function downloadDebs(dir) {
  const start = performance.now();
  if (args['no-debs']) return { debs: [], note: 'not downloaded (--no-debs)' };
  await mkdir(dir, { recursive: true });
  try {
    await run('apt-get', ['download', ...DEBS], { cwd: dir, timeout: 120_000 });
    const debs = (await readdir(dir)).filter((f) => f.endsWith('.deb')).sort();
    timings['debs/'] = `${seconds(start)} s`;
    return { debs, note: `apt-get download ${DEBS.join(' ')}` };
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    const why = (e.stderr || e.message || String(e)).trim().split('\n').slice(-1)[0];
    return {
      debs: [],
      note: `apt-get download failed (${why}); run.sh uses the machine's Vulkan loader or a carried .gl/ folder`,
    };
  }
}

async function gitCommit() {
  try {
    const { stdout: head } = await run('git', ['rev-parse', 'HEAD'], { cwd: root });
    const { stdout: dirty } = await run('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root });
    return `${head.trim()}${dirty.trim() ? '+dirty' : ''}`;
  } catch {
    return 'unknown';
  }
}

async function sizes(dir, prefix = '') {
  const out = {};
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) Object.assign(out, await sizes(path, `${prefix}${e.name}/`));
    else out[`${prefix}${e.name}`] = (await stat(path)).size;
  }
  return out;
}

const mib = (bytes) => (bytes < 2 ** 20 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 2 ** 20).toFixed(1)} MiB`);

await clearOut();
await mkdir(join(outDir, 'webgpu'), { recursive: true });
// Marks the folder as a bundle at once, so that a rebuild may replace even a failed one.
await writeFile(join(outDir, 'manifest.json'), `${JSON.stringify({ kind: KIND, complete: false })}\n`);
const webgpuDir = join(root, 'node_modules/webgpu');
const webgpuVersion = await packageVersion('webgpu');
const dawn = join(webgpuDir, 'dist/linux-x64/dawn.node');
const [, , , debs] = await Promise.all([
  bundle(join(outDir, 'bench.mjs')),
  compressCached(
    process.execPath,
    `node-${process.version}-linux-x64-${(await stat(process.execPath)).size}`,
    join(outDir, 'node.xz'),
  ),
  compressCached(
    dawn,
    `dawn-${webgpuVersion}-linux-x64-${(await stat(dawn)).size}`,
    join(outDir, 'webgpu/dawn.node.xz'),
  ),
  downloadDebs(join(outDir, 'debs')),
]);
await copyFile(join(webgpuDir, 'index.js'), join(outDir, 'webgpu/index.js'));
await copyFile(join(webgpuDir, 'LICENSE.md'), join(outDir, 'webgpu/LICENSE.md'));
// index.js is an ES module: the package.json that says so travels with it.
await writeFile(
  join(outDir, 'webgpu/package.json'),
  `${JSON.stringify({ name: 'webgpu', version: webgpuVersion, type: 'module', main: 'index.js' }, null, 2)}\n`,
);
await copyFile(join(root, 'bench/bundle/run.sh'), join(outDir, 'run.sh'));
await chmod(join(outDir, 'run.sh'), 0o755);

const manifest = {
  kind: KIND,
  builtAt: new Date().toISOString(),
  commit: await gitCommit(),
  versions: {
    node: process.version,
    webgpu: webgpuVersion,
    'webgpu-deconv': await (async () => JSON.parse(await readFile(join(root, 'package.json'), 'utf8')).version)(),
    '@tensorflow/tfjs-core': await packageVersion('@tensorflow/tfjs-core'),
    '@tensorflow/tfjs-backend-webgpu': await packageVersion('@tensorflow/tfjs-backend-webgpu'),
  },
  xzLevel,
  debs: debs.debs,
  debsNote: debs.note,
  usage: 'bash run.sh OUT_DIR [BUDGET_SECONDS] [--layers a,b] [--batch N] (docs/benchmark.md)',
  files: {},
};
await writeFile(join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
manifest.files = await sizes(outDir);
await writeFile(join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);

const total = Object.values(manifest.files).reduce((a, b) => a + b, 0);
const shown = relative(process.cwd(), outDir);
console.log(`bench bundle: ${shown && !shown.startsWith('..') ? shown : outDir}/`);
for (const [file, bytes] of Object.entries(manifest.files)) {
  console.log(`  ${file.padEnd(38)} ${mib(bytes).padStart(10)}${timings[file] ? `  (${timings[file]})` : ''}`);
}
console.log(`  Vulkan loader packages: ${debs.note}`);
console.log(`total ${mib(total)} (limit ${mib(MAX_BYTES)}), built in ${seconds(t0)} s`);
if (total > MAX_BYTES) {
  console.error(`the bundle is larger than ${mib(MAX_BYTES)}`);
  process.exit(1);
}
