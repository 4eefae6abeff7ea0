/**
 * A Redis connection that ioredis gives up on its own is connected again.
 *
 * ioredis ends a connection for good when its connector is told to disconnect
 * while a reconnect is under way; with Sentinel's failoverDetector a
 * +switch-master arriving during a reconnect does that, and a shard's PUB/SUB
 * connection stayed down after a failover (its subscribers silently missed
 * publications). The test drives the same ioredis path on a plain connection
 * to the real Redis: the connector is disconnected just as a reconnect
 * starts. Connections closed by switchyard itself stay closed.
 */
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, describe, test } from 'node:test';
import type { Publication, StreamPosition } from '../src/broker/broker';
import { RedisBroker } from '../src/broker/redis/broker';
import type { RedisClient, RedisPartition } from '../src/broker/redis/partitions';
import { createLogger } from '../src/common/log';
import { waitFor } from './helpers/clients';
import { skipWithoutRedis, testShards, uniquePrefix } from './helpers/redis';

const opened: RedisPartition[][] = [];
after(() => {
  for (const shards of opened) for (const s of shards) (s.command.disconnect(), s.subscriber.disconnect());
});

/** Makes ioredis end `client` by itself: its socket is destroyed, and the connector is told to disconnect as the reconnect begins. */
function endFromInside(client: RedisClient): void {
  const inner = client as unknown as { connector: { disconnect(): void }; stream: Socket };
  client.once('connecting', () => inner.connector.disconnect());
  inner.stream.destroy();
}

describe('a Redis connection ended by ioredis itself', { skip: skipWithoutRedis }, () => {
  test('is connected again, and the PUB/SUB subscriptions come back with it', async () => {
    const shards = await testShards();
    opened.push(shards);
    const broker = new RedisBroker(shards, { prefix: uniquePrefix('end'), ioTimeout: 2000, connectTimeout: 2000, log: createLogger('test') });
    const received: string[] = [];
    await broker.start({ onPublication: (_channel: string, pub: Publication, _position: StreamPosition) => received.push(pub.data) });
    await broker.subscribe('kept');
    await broker.publish('kept', { data: 'before' }, {});
    await waitFor(() => received.length === 1, 'the first publication', 5000);

    const subscriber = shards[0]!.subscriber;
    const statuses: string[] = [];
    subscriber.on('end', () => statuses.push('end'));
    subscriber.on('ready', () => statuses.push('ready'));
    endFromInside(subscriber);
    await waitFor(() => statuses.includes('end'), 'ioredis ending the connection', 5000);
    await waitFor(() => subscriber.status === 'ready', 'the connection back', 5000);
    assert.deepEqual(statuses, ['end', 'ready']);

    // The subscription set restores 'kept' on the new connection.
    const deadline = Date.now() + 5000;
    while (!received.includes('after')) {
      assert.ok(Date.now() < deadline, 'no publication came back after the reconnect');
      await broker.publish('kept', { data: 'after' }, {});
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await broker.close();
  });

  test('stays closed when switchyard closes it', async () => {
    const shards = await testShards();
    const client = shards[0]!.command;
    const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
    client.disconnect();
    shards[0]!.subscriber.disconnect();
    await ended;
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.equal(client.status, 'end');
  });
});
