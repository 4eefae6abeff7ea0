/**
 * Issue 12, item 4: with the Redis engine, a publication of a channel that
 * needs nothing from its owner is PUBLISHed to Redis by the shard that took
 * the request (owner/direct-broker.ts), and comes back through the PUB/SUB
 * subscription each subscribing shard holds itself (direct-fanout.ts
 * subscribesItself), so it crosses no mailbox. A channel with history keeps
 * one subscription, its owner's. Against the real Redis (REDIS_URL), and a
 * private redis-server for the outage case.
 */
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { after, before, describe, test } from 'node:test';
import type { RunningServer } from '../src/acceptor/run';
import { callApi } from './helpers/api';
import { subscribedClient, waitFor } from './helpers/clients';
import { REDIS_URL, redisEngine, skipWithoutRedis, startPrivateRedis, uniquePrefix, type PrivateRedis } from './helpers/redis';
import { startTestServer } from './helpers/server';
import { ownerOf } from '../src/shards/messaging/owner-of';
import { apisOnShards, closeAll, shardsInfo, subscribersByShard, type ShardInfo } from './helpers/shard-placement';

/** Anyone may subscribe. */
const OPEN = { allow_subscribe_for_client: true, allow_subscribe_for_anonymous: true };

/** How much a counter grew over all shards between two readings. */
function grown(before: ShardInfo[], now: ShardInfo[], read: (s: ShardInfo) => number): number {
  return now.reduce((n, s, j) => n + read(s) - read(before[j]!), 0);
}

/** Subscribers Redis counts for a channel's PUB/SUB channel (PUBSUB NUMSUB): one per subscribing connection. */
async function redisSubscribers(redis: Redis, prefix: string, channel: string): Promise<number> {
  const reply = (await redis.call('PUBSUB', 'NUMSUB', `${prefix}.client.${channel}`)) as [string, number];
  return Number(reply[1]);
}

