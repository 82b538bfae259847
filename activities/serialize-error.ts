import type { SerializedError } from '../src/definitions/types';

/** A thrown value as plain data (it travels through Temporal to the next attempt and to onError). */
export function serializeError(err: unknown): SerializedError {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return {
      name: err.name,
      message: err.message,
      ...(typeof code === 'string' ? { code } : {}),
      ...(err.stack ? { stack: err.stack.split('\n').slice(0, 12).join('\n') } : {}),
    };
  }
  return { name: 'Error', message: typeof err === 'string' ? err : JSON.stringify(err) ?? String(err) };
}
