/**
 * A Redis whose user may not do what the engine does there is a start-up
 * error naming the config key and what the ACL must allow, never a server
 * that starts and then refuses every subscribe (Redis 7 gives a new ACL user
 * no PUB/SUB channels); a Redis that refuses the connection itself (password,
 * user, database) says so at once, with its answer. Against a private
 * redis-server with ACL users.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { runCli } from './helpers/engines';
import { startPrivateRedis, type PrivateRedis } from './helpers/redis';
import { skipWithoutRedisServer } from './helpers/servers';

let redis: PrivateRedis | null = null;
before(async () => {
  if (skipWithoutRedisServer) return;
  redis = await startPrivateRedis(false);
  const admin = new Redis(redis.url);
  // Every key and command, no PUB/SUB channel: what `ACL SETUSER u on >pw ~* +@all` gives on Redis 7.
  await admin.call('ACL', 'SETUSER', 'nochannels', 'on', '>pw', '~*', 'resetchannels', '+@all');
  // The prefix's channels, but other keys only.
  await admin.call('ACL', 'SETUSER', 'otherkeys', 'on', '>pw', '~elsewhere.*', '&sy.*', '+@all');
  // Channels and keys, without the scripting commands.
  await admin.call('ACL', 'SETUSER', 'noscripts', 'on', '>pw', '~*', '&*', '+@all', '-@scripting');
  // What the engine needs, and nothing more on channels and keys.
  await admin.call('ACL', 'SETUSER', 'enough', 'on', '>pw', '~sy.*', '&sy.*', '+@all');
  await admin.call('ACL', 'SETUSER', 'disabled', 'off', '>pw', '~*', '&*', '+@all');
  admin.disconnect();
});
after(async () => {
  await redis?.stop();
});

function engineAs(user: string, section = 'engine', password = 'pw', db = ''): Record<string, unknown> {
  const redisSection = { address: `${redis!.url.replace('redis://', `redis://${user}:${password}@`)}${db}`, prefix: 'sy', connect_timeout: '10s' };
  // At info, so "switchyard ready" shows that it started.
  const log = { level: 'info' };
  if (section === 'engine') return { log, engine: { type: 'redis', redis: redisSection } };
  return { log, presence_manager: { enabled: true, type: 'redis', redis: redisSection } };
}

test('a user without the PUB/SUB channels: exit 1, naming engine.redis, SUBSCRIBE and the ACL needed', { skip: skipWithoutRedisServer }, async () => {
  const run = await runCli(engineAs('nochannels'));
  assert.equal(run.code, 1, run.output);
  assert.match(run.output, /engine\.redis: Redis at redis:\/\/\w+:\*\*\*@127\.0\.0\.1:\d+ refused SUBSCRIBE to "sy\.anchor": NOPERM[^\n]*the user of engine\.redis needs the PUB\/SUB channels "sy\.\*" \(ACL "&sy\.\*"\)/);
  assert.match(run.output, /refused PUBLISH on "sy\.anchor"/);
  assert.doesNotMatch(run.output, /:pw@/, 'the password is not shown');
});

test('a user kept to other keys: exit 1, naming the keys the engine uses', { skip: skipWithoutRedisServer }, async () => {
  const run = await runCli(engineAs('otherkeys'));
  assert.equal(run.code, 1, run.output);
  assert.match(run.output, /engine\.redis: Redis at redis:\/\/\w+:\*\*\*@127\.0\.0\.1:\d+ refused a script over the key "sy\.probe": NOPERM[^\n]*needs the keys "sy\.\*"/);
  assert.doesNotMatch(run.output, /refused SUBSCRIBE/);
});

test('a user without scripting: exit 1, naming EVAL', { skip: skipWithoutRedisServer }, async () => {
  const run = await runCli(engineAs('noscripts'));
  assert.equal(run.code, 1, run.output);
  assert.match(run.output, /engine\.redis: Redis at redis:\/\/\w+:\*\*\*@127\.0\.0\.1:\d+ refused a script over the key "sy\.probe": NOPERM[^\n]*scripting commands \(EVAL, EVALSHA\)/);
});

test('a wrong password, a disabled user, a database out of range: exit 1 at once, with Redis\'s answer, not "did not answer"', { skip: skipWithoutRedisServer }, async () => {
  for (const [overrides, answer] of [
    [engineAs('enough', 'engine', 'wrong'), /refused the connection: WRONGPASS/],
    [engineAs('disabled'), /refused the connection: WRONGPASS/],
    [engineAs('enough', 'engine', 'pw', '/99'), /refused the connection: ERR DB index is out of range/],
  ] as const) {
    const started = Date.now();
    const run = await runCli(overrides);
    assert.equal(run.code, 1, run.output);
    assert.match(run.output, /engine\.redis: Redis at redis:\/\/\w+:\*\*\*@127\.0\.0\.1:\d+(\/99)? refused the connection: .*\(check the user, password and database of engine\.redis\)/);
    assert.match(run.output, answer);
    assert.doesNotMatch(run.output, /did not answer/);
    // Long before connect_timeout (10 s): the refusal ends the wait.
    assert.ok(Date.now() - started < 6000, `exited after ${Date.now() - started} ms`);
  }
});

test('a presence-only Redis section is not asked for PUB/SUB channels', { skip: skipWithoutRedisServer }, async () => {
  const run = await runCli(engineAs('nochannels', 'presence'), 4000);
  // It starts (killed by runCli's timeout): no problem was found in presence_manager.redis.
  assert.doesNotMatch(run.output, /refused/);
  assert.match(run.output, /switchyard ready/);
});

test('a user with the prefix\'s keys and channels starts', { skip: skipWithoutRedisServer }, async () => {
  const run = await runCli(engineAs('enough'), 4000);
  assert.doesNotMatch(run.output, /refused/);
  assert.match(run.output, /switchyard ready/);
});
