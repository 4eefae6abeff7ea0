/**
 * docs/configuration.md, generated from the schema (`switchyard configdoc >
 * docs/configuration.md`). A test fails when the file and this output differ.
 */
import { formatDuration, MAX_TIMER_MS } from './duration';
import { CONFIG_KEYS, joinPath } from './keys';
import { ORDERED_KEYS, type Field, type Fields, type ObjectListField } from './schema/schema';

/** The type column: kind plus limits. */
function typeText(field: Field): string {
  switch (field.kind) {
    case 'boolean':
      return 'boolean';
    case 'integer':
      if (field.powerOfTwo) return `power of two, ${field.min}–${field.max}`;
      return field.max === Number.MAX_SAFE_INTEGER ? `integer ≥ ${field.min}` : `integer ${field.min}–${field.max}`;
    case 'string':
      if (field.isRegex) return 'regular expression';
      return field.pattern === undefined ? 'string' : `string matching \`${field.pattern}\``;
    case 'enum':
      return `one of ${field.values.map((v) => `\`${v}\``).join(', ')}`;
    case 'duration':
      return `duration ≥ ${field.min}`;
    case 'string_list':
      return field.single ? 'string or list of strings' : 'list of strings';
    case 'string_map':
      return 'object of strings';
    case 'object':
      return `object (${field.itemName})`;
    case 'object_list':
      return `list of ${field.itemName} objects`;
  }
}

/** The default column, in file form. */
function defaultText(field: Field): string {
  switch (field.kind) {
    case 'object':
      return 'each field’s default';
    case 'object_list':
      return '`[]`';
    case 'string_map':
      return '`{}`';
    case 'string':
      return field.default === undefined ? 'required' : `\`${JSON.stringify(field.default)}\``;
    default:
      return `\`${JSON.stringify(field.default)}\``;
  }
}

const cell = (text: string): string => text.replace(/\|/g, '\\|');
const row = (cells: readonly string[]): string => `| ${cells.map(cell).join(' | ')} |`;

function keysTable(): string[] {
  return [
    row(['key', 'type', 'default', 'environment variable', 'meaning']),
    row(['---', '---', '---', '---', '---']),
    ...CONFIG_KEYS.map((k) => row([`\`${k.path}\``, typeText(k.field), defaultText(k.field), `\`${k.env}\``, k.field.doc])),
  ];
}

function itemTable(path: string, list: ObjectListField): string[] {
  return [
    row(['field', 'type', 'default', 'meaning']),
    row(['---', '---', '---', '---']),
    ...itemRows(list.item, `${path}[]`),
  ];
}

/**
 * One row per field of a list item; the fields of a section inside the item
 * (`http`) get their own rows, and so do the item fields of a list inside it
 * (`http.status_to_code_transforms[]`).
 */
function itemRows(fields: Fields, prefix: string): string[] {
  return Object.entries(fields).flatMap(([name, node]) => {
    const path = joinPath(prefix, name);
    if (node.kind === 'group') return itemRows(node.fields, path);
    const own = row([`\`${path}\``, typeText(node), defaultText(node), node.doc]);
    return node.kind === 'object_list' ? [own, ...itemRows(node.item, `${path}[]`)] : [own];
  });
}

function listSections(): string[] {
  const out: string[] = [];
  for (const key of CONFIG_KEYS) {
    if (key.field.kind !== 'object_list') continue;
    out.push('', `## Items of \`${key.path}\``, '', `Each ${key.field.itemName} is an object with these fields${key.field.unique ? `; \`${key.field.unique}\` must be unique` : ''}.`, '');
    out.push(...itemTable(key.path, key.field));
  }
  return out;
}

const INTRO = `# Configuration

<!-- Generated from src/config/schema.ts by \`switchyard configdoc\`; edit the schema, not this file. -->

switchyard reads its settings as Centrifugo v6 does, from these sources, each overriding the one before:

1. the defaults listed below;
2. the file given with \`--config FILE\` (or \`-c FILE\`; without it, \`./config.json\` when it exists): JSON, or YAML
   (\`.yaml\`, \`.yml\`) or TOML (\`.toml\`) by its extension;
3. environment variables \`SWITCHYARD_<KEY>\` or \`CENTRIFUGO_<KEY>\`: the key path upper-cased with \`.\` as \`_\`
   (the \`SWITCHYARD_\` one wins when both are set).
   Lists of strings are space-separated (\`SWITCHYARD_CLIENT_ALLOWED_ORIGINS="https://a.example https://b.example"\`);
   objects and lists of objects are JSON. A field of a named list item has a variable of its own,
   \`CENTRIFUGO_CHANNEL_NAMESPACES_CHAT_PRESENCE=true\` (the item's name upper-cased, \`.\` and \`-\` as \`_\`).
   In the values of string maps (proxy \`http.static_headers\`), \`\${CENTRIFUGO_VAR_NAME}\` (or \`\${SWITCHYARD_VAR_NAME}\`)
   is replaced by that variable, which must be set;
4. command-line flags \`--<key> value\` or \`--<key>=value\` (\`--http_server.port 9000\`, \`--shards.count=4\`).
   A boolean flag alone means true (\`--client.insecure\`); \`--port\` is short for \`--http_server.port\`,
   \`--strict\` for \`--config.strict\`.

Durations are Go-style strings: a number and a unit, possibly repeated (\`"500ms"\`, \`"25s"\`, \`"1m30s"\`, \`"2h"\`;
units \`ns\`, \`us\`, \`ms\`, \`s\`, \`m\`, \`h\`), or, as Centrifugo reads them, numbers of nanoseconds. They must come to a whole number of milliseconds, at most
${formatDuration(MAX_TIMER_MS)} (the longest timer Node.js allows). Sizes are integers in bytes.

Every problem is reported at once, each with its key path. A key switchyard does not use is not an error: a
Centrifugo key switchyard does not implement is logged as ignored (at error level when it is security-relevant:
limits, TLS, admin, insecure modes), any other key as unknown with the nearest known key; unknown
\`SWITCHYARD_*\`/\`CENTRIFUGO_*\` variables likewise. \`config.strict\` (or \`--strict\`) makes them errors.
\`switchyard checkconfig FILE\` validates a file and lists them, \`switchyard defaultconfig\` writes one with every
default (\`defaultenv\` lists every variable), and \`config.example.json\` is a starting point for development. In
code, \`loadConfig\` and \`validateConfig\` (src/config) throw \`ConfigError\`, code \`SY_CONFIG_INVALID\`, whose
\`errors\` array holds the same lines.

## Keys
`;

/** The whole of docs/configuration.md. */
export function renderConfigDocs(): string {
  const rules = ORDERED_KEYS.map(
    ({ smaller, larger, strict }) => `* \`${smaller}\` must be ${strict ? 'less than' : 'at most'} \`${larger}\`.`,
  );
  const lines = [INTRO, ...keysTable(), ...listSections(), '', '## Rules between keys', '', ...rules, ''];
  return lines.join('\n');
}
