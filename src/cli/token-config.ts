/**
 * The configuration the token commands read: `-c FILE` when given, else
 * `config.json` when it exists (as Centrifugo), plus `SWITCHYARD_*`
 * environment variables. Prints every config error and answers null then.
 */
import { existsSync } from 'node:fs';
import { ConfigError } from '../config/errors';
import { loadConfig } from '../config/load';
import type { Config, TokenConfig } from '../config/types';
import { complainAll } from './output';

/** The file the token commands read when no `-c` is given, if it exists. */
export const DEFAULT_TOKEN_CONFIG_FILE = 'config.json';

/** Loads the config for a token command; null (errors printed) when it is invalid. */
export function tokenCommandConfig(file: string | undefined): Config | null {
  const chosen = file ?? (existsSync(DEFAULT_TOKEN_CONFIG_FILE) ? DEFAULT_TOKEN_CONFIG_FILE : undefined);
  try {
    return loadConfig({ ...(chosen !== undefined ? { file: chosen } : {}), env: process.env, argv: [] }).config;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    complainAll(`${chosen ?? 'the configuration'} is not valid`, err.errors);
    return null;
  }
}

/** The token section subscription tokens use: `client.subscription_token` when enabled, else `client.token`. */
export function subscriptionTokenSection(config: Config): { readonly path: string; readonly section: TokenConfig } {
  const sub = config.client.subscription_token;
  return sub.enabled ? { path: 'client.subscription_token', section: sub } : { path: 'client.token', section: config.client.token };
}
