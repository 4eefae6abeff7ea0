/**
 * The Origin check for WebSocket upgrades and HTTP transports
 * (`client.allowed_origins`), as Centrifugo does it: a request without an
 * Origin header passes; with one, it must match a pattern (case-insensitive);
 * an empty list rejects every request that has an Origin; `*` in a pattern
 * matches any run of characters and `?` one character (src/common/glob.ts);
 * `["*"]` allows all.
 */
import { globToRegExp } from '../common/glob';

/** Compiles allowed origin patterns into a predicate. */
export function originChecker(patterns: readonly string[]): (origin: string) => boolean {
  if (patterns.includes('*')) return () => true;
  const regexes = patterns.map((p) => globToRegExp(p, true));
  return (origin) => origin === '' || regexes.some((r) => r.test(origin));
}
