/**
 * Machine-readable category of a {@link DeconvError}:
 * - `INVALID_ARGUMENT`: a value breaks a rule (the message names it, its value and the rule);
 * - `UNSUPPORTED_BY_KERNEL`: a kernel asked for by name cannot run this geometry;
 * - `DEVICE_LIMIT`: the call needs more than the device (or memory) can hold;
 * - `DEVICE_LOST`: the GPU device was lost;
 * - `DESTROYED`: the engine or layer was destroyed by its owner;
 * - `NO_WEBGPU`: WebGPU is unavailable and the engine was told not to fall back to the CPU.
 */
export type DeconvErrorCode =
  'INVALID_ARGUMENT' | 'UNSUPPORTED_BY_KERNEL' | 'DEVICE_LIMIT' | 'DEVICE_LOST' | 'DESTROYED' | 'NO_WEBGPU';

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

/** Longest rendering of one value in a message; longer ones are cut with an ellipsis. */
const MAX_SHOWN = 120;

function cut(text: string): string {
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN - 1)}…` : text;
}

/** The constructor name of an object, or '' (never throws: a revoked Proxy or a hostile getter yields ''). */
function className(value: object): string {
  try {
    const proto = Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null;
    const name = proto?.constructor?.name;
    return typeof name === 'string' ? name : '';
  } catch {
    return '';
  }
}

function render(value: unknown, depth: number): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
    case 'number':
    case 'boolean':
    case 'undefined':
      return String(value);
    case 'bigint':
      return `${value}n`;
    case 'symbol':
      return value.description === undefined ? 'Symbol()' : `Symbol(${value.description})`;
    case 'function':
      return 'a function';
  }
  if (value === null) return 'null';
  const obj = value as object;
  const name = className(obj);
  if (ArrayBuffer.isView(obj)) {
    return obj instanceof DataView
      ? `DataView(${obj.byteLength} bytes)`
      : `${name || 'TypedArray'}(length ${(obj as unknown as ArrayLike<number>).length})`;
  }
  if (Array.isArray(obj)) {
    if (depth > 1) return `[… ${obj.length} items]`;
    // Long arrays (a data array passed by mistake) are cut so messages stay readable.
    const items: string[] = [];
    for (let i = 0; i < Math.min(obj.length, 8); i++) items.push(i in obj ? render(obj[i], depth + 1) : '<empty>');
    return obj.length > 8 ? `[${items.join(', ')}, … (${obj.length} items)]` : `[${items.join(', ')}]`;
  }
  if (name !== 'Object' && name !== '') return `a ${name}`;
  if (depth > 1) return '{…}';
  const keys = Object.keys(obj);
  const shown = keys.slice(0, 4).map((k) => `${k}: ${render((obj as Record<string, unknown>)[k], depth + 1)}`);
  return `{${shown.join(', ')}${keys.length > 4 ? ', …' : ''}}`;
}

/**
 * Formats a value for an error message, briefly: arrays as `[a, b]` (long ones cut),
 * strings quoted, typed arrays by type and length, class instances by class name. Never
 * throws, whatever the value (BigInt, circular, Proxy, null prototype, throwing getters).
 */
export function show(value: unknown): string {
  try {
    return cut(render(value, 0));
  } catch {
    return 'a value that cannot be shown';
  }
}

/** Throws `DeconvError('INVALID_ARGUMENT')` for `param` = `value` breaking `rule`. */
export function invalid(param: string, value: unknown, rule: string): never {
  throw new DeconvError('INVALID_ARGUMENT', `${param} = ${show(value)}: ${rule}`, param);
}
