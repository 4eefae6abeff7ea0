/**
 * HTTP proxies to a real backend on port 0: connect, refresh, subscribe,
 * publish, sub_refresh and RPC, with Centrifugo's JSON shapes, named proxies,
 * forwarded and static headers, binary encoding and connection meta.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningServer } from '../src/acceptor/run';
import { callApi } from './helpers/api';
import { startBackend, type Backend, type BackendRequest } from './helpers/backend';
import { sdkClient } from './helpers/clients';
import { nextEvent, sleep } from './helpers/events';
import { closeCode, errorCode, rawCommand, rawConnect } from './helpers/raw-auth';
import { startTestServer } from './helpers/server';
import { hmacToken, inSeconds, TOKENS_ONLY } from './helpers/tokens';

/** The connect proxy's answer, chosen by the client's connect data (`mode`). */
function connectAnswer(req: BackendRequest) {
  const data = req.body.data ?? {};
  switch (data.mode) {
    case 'error':
      return { body: { error: { code: 1001, message: 'not today' } } };
    case 'disconnect':
      return { body: { disconnect: { code: 4501, reason: 'banned' } } };
    case 'none':
      return { body: {} };
    case 'slow':
      return { delayMs: 400, body: { result: { user: 'slow' } } };
    default:
      return {
        body: {
          result: {
            user: data.user ?? 'pat',
            info: { role: 'tester' },
            data: { welcome: true },
            channels: ['proxy-news'],
            meta: { tenant: 42 },
            ...(data.expireIn ? { expire_at: inSeconds(data.expireIn) } : {}),
          },
        },
      };
  }
}

