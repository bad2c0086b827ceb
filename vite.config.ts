import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';
import { playwright } from '@vitest/browser-playwright';
import { chromiumArgs, chromiumPath } from './scripts/chromium.mjs';

export { chromiumArgs, chromiumPath };

export default defineConfig(({ mode }) => {
  if (mode === 'lib') {
    // The library: one ES module with the shaders and wgsl_reflect inlined, so it
    // loads in a browser without a bundler and in Node.
    return {
      build: {
        outDir: 'dist',
        emptyOutDir: false,
        sourcemap: true,
        target: 'es2022',
        minify: false,
        lib: { entry: resolve(import.meta.dirname, 'src/index.ts'), formats: ['es'], fileName: () => 'index.js' },
      },
    };
  }
  return {
    root: 'demo',
    base: './',
    build: { outDir: resolve(import.meta.dirname, 'dist-demo'), emptyOutDir: true, target: 'es2022' },
    server: { fs: { allow: [resolve(import.meta.dirname)] } },
    // Lets the README's example import the package by its name in tests.
    resolve: { alias: { 'webgpu-deconv': resolve(import.meta.dirname, 'src/index.ts') } },
    test: {
      root: import.meta.dirname,
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
