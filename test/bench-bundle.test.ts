// The portable GPU benchmark (`npm run bench:bundle`): builds the bundle, copies it into an
// empty folder with no node_modules anywhere above it, runs its run.sh there on SwiftShader
// with one small layer and a short budget, and checks the results: every kernel ran under
// both planner classes, and every output matched the CPU reference. Prints the bundle's size.
// The first build on a machine compresses Node (about a minute on 2 cores); later builds reuse
// the compressed copy in node_modules/.cache.
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KERNEL_NAMES } from '../src/index.js';
import { SMOKE } from '../bench/suite.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..');
const MAX_BYTES = 60 * 2 ** 20;

let tmp = '';
let bundleDir = '';
let buildSeconds = 0;

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    total += e.isDirectory() ? await folderBytes(path) : (await stat(path)).size;
  }
  return total;
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'webgpu-deconv-bundle-'));
  const start = performance.now();
  // No Vulkan .deb download: the test stays off the network; this machine has the loader.
  const { stdout } = await run(
    process.execPath,
    ['scripts/bench-bundle.mjs', '--out', join(tmp, 'build'), '--no-debs'],
    { cwd: root, maxBuffer: 2 ** 24 },
  );
  buildSeconds = (performance.now() - start) / 1000;
  console.log(stdout.trim());
  bundleDir = join(tmp, 'run', 'bundle');
  await cp(join(tmp, 'build'), bundleDir, { recursive: true });
}, 900_000);

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('npm run bench:bundle', () => {
  it('builds a bundle under 60 MiB with Node, Dawn, the script and run.sh', async () => {
    const bytes = await folderBytes(bundleDir);
    console.log(`bench bundle: ${(bytes / 2 ** 20).toFixed(1)} MiB, built in ${buildSeconds.toFixed(1)} s`);
    expect(bytes).toBeLessThan(MAX_BYTES);
    for (const file of ['run.sh', 'bench.mjs', 'node.xz', 'manifest.json', 'webgpu/index.js', 'webgpu/dawn.node.xz'])
      expect((await stat(join(bundleDir, file))).size, file).toBeGreaterThan(0);
    const code = await readFile(join(bundleDir, 'bench.mjs'), 'utf8');
    // Everything is inside but Node's own modules and Dawn, which loads from the bundle folder.
    const imports = [...code.matchAll(/\bfrom\s*["']([^"'./][^"']*)["']/g)].map((m) => m[1]!);
    expect(imports.filter((s) => !s.startsWith('node:'))).toEqual(['webgpu']);
    // TF.js's Node platform (node-fetch) asks for the optional 'encoding' inside a try.
    const required = [...code.matchAll(/\brequire\(\s*["']([^"']+)["']/g)].map((m) => m[1]!);
    expect(required.filter((s) => !builtinModules.includes(s.replace(/^node:/, '')) && s !== 'encoding')).toEqual([]);
  });

  it('runs from an empty folder on SwiftShader: every kernel runs and matches the CPU reference', async () => {
    const out = join(tmp, 'run', 'out');
    const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmp };
    // run.sh picks the Vulkan driver itself; Node must not find anything of this checkout.
    for (const key of ['VK_ICD_FILENAMES', 'VK_DRIVER_FILES', 'NODE_OPTIONS', 'NODE_PATH']) delete env[key];
    const start = performance.now();
    const layer = SMOKE[0]!.id;
    const { stdout } = await run(
      'bash',
      [join(bundleDir, 'run.sh'), out, '120', '--layers', layer, '--rounds', '3', '--target-ms', '20', '--roof', '64'],
      { cwd: join(tmp, 'run'), env, timeout: 300_000, maxBuffer: 2 ** 24 },
    ).catch((e: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(`run.sh failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
    });
    console.log(`run.sh took ${((performance.now() - start) / 1000).toFixed(1)} s`);
    expect(stdout).toMatch(/SwiftShader/);

    const r = JSON.parse(await readFile(join(out, 'bench.json'), 'utf8'));
    expect(r.partial).toBe(false);
    expect(r.ok).toBe(true);
    // The Node that ran is the unpacked one, not this machine's.
    expect(r.host.execPath.startsWith(tmp)).toBe(true);
    expect(r.adapter.info.architecture).toBe('swiftshader');
    expect(r.adapter.limits.maxStorageBufferBindingSize).toBeGreaterThan(0);
    expect(r.adapterClass).toBe('software');
    expect(r.bundle.kind).toBe('webgpu-deconv-bench-bundle');
    expect(r.roof.status).toBe('ok');
    expect(r.layers.map((l: { id: string }) => l.id)).toEqual([layer]);

    const [l] = r.layers;
    const variant = (id: string) => l.variants.find((v: { id: string }) => v.id === id);
    const ids = ['tfjs', 'auto', ...KERNEL_NAMES.flatMap((k) => [`${k}/software`, `${k}/hardware`])];
    expect(l.variants.map((v: { id: string }) => v.id).sort()).toEqual([...ids].sort());
    for (const id of ids) {
      const v = variant(id);
      expect(v.status, `${id}: ${v.message ?? ''}`).toBe('ok');
      expect(v.errRatio, id).toBeLessThanOrEqual(1);
      expect(v.medianMs, id).toBeGreaterThan(0);
    }
    expect(variant('auto').ranKernel).toBe(l.plans.auto.kernel);
    expect(KERNEL_NAMES).toContain(l.plans.hardware.kernel);
    expect(variant('subpixel/software').subpixel.variant).toBe('register');
    expect(variant('subpixel/hardware').subpixel.variant).toBe('tiled');

    const md = await readFile(join(out, 'bench.md'), 'utf8');
    expect(md).toContain('swiftshader');
    expect(md).toContain(`## 2d/${layer}`);
    expect((await stat(join(out, 'run.log'))).size).toBeGreaterThan(0);
  }, 300_000);
});
