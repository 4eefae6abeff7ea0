/*
 * src/config/: the config: one schema (schema/) with types, defaults and docs,
 * the sources it is read from (sources/: file, SWITCHYARD_* env, flags),
 * validation that names every bad key's path, and the frozen result. May
 * import: common, protocol.
 */
/**
 * Loading the configuration from its sources, each overriding the one before:
 * defaults → JSON file → `SWITCHYARD_*` environment variables → command-line
 * flags.
 */
import { readEnv } from './sources/env';
import { ConfigError } from './errors';
import { readConfigFile } from './sources/file';
import { readFlags } from './sources/flags';
import { applyOverrides } from './sources/overrides';
import type { Config } from './types';
import { checkConfig } from './validate';

export { defaultConfig } from './defaults';

/** Where loadConfig reads from. */
export interface LoadOptions {
  /** JSON config file; a `-c`/`--config` flag in `argv` takes precedence. */
  readonly file?: string;
  /** Environment to read `SWITCHYARD_*` variables from; default process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Command-line arguments after the command name; default none. */
  readonly argv?: readonly string[];
}

/** A loaded config and the warnings to log (unknown `SWITCHYARD_*` variables). */
export interface LoadResult {
  readonly config: Config;
  readonly warnings: string[];
}

/**
 * Loads, merges and validates the configuration. Throws ConfigError listing
 * every problem in every source (file, env, flags), each naming its key path.
 */
export function loadConfig(opts: LoadOptions = {}): LoadResult {
  const flags = readFlags(opts.argv ?? []);
  const env = readEnv(opts.env ?? process.env);
  const errors: string[] = [];
  const file = flags.file ?? opts.file;
  let raw: Record<string, unknown> = {};
  if (file !== undefined) {
    const reading = readConfigFile(file);
    if ('error' in reading) errors.push(reading.error);
    else raw = reading.value;
  }
  applyOverrides(raw, env.overrides, errors);
  errors.push(...flags.errors);
  applyOverrides(raw, flags.overrides, errors);
  const result = checkConfig(raw);
  if (!result.ok) errors.push(...result.errors);
  if (!result.ok || errors.length > 0) throw new ConfigError(errors);
  return { config: result.config, warnings: [...env.warnings] };
}
