/**
 * The Redis engine's own subscriptions across a reload
 * (docs/architecture.md, "Subscribe, two ways"): a channel subscribed by
 * each of its shards while its namespace needed nothing from the owner keeps
 * those subscriptions when a reload gives the namespace history. Its
 * subscribers go on receiving, now with offsets; once they are gone, the
 * next subscriber is registered with the owner, whose one subscription then
 * serves the process. Against the real Redis (REDIS_URL).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { callApi } from './helpers/api';
import { subscribedClient, waitFor } from './helpers/clients';
import { REDIS_URL, redisEngine, skipWithoutRedis, uniquePrefix } from './helpers/redis';
import { startReloadable, type ReloadableServer } from './helpers/reload';
import { closeAll, subscribersByShard } from './helpers/shard-placement';

const OPEN = { allow_subscribe_for_client: true, allow_subscribe_for_anonymous: true };

describe('own Redis subscriptions across a reload that gives the namespace history', { skip: skipWithoutRedis }, () => {
  const prefix = uniquePrefix('own-subs-reload');
  let dir: string;
  let running: ReloadableServer;
  let redis: Redis;
  const config = (history: boolean): Record<string, unknown> => ({
    engine: redisEngine(prefix),
    shards: { count: 2 },
    channel: { namespaces: [{ name: 'feed', ...OPEN, ...(history ? { history_size: 10, history_ttl: '60s' } : {}) }] },
  });
  /** Redis's count of subscribing connections of the channel's PUB/SUB channel. */
  const subscribers = async (channel: string): Promise<number> =>
    Number(((await redis.call('PUBSUB', 'NUMSUB', `${prefix}.client.${channel}`)) as [string, number])[1]);
  const settle = async (channel: string, want: number, what: string): Promise<void> => {
    const deadline = Date.now() + 5000;
    while ((await subscribers(channel)) !== want) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${await subscribers(channel)} subscribing connections`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  before(async () => {
    redis = new Redis(REDIS_URL ?? '');
    dir = mkdtempSync(join(tmpdir(), 'switchyard-own-subs-'));
    running = await startReloadable(join(dir, 'config.json'), config(false));
  });
  after(async () => {
    await running?.server.close();
    redis?.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the subscribers keep receiving, with offsets; the next first subscriber goes through the owner', async () => {
    const { server } = running;
    const byShard = await subscribersByShard(server, 'feed:x', (s) => s.every((g) => g.length > 0));
    await settle('feed:x', 2, 'one subscription per shard');

    running.write(config(true));
    const outcome = await running.reloader.request('history for feed');
    assert.equal(outcome.status, 'applied', JSON.stringify(outcome));

    const first = await callApi(server.apiUrl, 'publish', { channel: 'feed:x', data: { n: 1 } });
    const second = await callApi(server.apiUrl, 'publish', { channel: 'feed:x', data: { n: 2 } });
    assert.deepEqual([first.body.result.offset, second.body.result.offset], [1, 2], 'published through the owner, into history');
    const all = byShard.flat();
    await waitFor(() => all.every((c) => c.received.length === 2), 'the subscribers from before the reload got both');
    for (const c of all) assert.deepEqual(c.received, [{ n: 1 }, { n: 2 }]);
    assert.equal(await subscribers('feed:x'), 2, 'their shards kept their own subscriptions');

    closeAll(byShard);
    await settle('feed:x', 0, 'every shard unsubscribed');
    const later = await subscribedClient(server.wsUrl, 'feed:x');
    await settle('feed:x', 1, "one subscription, the owner's");
    const third = await callApi(server.apiUrl, 'publish', { channel: 'feed:x', data: { n: 3 } });
    assert.equal(third.body.result.offset, 3);
    await waitFor(() => later.received.length === 1, 'delivered through the owner');
    assert.deepEqual(later.received, [{ n: 3 }]);
    const history = await callApi(server.apiUrl, 'history', { channel: 'feed:x', limit: -1 });
    assert.deepEqual(history.body.result.publications.map((p: { data: unknown }) => p.data), [{ n: 1 }, { n: 2 }, { n: 3 }]);
    later.client.disconnect();
  });
});
