/**
 * Unidirectional transports end to end, on 4 shards: a plain WebSocket, a
 * fetch reader and an EventSource receive the connect push, publications of
 * their server-side channels, join/leave, pings, the disconnect push; they
 * recover a server-side subscription after a reconnect; and the client count
 * returns to 0 when they go away.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningServer } from '../src/acceptor/run';
import { callApi } from './helpers/api';
import { startBackend, type Backend } from './helpers/backend';
import { startTestServer } from './helpers/server';
import { hmacToken, TOKENS_ONLY } from './helpers/tokens';
import { uniGrpc, uniHttpStream, uniSse, uniWebSocket, type UniClient, expectClientCount } from './helpers/uni';

type Opener = (port: number, request: unknown) => UniClient;

const TRANSPORTS: readonly [string, Opener][] = [
  ['uni_websocket (first message)', (port, request) => uniWebSocket(port, request)],
  ['uni_websocket (cf_connect)', (port, request) => uniWebSocket(port, request, true)],
  ['uni_http_stream', (port, request) => uniHttpStream(port, request)],
  ['uni_sse', (port, request) => uniSse(port, request)],
];

describe('unidirectional transports', () => {
  let server: RunningServer;
  before(async () => {
    server = await startTestServer({
      shards: { count: 4 },
      client: { ...TOKENS_ONLY, ping_interval: '2s', pong_timeout: '1s' },
      uni_websocket: { enabled: true },
      uni_sse: { enabled: true },
      uni_http_stream: { enabled: true },
      channel: {
        namespaces: [
          { name: 'feed', history_size: 10, history_ttl: '60s', force_recovery: true, join_leave: true, force_push_join_leave: true, presence: true },
        ],
      },
    });
  });
  after(() => server.close());

  for (const [name, open] of TRANSPORTS) {
    test(`${name}: connect push, publications, join/leave, pings without pong, recovery after a reconnect, cleanup`, async () => {
      const user = `u-${name.replace(/\W/g, '')}`;
      const channel = `feed:${user}`;
      const token = await hmacToken({ sub: user, channels: [channel] });
      const first = open(server.port, { token });
      const connect = await first.next((p) => p.connect, 'connect');
      assert.equal(typeof connect.connect.client, 'string');
      assert.equal(typeof connect.connect.session, 'string');
      assert.equal(connect.connect.pong, false);
      assert.equal(connect.connect.ping, 2);
      const sub = connect.connect.subs[channel];
      assert.equal(sub.recoverable, true);
      assert.equal(typeof sub.epoch, 'string');

      // Publications through the API reach it as bare pushes.
      const published = await callApi(server.apiUrl, 'publish', { channel, data: { n: 1 } });
      assert.equal(published.status, 200);
      const pub = await first.next((p) => p.pub, 'pub');
      assert.deepEqual(pub, { channel, pub: { data: { n: 1 }, offset: 1 } });

      // Another connection of a different user on the same channel: join, then leave.
      const otherToken = await hmacToken({ sub: `${user}-other`, channels: [channel] });
      const other = uniWebSocket(server.port, { token: otherToken });
      await other.next((p) => p.connect, 'other connect');
      const join = await first.next((p) => p.join?.info.user === `${user}-other`, 'join');
      assert.equal(join.channel, channel);
      other.close();
      const leave = await first.next((p) => p.leave, 'leave');
      assert.equal(leave.channel, channel);
      assert.equal(leave.leave.info.user, `${user}-other`);

      // Pings are empty pushes; not answering them does not end the connection (no 3012).
      await first.next((p) => Object.keys(p).length === 0, 'ping', 10_000);
      await first.next((p) => Object.keys(p).length === 0, 'second ping', 10_000);

      const position = { offset: pub.pub.offset, epoch: sub.epoch };
      first.close();
      await first.ended;
      await expectClientCount(server.apiUrl, 0);

      // Missed while away.
      await callApi(server.apiUrl, 'publish', { channel, data: { n: 2 } });
      await callApi(server.apiUrl, 'publish', { channel, data: { n: 3 } });

      const second = open(server.port, { token, subs: { [channel]: { recover: true, offset: position.offset, epoch: position.epoch } } });
      const again = await second.next((p) => p.connect, 'connect after reconnect');
      const recovered = again.connect.subs[channel];
      assert.equal(recovered.recovered, true);
      assert.equal(recovered.was_recovering, true);
      assert.deepEqual(
        recovered.publications.map((p: { data: unknown }) => p.data),
        [{ n: 2 }, { n: 3 }],
      );
      await callApi(server.apiUrl, 'publish', { channel, data: { n: 4 } });
      assert.deepEqual((await second.next((p) => p.pub, 'pub after recovery')).pub.data, { n: 4 });

      // The server API refreshes it: a refresh push with the new expiry.
      const refreshed = await callApi(server.apiUrl, 'refresh', { user, expire_at: Math.floor(Date.now() / 1000) + 600 });
      assert.equal(refreshed.status, 200);
      const refresh = (await second.next((p) => p.refresh, 'refresh')).refresh;
      assert.equal(refresh.expires, true);
      assert.ok(refresh.ttl > 590 && refresh.ttl <= 600, `ttl ${refresh.ttl}`);

      // The server API disconnects it: a disconnect push, then the end of the stream.
      const disconnected = await callApi(server.apiUrl, 'disconnect', { user, disconnect: { code: 4500, reason: 'bye' } });
      assert.equal(disconnected.status, 200);
      const push = await second.next((p) => p.disconnect, 'disconnect');
      assert.deepEqual(push.disconnect, { code: 4500, reason: 'bye' });
      await second.ended;
      await expectClientCount(server.apiUrl, 0);
    });
  }

  test('the personal channel is subscribed server-side for uni clients too', async () => {
    const personal = await startTestServer({
      shards: { count: 1 },
      client: { ...TOKENS_ONLY, subscribe_to_user_personal_channel: { enabled: true, personal_channel_namespace: 'personal' } },
      uni_http_stream: { enabled: true },
      channel: { namespaces: [{ name: 'personal' }] },
    });
    try {
      const client = uniHttpStream(personal.port, { token: await hmacToken({ sub: 'carol' }) });
      const connect = await client.next((p) => p.connect, 'connect');
      assert.deepEqual(Object.keys(connect.connect.subs), ['personal:#carol']);
      await callApi(personal.apiUrl, 'publish', { channel: 'personal:#carol', data: { hi: 'carol' } });
      assert.deepEqual((await client.next((p) => p.pub, 'pub')).pub.data, { hi: 'carol' });
      client.close();
      await client.ended;
    } finally {
      await personal.close();
    }
  });
});

describe('unidirectional transports with the connect proxy', () => {
  let server: RunningServer;
  let backend: Backend;
  before(async () => {
    backend = await startBackend({
      '/connect': (req) => {
        const mode = req.body.data?.mode;
        if (mode === 'disconnect') return { body: { disconnect: { code: 4503, reason: 'go home' } } };
        if (mode === 'error') return { body: { error: { code: 1001, message: 'not today' } } };
        return { body: { result: { user: 'proxied', channels: ['proxy-feed'], data: { hi: 1 } } } };
      },
    });
    server = await startTestServer({
      shards: { count: 2 },
      client: { ...TOKENS_ONLY, proxy: { connect: { enabled: true, endpoint: `${backend.url}/connect`, timeout: '2s', emulated_headers: ['x-app'] } } },
      uni_http_stream: { enabled: true },
      uni_grpc: { enabled: true, address: '127.0.0.1', port: 0 },
    });
  });
  after(async () => {
    await server.close();
    await backend.close();
  });

  test('the proxy is asked with the uni transport and protocol; its user, channels and data apply; its disconnect and errors end the stream', async () => {
    const client = uniHttpStream(server.port, { data: { mode: 'ok' }, headers: { 'X-App': 'kiosk' } });
    const connect = (await client.next((p) => p.connect, 'connect')).connect;
    assert.deepEqual(connect.data, { hi: 1 });
    assert.deepEqual(Object.keys(connect.subs), ['proxy-feed']);
    const asked = backend.on('/connect').at(-1)!;
    assert.equal(asked.body.transport, 'uni_http_stream');
    assert.equal(asked.body.protocol, 'json');
    assert.equal(asked.headers['x-app'], 'kiosk');
    await callApi(server.apiUrl, 'publish', { channel: 'proxy-feed', data: { n: 1 } });
    assert.deepEqual((await client.next((p) => p.pub, 'pub')).pub.data, { n: 1 });
    client.close();

    const grpcClient = uniGrpc(server.grpcPort, { data: new TextEncoder().encode('{"mode":"ok"}') });
    await grpcClient.next((p) => p.connect, 'gRPC connect');
    const askedByGrpc = backend.on('/connect').at(-1)!;
    assert.equal(askedByGrpc.body.transport, 'uni_grpc');
    assert.equal(askedByGrpc.body.protocol, 'protobuf');
    grpcClient.close();

    const refused = uniHttpStream(server.port, { data: { mode: 'disconnect' } });
    assert.deepEqual(await refused.next((p) => p.disconnect, 'disconnect'), { disconnect: { code: 4503, reason: 'go home' } });
    const failed = uniHttpStream(server.port, { data: { mode: 'error' } });
    // A custom error code has no disconnect of its own: 3004, as Centrifugo's default mapping.
    assert.deepEqual(await failed.next((p) => p.disconnect, 'disconnect'), { disconnect: { code: 3004, reason: 'internal server error' } });
    await expectClientCount(server.apiUrl, 0);
  });
});

