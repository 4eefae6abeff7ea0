/** "Did you mean …?" for misspelt keys, environment variables and flags. */

/** Edit distance (insertions, deletions, substitutions) between two strings. */
export function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/**
 * The candidate nearest to `name`, or undefined when none is close enough
 * (more than a third of the name's length away, and more than 2 edits).
 * `label` maps a candidate to the text compared (default: the candidate).
 */
export function nearest(name: string, candidates: Iterable<string>, label: (c: string) => string = (c) => c): string | undefined {
  // A name that is the start of a key (`allow_publish` for `allow_publish_for_client`) is a truncation,
  // not a typo: the first such key wins over a merely close one.
  const lower = name.toLowerCase();
  const list = [...candidates];
  const prefixed = lower.length >= 4 ? list.find((c) => label(c).toLowerCase().startsWith(lower)) : undefined;
  if (prefixed !== undefined) return prefixed;
  const limit = Math.max(2, Math.floor(name.length / 3));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of list) {
    const distance = levenshtein(name.toLowerCase(), label(candidate).toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** ` (did you mean X?)`, or "" without a suggestion. */
export function didYouMean(suggestion: string | undefined): string {
  return suggestion === undefined ? '' : ` (did you mean ${suggestion}?)`;
}
