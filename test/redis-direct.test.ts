/**
 * Issue 12: direct publishes (PublishOptions.direct) go on the PUB/SUB
 * connection when it speaks RESP3 (redis-direct.ts), so a publishing owner's
 * own copy and the reply come back in one read. Checked: which socket
 * writes them, that the owner has the publication before the publish
 * resolves, call order under concurrency, the fall-back to the command
 * connection (PUB/SUB connection down, RESP2), the route kept while
 * publishes are in flight, and a paused Redis failing them within
 * io_timeout. Against the real Redis (REDIS_URL) and a private redis-server.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { Publication } from '../src/broker/broker';
import { RedisBroker } from '../src/broker/redis';
import { DirectRoute } from '../src/broker/redis-direct';
import type { RedisClient, RedisPartition } from '../src/broker/redis-partitions';
import { TurnBatchedRedis } from '../src/broker/redis-turn-writes';
import { createLogger } from '../src/common/log';
import { waitFor } from './helpers/clients';
import { countSocketWrites, REDIS_URL, retryFor, settledWhilePaused, skipWithoutRedis, startPrivateRedis, testShards, uniquePrefix, type PrivateRedis } from './helpers/redis';

const log = createLogger('test');
/** testShards' engine.redis.io_timeout, ms. */
const IO_TIMEOUT_MS = 2000;
/** "Within io_timeout", with scheduling slack for a busy machine. */
const WITHIN_MS = IO_TIMEOUT_MS + 1500;
const DIRECT = { direct: true } as const;

const opened: RedisPartition[][] = [];
const privates: PrivateRedis[] = [];
after(async () => {
  for (const shards of opened) for (const s of shards) (s.command.disconnect(), s.subscriber.disconnect());
  for (const redis of privates) await redis.stop();
});

async function startedBroker(shards: RedisPartition[]): Promise<{ broker: RedisBroker; received: { channel: string; data: string }[] }> {
  opened.push(shards);
  const broker = new RedisBroker(shards, { prefix: uniquePrefix('direct'), ioTimeout: IO_TIMEOUT_MS, connectTimeout: 2000, log });
  const received: { channel: string; data: string }[] = [];
  await broker.start({ onPublication: (channel: string, pub: Publication) => received.push({ channel, data: pub.data }) });
  return { broker, received };
}

/** A standalone partition whose two connections speak `protocol`. */
async function partitionOn(protocol: 2 | 3): Promise<RedisPartition[]> {
  const url = new URL(REDIS_URL!);
  const options = { host: url.hostname, port: Number(url.port || 6379), protocol, commandTimeout: IO_TIMEOUT_MS, enableOfflineQueue: false, maxRetriesPerRequest: 0, autoResubscribe: false };
  const command = new TurnBatchedRedis(options);
  const subscriber = new TurnBatchedRedis(options);
  await Promise.all([command, subscriber].map((c) => new Promise((resolve) => c.once('ready', resolve))));
  return [{ index: 0, command, subscriber, cluster: false }];
}