describe('proxies', () => {
  let server: RunningServer;
  let backend: Backend;
  before(async () => {
    backend = await startBackend({
      '/connect': connectAnswer,
      '/subscribe': (req) =>
        req.body.channel === 'px:denied'
          ? { body: { error: { code: 1002, message: 'no room for you' } } }
          : req.body.channel === 'px:broken'
            ? { status: 500 }
            : {
                body: {
                  result: {
                    info: { seat: 7 },
                    data: { motd: 'hello' },
                    ...(req.body.channel.startsWith('px:short') || req.body.channel === 'px:gone' ? { expire_at: inSeconds(2) } : {}),
                  },
                },
              },
      '/publish': (req) =>
        req.body.data?.text === 'forbidden'
          ? { body: { error: { code: 1003, message: 'mind your language' } } }
          : { body: { result: { data: { text: String(req.body.data.text).toUpperCase() }, tags: { checked: 'yes' } } } },
      '/sub_refresh': (req) => ({ body: { result: req.body.channel === 'px:gone' ? { expired: true } : { expire_at: inSeconds(60) } } }),
      '/rpc': (req) => ({ body: { result: { b64data: Buffer.from(JSON.stringify({ echo: req.body.method })).toString('base64') } } }),
      '/other': (req) => ({ body: { result: req.body.method !== undefined ? { data: { via: 'other' } } : {} } }),
    });
    server = await startTestServer({
      shards: { count: 1 },
      client: {
        ...TOKENS_ONLY,
        expired_sub_close_delay: '500ms',
        user_id_http_header: 'X-User',
        proxy: {
          connect: {
            enabled: true,
            endpoint: `${backend.url}/connect`,
            timeout: '1s',
            http_headers: ['X-Forwarded-User', 'Cookie'],
            emulated_headers: ['X-App'],
            http: { static_headers: { 'X-Secret': 's3', 'X-Forwarded-User': 'static-loses' } },
          },
        },
      },
      channel: {
        proxy: {
          subscribe: { endpoint: `${backend.url}/subscribe`, include_connection_meta: true },
          publish: { endpoint: `${backend.url}/publish` },
          sub_refresh: { endpoint: `${backend.url}/sub_refresh` },
        },
        namespaces: [
          {
            name: 'px',
            subscribe_proxy_enabled: true,
            publish_proxy_enabled: true,
            sub_refresh_proxy_enabled: true,
            allow_user_limited_channels: true,
          },
          { name: 'named', subscribe_proxy_enabled: true, subscribe_proxy_name: 'other' },
        ],
      },
      rpc: {
        proxy: { endpoint: `${backend.url}/rpc`, binary_encoding: true },
        without_namespace: { proxy_enabled: true },
        namespaces: [{ name: 'ext', proxy_enabled: true, proxy_name: 'other' }, { name: 'off' }],
        ping: { enabled: true },
      },
      proxies: [{ name: 'other', endpoint: `${backend.url}/other` }],
    });
  });
  after(async () => {
    await server.close();
    await backend.close();
  });

  test('the SDK connects through the connect proxy: Centrifugo request shape, result data, server-side channels', async () => {
    const client = sdkClient(server.wsUrl, { data: { user: 'pat' }, headers: { 'X-App': 'web', 'X-Not-Listed': 'no' }, name: 'js', version: '1.2.3' });
    const subscribed = nextEvent(client, 'subscribed');
    const connected = nextEvent(client, 'connected');
    client.connect();
    assert.deepEqual((await connected).data, { welcome: true });
    assert.equal((await subscribed).channel, 'proxy-news');
    const request = backend.on('/connect').at(-1)!;
    assert.equal(request.method, 'POST');
    assert.equal(request.headers['content-type'], 'application/json');
    assert.equal(request.headers['x-secret'], 's3');
    assert.equal(request.headers['x-app'], 'web');
    assert.equal(request.headers['x-not-listed'], undefined);
    assert.match(request.body.client, /^[0-9a-f-]{36}$/);
    assert.deepEqual({ ...request.body, client: 'id' }, {
      client: 'id',
      transport: 'websocket',
      protocol: 'json',
      encoding: 'json',
      name: 'js',
      version: '1.2.3',
      data: { user: 'pat' },
    });
    const pub = nextEvent(client, 'publication');
    await callApi(server.apiUrl, 'publish', { channel: 'proxy-news', data: { n: 1 } });
    assert.deepEqual((await pub).data, { n: 1 });
    client.disconnect();
  });

  test('upgrade-request headers in http_headers are forwarded (and win over static ones); others are not', async () => {
    const { client, outcome } = await rawConnect(server.wsUrl, {}, { 'X-Forwarded-User': 'from-gateway', Cookie: 'session=1', 'X-Other': 'no' });
    assert.equal(errorCode(outcome), 0);
    const request = backend.on('/connect').at(-1)!;
    assert.equal(request.headers['x-forwarded-user'], 'from-gateway');
    assert.equal(request.headers['cookie'], 'session=1');
    assert.equal(request.headers['x-other'], undefined);
    client.close();
  });

  test('the backend\'s own error and disconnect pass through as they are; no result is no credentials (3501)', async () => {
    const failed = await rawConnect(server.wsUrl, { data: { mode: 'error' } });
    assert.deepEqual((failed.outcome as { reply: any }).reply.error, { code: 1001, message: 'not today' });
    failed.client.close();
    const banned = await rawConnect(server.wsUrl, { data: { mode: 'disconnect' } });
    assert.equal(closeCode(banned.outcome), 4501);
    assert.equal(banned.client.closeReason, 'banned');
    const nobody = await rawConnect(server.wsUrl, { data: { mode: 'none' } });
    assert.equal(closeCode(nobody.outcome), 3501);
  });

  test('client.user_id_http_header names the user when neither a token nor the connect proxy does', async () => {
    const { client, outcome } = await rawConnect(server.wsUrl, { data: { mode: 'none' } }, { 'X-User': 'gateway-user' });
    assert.equal(errorCode(outcome), 0);
    assert.equal(errorCode(await rawCommand(client, { id: 2, subscribe: { channel: 'px:dm#gateway-user' } })), 0, 'user-limited channel of that user');
    client.close();
  });

  test('a token connection does not ask the connect proxy', async () => {
    const before = backend.on('/connect').length;
    const { client, outcome } = await rawConnect(server.wsUrl, { token: await hmacToken({ sub: 'tok' }) });
    assert.equal(errorCode(outcome), 0);
    assert.equal(backend.on('/connect').length, before);
    client.close();
  });

  test('subscribe proxy: grants with info, data and meta; its error passes; a failure is 100; user-limited channels skip it; named proxies', async () => {
    const { client } = await rawConnect(server.wsUrl, { data: { user: 'pat' } });
    const ok = await rawCommand(client, { id: 2, subscribe: { channel: 'px:room', data: { seat: 'any' } } });
    assert.deepEqual((ok as { reply: any }).reply, { id: 2, subscribe: { data: { motd: 'hello' } } });
    const request = backend.on('/subscribe').at(-1)!;
    assert.deepEqual({ ...request.body, client: 'id' }, {
      client: 'id',
      transport: 'websocket',
      protocol: 'json',
      encoding: 'json',
      user: 'pat',
      channel: 'px:room',
      meta: { tenant: 42 },
      data: { seat: 'any' },
    });
    assert.deepEqual((await rawCommand(client, { id: 3, subscribe: { channel: 'px:denied' } }) as { reply: any }).reply.error, {
      code: 1002,
      message: 'no room for you',
    });
    assert.equal(errorCode(await rawCommand(client, { id: 4, subscribe: { channel: 'px:broken' } })), 100);
    const proxied = backend.on('/subscribe').length;
    assert.equal(errorCode(await rawCommand(client, { id: 5, subscribe: { channel: 'px:dm#pat' } })), 0);
    assert.equal(errorCode(await rawCommand(client, { id: 6, subscribe: { channel: 'px:dm#someone' } })), 103);
    assert.equal(backend.on('/subscribe').length, proxied, 'user-limited channels are not sent to the subscribe proxy');
    assert.equal(errorCode(await rawCommand(client, { id: 7, subscribe: { channel: 'named:x' } })), 0);
    assert.equal(backend.on('/other').at(-1)!.body.channel, 'named:x');
    client.close();
  });

  test('publish proxy: decides alone, replaces data and adds tags; its error passes through', async () => {
    const subscriber = sdkClient(server.wsUrl, { data: { user: 'reader' } });
    const sub = subscriber.newSubscription('px:pub');
    const got = nextEvent(sub, 'publication');
    subscriber.connect();
    sub.subscribe();
    await sub.ready(5000);
    const { client } = await rawConnect(server.wsUrl, { data: { user: 'writer' } });
    assert.equal(errorCode(await rawCommand(client, { id: 2, publish: { channel: 'px:pub', data: { text: 'hi' } } })), 0);
    const publication = await got;
    assert.deepEqual(publication.data, { text: 'HI' });
    assert.deepEqual(publication.tags, { checked: 'yes' });
    assert.equal(publication.info.user, 'writer');
    assert.deepEqual(publication.info.connInfo, { role: 'tester' });
    assert.equal(backend.on('/publish').at(-1)!.body.user, 'writer');
    assert.equal(errorCode(await rawCommand(client, { id: 3, publish: { channel: 'px:pub', data: { text: 'forbidden' } } })), 1003);
    client.close();
    subscriber.disconnect();
  });

  test('sub_refresh proxy: an expiring subscription is extended server-side, or ended with 2501 when the backend says expired', async () => {
    const { client } = await rawConnect(server.wsUrl, { data: { user: 'pat' } });
    const kept = await rawCommand(client, { id: 2, subscribe: { channel: 'px:short' } });
    assert.equal((kept as { reply: any }).reply.subscribe.expires, undefined, 'refreshed server-side: the client is not asked');
    assert.equal(errorCode(await rawCommand(client, { id: 3, subscribe: { channel: 'px:gone' } })), 0);
    const push = JSON.parse(await client.nextFrame(6000));
    assert.deepEqual(push, { push: { channel: 'px:gone', unsubscribe: { code: 2501, reason: 'subscription expired' } } });
    await sleep(300);
    assert.ok(backend.on('/sub_refresh').some((r) => r.body.channel === 'px:short' && r.body.user === 'pat'));
    assert.ok(client.isOpen);
    assert.equal(errorCode(await rawCommand(client, { id: 4, subscribe: { channel: 'px:short' } })), 105, 'still subscribed');
    client.close();
  });

  test('rpc: the default proxy (binary encoding), a named one, 108 without a proxy, 104 for an unknown namespace, the ping extension', async () => {
    const { client } = await rawConnect(server.wsUrl, { data: { user: 'pat' } });
    const echoed = await rawCommand(client, { id: 2, rpc: { method: 'sum', data: { a: 1 } } });
    assert.deepEqual((echoed as { reply: any }).reply, { id: 2, rpc: { data: { echo: 'sum' } } });
    const request = backend.on('/rpc').at(-1)!;
    assert.equal(request.body.encoding, 'binary');
    assert.equal(Buffer.from(request.body.b64data, 'base64').toString(), '{"a":1}');
    assert.equal(request.body.user, 'pat');
    assert.deepEqual((await rawCommand(client, { id: 3, rpc: { method: 'ext:go' } }) as { reply: any }).reply, { id: 3, rpc: { data: { via: 'other' } } });
    assert.equal(errorCode(await rawCommand(client, { id: 4, rpc: { method: 'off:go' } })), 108);
    assert.equal(errorCode(await rawCommand(client, { id: 5, rpc: { method: 'nowhere:go' } })), 104);
    assert.deepEqual((await rawCommand(client, { id: 6, rpc: { method: 'ping' } }) as { reply: any }).reply, { id: 6, rpc: {} });
    client.close();
  });

  test('a proxy call does not block the shard: publications flow while a connect proxy request is pending', async () => {
    const listener = sdkClient(server.wsUrl, { data: { user: 'listener' } });
    const sub = listener.newSubscription('px:flow');
    const received: number[] = [];
    sub.on('publication', () => received.push(Date.now()));
    listener.connect();
    sub.subscribe();
    await sub.ready(5000);
    const slow = rawConnect(server.wsUrl, { data: { mode: 'slow' } });
    await sleep(50);
    const sentAt = Date.now();
    await callApi(server.apiUrl, 'publish', { channel: 'px:flow', data: 1 });
    const deadline = Date.now() + 2000;
    while (received.length === 0 && Date.now() < deadline) await sleep(5);
    const { client, outcome } = await slow;
    const answeredAt = Date.now();
    assert.equal(errorCode(outcome), 0);
    assert.equal(received.length, 1);
    assert.ok(received[0]! < answeredAt, 'the publication arrived before the slow proxy answered');
    assert.ok(received[0]! - sentAt < 300, `delivered in ${received[0]! - sentAt} ms`);
    client.close();
    listener.disconnect();
  });
});

