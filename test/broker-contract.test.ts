/**
 * The broker and presence contracts, run against the memory implementations
 * and against real Redis (REDIS_URL; skipped, saying so, when unset). Clock
 * and sweep details of the memory broker stay in broker-memory.test.ts.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { Broker, Publication, StreamPosition } from '../src/broker/broker';
import { UnrecoverablePositionError } from '../src/broker/broker';
import { MemoryBroker } from '../src/broker/memory';
import type { PresenceManager } from '../src/broker/presence';
import { MemoryPresence } from '../src/broker/presence-memory';
import { RedisPresence } from '../src/broker/redis/presence';
import { RedisBroker } from '../src/broker/redis/broker';
import type { RedisPartition } from '../src/broker/redis/partitions';
import { createLogger } from '../src/common/log';
import type { ClientInfo } from '../src/protocol/json';
import { waitFor } from './helpers/clients';
import { skipWithoutRedis, testShards, uniquePrefix } from './helpers/redis';

interface Events {
  pubs: [string, Publication, StreamPosition, Publication | undefined][];
  joins: [string, 'join' | 'leave', ClientInfo][];
}

interface Flavour {
  readonly name: string;
  readonly skip: string | false;
  broker(): Promise<{ broker: Broker; events: Events }>;
  presence(): Promise<PresenceManager>;
}

const opened: RedisPartition[][] = [];
const log = createLogger('test');

async function started(broker: Broker): Promise<{ broker: Broker; events: Events }> {
  const events: Events = { pubs: [], joins: [] };
  await broker.start({
    onPublication: (ch, pub, pos, prev) => events.pubs.push([ch, pub, pos, prev]),
    onJoin: (ch, info) => events.joins.push([ch, 'join', info]),
    onLeave: (ch, info) => events.joins.push([ch, 'leave', info]),
  });
  return { broker, events };
}

const FLAVOURS: Flavour[] = [
  { name: 'memory', skip: false, broker: () => started(new MemoryBroker()), presence: async () => new MemoryPresence() },
  {
    name: 'redis',
    skip: skipWithoutRedis,
    broker: async () => {
      const shards = await testShards();
      opened.push(shards);
      return started(new RedisBroker(shards, { prefix: uniquePrefix('contract'), ioTimeout: 2000, connectTimeout: 2000, log }));
    },
    presence: async () => {
      const shards = await testShards();
      opened.push(shards);
      return new RedisPresence(shards, { prefix: uniquePrefix('presence'), ttl: 5000, updateInterval: 60_000, log });
    },
  },
];

after(() => {
  for (const shards of opened) for (const s of shards) (s.command.disconnect(), s.subscriber.disconnect());
});

const HISTORY = { size: 3, ttl: 60_000, metaTtl: 60_000 };

/** Channel names with characters that need care: spaces, braces (hash tags), unicode, 255 bytes. */
const ODD_CHANNELS = ['with space', '{tag}x', 'a}{b', 'ünïcødé:频道', 'x'.repeat(255)];

