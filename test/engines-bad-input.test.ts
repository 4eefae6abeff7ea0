/**
 * Bad engine input: every engine key problem is a config error naming its
 * path, and an engine that cannot be reached at start (Redis Cluster, Redis
 * Sentinel) gives a clear error and exit status 1 within its connect timeout.
 * (Unreachable Redis and NATS at start, and run-time losses, are in
 * redis-fault, nats-broker and postgres-outbox tests.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../src/config/errors';
import { validateConfig } from '../src/config/validate';
import { runCli } from './helpers/engines';
import { skipWithoutRedisServer } from './helpers/servers';

function errorsOf(input: unknown): readonly string[] {
  try {
    validateConfig(input);
  } catch (err) {
    if (err instanceof ConfigError) return err.errors;
    throw err;
  }
  return [];
}

test('engine keys: each problem names its path', () => {
  assert.deepEqual(errorsOf({ engine: { type: 'redis', redis: { sentinel_address: '127.0.0.1:26379' } } }), [
    'engine.redis.sentinel_master_name is required with engine.redis.sentinel_address',
  ]);
  assert.deepEqual(errorsOf({ engine: { type: 'redis', redis: { cluster_address: ['127.0.0.1:7000,127.0.0.1:x'] } } }), [
    'engine.redis.cluster_address[0] "127.0.0.1:7000,127.0.0.1:x": "127.0.0.1:x" is not host:port',
  ]);
  assert.deepEqual(errorsOf({ broker: { enabled: true, type: 'redis', redis: { address: 'http://x' } } }), [
    'broker.redis.address[0] "http://x": unknown scheme "http://" (use redis://, rediss://, redis+sentinel:// or redis+cluster://)',
  ]);
  assert.deepEqual(errorsOf({ presence_manager: { enabled: true, type: 'redis', redis: { address: [] } } }), [
    'presence_manager.redis.address must name at least one Redis address',
  ]);
  assert.deepEqual(errorsOf({ broker: { enabled: true, type: 'kafka' } }), ['broker.type must be one of memory, redis, nats, got "kafka"']);
  assert.deepEqual(errorsOf({ broker: { nats: { prefix: 'a..b' } } }), ['broker.nats.prefix must match ^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*$, got "a..b"']);
  assert.deepEqual(errorsOf({ consumers: [{ name: 'o', enabled: true }] }), [
    'consumers[0].postgresql.dsn is required when consumer "o" is enabled',
    'consumers[0].postgresql.outbox_table_name is required when consumer "o" is enabled',
  ]);
  assert.deepEqual(errorsOf({ consumers: [{ name: 'o', postgresql: { outbox_table_name: 'x; drop table y' } }] }).length, 1);
  // An unused section is not checked: the memory engine ignores engine.redis.
  assert.deepEqual(errorsOf({ engine: { type: 'memory', redis: { address: [] } } }), []);
});

test('an unreachable Redis Cluster at start: clear error, exit 1 within connect_timeout', { skip: skipWithoutRedisServer }, async () => {
  const started = Date.now();
  const run = await runCli({ engine: { type: 'redis', redis: { cluster_address: '127.0.0.1:1,127.0.0.1:2', connect_timeout: '300ms' } } });
  assert.equal(run.code, 1, run.output);
  assert.match(run.output, /engine\.redis: Redis at 127\.0\.0\.1:1,127\.0\.0\.1:2 did not answer within connect_timeout \(300 ms\)/);
  assert.ok(Date.now() - started < 5000, `exited after ${Date.now() - started} ms`);
});

test('unreachable Redis Sentinels at start: clear error, exit 1 within connect_timeout', { skip: skipWithoutRedisServer }, async () => {
  const started = Date.now();
  const run = await runCli({
    engine: { type: 'redis', redis: { sentinel_address: '127.0.0.1:1', sentinel_master_name: 'mymaster', connect_timeout: '300ms' } },
  });
  assert.equal(run.code, 1, run.output);
  assert.match(run.output, /engine\.redis: Redis at 127\.0\.0\.1:1 did not answer within connect_timeout \(300 ms\)/);
  assert.ok(Date.now() - started < 5000, `exited after ${Date.now() - started} ms`);
});
