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

/** Where the allowed origins come from: a fixed list, or the list of the config in force (it changes on reload). */
export type OriginSource = readonly string[] | (() => readonly string[]);

/**
 * The predicate of `source`; for a live source it is compiled again only
 * when the list itself changes (a reloaded config has a new, frozen list).
 */
export function liveOriginChecker(source: OriginSource): (origin: string) => boolean {
  if (typeof source !== 'function') return originChecker(source);
  let list: readonly string[] | null = null;
  let check: (origin: string) => boolean = () => false;
  return (origin) => {
    const now = source();
    if (now !== list) {
      list = now;
      check = originChecker(now);
    }
    return check(origin);
  };
}