/** Polls an asynchronous condition every 20 ms, for at most 5 s. */
async function waitForAsync(predicate: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The node's switchyard.node.publications_fanned_out metric (the `info` API). */
async function nodeFannedOut(server: RunningServer): Promise<number> {
  return (await callApi(server.apiUrl, 'info', {})).body.result.nodes[0].metrics.items['switchyard.node.publications_fanned_out'];
}

/** The node's num_channels (the `info` API). */
async function nodeChannels(server: RunningServer): Promise<number> {
  return (await callApi(server.apiUrl, 'info', {})).body.result.nodes[0].num_channels;
}

describe('direct Redis publish path (4 shards)', { skip: skipWithoutRedis }, () => {
  let server: RunningServer;
  let redis: Redis;
  const prefix = uniquePrefix('direct');
  before(async () => {
    redis = new Redis(REDIS_URL ?? '');
    server = await startTestServer({
      engine: redisEngine(prefix),
      shards: { count: 4 },
      channel: { namespaces: [{ name: 'hist', history_size: 10, history_ttl: '60s', ...OPEN }] },
    });
  });
  after(async () => {
    await server.close();
    redis.disconnect();
  });

  test('reaches subscribers on every shard, in publish order, from two publishing shards', async () => {
    const channelsBefore = await nodeChannels(server);
    const fannedOutBefore = await nodeFannedOut(server);
    const byShard = await subscribersByShard(server, 'everywhere', (s) => s.every((g) => g.length > 0));
    assert.equal(await nodeChannels(server), channelsBefore + 1, "info's num_channels counts the channel once, not once per subscribing shard");
    // Probed on a channel nobody subscribes: no probe publication can reach the subscribers below late.
    const apis = await apisOnShards(server, 'probe-only', 2, [], 'broker_publications');
    const before = await shardsInfo(server);
    const n = 200;
    for (let i = 0; i < n; i++) {
      // Answered one after the other, alternately through two shards: each publish after the previous one's answer.
      assert.deepEqual(await apis[i % 2]!.api.call('publish', { channel: 'everywhere', data: { i } }), { result: {} });
    }
    const all = byShard.flat();
    await waitFor(() => all.every((c) => c.received.length === n), 'every subscriber got all of them');
    const expected = Array.from({ length: n }, (_, i) => ({ i }));
    for (const c of all) assert.deepEqual(c.received, expected, 'publish order on every shard');
    const now = await shardsInfo(server);
    assert.equal(grown(before, now, (s) => s.direct.broker_publications), n, 'all of them published to Redis by the shard that took them');
    for (const a of apis) assert.equal(now[a.shard]!.direct.broker_publications - before[a.shard]!.direct.broker_publications, n / 2, `shard ${a.shard} published its half`);
    assert.equal(grown(before, now, (s) => s.direct.publications), 0, 'none fanned out without the owner');
    assert.equal(await redisSubscribers(redis, prefix, 'everywhere'), 4, 'each of the 4 subscribing shards holds its own Redis subscription');
    // The owner has subscribers too: it counts each publication once as owner; the other three once each as subscribers.
    assert.equal(grown(before, now, (s) => s.publications_fanned_out), n, 'the owner fanned each out once, to itself');
    assert.equal(grown(before, now, (s) => s.direct.subscribed_publications), 3 * n, 'the three other shards each got every one on their own subscription');
    assert.equal((await nodeFannedOut(server)) - fannedOutBefore, 4 * n, "the node's metric counts each publication once per subscribing shard");
    for (const a of apis) a.api.close();
    closeAll(byShard);
    await waitForAsync(async () => (await redisSubscribers(redis, prefix, 'everywhere')) === 0, 'every shard unsubscribed when its last subscriber left');
    await waitForAsync(async () => (await nodeChannels(server)) === channelsBefore, 'num_channels no longer counting it');
  });

  test("a restarted owner counts its subscribing shards' channel again, and their subscriptions never stopped", async () => {
    const channel = 'owner-crash';
    const owner = ownerOf(channel, 4);
    // Subscribers on two shards other than the owner; none left on the owner, so it only counts the channel.
    const byShard = await subscribersByShard(server, channel, (s) => s.filter((g, j) => j !== owner && g.length > 0).length >= 2);
    for (const c of byShard[owner]!) {
      c.sub.unsubscribe();
      c.client.disconnect();
    }
    const kept = byShard.filter((_, j) => j !== owner).flat();
    await waitForAsync(async () => (await redisSubscribers(redis, prefix, channel)) === byShard.filter((g, j) => j !== owner && g.length > 0).length, 'one subscription per subscribing shard');
    const channels = await nodeChannels(server);
    const restarts = server.supervisor.restarts()[owner]!;
    server.supervisor.crash(owner, 'test crash');
    await waitFor(() => server.supervisor.restarts()[owner] === restarts + 1, 'owner restart');
    await server.supervisor.waitReady(owner);
    await waitForAsync(async () => (await nodeChannels(server)) === channels, "num_channels counts it again after the owner's restart");
    assert.deepEqual(await callApi(server.apiUrl, 'publish', { channel, data: { after: 'crash' } }).then((a) => a.body), { result: {} });
    await waitFor(() => kept.every((c) => c.received.some((d) => (d as { after?: string }).after === 'crash')), 'delivered to the shards that kept their subscribers');
    closeAll(byShard);
  });

  test('a channel with history still publishes through its owner, with offsets', async () => {
    const c = await subscribedClient(server.wsUrl, 'hist:a');
    const before = await shardsInfo(server);
    const first = await callApi(server.apiUrl, 'publish', { channel: 'hist:a', data: { n: 1 } });
    const second = await callApi(server.apiUrl, 'publish', { channel: 'hist:a', data: { n: 2 } });
    assert.equal(first.body.result.offset, 1);
    assert.equal(second.body.result.offset, 2);
    assert.equal(second.body.result.epoch, first.body.result.epoch);
    assert.ok(first.body.result.epoch.length > 0, 'an epoch');
    await waitFor(() => c.received.length === 2, 'both delivered');
    assert.deepEqual(c.received, [{ n: 1 }, { n: 2 }]);
    const now = await shardsInfo(server);
    assert.equal(grown(before, now, (s) => s.direct.broker_publications), 0, 'not published directly');
    assert.equal(grown(before, now, (s) => s.direct.subscribed_publications), 0, 'fanned out by the owner only');
    c.client.disconnect();
  });

  test('a channel with history has one Redis subscription, its owner\'s, whatever the shards of its subscribers', async () => {
    const byShard = await subscribersByShard(server, 'hist:spread', (s) => s.filter((g) => g.length > 0).length >= 3);
    assert.equal(await redisSubscribers(redis, prefix, 'hist:spread'), 1);
    const before = await shardsInfo(server);
    assert.equal((await callApi(server.apiUrl, 'publish', { channel: 'hist:spread', data: { x: 1 } })).body.result.offset, 1);
    const all = byShard.flat();
    await waitFor(() => all.every((c) => c.received.length === 1), 'every subscriber got it');
    const now = await shardsInfo(server);
    assert.equal(grown(before, now, (s) => s.publications_fanned_out), 1, 'the owner fanned it out');
    assert.equal(grown(before, now, (s) => s.direct.subscribed_publications), 0);
    closeAll(byShard);
  });

  test('a publish with an idempotency key goes through the owner, and its repeat is not delivered', async () => {
    const c = await subscribedClient(server.wsUrl, 'keyed');
    const before = await shardsInfo(server);
    for (let i = 0; i < 2; i++) {
      assert.deepEqual((await callApi(server.apiUrl, 'publish', { channel: 'keyed', data: { once: true }, idempotency_key: 'k1' })).body, { result: {} });
    }
    assert.deepEqual((await callApi(server.apiUrl, 'publish', { channel: 'keyed', data: { after: true } })).body, { result: {} });
    await waitFor(() => c.received.length === 2, 'the keyed one and the next delivered');
    assert.deepEqual(c.received, [{ once: true }, { after: true }]);
    const now = await shardsInfo(server);
    assert.equal(grown(before, now, (s) => s.direct.broker_publications), 1, 'only the publish without a key was direct');
    c.client.disconnect();
  });
});

describe('direct Redis publish path while Redis is down', { skip: skipWithoutRedis }, () => {
  let redis: PrivateRedis;
  let server: RunningServer;
  before(async () => {
    redis = await startPrivateRedis();
    const engine = redisEngine(uniquePrefix('direct-down'), redis.url);
    server = await startTestServer({ engine: { ...engine, redis: { ...(engine['redis'] as object), io_timeout: '1000ms' } }, shards: { count: 2 } });
  });
  after(async () => {
    await server.close();
    await redis.stop();
  });

  test('the API publish answers 100 within io_timeout, and publishes again once Redis is back', async () => {
    const c = await subscribedClient(server.wsUrl, 'down');
    redis.pause();
    try {
      const started = Date.now();
      const answer = await callApi(server.apiUrl, 'publish', { channel: 'down', data: { lost: true } });
      assert.equal(answer.body?.error?.code, 100, `answered ${answer.text}`);
      assert.ok(Date.now() - started < 2500, `answered after ${Date.now() - started} ms`);
    } finally {
      redis.resume();
    }
    // The command connection reconnects within its backoff; until then a publish may still fail with 100.
    let answered: unknown;
    for (let tries = 0; tries < 50 && answered === undefined; tries++) {
      answered = (await callApi(server.apiUrl, 'publish', { channel: 'down', data: { back: true } })).body?.result;
      if (answered === undefined) await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(answered, {}, 'publishing again');
    await waitFor(() => c.received.some((d) => (d as { back?: boolean }).back === true), 'delivered after the outage');
    const now = await shardsInfo(server);
    assert.ok(now.reduce((n, s) => n + s.direct.broker_publications, 0) >= 2, 'both went the direct way');
    c.client.disconnect();
  });
});