describe('refresh proxy', () => {
  let server: RunningServer;
  let backend: Backend;
  before(async () => {
    backend = await startBackend({
      '/connect': connectAnswer,
      '/refresh': (req) => ({ body: { result: req.body.user === 'doomed' ? { expired: true } : { expire_at: inSeconds(60), info: { refreshed: true } } } }),
    });
    server = await startTestServer({
      client: {
        allow_anonymous_connect_without_token: false,
        proxy: {
          connect: { enabled: true, endpoint: `${backend.url}/connect` },
          refresh: { enabled: true, endpoint: `${backend.url}/refresh`, include_connection_meta: true },
        },
      },
    });
  });
  after(async () => {
    await server.close();
    await backend.close();
  });

  test('an expiring connection is refreshed server-side (no expires for the client); expired closes it with 3005', async () => {
    const kept = await rawConnect(server.wsUrl, { data: { user: 'kept', expireIn: 1 } });
    assert.equal((kept.outcome as { reply: any }).reply.connect.expires, undefined);
    const doomed = await rawConnect(server.wsUrl, { data: { user: 'doomed', expireIn: 1 } });
    assert.equal(await doomed.client.waitClose(6000), 3005);
    await sleep(200);
    const request = backend.on('/refresh').find((r) => r.body.user === 'kept');
    assert.ok(request, 'the refresh proxy was asked about the kept connection');
    assert.deepEqual(request.body.meta, { tenant: 42 });
    assert.ok(kept.client.isOpen);
    assert.equal(closeCode(await rawCommand(kept.client, { id: 2, refresh: { token: 'x' } })), 3501, 'server-side refresh: the client may not refresh');
  });
});
