/** A consumer entry that `npm run size` bundles, with its target in gzip bytes. */
export interface SizeEntry {
  name: string;
  target: number;
  /** The ceiling CI enforces while the target is not met (absent: the target). */
  limit?: number;
  code: string;
}

/** The sizes of one bundle, in bytes. */
export interface SizeResult {
  name: string;
  minified: number;
  gzip: number;
  target: number;
  /** The ceiling CI enforces: the entry's limit, or its target. */
  limit: number;
  /** Bytes each source module adds (only when measured from the TypeScript sources). */
  modules?: { path: string; bytes: number }[];
}

/** The consumer entries measured. */
export declare const ENTRIES: SizeEntry[];
/** Bundles every entry where `webgpu-deconv` resolves from `from` (default: this repository), or from the sources with 'src'. */
export declare function measure(from?: string): Promise<SizeResult[]>;
/** The results as a printable table. */
export declare function report(results: SizeResult[]): string;
