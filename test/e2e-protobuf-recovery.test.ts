/**
 * Positioned streams over the Protobuf protocol with the real SDK's Protobuf
 * build: recovery after a cut connection (alongside a JSON subscriber of the
 * same channel) and fossil deltas carried as raw bytes, on four shards; and
 * binary payloads through the Redis engine (history and recovery).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Centrifuge, type Subscription } from 'centrifuge/build/protobuf';
import type { RunningServer } from '../src/acceptor/run';
import { ownerOf } from '../src/shards/messaging/owner-of';
import { callApi } from './helpers/api';
import { cuttableWebSocket, type SocketTap } from './helpers/cuttable-ws';
import { subscribedClient, waitFor } from './helpers/clients';
import { fromJsonBytes, jsonBytes, protobufSubscribedClient } from './helpers/protobuf-clients';
import { redisEngine, skipWithoutRedis, uniquePrefix } from './helpers/redis';
import { startTestServer } from './helpers/server';

const HISTORY = { history_size: 100, history_ttl: '300s' };

interface Tracked {
  client: Centrifuge;
  sub: Subscription;
  tap: SocketTap;
  received: unknown[];
  subscribed: { recovered: boolean; wasRecovering: boolean }[];
}

async function trackedProtobufClient(server: RunningServer, channel: string, options: Record<string, unknown> = {}): Promise<Tracked> {
  const { WebSocketClass, tap } = cuttableWebSocket();
  const client = new Centrifuge(server.wsUrl, { websocket: WebSocketClass, minReconnectDelay: 500, maxReconnectDelay: 1000 });
  const sub = client.newSubscription(channel, options);
  const t: Tracked = { client, sub, tap, received: [], subscribed: [] };
  sub.on('publication', (ctx) => t.received.push(fromJsonBytes(ctx.data as Uint8Array)));
  sub.on('subscribed', (ctx) => t.subscribed.push(ctx as Tracked['subscribed'][number]));
  client.connect();
  sub.subscribe();
  await sub.ready(10_000);
  return t;
}

async function publish(server: RunningServer, channel: string, data: unknown): Promise<void> {
  const answer = await callApi(server.apiUrl, 'publish', { channel, data });
  assert.ok(answer.body.result, JSON.stringify(answer.body));
}

describe('Protobuf recovery and deltas, shards.count=4', () => {
  let server: RunningServer;
  before(async () => {
    server = await startTestServer({
      shards: { count: 4, restart_backoff_min: '50ms' },
      channel: {
        namespaces: [
          { name: 'feed', allow_subscribe_for_client: true, allow_subscribe_for_anonymous: true, force_recovery: true, ...HISTORY },
          {
            name: 'ticker',
            allow_subscribe_for_client: true,
            allow_subscribe_for_anonymous: true,
            allowed_delta_types: ['fossil'],
            delta_publish: true,
            force_positioning: true,
            ...HISTORY,
          },
        ],
      },
    });
  });
  after(() => server.close());

  test('a cut Protobuf subscription recovers what it missed, in order; a JSON subscriber of the channel is undisturbed', async () => {
    const t = await trackedProtobufClient(server, 'feed:mixed');
    const json = await subscribedClient(server.wsUrl, 'feed:mixed');
    await publish(server, 'feed:mixed', { n: 0 });
    await waitFor(() => t.received.length === 1, 'first publication', 10_000);
    t.tap.cut();
    for (let n = 1; n <= 20; n++) await publish(server, 'feed:mixed', { n });
    await waitFor(() => t.subscribed.length === 2, 'resubscribed', 20_000);
    assert.equal(t.subscribed[1]!.wasRecovering, true);
    assert.equal(t.subscribed[1]!.recovered, true);
    await waitFor(() => t.received.length === 21, 'recovered publications', 10_000);
    await publish(server, 'feed:mixed', { n: 21 });
    await waitFor(() => t.received.length === 22 && json.received.length === 22, 'live publication after recovery', 10_000);
    assert.deepEqual(t.received, Array.from({ length: 22 }, (_, n) => ({ n })));
    assert.deepEqual(json.received, t.received);
    t.client.disconnect();
    json.client.disconnect();
  });

  test('after the owning shard restarts, JSON and Protobuf subscribers on every shard get publications again', async () => {
    let channel = 'mixed-restart';
    for (let i = 0; ownerOf(channel, 4) !== 3; i++) channel = `mixed-restart-${i}`;
    const json = await Promise.all(Array.from({ length: 4 }, () => subscribedClient(server.wsUrl, channel)));
    const pb = await Promise.all(Array.from({ length: 4 }, () => protobufSubscribedClient(server.wsUrl, channel)));
    await publish(server, channel, { n: 1 });
    await waitFor(() => json.every((c) => c.received.length === 1) && pb.every((c) => c.received.length === 1), 'first publication', 10_000);
    const restarts = server.supervisor.restarts()[3]!;
    server.supervisor.crash(3, 'mixed protocols owner restart test');
    await waitFor(() => server.supervisor.restarts()[3] === restarts + 1, 'restart', 10_000);
    await server.supervisor.waitReady(3);
    // Subscribers on the restarted shard reconnect; the others re-register with the new owner.
    await waitFor(() => [...json, ...pb].every((c) => c.sub.state === 'subscribed'), 'subscribed again', 15_000);
    const before = { json: json.map((c) => c.received.length), pb: pb.map((c) => c.received.length) };
    await publish(server, channel, { n: 2 });
    await waitFor(
      () => json.every((c, i) => c.received.length > before.json[i]!) && pb.every((c, i) => c.received.length > before.pb[i]!),
      'publication from the new owner',
      10_000,
    );
    for (const c of json) assert.deepEqual(c.received.at(-1), { n: 2 });
    for (const c of pb) assert.deepEqual(fromJsonBytes(c.received.at(-1)!), { n: 2 });
    for (const c of [...json, ...pb]) c.client.disconnect();
  });

  test('a Protobuf delta subscription gets the same data as a plain one, in fewer bytes', async (t) => {
    const plain = await trackedProtobufClient(server, 'ticker:pb');
    const delta = await trackedProtobufClient(server, 'ticker:pb', { delta: 'fossil' });
    const jsonDelta = await subscribedClient(server.wsUrl, 'ticker:pb');
    const bytesBefore = { plain: plain.tap.bytes, delta: delta.tap.bytes };
    const rows = Array.from({ length: 40 }, (_, i) => ({ symbol: `SYM${i}`, name: `Instrument number ${i}`, price: 1000 + i }));
    for (let n = 0; n < 30; n++) {
      rows[n % 40]!.price += 1;
      await publish(server, 'ticker:pb', { seq: n, rows });
    }
    await waitFor(() => plain.received.length === 30 && delta.received.length === 30 && jsonDelta.received.length === 30, 'all publications', 20_000);
    assert.deepEqual(delta.received, plain.received);
    assert.deepEqual(jsonDelta.received, plain.received);
    const ratio = (delta.tap.bytes - bytesBefore.delta) / (plain.tap.bytes - bytesBefore.plain);
    t.diagnostic(`Protobuf delta/plain bytes on the wire: ${ratio.toFixed(3)}`);
    assert.ok(ratio < 0.5, `deltas should be much smaller, got ${ratio}`);
    const stats = delta.sub.deltaStats();
    assert.equal(stats.numFullPayloads, 1);
    assert.equal(stats.numDeltaPayloads, 29);
    for (const c of [plain, delta]) c.client.disconnect();
    jsonDelta.client.disconnect();
  });
});

describe('Protobuf binary payloads through the Redis engine', { skip: skipWithoutRedis }, () => {
  let server: RunningServer;
  before(async () => {
    server = await startTestServer({
      shards: { count: 2 },
      engine: redisEngine(uniquePrefix('protobuf')),
      channel: {
        namespaces: [
          {
            name: 'feed',
            allow_subscribe_for_client: true,
            allow_subscribe_for_anonymous: true,
            allow_publish_for_client: true,
            allow_publish_for_anonymous: true,
            allow_history_for_subscriber: true,
            allow_history_for_anonymous: true,
            force_recovery: true,
            ...HISTORY,
          },
        ],
      },
    });
  });
  after(() => server.close());

  test('binary and JSON payloads keep their bytes through Redis fan-out, history and recovery', async () => {
    const binary = new Uint8Array([0, 255, 10, 13, 0, 7]);
    const t = await trackedProtobufRaw(server, 'feed:redis');
    const publisher = await protobufSubscribedClient(server.wsUrl, 'feed:other');
    await publisher.client.publish('feed:redis', binary);
    await waitFor(() => t.received.length === 1, 'live binary publication', 10_000);
    t.tap.cut();
    await publisher.client.publish('feed:redis', jsonBytes({ n: 2 }));
    await publisher.client.publish('feed:redis', binary);
    await waitFor(() => t.subscribed.length === 2 && t.received.length === 3, 'recovered publications', 20_000);
    assert.equal(t.subscribed[1]!.recovered, true);
    assert.deepEqual(t.received.map((d) => [...d]), [[...binary], [...jsonBytes({ n: 2 })], [...binary]]);
    const history = await t.sub.history({ limit: 10 });
    assert.deepEqual(history.publications.map((p) => [...(p.data as Uint8Array)]), t.received.map((d) => [...d]));
    t.client.disconnect();
    publisher.client.disconnect();
  });
});

/** A Protobuf client on a cuttable socket that keeps publication data as bytes. */
async function trackedProtobufRaw(server: RunningServer, channel: string): Promise<Omit<Tracked, 'received'> & { received: Uint8Array[] }> {
  const { WebSocketClass, tap } = cuttableWebSocket();
  const client = new Centrifuge(server.wsUrl, { websocket: WebSocketClass, minReconnectDelay: 500, maxReconnectDelay: 1000 });
  const sub = client.newSubscription(channel);
  const t = { client, sub, tap, received: [] as Uint8Array[], subscribed: [] as Tracked['subscribed'] };
  sub.on('publication', (ctx) => t.received.push(ctx.data as Uint8Array));
  sub.on('subscribed', (ctx) => t.subscribed.push(ctx as Tracked['subscribed'][number]));
  client.connect();
  sub.subscribe();
  await sub.ready(10_000);
  return t;
}
