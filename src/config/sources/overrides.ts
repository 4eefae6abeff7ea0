/**
 * Values given as text (environment variables, flags), applied on top of the
 * file. Each is turned into the value the file would hold, checked on its own
 * so that an error names its source, and set only when valid.
 */
import { INVALID, checkNode, isPlainObject } from '../check';
import type { ConfigKey } from '../keys';
import type { Field } from '../schema/schema';

/** One value to set, as text. */
export interface Override {
  /** Where it came from, for errors: `env SWITCHYARD_HTTP_SERVER_PORT`, `flag --port`. */
  readonly source: string;
  readonly key: ConfigKey;
  readonly text: string;
  /** The path errors name, when it is not `key.path` (a field of a list item: `channel.namespaces[0].presence`). */
  readonly at?: string;
}

/**
 * The file-form value for `text`: booleans and integers parsed (text that is
 * neither stays a string, for the check to reject), string lists split on
 * whitespace (or a JSON array), objects, maps and lists of objects as JSON.
 */
function fromText(field: Field, text: string): { value: unknown } | { error: string } {
  const trimmed = text.trim();
  switch (field.kind) {
    case 'boolean':
      // Go's strconv.ParseBool, as Centrifugo reads booleans: 1, t, true, 0, f, false in any case.
      return { value: /^(true|t|1)$/i.test(trimmed) ? true : /^(false|f|0)$/i.test(trimmed) ? false : text };
    case 'integer':
      return { value: /^[-+]?\d+$/.test(trimmed) ? Number(trimmed) : text };
    case 'string_list':
      return trimmed.startsWith('[') ? fromJson(trimmed) : { value: trimmed === '' ? [] : trimmed.split(/\s+/) };
    case 'object':
    case 'object_list':
    case 'string_map':
      return fromJson(trimmed);
    case 'string':
    case 'enum':
    case 'duration':
      return { value: text };
  }
}

function fromJson(text: string): { value: unknown } | { error: string } {
  try {
    return { value: JSON.parse(text) };
  } catch (err) {
    return { error: `must be JSON (${(err as Error).message})` };
  }
}

/** Sets `value` at a dotted path, creating missing sections; skipped when a section in the way is not an object. */
function setPath(root: Record<string, unknown>, path: string, value: unknown): void {
  const names = path.split('.');
  const last = names.pop() as string;
  let node = root;
  for (const name of names) {
    if (node[name] === undefined) node[name] = {};
    const next = node[name];
    if (!isPlainObject(next)) return; // validation reports the file's own error for this section
    node = next;
  }
  node[last] = value;
}

/** Whether a field has a default that is not empty ("", [], 0, false count as empty). */
function hasNonEmptyDefault(field: Field): boolean {
  if (!('default' in field) || field.default === undefined) return false;
  const d: unknown = field.default;
  return Array.isArray(d) ? d.length > 0 : d !== '' && d !== 0 && d !== false;
}

/**
 * Applies each valid override to `raw` in order (later wins); appends errors,
 * prefixed by source, for the rest. An empty environment variable for a key
 * with a non-empty default counts as unset, as Centrifugo reads it.
 */
export function applyOverrides(raw: Record<string, unknown>, overrides: readonly Override[], errors: string[]): void {
  for (const { source, key, text, at } of overrides) {
    if (text.trim() === '' && source.startsWith('env ') && hasNonEmptyDefault(key.field)) continue;
    const parsed = fromText(key.field, text);
    if ('error' in parsed) {
      errors.push(`${source}: ${at ?? key.path} ${parsed.error}`);
      continue;
    }
    const own: string[] = [];
    if (checkNode(key.field, parsed.value, at ?? key.path, own) === INVALID || own.length > 0) {
      errors.push(...own.map((e) => `${source}: ${e}`));
      continue;
    }
    setPath(raw, key.path, parsed.value);
  }
}
