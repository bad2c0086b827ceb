// Removes the WGSL comments that the shader generators carry in their string and template
// literals, for the shipped library only: `npm run build` applies it to the compiled
// generators (vite.config.ts) and `npm run size -- --why` to the sources it bundles, so the
// sources and `npm run shaders:dump` keep every comment. Each piece of text is stripped by
// the function that strips `.wgsl` files (src/gpu/shader/strip.ts), which the caller passes in.

/** The modules whose string and template literals hold WGSL text and nothing else. */
export const GENERATORS = /[\\/]src[\\/]gpu[\\/](kernels[\\/][^\\/]+[\\/]wgsl|execute|repack|f16-probe)\.ts$/;

/**
 * `code` (JavaScript compiled from one generator module) with WGSL comments removed from
 * its literals: a string literal that is a comment line becomes `''`, and template literals
 * lose their comments, blank lines and indentation (WGSL whitespace is insignificant), each
 * quasi (the raw text between placeholders) through `strip(text, openEnd)`: stripComments of
 * src/gpu/shader/strip.ts, open-ended for every quasi but the last. `parse` gives an ESTree
 * program whose nodes carry `start`/`end` offsets into `code`.
 */
export function stripGeneratorComments(code, parse, strip) {
  const edits = [];
  const visit = (node) => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    if (node.type === 'Literal' && typeof node.value === 'string' && /^\s*\/\//.test(node.value)) {
      edits.push([node.start, node.end, "''"]);
      return;
    }
    if (node.type === 'TemplateLiteral') {
      node.quasis.forEach((q, i) => {
        const raw = code.slice(q.start, q.end);
        // The offsets must frame the raw text exactly; anything else is a parser this code does not know.
        if (raw !== q.value.raw)
          throw new Error(`strip-generators: template text at ${q.start} is not where the parser says`);
        const text = strip(raw, i < node.quasis.length - 1);
        if (text !== raw) edits.push([q.start, q.end, text]);
      });
    }
    for (const [key, value] of Object.entries(node)) if (key !== 'type' && typeof value === 'object') visit(value);
  };
  visit(parse(code));
  let out = code;
  for (const [start, end, text] of edits.sort((a, b) => b[0] - a[0])) out = out.slice(0, start) + text + out.slice(end);
  return out;
}
