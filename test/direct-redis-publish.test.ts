/**
 * Issue 12, item 4: with the Redis engine, a publication of a channel that
 * needs nothing from its owner is PUBLISHed to Redis by the shard that took
 * the request (owner/direct-broker.ts), and comes back through the owner's
 * PUB/SUB subscription, which fans it out. Against the real Redis
 * (REDIS_URL), and a private redis-server for the outage case.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningServer } from '../src/acceptor/run';
import { callApi } from './helpers/api';
import { subscribedClient, waitFor } from './helpers/clients';
import { redisEngine, skipWithoutRedis, startPrivateRedis, uniquePrefix, type PrivateRedis } from './helpers/redis';
import { startTestServer } from './helpers/server';
import { apisOnShards, closeAll, shardsInfo, subscribersByShard, type ShardInfo } from './helpers/shard-placement';

/** Anyone may subscribe. */
const OPEN = { allow_subscribe_for_client: true, allow_subscribe_for_anonymous: true };

/** How much a counter grew over all shards between two readings. */
function grown(before: ShardInfo[], now: ShardInfo[], read: (s: ShardInfo) => number): number {
  return now.reduce((n, s, j) => n + read(s) - read(before[j]!), 0);
}

describe('direct Redis publish path (4 shards)', { skip: skipWithoutRedis }, () => {
  let server: RunningServer;
  before(async () => {
    server = await startTestServer({
      engine: redisEngine(uniquePrefix('direct')),
      shards: { count: 4 },
      channel: { namespaces: [{ name: 'hist', history_size: 10, history_ttl: '60s', ...OPEN }] },
    });
  });
  after(() => server.close());

  test('reaches subscribers on every shard, in publish order, from two publishing shards', async () => {
    const byShard = await subscribersByShard(server, 'everywhere', (s) => s.every((g) => g.length > 0));
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
    assert.equal(grown(before, now, (s) => s.publications_fanned_out), n, 'the owner fanned each out once');
    for (const a of apis) a.api.close();
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
    c.client.disconnect();
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
