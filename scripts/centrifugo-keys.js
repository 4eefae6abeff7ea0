#!/usr/bin/env node
/*
 * Generates src/config/centrifugo/known-keys-*.ts: every configuration key of
 * Centrifugo v6, read from the Go config types of a Centrifugo checkout
 * (internal/config/config.go and internal/configtypes/*.go). Run it again when
 * Centrifugo adds keys:
 *
 *   node scripts/centrifugo-keys.js /path/to/centrifugo [commit]
 *
 * It reads struct fields with their `json`, `default` and type, follows
 * embedded (`squash`) structs, named slice types and pointers, and writes one
 * entry per key: the path in file form (`channel.namespaces[].presence`), a
 * kind and Centrifugo's default. Only facts are taken (names, types,
 * defaults); no Centrifugo code is copied.
 */
'use strict';
const { readFileSync, readdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const [root, commit = 'unknown'] = process.argv.slice(2);
if (!root) {
  process.stderr.write('usage: node scripts/centrifugo-keys.js CENTRIFUGO_DIR [COMMIT]\n');
  process.exit(2);
}

const sources = [join(root, 'internal/config/config.go')];
const typesDir = join(root, 'internal/configtypes');
for (const f of readdirSync(typesDir)) if (f.endsWith('.go') && !f.endsWith('_test.go')) sources.push(join(typesDir, f));

/** name → { kind: 'struct', fields } | { kind: 'alias', of } */
const types = new Map();
for (const file of sources) {
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(/^type (\w+) struct \{\n([\s\S]*?)^\}/gm)) types.set(m[1], { kind: 'struct', fields: parseFields(m[2]) });
  for (const m of text.matchAll(/^type (\w+) ([^\s{][^\n]*)$/gm)) if (!m[2].startsWith('struct') && !m[2].startsWith('func') && !m[2].startsWith('interface')) types.set(m[1], { kind: 'alias', of: m[2].trim() });
}

function tag(tags, name) {
  const m = new RegExp(`(?:^|\\s)${name}:"([^"]*)"`).exec(tags);
  return m ? m[1] : undefined;
}

function parseFields(body) {
  const fields = [];
  for (const raw of body.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('//')) continue;
    const m = /^(?:(\w+)\s+)?([*\w.[\]]+(?:\s*\[[^\]]*\][*\w.]+)?)\s+`([^`]*)`/.exec(line) ?? /^([\w.]+)\s+`([^`]*)`/.exec(line);
    if (!m) continue;
    const [name, type, tags] = m.length === 4 ? [m[1], m[2], m[3]] : [undefined, m[1], m[2]];
    const json = tag(tags, 'json');
    if (json === '-') continue;
    const squash = (tag(tags, 'mapstructure') ?? '').includes('squash') || name === undefined;
    fields.push({ name: squash ? undefined : (json ?? tag(tags, 'mapstructure') ?? name).split(',')[0], type, def: tag(tags, 'default'), squash });
  }
  return fields;
}

const SCALARS = { bool: 'bool', string: 'string', 'centrifuge.DeltaType': 'string', int: 'int', int32: 'int', int64: 'int', uint: 'int', uint32: 'int', uint64: 'int', float64: 'float', float32: 'float', Duration: 'duration', 'time.Duration': 'duration', PEMData: 'string' };

/** A duration default as Centrifugo's tag writes it ("1000ms", "720h"); "0s" when there is none. */
function durationDefault(text) {
  return text === undefined || text === '' ? '0s' : text;
}

function defaultOf(kind, text) {
  switch (kind) {
    case 'bool':
      return text === 'true';
    case 'int':
    case 'float':
      return text ? Number(text) : 0;
    case 'duration':
      return durationDefault(text);
    case 'strings':
      return text ? text.split(',') : [];
    case 'map':
      return {};
    case 'list':
      return [];
    default:
      return text ?? '';
  }
}

const entries = [];

function walk(typeName, prefix) {
  const type = types.get(typeName);
  if (!type || type.kind !== 'struct') throw new Error(`unknown struct ${typeName} at ${prefix}`);
  for (const field of type.fields) {
    if (field.squash) {
      walk(field.type.replace(/^\*/, '').replace(/^configtypes\./, ''), prefix);
      continue;
    }
    add(prefix === '' ? field.name : `${prefix}.${field.name}`, field.type.replace(/^\*/, ''), field.def);
  }
}

function add(path, rawType, def) {
  const type = rawType.replace(/configtypes\./g, '');
  if (SCALARS[type]) return entries.push([path, SCALARS[type], defaultOf(SCALARS[type], def)]);
  if (type.startsWith('map[') || type === 'MapStringString') return entries.push([path, 'map', {}]);
  if (type.startsWith('[]')) {
    const item = type.slice(2).replace(/^\*/, '');
    if (SCALARS[item]) return entries.push([path, 'strings', defaultOf('strings', def)]);
    entries.push([path, 'list', []]);
    return walk(resolveStruct(item), `${path}[]`);
  }
  const resolved = types.get(type);
  if (resolved?.kind === 'alias') return add(path, resolved.of, def);
  if (resolved?.kind === 'struct') {
    entries.push([path, 'section', {}]);
    return walk(type, path);
  }
  throw new Error(`unknown type ${type} at ${path}`);
}

function resolveStruct(name) {
  const t = types.get(name);
  if (t?.kind === 'alias') return resolveStruct(t.of.replace(/^\*/, ''));
  return name;
}

walk('Config', '');

// One module per group of top-level sections, so no file grows past a few hundred lines.
const top = (path) => path.split(/[.[]/)[0];
const groups = new Map();
for (const entry of entries) {
  const section = entry[0].startsWith('channel.namespaces') ? 'namespaces' : top(entry[0]);
  const group = ['client', 'channel', 'namespaces', 'consumers', 'engine', 'broker', 'presence_manager', 'map_broker', 'controller'].includes(section) ? section : 'other';
  const name = ['engine', 'broker', 'presence_manager', 'map_broker', 'controller'].includes(group) ? 'engines' : group;
  if (!groups.has(name)) groups.set(name, []);
  groups.get(name).push(entry);
}

for (const [name, list] of groups) {
  const lines = [
    '/*',
    ` * GENERATED by scripts/centrifugo-keys.js from Centrifugo's config types (commit ${commit}); do not edit.`,
    ` * Centrifugo v6 keys of ${name === 'other' ? 'the remaining sections' : `\`${name}\``}: [path in file form, kind, Centrifugo's default].`,
    ' */',
    "import type { CentrifugoKeyEntry } from './entry';",
    '',
    `/** Centrifugo's keys (${name}). */`,
    `export const KEYS_${name.toUpperCase()}: readonly CentrifugoKeyEntry[] = [`,
    ...list.map((e) => `  ${JSON.stringify(e)},`),
    '];',
    '',
  ];
  writeFileSync(join(__dirname, '..', 'src/config/centrifugo', `keys-${name}.ts`), lines.join('\n'));
  process.stdout.write(`keys-${name}.ts: ${list.length} keys\n`);
}
