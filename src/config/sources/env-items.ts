/**
 * Environment variables for the fields of named list items, as Centrifugo
 * has them: `<PREFIX><LIST>_<NAME>_<FIELD>`, e.g.
 * `CENTRIFUGO_CHANNEL_NAMESPACES_CHAT_PRESENCE=true` sets `presence` of the
 * namespace named `chat` (the name upper-cased, `.` and `-` as `_`). The item
 * must exist (in the file, or in the list's own JSON variable); a variable
 * for a name no item has is left for the unknown-variable warnings.
 */
import type { ConfigWarning } from '../centrifugo/classify';
import { CENTRIFUGO_KEYS, isSecurityRelevant } from '../centrifugo/known-keys';
import { isPlainObject } from '../check';
import { CONFIG_KEYS, joinPath } from '../keys';
import type { Field, Fields } from '../schema/schema';
import { ENV_PREFIXES } from './env';
import { applyOverrides, type Override } from './overrides';

/** The env name part of an item name: upper case, `.` and `-` as `_` (Centrifugo's rule). */
export function nameForEnv(name: string): string {
  return name.replace(/[.-]/g, '_').toUpperCase();
}

/** Every value-holding field of a list item with its dotted path inside the item (`http.static_headers`). */
function itemFields(fields: Fields, parent = ''): [string, Field][] {
  return Object.entries(fields).flatMap(([name, node]): [string, Field][] => {
    const path = joinPath(parent, name);
    if (node.kind === 'group') return itemFields(node.fields, path);
    return name === 'name' && parent === '' ? [] : [[path, node]];
  });
}

/** The value of a dotted path in a parsed config, or undefined. */
function valueAt(root: Record<string, unknown>, path: string): unknown {
  let node: unknown = root;
  for (const name of path.split('.')) node = isPlainObject(node) ? node[name] : undefined;
  return node;
}

/** Centrifugo's item fields of a list that switchyard's item does not have, by their env suffix (`SHARED_POLL_ENABLED`). */
function centrifugoOnlyFields(list: string, ours: readonly [string, Field][]): Map<string, string> {
  const known = new Set(ours.map(([path]) => path));
  const out = new Map<string, string>();
  for (const key of CENTRIFUGO_KEYS) {
    if (!key.path.startsWith(`${list}[].`) || key.kind === 'section') continue;
    const path = key.path.slice(list.length + 3);
    if (!path.includes('[') && !known.has(path)) out.set(path.toUpperCase().replace(/\./g, '_'), path);
  }
  return out;
}

/**
 * Applies the item variables found in `rest` to the lists of `raw` (already
 * merged from the file and the plain variables), removing each one used from
 * `rest`. Bad values go to `errors`, naming the variable and the item's path;
 * variables for Centrifugo item fields switchyard does not implement are
 * removed too and answered with a warning each.
 */
export function applyItemEnv(raw: Record<string, unknown>, rest: Map<string, string>, errors: string[]): ConfigWarning[] {
  const warnings: ConfigWarning[] = [];
  if (rest.size === 0) return warnings;
  for (const list of CONFIG_KEYS) {
    if (list.field.kind !== 'object_list' || list.field.unique !== 'name') continue;
    const items = valueAt(raw, list.path);
    if (!Array.isArray(items)) continue;
    const fields = itemFields(list.field.item);
    const theirs = centrifugoOnlyFields(list.path, fields);
    items.forEach((item, index) => {
      if (!isPlainObject(item) || typeof item['name'] !== 'string') return;
      const overrides: Override[] = [];
      for (const prefix of ENV_PREFIXES) {
        const stem = `${prefix}${list.path.toUpperCase().replace(/\./g, '_')}_${nameForEnv(item['name'] as string)}_`;
        for (const [path, field] of fields) {
          const name = stem + path.toUpperCase().replace(/\./g, '_');
          const text = rest.get(name);
          if (text === undefined) continue;
          rest.delete(name);
          const itemPath = `${list.path}[${index}].${path}`;
          overrides.push({ source: `env ${name}`, key: { path, field, env: name, flag: '' }, text, at: itemPath });
        }
        for (const [suffix, path] of theirs) {
          const name = stem + suffix;
          if (!rest.delete(name)) continue;
          const itemPath = `${list.path}[${index}].${path}`;
          const security = isSecurityRelevant(itemPath);
          const what = `environment variable ${name} sets ${itemPath}, a Centrifugo setting switchyard does not implement`;
          const message = security ? `SECURITY: ${what}; it is IGNORED and this server does not provide what it asks for` : `${what}; ignored`;
          warnings.push({ kind: 'ignored', path: itemPath, message, security, atDefault: false });
        }
      }
      applyOverrides(item, overrides, errors);
    });
  }
  return warnings;
}
