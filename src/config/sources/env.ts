/**
 * Environment variables: `SWITCHYARD_` + the key path upper-cased with `.` as
 * `_` (SWITCHYARD_HTTP_SERVER_PORT). Lists of strings are space-separated;
 * objects and `channel.namespaces` are JSON.
 */
import { CONFIG_KEYS, ENV_PREFIX, keyByEnv } from '../keys';
import type { Override } from './overrides';
import { didYouMean, nearest } from '../suggest';

/** What the environment sets, and warnings for `SWITCHYARD_*` variables that match no key. */
export interface EnvReading {
  /** In schema order, so an object comes before the fields inside it. */
  readonly overrides: readonly Override[];
  readonly warnings: readonly string[];
}

/** Reads every `SWITCHYARD_*` variable of `env`. */
export function readEnv(env: NodeJS.ProcessEnv): EnvReading {
  const overrides: Override[] = [];
  const warnings: string[] = [];
  for (const [name, text] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || text === undefined) continue;
    const key = keyByEnv(name);
    if (key === undefined) {
      const suggestion = nearest(name, CONFIG_KEYS.map((k) => k.env));
      warnings.push(`unknown environment variable ${name} ignored${didYouMean(suggestion)}`);
      continue;
    }
    overrides.push({ source: `env ${name}`, key, text });
  }
  overrides.sort((a, b) => CONFIG_KEYS.indexOf(a.key) - CONFIG_KEYS.indexOf(b.key));
  return { overrides, warnings };
}
