/**
 * End to end with the real centrifuge SDK over HTTP-streaming and SSE (no
 * WebSocket): connect, subscribe, publish from the SDK and the API, receive.
 * Every SDK request goes over its own TCP connection, so commands sent by
 * `POST /emulation` land on any shard and are routed to the session's one.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Centrifuge, Subscription } from 'centrifuge';
import type { RunningServer } from '../src/acceptor/run';
import { sessionShard } from '../src/shards/cluster/emulation-routing';
import { callApi } from './helpers/api';
import { waitFor } from './helpers/clients';
import { baseUrl, closingFetch, emulatedClient } from './helpers/emulation';
import { startTestServer } from './helpers/server';
import { HMAC_SECRET, hmacToken } from './helpers/tokens';

const CLIENTS = 6;

interface Member {
  readonly client: Centrifuge;
  readonly sub: Subscription;
  readonly received: unknown[];
}

async function member(port: number, transport: 'http_stream' | 'sse', channel: string, user: string): Promise<Member> {
  const client = emulatedClient(port, transport, { token: await hmacToken({ sub: user }) });
  const received: unknown[] = [];
  const sub = client.newSubscription(channel);
  sub.on('publication', (ctx) => received.push(ctx.data));
  client.connect();
  sub.subscribe();
  await sub.ready(15_000);
  return { client, sub, received };
}

/** The SDK keeps the session it got in the connect result here. */
function sessionOf(client: Centrifuge): string {
  return (client as unknown as { _session: string })._session;
}

async function numClients(apiUrl: string): Promise<number> {
  const info = await callApi(apiUrl, 'info', {});
  return info.body.result.nodes[0].num_clients as number;
}

for (const shards of [4, 1]) {
  for (const transport of ['http_stream', 'sse'] as const) {
    describe(`SDK over ${transport} with shards.count=${shards}`, () => {
      let server: RunningServer;
      const members: Member[] = [];
      const channel = `room-${transport}`;

      before(async () => {
        server = await startTestServer({
          shards: { count: shards },
          client: { token: { hmac_secret_key: HMAC_SECRET } },
          http_stream: { enabled: true },
          sse: { enabled: true },
        });
        for (let i = 0; i < CLIENTS; i++) members.push(await member(server.port, transport, channel, `user${i}`));
      });

      after(async () => {
        for (const m of members) m.client.disconnect();
        await waitFor(() => members.every((m) => m.client.state === 'disconnected'), 'clients disconnected');
        assert.equal(await server.close(), true);
      });

      test('connect result has a session naming the shard, and the node', async () => {
        const info = await callApi(server.apiUrl, 'info', {});
        const node = info.body.result.nodes[0];
        assert.equal(node.num_clients, CLIENTS);
        const perShard = new Array<number>(shards).fill(0);
        for (const m of members) {
          const shard = sessionShard(sessionOf(m.client), shards);
          assert.notEqual(shard, null, `session ${sessionOf(m.client)}`);
          perShard[shard!]!++;
          assert.equal((m.client as unknown as { _node: string })._node, node.uid);
        }
        assert.deepEqual(
          perShard,
          node.shards.map((s: { num_clients: number }) => s.num_clients),
        );
      });

      test('publications from the SDK and from the API reach every member in order', async () => {
        const sent: unknown[] = [];
        for (let n = 0; n < 10; n++) {
          const data = { from: 'sdk', n };
          await members[n % CLIENTS]!.sub.publish(data);
          sent.push(data);
        }
        for (let n = 0; n < 10; n++) {
          const data = { from: 'api', n };
          const answer = await callApi(server.apiUrl, 'publish', { channel, data });
          assert.deepEqual(answer.body, { result: {} });
          sent.push(data);
        }
        await waitFor(() => members.every((m) => m.received.length >= sent.length), 'all publications', 20_000);
        for (const m of members) assert.deepEqual(m.received, sent);
      });

      test('an error reply comes back over the stream (presence is off in this namespace)', async () => {
        await assert.rejects(members[1]!.sub.presenceStats(), (err: { code: number }) => err.code === 108);
      });

      test('server API unsubscribe by session reaches only that session', async () => {
        const [m1, m2] = [members[2]!, members[3]!];
        const unsubscribed: string[] = [];
        m1.sub.on('unsubscribed', () => unsubscribed.push('m1'));
        m2.sub.on('unsubscribed', () => unsubscribed.push('m2'));
        // m2's session but m1's user: no connection matches.
        const miss = await callApi(server.apiUrl, 'unsubscribe', { user: 'user2', channel, session: sessionOf(m2.client) });
        assert.deepEqual(miss.body, { result: {} });
        const hit = await callApi(server.apiUrl, 'unsubscribe', { user: 'user3', channel, session: sessionOf(m2.client) });
        assert.deepEqual(hit.body, { result: {} });
        await waitFor(() => unsubscribed.length > 0, 'unsubscribe push', 15_000);
        await new Promise((r) => setTimeout(r, 200));
        assert.deepEqual(unsubscribed, ['m2']);
        m2.sub.subscribe();
        await m2.sub.ready(15_000);
      });

      test('server API disconnect ends the stream with the disconnect push; the SDK reconnects', async () => {
        const m = members[0]!;
        const oldSession = sessionOf(m.client);
        const client = (m.client as unknown as { _client: string })._client;
        const seen: { code: number; reason: string }[] = [];
        m.client.on('connecting', (ctx) => seen.push({ code: ctx.code, reason: ctx.reason }));
        const answer = await callApi(server.apiUrl, 'disconnect', { user: 'user0', client, disconnect: { code: 4000, reason: 'reconnect please' } });
        assert.deepEqual(answer.body, { result: {} });
        // The SDK saw the disconnect push (the stream's end alone would give a transport code).
        await waitFor(() => seen.length > 0, 'connecting event', 15_000);
        assert.deepEqual(seen[0], { code: 4000, reason: 'reconnect please' });
        await waitFor(() => sessionOf(m.client) !== oldSession && m.client.state === 'connected', 'reconnected with a new session', 20_000);
        await m.sub.ready(15_000);
        const data = { after: 'reconnect' };
        await callApi(server.apiUrl, 'publish', { channel, data });
        await waitFor(() => m.received.some((d) => JSON.stringify(d) === JSON.stringify(data)), 'publication after reconnect', 15_000);
        assert.equal(await numClients(server.apiUrl), CLIENTS);
      });
    });
  }
}

