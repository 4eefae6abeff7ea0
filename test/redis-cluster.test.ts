/**
 * Three switchyard processes with different shard counts on one Redis
 * (REDIS_URL): publications cross processes in order without loss or
 * duplicates, presence and history agree everywhere, recovery works on
 * another process, join/leave and user actions reach other processes, and
 * `info`/`channels` cover every node.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Centrifuge, Subscription } from 'centrifuge';
import WebSocket from 'ws';
import { callApi } from './helpers/api';
import { sdkClient, waitFor } from './helpers/clients';
import { redisEngine, skipWithoutRedis, startNodes, uniquePrefix, type ChildNode } from './helpers/redis';

const CHANNEL_OPTIONS = {
  history_size: 2000,
  history_ttl: '300s',
  presence: true,
  join_leave: true,
  allow_recovery: true,
  allow_presence_for_client: true,
  allow_history_for_client: true,
};

/** A WebSocket class whose upgrade request names the user (client.user_id_http_header). */
function asUser(user: string): typeof WebSocket {
  return class extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { headers: { 'X-User': user } });
    }
  } as unknown as typeof WebSocket;
}

/** Connects a client as `user` and subscribes it to `channel`; it is disconnected after the suite. */
async function joined(
  node: ChildNode,
  user: string,
  channel: string,
  cleanups: (() => void)[],
  options: Record<string, unknown> = {},
): Promise<{ client: Centrifuge; sub: Subscription }> {
  const client = sdkClient(node.wsUrl, { websocket: asUser(user) });
  cleanups.push(() => client.disconnect());
  const sub = client.newSubscription(channel, options);
  client.connect();
  sub.subscribe();
  await sub.ready(5000);
  return { client, sub };
}

