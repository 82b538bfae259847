/**
 * Run data (arguments, metadata, extra args) travels as JSON in run inputs and histories. Values
 * JSON would change or drop (Date, Map, BigInt, NaN, undefined, functions, class instances) or
 * cannot encode (circular references) are refused with the path of the value and the fix,
 * instead of changing silently or failing deep inside the SDK; so is data over the size limit.
 */

/** Bytes of run data (arguments, metadata, extra args) one run may carry. */
export const RUN_DATA_LIMIT_BYTES = 64 * 1024;

export interface JsonProblem {
  /** Path below the value checked (`['when']`, `['items', 2]`). */
  path: (string | number)[];
  message: string;
}

function describe(value: unknown): string | undefined {
  if (value === undefined) return 'is undefined, which JSON drops: leave the key out or pass null';
  if (typeof value === 'number' && !Number.isFinite(value)) return `is ${String(value)}, which JSON turns into null: pass a finite number or null`;
  if (typeof value === 'bigint') return `is a BigInt (${value}n), which JSON cannot encode: pass it as a string`;
  if (typeof value === 'function') return 'is a function, which JSON drops';
  if (typeof value === 'symbol') return 'is a symbol, which JSON drops';
  if (value instanceof Date) return 'is a Date, which is not JSON: pass an ISO string (date.toISOString())';
  if (value instanceof Map) return 'is a Map, which JSON turns into {}: pass a plain object (Object.fromEntries(map))';
  if (value instanceof Set) return 'is a Set, which JSON turns into {}: pass an array ([...set])';
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) return `is a ${(value as object).constructor?.name ?? 'class'} instance, which JSON flattens: pass a plain object`;
  }
  return undefined;
}

/** The first value under `value` that is not plain JSON, or undefined when it all is. */
export function jsonProblem(value: unknown): JsonProblem | undefined {
  const seen = new Set<object>();
  const walk = (v: unknown, path: (string | number)[]): JsonProblem | undefined => {
    const why = describe(v);
    if (why) return { path, message: why };
    if (typeof v !== 'object' || v === null) return undefined;
    if (seen.has(v)) return { path, message: 'is a circular reference, which JSON cannot encode' };
    seen.add(v);
    const entries: [string | number, unknown][] = Array.isArray(v) ? v.map((x, i) => [i, x]) : Object.entries(v);
    for (const [k, x] of entries) {
      const found = walk(x, [...path, k]);
      if (found) return found;
    }
    seen.delete(v);
    return undefined;
  };
  return walk(value, []);
}

/** JSON size of a value in bytes (UTF-8). */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '');
}

/** `a.b[2].c` */
export function formatPath(root: string, path: (string | number)[]): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : `${acc}.${p}`), root);
}
