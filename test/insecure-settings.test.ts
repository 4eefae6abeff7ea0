/**
 * Settings that open the server to anyone are each logged as one INSECURE
 * warning naming the key, at start and after a reload: the insecure switches,
 * anonymous access, and placeholder or short secrets (issue 17, item 1).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { insecureSettings, weakSecret } from '../src/config/insecure';
import { validateConfig } from '../src/config/validate';
import { REPO_ROOT } from './helpers/config';
import { startNode } from './helpers/redis';

const keys = (raw: unknown): string[] => insecureSettings(validateConfig(raw)).map((s) => s.key);

test('a config with defaults has nothing insecure', () => {
  assert.deepEqual(keys({}), []);
});

test('each insecure switch is named', () => {
  assert.deepEqual(keys({ client: { insecure: true } }), ['client.insecure']);
  assert.deepEqual(keys({ http_api: { insecure: true } }), ['http_api.insecure']);
  assert.deepEqual(keys({ admin: { enabled: true, insecure: true } }), ['admin.insecure']);
  assert.deepEqual(keys({ client: { insecure_skip_token_signature_verify: true } }), ['client.insecure_skip_token_signature_verify']);
  assert.deepEqual(keys({ grpc_api: { enabled: true } }), ['grpc_api.key']);
});

test('anonymous access is named by option and namespace', () => {
  assert.deepEqual(
    keys({
      client: { allow_anonymous_connect_without_token: true },
      channel: { namespaces: [{ name: 'room', allow_publish_for_anonymous: true, allow_history_for_anonymous: true }] },
    }),
    ['client.allow_anonymous_connect_without_token', 'channel.namespaces[0].allow_publish_for_anonymous', 'channel.namespaces[0].allow_history_for_anonymous'],
  );
});

test('placeholder and short secrets are named; long random ones and unset ones are not', () => {
  assert.equal(weakSecret(''), null);
  assert.equal(weakSecret('change-me'), 'is a placeholder value');
  assert.equal(weakSecret('MySecretValue123456'), 'is a placeholder value');
  assert.equal(weakSecret('k7Qx9'), 'is shorter than 16 characters');
  assert.equal(weakSecret('q3Vd8Lr0ZpA7mXn2Wb5T'), null);
  assert.deepEqual(keys({ http_api: { key: 'short' }, client: { token: { hmac_secret_key: 'change-me-please-now' } } }), ['http_api.key', 'client.token.hmac_secret_key']);
  assert.deepEqual(keys({ http_api: { key: 'q3Vd8Lr0ZpA7mXn2Wb5T' } }), []);
});

test('a weak shared secret sent to a proxy backend is named by its header', () => {
  const raw = { proxies: [{ name: 'app', endpoint: 'http://127.0.0.1:9/x', http: { static_headers: { 'X-Proxy-Secret': 'change-me', 'X-Trace': 'on' } } }] };
  assert.deepEqual(keys(raw), ['proxies[0].http.static_headers.X-Proxy-Secret']);
});

test('config.example.json (what `npm start` runs) listens on loopback and is called out for each development setting', () => {
  const example = validateConfig(JSON.parse(readFileSync(join(REPO_ROOT, 'config.example.json'), 'utf8')));
  assert.equal(example.http_server.address, '127.0.0.1');
  const named = insecureSettings(example).map((s) => s.key);
  for (const key of ['client.allow_anonymous_connect_without_token', 'http_api.key', 'admin.password', 'admin.secret', 'proxies[0].http.static_headers.X-Proxy-Secret']) {
    assert.ok(named.includes(key), `${key} in ${named.join(', ')}`);
  }
});

test('a server started with insecure settings logs one INSECURE line per setting, naming the key', async () => {
  const node = await startNode({ client: { insecure: true }, http_api: { insecure: true } });
  try {
    const lines = node.output().split('\n').filter((l) => l.includes('INSECURE'));
    for (const key of ['client.insecure', 'http_api.insecure', 'client.allow_anonymous_connect_without_token']) {
      assert.equal(lines.filter((l) => l.includes(`INSECURE: ${key}:`)).length, 1, `${key}\n${lines.join('\n')}`);
    }
  } finally {
    await node.stop();
  }
});
