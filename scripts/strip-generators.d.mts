/** The modules whose string and template literals hold WGSL text and nothing else. */
export declare const GENERATORS: RegExp;
/** `code` (JavaScript compiled from one generator module) with WGSL comments removed from its literals. */
export declare function stripGeneratorComments(
  code: string,
  parse: (code: string) => unknown,
  strip: (text: string, openEnd: boolean) => string,
): string;
