/**
 * How a Redis or NATS address appears in logs and start-up errors: its
 * password is replaced by `***`, the rest (scheme, user, host, port, db) is
 * kept.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withoutPassword } from '../src/common/without-password';
import { redisTargets } from '../src/config/redis-topology';
import { validateConfig } from '../src/config/validate';

test('a password in an address is not shown', () => {
  assert.equal(withoutPassword('redis://user:s3cret@10.0.0.1:6379/2'), 'redis://user:***@10.0.0.1:6379/2');
  assert.equal(withoutPassword('rediss://:s3cret@cache.example:6380'), 'rediss://:***@cache.example:6380');
  assert.equal(withoutPassword('redis+sentinel://u:p%40ss@127.0.0.1:26379?sentinel_master_name=m'), 'redis+sentinel://u:***@127.0.0.1:26379?sentinel_master_name=m');
});

test('an address without a password is shown as written', () => {
  assert.equal(withoutPassword('redis://user@10.0.0.1:6379'), 'redis://user@10.0.0.1:6379');
  assert.equal(withoutPassword('redis://127.0.0.1:6379/0'), 'redis://127.0.0.1:6379/0');
  assert.equal(withoutPassword('127.0.0.1:6379'), '127.0.0.1:6379');
});

test('every URL of a comma-separated list (NATS servers) loses its password', () => {
  assert.equal(withoutPassword('nats://a:b@127.0.0.1:4222, nats://127.0.0.1:4223,tls://c:d@h:1'), 'nats://a:***@127.0.0.1:4222, nats://127.0.0.1:4223,tls://c:***@h:1');
});

test('the targets of engine.redis carry the label without the password', () => {
  const config = validateConfig({ engine: { type: 'redis', redis: { address: ['redis://app:hunter2@127.0.0.1:6379', 'redis://127.0.0.1:6380'] } } });
  assert.deepEqual(
    redisTargets(config.engine.redis).map((t) => t.label),
    ['redis://app:***@127.0.0.1:6379', 'redis://127.0.0.1:6380'],
  );
});
