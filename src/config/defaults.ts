/** Every default, in file form (for genconfig) and as the final Config. */
import { SCHEMA, type Fields } from './schema/schema';
import type { Config } from './types';
import { validateConfig } from './validate';

/**
 * A config file that sets every key to its default, durations as strings
 * ("25s"); what `switchyard genconfig` writes. A fresh object on each call.
 */
export function defaultFileConfig(fields: Fields = SCHEMA.fields): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, node] of Object.entries(fields)) {
    if (node.kind === 'group' || node.kind === 'object') out[name] = defaultFileConfig(node.fields);
    else if (node.kind === 'object_list') out[name] = [];
    else if (node.kind === 'string_list') out[name] = [...node.default];
    else if (node.kind === 'string_map') out[name] = {};
    else if (node.default !== undefined) out[name] = node.default;
  }
  return out;
}

let cached: Config | undefined;

/** The config with every key at its default, validated and deep-frozen. */
export function defaultConfig(): Config {
  cached ??= validateConfig({});
  return cached;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A full config file: every schema key, taken from `raw` (a config in file
 * form, already valid) where it sets the key, else its default; list items
 * are filled the same way. Keys of `raw` the schema does not have are left
 * out. What `switchyard defaultconfig --base FILE` writes.
 */
export function fullFileConfig(raw: Record<string, unknown>, fields: Fields = SCHEMA.fields): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, node] of Object.entries(fields)) {
    const value = raw[name];
    if (node.kind === 'group' || node.kind === 'object') out[name] = fullFileConfig(isPlainObject(value) ? value : {}, node.fields);
    else if (node.kind === 'object_list') out[name] = Array.isArray(value) ? value.map((item) => fullFileConfig(isPlainObject(item) ? item : {}, node.item)) : [];
    else if (value !== undefined) out[name] = value;
    else if (node.kind === 'string_list') out[name] = [...node.default];
    else if (node.kind === 'string_map') out[name] = {};
    else if (node.default !== undefined) out[name] = node.default;
  }
  return out;
}