describe('three processes on one Redis', { skip: skipWithoutRedis }, () => {
  const nodes: ChildNode[] = [];
  const cleanups: (() => void)[] = [];

  before(async () => {
    const prefix = uniquePrefix('cluster');
    const shared = {
      engine: redisEngine(prefix),
      client: { user_id_http_header: 'X-User', presence_update_interval: '1s' },
      channel: { without_namespace: CHANNEL_OPTIONS },
    };
    await startNodes([1, 2, 3].map((count) => ({ ...shared, shards: { count } })), nodes);
  });

  after(async () => {
    for (const c of cleanups) c();
    await Promise.all(nodes.map((n) => n.stop()));
  });

  const [A, B, C] = [0, 1, 2];

  test('a client on A gets 1,000 publications made through B, in order, once each', async () => {
    const client = sdkClient(nodes[A]!.wsUrl);
    cleanups.push(() => client.disconnect());
    const received: number[] = [];
    const sub = client.newSubscription('feed');
    sub.on('publication', (ctx) => received.push((ctx.data as { n: number }).n));
    client.connect();
    sub.subscribe();
    await sub.ready(5000);
    for (let batch = 0; batch < 10; batch++) {
      const commands = Array.from({ length: 100 }, (_, i) => ({ publish: { channel: 'feed', data: { n: batch * 100 + i } } }));
      const answer = await callApi(nodes[B]!.apiUrl, 'batch', { commands });
      assert.equal(answer.body.result.replies.filter((r: { error?: unknown }) => r.error).length, 0);
    }
    await waitFor(() => received.length >= 1000, '1000 publications', 15_000);
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(received, Array.from({ length: 1000 }, (_, i) => i));
    const history = await callApi(nodes[C]!.apiUrl, 'history', { channel: 'feed', limit: 0 });
    assert.equal(history.body.result.offset, 1000);
    client.disconnect();
  });

  test('presence, history and join/leave agree on every process', async () => {
    const watcher = sdkClient(nodes[A]!.wsUrl, { websocket: asUser('watcher') });
    cleanups.push(() => watcher.disconnect());
    const joins: string[] = [];
    const wsub = watcher.newSubscription('room', { joinLeave: true });
    wsub.on('join', (ctx) => joins.push(ctx.info.user));
    watcher.connect();
    wsub.subscribe();
    await wsub.ready(5000);
    const { client: guest } = await joined(nodes[C]!, 'guest', 'room', cleanups);
    await waitFor(() => joins.includes('guest'), 'join of a client on another process');
    await callApi(nodes[B]!.apiUrl, 'publish', { channel: 'room', data: { hello: 1 } });
    const answers = await Promise.all(nodes.map((n) => callApi(n.apiUrl, 'presence', { channel: 'room' })));
    const users = answers.map((a) => Object.values(a.body.result.presence as Record<string, { user: string }>).map((i) => i.user).sort());
    assert.deepEqual(users, [users[0], users[0], users[0]]);
    assert.deepEqual(users[0], ['guest', 'watcher']);
    const stats = await Promise.all(nodes.map((n) => callApi(n.apiUrl, 'presence_stats', { channel: 'room' })));
    for (const s of stats) assert.deepEqual(s.body.result, { num_clients: 2, num_users: 2 });
    const histories = await Promise.all(nodes.map((n) => callApi(n.apiUrl, 'history', { channel: 'room', limit: -1 })));
    for (const h of histories) assert.deepEqual(h.body.result, histories[0]!.body.result);
    assert.equal(histories[0]!.body.result.publications.length, 1);
    guest.disconnect();
    watcher.disconnect();
  });

  test('a client recovers on another process after reconnecting there', async () => {
    const first = sdkClient(nodes[A]!.wsUrl);
    const sub = first.newSubscription('rec', { recoverable: true });
    const seen: number[] = [];
    sub.on('publication', (ctx) => seen.push((ctx.data as { n: number }).n));
    first.connect();
    sub.subscribe();
    await sub.ready(5000);
    await callApi(nodes[B]!.apiUrl, 'publish', { channel: 'rec', data: { n: 0 } });
    await waitFor(() => seen.length === 1, 'first publication');
    const position = await callApi(nodes[A]!.apiUrl, 'history', { channel: 'rec', limit: 0 });
    first.disconnect();
    for (let n = 1; n <= 5; n++) await callApi(nodes[B]!.apiUrl, 'publish', { channel: 'rec', data: { n } });
    const second = sdkClient(nodes[C]!.wsUrl);
    cleanups.push(() => second.disconnect());
    const since = { offset: position.body.result.offset, epoch: position.body.result.epoch };
    const again = second.newSubscription('rec', { recoverable: true, since });
    const recovered: number[] = [];
    let wasRecovered: boolean | undefined;
    again.on('publication', (ctx) => recovered.push((ctx.data as { n: number }).n));
    again.on('subscribed', (ctx) => (wasRecovered = ctx.recovered));
    second.connect();
    again.subscribe();
    await again.ready(5000);
    await waitFor(() => recovered.length === 5, 'recovered publications');
    assert.equal(wasRecovered, true);
    assert.deepEqual(recovered, [1, 2, 3, 4, 5]);
    second.disconnect();
  });

  test('info lists every node; channels and user actions span processes', async () => {
    let info: { uid: string }[] = [];
    const deadline = Date.now() + 8000;
    while (Date.now() < deadline) {
      info = (await callApi(nodes[B]!.apiUrl, 'info', {})).body.result.nodes;
      if (info.length === 3) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    assert.equal(info.length, 3);
    assert.equal(new Set(info.map((n) => n.uid)).size, 3);

    const { client: alice } = await joined(nodes[A]!, 'alice', 'lobby', cleanups);
    // Surveys reach the nodes C has heard announce themselves (every 3 s), so a slow box may need a second ask.
    let channels: unknown = {};
    for (const until = Date.now() + 8000; Date.now() < until; await new Promise((r) => setTimeout(r, 300))) {
      channels = (await callApi(nodes[C]!.apiUrl, 'channels', { pattern: 'lob*' })).body.result.channels;
      if (Object.keys(channels as object).length > 0) break;
    }
    assert.deepEqual(channels, { lobby: { num_clients: 1 } });

    const pushed: string[] = [];
    alice.on('subscribed', (ctx) => pushed.push(ctx.channel));
    assert.deepEqual((await callApi(nodes[B]!.apiUrl, 'subscribe', { user: 'alice', channel: 'server-side' })).body, { result: {} });
    await waitFor(() => pushed.includes('server-side'), 'server-side subscribe from another process');

    let disconnected = 0;
    alice.on('disconnected', (ctx) => (disconnected = ctx.code));
    assert.deepEqual((await callApi(nodes[C]!.apiUrl, 'disconnect', { user: 'alice' })).body, { result: {} });
    await waitFor(() => disconnected !== 0, 'disconnect from another process');
    assert.equal(disconnected, 3503);
  });
});
