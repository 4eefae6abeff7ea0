/**
 * Redis restarts while publications flow through the API of another
 * process: every publish answers (success or error 100), the subscriber gets
 * every successful publication (live, or by recovery after a gap), and no
 * process exits. Uses a private redis-server (with an append-only file, so
 * the restart keeps the streams), so the shared one is never disturbed.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Redis } from 'ioredis';
import { callApi } from './helpers/api';
import { sdkClient, waitFor } from './helpers/clients';
import { redisEngine, skipWithoutRedis, startNode, startPrivateRedis, uniquePrefix, type ChildNode, type PrivateRedis } from './helpers/redis';

let redis: PrivateRedis | null = null;
const nodes: ChildNode[] = [];
const clients: { disconnect(): void }[] = [];

after(async () => {
  for (const c of clients) c.disconnect();
  await Promise.all(nodes.map((n) => n.stop()));
  await redis?.stop();
});

test('a Redis restart during publishing loses no accepted publication and crashes nothing', { skip: skipWithoutRedis }, async () => {
  redis = await startPrivateRedis(true);
  const config = {
    engine: redisEngine(uniquePrefix('fault'), redis.url),
    channel: { without_namespace: { history_size: 1000, history_ttl: '300s', allow_recovery: true } },
  };
  nodes.push(await startNode({ ...config, shards: { count: 2 } }), await startNode({ ...config, shards: { count: 1 } }));
  const [a, b] = nodes as [ChildNode, ChildNode];

  const client = sdkClient(a.wsUrl, { minReconnectDelay: 100, maxReconnectDelay: 500 });
  clients.push(client);
  const received = new Set<number>();
  const sub = client.newSubscription('ticks', { recoverable: true, minResubscribeDelay: 100, maxResubscribeDelay: 500 });
  sub.on('publication', (ctx) => received.add((ctx.data as { n: number }).n));
  const history: string[] = [];
  sub.on('subscribing', (ctx) => history.push(`subscribing ${ctx.code} ${ctx.reason}`));
  sub.on('subscribed', (ctx) => history.push(`subscribed recovered=${ctx.recovered} ${JSON.stringify(ctx.streamPosition)}`));
  sub.on('error', (ctx) => history.push(`error ${JSON.stringify(ctx.error)}`));
  client.connect();
  sub.subscribe();
  await sub.ready(5000);

  const accepted: number[] = [];
  const errors: number[] = [];
  let n = 0;
  const publishSome = async (count: number): Promise<void> => {
    for (let i = 0; i < count; i++, n++) {
      const answer = await callApi(b.apiUrl, 'publish', { channel: 'ticks', data: { n } });
      if (answer.body?.result) accepted.push(n);
      else {
        assert.equal(answer.body?.error?.code, 100, `publish ${n} answered ${answer.text}`);
        errors.push(n);
      }
    }
  };

  await publishSome(50);
  const outage = (async () => {
    await redis!.stop();
    await new Promise((r) => setTimeout(r, 700));
    await redis!.start();
  })();
  await publishSome(60);
  await outage;
  // Publish until the link is back and some publications got through after the restart.
  const before = accepted.length;
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline && accepted.length < before + 30) {
    await publishSome(10);
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(errors.length > 0, 'some publishes failed during the outage');
  assert.ok(accepted.length >= before + 30, 'publishing works again after the restart');
  try {
    await waitFor(() => accepted.every((x) => received.has(x)), 'every accepted publication at the client', 15_000);
  } catch (err) {
    process.stderr.write(`sdk: ${history.join(' | ')}\nmissing: ${accepted.filter((x) => !received.has(x)).join(',')}; errors: ${errors.join(',')}\n${a.output()}\n${b.output()}\n`);
    throw err;
  }
  assert.equal(a.child.exitCode, null);
  assert.equal(b.child.exitCode, null);
  assert.match(b.output(), /redis connection lost/);
  assert.match(b.output(), /redis connection restored/);
  // Each state change is logged once per connection, not once per failed publish.
  const lostLines = b.output().split('\n').filter((l) => l.includes('redis connection lost')).length;
  assert.ok(lostLines <= 4, `"connection lost" logged ${lostLines} times`);
  client.disconnect();
});

test('Redis losing its data gives a new epoch: positioned subscribers are told (2500) and go on', { skip: skipWithoutRedis }, async () => {
  const volatile = await startPrivateRedis(false);
  const node = await startNode({
    engine: redisEngine(uniquePrefix('epoch'), volatile.url),
    channel: { without_namespace: { history_size: 100, history_ttl: '300s', allow_recovery: true } },
    shards: { count: 2 },
  });
  try {
    const client = sdkClient(node.wsUrl, { minReconnectDelay: 100, maxReconnectDelay: 500 });
    clients.push(client);
    const sub = client.newSubscription('epochs', { recoverable: true, minResubscribeDelay: 100, maxResubscribeDelay: 500 });
    const codes: number[] = [];
    const recoveredFlags: boolean[] = [];
    const received: number[] = [];
    const trail: string[] = [];
    sub.on('subscribing', (ctx) => (codes.push(ctx.code), trail.push(`subscribing ${ctx.code}`)));
    sub.on('subscribed', (ctx) => (recoveredFlags.push(ctx.recovered), trail.push(`subscribed ${ctx.recovered} ${JSON.stringify(ctx.streamPosition)}`)));
    sub.on('error', (ctx) => trail.push(`error ${JSON.stringify(ctx.error)}`));
    sub.on('publication', (ctx) => received.push((ctx.data as { n: number }).n));
    client.connect();
    sub.subscribe();
    await sub.ready(5000);
    await callApi(node.apiUrl, 'publish', { channel: 'epochs', data: { n: 1 } });
    await waitFor(() => received.length === 1, 'first publication');
    await volatile.stop();
    await volatile.start();
    // The restored subscription sees the stream moved to a new epoch and ends the positioned subscription.
    await waitFor(() => codes.includes(2500), 'unsubscribe 2500 after the new epoch', 15_000);
    await waitFor(() => recoveredFlags.length === 2, 'resubscribed', 10_000);
    assert.equal(recoveredFlags[1], false);
    const deadline = Date.now() + 10_000;
    while (!received.includes(2) && Date.now() < deadline) {
      trail.push((await callApi(node.apiUrl, 'publish', { channel: 'epochs', data: { n: 2 } })).text);
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(received.includes(2), `publications after the new epoch arrive: ${trail.join(' | ')}`);
    assert.equal(node.child.exitCode, null);
    client.disconnect();
  } catch (err) {
    process.stderr.write(node.output());
    throw err;
  } finally {
    await node.stop();
    await volatile.stop();
  }
});

test('a Redis restart: the shards that hold their own subscription of a channel without history subscribe again, and its subscribers get publications again', { skip: skipWithoutRedis }, async () => {
  const volatile = await startPrivateRedis(false);
  const prefix = uniquePrefix('own');
  // Four shards; the default namespace keeps no history, so every shard with subscribers of `plain` holds its own Redis subscription.
  const node = await startNode({ engine: redisEngine(prefix, volatile.url), shards: { count: 4 } });
  const redis = new Redis(volatile.url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => 100 });
  const own: { client: { disconnect(): void }; received: number[] }[] = [];
  try {
    for (let i = 0; i < 16; i++) {
      const client = sdkClient(node.wsUrl, { minReconnectDelay: 100, maxReconnectDelay: 500 });
      const received: number[] = [];
      const sub = client.newSubscription('plain', { minResubscribeDelay: 100, maxResubscribeDelay: 500 });
      sub.on('publication', (ctx) => received.push((ctx.data as { n: number }).n));
      own.push({ client, received });
      client.connect();
      sub.subscribe();
      await sub.ready(5000);
    }
    const shards: { num_clients: number }[] = (await callApi(node.apiUrl, 'info', {})).body.result.nodes[0].shards;
    const subscribing = shards.filter((s) => s.num_clients > 0).length;
    assert.ok(subscribing >= 2, `subscribers on ${subscribing} shard(s)`);
    const numsub = async (): Promise<number> => Number(((await redis.call('PUBSUB', 'NUMSUB', `${prefix}.client.plain`)) as [string, number])[1]);
    await redis.connect();
    assert.equal(await numsub(), subscribing, 'one Redis subscription per subscribing shard');
    await callApi(node.apiUrl, 'publish', { channel: 'plain', data: { n: 0 } });
    await waitFor(() => own.every((c) => c.received.includes(0)), 'the first publication everywhere');

    await volatile.stop();
    await volatile.start();
    // Publishes fail (100) until the command connection is back; then every subscriber must hear them again.
    const deadline = Date.now() + 15_000;
    for (let n = 1; Date.now() < deadline && !own.every((c) => c.received.some((x) => x > 0)); n++) {
      await callApi(node.apiUrl, 'publish', { channel: 'plain', data: { n } });
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(
      own.every((c) => c.received.some((x) => x > 0)),
      `every subscriber gets publications after the restart: ${own.map((c) => c.received.length).join(',')}`,
    );
    assert.equal(await numsub(), subscribing, 'each subscribing shard subscribed again');
    assert.equal(node.child.exitCode, null);
  } catch (err) {
    process.stderr.write(node.output());
    throw err;
  } finally {
    for (const c of own) c.client.disconnect();
    redis.disconnect();
    await node.stop();
    await volatile.stop();
  }
});

test('a history read that Redis refuses: the subscriber gets error 100 "internal server error" (never Redis\'s text), the server logs why, and the retry succeeds once Redis answers', { skip: skipWithoutRedis }, async () => {
  const prefix = uniquePrefix('refused');
  const node = await startNode({
    engine: redisEngine(prefix),
    shards: { count: 2 },
    channel: { without_namespace: { history_size: 10, history_ttl: '300s', force_recovery: true } },
  });
  nodes.push(node);
  // A string where the broker keeps the channel's stream meta hash: every read of it fails with WRONGTYPE.
  const admin = new Redis(process.env['REDIS_URL']!);
  await admin.set(`${prefix}.stream.meta.broken`, 'not a hash');

  const client = sdkClient(node.wsUrl);
  clients.push(client);
  const sub = client.newSubscription('broken', { minResubscribeDelay: 200, maxResubscribeDelay: 300 });
  const errors: { code: number; message: string; temporary?: boolean }[] = [];
  sub.on('error', (ctx) => errors.push(ctx.error as { code: number; message: string; temporary?: boolean }));
  client.connect();
  sub.subscribe();
  await waitFor(() => errors.length > 0, 'a subscribe error');
  assert.deepEqual(errors[0], { code: 100, message: 'internal server error', temporary: true });
  await waitFor(() => /history read failed.*"channel":"broken".*WRONGTYPE/.test(node.output()), 'the log line naming the channel and Redis\'s error');

  // Redis answers again: the SDK's own resubscribe (the error is temporary) goes through.
  await admin.del(`${prefix}.stream.meta.broken`);
  await sub.ready(5000);
  admin.disconnect();
});

// One shard: the channels' owner holds their subscriptions, and those made in one turn share a SUBSCRIBE.
// Two: a channel without history is subscribed by each shard with subscribers of it (the direct path).
for (const shardCount of [1, 2]) test(`PUB/SUB subscriptions that Redis refuses (an ACL), ${shardCount} shard(s): the subscriber gets error 100 "internal server error", the server logs why, other channels work, and a permission revoked at run time ends only its channel`, { skip: skipWithoutRedis }, async () => {
  const restricted = await startPrivateRedis(false);
  try {
    const prefix = uniquePrefix('acl');
    const admin = new Redis(restricted.url);
    // This user may publish and subscribe the node bus and the channels named ok*, nothing else.
    const allowed = [`&${prefix}.anchor`, `&${prefix}.control`, `&${prefix}.node.*`, `&${prefix}.client.ok*`];
    await admin.call('ACL', 'SETUSER', 'sy', 'on', '>sy-pass', '~*', 'resetchannels', ...allowed, `&${prefix}.client.revocable`, '+@all');
    const node = await startNode({ engine: redisEngine(prefix, restricted.url.replace('redis://', 'redis://sy:sy-pass@')), shards: { count: shardCount } });
    nodes.push(node);

    const client = sdkClient(node.wsUrl);
    clients.push(client);
    const denied = client.newSubscription('denied', { minResubscribeDelay: 5000 });
    const errors: unknown[] = [];
    denied.on('error', (ctx) => errors.push(ctx.error));
    const ok = client.newSubscription('ok-1');
    const received: unknown[] = [];
    ok.on('publication', (ctx) => received.push(ctx.data));
    client.connect();
    denied.subscribe();
    ok.subscribe();
    await waitFor(() => errors.length > 0, 'a subscribe error');
    assert.deepEqual(errors[0], { code: 100, message: 'internal server error', temporary: true });
    await waitFor(() => /broker refused to subscribe a channel.*"channel":"denied".*NOPERM/.test(node.output()), 'the log line naming the channel and Redis\'s error');

    await ok.ready(5000);
    const answer = await callApi(node.apiUrl, 'publish', { channel: 'ok-1', data: { n: 1 } });
    assert.ok(answer.body?.result, answer.text);
    await waitFor(() => received.length === 1, 'the publication on the allowed channel');

    // A channel's permission goes while it has a subscriber: Redis closes the PUB/SUB connection, and
    // the restore that follows is refused that channel. Its subscriber is told (3010, insufficient
    // state), its resubscribe gets error 100, and the other channels are restored.
    const other = sdkClient(node.wsUrl, { minReconnectDelay: 100, maxReconnectDelay: 300 });
    clients.push(other);
    const revocable = other.newSubscription('revocable', { minResubscribeDelay: 5000 });
    const told: number[] = [];
    other.on('connecting', (ctx) => told.push(ctx.code));
    const laterErrors: unknown[] = [];
    revocable.on('error', (ctx) => laterErrors.push(ctx.error));
    other.connect();
    revocable.subscribe();
    await revocable.ready(5000);
    const cleanup = new Redis(restricted.url);
    await cleanup.call('ACL', 'SETUSER', 'sy', 'resetchannels', ...allowed);
    cleanup.disconnect();
    await waitFor(() => told.includes(3010), 'the revocable channel\'s subscriber told 3010');
    await waitFor(() => laterErrors.length > 0, 'its resubscribe refused');
    assert.deepEqual(laterErrors[0], { code: 100, message: 'internal server error', temporary: true });
    assert.match(node.output(), /redis refused to subscribe a channel again after a reconnect.*"channel":"revocable".*NOPERM/);
    // The restore is logged before the refusal's effects reach the client: the allowed channel is subscribed again.
    assert.match(node.output(), /redis subscriptions restored/);
    const again = await callApi(node.apiUrl, 'publish', { channel: 'ok-1', data: { n: 2 } });
    assert.ok(again.body?.result, again.text);
    await waitFor(() => received.length === 2, 'a publication on the allowed channel after the restore');
  } finally {
    await restricted.stop();
  }
});
