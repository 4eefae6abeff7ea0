/**
 * Issue 12, item 3: publications of channels that need nothing from their
 * owner are fanned out by the shard that received them (owner/direct-fanout.ts),
 * through the subscriber table (common/subscriber-table.ts), in the order
 * publishers saw them answered (messaging/arrival-order.ts).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningServer } from '../src/acceptor/run';
import { SubscriberTable } from '../src/common/subscriber-table';
import { channelHash } from '../src/shards/messaging/owner-of';
import { callApi } from './helpers/api';
import { sdkClient, subscribedClient, waitFor } from './helpers/clients';
import { startTestServer } from './helpers/server';
import { apisOnShards, closeAll, shardsInfo, subscribersByShard } from './helpers/shard-placement';

/** Anyone may subscribe. */
const OPEN = { allow_subscribe_for_client: true, allow_subscribe_for_anonymous: true };
/** Namespaces whose publications need their owner: history; presence with join/leave. */
const OWNER_NAMESPACES = [
  { name: 'hist', history_size: 10, history_ttl: '60s', ...OPEN },
  { name: 'pres', presence: true, join_leave: true, ...OPEN },
];

describe('direct publish path (4 shards)', () => {
  let server: RunningServer;
  before(async () => {
    server = await startTestServer({ shards: { count: 4, restart_backoff_min: '50ms' }, channel: { namespaces: OWNER_NAMESPACES } });
  });
  after(() => server.close());

  test('reaches subscribers on every shard, without the owner', async () => {
    const byShard = await subscribersByShard(server, 'everywhere', (s) => s.every((g) => g.length > 0));
    const before = await shardsInfo(server);
    for (let i = 0; i < 5; i++) assert.deepEqual((await callApi(server.apiUrl, 'publish', { channel: 'everywhere', data: { i } })).body, { result: {} });
    const all = byShard.flat();
    await waitFor(() => all.every((c) => c.received.length === 5), 'every subscriber got the five');
    for (const c of all) assert.deepEqual(c.received, [0, 1, 2, 3, 4].map((i) => ({ i })));
    const now = await shardsInfo(server);
    const direct = now.reduce((n, s, j) => n + s.direct.publications - before[j]!.direct.publications, 0);
    assert.equal(direct, 5, 'all five took the direct path');
    closeAll(byShard);
  });

  test('keeps the order of publishes alternating over two connections on two shards, seen on a third', async () => {
    const byShard = await subscribersByShard(server, 'alternate', (s) => s.filter((g) => g.length > 0).length >= 3);
    const apis = await apisOnShards(server, 'alternate', 2);
    const third = byShard.findIndex((g, j) => g.length > 0 && !apis.some((a) => a.shard === j));
    assert.ok(third >= 0, 'subscribers on a shard that took no publish');
    for (const group of byShard) for (const c of group) c.received.length = 0;
    const n = 300;
    for (let i = 0; i < n; i++) {
      const answer = await apis[i % 2]!.api.call('publish', { channel: 'alternate', data: { i } });
      assert.deepEqual(answer, { result: {} });
    }
    const watched = byShard[third]!;
    const all = byShard.flat();
    await waitFor(() => all.every((c) => c.received.length === n), 'all publications delivered');
    const expected = Array.from({ length: n }, (_, i) => ({ i }));
    for (const c of watched) assert.deepEqual(c.received, expected, 'third-shard subscriber sees publish order');
    for (const c of all) assert.deepEqual(c.received, expected);
    for (const a of apis) a.api.close();
    closeAll(byShard);
  });

  test('a publish sent right after the subscribe reply is delivered', async () => {
    const probe = await subscribersByShard(server, 'reply-probe', (s) => s.every((g) => g.length > 0));
    const apis = await apisOnShards(server, 'reply-probe', 2);
    closeAll(probe);
    for (let round = 0; round < 24; round++) {
      const channel = `fresh-${round}`;
      const client = sdkClient(server.wsUrl);
      const sub = client.newSubscription(channel);
      const received: unknown[] = [];
      sub.on('publication', (ctx) => received.push(ctx.data));
      const published = new Promise<unknown>((resolve, reject) => {
        sub.on('subscribed', () => {
          apis[round % 2]!.api.call('publish', { channel, data: { round } }).then(resolve, reject);
        });
      });
      client.connect();
      sub.subscribe();
      assert.deepEqual(await published, { result: {} });
      await waitFor(() => received.length === 1, `round ${round} delivered`);
      assert.deepEqual(received, [{ round }]);
      client.disconnect();
    }
    for (const a of apis) a.api.close();
  });

  test('namespaces with history or presence publish through the owner', async () => {
    for (const channel of ['hist:a', 'pres:a']) {
      const c = await subscribedClient(server.wsUrl, channel);
      const before = await shardsInfo(server);
      await callApi(server.apiUrl, 'publish', { channel, data: { via: 'owner' } });
      await waitFor(() => c.received.length === 1, `${channel} delivered`);
      const now = await shardsInfo(server);
      assert.equal(now.reduce((n, s, j) => n + s.direct.publications - before[j]!.direct.publications, 0), 0, `${channel} not direct`);
      assert.equal(now.reduce((n, s, j) => n + s.publications_fanned_out - before[j]!.publications_fanned_out, 0), 1, `${channel} fanned out by its owner`);
      c.client.disconnect();
    }
  });

  test('unsubscribing clears the bits: no records go to a shard without subscribers', async () => {
    const channel = 'leaving';
    const bucket = SubscriberTable.bucketOf(channelHash(channel));
    const table = server.supervisor.table;
    const byShard = await subscribersByShard(server, channel, (s) => s.filter((g) => g.length > 0).length >= 2);
    const shardsWith = byShard.map((g, j) => (g.length > 0 ? 1 << j : 0)).reduce((a, b) => a | b, 0);
    assert.equal(table.shards(bucket, 0) & shardsWith, shardsWith, 'bits set for the shards with subscribers');
    for (const c of byShard.flat()) c.sub.unsubscribe();
    await waitFor(() => table.shards(bucket, 0) === 0, 'bits cleared');
    const before = await shardsInfo(server);
    for (let i = 0; i < 10; i++) await callApi(server.apiUrl, 'publish', { channel, data: { i } });
    const now = await shardsInfo(server);
    for (let j = 0; j < now.length; j++) {
      assert.equal(now[j]!.direct.records, before[j]!.direct.records, `shard ${j} posted no record`);
      assert.equal(now[j]!.direct.unmatched, before[j]!.direct.unmatched, `shard ${j} received no record`);
    }
    for (const c of byShard.flat()) assert.equal(c.received.length, 0);
    closeAll(byShard);
  });

  test("a crashed shard's bits are cleared, and set again as its clients come back", async () => {
    const channel = 'crashing';
    const bucket = SubscriberTable.bucketOf(channelHash(channel));
    const table = server.supervisor.table;
    const byShard = await subscribersByShard(server, channel, (s) => s[1]!.length > 0 && s.filter((g) => g.length > 0).length >= 2);
    assert.ok((table.shards(bucket, 0) & 2) !== 0, 'shard 1 bit set');
    const restarts = server.supervisor.restarts()[1]!;
    server.supervisor.crash(1, 'test crash');
    await waitFor(() => (table.shards(bucket, 0) & 2) === 0 || server.supervisor.restarts()[1] !== restarts, 'bit cleared at the crash');
    await waitFor(() => server.supervisor.restarts()[1] === restarts + 1, 'shard 1 restart');
    await server.supervisor.waitReady(1);
    const all = byShard.flat();
    await waitFor(() => all.every((c) => c.client.state === 'connected' && c.sub.state === 'subscribed'), 'resubscribed', 15_000);
    for (const c of all) c.received.length = 0;
    assert.deepEqual(await callApi(server.apiUrl, 'publish', { channel, data: { after: 'crash' } }).then((a) => a.body), { result: {} });
    await waitFor(() => all.every((c) => c.received.length === 1), 'delivered after the restart');
    // No stale bit: every shard whose bit is set has clients again (the delivery above shows none is missing).
    const bits = table.shards(bucket, 0);
    const info = await shardsInfo(server);
    for (let j = 0; j < info.length; j++) {
      if ((bits & (1 << j)) !== 0) assert.ok(info[j]!.num_clients > 0, `shard ${j} has its bit and clients`);
    }
    closeAll(byShard);
  });
});
