/** "did you mean" suggestions for misspelt option names. */

export function levenshtein(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

/** The closest candidate within a small edit distance, if any. */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = levenshtein(word, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  const limit = Math.max(2, Math.floor(word.length / 3));
  if (best !== undefined && bestDistance <= limit) return best;
  const lower = word.toLowerCase();
  // an abbreviation: `prio` for `priority`
  if (word.length >= 3) {
    const prefixed = candidates.filter((c) => c.toLowerCase().startsWith(lower));
    if (prefixed.length === 1) return prefixed[0];
  }
  // a longer spelling of an option: `drain_queues` for `drain`
  const within = candidates.filter((c) => c.length >= 4 && lower.startsWith(c.toLowerCase()));
  if (within.length === 1) return within[0];
  // a shared stem: `actionArgs` for `actionArguments`
  const prefixLength = (c: string): number => {
    let i = 0;
    while (i < c.length && i < lower.length && c[i]!.toLowerCase() === lower[i]) i++;
    return i;
  };
  const stems = candidates.filter((c) => prefixLength(c) >= Math.max(4, Math.ceil(word.length * 0.6)));
  if (stems.length === 1) return stems[0];
  // snake_case / kebab-case spelling of a camelCase option (AshOban users: max_attempts, lock_for_update?)
  const camel = word.replace(/\?$/, '').replace(/[_-]([a-z])/g, (_, ch: string) => ch.toUpperCase());
  return candidates.find((c) => c.toLowerCase() === camel.toLowerCase());
}
