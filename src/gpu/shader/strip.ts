/**
 * Removes `//` comments and blank lines from WGSL. The library build applies it to every
 * `.wgsl?raw` import (vite.config.ts), so the shipped shaders carry no comments while the
 * sources keep them. It has no imports so that the build configuration can load it.
 */
export function stripComments(code: string): string {
  return code
    .split('\n')
    .map((line) => line.replace(/\s*\/\/.*$/, ''))
    .filter((line) => line.trim().length > 0)
    .join('\n');
}
