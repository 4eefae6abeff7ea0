/**
 * The server HTTP API options Centrifugo v6 has: the key in the query
 * string, the transport error mode (config and header), handler_prefix and
 * disabled, publish version/version_epoch, rpc, the legacy `{"method",
 * "params"}` form, subscribe with recover_since, info's metrics and process,
 * and a 107 naming the field for every mistyped field of every method.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningServer } from '../src/acceptor/run';
import { REQUEST_FIELDS, type FieldType } from '../src/api/request-fields';
import { callApi } from './helpers/api';
import { sdkClient } from './helpers/clients';
import { nextEvent } from './helpers/events';
import { API_KEY, startTestServer } from './helpers/server';
import { HMAC_SECRET, hmacToken } from './helpers/tokens';

const NAMESPACES = [{ name: 'hist', history_size: 10, history_ttl: '60s', force_recovery: true }];
const NO_KEY = {};
const KEY = { 'X-API-Key': API_KEY };

describe('server API options', () => {
  let server: RunningServer;
  before(async () => {
    server = await startTestServer({ client: { token: { hmac_secret_key: HMAC_SECRET } }, channel: { namespaces: NAMESPACES } });
  });
  after(() => server.close());

  test('the key may come as ?api_key=; a wrong one is 401 however it comes', async () => {
    assert.equal((await callApi(server.apiUrl, `info?api_key=${API_KEY}`, {}, NO_KEY)).status, 200);
    assert.equal((await callApi(server.apiUrl, 'info?api_key=nope', {}, NO_KEY)).status, 401);
    assert.equal((await callApi(server.apiUrl, `info?api_key=${API_KEY}`, {}, { 'X-API-Key': 'nope' })).status, 200); // as Centrifugo: the query is checked last
    assert.equal((await callApi(server.apiUrl, 'info?api_key=', {}, NO_KEY)).status, 401);
  });

  test('X-Centrifugo-Error-Mode: transport answers errors with their HTTP status and {code, message}', async () => {
    const transport = { ...KEY, 'X-Centrifugo-Error-Mode': 'transport' };
    const position = (await callApi(server.apiUrl, 'publish', { channel: 'hist:t', data: 1 })).body.result;
    const cases: [string, unknown, number, number][] = [
      ['publish', { channel: 'nowhere:x', data: 1 }, 404, 102],
      ['publish', { data: 1 }, 400, 107],
      ['history', { channel: 'plain' }, 400, 108],
      ['history', { channel: 'hist:t', limit: 1, since: { offset: 0, epoch: 'other' } }, 416, 112],
      ['rpc', { method: 'anything' }, 404, 104],
    ];
    for (const [method, body, status, code] of cases) {
      const a = await callApi(server.apiUrl, method, body, transport);
      assert.equal(a.status, status, `${method} ${JSON.stringify(body)}`);
      assert.equal(a.body.code, code);
      assert.equal(typeof a.body.message, 'string');
      assert.equal((await callApi(server.apiUrl, method, body)).status, 200); // without the header
    }
    assert.deepEqual((await callApi(server.apiUrl, 'history', { channel: 'hist:t' }, transport)).body, { result: { publications: [], offset: position.offset, epoch: position.epoch } });
    const batch = await callApi(server.apiUrl, 'batch', { commands: [{ publish: { channel: 'nowhere:x', data: 1 } }] }, transport);
    assert.deepEqual([batch.status, batch.body.result.replies[0].error.code], [200, 102]);
  });

  test('publish version: an older or equal version is skipped and answers the current position; a new version epoch starts over', async () => {
    const client = sdkClient(server.wsUrl, { token: await hmacToken({ sub: 'v', channels: ['hist:v'] }) });
    const got: unknown[] = [];
    client.on('publication', (ctx) => got.push(ctx.data));
    const subscribed = nextEvent(client, 'subscribed');
    client.connect();
    await subscribed;
    try {
      const publish = async (data: number, version: unknown, version_epoch?: string) =>
        (await callApi(server.apiUrl, 'publish', { channel: 'hist:v', data, version, ...(version_epoch ? { version_epoch } : {}) })).body;
      const five = (await publish(5, 5)).result;
      assert.deepEqual(await publish(3, 3), { result: five });
      assert.deepEqual(await publish(55, 5), { result: five });
      assert.equal((await publish(6, '6')).result.offset, five.offset + 1); // a decimal string, as protobuf JSON allows
      assert.equal((await publish(2, 2, 'e2')).result.offset, five.offset + 2);
      assert.deepEqual((await publish(1, 1, 'e2')).result.offset, five.offset + 2);
      assert.deepEqual((await publish(9, -1)).error.code, 107);
      const plain = await callApi(server.apiUrl, 'publish', { channel: 'plain', data: 1, version: 1 });
      assert.deepEqual(plain.body, { result: {} }); // no history: version is not checked
      assert.deepEqual((await callApi(server.apiUrl, 'publish', { channel: 'plain', data: 2, version: 1 })).body, { result: {} });
      const broadcast = await callApi(server.apiUrl, 'broadcast', { channels: ['hist:v'], data: 0, version: 1, version_epoch: 'e2' });
      assert.deepEqual(broadcast.body.result.responses[0].result.offset, five.offset + 2);
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(got, [5, 6, 2]);
    } finally {
      client.disconnect();
    }
  });

  test('subscribe with recover_since recovers from that position (the push carries it; publications are not replayed, as in Centrifugo)', async () => {
    const first = (await callApi(server.apiUrl, 'publish', { channel: 'hist:r', data: { n: 1 } })).body.result;
    await callApi(server.apiUrl, 'publish', { channel: 'hist:r', data: { n: 2 } });
    const client = sdkClient(server.wsUrl, { token: await hmacToken({ sub: 'r' }) });
    const connected = nextEvent(client, 'connected');
    client.connect();
    await connected;
    try {
      let subscribed = nextEvent(client, 'subscribed');
      const a = await callApi(server.apiUrl, 'subscribe', { user: 'r', channel: 'hist:r', recover_since: { offset: first.offset, epoch: first.epoch } });
      assert.deepEqual(a.body, { result: {} });
      let ctx = await subscribed;
      assert.deepEqual([ctx.recovered, ctx.recoverable, ctx.streamPosition], [true, true, { offset: first.offset, epoch: first.epoch }]);
      const unsubscribed = nextEvent(client, 'unsubscribed');
      await callApi(server.apiUrl, 'unsubscribe', { user: 'r', channel: 'hist:r' });
      await unsubscribed;
      subscribed = nextEvent(client, 'subscribed');
      await callApi(server.apiUrl, 'subscribe', { user: 'r', channel: 'hist:r' });
      ctx = await subscribed;
      assert.deepEqual([ctx.recovered, ctx.streamPosition], [false, { offset: first.offset + 1, epoch: first.epoch }]);
    } finally {
      client.disconnect();
    }
  });

  test('rpc: no server-side RPC methods (as Centrifugo OSS): 104, or 107 without a method', async () => {
    assert.deepEqual((await callApi(server.apiUrl, 'rpc', { method: 'getUserStatus', params: {} })).body, { error: { code: 104, message: 'method not found' } });
    assert.equal((await callApi(server.apiUrl, 'rpc', {})).body.error.code, 107);
  });

  test("Centrifugo's map and shared-poll methods are 108; a PRO method is 104", async () => {
    assert.equal((await callApi(server.apiUrl, 'map_publish', { channel: 'x', key: 'k', data: {} })).body.error.code, 108);
    assert.equal((await callApi(server.apiUrl, 'shared_poll_publish', {})).body.error.code, 108);
    const pro = await callApi(server.apiUrl, 'connections', {});
    assert.deepEqual([pro.status, pro.body.error.code], [404, 104]);
  });

  test('info lists metrics and process for the node', async () => {
    const node = (await callApi(server.apiUrl, 'info', {})).body.result.nodes[0];
    assert.equal(typeof node.metrics.interval, 'number');
    for (const name of ['centrifugo.node.num_clients', 'centrifugo.node.num_users', 'centrifugo.node.num_channels', 'centrifugo.node.num_subscriptions']) {
      assert.equal(typeof node.metrics.items[name], 'number', name);
    }
    assert.ok(node.process.rss > 1_000_000);
    assert.ok(node.process.cpu >= 0);
  });

  test('the legacy form: newline-delimited {"method","params"} commands, one reply per line, ids echoed', async () => {
    const body = [
      JSON.stringify({ id: 1, method: 'publish', params: { channel: 'hist:l', data: { n: 1 } } }),
      JSON.stringify({ id: 2, method: 'PRESENCE', params: { channel: 'hist:l' } }),
      JSON.stringify({ method: 6, params: { channel: 'hist:l', limit: -1 } }),
      JSON.stringify({ id: 4, method: 'teleport', params: {} }),
      '',
    ].join('\n');
    const a = await callApi(server.apiUrl.replace(/\/api$/, ''), 'api', body);
    assert.equal(a.status, 200);
    const replies = a.text.split('\n').map((line) => JSON.parse(line));
    assert.equal(replies.length, 4);
    assert.deepEqual(replies[0], { id: 1, result: { offset: 1, epoch: replies[0].result.epoch } });
    assert.deepEqual(replies[1], { id: 2, error: { code: 108, message: 'not available' } });
    assert.deepEqual(replies[2].result.publications.map((p: { data: unknown }) => p.data), [{ n: 1 }]);
    assert.deepEqual(replies[3], { id: 4, error: { code: 104, message: 'method not found' } });
    const base = server.apiUrl.replace(/\/api$/, '');
    assert.equal((await callApi(base, 'api', '')).status, 400);
    assert.equal((await callApi(base, 'api', '{"method":')).status, 400);
    assert.equal((await callApi(base, 'api', '', KEY, 'GET')).status, 405);
    assert.equal((await callApi(base, 'api', JSON.stringify({ method: 'info' }), NO_KEY)).status, 401);
  });
});

/** A value of the wrong type for a field, and the path its 107 names. */
function wrongValue(name: string, type: FieldType): [unknown, string] | null {
  if (typeof type === 'object') return ['x', name];
  switch (type) {
    case 'string':
      return [5, name];
    case 'bool':
      return ['yes', name];
    case 'int':
      return [1.5, name];
    case 'uint':
      return [-1, name];
    case 'strings':
      return [[1], name];
    case 'tags':
      return [{ a: 1 }, `${name}.a`];
    case 'message':
    case 'messages':
      return ['x', name];
    case 'json':
      return null;
  }
}

