// Argument checks with one message shape, run before any native call (in the spirit of sharp's lib/is).
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `[${v.map(describe).join(', ')}] (array)`;
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  return `${String(v)} of type ${typeof v}`;
}

export function invalid(what: string, expected: string, got: unknown): TypeError {
  return new TypeError(`Expected ${expected} for ${what} but received ${describe(got)}`);
}

export function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

export function intArg(v: unknown, what: string, min = -Infinity, max = Infinity): number {
  if (!isInt(v) || v < min || v > max) {
    const range = min > -Infinity && max < Infinity ? ` between ${min} and ${max}` : min > -Infinity ? ` >= ${min}` : '';
    throw invalid(what, `integer${range}`, v);
  }
  return v;
}

export function numberArg(v: unknown, what: string): number {
  if (typeof v !== 'number' || Number.isNaN(v)) throw invalid(what, 'number', v);
  return v;
}

/** An int or an int tuple of length n (e.g. kernel size 3 -> [3, 3]). */
export function intTuple(v: unknown, n: number, what: string, min = 0): number[] {
  const arr = typeof v === 'number' ? new Array<number>(n).fill(v) : v;
  if (!Array.isArray(arr) || arr.length !== n || !arr.every((x) => isInt(x) && x >= min)) {
    throw invalid(what, `integer >= ${min} or array of ${n} such integers`, v);
  }
  return arr as number[];
}

export function shapeArg(v: unknown, what = 'shape'): number[] {
  if (!Array.isArray(v) || !v.every((d) => isInt(d) && d >= 0)) throw invalid(what, 'array of non-negative integers', v);
  return v as number[];
}

export function oneOf<T extends string>(v: unknown, options: readonly T[], what: string): T {
  if (typeof v !== 'string' || !options.includes(v as T)) throw invalid(what, `one of ${options.join(', ')}`, v);
  return v as T;
}
