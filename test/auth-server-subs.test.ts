/**
 * Server-side subscriptions: from token `channels`/`subs`, the personal
 * channel, and the client's connect `subs`; and the server API acting on a
 * user whose connections sit on different shards.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningServer } from '../src/acceptor/run';
import { callApi } from './helpers/api';
import { sdkClient, type RawClient } from './helpers/clients';
import { nextEvent, sleep } from './helpers/events';
import { closeCode, errorCode, rawConnect } from './helpers/raw-auth';
import { startTestServer } from './helpers/server';
import { hmacToken, TOKENS_ONLY } from './helpers/tokens';

describe('server-side subscriptions at connect', () => {
  let server: RunningServer;
  before(async () => {
    server = await startTestServer({
      client: {
        ...TOKENS_ONLY,
        channel_limit: 4,
        subscribe_to_user_personal_channel: { enabled: true, personal_channel_namespace: 'personal' },
      },
      channel: {
        namespaces: [
          { name: 'chat', allow_subscribe_for_client: true, allow_publish_for_subscriber: true },
          { name: 'locked' },
          { name: 'personal' },
        ],
      },
    });
  });
  after(() => server.close());

  test('token channels and subs arrive in the connect result (with subs data); publications follow; info is the chan_info of publications', async () => {
    const token = await hmacToken({
      sub: 'alice',
      channels: ['ignored-when-subs-present'],
      subs: { 'chat:room': { data: { welcome: 1 }, info: { seat: 3 } }, updates: {} },
    });
    const client = sdkClient(server.wsUrl, { token });
    const subscribed: Record<string, any> = {};
    client.on('subscribed', (ctx) => (subscribed[ctx.channel] = ctx));
    const connected = nextEvent(client, 'connected');
    client.connect();
    await connected;
    await sleep(50);
    assert.deepEqual(Object.keys(subscribed).sort(), ['chat:room', 'personal:#alice', 'updates']);
    assert.deepEqual(subscribed['chat:room'].data, { welcome: 1 });
    const pub = nextEvent(client, 'publication');
    await callApi(server.apiUrl, 'publish', { channel: 'updates', data: { u: 1 } });
    assert.deepEqual((await pub).data, { u: 1 });
    const personal = nextEvent(client, 'publication');
    await callApi(server.apiUrl, 'publish', { channel: 'personal:#alice', data: { just: 'you' } });
    assert.deepEqual(await personal.then((ctx) => [ctx.channel, ctx.data]), ['personal:#alice', { just: 'you' }]);
    const own = nextEvent(client, 'publication');
    await client.publish('chat:room', { hi: true });
    assert.deepEqual((await own).info.chanInfo, { seat: 3 });
    client.disconnect();
  });

  test('channels the client asks for in connect subs become server-side only where it could subscribe itself; unknown namespace is 3501', async () => {
    const token = await hmacToken({ sub: 'bob' });
    const { client, outcome } = await rawConnect(server.wsUrl, { token, subs: { 'chat:lobby': {}, 'locked:vault': {}, '$chat:private': {} } });
    assert.deepEqual(Object.keys((outcome as { reply: any }).reply.connect.subs).sort(), ['chat:lobby', 'personal:#bob']);
    client.close();
    const unknown = await rawConnect(server.wsUrl, { token, subs: { 'nowhere:x': {} } });
    assert.equal(closeCode(unknown.outcome), 3501);
  });

  test('more server-side channels than client.channel_limit is disconnect 3505', async () => {
    const { outcome } = await rawConnect(server.wsUrl, { token: await hmacToken({ sub: 'greedy', channels: ['a', 'b', 'c', 'd'] }) });
    assert.equal(closeCode(outcome), 3505);
  });
});

describe('server API on a user connected to several shards', () => {
  let server: RunningServer;
  const clients: RawClient[] = [];
  before(async () => {
    server = await startTestServer({
      shards: { count: 3 },
      client: TOKENS_ONLY,
    });
    const token = await hmacToken({ sub: 'dana' });
    // The kernel spreads connections over the shards; connect until dana is on at least two of them.
    for (let i = 0; i < 24; i++) {
      const { client, outcome } = await rawConnect(server.wsUrl, { token });
      assert.equal(errorCode(outcome), 0);
      clients.push(client);
      if (i >= 2 && (await shardsWithUsers()) >= 2) break;
    }
  });
  after(async () => {
    for (const c of clients) c.close();
    await server.close();
  });

  async function shardsWithUsers(): Promise<number> {
    const info = await callApi(server.apiUrl, 'info', {});
    return info.body.result.nodes[0].shards.filter((s: { num_users: number }) => s.num_users > 0).length;
  }

  test('dana\'s connections sit on at least two shards', async () => {
    assert.ok((await shardsWithUsers()) >= 2, 'connections were spread over shards');
  });

  test('subscribe reaches every connection (push with data), publications follow, unsubscribe ends it with 2000', async () => {
    assert.deepEqual((await callApi(server.apiUrl, 'subscribe', { user: 'dana', channel: 'team', data: { joined: true }, info: { by: 'api' } })).body, {
      result: {},
    });
    for (const c of clients) {
      assert.deepEqual(JSON.parse(await c.nextFrame()), { push: { channel: 'team', subscribe: { data: { joined: true } } } });
    }
    await callApi(server.apiUrl, 'publish', { channel: 'team', data: { n: 1 } });
    for (const c of clients) assert.deepEqual(JSON.parse(await c.nextFrame()), { push: { channel: 'team', pub: { data: { n: 1 } } } });
    await callApi(server.apiUrl, 'unsubscribe', { user: 'dana', channel: 'team' });
    for (const c of clients) {
      assert.deepEqual(JSON.parse(await c.nextFrame()), { push: { channel: 'team', unsubscribe: { code: 2000, reason: 'server unsubscribe' } } });
    }
  });

  test('refresh sets the expiry of every connection; disconnect closes all of them with the given code', async () => {
    await callApi(server.apiUrl, 'refresh', { user: 'dana', expire_at: Math.floor(Date.now() / 1000) + 600 });
    for (const c of clients) assert.ok(c.isOpen);
    await callApi(server.apiUrl, 'disconnect', { user: 'dana', disconnect: { code: 4001, reason: 'maintenance' } });
    for (const c of clients) assert.equal(await c.waitClose(), 4001);
  });
});

describe('single connection per user', () => {
  let server: RunningServer;
  before(async () => {
    server = await startTestServer({
      shards: { count: 2 },
      client: {
        ...TOKENS_ONLY,
        subscribe_to_user_personal_channel: { enabled: true, single_connection: true },
      },
    });
  });
  after(() => server.close());

  test('a new connection of the user disconnects the others with 3504, wherever they are', async () => {
    const token = await hmacToken({ sub: 'solo' });
    const first = await rawConnect(server.wsUrl, { token });
    assert.equal(errorCode(first.outcome), 0);
    assert.deepEqual(Object.keys((first.outcome as { reply: any }).reply.connect.subs), ['#solo']);
    const second = await rawConnect(server.wsUrl, { token });
    assert.equal(errorCode(second.outcome), 0);
    assert.equal(await first.client.waitClose(), 3504);
    assert.ok(second.client.isOpen);
    second.client.close();
  });
});