for (const flavour of FLAVOURS) {
  describe(`broker contract: ${flavour.name}`, { skip: flavour.skip }, () => {
    test('publications reach the node only for subscribed channels, in order', async () => {
      const { broker, events } = await flavour.broker();
      await broker.publish('a', { data: '1' }, {});
      await broker.subscribe('a');
      for (let i = 2; i <= 50; i++) void broker.publish('a', { data: String(i) }, {});
      await broker.publish('a', { data: '51' }, {});
      await waitFor(() => events.pubs.length === 50, '50 publications');
      await broker.unsubscribe('a');
      await broker.publish('a', { data: '52' }, {});
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(
        events.pubs.map((e) => e[1].data),
        Array.from({ length: 50 }, (_, i) => String(i + 2)),
      );
      await broker.close();
    });

    test('without history there is no offset', async () => {
      const { broker } = await flavour.broker();
      assert.deepEqual(await broker.publish('a', { data: '1' }, {}), { position: { offset: 0, epoch: '' }, duplicate: false });
      await broker.close();
    });

    test('history: offsets from 1, one epoch, size retention, since, reverse, limit', async () => {
      const { broker } = await flavour.broker();
      const positions = [];
      for (let i = 1; i <= 5; i++) positions.push((await broker.publish('h', { data: String(i) }, { history: HISTORY })).position);
      assert.deepEqual(positions.map((p) => p.offset), [1, 2, 3, 4, 5]);
      assert.equal(new Set(positions.map((p) => p.epoch)).size, 1);
      assert.match(positions[0]!.epoch, /^[a-zA-Z]{8}$/);
      const epoch = positions[0]!.epoch;
      const all = await broker.history('h', { limit: -1, metaTtl: 60_000 });
      assert.deepEqual(all.publications.map((p) => [p.offset, p.data]), [[3, '3'], [4, '4'], [5, '5']]);
      assert.deepEqual(all.position, { offset: 5, epoch });
      const since = await broker.history('h', { limit: -1, since: { offset: 3, epoch }, metaTtl: 60_000 });
      assert.deepEqual(since.publications.map((p) => p.offset), [4, 5]);
      const reverse = await broker.history('h', { limit: 2, reverse: true, metaTtl: 60_000 });
      assert.deepEqual(reverse.publications.map((p) => p.offset), [5, 4]);
      const reverseSince = await broker.history('h', { limit: -1, reverse: true, since: { offset: 5, epoch }, metaTtl: 60_000 });
      assert.deepEqual(reverseSince.publications.map((p) => p.offset), [4, 3]);
      assert.deepEqual((await broker.history('h', { limit: 0, metaTtl: 60_000 })).publications, []);
      await assert.rejects(broker.history('h', { limit: -1, since: { offset: 1, epoch: 'other' }, metaTtl: 60_000 }), UnrecoverablePositionError);
      await broker.close();
    });

    test('a position read before the first publish keeps its epoch', async () => {
      const { broker } = await flavour.broker();
      const before = await broker.history('fresh', { limit: 0, metaTtl: 60_000 });
      assert.equal(before.position.offset, 0);
      const first = await broker.publish('fresh', { data: '1' }, { history: HISTORY });
      assert.deepEqual(first.position, { offset: 1, epoch: before.position.epoch });
      await broker.close();
    });

    test('removeHistory keeps the position', async () => {
      const { broker } = await flavour.broker();
      await broker.publish('h', { data: '1' }, { history: HISTORY });
      await broker.removeHistory('h');
      const after = await broker.history('h', { limit: -1, metaTtl: 60_000 });
      assert.deepEqual(after.publications, []);
      assert.equal(after.position.offset, 1);
      assert.equal((await broker.publish('h', { data: '2' }, { history: HISTORY })).position.offset, 2);
      await broker.close();
    });

    test('an idempotency key answers the first position and publishes nothing more', async () => {
      const { broker, events } = await flavour.broker();
      await broker.subscribe('i');
      const first = await broker.publish('i', { data: '1' }, { history: HISTORY, idempotencyKey: 'k', idempotentResultTtl: 10_000 });
      const again = await broker.publish('i', { data: '1' }, { history: HISTORY, idempotencyKey: 'k', idempotentResultTtl: 10_000 });
      assert.equal(first.duplicate, false);
      assert.equal(again.duplicate, true);
      assert.deepEqual(again.position, first.position);
      await waitFor(() => events.pubs.length === 1, 'one publication');
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(events.pubs.length, 1);
      await broker.close();
    });

    test('a version not above the last one is skipped and answers the top; a new version epoch starts over', async () => {
      const { broker, events } = await flavour.broker();
      await broker.subscribe('v');
      const at = (version: number, versionEpoch = '') => broker.publish('v', { data: String(version) }, { history: HISTORY, version, versionEpoch });
      const five = await at(5);
      const three = await at(3);
      assert.deepEqual([three.duplicate, three.position], [true, five.position]);
      assert.equal((await at(5)).duplicate, true);
      const six = await at(6);
      assert.deepEqual([six.duplicate, six.position.offset], [false, five.position.offset + 1]);
      assert.equal((await at(2, 'e2')).duplicate, false); // another version epoch counts anew
      assert.equal((await at(1, 'e2')).duplicate, true);
      assert.equal((await broker.publish('v', { data: 'plain' }, { history: HISTORY })).duplicate, false); // no version: no check
      await waitFor(() => events.pubs.length === 4, 'four publications');
      assert.deepEqual(events.pubs.map(([, pub]) => pub.data), ['5', '6', '2', 'plain']);
      await broker.close();
    });

    test('publication info and tags travel; a delta publish carries the previous publication', async () => {
      const { broker, events } = await flavour.broker();
      await broker.subscribe('d');
      const info = { user: 'u', client: 'c', conn_info: '{"n":"ü"}' };
      await broker.publish('d', { data: '"a"', info, tags: { k: 'v' } }, { history: HISTORY, delta: true });
      await broker.publish('d', { data: '"b"' }, { history: HISTORY, delta: true });
      await broker.publish('d', { data: '"c"' }, { history: HISTORY });
      await waitFor(() => events.pubs.length === 3, 'three publications');
      assert.deepEqual(events.pubs[0]![1], { data: '"a"', offset: 1, info, tags: { k: 'v' } });
      assert.deepEqual(events.pubs.map((e) => e[3]?.data), [undefined, '"a"', undefined]);
      await broker.close();
    });

    test('join and leave reach subscribed nodes', async () => {
      const { broker, events } = await flavour.broker();
      await broker.subscribe('j');
      await broker.publishJoin('j', { user: 'u', client: 'c1' });
      await broker.publishLeave('j', { user: 'u', client: 'c1' });
      await broker.publishJoin('not-subscribed', { user: 'u', client: 'c2' });
      await waitFor(() => events.joins.length === 2, 'join and leave');
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(events.joins, [
        ['j', 'join', { user: 'u', client: 'c1' }],
        ['j', 'leave', { user: 'u', client: 'c1' }],
      ]);
      await broker.close();
    });

    test('channels with spaces, braces, unicode and 255 bytes are stored and delivered', async () => {
      const { broker, events } = await flavour.broker();
      for (const ch of ODD_CHANNELS) await broker.subscribe(ch);
      for (const ch of ODD_CHANNELS) await broker.publish(ch, { data: JSON.stringify(ch) }, { history: HISTORY });
      await waitFor(() => events.pubs.length === ODD_CHANNELS.length, 'one publication per channel');
      assert.deepEqual(events.pubs.map((e) => [e[0], e[1].data]), ODD_CHANNELS.map((ch) => [ch, JSON.stringify(ch)]));
      for (const ch of ODD_CHANNELS) {
        const h = await broker.history(ch, { limit: -1, metaTtl: 60_000 });
        assert.deepEqual(h.publications.map((p) => p.data), [JSON.stringify(ch)]);
      }
      await broker.close();
    });
  });

  describe(`presence contract: ${flavour.name}`, { skip: flavour.skip }, () => {
    test('add, re-add, remove and stats', async () => {
      const p = await flavour.presence();
      await p.add('ch', { user: 'u1', client: 'c1' }, 0);
      await p.add('ch', { user: 'u1', client: 'c2' }, 1);
      await p.add('ch', { user: 'u2', client: 'c3', conn_info: '{"a":1}' }, 1);
      await p.add('ch', { user: 'u2', client: 'c3', conn_info: '{"a":2}' }, 1);
      assert.deepEqual(await p.stats('ch'), { numClients: 3, numUsers: 2 });
      assert.equal((await p.presence('ch')).get('c3')?.conn_info, '{"a":2}');
      assert.equal(await p.remove('ch', 'c1'), true);
      assert.equal(await p.remove('ch', 'c1'), false);
      assert.deepEqual(await p.stats('ch'), { numClients: 2, numUsers: 2 });
      assert.deepEqual(await p.stats('other'), { numClients: 0, numUsers: 0 });
    });

    test("a crashed shard's entries disappear and are reported per channel", async () => {
      const p = await flavour.presence();
      await p.add('a', { user: 'u1', client: 'c1' }, 0);
      await p.add('a', { user: 'u2', client: 'c2' }, 2);
      await p.add('b', { user: 'u2', client: 'c2' }, 2);
      const removed = await p.removeShard(2);
      assert.deepEqual([...removed.keys()].sort(), ['a', 'b']);
      assert.deepEqual(await p.stats('a'), { numClients: 1, numUsers: 1 });
      assert.deepEqual(await p.stats('b'), { numClients: 0, numUsers: 0 });
    });
  });
}

describe('redis presence expiry', { skip: skipWithoutRedis }, () => {
  test('entries that are not refreshed expire; refreshed ones stay', async () => {
    const shards = await testShards();
    opened.push(shards);
    const prefix = uniquePrefix('expiry');
    const refreshed = new RedisPresence(shards, { prefix, ttl: 1000, updateInterval: 300, log });
    const dead = new RedisPresence(shards, { prefix, ttl: 1000, updateInterval: 60_000, log });
    await refreshed.add('ch', { user: 'alive', client: 'a' }, 0);
    await dead.add('ch', { user: 'gone', client: 'g' }, 0);
    dead.close();
    assert.equal((await refreshed.presence('ch')).size, 2);
    await new Promise((r) => setTimeout(r, 1600));
    assert.deepEqual([...(await refreshed.presence('ch')).keys()], ['a']);
    refreshed.close();
  });
});
