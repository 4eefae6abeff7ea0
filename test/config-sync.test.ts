/** The schema, config.example.json and docs/configuration.md must stay in step. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { defaultFileConfig } from '../src/config/defaults';
import { renderConfigDocs } from '../src/config/docs';
import { CONFIG_KEYS, keyByPath, leafPaths } from '../src/config/keys';
import { ORDERED_KEYS } from '../src/config/schema/schema';
import { DEFAULTS_TABLE_MARKERS, IGNORED_TABLE_MARKERS, renderDefaultsTable, renderIgnoredTable } from '../src/config/centrifugo/ignored-table';
import { validateConfig } from '../src/config/validate';
import { REPO_ROOT } from './helpers/config';

/** Every schema leaf path; a document value at one of them is a value (a map of headers is one value, not keys). */
const LEAVES = new Set(leafPaths());

/** Every value-holding path of a JSON document, `[]` standing for list items (as leafPaths writes them). */
function documentPaths(value: unknown, parent = ''): string[] {
  if (LEAVES.has(parent)) return [parent];
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'object' && v !== null && !Array.isArray(v))) {
    return [...new Set(value.flatMap((item) => documentPaths(item, `${parent}[]`)))];
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    return Object.entries(value).flatMap(([k, v]) => documentPaths(v, parent === '' ? k : `${parent}.${k}`));
  }
  return [parent];
}

const example: unknown = JSON.parse(readFileSync(join(REPO_ROOT, 'config.example.json'), 'utf8'));

test('config.example.json validates, with its development settings', () => {
  const c = validateConfig(example);
  assert.equal(c.client.allow_anonymous_connect_without_token, true);
  assert.equal(c.http_api.key, 'change-me');
  assert.deepEqual(c.channel.namespaces.map((n) => n.name), ['chat']);
  const chat = c.channel.namespaces[0];
  assert.equal(chat?.allow_subscribe_for_client, true);
  assert.equal(chat?.allow_publish_for_subscriber, true);
  assert.equal(c.channel.without_namespace.allow_subscribe_for_client, true);
  assert.equal(c.channel.without_namespace.allow_subscribe_for_anonymous, true);
});

test('config.example.json sets exactly the schema keys', () => {
  assert.deepEqual(documentPaths(example).sort(), leafPaths().sort());
});

test('genconfig output sets every schema key except list items, and validates', () => {
  const generated = defaultFileConfig();
  const withoutItems = leafPaths().filter((p) => !p.includes('[]'));
  const listKeys = CONFIG_KEYS.filter((k) => k.field.kind === 'object_list').map((k) => k.path);
  assert.deepEqual(documentPaths(generated).sort(), [...withoutItems, ...listKeys].sort());
  validateConfig(generated);
});

test('docs/configuration.md is the generated reference', () => {
  const docs = readFileSync(join(REPO_ROOT, 'docs/configuration.md'), 'utf8');
  assert.equal(docs, renderConfigDocs(), 'docs/configuration.md is stale: run `node dist/src/cli.js configdoc > docs/configuration.md`');
});

test('the docs name every key, its environment variable and every list-item field', () => {
  const docs = renderConfigDocs();
  for (const key of CONFIG_KEYS) {
    assert.ok(docs.includes(`| \`${key.path}\` |`), `${key.path} missing from the docs`);
    assert.ok(docs.includes(`\`${key.env}\``), `${key.env} missing from the docs`);
  }
  for (const path of leafPaths()) assert.ok(docs.includes(`\`${path}\``), `${path} missing from the docs`);
});

test('every ordered pair names two duration keys', () => {
  for (const { smaller, larger } of ORDERED_KEYS) {
    for (const path of [smaller, larger]) assert.equal(keyByPath(path)?.field.kind, 'duration', path);
  }
});

test('environment variable names are unique and every key has a doc', () => {
  assert.equal(new Set(CONFIG_KEYS.map((k) => k.env)).size, CONFIG_KEYS.length);
  for (const key of CONFIG_KEYS) assert.ok(key.field.doc.length > 10, `${key.path} has no doc`);
});

test("README's tables of ignored Centrifugo keys and differing defaults are the generated ones", () => {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const hint = 'README.md is stale: replace the block with the output of `node dist/src/cli.js configdoc --ignored`';
  for (const [markers, table] of [
    [IGNORED_TABLE_MARKERS, renderIgnoredTable()],
    [DEFAULTS_TABLE_MARKERS, renderDefaultsTable()],
  ] as const) {
    const start = readme.indexOf(markers.start);
    const end = readme.indexOf(markers.end);
    assert.ok(start >= 0 && end > start, `README.md lacks ${markers.start}`);
    assert.equal(readme.slice(start, end + markers.end.length), table, hint);
  }
});
