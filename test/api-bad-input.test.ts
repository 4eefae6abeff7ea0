/** The server API rejects bad keys and bad bodies with Centrifugo's statuses and a JSON error body. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningServer } from '../src/acceptor/run';
import { callApi } from './helpers/api';
import { API_KEY, startTestServer } from './helpers/server';

describe('server API bad input', () => {
  let server: RunningServer;
  before(async () => {
    server = await startTestServer({ shards: { count: 2 } });
  });
  after(() => server.close());

  test('missing key → 401', async () => {
    const a = await callApi(server.apiUrl, 'publish', { channel: 'x', data: {} }, {});
    assert.equal(a.status, 401);
    assert.equal(a.body.error.code, 101);
  });

  test('wrong key → 401, in either header form', async () => {
    assert.equal((await callApi(server.apiUrl, 'info', {}, { 'X-API-Key': 'nope' })).status, 401);
    assert.equal((await callApi(server.apiUrl, 'info', {}, { Authorization: 'apikey nope' })).status, 401);
    assert.equal((await callApi(server.apiUrl, 'info', {}, { Authorization: `apikey ${API_KEY}` })).status, 200);
  });

  test('malformed JSON body → 400 with code 107', async () => {
    const a = await callApi(server.apiUrl, 'publish', '{"channel":');
    assert.equal(a.status, 400);
    assert.equal(a.body.error.code, 107);
  });

  test('a body that is not an object → 400 with code 107', async () => {
    for (const body of ['[1]', '"x"', 'null', '']) {
      const a = await callApi(server.apiUrl, 'publish', body);
      assert.equal(a.status, 400, body);
      assert.equal(a.body.error.code, 107);
    }
  });

  test('unknown method → 404 with code 104', async () => {
    const a = await callApi(server.apiUrl, 'teleport', {});
    assert.equal(a.status, 404);
    assert.equal(a.body.error.code, 104);
  });

  test('GET → 405', async () => {
    const a = await callApi(server.apiUrl, 'publish', '', { 'X-API-Key': API_KEY }, 'GET');
    assert.equal(a.status, 405);
    assert.equal(a.body.error.code, 107);
  });

  test('any method but POST → 405, after the key check; an unknown method name → 404 whatever the HTTP method', async () => {
    for (const httpMethod of ['PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const a = await callApi(server.apiUrl, 'publish', '', { 'X-API-Key': API_KEY }, httpMethod);
      assert.equal(a.status, 405, httpMethod);
      assert.equal(a.body.error.code, 107, httpMethod);
      assert.equal((await callApi(server.apiUrl, 'publish', '', { 'X-API-Key': 'nope' }, httpMethod)).status, 401, httpMethod);
    }
    const unknown = await callApi(server.apiUrl, 'teleport', '', { 'X-API-Key': API_KEY }, 'GET');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.code, 104);
    const base = server.apiUrl.replace(/\/api$/, '');
    assert.equal((await callApi(base, 'api', '', { 'X-API-Key': API_KEY }, 'PUT')).status, 405);
    assert.equal((await callApi(base, 'api', '', { 'X-API-Key': 'nope' }, 'PUT')).status, 401);
  });

  test('missing or mistyped fields → 200 with error 107 naming the field', async () => {
    const cases: [string, unknown, string][] = [
      ['publish', { data: {} }, 'channel'],
      ['publish', { channel: 'x' }, 'data'],
      ['publish', { channel: 'x', data: {}, tags: { a: 1 } }, 'tags.a'],
      ['broadcast', { data: {} }, 'channels'],
      ['subscribe', { channel: 'x' }, 'user'],
      ['disconnect', { user: 'u', disconnect: { code: 1000, reason: 'x' } }, 'disconnect.code'],
      ['refresh', { user: 'u', expire_at: 'soon' }, 'expire_at'],
      ['batch', { commands: 'x' }, 'commands'],
    ];
    for (const [method, body, field] of cases) {
      const a = await callApi(server.apiUrl, method, body);
      assert.equal(a.status, 200, method);
      assert.equal(a.body.error.code, 107, `${method} ${JSON.stringify(body)}`);
      assert.match(a.body.error.message, new RegExp(field.replace('.', '\\.')));
    }
  });

  test('unknown namespace → 102', async () => {
    const a = await callApi(server.apiUrl, 'publish', { channel: 'nope:x', data: {} });
    assert.deepEqual(a.body, { error: { code: 102, message: 'unknown channel' } });
  });

  test('broadcast answers per channel, errors included', async () => {
    const a = await callApi(server.apiUrl, 'broadcast', { channels: ['ok', 'nope:x', ''], data: 1 });
    assert.deepEqual(a.body.result.responses, [
      { result: {} },
      { error: { code: 102, message: 'unknown channel' } },
      { error: { code: 107, message: 'channel required' } },
    ]);
  });

  test('batch runs each command and reports each outcome', async () => {
    const a = await callApi(server.apiUrl, 'batch', {
      commands: [{ publish: { channel: 'a', data: 1 } }, { publish: { channel: 'nope:x', data: 1 } }, { teleport: {} }, { info: {} }],
    });
    const replies = a.body.result.replies;
    assert.deepEqual(replies[0], { publish: {} });
    assert.equal(replies[1].error.code, 102);
    assert.equal(replies[2].error.code, 104);
    assert.equal(replies[3].info.nodes.length, 1);
  });

  test('history and presence answer 108 until enabled', async () => {
    assert.equal((await callApi(server.apiUrl, 'history', { channel: 'a' })).body.error.code, 108);
    assert.equal((await callApi(server.apiUrl, 'presence', { channel: 'a' })).body.error.code, 108);
  });
});
