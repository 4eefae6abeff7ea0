/**
 * Glob patterns as switchyard's config and API take them: `*` matches any run
 * of characters (including none), `?` exactly one, everything else itself.
 * Used for the `channels` API pattern and `client.allowed_origins`.
 */

const SPECIAL = /[.+^${}()|[\]\\]/g;

/** Compiles a glob into an anchored RegExp; `ignoreCase` makes it case-insensitive. */
export function globToRegExp(glob: string, ignoreCase = false): RegExp {
  const source = glob.replace(SPECIAL, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, ignoreCase ? 'i' : '');
}
