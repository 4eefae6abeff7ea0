/**
 * `switchyard defaultenv [-b BASE] [--base-non-zero-only]`: as Centrifugo's,
 * every environment variable with its default (or BASE) value, one
 * `NAME=value` line each, sorted: `SWITCHYARD_*` names (the `CENTRIFUGO_*`
 * ones work the same). A list of named items prints the names as JSON, and
 * each item's fields get their own variables.
 */
import { fullFileConfig } from '../config/defaults';
import { CONFIG_KEYS } from '../config/keys';
import type { Field, Fields } from '../config/schema/schema';
import { nameForEnv } from '../config/sources/env-items';
import { parseCommandArgs } from './args';
import { baseConfig } from './defaultconfig';
import { Exit, say, usageError } from './output';

/** A value as a variable holds it: strings and JSON quoted, lists space-separated, like Centrifugo's output. */
export function envText(field: Field, value: unknown): string {
  switch (field.kind) {
    case 'string_list':
      return JSON.stringify((value as string[]).join(' '));
    case 'string_map':
    case 'object':
      return JSON.stringify(JSON.stringify(value));
    case 'object_list':
      return JSON.stringify(JSON.stringify((value as Record<string, unknown>[]).map((item) => ('name' in item ? { name: item['name'] } : item))));
    case 'string':
    case 'enum':
    case 'duration':
      return typeof value === 'string' ? JSON.stringify(value) : String(value);
    default:
      return String(value);
  }
}

function valueAt(root: unknown, path: string): unknown {
  let node = root;
  for (const name of path.split('.')) node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[name] : undefined;
  return node;
}

/** Whether a value set in the base is not the zero value of its type (Centrifugo's --base-non-zero-only). */
function nonZero(value: unknown): boolean {
  if (value === undefined || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  return typeof value !== 'object' || value === null || Object.keys(value).length > 0;
}

/** Every value-holding field of a list item with its path inside the item. */
function itemLeaves(fields: Fields, parent = ''): [string, Field][] {
  return Object.entries(fields).flatMap(([name, node]): [string, Field][] => {
    const path = parent === '' ? name : `${parent}.${name}`;
    if (node.kind === 'group') return itemLeaves(node.fields, path);
    return path === 'name' ? [] : [[path, node]];
  });
}

/** `NAME=value` lines for every variable, at its value in `raw` or its default; with `onlyNonZero`, just those `raw` sets to a non-zero value. */
export function envLines(raw: Record<string, unknown>, onlyNonZero: boolean): string[] {
  const full = fullFileConfig(raw);
  const lines: [string, string][] = [];
  for (const key of CONFIG_KEYS) {
    if (key.field.kind === 'object') continue; // its fields have variables of their own
    if (!onlyNonZero || nonZero(valueAt(raw, key.path))) lines.push([key.env, envText(key.field, valueAt(full, key.path))]);
    if (key.field.kind !== 'object_list' || key.field.unique !== 'name') continue;
    const items = valueAt(full, key.path) as Record<string, unknown>[];
    const rawItems = valueAt(raw, key.path);
    items.forEach((item, i) => {
      const stem = `${key.env}_${nameForEnv(String(item['name']))}_`;
      for (const [path, field] of itemLeaves((key.field as { item: Fields }).item)) {
        const set = Array.isArray(rawItems) ? valueAt(rawItems[i], path) : undefined;
        if (!onlyNonZero || nonZero(set)) lines.push([stem + path.toUpperCase().replace(/\./g, '_'), envText(field, valueAt(item, path))]);
      }
    });
  }
  return lines.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, text]) => `${name}=${text}`);
}

/** Prints every variable with its value. */
export async function defaultenv(args: readonly string[]): Promise<number> {
  const parsed = parseCommandArgs(args, { '-b': 'value', '--base': 'value', '--base-non-zero-only': 'switch' });
  if (parsed.errors.length > 0) return usageError(parsed.errors.join('\n'));
  if (parsed.positionals.length > 0) return usageError('defaultenv takes no arguments besides its options');
  const base = parsed.options.get('--base') ?? parsed.options.get('-b');
  const onlyNonZero = parsed.options.has('--base-non-zero-only');
  if (onlyNonZero && base === undefined) return usageError('--base-non-zero-only needs a base config: -b FILE');
  const raw = baseConfig(base);
  if (raw === null) return Exit.usage;
  for (const line of envLines(raw, onlyNonZero)) say(line);
  return Exit.ok;
}
