/**
 * Redis Sentinel, live: one master, one replica and three Sentinels started
 * by the test on free loopback ports, under two switchyard processes
 * configured with Centrifugo's `sentinel_address` and `sentinel_master_name`.
 * Killing the master under load promotes the replica; every acknowledged
 * publication (`wait_replicas: 1`) reaches the client, live or by recovery.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { callApi } from './helpers/api';
import { sdkClient, waitFor } from './helpers/clients';
import { startNodes, uniquePrefix, type ChildNode } from './helpers/redis';
import { skipWithoutRedisServer, startRedisSentinels, type RedisSentinelFixture } from './helpers/servers';

describe('two processes on Redis Sentinel', { skip: skipWithoutRedisServer }, () => {
  let sentinel: RedisSentinelFixture;
  const nodes: ChildNode[] = [];
  const cleanups: (() => void)[] = [];

  before(async () => {
    sentinel = await startRedisSentinels();
    const config = {
      engine: {
        type: 'redis',
        redis: {
          sentinel_address: sentinel.addresses,
          sentinel_master_name: sentinel.masterName,
          prefix: uniquePrefix('sentinel'),
          io_timeout: '1s',
          connect_timeout: '3s',
          wait_replicas: 1,
        },
      },
      channel: { without_namespace: { history_size: 5000, history_ttl: '300s', allow_recovery: true } },
    };
    await startNodes([2, 1].map((count) => ({ ...config, shards: { count } })), nodes);
  });

  after(async () => {
    for (const c of cleanups) c();
    await Promise.all(nodes.map((n) => n.stop()));
    await sentinel?.stop();
  });

  test('a failover under load loses no acknowledged publication', async () => {
    const client = sdkClient(nodes[0]!.wsUrl, { minReconnectDelay: 100, maxReconnectDelay: 500 });
    cleanups.push(() => client.disconnect());
    const received = new Set<number>();
    const trail: string[] = [];
    const sub = client.newSubscription('ha', { recoverable: true, minResubscribeDelay: 100, maxResubscribeDelay: 500 });
    sub.on('publication', (ctx) => received.add((ctx.data as { n: number }).n));
    sub.on('subscribing', (ctx) => trail.push(`subscribing ${ctx.code}`));
    sub.on('subscribed', (ctx) => trail.push(`subscribed recovered=${ctx.recovered}`));
    client.connect();
    sub.subscribe();
    await sub.ready(5000);
    const acked: number[] = [];
    const failed: number[] = [];
    let lastFailure = '';
    let n = 0;
    const publishOne = async (): Promise<void> => {
      const answer = await callApi(nodes[1]!.apiUrl, 'publish', { channel: 'ha', data: { n } });
      if (answer.body?.result) acked.push(n);
      else {
        assert.equal(answer.body?.error?.code, 100, answer.text);
        lastFailure = answer.text;
        failed.push(n);
      }
      n++;
    };
    for (let i = 0; i < 50; i++) await publishOne();
    await waitFor(() => received.size === 50, 'publications before the failover');
    await sentinel.master.stop();
    // Sentinels see the master down after 1 s and promote the replica.
    for (const until = Date.now() + 4000; Date.now() < until; ) await publishOne();
    // The old master comes back and the Sentinels make it a replica of the new one (wait_replicas: 1 needs one).
    await sentinel.master.start();
    const before = acked.length;
    for (const until = Date.now() + 30_000; Date.now() < until && acked.length < before + 30; ) {
      await publishOne();
      await new Promise((r) => setTimeout(r, 50));
    }
    if (acked.length < before + 30) {
      process.stderr.write(`last failure: ${lastFailure}\n${await sentinel.describe()}\n${nodes[0]!.output()}\n${nodes[1]!.output()}\n`);
    }
    assert.ok(acked.length >= before + 30, `publishing works again after the failover (${failed.length} failed)`);
    assert.ok(failed.length > 0, 'some publishes failed during the failover');
    try {
      await waitFor(() => acked.every((x) => received.has(x)), 'every acknowledged publication at the client', 20_000);
    } catch (err) {
      process.stderr.write(`trail: ${trail.join(' | ')}\nmissing: ${acked.filter((x) => !received.has(x)).join(',')}\n${nodes[0]!.output()}\n${nodes[1]!.output()}\n`);
      throw err;
    }
    const histories = await Promise.all(nodes.map((node) => callApi(node.apiUrl, 'history', { channel: 'ha', limit: 0 })));
    assert.deepEqual(histories[0]!.body.result, histories[1]!.body.result);
    for (const node of nodes) assert.equal(node.child.exitCode, null);
    client.disconnect();
  });
});
