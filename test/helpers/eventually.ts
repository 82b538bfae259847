/**
 * The one way tests wait for something that happens elsewhere (a worker, the server, visibility):
 * poll a condition until it holds. The limit is only a backstop against a bug (default 3 minutes,
 * times PTT_TEST_TIME_SCALE): a slow machine makes the wait longer, never the result different.
 * Never sleep-then-check.
 */
export interface EventuallyOptions {
  /** Give up after this long (ms, before scaling). Default 180 000. */
  timeoutMs?: number;
  /** Poll every this many ms. Default 100. */
  everyMs?: number;
}

export function timeScale(): number {
  const s = Number(process.env.PTT_TEST_TIME_SCALE ?? 1);
  return Number.isFinite(s) && s > 0 ? s : 1;
}

/**
 * Resolves with the first truthy value `check` returns; a `check` that throws counts as not yet.
 * Throws, naming `what` and the last value or error, when the backstop passes.
 */
export async function eventually<T>(what: string, check: () => T | Promise<T>, options: EventuallyOptions = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + (options.timeoutMs ?? 180_000) * timeScale();
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
      last = value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    }
    await new Promise((r) => setTimeout(r, options.everyMs ?? 100));
  }
}

/** A promise opened by hand: `await gate.promise` blocks until `gate.open()`. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}
