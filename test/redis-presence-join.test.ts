/**
 * With presence in Redis, a subscribe is answered only once Redis holds the
 * client's presence entry, as in Centrifugo: a backend that asks `presence`
 * (through any node) as soon as the client's subscribe succeeded finds it.
 * Redis writes are held back with `CLIENT PAUSE … WRITE` on a private
 * redis-server, so the shared one is never disturbed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import type { RunningServer } from '../src/acceptor/run';
import { callApi } from './helpers/api';
import { sdkClient, subscribedClient } from './helpers/clients';
import { redisEngine, skipWithoutRedis, startPrivateRedis, uniquePrefix, type PrivateRedis } from './helpers/redis';
import { startTestServer } from './helpers/server';

/** How long Redis holds writes back, ms: well under the SDK's 5 s subscribe timeout. */
const PAUSE_MS = 1500;

describe('presence in Redis before the subscribe reply', { skip: skipWithoutRedis }, () => {
  let redis: PrivateRedis;
  let admin: Redis;
  let server: RunningServer;

  before(async () => {
    redis = await startPrivateRedis();
    admin = new Redis(redis.url);
    server = await startTestServer({
      engine: redisEngine(uniquePrefix('presence-join'), redis.url),
      channel: { namespaces: [{ name: 'room', presence: true, join_leave: true, allow_subscribe_for_client: true, allow_subscribe_for_anonymous: true }] },
    });
  });

  after(async () => {
    await admin.call('CLIENT', 'UNPAUSE');
    admin.disconnect();
    await server.close();
    await redis.stop();
  });

  test('the subscribe succeeds only after the Redis write, and presence lists the client at once', async () => {
    const channel = 'room:lobby';
    const first = await subscribedClient(server.wsUrl, channel);
    const client = sdkClient(server.wsUrl);
    const sub = client.newSubscription(channel);
    let id = '';
    client.on('connected', (ctx) => (id = ctx.client));
    try {
      client.connect();
      await client.ready(5000);
      await admin.call('CLIENT', 'PAUSE', String(PAUSE_MS), 'WRITE');
      sub.subscribe();
      await new Promise((r) => setTimeout(r, PAUSE_MS / 3));
      assert.equal(sub.state, 'subscribing', 'no reply while Redis holds the presence write');
      await sub.ready(5000);
      const answer = await callApi(server.apiUrl, 'presence', { channel });
      const present = Object.keys(answer.body.result.presence);
      assert.equal(present.length, 2, JSON.stringify(answer.body));
      assert.ok(present.includes(id), 'the client that just subscribed is present');
    } finally {
      client.disconnect();
      first.client.disconnect();
    }
  });
});
