/**
 * A real Centrifugo HTTP API client from npm, cent.js, against switchyard,
 * for every method it offers (publish, broadcast, subscribe, unsubscribe,
 * disconnect, refresh, presence, presence stats, history, history remove,
 * channels, info, and its pipeline over the legacy `/api` form), with real
 * SDK clients on the other side.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CentClient, CentException } from 'cent.js';
import type { Centrifuge } from 'centrifuge';
import type { RunningServer } from '../src/acceptor/run';
import { sdkClient } from './helpers/clients';
import { nextEvent } from './helpers/events';
import { API_KEY, startTestServer } from './helpers/server';
import { HMAC_SECRET, hmacToken } from './helpers/tokens';

let server: RunningServer;
let cent: CentClient;
const clients: Centrifuge[] = [];

before(async () => {
  server = await startTestServer({
    client: { token: { hmac_secret_key: HMAC_SECRET } },
    channel: {
      namespaces: [{ name: 'room', presence: true, history_size: 10, history_ttl: '60s', force_recovery: true, allow_subscribe_for_client: true }],
    },
  });
  cent = new CentClient({ url: server.apiUrl, apiKey: API_KEY });
});

after(async () => {
  for (const c of clients) c.disconnect();
  await server.close();
});

/** An SDK client of `user`, connected. */
async function connected(user: string): Promise<Centrifuge> {
  const client = sdkClient(server.wsUrl, { token: await hmacToken({ sub: user }) });
  clients.push(client);
  const ready = new Promise((resolve) => client.once('connected', resolve));
  client.connect();
  await ready;
  return client;
}

test('cent.js: publish, broadcast, history, history remove', async () => {
  const first = await cent.publish({ channel: 'room:a', data: { n: 1 } });
  assert.equal(first.offset, 1);
  assert.equal(typeof first.epoch, 'string');
  const broadcast = (await cent.broadcast({ channels: ['room:a', 'room:b'], data: { n: 2 } })) as unknown as { responses: { result: { offset: number } }[] };
  assert.deepEqual(broadcast.responses.map((r) => r.result.offset), [2, 1]);
  const history = await cent.getHistory({ channel: 'room:a', limit: -1 });
  assert.deepEqual(history.publications.map((p) => p.data), [{ n: 1 }, { n: 2 }]);
  assert.equal(history.offset, 2);
  assert.deepEqual(await cent.removeHistory({ channel: 'room:a' }), {});
  assert.deepEqual((await cent.getHistory({ channel: 'room:a', limit: -1 })).publications ?? [], []);
  await assert.rejects(cent.publish({ channel: 'nowhere:x', data: {} }), (err: unknown) => err instanceof CentException);
});

test('cent.js: subscribe and unsubscribe a user server-side, presence, presence stats, channels', async () => {
  const alice = await connected('alice');
  const subscribed = nextEvent(alice, 'subscribed');
  assert.deepEqual(await cent.subscribe({ user: 'alice', channel: 'room:p' }), {});
  await subscribed;
  const presence = await cent.getPresence({ channel: 'room:p' });
  assert.deepEqual(Object.values(presence.presence).map((i) => i.user), ['alice']);
  assert.deepEqual(await cent.getPresenceStats({ channel: 'room:p' }), { num_clients: 1, num_users: 1 });
  const channels = await cent.getChannels({ pattern: 'room:*' });
  assert.deepEqual(channels.channels['room:p'], { num_clients: 1 });
  const unsubscribed = nextEvent(alice, 'unsubscribed');
  assert.deepEqual(await cent.unsubscribe({ user: 'alice', channel: 'room:p' }), {});
  await unsubscribed;
  assert.deepEqual((await cent.getPresenceStats({ channel: 'room:p' })).num_clients, 0);
});

test('cent.js: refresh and disconnect a user', async () => {
  const bob = await connected('bob');
  assert.deepEqual(await cent.refresh({ user: 'bob' }), {});
  const gone = nextEvent(bob, 'disconnected');
  assert.deepEqual(await cent.disconnect({ user: 'bob' }), {});
  const ctx = (await gone) as { code: number };
  assert.equal(ctx.code, 3503);
});

test('cent.js: info lists the node with its metrics and process', async () => {
  const info = await cent.getInfo();
  assert.equal(info.nodes.length, 1);
  const node = info.nodes[0] as unknown as { uid: string; version: string; metrics: { interval: number; items: Record<string, number> }; process: { rss: number } };
  assert.equal(typeof node.uid, 'string');
  assert.equal(typeof node.metrics.items['centrifugo.node.num_clients'], 'number');
  assert.ok(node.process.rss > 0);
});

test('cent.js: a pipeline runs over the legacy form of the API', async () => {
  const results = await cent.pipeline([
    { method: 'publish' as never, params: { channel: 'room:pipe', data: { n: 1 } } as never },
    { method: 'publish' as never, params: { channel: 'room:pipe', data: { n: 2 } } as never },
    { method: 'history' as never, params: { channel: 'room:pipe', limit: -1 } as never },
  ]);
  assert.equal(results.length, 3);
  assert.deepEqual((results[2] as unknown as { publications: { data: unknown }[] }).publications.map((p) => p.data), [{ n: 1 }, { n: 2 }]);
});