describe('a mistyped field of any method is 107 naming it', () => {
  let server: RunningServer;
  before(async () => {
    server = await startTestServer({ channel: { namespaces: NAMESPACES } });
  });
  after(() => server.close());

  test('every field of every method, and fields inside messages', async () => {
    const cases: [string, Record<string, unknown>, string][] = [];
    for (const [method, fields] of Object.entries(REQUEST_FIELDS)) {
      for (const [name, type] of Object.entries(fields)) {
        const wrong = wrongValue(name, type);
        if (wrong) cases.push([method, { [name]: wrong[0] }, wrong[1]]);
      }
    }
    cases.push(['disconnect', { user: 'u', disconnect: { code: 'x' } }, 'disconnect.code']);
    cases.push(['history', { channel: 'hist:x', since: { offset: 1, epoch: 7 } }, 'since.epoch']);
    cases.push(['subscribe', { user: 'u', channel: 'x', override: { presence: { value: 'yes' } } }, 'override.presence.value']);
    assert.ok(cases.length > 60, `${cases.length} cases`);
    for (const [method, body, path] of cases) {
      const a = await callApi(server.apiUrl, method, body);
      assert.equal(a.body?.error?.code, 107, `${method} ${JSON.stringify(body)}: ${a.text}`);
      assert.ok(a.body.error.message.startsWith(`${path} must be`), `${method}: ${a.body.error.message}`);
    }
  });
});

