/**
 * Removes `//` comments, blank lines and indentation from WGSL, whose whitespace is
 * insignificant. The library build applies it to every `.wgsl?raw` import (vite.config.ts) and
 * to each piece of the shader generators' template literals (scripts/strip-generators.mjs), so
 * the shipped shaders carry no comments while the sources keep them. `openEnd`: the text goes on
 * past its end on the same line (a template literal's next `${}`), so a comment on its last line
 * is kept, since where that comment ends lies past what this text shows. It has no imports so that
 * the build configuration can load it.
 */
export function stripComments(code: string, openEnd = false): string {
  return code
    .replace(/[ \t]*\/\/[^\n]*(\n|$)/g, (comment, newline: string) => (newline || !openEnd ? newline : comment))
    .replace(/\n[ \t]+/g, '\n')
    .replace(/\n{2,}/g, '\n');
}
