import { inspect } from 'node:util';
import type { SerializedError } from '../src/definitions/types';
import { withoutCodeFrame } from '../src/prisma/db-errors';
import { redactText } from '../src/redact';

/**
 * A thrown value as plain data (it travels through Temporal to the next attempt and to onError).
 * Whatever was thrown (an Error, a string, a circular object, a BigInt, a symbol, null) is
 * reported as itself, never as the formatter's own failure; secrets in it are masked.
 */
export function serializeError(err: unknown): SerializedError {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return {
      name: err.name,
      message: redactText(withoutCodeFrame(String(err.message))),
      ...(typeof code === 'string' ? { code } : {}),
      ...(err.stack ? { stack: redactText(err.stack.split('\n').slice(0, 12).join('\n')) } : {}),
    };
  }
  return { name: 'Error', message: redactText(describeThrown(err)) };
}

/** A thrown non-Error as text: strings as they are, JSON when it can be, else Node's inspection. */
export function describeThrown(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined || typeof value === 'symbol' || typeof value === 'bigint' || typeof value === 'function') return inspect(value);
  try {
    const json = JSON.stringify(value);
    if (json !== undefined) return json;
  } catch {
    /* circular, or holds a BigInt */
  }
  return inspect(value, { depth: 4, breakLength: Infinity });
}
