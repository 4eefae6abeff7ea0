/**
 * Environment variables, as Centrifugo reads them: `SWITCHYARD_` or
 * `CENTRIFUGO_` + the key path upper-cased with `.` as `_`
 * (SWITCHYARD_HTTP_SERVER_PORT, CENTRIFUGO_HTTP_SERVER_PORT; the
 * SWITCHYARD_ one wins when both are set). Lists of strings are
 * space-separated; objects and lists of objects are JSON. Fields of named
 * list items have variables of their own (env-items.ts).
 */
import type { ConfigWarning } from '../centrifugo/classify';
import { CENTRIFUGO_ENV_PREFIX, centrifugoEnvNames, centrifugoKeyByEnv, isSecurityRelevant } from '../centrifugo/known-keys';
import { CONFIG_KEYS, ENV_PREFIX, keyByEnv } from '../keys';
import type { Override } from './overrides';
import { didYouMean, nearest } from '../suggest';

/** The prefixes read, lowest precedence first. */
export const ENV_PREFIXES: readonly string[] = [CENTRIFUGO_ENV_PREFIX, ENV_PREFIX];

/** What the environment sets. */
export interface EnvReading {
  /** In schema order (an object before the fields inside it), CENTRIFUGO_ before SWITCHYARD_ for one key. */
  readonly overrides: readonly Override[];
  /** Variables with a known prefix that name no key: named list items' fields, or nothing (see envWarnings). */
  readonly rest: ReadonlyMap<string, string>;
}

/** Variables Kubernetes adds for a service of that name (`…_PORT`, `…_SERVICE_HOST`); never warned about, as Centrifugo does. */
const KUBERNETES = /^(?:CENTRIFUGO|SWITCHYARD)(?:_[A-Z0-9_]+)?_(?:PORT|SERVICE_)/;

/** Reads every `SWITCHYARD_*` and `CENTRIFUGO_*` variable of `env`. */
export function readEnv(env: NodeJS.ProcessEnv): EnvReading {
  const overrides: { override: Override; rank: number }[] = [];
  const rest = new Map<string, string>();
  for (const [name, text] of Object.entries(env)) {
    if (text === undefined) continue;
    const rank = ENV_PREFIXES.findIndex((p) => name.startsWith(p));
    if (rank < 0) continue;
    const key = keyByEnv(ENV_PREFIX + name.slice((ENV_PREFIXES[rank] as string).length));
    if (key === undefined) rest.set(name, text);
    else overrides.push({ override: { source: `env ${name}`, key, text }, rank });
  }
  overrides.sort((a, b) => CONFIG_KEYS.indexOf(a.override.key) - CONFIG_KEYS.indexOf(b.override.key) || a.rank - b.rank);
  return { overrides: overrides.map((o) => o.override), rest };
}

/**
 * Warnings for the variables no key took: a Centrifugo setting switchyard
 * does not implement is ignored (by name), anything else is unknown, with the
 * nearest variable of the same prefix. `CENTRIFUGO_VAR_*`/`SWITCHYARD_VAR_*`
 * (referenced from map values, env-refs.ts) and Kubernetes service variables
 * are skipped.
 */
export function envWarnings(rest: ReadonlyMap<string, string>): ConfigWarning[] {
  const warnings: ConfigWarning[] = [];
  for (const [name, text] of rest) {
    if (KUBERNETES.test(name) || /^(CENTRIFUGO|SWITCHYARD)_VAR_/.test(name)) continue;
    const centrifugo = centrifugoKeyByEnv(CENTRIFUGO_ENV_PREFIX + name.slice(name.indexOf('_') + 1));
    if (centrifugo !== undefined) {
      const security = isSecurityRelevant(centrifugo.path) && text.trim() !== '' && text.trim() !== String(centrifugo.defaultValue);
      const message = security
        ? `SECURITY: environment variable ${name} sets ${centrifugo.path}, a Centrifugo setting switchyard does not implement; it is IGNORED and this server does not provide what it asks for`
        : `environment variable ${name} sets ${centrifugo.path}, a Centrifugo setting switchyard does not implement; ignored`;
      warnings.push({ kind: 'ignored', path: centrifugo.path, message, security, atDefault: false });
      continue;
    }
    const prefix = ENV_PREFIXES.find((p) => name.startsWith(p)) as string;
    const ours = CONFIG_KEYS.map((k) => prefix + k.env.slice(ENV_PREFIX.length));
    const suggestion = nearest(name, ours) ?? (prefix === CENTRIFUGO_ENV_PREFIX ? nearest(name, centrifugoEnvNames()) : undefined);
    const message = `unknown environment variable ${name} ignored${didYouMean(suggestion)}`;
    warnings.push({ kind: 'unknown', path: name, message, security: false, atDefault: false });
  }
  return warnings;
}