describe('server pings over emulated transports are answered by pongs through /emulation', () => {
  test('clients stay connected across many ping intervals', async () => {
    const server = await startTestServer({
      shards: { count: 2 },
      client: { ping_interval: '1s', pong_timeout: '900ms' },
      http_stream: { enabled: true },
      sse: { enabled: true },
    });
    try {
      const clients = [emulatedClient(server.port, 'http_stream'), emulatedClient(server.port, 'sse')];
      const disconnects: number[] = [];
      for (const c of clients) {
        c.on('connecting', (ctx) => disconnects.push(ctx.code));
        c.connect();
        await c.ready(15_000);
      }
      // SDK connect events fire once at start (code 0: connect called); any later one is a lost session.
      const startCount = disconnects.length;
      const sessions = clients.map(sessionOf);
      await new Promise((r) => setTimeout(r, 4500));
      assert.deepEqual(clients.map(sessionOf), sessions);
      assert.deepEqual(disconnects.slice(startCount), []);
      assert.equal(await numClients(server.apiUrl), 2);
      for (const c of clients) c.disconnect();
    } finally {
      assert.equal(await server.close(), true);
    }
  });
});

describe('SDK (Protobuf build) over http_stream with shards.count=4', () => {
  test('connect, subscribe, publish bytes from the SDK and JSON from the API, receive', async () => {
    const { Centrifuge: ProtobufCentrifuge } = await import('centrifuge/build/protobuf');
    const server = await startTestServer({ shards: { count: 4 }, http_stream: { enabled: true } });
    const clients: InstanceType<typeof ProtobufCentrifuge>[] = [];
    try {
      const received: Uint8Array[][] = [];
      for (let i = 0; i < 4; i++) {
        const client = new ProtobufCentrifuge([{ transport: 'http_stream', endpoint: `${baseUrl(server.port)}/connection/http_stream` }], {
          emulationEndpoint: `${baseUrl(server.port)}/emulation`,
          fetch: closingFetch,
          readableStream: ReadableStream,
        });
        clients.push(client);
        const got: Uint8Array[] = [];
        received.push(got);
        const sub = client.newSubscription('binary');
        sub.on('publication', (ctx) => got.push(ctx.data as Uint8Array));
        client.connect();
        sub.subscribe();
        await sub.ready(15_000);
      }
      const bytes = new Uint8Array([0, 1, 2, 254, 255]);
      await clients[0]!.getSubscription('binary')!.publish(bytes);
      await callApi(server.apiUrl, 'publish', { channel: 'binary', data: { json: true } });
      await waitFor(() => received.every((r) => r.length >= 2), 'publications', 15_000);
      for (const r of received) {
        assert.deepEqual([...r[0]!], [...bytes]);
        assert.equal(new TextDecoder().decode(r[1]!), '{"json":true}');
      }
      assert.equal(await numClients(server.apiUrl), 4);
    } finally {
      for (const c of clients) c.disconnect();
      assert.equal(await server.close(), true);
    }
  });
});
