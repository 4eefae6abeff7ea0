/**
 * A Centrifugo user's config, unchanged: the output of Centrifugo v6's
 * `genconfig` in JSON, YAML and TOML starts switchyard (its `admin` keys
 * ignored with a warning each) and serves a real SDK client and the API with
 * the file's token secret and API key; a config setting every Centrifugo key
 * we know of starts too, each key either implemented or warned about as
 * ignored, never fatal and never silent.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { startServer } from '../src/acceptor/run';
import { CENTRIFUGO_KEYS, normalizePath } from '../src/config/centrifugo/known-keys';
import { keyByPath, leafPaths } from '../src/config/keys';
import { loadConfig } from '../src/config/load';
import { callApi } from './helpers/api';
import { sdkClient } from './helpers/clients';
import { REPO_ROOT, tempDir } from './helpers/config';
import { hmacToken } from './helpers/tokens';

const FIXTURES = join(REPO_ROOT, 'test/fixtures/centrifugo');
const SECRET = '9pZ3nq2LzKc3Vt0Yk1xQy7h8sRr1bD4eFg5HiJk6LmNoPqRsTuVwXyZaBcDeFgHiJkLmNoPqRsTuVwXyZa0123';
const API_KEY = 'YXBpLWtleS1mb3Itc2VydmVyLWFwaS0wMTIzNDU2Nzg5YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoAA';
/** Flags a test adds so the server listens on a free loopback port with one shard. */
const LOCAL = ['--http_server.port', '0', '--http_server.address', '127.0.0.1', '--shards.count', '1', '--log.level', 'error'];

const tmp = tempDir();
after(() => tmp.cleanup());

describe("Centrifugo genconfig's output", () => {
  for (const format of ['json', 'yaml', 'toml']) {
    test(`${format}: starts, serves the SDK and the API with the file's secrets, with no warning (every key it writes is implemented)`, async () => {
      const { config, warnings } = loadConfig({ file: join(FIXTURES, `genconfig.${format}`), env: {}, argv: LOCAL });
      assert.equal(config.client.token.hmac_secret_key, SECRET);
      assert.equal(config.http_api.key, API_KEY);
      assert.deepEqual(warnings, []);
      assert.equal(config.admin.enabled, false);
      assert.notEqual(config.admin.password, '');
      const server = await startServer(config);
      const client = sdkClient(server.wsUrl, { token: await hmacToken({ sub: 'u1', channels: ['news'] }, 'HS256', SECRET) });
      try {
        const got = new Promise((resolve) => client.on('publication', (ctx) => resolve(ctx.data)));
        const subscribed = new Promise((resolve) => client.on('subscribed', resolve));
        client.connect();
        await subscribed;
        const answer = await callApi(server.apiUrl, 'publish', { channel: 'news', data: { format } }, { 'X-API-Key': API_KEY });
        assert.deepEqual(answer.body, { result: {} });
        assert.deepEqual(await got, { format });
      } finally {
        client.disconnect();
        await server.close();
      }
    });
  }
});

/** A value of the right kind for a key inside a list item, valid for switchyard where switchyard has the key. */
function itemValue(path: string, fallback: unknown): unknown {
  if (path.endsWith('.name')) return 'item_1';
  if (path === 'proxies[].endpoint') return 'http://127.0.0.1:9/proxy';
  if (/transforms\[\]\.(to\.)?code$/.test(path)) return path.endsWith('to.code') ? 4000 : 400;
  if (path.endsWith('status_to_code_transforms[].status_code')) return 404;
  if (path.endsWith('status_to_code_transforms[].to_error.code')) return 4004;
  if (path.endsWith('status_to_code_transforms[].to_error.message')) return 'not found';
  if (path === 'consumers[].type') return 'postgresql';
  return fallback;
}

/** A config in file form setting every Centrifugo key to its default, each list with one item. */
function everyCentrifugoKey(): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const key of CENTRIFUGO_KEYS) {
    if (key.kind === 'section' || key.kind === 'list') continue; // made by their fields
    let node: Record<string, unknown> = root;
    const parts = key.path.split('.');
    for (const part of parts.slice(0, -1)) {
      const list = part.endsWith('[]');
      const name = list ? part.slice(0, -2) : part;
      if (list) {
        node[name] ??= [{}];
        node = (node[name] as Record<string, unknown>[])[0] as Record<string, unknown>;
      } else {
        node[name] ??= {};
        node = node[name] as Record<string, unknown>;
      }
    }
    const last = parts.at(-1) as string;
    node[last.replace(/\[\]$/, '')] = key.path.includes('[]') ? itemValue(key.path, key.defaultValue) : key.defaultValue;
  }
  return root;
}

test('a config with every Centrifugo key starts; each key is implemented or warned about as ignored', async () => {
  const raw = everyCentrifugoKey();
  const file = tmp.write('every-key.yaml', JSON.stringify(raw)); // JSON is YAML too
  const { config, warnings } = loadConfig({ file, env: {}, argv: LOCAL });
  const ours = new Set(leafPaths());
  const warned = new Set(warnings.map((w) => normalizePath(w.path)));
  assert.ok(warnings.every((w) => w.kind === 'ignored'), warnings.filter((w) => w.kind !== 'ignored').map((w) => w.message).join('\n'));
  const silent: string[] = [];
  for (const key of CENTRIFUGO_KEYS) {
    if (key.kind === 'section' || key.kind === 'list') continue;
    const implemented = ours.has(key.path) || keyByPath(key.path) !== undefined;
    if (implemented === warned.has(key.path)) silent.push(`${key.path}: ${implemented ? 'implemented and warned' : 'neither implemented nor warned'}`);
  }
  assert.deepEqual(silent, []);
  assert.ok(warned.size > 500, `${warned.size} ignored keys`);
  const server = await startServer(config);
  try {
    const answer = await callApi(server.apiUrl, 'info', {}, { 'X-API-Key': config.http_api.key });
    assert.equal(answer.status, config.http_api.key === '' ? 401 : 200);
  } finally {
    await server.close();
  }
});
