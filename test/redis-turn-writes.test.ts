/**
 * Issue 12, item 4: Redis publishes in batches. The commands a shard issues
 * in one event-loop turn leave in one socket write (redis/turn-writes.ts),
 * any number of turns' writes may be in flight, and still: per-channel order
 * (offsets and PUB/SUB delivery) follows call order under concurrency, and a
 * hanging Redis fails every batched publish within io_timeout (error 100 for
 * callers). Against the real Redis (REDIS_URL) and a private redis-server
 * for the hang.
 */
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, describe, test } from 'node:test';
import type { Publication, StreamPosition } from '../src/broker/broker';
import { RedisBroker } from '../src/broker/redis/broker';
import type { RedisPartition } from '../src/broker/redis/partitions';
import { TurnBatchedRedis } from '../src/broker/redis/turn-writes';
import { createLogger } from '../src/common/log';
import { waitFor } from './helpers/clients';
import { skipWithoutRedis, startPrivateRedis, testShards, uniquePrefix, type PrivateRedis } from './helpers/redis';

const log = createLogger('test');
const HISTORY = { size: 1000, ttl: 60_000, metaTtl: 60_000 };
/** testShards' engine.redis.io_timeout, ms. */
const IO_TIMEOUT_MS = 2000;
/** "Within io_timeout", with scheduling slack for a busy machine. */
const WITHIN_MS = IO_TIMEOUT_MS + 1500;

const opened: RedisPartition[][] = [];
const privates: PrivateRedis[] = [];
after(async () => {
  for (const shards of opened) for (const s of shards) (s.command.disconnect(), s.subscriber.disconnect());
  for (const redis of privates) await redis.stop();
});

interface Received {
  readonly channel: string;
  readonly data: string;
  readonly position: StreamPosition;
}

async function startedBroker(address?: string): Promise<{ broker: RedisBroker; shards: RedisPartition[]; received: Received[] }> {
  const shards = await testShards(address);
  opened.push(shards);
  const broker = new RedisBroker(shards, { prefix: uniquePrefix('turns'), ioTimeout: IO_TIMEOUT_MS, connectTimeout: 2000, log });
  const received: Received[] = [];
  await broker.start({ onPublication: (channel: string, pub: Publication, position: StreamPosition) => received.push({ channel, data: pub.data, position }) });
  return { broker, shards, received };
}

/** Counts the socket writes (write or writev syscalls' worth) of a command connection from now on. */
function countWrites(shard: RedisPartition): () => number {
  const socket = (shard.command as TurnBatchedRedis).stream as Socket & { _write: (...a: unknown[]) => void; _writev: (...a: unknown[]) => void };
  let writes = 0;
  const write = socket._write.bind(socket);
  const writev = socket._writev.bind(socket);
  socket._write = (...args: unknown[]) => (writes++, write(...args));
  socket._writev = (...args: unknown[]) => (writes++, writev(...args));
  return () => writes;
}

describe('redis publishes batched per event-loop turn', { skip: skipWithoutRedis }, () => {
  test('command connections are turn-batched, not ioredis auto-pipelined', async () => {
    const { shards } = await startedBroker();
    assert.ok(shards[0]!.command instanceof TurnBatchedRedis);
    assert.equal(shards[0]!.command.options.enableAutoPipelining, false);
  });

  test('publications of one turn share a write; offsets and PUB/SUB order follow call order per channel', async () => {
    const { broker, shards, received } = await startedBroker();
    const channels = ['o0', 'o1', 'o2', 'o3', 'o4'];
    for (const ch of [...channels, 'plain']) await broker.subscribe(ch);
    const writes = countWrites(shards[0]!);
    const calls: Promise<{ channel: string; n: number; offset: number }>[] = [];
    for (let n = 0; n < 200; n++) {
      const channel = channels[n % channels.length]!;
      calls.push(broker.publish(channel, { data: `${n}` }, { history: HISTORY }).then((r) => ({ channel, n, offset: r.position.offset })));
      // Publications without history (plain PUBLISH) go in the same batch, in order too.
      calls.push(broker.publish('plain', { data: `${n}` }, {}).then(() => ({ channel: 'plain', n, offset: 0 })));
    }
    const results = await Promise.all(calls);
    assert.ok(writes() < 20, `400 publishes of one turn took ${writes()} socket writes`);
    for (const channel of channels) {
      const offsets = results.filter((r) => r.channel === channel).map((r) => r.offset);
      assert.deepEqual(offsets, Array.from({ length: 40 }, (_, i) => i + 1), `${channel}: offsets in call order`);
    }
    await waitFor(() => received.length === 400, '400 publications back on PUB/SUB', 10_000);
    for (const channel of [...channels, 'plain']) {
      const sent = results.filter((r) => r.channel === channel).map((r) => `${r.n}`);
      assert.deepEqual(received.filter((r) => r.channel === channel).map((r) => r.data), sent, `${channel}: delivered in call order`);
    }
  });

  test('publications over many turns, with earlier writes still in flight, keep per-channel order', async () => {
    const { broker, received } = await startedBroker();
    await broker.subscribe('turns');
    const calls: Promise<number>[] = [];
    for (let turn = 0; turn < 50; turn++) {
      for (let i = 0; i < 4; i++) calls.push(broker.publish('turns', { data: `${turn * 4 + i}` }, { history: HISTORY }).then((r) => r.position.offset));
      // The next turn starts before this turn's round trip came back.
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.deepEqual(await Promise.all(calls), Array.from({ length: 200 }, (_, i) => i + 1));
    await waitFor(() => received.length === 200, '200 publications back on PUB/SUB', 10_000);
    assert.deepEqual(
      received.map((r) => r.data),
      Array.from({ length: 200 }, (_, i) => `${i}`),
    );
    assert.deepEqual(
      received.map((r) => r.position.offset),
      Array.from({ length: 200 }, (_, i) => i + 1),
    );
  });

  test('a hanging Redis fails every batched publish within io_timeout; publishing works again after it resumes', async () => {
    const redis = await startPrivateRedis();
    privates.push(redis);
    const { broker } = await startedBroker(redis.url);
    await broker.publish('hang', { data: 'before' }, { history: HISTORY });
    redis.pause();
    const started = Date.now();
    let outcomes: PromiseSettledResult<unknown>[];
    try {
      const calls: Promise<unknown>[] = [];
      for (let n = 0; n < 50; n++) calls.push(broker.publish(n % 2 ? 'hang' : 'hang-plain', { data: `${n}` }, n % 2 ? { history: HISTORY } : {}));
      outcomes = await Promise.allSettled(calls);
    } finally {
      redis.resume();
    }
    const elapsed = Date.now() - started;
    assert.ok(
      outcomes.every((o) => o.status === 'rejected'),
      'every publish failed',
    );
    assert.ok(elapsed < WITHIN_MS, `the publishes failed after ${elapsed} ms`);
    // The connection may have been dropped by its timeouts meanwhile: it reconnects by itself.
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        await broker.publish('hang', { data: 'after' }, { history: HISTORY });
        break;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  });
});
