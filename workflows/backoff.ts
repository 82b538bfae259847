/**
 * Infrastructure errors (the database unreachable or restarting) are retried without using an
 * attempt, waiting 1 s, 2 s, 4 s ... up to a minute, at most this many times per run (about three
 * hours); past that they count as ordinary errors.
 */
export const MAX_INFRASTRUCTURE_RETRIES = 200;

export function infrastructureRetryMs(retry: number): number {
  return Math.min(60_000, 1000 * 2 ** Math.max(0, retry - 1));
}

/** AshOban/Oban's default backoff: 2^attempt + 15 seconds, with up to ±10% jitter. */
export function exponentialBackoffSeconds(attempt: number, random: () => number = Math.random): number {
  const base = Math.pow(2, Math.min(attempt, 20)) + 15;
  const jitter = base * 0.1 * (random() * 2 - 1);
  return Math.max(0, Math.round((base + jitter) * 1000) / 1000);
}
