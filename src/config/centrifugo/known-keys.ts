/**
 * Every configuration key Centrifugo v6 knows, as data (generated once from
 * Centrifugo's Go config types by scripts/centrifugo-keys.js, in the
 * `keys-*.ts` modules beside this one). A key in a user's config that this
 * table knows but switchyard's schema does not is *ignored* with a warning;
 * one that neither knows is *unknown*. When switchyard implements a key it
 * enters the schema, and from then on it is simply valid: nothing here needs
 * to change.
 */
import type { CentrifugoKind } from './entry';
import { KEYS_CHANNEL } from './keys-channel';
import { KEYS_CLIENT } from './keys-client';
import { KEYS_CONSUMERS } from './keys-consumers';
import { KEYS_ENGINES } from './keys-engines';
import { KEYS_NAMESPACES } from './keys-namespaces';
import { KEYS_OTHER } from './keys-other';

export type { CentrifugoKind, CentrifugoKeyEntry } from './entry';

/** A Centrifugo key. */
export interface CentrifugoKey {
  /** Path in file form, list items as `[]`: `channel.namespaces[].presence`. */
  readonly path: string;
  readonly kind: CentrifugoKind;
  /** Centrifugo's default in file form (durations as Go prints them, "25s", "1m0s"). */
  readonly defaultValue: unknown;
}

/** Every Centrifugo key in Centrifugo's order. */
export const CENTRIFUGO_KEYS: readonly CentrifugoKey[] = Object.freeze(
  [KEYS_OTHER, KEYS_CLIENT, KEYS_CHANNEL, KEYS_NAMESPACES, KEYS_ENGINES, KEYS_CONSUMERS]
    .flat()
    .map(([path, kind, defaultValue]) => Object.freeze({ path, kind, defaultValue })),
);

const BY_PATH: ReadonlyMap<string, CentrifugoKey> = new Map(CENTRIFUGO_KEYS.map((k) => [k.path, k]));

/** A concrete path (`channel.namespaces[2].presence`) in table form (`channel.namespaces[].presence`). */
export function normalizePath(path: string): string {
  return path.replace(/\[\d+\]/g, '[]');
}

/** The Centrifugo key at a path (list indices allowed), if Centrifugo knows it. */
export function centrifugoKey(path: string): CentrifugoKey | undefined {
  return BY_PATH.get(normalizePath(path));
}

/** Names Centrifugo knows directly under a section or list item (`channel.namespaces[]`), for suggestions. */
export function centrifugoChildren(parent: string): string[] {
  const prefix = parent === '' ? '' : `${normalizePath(parent)}.`;
  const out: string[] = [];
  for (const key of CENTRIFUGO_KEYS) {
    if (!key.path.startsWith(prefix)) continue;
    const rest = key.path.slice(prefix.length);
    if (!/[.[]/.test(rest)) out.push(rest);
  }
  return out;
}

/** Prefix of Centrifugo's environment variables. */
export const CENTRIFUGO_ENV_PREFIX = 'CENTRIFUGO_';

/** Centrifugo keys an environment variable can set: everything outside list items, except sections. */
const BY_ENV: ReadonlyMap<string, CentrifugoKey> = new Map(
  CENTRIFUGO_KEYS.filter((k) => k.kind !== 'section' && !k.path.includes('[]')).map((k) => [
    CENTRIFUGO_ENV_PREFIX + k.path.toUpperCase().replace(/\./g, '_'),
    k,
  ]),
);

/** The Centrifugo key a `CENTRIFUGO_*` variable sets, if any. */
export function centrifugoKeyByEnv(name: string): CentrifugoKey | undefined {
  return BY_ENV.get(name);
}

/** Every environment variable Centrifugo reads (outside list items). */
export function centrifugoEnvNames(): IterableIterator<string> {
  return BY_ENV.keys();
}

/**
 * Keys whose loss weakens the server's protection: limits, TLS, the admin UI,
 * insecure modes and origin checks. When one of them is ignored with a value
 * other than Centrifugo's default, switchyard says so at error level, since
 * the operator believes the server has a protection it does not have.
 */
const SECURITY_PATTERNS: readonly RegExp[] = [/(^|\.|_)tls(\.|_|$)/, /(^|\.)admin\./, /limit/, /insecure/, /origin/, /(^|\.)max_/];

/** Whether ignoring this key (a path in any form) may leave the server less protected than its operator asked. */
export function isSecurityRelevant(path: string): boolean {
  const p = normalizePath(path);
  return SECURITY_PATTERNS.some((re) => re.test(p));
}
