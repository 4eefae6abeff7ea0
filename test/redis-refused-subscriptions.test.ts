/**
 * PUB/SUB subscriptions that Redis refuses (an ACL user without permission
 * for some channels, as Redis 7 users are by default): a refused channel
 * fails alone, never the channels that went in the same SUBSCRIBE, and a
 * restore after a reconnect that meets a refused channel drops that channel
 * (reported through `onRefused`) and restores the rest, instead of leaving the
 * whole connection down. Against a private redis-server with an ACL user.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { isAclRefusal, isPassingState, isRedisRefusal } from '../src/broker/redis/refusal';
import { SubscriptionSet } from '../src/broker/redis/subscriptions';
import { waitFor } from './helpers/clients';
import { skipWithoutRedis, startPrivateRedis, type PrivateRedis } from './helpers/redis';

let redis: PrivateRedis | null = null;
const connections: Redis[] = [];
after(async () => {
  for (const c of connections) c.disconnect();
  await redis?.stop();
});

/** A Redis connection as `user`, set as the broker's PUB/SUB connections are (the set resubscribes, not ioredis). */
function connect(user: string): Redis {
  const client = new Redis(redis!.url.replace('redis://', `redis://${user}:pw@`), {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResubscribe: false,
    retryStrategy: () => 50,
  });
  connections.push(client);
  return client;
}

async function admin(...args: string[]): Promise<unknown> {
  const client = new Redis(redis!.url);
  try {
    return await client.call(args[0]!, ...args.slice(1));
  } finally {
    client.disconnect();
  }
}

before(async () => {
  if (skipWithoutRedis) return;
  redis = await startPrivateRedis(false);
});

test('a refused channel fails alone: the channels of the same SUBSCRIBE are subscribed and get messages', { skip: skipWithoutRedis }, async () => {
  await admin('ACL', 'SETUSER', 'one', 'on', '>pw', '~*', 'resetchannels', '&one.anchor', '&one.ok*', '+@all');
  const subscriber = connect('one');
  // Made before the connection is up, as the broker makes it: the first connect subscribes the anchor.
  const set = new SubscriptionSet(subscriber, 'one.anchor');
  await waitFor(() => set.live, 'the connection');
  const got: string[] = [];
  subscriber.on('message', (channel: string, message: string) => got.push(`${channel}=${message}`));

  // Requested in one turn: one SUBSCRIBE command carries all three.
  const outcomes = await Promise.allSettled([set.subscribe('one.ok-1'), set.subscribe('one.denied'), set.subscribe('one.ok-2')]);
  assert.equal(outcomes[0].status, 'fulfilled');
  assert.equal(outcomes[2].status, 'fulfilled');
  assert.equal(outcomes[1].status, 'rejected');
  assert.match(String((outcomes[1] as PromiseRejectedResult).reason), /NOPERM/);
  assert.equal(set.has('one.denied'), false, 'a refused channel is not wanted any more');
  assert.equal(set.has('one.ok-1'), true);

  await admin('PUBLISH', 'one.ok-1', 'a');
  await admin('PUBLISH', 'one.ok-2', 'b');
  await waitFor(() => got.length === 2, 'both messages');
  assert.deepEqual(got, ['one.ok-1=a', 'one.ok-2=b']);
});

test('a restore that meets a refused channel drops it, reports it, and restores the others', { skip: skipWithoutRedis }, async () => {
  await admin('ACL', 'SETUSER', 'two', 'on', '>pw', '~*', 'resetchannels', '&two.anchor', '&two.ok*', '&two.revoked', '+@all');
  const subscriber = connect('two');
  let restored = 0;
  const refused: string[] = [];
  const set = new SubscriptionSet(subscriber, 'two.anchor', { onRestored: () => restored++, onRefused: (channel, reason) => refused.push(`${channel}: ${reason}`) });
  await waitFor(() => set.live, 'the connection');
  const got: string[] = [];
  subscriber.on('message', (channel: string, message: string) => got.push(`${channel}=${message}`));
  await Promise.all([set.subscribe('two.ok-1'), set.subscribe('two.revoked'), set.subscribe('two.ok-2')]);

  // The channel's permission goes (Redis 7 closes the connections subscribed to it), then the connection comes back.
  await admin('ACL', 'SETUSER', 'two', 'resetchannels', '&two.anchor', '&two.ok*');
  await admin('CLIENT', 'KILL', 'USER', 'two').catch(() => 0);
  await waitFor(() => restored === 1, 'the restore');
  assert.equal(set.live, true);
  assert.equal(refused.length, 1);
  assert.match(refused[0]!, /^two\.revoked: .*NOPERM/);
  assert.equal(set.has('two.revoked'), false);

  await admin('PUBLISH', 'two.ok-1', 'a');
  await admin('PUBLISH', 'two.ok-2', 'b');
  await waitFor(() => got.length === 2, 'both messages after the restore');
  assert.deepEqual(got, ['two.ok-1=a', 'two.ok-2=b']);
  // A subscribe made after the restore goes straight through.
  await set.subscribe('two.ok-3');
});

test('only an ACL refusal (NOPERM) is a refusal: another answered error is a passing state', () => {
  const answered = (message: string): Error => Object.assign(new Error(message), { name: 'ReplyError' });
  assert.equal(isAclRefusal(answered('NOPERM this user has no permissions to access one of the channels used as arguments')), true);
  assert.equal(isAclRefusal(answered('CLUSTERDOWN The cluster is down')), false);
  assert.equal(isAclRefusal(answered('TRYAGAIN Multiple keys request during rehashing of slot')), false);
  assert.equal(isAclRefusal(new Error('Connection is closed.')), false);
  assert.equal(isRedisRefusal(answered('WRONGPASS invalid username-password pair')), true);
  assert.equal(isRedisRefusal(new Error('Command timed out')), false);
  // The start-up check reports answered errors, but not a server's passing states.
  assert.equal(isPassingState(answered('CLUSTERDOWN The cluster is down')), true);
  assert.equal(isPassingState(answered('LOADING Redis is loading the dataset in memory')), true);
  assert.equal(isPassingState(answered('NOPERM this user has no permissions to run the \'eval\' command')), false);
  assert.equal(isPassingState(answered("ERR unknown command 'EVAL'")), false);
});
