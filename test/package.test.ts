// The package as an application gets it. From a clean copy of this repository (the files git
// tracks, and new ones it does not ignore): `npm pack`, then installs of the tarball and of
// the git checkout (`npm install git+file://…`, whose `prepare` script builds dist/) into
// empty projects outside the repository. In those projects: the README's Node example, typed
// consumers compiled by `tsc` with `strict` and `skipLibCheck: false`, and the bundle size
// targets of `npm run size`.
//
// Offline: npm installs with --offline from the machine's npm cache, which `npm ci` of this
// repository fills. The `webgpu` package (Dawn, ~130 MB, the application's own dependency)
// and @types/node are linked from this repository's node_modules instead of installed again.
// Each step prints its time; the git install is the slow one (it installs the build tools).
import { execFile, execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measure, report } from '../scripts/size.mjs';

const root = resolve(import.meta.dirname, '..');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const MINUTE = 60_000;

let work = '';
let source = '';
let tarball = '';
/** The install from git (the slow step), started early so that it overlaps the others. */
let fromGit: Promise<string> | null = null;

/** The environment for child commands, without the npm_* settings of the npm that started the tests (this repository's `ignore-scripts` would stop `prepare`). */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  return { ...env, npm_config_update_notifier: 'false' };
}

/** Runs a command and resolves to its output; rejects with the output when it fails. */
function sh(
  cwd: string,
  command: string,
  args: string[],
  timeoutMs = 10 * MINUTE,
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    execFile(
      command,
      args,
      { cwd, env: childEnv(), timeout: timeoutMs, maxBuffer: 64 << 20 },
      (error, stdout, stderr) => {
        if (error)
          fail(new Error(`${command} ${args.join(' ')} (in ${cwd}) failed: ${error.message}\n${stdout}\n${stderr}`));
        else done({ stdout, stderr });
      },
    );
  });
}

/** Runs `fn`, printing how long it took. */
async function timed<T>(step: string, fn: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await fn();
  } finally {
    console.log(`package test: ${step}: ${((performance.now() - start) / 1000).toFixed(1)} s`);
  }
}

/**
 * `npm install` offline; when the cache lacks something (`npm ci` caches tarballs, not the
 * registry metadata a range needs), once more allowing the registry, with a hint if that fails too.
 */
async function npmInstall(cwd: string, spec: string): Promise<void> {
  try {
    await sh(cwd, 'npm', ['install', '--offline', '--no-audit', '--no-fund', spec]);
  } catch (e) {
    if (!String(e).includes('ENOTCACHED')) throw e;
    try {
      await sh(cwd, 'npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', spec]);
    } catch (e2) {
      throw new Error(`${String(e2)} (the npm cache lacks a package and the registry is unreachable)`, { cause: e2 });
    }
  }
}

/** An empty ES-module project outside the repository. */
function emptyProject(name: string): string {
  const dir = join(work, name);
  mkdirSync(join(dir, 'node_modules', '@types'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }, null, 2));
  return dir;
}

/** Links a package of this repository's node_modules into a project (after `npm install`, which would prune it). */
function linkFromRepo(project: string, pkg: string): void {
  symlinkSync(join(root, 'node_modules', pkg), join(project, 'node_modules', pkg), 'dir');
}

/** The README's first ```js example after `<!-- readme-example -->` (the Node one; test/readme.test.ts runs them all). */
function readmeNodeExample(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const block = /<!-- readme-example -->\s*```js\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!block) throw new Error('README.md has no ```js block after <!-- readme-example -->');
  return block;
}

/** Runs the README's Node example in a project and checks that it ran on WebGPU. */
async function runReadmeExample(project: string): Promise<void> {
  writeFileSync(join(project, 'example.mjs'), readmeNodeExample());
  const { stdout, stderr } = await sh(project, process.execPath, ['example.mjs'], 2 * MINUTE);
  expect(stdout).toMatch(/^shape \[ 1, 3, 8, 8 \]/m);
  expect(stderr, 'the example runs on WebGPU, not on the CPU fallback').not.toMatch(/running on the CPU reference/);
}

