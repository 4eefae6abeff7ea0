/**
 * `switchyard genconfig [FILE|-] [-c FILE] [--force]`: as Centrifugo's, a
 * minimal config to start with, holding fresh random secrets: the HMAC key
 * of connection tokens, the server API key, and no allowed origins. The
 * format follows FILE's extension (.json, .yaml, .yml, .toml; default
 * config.json); `-` prints JSON. `switchyard defaultconfig` writes every key.
 */
import { validateConfig } from '../config/validate';
import { parseCommandArgs } from './args';
import { randomSecret, writeConfigFile } from './config-files';
import { Exit, say, usageError } from './output';

/** Where genconfig writes when no FILE is given. */
export const DEFAULT_GENCONFIG_FILE = 'config.json';

/** A minimal config with fresh secrets (Centrifugo's genconfig, without its `admin` section: switchyard has no admin UI). */
export function minimalConfig(): Record<string, unknown> {
  return {
    client: { token: { hmac_secret_key: randomSecret(64) }, allowed_origins: [] },
    http_api: { key: randomSecret(64) },
  };
}

/** Writes the minimal config to FILE (never over an existing file without --force) or to stdout for `-`. */
export async function genconfig(args: readonly string[]): Promise<number> {
  const parsed = parseCommandArgs(args, { '--force': 'switch', '-c': 'value', '--config': 'value' });
  if (parsed.errors.length > 0) return usageError(parsed.errors.join('\n'));
  const named = parsed.options.get('--config') ?? parsed.options.get('-c');
  const files = named === undefined ? parsed.positionals : [...parsed.positionals, named];
  if (files.length > 1) return usageError('genconfig takes at most one FILE');
  const file = files[0] ?? DEFAULT_GENCONFIG_FILE;
  const config = minimalConfig();
  validateConfig(config);
  const code = writeConfigFile(config, file, parsed.options.has('--force'));
  if (code === Exit.ok && file !== '-') say(`wrote ${file}`);
  return code;
}
