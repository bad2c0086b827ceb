// `npm run shaders:dump [folder]`: writes the final WGSL of every variant the planner can
// choose (every kernel, spatial rank and storage) to a folder (default shaders/dump/), one
// file per variant, named after its variant key, so a reviewer reads the real code.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createServer } from 'vite';

const root = resolve(import.meta.dirname, '..');
const out = resolve(process.argv[2] ?? join(root, 'shaders/dump'));
const server = await createServer({
  root,
  configFile: false,
  logLevel: 'error',
  appType: 'custom',
  server: { middlewareMode: true, hmr: false, ws: false },
});
try {
  const { everyShader } = await server.ssrLoadModule('/src/gpu/kernels/registry.ts');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const shaders = everyShader();
  for (const s of shaders) {
    const name = s.key.replace(/[|:]/g, '_').replace(/,/g, '_').replace(/=/g, '-');
    writeFileSync(join(out, `${name}.wgsl`), s.code);
  }
  console.log(`${shaders.length} shaders written to ${out}`);
} finally {
  await server.close();
}
