/**
 * Token refresh: the SDK's getToken flow keeps a connection and a subscription
 * alive past three token lifetimes; unrefreshed expiry ends them with 3005,
 * 2501 and 3006; and every wrong refresh gets its code.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningServer } from '../src/acceptor/run';
import { callApi } from './helpers/api';
import { RawClient, sdkClient } from './helpers/clients';
import { nextEvent, sleep } from './helpers/events';
import { closeCode, errorCode, rawCommand, rawConnect, type Outcome } from './helpers/raw-auth';
import { startTestServer } from './helpers/server';
import { hmacToken, inSeconds, TOKENS_ONLY } from './helpers/tokens';

/** Token lifetime in these tests, seconds (exp has whole-second granularity). */
const LIFETIME = 3;

describe('token refresh', () => {
  let server: RunningServer;
  before(async () => {
    server = await startTestServer({
      client: {
        ...TOKENS_ONLY,
        expired_close_delay: '1s',
        expired_sub_close_delay: '1s',
      },
    });
  });
  after(() => server.close());

  test('the SDK keeps a connection and a $ subscription alive past three token lifetimes with getToken', async () => {
    let connectionTokens = 0;
    let subscriptionTokens = 0;
    const client = sdkClient(server.wsUrl, {
      getToken: async () => {
        connectionTokens++;
        return hmacToken({ sub: 'rita', exp: inSeconds(LIFETIME) });
      },
    });
    const sub = client.newSubscription('$feed', {
      getToken: async () => {
        subscriptionTokens++;
        return hmacToken({ sub: 'rita', channel: '$feed', exp: inSeconds(LIFETIME) });
      },
    });
    const received: unknown[] = [];
    let disconnects = 0;
    let resubscribes = 0;
    client.on('disconnected', () => disconnects++);
    sub.on('subscribing', () => resubscribes++);
    sub.on('publication', (ctx) => received.push(ctx.data));
    client.connect();
    sub.subscribe();
    await sub.ready(5000);
    resubscribes = 0;
    const rounds = LIFETIME * 3 + 2;
    for (let i = 0; i < rounds; i++) {
      await sleep(1000);
      await callApi(server.apiUrl, 'publish', { channel: '$feed', data: { i } });
    }
    await sleep(200);
    assert.equal(disconnects, 0, 'never disconnected');
    assert.equal(resubscribes, 0, 'never resubscribed');
    assert.equal(client.state, 'connected');
    assert.ok(connectionTokens >= 4, `connection token fetched ${connectionTokens} times`);
    assert.ok(subscriptionTokens >= 4, `subscription token fetched ${subscriptionTokens} times`);
    assert.deepEqual(received, Array.from({ length: rounds }, (_, i) => ({ i })));
    client.disconnect();
  });

  test('an expired token on connect is 109, and the SDK fetches a fresh one', async () => {
    let fetched = 0;
    const client = sdkClient(server.wsUrl, {
      token: await hmacToken({ sub: 'late', exp: inSeconds(-5) }),
      getToken: async () => {
        fetched++;
        return hmacToken({ sub: 'late', exp: inSeconds(60) });
      },
    });
    const connected = nextEvent(client, 'connected');
    client.connect();
    await connected;
    assert.equal(fetched, 1);
    client.disconnect();
  });

  test('unrefreshed: the connection closes with 3005, a client-side subscription gets 2501, a server-side one closes with 3006', async () => {
    const connection = async (): Promise<number> => {
      const { client } = await rawConnect(server.wsUrl, { token: await hmacToken({ sub: 'u1', exp: inSeconds(1) }) });
      return client.waitClose(8000);
    };
    const clientSide = async (): Promise<any> => {
      const { client } = await rawConnect(server.wsUrl, { token: await hmacToken({ sub: 'u2' }) });
      const subscribed = await rawCommand(client, { id: 2, subscribe: { channel: '$s', token: await hmacToken({ sub: 'u2', channel: '$s', exp: inSeconds(1) }) } });
      assert.equal((subscribed as { reply: any }).reply.subscribe.expires, true);
      const push = JSON.parse(await client.nextFrame(8000));
      client.close();
      return push;
    };
    const serverSide = async (): Promise<number> => {
      const { client } = await rawConnect(server.wsUrl, { token: await hmacToken({ sub: 'u3' }) });
      await callApi(server.apiUrl, 'subscribe', { user: 'u3', channel: 'timed', expire_at: inSeconds(1) });
      assert.equal(JSON.parse(await client.nextFrame()).push.subscribe !== undefined, true);
      return client.waitClose(8000);
    };
    const [closed, push, serverClosed] = await Promise.all([connection(), clientSide(), serverSide()]);
    assert.equal(closed, 3005);
    assert.deepEqual(push, { push: { channel: '$s', unsubscribe: { code: 2501, reason: 'subscription expired' } } });
    assert.equal(serverClosed, 3006);
  });

  test('refresh: the new ttl; empty token 3501; invalid 3500; another user 3500; expired 3005; other server-side channels 3010', async () => {
    const refresh = async (token: string, connectClaims: Record<string, unknown> = {}): Promise<Outcome> => {
      const { client } = await rawConnect(server.wsUrl, { token: await hmacToken({ sub: 'ray', exp: inSeconds(30), ...connectClaims }) });
      const outcome = await rawCommand(client, { id: 2, refresh: { token } });
      client.close();
      return outcome;
    };
    const ok = await refresh(await hmacToken({ sub: 'ray', exp: inSeconds(90) }));
    assert.ok((ok as { reply: any }).reply.refresh.ttl >= 88);
    assert.deepEqual((await refresh(await hmacToken({ sub: 'ray' })) as { reply: any }).reply, { id: 2, refresh: {} });
    assert.equal(closeCode(await refresh('')), 3501);
    assert.equal(closeCode(await refresh('garbage')), 3500);
    assert.equal(closeCode(await refresh(await hmacToken({ sub: 'someone-else', exp: inSeconds(90) }))), 3500);
    assert.equal(closeCode(await refresh(await hmacToken({ sub: 'ray', exp: inSeconds(-1) }))), 3005);
    assert.equal(errorCode(await refresh(await hmacToken({ sub: 'ray', exp: inSeconds(90), expire_at: inSeconds(-1) }))), 110);
    assert.equal(closeCode(await refresh(await hmacToken({ sub: 'ray', channels: ['b'] }), { channels: ['a'] })), 3010);
  });

  test('sub_refresh: the new ttl; not subscribed 103; empty token 107; invalid or another user 3500; an expired token keeps the old expiry', async () => {
    const { client } = await rawConnect(server.wsUrl, { token: await hmacToken({ sub: 'sid' }) });
    const subToken = (claims: Record<string, unknown> = {}) => hmacToken({ sub: 'sid', channel: '$r', exp: inSeconds(30), ...claims });
    assert.equal(errorCode(await rawCommand(client, { id: 2, sub_refresh: { channel: '$r', token: await subToken() } })), 103);
    assert.equal(errorCode(await rawCommand(client, { id: 3, subscribe: { channel: '$r', token: await subToken() } })), 0);
    const renewed = await rawCommand(client, { id: 4, sub_refresh: { channel: '$r', token: await subToken({ exp: inSeconds(90) }) } });
    assert.ok((renewed as { reply: any }).reply.sub_refresh.ttl >= 88);
    assert.equal(errorCode(await rawCommand(client, { id: 5, sub_refresh: { channel: '$r', token: '' } })), 107);
    assert.deepEqual((await rawCommand(client, { id: 6, sub_refresh: { channel: '$r', token: await subToken({ exp: inSeconds(-1) }) } }) as { reply: any }).reply, {
      id: 6,
      sub_refresh: {},
    });
    assert.equal(closeCode(await rawCommand(client, { id: 7, sub_refresh: { channel: '$r', token: await subToken({ sub: 'other' }) } })), 3500);
    const fresh = new RawClient(server.wsUrl);
    await fresh.opened();
    fresh.send(JSON.stringify({ id: 1, connect: { token: await hmacToken({ sub: 'sid' }) } }));
    await fresh.nextFrame();
    assert.equal(closeCode(await rawCommand(fresh, { id: 2, sub_refresh: { channel: '', token: 'x' } })), 3501);
  });

  test('server API refresh: expired disconnects with 3005; expire_at sets the expiry', async () => {
    const { client } = await rawConnect(server.wsUrl, { token: await hmacToken({ sub: 'api-r' }) });
    await callApi(server.apiUrl, 'refresh', { user: 'api-r', expire_at: inSeconds(120) });
    assert.ok(client.isOpen);
    await callApi(server.apiUrl, 'refresh', { user: 'api-r', expired: true });
    assert.equal(await client.waitClose(), 3005);
  });
});
