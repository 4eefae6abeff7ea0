/*
 * src/config/: the config: one schema (schema/) with types, defaults and docs,
 * the sources it is read from (sources/: JSON/YAML/TOML file, SWITCHYARD_* and
 * CENTRIFUGO_* env, flags), Centrifugo's own keys as data (centrifugo/: what
 * is ignored, what is unknown), validation that names every bad key's path,
 * and the frozen result. May import: common, protocol.
 */
/**
 * Loading the configuration from its sources, each overriding the one before:
 * defaults → config file (JSON, YAML or TOML) → `CENTRIFUGO_*` and
 * `SWITCHYARD_*` environment variables → command-line flags. Keys switchyard
 * does not use are warnings (errors with `config.strict` / `--strict`).
 */
import type { ConfigWarning } from './centrifugo/classify';
import { applyItemEnv } from './sources/env-items';
import { envWarnings, readEnv } from './sources/env';
import { ConfigError } from './errors';
import { isPlainObject } from './check';
import { readConfigFile } from './sources/file';
import { readFlags } from './sources/flags';
import { applyOverrides } from './sources/overrides';
import { expandEnvReferences } from './sources/env-refs';
import { SCHEMA } from './schema/schema';
import type { Config } from './types';
import { checkConfig } from './validate';

export { defaultConfig } from './defaults';
export type { ConfigWarning } from './centrifugo/classify';

/** Where loadConfig reads from. */
export interface LoadOptions {
  /** Config file; a `-c`/`--config` flag in `argv` takes precedence. */
  readonly file?: string;
  /** Environment to read `SWITCHYARD_*` and `CENTRIFUGO_*` variables from; default process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Command-line arguments after the command name; default none. */
  readonly argv?: readonly string[];
}

/** A loaded config and the keys and variables it does not use (ignored Centrifugo settings, unknown names). */
export interface LoadResult {
  readonly config: Config;
  readonly warnings: readonly ConfigWarning[];
}

/**
 * The config in file form, merged from every source but not yet checked,
 * with the variables and flags it does not use (`envWarnings`). Errors of the sources
 * themselves (file syntax, bad env and flag values) go to `errors`.
 */
export function mergeSources(opts: LoadOptions, errors: string[]): { raw: Record<string, unknown>; envWarnings: ConfigWarning[] } {
  const flags = readFlags(opts.argv ?? []);
  const env = readEnv(opts.env ?? process.env);
  const file = flags.file ?? opts.file;
  let raw: Record<string, unknown> = {};
  if (file !== undefined) {
    const reading = readConfigFile(file);
    if ('error' in reading) errors.push(reading.error);
    else raw = reading.value;
  }
  applyOverrides(raw, env.overrides, errors);
  const rest = new Map(env.rest);
  const itemWarnings = applyItemEnv(raw, rest, errors);
  errors.push(...flags.errors);
  applyOverrides(raw, flags.overrides, errors);
  expandEnvReferences(raw, SCHEMA.fields, opts.env ?? process.env, errors);
  return { raw, envWarnings: [...itemWarnings, ...envWarnings(rest), ...flags.warnings] };
}

/**
 * Loads, merges and validates the configuration. Throws ConfigError listing
 * every problem in every source (file, env, flags), each naming its key path;
 * in strict mode the keys and variables switchyard does not use are among them.
 */
export function loadConfig(opts: LoadOptions = {}): LoadResult {
  const errors: string[] = [];
  const { raw, envWarnings } = mergeSources(opts, errors);
  const strict = isPlainObject(raw['config']) && raw['config']['strict'] === true;
  const result = checkConfig(raw);
  if (strict) errors.push(...envWarnings.map((w) => `${w.message} (strict mode)`));
  if (!result.ok) errors.push(...result.errors);
  if (!result.ok || errors.length > 0) throw new ConfigError(errors);
  return { config: result.config, warnings: [...result.warnings, ...envWarnings] };
}
