/**
 * History, recovery, positioning, presence, join/leave and fossil deltas
 * through the real centrifuge SDK, on one shard and on four.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Centrifuge, type Subscription } from 'centrifuge';
import type { RunningServer } from '../src/acceptor/run';
import { ownerOf } from '../src/shards/messaging/owner-of';
import { callApi } from './helpers/api';
import { cuttableWebSocket, type SocketTap } from './helpers/cuttable-ws';
import { subscribedClient, waitFor } from './helpers/clients';
import { startTestServer } from './helpers/server';

const HISTORY = { history_size: 100, history_ttl: '300s' };

function historyConfig(shards: number): Record<string, unknown> {
  return {
    shards: { count: shards, restart_backoff_min: '50ms' },
    channel: {
      namespaces: [
        { name: 'feed', allow_subscribe_for_client: true, allow_subscribe_for_anonymous: true, force_recovery: true, ...HISTORY },
        { name: 'small', allow_subscribe_for_client: true, allow_subscribe_for_anonymous: true, force_recovery: true, history_size: 10, history_ttl: '300s' },
        {
          name: 'room',
          allow_subscribe_for_client: true,
          allow_subscribe_for_anonymous: true,
          presence: true,
          join_leave: true,
          force_push_join_leave: true,
          allow_presence_for_subscriber: true,
          allow_presence_for_anonymous: true,
        },
        {
          name: 'ticker',
          allow_subscribe_for_client: true,
          allow_subscribe_for_anonymous: true,
          allowed_delta_types: ['fossil'],
          delta_publish: true,
          force_positioning: true,
          ...HISTORY,
        },
        {
          name: 'hist',
          allow_subscribe_for_client: true,
          allow_subscribe_for_anonymous: true,
          allow_history_for_client: true,
          allow_history_for_anonymous: true,
          ...HISTORY,
        },
      ],
    },
  };
}

interface Tracked {
  client: Centrifuge;
  sub: Subscription;
  tap: SocketTap;
  received: unknown[];
  subscribed: { recovered: boolean; wasRecovering: boolean; streamPosition?: { offset: number; epoch: string } }[];
  unsubscribes: number[];
}

async function trackedClient(server: RunningServer, channel: string, options: Record<string, unknown> = {}): Promise<Tracked> {
  const { WebSocketClass, tap } = cuttableWebSocket();
  const client = new Centrifuge(server.wsUrl, { websocket: WebSocketClass, minReconnectDelay: 1500, maxReconnectDelay: 2000 });
  const sub = client.newSubscription(channel, options);
  const t: Tracked = { client, sub, tap, received: [], subscribed: [], unsubscribes: [] };
  sub.on('publication', (ctx) => t.received.push(ctx.data));
  sub.on('subscribed', (ctx) => t.subscribed.push(ctx as Tracked['subscribed'][number]));
  client.connect();
  sub.subscribe();
  await sub.ready(5000);
  return t;
}

async function publish(server: RunningServer, channel: string, data: unknown): Promise<any> {
  const answer = await callApi(server.apiUrl, 'publish', { channel, data });
  assert.ok(answer.body.result, JSON.stringify(answer.body));
  return answer.body.result;
}

for (const shards of [1, 4]) {
  describe(`history and recovery, shards.count=${shards}`, () => {
    let server: RunningServer;
    before(async () => {
      server = await startTestServer(historyConfig(shards));
    });
    after(() => server.close());

    test('publish into a history channel answers offset and epoch', async () => {
      const first = await publish(server, 'feed:offsets', { n: 1 });
      const second = await publish(server, 'feed:offsets', { n: 2 });
      assert.equal(first.offset, 1);
      assert.equal(second.offset, 2);
      assert.match(first.epoch, /^[a-zA-Z]{8}$/);
      assert.equal(second.epoch, first.epoch);
    });

    test('a cut recoverable subscription recovers the 50 publications it missed, in order', async () => {
      const t = await trackedClient(server, 'feed:news');
      await publish(server, 'feed:news', { n: 0 });
      await waitFor(() => t.received.length === 1, 'first publication');
      t.tap.cut();
      for (let n = 1; n <= 50; n++) await publish(server, 'feed:news', { n });
      await waitFor(() => t.subscribed.length === 2, 'resubscribe', 10_000);
      assert.equal(t.subscribed[1]!.wasRecovering, true);
      assert.equal(t.subscribed[1]!.recovered, true);
      await waitFor(() => t.received.length === 51, 'recovered publications');
      assert.deepEqual(t.received, Array.from({ length: 51 }, (_, n) => ({ n })));
      await publish(server, 'feed:news', { n: 51 });
      await waitFor(() => t.received.length === 52, 'live publication after recovery');
      assert.deepEqual(t.received[51], { n: 51 });
      t.client.disconnect();
    });

    test('more missed than the history holds: recovered false and nothing partial', async () => {
      const t = await trackedClient(server, 'small:news');
      await publish(server, 'small:news', { n: 0 });
      await waitFor(() => t.received.length === 1, 'first publication');
      t.tap.cut();
      for (let n = 1; n <= 20; n++) await publish(server, 'small:news', { n });
      await waitFor(() => t.subscribed.length === 2, 'resubscribe', 10_000);
      assert.equal(t.subscribed[1]!.wasRecovering, true);
      assert.equal(t.subscribed[1]!.recovered, false);
      await publish(server, 'small:news', { n: 21 });
      await waitFor(() => t.received.length === 2, 'live publication');
      assert.deepEqual(t.received, [{ n: 0 }, { n: 21 }]);
      t.client.disconnect();
    });

    test('a restart of the owning shard is seen as a new epoch', async () => {
      let channel = 'feed:restart';
      for (let i = 0; ownerOf(channel, shards) !== shards - 1; i++) channel = `feed:restart-${i}`;
      const clients: Tracked[] = [];
      for (let i = 0; i < 4; i++) clients.push(await trackedClient(server, channel));
      const before = await publish(server, channel, { n: 1 });
      await waitFor(() => clients.every((c) => c.received.length === 1), 'first publication');
      const restarts = server.supervisor.restarts()[shards - 1]!;
      server.supervisor.crash(shards - 1, 'owner restart test');
      await waitFor(() => server.supervisor.restarts()[shards - 1] === restarts + 1, 'restart', 10_000);
      await server.supervisor.waitReady(shards - 1);
      // Every subscriber resubscribes (cut off with its shard, or told 2500), recovery fails on the new epoch.
      await waitFor(() => clients.every((c) => c.subscribed.length >= 2 && c.sub.state === 'subscribed'), 'resubscribe', 15_000);
      for (const c of clients) {
        const last = c.subscribed[c.subscribed.length - 1]!;
        assert.equal(last.wasRecovering, true);
        assert.equal(last.recovered, false);
        assert.notEqual(last.streamPosition?.epoch, before.epoch);
      }
      const afterRestart = await publish(server, channel, { n: 2 });
      assert.equal(afterRestart.offset, 1);
      assert.notEqual(afterRestart.epoch, before.epoch);
      await waitFor(() => clients.every((c) => c.received.length === 2), 'publication from the new owner');
      for (const c of clients) c.client.disconnect();
    });

    test('presence lists clients from every shard; join and leave reach other shards', async () => {
      const members = [];
      for (let i = 0; i < 6; i++) members.push(await subscribedClient(server.wsUrl, 'room:lobby'));
      const joins: string[] = [];
      const leaves: string[] = [];
      members[0]!.sub.on('join', (ctx) => joins.push(ctx.info.client));
      members[0]!.sub.on('leave', (ctx) => leaves.push(ctx.info.client));
      await new Promise((r) => setTimeout(r, 100));
      const presence = await members[0]!.sub.presence();
      assert.equal(Object.keys(presence.clients).length, 6);
      const stats = await members[1]!.sub.presenceStats();
      assert.deepEqual({ c: stats.numClients, u: stats.numUsers }, { c: 6, u: 1 });
      const api = await callApi(server.apiUrl, 'presence_stats', { channel: 'room:lobby' });
      assert.deepEqual(api.body.result, { num_clients: 6, num_users: 1 });
      const apiPresence = await callApi(server.apiUrl, 'presence', { channel: 'room:lobby' });
      assert.equal(Object.keys(apiPresence.body.result.presence).length, 6);

      const before = new Set(Object.keys(presence.clients));
      const newcomer = await subscribedClient(server.wsUrl, 'room:lobby');
      const now = Object.keys((await members[2]!.sub.presence()).clients);
      const newcomerId = now.find((id) => !before.has(id))!;
      assert.ok(newcomerId, 'the newcomer is in presence');
      await waitFor(() => joins.includes(newcomerId), 'join push for the newcomer');
      newcomer.client.disconnect();
      await waitFor(() => leaves.includes(newcomerId), 'leave push for the newcomer');
      await new Promise((r) => setTimeout(r, 100));
      const after = await callApi(server.apiUrl, 'presence_stats', { channel: 'room:lobby' });
      assert.equal(after.body.result.num_clients, 6);
      for (const m of members) m.client.disconnect();
    });

    test('a delta subscription gets the same data as a plain one, in fewer bytes', async (t) => {
      const plain = await trackedClient(server, 'ticker:btc');
      const delta = await trackedClient(server, 'ticker:btc', { delta: 'fossil' });
      const bytesBefore = { plain: plain.tap.bytes, delta: delta.tap.bytes };
      const rows = Array.from({ length: 40 }, (_, i) => ({ symbol: `SYM${i}`, name: `Instrument number ${i}`, price: 1000 + i }));
      for (let n = 0; n < 30; n++) {
        rows[n % 40]!.price += 1;
        await publish(server, 'ticker:btc', { seq: n, rows });
      }
      await waitFor(() => plain.received.length === 30 && delta.received.length === 30, 'all publications');
      assert.deepEqual(delta.received, plain.received);
      const plainBytes = plain.tap.bytes - bytesBefore.plain;
      const deltaBytes = delta.tap.bytes - bytesBefore.delta;
      const ratio = deltaBytes / plainBytes;
      t.diagnostic(`delta/plain bytes on the wire: ${deltaBytes}/${plainBytes} = ${ratio.toFixed(3)}`);
      assert.ok(ratio < 0.5, `deltas should be much smaller, got ${ratio}`);
      const stats = delta.sub.deltaStats();
      assert.equal(stats.numFullPayloads, 1);
      assert.equal(stats.numDeltaPayloads, 29);
      plain.client.disconnect();
      delta.client.disconnect();
    });

    test('history through the client and the API, and its bad input', async () => {
      for (let n = 1; n <= 5; n++) await publish(server, 'hist:log', { n });
      const t = await subscribedClient(server.wsUrl, 'hist:log');
      const all = await t.sub.history({ limit: -1 });
      assert.deepEqual(all.publications.map((p) => p.data), [1, 2, 3, 4, 5].map((n) => ({ n })));
      const some = await t.sub.history({ limit: 2, since: { offset: 3, epoch: all.epoch } });
      assert.deepEqual(some.publications.map((p) => p.offset), [4, 5]);
      const reversed = await t.sub.history({ limit: 2, reverse: true });
      assert.deepEqual(reversed.publications.map((p) => p.offset), [5, 4]);
      await assert.rejects(t.sub.history({ limit: 1, since: { offset: 1, epoch: 'another' } }), (e: { code: number }) => e.code === 112);
      t.client.disconnect();

      const api = (body: unknown) => callApi(server.apiUrl, 'history', body);
      assert.equal((await api({ channel: 'hist:log', limit: -1 })).body.result.publications.length, 5);
      assert.equal((await api({ channel: 'hist:log', since: { offset: 1, epoch: 'another' } })).body.error.code, 112);
      assert.equal((await api({ channel: 'hist:log', since: { offset: -1 } })).body.error.code, 107);
      assert.equal((await api({ channel: 'hist:log', since: 'yesterday' })).body.error.code, 107);
      assert.equal((await api({ channel: 'hist:log', limit: -5 })).body.error.code, 107);
      assert.equal((await api({ channel: 'hist:log', reverse: true, since: { offset: 0, epoch: all.epoch } })).body.error.code, 107);
      assert.equal((await api({ channel: 'room:lobby' })).body.error.code, 108);
      assert.equal((await api({ channel: 'nope:x' })).body.error.code, 102);
      assert.deepEqual((await callApi(server.apiUrl, 'history_remove', { channel: 'hist:log' })).body, { result: {} });
      const emptied = (await api({ channel: 'hist:log', limit: -1 })).body.result;
      assert.deepEqual(emptied.publications, []);
      assert.equal(emptied.offset, 5);
    });

    test('idempotent publish, skip_history and tags', async () => {
      const a = await callApi(server.apiUrl, 'publish', { channel: 'hist:idem', data: 1, idempotency_key: 'k1' });
      const b = await callApi(server.apiUrl, 'publish', { channel: 'hist:idem', data: 1, idempotency_key: 'k1' });
      assert.deepEqual(b.body, a.body);
      await callApi(server.apiUrl, 'publish', { channel: 'hist:idem', data: 2, skip_history: true });
      await callApi(server.apiUrl, 'publish', { channel: 'hist:idem', data: 3, tags: { kind: 'x' } });
      const h = (await callApi(server.apiUrl, 'history', { channel: 'hist:idem', limit: -1 })).body.result;
      assert.deepEqual(h.publications.map((p: { data: number }) => p.data), [1, 3]);
      assert.deepEqual(h.publications[1].tags, { kind: 'x' });
    });
  });
}
