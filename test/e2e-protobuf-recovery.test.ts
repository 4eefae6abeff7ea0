/**
 * Positioned streams over the Protobuf protocol with the real SDK's Protobuf
 * build: recovery after a cut connection (alongside a JSON subscriber of the
 * same channel) and fossil deltas carried as raw bytes, on four shards.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Centrifuge, type Subscription } from 'centrifuge/build/protobuf';
import type { RunningServer } from '../src/acceptor/run';
import { callApi } from './helpers/api';
import { cuttableWebSocket, type SocketTap } from './helpers/cuttable-ws';
import { subscribedClient, waitFor } from './helpers/clients';
import { fromJsonBytes } from './helpers/protobuf-clients';
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
      shards: { count: 4 },
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
