/** AshOban/Oban's default backoff: 2^attempt + 15 seconds, with up to ±10% jitter. */
export function exponentialBackoffSeconds(attempt: number, random: () => number = Math.random): number {
  const base = Math.pow(2, Math.min(attempt, 20)) + 15;
  const jitter = base * 0.1 * (random() * 2 - 1);
  return Math.max(0, Math.round((base + jitter) * 1000) / 1000);
}
