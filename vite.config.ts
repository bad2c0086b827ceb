import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseAst, type Plugin } from 'vite';
import { defineConfig } from 'vitest/config';
import { playwright } from '@vitest/browser-playwright';
import { chromiumArgs, chromiumPath } from './scripts/chromium.mjs';
import { GENERATORS, stripGeneratorComments } from './scripts/strip-generators.mjs';
import { stripComments } from './src/gpu/shader/strip.js';

export { chromiumArgs, chromiumPath };

/**
 * The package's entry points (see `exports` in package.json): the main module, the engine
 * without its default kernels (`webgpu-deconv/core`), and the TF.js kernels as their own
 * module when their source exists, so that the main entry never loads TF.js.
 */
function libEntries(): Record<string, string> {
  const entries: Record<string, string> = {
    index: resolve(import.meta.dirname, 'src/index.ts'),
    core: resolve(import.meta.dirname, 'src/core.ts'),
  };
  const tfjs = resolve(import.meta.dirname, 'src/tfjs.ts');
  if (existsSync(tfjs)) entries.tfjs = tfjs;
  return entries;
}

/**
 * Loads `*.wgsl?raw` imports without their `//` comments, for the shipped library only (tests
 * and the demo read the commented sources).
 */
export function wgslWithoutComments(): Plugin {
  return {
    name: 'wgsl-without-comments',
    enforce: 'pre',
    load(id) {
      const [file, query] = id.split('?');
      if (!file?.endsWith('.wgsl') || query !== 'raw') return null;
      this.addWatchFile(file);
      return `export default ${JSON.stringify(stripComments(readFileSync(file, 'utf8')))};`;
    },
  };
}

/**
 * Removes the WGSL comments of the shader generators' literals (scripts/strip-generators.mjs,
 * with the stripComments the `.wgsl` files get), for the shipped library only, after
 * TypeScript is compiled.
 */
export function generatorsWithoutComments(): Plugin {
  return {
    name: 'generators-without-comments',
    transform(code, id) {
      if (!GENERATORS.test(id.split('?')[0] ?? '')) return null;
      return { code: stripGeneratorComments(code, (c) => parseAst(c), stripComments), map: null };
    },
  };
}

/**
 * Serves folders under URL prefixes in the test server: what an application that uses
 * onnxruntime-web serves itself (its .wasm files and its models), for the README's browser example.
 */
function serveFolders(folders: Record<string, string>): Plugin {
  return {
    name: 'serve-folders',
    configureServer(server) {
      for (const [prefix, dir] of Object.entries(folders)) {
        server.middlewares.use(prefix, (req, res, next) => {
          const file = resolve(dir, `.${(req.url ?? '').split('?')[0]}`);
          if (!file.startsWith(dir) || !existsSync(file)) return next();
          const type = file.endsWith('.wasm') ? 'application/wasm' : file.endsWith('.mjs') ? 'text/javascript' : '';
          if (type) res.setHeader('Content-Type', type);
          res.end(readFileSync(file));
        });
      }
    },
  };
}

export default defineConfig(({ mode }) => {
  if (mode === 'lib') {
    // The library: one ES module per entry (code they share goes to dist/chunks/) with
    // the shaders inlined, so it loads in a browser without a bundler and in Node. Not
    // minified (applications minify) and without source maps (they would be most of the
    // package). TF.js is the caller's: never bundled.
    return {
      plugins: [wgslWithoutComments(), generatorsWithoutComments()],
      build: {
        outDir: 'dist',
        // Declarations are written into dist/ after this step (`npm run build`).
        emptyOutDir: true,
        sourcemap: false,
        target: 'es2022',
        minify: false,
        lib: { entry: libEntries(), formats: ['es'], fileName: (_format, name) => `${name}.js` },
        rolldownOptions: {
          external: [/^@tensorflow\//],
          output: {
            // A shared chunk is named after its first module; the one holding the engine is
            // named for it, not for whichever kernel sorts first.
            chunkFileNames: (chunk) =>
              `chunks/${chunk.moduleIds.some((id) => id.endsWith('/src/gpu/engine.ts')) ? 'engine' : '[name]'}.js`,
          },
        },
      },
    };
  }
  return {
    root: 'demo',
    base: './',
    build: { outDir: resolve(import.meta.dirname, 'dist-demo'), emptyOutDir: true, target: 'es2022' },
    server: { fs: { allow: [resolve(import.meta.dirname)] } },
    // Lets the README's examples import the package by its names in tests.
    resolve: {
      alias: [
        { find: /^webgpu-deconv$/, replacement: resolve(import.meta.dirname, 'src/index.ts') },
        { find: /^webgpu-deconv\/tfjs$/, replacement: resolve(import.meta.dirname, 'src/tfjs.ts') },
        { find: /^webgpu-deconv\/core$/, replacement: resolve(import.meta.dirname, 'src/core.ts') },
      ],
    },
    plugins: [
      serveFolders({
        '/ort/': resolve(import.meta.dirname, 'node_modules/onnxruntime-web/dist'),
        '/models/': resolve(import.meta.dirname, 'test/generated/models'),
      }),
    ],
    test: {
      root: import.meta.dirname,
      // Writes the README's examples and the models its browser example fetches.
      globalSetup: ['test/global-setup.ts'],
      testTimeout: 120_000,
      // The JSON report is what `.ci/run` counts its closing `N passed, M failed` line from.
      reporters: ['default', 'json'],
      outputFile: { json: 'test-results/vitest.json' },
      hookTimeout: 120_000,
      projects: [
        {
          extends: true,
          test: {
            name: 'node',
            root: import.meta.dirname,
            include: ['test/**/*.test.ts'],
            exclude: ['test/browser/**'],
            // `npm run bench:kernels`: kernel variants timed in Node (prints, never asserts).
            benchmark: { include: ['bench/**/*.bench.ts'] },
            environment: 'node',
            setupFiles: ['test/setup-node.ts'],
            pool: 'forks',
          },
        },
        {
          extends: true,
          test: {
            name: 'chromium',
            root: import.meta.dirname,
            include: ['test/browser/**/*.test.ts'],
            browser: {
              enabled: true,
              headless: true,
              provider: playwright({ launchOptions: { executablePath: chromiumPath, args: chromiumArgs } }),
              instances: [{ browser: 'chromium' }],
            },
          },
        },
        {
          extends: true,
          test: {
            name: 'e2e',
            root: import.meta.dirname,
            include: ['e2e/**/*.e2e.ts'],
            environment: 'node',
            fileParallelism: false,
          },
        },
      ],
    },
  };
});
