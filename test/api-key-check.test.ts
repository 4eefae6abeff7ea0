/** The server API key check: constant-time comparison, and which parts of a request it reads. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { authorized, sameKey, type KeySource } from '../src/api/http';
import { validateConfig } from '../src/config/validate';

/** A request's key places, counting every read (each is a call into uWS in the server). */
function source(headers: Record<string, string>, query: Record<string, string> = {}): KeySource & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    getHeader: (name) => {
      reads.push(name);
      return headers[name] ?? '';
    },
    getQuery: (name) => {
      reads.push(`?${name}`);
      return query[name];
    },
  };
}

const KEY = 'secret-key-1';
const config = validateConfig({ http_api: { key: KEY } });

describe('API key check', () => {
  test('sameKey: equal strings only, whatever their characters', () => {
    assert.equal(sameKey(KEY, KEY), true);
    assert.equal(sameKey('secret-key-2', KEY), false);
    assert.equal(sameKey('Secret-key-1', KEY), false);
    assert.equal(sameKey('secret-key-', KEY), false);
    assert.equal(sameKey('secret-key-11', KEY), false);
    assert.equal(sameKey('', ''), true);
    assert.equal(sameKey('', KEY), false);
    assert.equal(sameKey('ключ-🔑', 'ключ-🔑'), true);
    assert.equal(sameKey('ключ-🔐', 'ключ-🔑'), false);
  });

  test('a matching X-API-Key is all that is read', () => {
    const req = source({ 'x-api-key': KEY });
    assert.equal(authorized(config, req), true);
    assert.deepEqual(req.reads, ['x-api-key']);
  });

  test('Authorization: apikey is read only without X-API-Key; the query key last', () => {
    const viaAuthorization = source({ authorization: `apikey ${KEY}` });
    assert.equal(authorized(config, viaAuthorization), true);
    assert.deepEqual(viaAuthorization.reads, ['x-api-key', 'authorization']);

    const wrongHeader = source({ 'x-api-key': 'nope', authorization: `apikey ${KEY}` });
    assert.equal(authorized(config, wrongHeader), false, 'Authorization does not count once X-API-Key is given');
    assert.deepEqual(wrongHeader.reads, ['x-api-key', '?api_key']);

    assert.equal(authorized(config, source({ 'x-api-key': 'nope' }, { api_key: KEY })), true, 'as Centrifugo: the query is checked last');
    assert.equal(authorized(config, source({ authorization: 'Bearer x' }, { api_key: 'nope' })), false);
    assert.equal(authorized(config, source({ authorization: `APIKEY   ${KEY}  ` })), true);
    assert.equal(authorized(config, source({}, { api_key: '' })), false);
  });

  test('no key configured refuses everything; insecure reads nothing', () => {
    assert.equal(authorized(validateConfig({}), source({ 'x-api-key': '' })), false);
    const insecure = source({});
    assert.equal(authorized(validateConfig({ http_api: { insecure: true } }), insecure), true);
    assert.deepEqual(insecure.reads, []);
  });
});
