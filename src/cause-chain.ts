/**
 * The one walker of error cause chains. Every check that looks "inside" a thrown value (control-flow
 * instructions, infrastructure errors, SQLSTATEs, unreachable hosts) goes through it, so they all
 * see the same layers in the same order.
 */

/** How deep a chain is followed (guards cycles and pathological nesting). */
export const MAX_CAUSE_DEPTH = 8;

/**
 * Every object layer of a thrown value, depth first: the value itself, then the elements of a thrown
 * array, the errors an `AggregateError` (or any `{ errors: [...] }`) holds, the driver-adapter error
 * Prisma wraps (`meta.driverAdapterError.cause`), and its `cause`. Non-objects are skipped; a layer
 * seen twice (a cycle) is yielded once.
 */
export function* causeChain(err: unknown, maxDepth = MAX_CAUSE_DEPTH): Generator<Record<string, unknown>> {
  const seen = new Set<object>();
  function* walk(value: unknown, depth: number): Generator<Record<string, unknown>> {
    if (depth > maxDepth || typeof value !== 'object' || value === null || seen.has(value)) return;
    seen.add(value);
    if (Array.isArray(value)) {
      for (const x of value) yield* walk(x, depth + 1);
      return;
    }
    const e = value as Record<string, unknown> & { cause?: unknown; errors?: unknown; meta?: { driverAdapterError?: { cause?: unknown } } };
    yield e;
    if (Array.isArray(e.errors)) for (const x of e.errors) yield* walk(x, depth + 1);
    if (e.meta?.driverAdapterError) yield* walk(e.meta.driverAdapterError.cause, depth + 1);
    if (e.cause !== undefined) yield* walk(e.cause, depth + 1);
  }
  yield* walk(err, 0);
}