describe('http_api options in the config', () => {
  test('handler_prefix moves the API (and its legacy form); error_mode "transport" applies to every request', async () => {
    const server = await startTestServer({ http_api: { handler_prefix: '/custom/api/', error_mode: 'transport' } });
    try {
      assert.match(server.apiUrl, /\/custom\/api$/);
      const unknown = await callApi(server.apiUrl, 'publish', { channel: 'nowhere:x', data: 1 });
      assert.deepEqual([unknown.status, unknown.body], [404, { code: 102, message: 'unknown channel' }]);
      assert.deepEqual((await callApi(server.apiUrl, 'publish', { channel: 'ok', data: 1 })).body, { result: {} });
      const base = server.apiUrl.replace(/\/custom\/api$/, '');
      assert.equal((await callApi(base, 'api/publish', { channel: 'ok', data: 1 })).status, 404);
      assert.equal((await callApi(base, 'custom/api', JSON.stringify({ method: 'info' }))).status, 200);
    } finally {
      await server.close();
    }
  });

  test('a root handler_prefix serves methods at /<method>; disabled serves no API', async () => {
    const root = await startTestServer({ http_api: { handler_prefix: '/' } });
    try {
      assert.deepEqual((await callApi(root.apiUrl, 'publish', { channel: 'ok', data: 1 })).body, { result: {} });
      assert.equal((await callApi(root.apiUrl, '', JSON.stringify({ method: 'publish', params: { channel: 'ok', data: 1 } }))).status, 200);
      assert.equal((await callApi(root.apiUrl, 'health', '', KEY, 'GET')).status, 200); // other routes still answer
    } finally {
      await root.close();
    }
    const disabled = await startTestServer({ http_api: { disabled: true } });
    try {
      assert.equal((await callApi(disabled.apiUrl, 'info', {})).status, 404);
    } finally {
      await disabled.close();
    }
  });
});
