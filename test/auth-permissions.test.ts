/**
 * Channel permissions, one option at a time: subscribe and publish options,
 * user-limited channels, channel_regex, names, unknown namespaces, the channel
 * limit, private channels and client.insecure. (Presence and history
 * permissions are tested with those features.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningServer } from '../src/acceptor/run';
import type { RawClient } from './helpers/clients';
import { errorCode, rawCommand, rawConnect } from './helpers/raw-auth';
import { startTestServer } from './helpers/server';
import { HMAC_SECRET, hmacToken } from './helpers/tokens';

let nextId = 10;

/** The error code (0 = success) of one command. */
async function ask(client: RawClient, method: string, body: Record<string, unknown>): Promise<number> {
  return errorCode(await rawCommand(client, { id: nextId++, [method]: body }));
}

/** A raw client connected as `user` ("" = anonymous, without a token). */
async function connectAs(wsUrl: string, user: string): Promise<RawClient> {
  const { client, outcome } = await rawConnect(wsUrl, user === '' ? {} : { token: await hmacToken({ sub: user }) });
  assert.equal(errorCode(outcome), 0);
  return client;
}

describe('channel permissions', () => {
  let server: RunningServer;
  let alice: RawClient;
  let carol: RawClient;
  let anon: RawClient;
  before(async () => {
    server = await startTestServer({
      client: { allow_anonymous_connect_without_token: true, token: { hmac_secret_key: HMAC_SECRET }, channel_limit: 8 },
      channel: {
        max_length: 32,
        without_namespace: { allow_subscribe_for_client: false, allow_subscribe_for_anonymous: false, allow_publish_for_client: false, allow_publish_for_anonymous: false },
        namespaces: [
          { name: 'open', allow_subscribe_for_client: true, allow_publish_for_client: true },
          { name: 'anon', allow_subscribe_for_client: true, allow_subscribe_for_anonymous: true, allow_publish_for_client: true, allow_publish_for_anonymous: true },
          { name: 'subs', allow_subscribe_for_client: true, allow_subscribe_for_anonymous: true, allow_publish_for_subscriber: true },
          { name: 'subsanon', allow_subscribe_for_client: true, allow_subscribe_for_anonymous: true, allow_publish_for_subscriber: true, allow_publish_for_anonymous: true },
          { name: 'closed' },
          { name: 'dm', allow_user_limited_channels: true, allow_subscribe_for_client: true },
          { name: 'nodm', allow_subscribe_for_client: true },
          { name: 're', channel_regex: '^[a-z]+$', allow_subscribe_for_client: true, allow_publish_for_client: true },
          { name: 'limit', allow_subscribe_for_client: true },
        ],
      },
    });
    alice = await connectAs(server.wsUrl, 'alice');
    carol = await connectAs(server.wsUrl, 'carol');
    anon = await connectAs(server.wsUrl, '');
  });
  after(async () => {
    for (const c of [alice, carol, anon]) c.close();
    await server.close();
  });

  test('allow_subscribe_for_client admits users, not anonymous clients; allow_subscribe_for_anonymous admits them too', async () => {
    assert.equal(await ask(alice, 'subscribe', { channel: 'open:a' }), 0);
    assert.equal(await ask(anon, 'subscribe', { channel: 'open:a' }), 103);
    assert.equal(await ask(anon, 'subscribe', { channel: 'anon:a' }), 0);
    assert.equal(await ask(alice, 'subscribe', { channel: 'closed:a' }), 103);
    assert.equal(await ask(anon, 'subscribe', { channel: 'closed:a' }), 103);
    assert.equal(await ask(alice, 'subscribe', { channel: 'no-namespace' }), 103, 'without_namespace allows nothing here');
  });

  test('allow_publish_for_client, allow_publish_for_subscriber and allow_publish_for_anonymous', async () => {
    assert.equal(await ask(alice, 'publish', { channel: 'open:p', data: 1 }), 0);
    assert.equal(await ask(anon, 'publish', { channel: 'open:p', data: 1 }), 103, 'anonymous needs allow_publish_for_anonymous');
    assert.equal(await ask(anon, 'publish', { channel: 'anon:p', data: 1 }), 0);
    assert.equal(await ask(carol, 'publish', { channel: 'subs:p', data: 1 }), 103, 'not a subscriber yet');
    assert.equal(await ask(carol, 'subscribe', { channel: 'subs:p' }), 0);
    assert.equal(await ask(carol, 'publish', { channel: 'subs:p', data: 1 }), 0);
    assert.equal(await ask(anon, 'subscribe', { channel: 'subs:p' }), 0);
    assert.equal(await ask(anon, 'publish', { channel: 'subs:p', data: 1 }), 103, 'an anonymous subscriber needs allow_publish_for_anonymous');
    assert.equal(await ask(anon, 'subscribe', { channel: 'subsanon:p' }), 0);
    assert.equal(await ask(anon, 'publish', { channel: 'subsanon:p', data: 1 }), 0);
    assert.equal(await ask(alice, 'publish', { channel: 'closed:p', data: 1 }), 103);
    assert.equal(await ask(alice, 'publish', { channel: 'open:p' }), 107, 'data is required');
  });

  test('allow_user_limited_channels: only the users after # subscribe; without the option # is an ordinary character', async () => {
    assert.equal(await ask(carol, 'subscribe', { channel: 'dm:chat#alice,carol' }), 0);
    assert.equal(await ask(alice, 'subscribe', { channel: 'dm:chat#bob,carol' }), 103);
    const stranger = await connectAs(server.wsUrl, '');
    assert.equal(await ask(stranger, 'subscribe', { channel: 'dm:chat#alice,carol' }), 103);
    stranger.close();
    assert.equal(await ask(alice, 'subscribe', { channel: 'dm:solo#alice' }), 0);
    assert.equal(await ask(alice, 'subscribe', { channel: 'dm:plain' }), 0, 'no # part: the namespace options apply');
    assert.equal(await ask(carol, 'subscribe', { channel: 'nodm:chat#alice' }), 0);
  });

  test('channel_regex and non-ASCII names are 107; an over-long name is 107; an unknown namespace is 102', async () => {
    assert.equal(await ask(alice, 'subscribe', { channel: 're:abc' }), 0);
    assert.equal(await ask(alice, 'subscribe', { channel: 're:ABC' }), 107);
    assert.equal(await ask(alice, 'publish', { channel: 're:ABC', data: 1 }), 107);
    assert.equal(await ask(alice, 'subscribe', { channel: 'open:ünï' }), 107);
    assert.equal(await ask(alice, 'subscribe', { channel: `open:${'x'.repeat(40)}` }), 107);
    assert.equal(await ask(alice, 'subscribe', { channel: 'nowhere:a' }), 102);
    assert.equal(await ask(alice, 'publish', { channel: 'nowhere:a', data: 1 }), 102);
    assert.equal(await ask(alice, 'subscribe', { channel: 'open:\ud800' }), 107, 'a lone surrogate');
  });

  test('a $ channel needs a subscription token (103 without); already subscribed is 105', async () => {
    assert.equal(await ask(alice, 'subscribe', { channel: '$open:secret' }), 103);
    assert.equal(await ask(alice, 'subscribe', { channel: 'open:a' }), 105);
  });

  test('client.channel_limit: one more channel is 106', async () => {
    const client = await connectAs(server.wsUrl, 'lim');
    for (let i = 1; i <= 8; i++) assert.equal(await ask(client, 'subscribe', { channel: `limit:${i}` }), 0);
    assert.equal(await ask(client, 'subscribe', { channel: 'limit:9' }), 106);
    client.close();
  });
});

describe('client.insecure', () => {
  let server: RunningServer;
  before(async () => {
    server = await startTestServer({
      client: { insecure: true, allow_anonymous_connect_without_token: false },
      channel: { without_namespace: { allow_subscribe_for_client: false, allow_publish_for_client: false }, namespaces: [{ name: 'closed' }] },
    });
  });
  after(() => server.close());

  test('anonymous clients connect, subscribe and publish anywhere; a $ channel still needs a token', async () => {
    const client = await connectAs(server.wsUrl, '');
    assert.equal(await ask(client, 'subscribe', { channel: 'closed:a' }), 0);
    assert.equal(await ask(client, 'publish', { channel: 'closed:b', data: 1 }), 0);
    assert.equal(await ask(client, 'subscribe', { channel: '$closed:c' }), 103);
    client.close();
  });
});
