/**
 * Issue 17, item 4: while Redis is down (stopped) or hangs (SIGSTOP), every
 * client command and API call that needs the engine fails with error 100
 * within `engine.redis.io_timeout`, before the SDK's own 5 s command timeout,
 * so the SDK sees the error and keeps its connection instead of reconnecting.
 * Uses a private redis-server, so the shared one is never disturbed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Centrifuge } from 'centrifuge';
import type { RunningServer } from '../src/acceptor/run';
import { callApi } from './helpers/api';
import { sdkClient } from './helpers/clients';
import { redisEngine, skipWithoutRedis, startPrivateRedis, uniquePrefix, type PrivateRedis } from './helpers/redis';
import { startTestServer } from './helpers/server';

const IO_TIMEOUT_MS = 1000;
/** What "within io_timeout" may take here: the timeout plus scheduling slack on a busy machine. */
const WITHIN_MS = IO_TIMEOUT_MS + 1500;

describe('engine commands during a Redis outage', { skip: skipWithoutRedis }, () => {
  let redis: PrivateRedis;
  let server: RunningServer;
  let client: Centrifuge;
  let disconnects = 0;

  before(async () => {
    redis = await startPrivateRedis();
    const engine = redisEngine(uniquePrefix('outage'), redis.url);
    server = await startTestServer({
      engine: { ...engine, redis: { ...(engine['redis'] as object), io_timeout: `${IO_TIMEOUT_MS}ms` } },
      channel: {
        without_namespace: {
          history_size: 10,
          history_ttl: '60s',
          presence: true,
          allow_history_for_client: true,
          allow_presence_for_client: true,
          allow_history_for_anonymous: true,
          allow_presence_for_anonymous: true,
        },
      },
    });
    client = sdkClient(server.wsUrl);
    client.on('disconnected', () => disconnects++);
    client.connect();
    await client.ready(5000);
  });

  after(async () => {
    client.disconnect();
    await server.close();
    await redis.stop();
  });

  /** Runs `fn` and returns the error code it failed with and how long it took. */
  async function failure(fn: () => Promise<unknown>): Promise<{ code: number; ms: number }> {
    const started = Date.now();
    try {
      await fn();
    } catch (err) {
      return { code: (err as { code: number }).code, ms: Date.now() - started };
    }
    return assert.fail('expected the call to fail');
  }

  /** Subscribes to `channel` and returns the first subscribe error's code and delay. */
  function subscribeError(channel: string): Promise<{ code: number; ms: number }> {
    const started = Date.now();
    const sub = client.newSubscription(channel, { minResubscribeDelay: 60_000 });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no subscribe error for ${channel} within 8 s`)), 8000);
      sub.once('error', (ctx) => {
        clearTimeout(timer);
        client.removeSubscription(sub);
        resolve({ code: ctx.error.code, ms: Date.now() - started });
      });
      sub.subscribe();
    });
  }

  async function everyCommandFailsFast(label: string, channel: string): Promise<void> {
    const sub = await subscribeError(channel);
    assert.equal(sub.code, 100, `${label}: subscribe`);
    assert.ok(sub.ms < WITHIN_MS, `${label}: subscribe failed after ${sub.ms} ms`);
    for (const [name, call] of [
      ['publish', () => client.publish(channel, { x: 1 })],
      ['history', () => client.history(channel, { limit: 5 })],
      ['presence', () => client.presence(channel)],
    ] as const) {
      const f = await failure(call);
      assert.equal(f.code, 100, `${label}: ${name}`);
      assert.ok(f.ms < WITHIN_MS, `${label}: ${name} failed after ${f.ms} ms`);
    }
    const started = Date.now();
    const api = await callApi(server.apiUrl, 'publish', { channel, data: {} });
    assert.equal(api.body?.error?.code, 100, `${label}: API publish answered ${api.text}`);
    assert.ok(Date.now() - started < WITHIN_MS, `${label}: API publish took ${Date.now() - started} ms`);
    assert.equal(disconnects, 0, `${label}: the client stayed connected`);
  }

  test('Redis stopped: subscribe, publish, history, presence and the API fail with 100 within io_timeout', async () => {
    await redis.stop();
    try {
      await everyCommandFailsFast('stopped', 'down');
    } finally {
      await redis.start();
    }
  });

  test('Redis hanging (SIGSTOP): the same commands fail with 100 within io_timeout', async () => {
    // Let the shards reconnect first: a subscribe on a live link is what hangs.
    const sub = client.newSubscription('warmup');
    sub.subscribe();
    await sub.ready(10_000);
    redis.pause();
    try {
      await everyCommandFailsFast('hanging', 'hung');
    } finally {
      redis.resume();
    }
  });
});