/** The package's entry points: what vite.config.ts builds (src/index.ts, src/core.ts, and src/tfjs.ts when it exists). */
function entryNames(): string[] {
  return ['index', 'core', ...(existsSync(join(root, 'src', 'tfjs.ts')) ? ['tfjs'] : [])];
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'webgpu-deconv-package-'));
  source = join(work, 'webgpu-deconv');
  await timed('clean copy of the repository (git ls-files) committed to a new git repository', async () => {
    const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root })
      .toString()
      .split('\0')
      .filter((f) => f && existsSync(join(root, f)));
    for (const f of files) {
      mkdirSync(dirname(join(source, f)), { recursive: true });
      copyFileSync(join(root, f), join(source, f));
    }
    const git = ['-c', 'user.name=test', '-c', 'user.email=test@localhost', '-c', 'commit.gpgsign=false'];
    await sh(source, 'git', ['init', '-q']);
    await sh(source, 'git', ['add', '-A']);
    await sh(source, 'git', [...git, 'commit', '-q', '-m', 'snapshot']);
  });
  fromGit = (async () => {
    const project = emptyProject('from-git');
    await timed('npm install git+file://<clean checkout> (offline; installs the build tools, runs prepare)', () =>
      npmInstall(project, `git+${pathToFileURL(source).href}`),
    );
    linkFromRepo(project, 'webgpu');
    return project;
  })();
  // Awaited by the tests that need it; this keeps a failure from going unhandled meanwhile.
  fromGit.catch(() => undefined);
  await timed('npm pack (its `prepare` script builds dist/)', async () => {
    // This repository's .npmrc turns scripts off (dependencies' install scripts), so packing a
    // checkout asks for them explicitly, as the README's Install section says. Build tools: linked.
    symlinkSync(join(root, 'node_modules'), join(source, 'node_modules'), 'dir');
    try {
      const { stdout } = await sh(source, 'npm', ['pack', '--ignore-scripts=false', '--pack-destination', work]);
      tarball = join(work, stdout.trim().split('\n').pop()!);
    } finally {
      rmSync(join(source, 'node_modules'));
      rmSync(join(source, 'dist'), { recursive: true, force: true });
    }
  });
}, 10 * MINUTE);

afterAll(async () => {
  await fromGit?.catch(() => undefined);
  if (work) rmSync(work, { recursive: true, force: true });
}, 10 * MINUTE);

describe('npm pack of a clean checkout', () => {
  let unpacked = '';
  let files: string[] = [];
  let manifest: Record<string, unknown> = {};

  beforeAll(async () => {
    unpacked = join(work, 'unpacked');
    mkdirSync(unpacked);
    await sh(unpacked, 'tar', ['-xzf', tarball]);
    const list = (dir: string): string[] =>
      readdirSync(join(unpacked, 'package', dir), { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? list(join(dir, e.name)) : [join(dir, e.name)],
      );
    files = list('');
    manifest = JSON.parse(readFileSync(join(unpacked, 'package', 'package.json'), 'utf8'));
  });

  it('ships dist/ (code and declarations), LICENSE and README, and nothing else', () => {
    for (const f of ['LICENSE', 'README.md', 'package.json', 'dist/index.d.ts']) expect(files).toContain(f);
    for (const name of entryNames()) expect(files).toContain(`dist/${name}.js`);
    const others = files.filter((f) => !f.startsWith('dist/') && !['LICENSE', 'README.md', 'package.json'].includes(f));
    expect(others).toEqual([]);
    // No source maps, no shader sources, no TypeScript sources.
    expect(files.filter((f) => /\.map$|\.wgsl$|(?<!\.d)\.ts$/.test(f))).toEqual([]);
  });

  it('exports every entry point, each with its declarations, and every target is in the package', () => {
    const exportsField = manifest.exports as Record<string, string | Record<string, string>>;
    for (const name of entryNames()) {
      const key = name === 'index' ? '.' : `./${name}`;
      expect(exportsField[key], `exports["${key}"]`).toEqual({
        types: `./dist/${name}.d.ts`,
        default: `./dist/${name}.js`,
      });
    }
    for (const target of Object.values(exportsField).flatMap((t) => (typeof t === 'string' ? [t] : Object.values(t))))
      expect(files).toContain(target.replace(/^\.\//, ''));
    expect(manifest.sideEffects).toBe(false);
    expect(manifest.type).toBe('module');
  });

  it('loads nothing outside the package from the main entry (TF.js stays an optional peer of ./tfjs)', () => {
    const bare = new Set<string>();
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const code = readFileSync(join(unpacked, 'package', file), 'utf8');
      for (const m of code.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)["']([^"']+)["']/g)) {
        if (m[1]!.startsWith('.')) visit(join(dirname(file), m[1]!));
        else bare.add(m[1]!);
      }
    };
    visit('dist/index.js');
    expect([...bare]).toEqual([]);
    if (entryNames().includes('tfjs')) {
      const meta = manifest.peerDependenciesMeta as Record<string, { optional?: boolean }> | undefined;
      expect(meta?.['@tensorflow/tfjs-core']?.optional).toBe(true);
    }
  });

  it('lists as dependencies only what the shipped files use', () => {
    const deps = Object.keys((manifest.dependencies as Record<string, string> | undefined) ?? {});
    const text = files
      .filter((f) => /\.(js|d\.ts)$/.test(f))
      .map((f) => readFileSync(join(unpacked, 'package', f), 'utf8'))
      .join('\n');
    for (const dep of deps) expect(text.includes(`'${dep}`) || text.includes(`"${dep}`), dep).toBe(true);
    expect(deps).not.toContain('wgsl_reflect');
  });
});

