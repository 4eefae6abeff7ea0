/**
 * The Origin check for WebSocket upgrades (`client.allowed_origins`), as
 * Centrifugo does it: a request without an Origin header passes; with one, it
 * must match a pattern; an empty list rejects every request that has an
 * Origin; `*` in a pattern matches any run of characters; `["*"]` allows all.
 */

/** Compiles allowed origin patterns into a predicate. */
export function originChecker(patterns: readonly string[]): (origin: string) => boolean {
  if (patterns.includes('*')) return () => true;
  const regexes = patterns.map(
    (p) => new RegExp('^' + p.toLowerCase().replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*') + '$'),
  );
  return (origin) => {
    if (origin === '') return true;
    const o = origin.toLowerCase();
    return regexes.some((r) => r.test(o));
  };
}
