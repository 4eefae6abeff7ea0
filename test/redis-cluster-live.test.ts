/**
 * Redis Cluster, live: a cluster of three masters with a replica each,
 * started by the test on free loopback ports, under two switchyard processes
 * configured with `cluster_address`. Publications cross processes, history
 * and recovery agree everywhere, a channel's keys share one slot, and killing
 * the master of a channel's slot under load loses no acknowledged
 * publication (`wait_replicas: 1`): each reaches the client live or by
 * recovery after the failover.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Cluster, Redis } from 'ioredis';
import { callApi } from './helpers/api';
import { sdkClient, waitFor } from './helpers/clients';
import { startNodes, uniquePrefix, type ChildNode } from './helpers/redis';
import { skipWithoutRedisServer, startRedisCluster, type RedisClusterFixture } from './helpers/servers';

const CHANNEL_OPTIONS = { history_size: 5000, history_ttl: '300s', allow_recovery: true, presence: true };

describe('two processes on a Redis Cluster', { skip: skipWithoutRedisServer }, () => {
  let cluster: RedisClusterFixture;
  const nodes: ChildNode[] = [];
  const cleanups: (() => void)[] = [];
  const prefix = uniquePrefix('cluster-live');

  before(async () => {
    cluster = await startRedisCluster();
    const config = {
      engine: { type: 'redis', redis: { cluster_address: cluster.seeds, prefix, io_timeout: '2s', connect_timeout: '3s', wait_replicas: 1 } },
      channel: { without_namespace: CHANNEL_OPTIONS },
    };
    await startNodes([2, 1].map((count) => ({ ...config, shards: { count } })), nodes);
  });

  after(async () => {
    for (const c of cleanups) c();
    await Promise.all(nodes.map((n) => n.stop()));
    await cluster?.stop();
  });

  test('publish through one process, receive on the other; history agrees; keys of a channel share its slot', async () => {
    const client = sdkClient(nodes[0]!.wsUrl);
    cleanups.push(() => client.disconnect());
    const received: number[] = [];
    const sub = client.newSubscription('orders');
    sub.on('publication', (ctx) => received.push((ctx.data as { n: number }).n));
    client.connect();
    sub.subscribe();
    await sub.ready(5000);
    for (let n = 0; n < 200; n++) {
      const answer = await callApi(nodes[1]!.apiUrl, 'publish', { channel: 'orders', data: { n } });
      assert.ok(answer.body.result, answer.text + nodes[1]!.output());
    }
    await waitFor(() => received.length >= 200, '200 publications', 10_000);
    assert.deepEqual(received, Array.from({ length: 200 }, (_, i) => i));
    const [a, b] = await Promise.all(nodes.map((n) => callApi(n.apiUrl, 'history', { channel: 'orders', limit: -1 })));
    assert.deepEqual(a!.body.result, b!.body.result);
    assert.equal(a!.body.result.offset, 200);
    const probe = new Cluster(cluster.seeds.split(',').map((h) => ({ host: '127.0.0.1', port: Number(h.split(':')[1]) })));
    try {
      const keys = [`${prefix}.stream.{orders}`, `${prefix}.stream.meta.{orders}`];
      const slots = await Promise.all(keys.map((k) => probe.call('CLUSTER', 'KEYSLOT', k)));
      assert.equal(slots[0], slots[1]);
      assert.equal(await probe.exists(keys[0]!), 1);
    } finally {
      probe.disconnect();
    }
    client.disconnect();
  });

  test('a client recovers on the other process', async () => {
    const position = (await callApi(nodes[0]!.apiUrl, 'history', { channel: 'orders', limit: 0 })).body.result;
    for (let n = 200; n < 210; n++) await callApi(nodes[0]!.apiUrl, 'publish', { channel: 'orders', data: { n } });
    const client = sdkClient(nodes[1]!.wsUrl);
    cleanups.push(() => client.disconnect());
    const got: number[] = [];
    const sub = client.newSubscription('orders', { recoverable: true, since: { offset: position.offset, epoch: position.epoch } });
    let recovered: boolean | undefined;
    sub.on('subscribed', (ctx) => (recovered = ctx.recovered));
    sub.on('publication', (ctx) => got.push((ctx.data as { n: number }).n));
    client.connect();
    sub.subscribe();
    await sub.ready(5000);
    await waitFor(() => got.length >= 10, 'recovered publications');
    assert.equal(recovered, true);
    assert.deepEqual(got, Array.from({ length: 10 }, (_, i) => 200 + i));
    client.disconnect();
  });

  test('killing the master of the channel under load: every acknowledged publication arrives, live or by recovery', async () => {
    const client = sdkClient(nodes[0]!.wsUrl, { minReconnectDelay: 100, maxReconnectDelay: 500 });
    cleanups.push(() => client.disconnect());
    const received = new Set<number>();
    const trail: string[] = [];
    const sub = client.newSubscription('failover', { recoverable: true, minResubscribeDelay: 100, maxResubscribeDelay: 500 });
    sub.on('publication', (ctx) => received.add((ctx.data as { n: number }).n));
    sub.on('subscribing', (ctx) => trail.push(`subscribing ${ctx.code}`));
    sub.on('subscribed', (ctx) => trail.push(`subscribed recovered=${ctx.recovered}`));
    client.connect();
    sub.subscribe();
    await sub.ready(5000);
    const master = await cluster.masterOf(`${prefix}.stream.{failover}`);
    const acked: number[] = [];
    const failed: number[] = [];
    let n = 0;
    const publishSome = async (count: number): Promise<void> => {
      for (let i = 0; i < count; i++, n++) {
        const answer = await callApi(nodes[1]!.apiUrl, 'publish', { channel: 'failover', data: { n } });
        if (answer.body?.result) acked.push(n);
        else {
          assert.equal(answer.body?.error?.code, 100, answer.text);
          failed.push(n);
        }
      }
    };
    await publishSome(50);
    await master.stop();
    // Publish through the failover (cluster-node-timeout 1 s) for a few seconds.
    for (const until = Date.now() + 3000; Date.now() < until; ) await publishSome(1);
    // The killed master comes back as a replica of the promoted one (wait_replicas: 1 needs one).
    await master.start();
    const deadline = Date.now() + 20_000;
    const before = acked.length;
    while (Date.now() < deadline && acked.length < before + 30) {
      await publishSome(5);
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(acked.length >= before + 30, `publishing works again after the failover (${failed.length} failed)`);
    try {
      await waitFor(() => acked.every((x) => received.has(x)), 'every acknowledged publication at the client', 20_000);
    } catch (err) {
      process.stderr.write(`trail: ${trail.join(' | ')}\nmissing: ${acked.filter((x) => !received.has(x)).join(',')}\n${nodes[0]!.output()}\n${nodes[1]!.output()}\n`);
      throw err;
    }
    for (const node of nodes) assert.equal(node.child.exitCode, null);
    client.disconnect();
  });

  test('sharded PUB/SUB: publications, history reads and recovery across two more processes', async () => {
    const shardedPrefix = uniquePrefix('cluster-sharded');
    const config = {
      engine: { type: 'redis', redis: { cluster_address: cluster.seeds, prefix: shardedPrefix, io_timeout: '2s', connect_timeout: '3s', sharded_pubsub: true } },
      channel: { without_namespace: CHANNEL_OPTIONS },
    };
    const pair: ChildNode[] = [];
    try {
      await startNodes([1, 2].map((count) => ({ ...config, shards: { count } })), pair);
      const client = sdkClient(pair[0]!.wsUrl);
      cleanups.push(() => client.disconnect());
      const received = new Map<string, number[]>();
      const channels = ['s-one', 's-two', 's-three'];
      for (const ch of channels) {
        const list: number[] = [];
        received.set(ch, list);
        const sub = client.newSubscription(ch);
        sub.on('publication', (ctx) => list.push((ctx.data as { n: number }).n));
        sub.subscribe();
      }
      client.connect();
      await Promise.all(channels.map((ch) => client.getSubscription(ch)!.ready(5000)));
      for (let n = 0; n < 50; n++) for (const ch of channels) await callApi(pair[1]!.apiUrl, 'publish', { channel: ch, data: { n } });
      await waitFor(() => [...received.values()].every((l) => l.length >= 50), 'sharded publications', 10_000);
      for (const list of received.values()) assert.deepEqual(list, Array.from({ length: 50 }, (_, i) => i));
      // The shard channel is subscribed on the node of its slot, not as a classic channel.
      const name = `${shardedPrefix}.client.{s-one}`;
      const direct = new Redis({ host: '127.0.0.1', port: (await cluster.masterOf(name)).port });
      try {
        const [, count] = (await direct.call('PUBSUB', 'SHARDNUMSUB', name)) as [string, number];
        assert.equal(count, 1);
      } finally {
        direct.disconnect();
      }
      // History through both processes agrees, and a client recovers on the other process (sync markers over SPUBLISH).
      const [a, b] = await Promise.all(pair.map((node) => callApi(node.apiUrl, 'history', { channel: 's-two', limit: 0 })));
      assert.deepEqual(a!.body.result, b!.body.result);
      const since = { offset: 40, epoch: a!.body.result.epoch };
      const late = sdkClient(pair[1]!.wsUrl);
      cleanups.push(() => late.disconnect());
      const got: number[] = [];
      const sub = late.newSubscription('s-two', { recoverable: true, since });
      sub.on('publication', (ctx) => got.push((ctx.data as { n: number }).n));
      late.connect();
      sub.subscribe();
      await sub.ready(5000);
      await waitFor(() => got.length >= 10, 'recovered over sharded PUB/SUB');
      assert.deepEqual(got, Array.from({ length: 10 }, (_, i) => 40 + i));
      client.disconnect();
      late.disconnect();
    } finally {
      await Promise.all(pair.map((node) => node.stop()));
    }
  });
});