describe('installed from the tarball', () => {
  let project = '';

  beforeAll(async () => {
    project = emptyProject('from-tarball');
    await timed('npm install <tarball> (offline)', () => npmInstall(project, tarball));
    linkFromRepo(project, 'webgpu');
    linkFromRepo(project, '@types/node');
  }, 5 * MINUTE);

  it(
    'runs the README Node example on WebGPU',
    () => timed('README example (tarball)', () => runReadmeExample(project)),
    2 * MINUTE,
  );

  it('ships declarations that reference @webgpu/types and WGSL without comments', () => {
    const dist = join(project, 'node_modules', 'webgpu-deconv', 'dist');
    expect(readFileSync(join(dist, 'index.d.ts'), 'utf8')).toMatch(/^\/\/\/ <reference types="@webgpu\/types"/m);
    // Every `//` comment of the shared WGSL modules is left out of the code.
    const code = readdirSync(dist, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.js'))
      .map((f) => readFileSync(join(dist, f), 'utf8'))
      .join('\n');
    const lib = join(root, 'shaders', 'lib');
    const comments = readdirSync(lib).flatMap((f) =>
      [...readFileSync(join(lib, f), 'utf8').matchAll(/\/\/(.{12,})$/gm)].map((m) => m[1]!.trim()),
    );
    expect(comments.length).toBeGreaterThan(0);
    expect(comments.filter((c) => code.includes(c))).toEqual([]);
    expect(code).toContain('fn first_tap(');
  });

  it('stays within the bundle size targets, or the CI ceiling where a target is not met yet (npm run size)', async () => {
    const results = await timed('bundle sizes', () => measure(project));
    console.log(report(results));
    for (const r of results) expect(r.gzip, `${r.name}: gzip bytes`).toBeLessThanOrEqual(r.limit);
  });

  it(
    'type-checks consumers with strict and skipLibCheck: false, in a browser-style and a Node-style project',
    async () => {
      writeConsumers(project);
      await timed('tsc of the two consumers', () =>
        Promise.all(
          ['browser', 'node'].map((p) => sh(join(project, p), process.execPath, [tsc, '-p', '.'], 4 * MINUTE)),
        ),
      );
    },
    5 * MINUTE,
  );
});

describe('installed from git (git+file://)', () => {
  let project = '';

  beforeAll(async () => {
    project = await fromGit!;
  }, 10 * MINUTE);

  it('has dist/ built by the prepare script', () => {
    const pkg = join(project, 'node_modules', 'webgpu-deconv');
    for (const name of entryNames()) expect(existsSync(join(pkg, 'dist', `${name}.js`)), `dist/${name}.js`).toBe(true);
    expect(existsSync(join(pkg, 'dist', 'index.d.ts'))).toBe(true);
    expect(existsSync(join(pkg, 'src'))).toBe(false);
  });

  it(
    'runs the README Node example on WebGPU',
    () => timed('README example (git)', () => runReadmeExample(project)),
    2 * MINUTE,
  );
});

/**
 * Two typed consumers of the installed package, as applications write them: option objects
 * declared on their own line (plain arrays) and `as const`, adapters' parameters, the GPU types
 * in signatures, and wrong options that must not compile.
 */
function writeConsumers(project: string): void {
  const common = `import { createEngine, DeconvError, fromTensorFlow, fromTorch, scatterKernel } from 'webgpu-deconv';
import type { ConvTranspose2dOptions, EngineOptions, GPUTensor, LimitName } from 'webgpu-deconv';
import { createEngine as createCoreEngine, subpixelKernel } from 'webgpu-deconv/core';

const geometry = { strides: [2, 2], padding: [1, 1, 1, 1], outputPadding: [1, 1] };
const fused = { strides: [2, 2], padding: [1, 1, 1, 1], activation: 'relu' } as const;
const torchParams = { stride: 2, padding: [1, 1], kernelSize: [3, 3] };
const torchConst = { stride: [2, 2], padding: 1 } as const;
const tfPadding = [[0, 0], [1, 1], [1, 1], [0, 0]];
const limits = { maxStorageBufferBindingSize: 1 << 26 } as const;
const limit: LimitName = 'maxBufferSize';

export async function run(gpu: GPU): Promise<GPUBuffer | null> {
  const options: EngineOptions = { gpu, fallback: 'none', limits };
  const engine = await createEngine(options);
  const device: GPUDevice | null = engine.device;
  const input = new Float32Array(32);
  const weight = new Float32Array(54);
  const a = await engine.convTranspose2d(input, [1, 2, 4, 4], weight, [2, 3, 3, 3], geometry);
  const b = await engine.convTranspose2d(input, [1, 2, 4, 4] as const, weight, [2, 3, 3, 3] as const, fused);
  const torch: ConvTranspose2dOptions = fromTorch(torchParams, [1, 2, 4, 4], [2, 3, 3, 3]);
  fromTorch(torchConst, [1, 2, 4, 4], [2, 3, 3, 3]);
  fromTensorFlow({ outputShape: [1, 8, 8, 3], strides: 2, padding: tfPadding }, [1, 4, 4, 2], [3, 3, 3, 2]);
  const layer = engine.createConvTranspose2d(weight, [2, 3, 3, 3], torch);
  const x: GPUTensor = engine.upload(input, [1, 2, 4, 4]);
  const y = layer.run(x);
  const data: Float32Array = await y.read();
  console.log(a.data.length + b.shape.length + data.length, device?.limits[limit]);
  const kernels = [subpixelKernel, scatterKernel] as const;
  const slim = await createCoreEngine({ gpu, kernels });
  const one = await createEngine({ gpu, kernels: [scatterKernel] });
  console.log(slim.kernels.length + one.kernels.length);
  try {
    // @ts-expect-error: createEngine of webgpu-deconv/core needs the kernels
    await createCoreEngine({ gpu });
    // @ts-expect-error: not the name of a GPUSupportedLimits member
    await createEngine({ gpu, limits: { maxStorageBuffersize: 1 } });
    // @ts-expect-error: not an option of createEngine
    await createEngine({ gpus: gpu });
  } catch (e) {
    if (e instanceof DeconvError && e.code === 'INVALID_ARGUMENT') console.log(e.param);
  }
  return y.buffer;
}
`;
  const strict = { target: 'ES2022', strict: true, skipLibCheck: false, noEmit: true };
  const projects: Record<string, { compilerOptions: object; main: string }> = {
    // A bundled web app: DOM types only; WebGPU's types come from the package's declarations.
    browser: {
      compilerOptions: {
        ...strict,
        module: 'ESNext',
        moduleResolution: 'Bundler',
        lib: ['ES2022', 'DOM', 'DOM.Iterable'],
      },
      main: `import { run } from './common';\nconst buffer: GPUBuffer | null = await run(navigator.gpu);\nconsole.log(buffer?.size);\n`,
    },
    // Node with the webgpu package. @webgpu/types itself needs the DOM library's declarations.
    node: {
      compilerOptions: {
        ...strict,
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        lib: ['ES2022', 'DOM'],
        types: ['node', '@webgpu/types'],
      },
      main: `import { create } from 'webgpu';\nimport { run } from './common.js';\nconst buffer: GPUBuffer | null = await run(create([]));\nconsole.log(buffer?.size);\n`,
    },
  };
  for (const [name, p] of Object.entries(projects)) {
    const dir = join(project, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: p.compilerOptions, files: ['main.ts'] }, null, 2),
    );
    writeFileSync(join(dir, 'common.ts'), common);
    writeFileSync(join(dir, 'main.ts'), p.main);
  }
}