describe('direct publishes on the PUB/SUB connection', { skip: skipWithoutRedis }, () => {
  test('go on the PUB/SUB connection on RESP3, reach the owner before they resolve, in call order', async () => {
    const shards = await testShards();
    const { broker, received } = await startedBroker(shards);
    await broker.subscribe('mine');
    const onCommand = countSocketWrites(shards[0]!.command);
    const onSubscriber = countSocketWrites(shards[0]!.subscriber);
    const seenAtAnswer: number[] = [];
    const calls: Promise<unknown>[] = [];
    for (let n = 0; n < 300; n++) {
      calls.push(broker.publish('mine', { data: `${n}` }, DIRECT).then(() => seenAtAnswer.push(received.length)));
      // Several turns, so writes of earlier turns are in flight while later ones go out.
      if (n % 30 === 29) await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(calls);
    assert.equal(onCommand(), 0, 'nothing on the command connection');
    assert.ok(onSubscriber() > 0 && onSubscriber() <= 20, `${onSubscriber()} writes on the PUB/SUB connection`);
    // The n-th answer comes after the n-th publication was delivered (same socket, message before reply).
    seenAtAnswer.forEach((seen, n) => assert.ok(seen >= n + 1, `answer ${n} came with ${seen} delivered`));
    assert.deepEqual(
      received.map((r) => r.data),
      Array.from({ length: 300 }, (_, n) => `${n}`),
    );
  });

  test('owner-path publishes (no direct flag) stay on the command connection', async () => {
    const shards = await testShards();
    const { broker, received } = await startedBroker(shards);
    await broker.subscribe('owned');
    const onSubscriber = countSocketWrites(shards[0]!.subscriber);
    await Promise.all([broker.publish('owned', { data: 'a' }, {}), broker.publish('owned', { data: 'b' }, { history: { size: 10, ttl: 60_000, metaTtl: 60_000 } })]);
    assert.equal(onSubscriber(), 0);
    await waitFor(() => received.length === 2, 'both delivered');
  });

  test('go on the command connection while the PUB/SUB connection is down', async () => {
    const shards = await testShards();
    const { broker } = await startedBroker(shards);
    shards[0]!.subscriber.disconnect();
    const onCommand = countSocketWrites(shards[0]!.command);
    const result = await broker.publish('elsewhere', { data: 'x' }, DIRECT);
    assert.deepEqual(result.position, { offset: 0, epoch: '' });
    assert.equal(onCommand(), 1);
  });

  test('go on the command connection on RESP2 (a subscribed RESP2 connection refuses PUBLISH)', async () => {
    const shards = await partitionOn(2);
    const { broker, received } = await startedBroker(shards);
    await broker.subscribe('resp2');
    const onCommand = countSocketWrites(shards[0]!.command);
    const onSubscriber = countSocketWrites(shards[0]!.subscriber);
    await Promise.all(Array.from({ length: 10 }, (_, n) => broker.publish('resp2', { data: `${n}` }, DIRECT)));
    assert.equal(onSubscriber(), 0);
    assert.ok(onCommand() >= 1);
    await waitFor(() => received.length === 10, '10 delivered');
    assert.deepEqual(
      received.map((r) => r.data),
      Array.from({ length: 10 }, (_, n) => `${n}`),
    );
  });

  test('a paused Redis fails direct publishes within io_timeout; they work again after it resumes', async () => {
    const redis = await startPrivateRedis();
    privates.push(redis);
    const shards = await testShards(redis.url);
    const { broker } = await startedBroker(shards);
    await broker.subscribe('hang');
    await broker.publish('hang', { data: 'before' }, DIRECT);
    const { outcomes, elapsedMs } = await settledWhilePaused(redis, () => Array.from({ length: 20 }, (_, n) => broker.publish('hang', { data: `${n}` }, DIRECT)));
    assert.ok(
      outcomes.every((o) => o.status === 'rejected'),
      'every publish failed',
    );
    assert.ok(elapsedMs < WITHIN_MS, `the publishes failed after ${elapsedMs} ms`);
    await retryFor(() => broker.publish('hang', { data: 'after' }, DIRECT));
  });
});

/** A stand-in connection: only what DirectRoute reads. */
function fakeClient(status: string, protocol: number): RedisClient {
  return { status, condition: { protocol }, stream: { writable: true } } as unknown as RedisClient;
}

describe('DirectRoute', () => {
  test('moves to the PUB/SUB connection only once nothing is in flight on the command one', () => {
    const command = fakeClient('ready', 3);
    const subscriber = fakeClient('connecting', 3);
    const route = new DirectRoute({ index: 0, command, subscriber, cluster: false });
    const first = route.take();
    assert.equal(first, command);
    (subscriber as unknown as { status: string }).status = 'ready';
    // Still one in flight on the command connection: the next one follows it there.
    assert.equal(route.take(), command);
    route.settled(command);
    assert.equal(route.take(), command);
    route.settled(command);
    route.settled(command);
    assert.equal(route.take(), subscriber);
    route.settled(subscriber);
  });

  test('leaves a connection that is no longer ready at once', () => {
    const command = fakeClient('ready', 3);
    const subscriber = fakeClient('ready', 3);
    const route = new DirectRoute({ index: 0, command, subscriber, cluster: false });
    assert.equal(route.take(), subscriber);
    (subscriber as unknown as { status: string }).status = 'reconnecting';
    assert.equal(route.take(), command);
  });

  test('never uses the PUB/SUB connection on RESP2 or in a cluster', () => {
    const command = fakeClient('ready', 3);
    assert.equal(new DirectRoute({ index: 0, command, subscriber: fakeClient('ready', 2), cluster: false }).take(), command);
    assert.equal(new DirectRoute({ index: 0, command, subscriber: fakeClient('ready', 3), cluster: true }).take(), command);
  });
});
