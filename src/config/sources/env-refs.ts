/**
 * `${CENTRIFUGO_VAR_NAME}` (or `${SWITCHYARD_VAR_NAME}`) inside the values of
 * string maps (proxy `http.static_headers`) is replaced with that environment
 * variable, as Centrifugo does, so a secret header need not be in the file.
 * A reference to a variable that is not set is an error naming the key.
 */
import { isPlainObject } from '../check';
import type { Fields } from '../schema/schema';

/** A reference to a custom variable. */
const REFERENCE = /\$\{((?:CENTRIFUGO|SWITCHYARD)_VAR_[^}]+)\}/g;

/** Replaces the references in one map's values; a missing variable goes to `errors`. */
function expandMap(map: Record<string, unknown>, path: string, env: NodeJS.ProcessEnv, errors: string[]): void {
  for (const [key, value] of Object.entries(map)) {
    if (typeof value !== 'string') continue; // the schema check reports it
    map[key] = value.replace(REFERENCE, (whole, name: string) => {
      const text = env[name];
      if (text !== undefined) return text;
      errors.push(`${path}.${key} refers to environment variable ${name}, which is not set`);
      return whole;
    });
  }
}

/** Expands the references in every string map of `raw` (a merged config in file form), lists' items included. */
export function expandEnvReferences(raw: Record<string, unknown>, fields: Fields, env: NodeJS.ProcessEnv, errors: string[], parent = ''): void {
  for (const [name, node] of Object.entries(fields)) {
    const value = raw[name];
    const path = parent === '' ? name : `${parent}.${name}`;
    if ((node.kind === 'group' || node.kind === 'object') && isPlainObject(value)) expandEnvReferences(value, node.fields, env, errors, path);
    else if (node.kind === 'string_map' && isPlainObject(value)) expandMap(value, path, env, errors);
    else if (node.kind === 'object_list' && Array.isArray(value)) {
      value.forEach((item, i) => {
        if (isPlainObject(item)) expandEnvReferences(item, node.item, env, errors, `${path}[${i}]`);
      });
    }
  }
}
