/**
 * Channels spread over two independent Redis instances (jump consistent
 * hash): both hold streams, and publishing, history and delivery work across
 * two processes. Also pins the hash and the address parser.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Redis } from 'ioredis';
import { parseRedisAddress, redisAddressErrors } from '../src/common/redis-address';
import { fnv1a64, jumpHash, shardIndex } from '../src/broker/redis/partitions';
import { callApi } from './helpers/api';
import { sdkClient, waitFor } from './helpers/clients';
import { redisEngine, skipWithoutRedis, startNode, startPrivateRedis, uniquePrefix, type ChildNode, type PrivateRedis } from './helpers/redis';

test('jump hash: stable, in range, and moves few keys when a bucket is added', () => {
  assert.equal(fnv1a64(''), 0xcbf29ce484222325n);
  assert.equal(fnv1a64('a'), 0xaf63dc4c8601ec8cn);
  const keys = Array.from({ length: 2000 }, (_, i) => `channel-${i}`);
  const two = keys.map((k) => shardIndex(k, 2));
  const three = keys.map((k) => shardIndex(k, 3));
  assert.ok(two.every((b) => b === 0 || b === 1));
  const onFirst = two.filter((b) => b === 0).length;
  assert.ok(onFirst > 800 && onFirst < 1200, `balanced: ${onFirst}/2000 on shard 0`);
  const moved = keys.filter((_, i) => two[i] !== three[i]).length;
  assert.ok(three.every((b, i) => b === two[i] || b === 2), 'keys only move to the new bucket');
  assert.ok(moved > 450 && moved < 900, `about a third moved: ${moved}`);
  assert.equal(jumpHash(123456789n, 1), 0);
});

test('redis addresses: schemes, credentials, database, sentinel and cluster; clear errors', () => {
  assert.deepEqual(parseRedisAddress('127.0.0.1:6380'), { kind: 'single', nodes: [{ host: '127.0.0.1', port: 6380 }], tls: false });
  assert.deepEqual(parseRedisAddress('rediss://u:p%40ss@cache.example:7000/3'), {
    kind: 'single',
    nodes: [{ host: 'cache.example', port: 7000 }],
    tls: true,
    user: 'u',
    password: 'p@ss',
    db: 3,
  });
  const sentinel = parseRedisAddress('redis+sentinel://s1:26379?sentinel_master_name=main&addr=s2');
  assert.equal(sentinel.kind, 'sentinel');
  assert.equal(sentinel.masterName, 'main');
  assert.deepEqual(sentinel.nodes, [{ host: 's1', port: 26379 }, { host: 's2', port: 26379 }]);
  assert.equal(parseRedisAddress('redis+cluster://c1:7000?addr=c2:7001').nodes.length, 2);
  assert.deepEqual(redisAddressErrors(['redis://ok:1', 'http://x', 'redis+sentinel://s', 'host:port'], 'engine.redis.address'), [
    'engine.redis.address[1] "http://x": unknown scheme "http://" (use redis://, rediss://, redis+sentinel:// or redis+cluster://)',
    'engine.redis.address[2] "redis+sentinel://s": redis+sentinel:// needs ?sentinel_master_name=NAME',
    'engine.redis.address[3] "host:port": "host:port" is not host:port',
  ]);
  assert.deepEqual(redisAddressErrors([], 'engine.redis.address'), ['engine.redis.address must name at least one Redis address']);
});

const redises: PrivateRedis[] = [];
const nodes: ChildNode[] = [];
after(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  await Promise.all(redises.map((r) => r.stop()));
});

test('two Redis shards: channels land on both and everything still works', { skip: skipWithoutRedis }, async () => {
  redises.push(await startPrivateRedis(), await startPrivateRedis());
  const prefix = uniquePrefix('sharding');
  const config = {
    engine: redisEngine(prefix, redises.map((r) => r.url)),
    channel: { without_namespace: { history_size: 10, history_ttl: '60s', presence: true } },
  };
  nodes.push(await startNode({ ...config, shards: { count: 2 } }), await startNode({ ...config, shards: { count: 3 } }));
  const channels = Array.from({ length: 12 }, (_, i) => `spread-${i}`);
  const client = sdkClient(nodes[0]!.wsUrl);
  const received = new Map<string, unknown[]>();
  const subs = channels.map((ch) => {
    const sub = client.newSubscription(ch);
    sub.on('publication', (ctx) => received.set(ch, [...(received.get(ch) ?? []), ctx.data]));
    sub.subscribe();
    return sub;
  });
  client.connect();
  await Promise.all(subs.map((s) => s.ready(5000)));
  for (const ch of channels) {
    for (let i = 1; i <= 2; i++) assert.ok((await callApi(nodes[1]!.apiUrl, 'publish', { channel: ch, data: { i } })).body.result);
  }
  await waitFor(() => channels.every((ch) => received.get(ch)?.length === 2), 'two publications per channel');
  for (const ch of channels) {
    const h = await callApi(nodes[0]!.apiUrl, 'history', { channel: ch, limit: -1 });
    assert.equal(h.body.result.offset, 2);
    const p = await callApi(nodes[1]!.apiUrl, 'presence_stats', { channel: ch });
    assert.deepEqual(p.body.result, { num_clients: 1, num_users: 1 });
  }
  const perRedis = await Promise.all(
    redises.map(async (r) => {
      const conn = new Redis(r.url);
      const keys = await conn.keys(`${prefix}.stream.meta.*`);
      conn.disconnect();
      return keys.length;
    }),
  );
  assert.equal(perRedis[0]! + perRedis[1]!, channels.length);
  assert.ok(perRedis.every((k) => k > 0), `streams on both instances: ${perRedis.join(', ')}`);
  client.disconnect();
});
