/** Machine-readable category of a {@link DeconvError}. */
export type DeconvErrorCode =
  'INVALID_ARGUMENT' | 'UNSUPPORTED_BY_KERNEL' | 'DEVICE_LIMIT' | 'DEVICE_LOST' | 'NO_WEBGPU';

/**
 * The one error class the library throws for anything a caller can trigger.
 * The message names the parameter, its value and the rule it breaks.
 */
export class DeconvError extends Error {
  /** Machine-readable category. */
  readonly code: DeconvErrorCode;
  /** The parameter at fault, when there is one (for example `options.strides`). */
  readonly param: string | undefined;

  constructor(code: DeconvErrorCode, message: string, param?: string) {
    super(message);
    this.name = 'DeconvError';
    this.code = code;
    this.param = param;
  }
}

/** Formats a value for an error message: arrays as `[a, b]`, strings quoted. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const name = value.constructor.name;
    return `${name}(length ${(value as unknown as ArrayLike<number>).length})`;
  }
  if (Array.isArray(value)) {
    // Long arrays (a data array passed by mistake) are cut so messages stay readable.
    const head = value.slice(0, 8).map(show).join(', ');
    return value.length > 8 ? `[${head}, … (${value.length} items)]` : `[${head}]`;
  }
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Throws `DeconvError('INVALID_ARGUMENT')` for `param` = `value` breaking `rule`. */
export function invalid(param: string, value: unknown, rule: string): never {
  throw new DeconvError('INVALID_ARGUMENT', `${param} = ${show(value)}: ${rule}`, param);
}
