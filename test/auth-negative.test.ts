/**
 * The negative matrix: each bad token or proxy answer gets its exact code, and
 * the server keeps serving a client that was connected all along (and new ones).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Centrifuge } from 'centrifuge';
import type { RunningServer } from '../src/acceptor/run';
import { callApi } from './helpers/api';
import { startBackend, type Backend } from './helpers/backend';
import { sdkClient } from './helpers/clients';
import { nextEvent } from './helpers/events';
import { closeCode, errorCode, rawCommand, rawConnect, type Outcome } from './helpers/raw-auth';
import { startTestServer } from './helpers/server';
import { HMAC_SECRET, hmacToken, inSeconds, keyPair, sign, unsignedToken, withBadSignature } from './helpers/tokens';

describe('negative matrix', () => {
  let server: RunningServer;
  let backend: Backend;
  let witness: Centrifuge;
  const witnessed: unknown[] = [];

  before(async () => {
    backend = await startBackend({
      '/connect/500': () => ({ status: 500, body: 'boom' }),
      '/connect/garbage': () => ({ body: 'this is not json' }),
      '/connect/array': () => ({ body: '[1,2]' }),
      '/connect/slow': () => ({ delayMs: 1500, body: { result: { user: 'late' } } }),
      '/connect/bad-disconnect': () => ({ body: { disconnect: { code: 70000, reason: 'x' } } }),
    });
    server = await startTestServer({
      client: {
        allow_anonymous_connect_without_token: false,
        token: { hmac_secret_key: HMAC_SECRET, audience: 'sy', issuer: 'backend' },
      },
    });
    const token = await hmacToken({ sub: 'witness', aud: 'sy', iss: 'backend' });
    witness = sdkClient(server.wsUrl, { token });
    const sub = witness.newSubscription('witness');
    sub.on('publication', (ctx) => witnessed.push(ctx.data));
    witness.connect();
    sub.subscribe();
    await sub.ready(5000);
  });
  after(async () => {
    witness.disconnect();
    await server.close();
    await backend.close();
  });

  const claims = { sub: 'eve', aud: 'sy', iss: 'backend' };
  const connectCases: [string, () => Promise<string>, (o: Outcome) => void][] = [
    ['bad signature → 3500', async () => withBadSignature(await hmacToken(claims)), (o) => assert.equal(closeCode(o), 3500)],
    ['alg none → 3500', async () => unsignedToken(claims), (o) => assert.equal(closeCode(o), 3500)],
    ['an expired token → 109', () => hmacToken({ ...claims, exp: inSeconds(-1) }), (o) => assert.equal(errorCode(o), 109)],
    ['nbf in the future → 109', () => hmacToken({ ...claims, nbf: inSeconds(60) }), (o) => assert.equal(errorCode(o), 109)],
    ['a wrong aud → 3500', () => hmacToken({ ...claims, aud: 'someone-else' }), (o) => assert.equal(closeCode(o), 3500)],
    ['a wrong iss → 3500', () => hmacToken({ ...claims, iss: 'intruder' }), (o) => assert.equal(closeCode(o), 3500)],
    ['an algorithm that is not configured (RS256) → 3500', async () => sign(claims, (await keyPair('RS256')).privateKey, 'RS256'), (o) => assert.equal(closeCode(o), 3500)],
    ['a connection token carrying channel → 3500', () => hmacToken({ ...claims, channel: 'news' }), (o) => assert.equal(closeCode(o), 3500)],
    ['a malformed JWT (one part) → 3500', async () => 'not-a-jwt', (o) => assert.equal(closeCode(o), 3500)],
    ['a malformed JWT (payload not JSON) → 3500', async () => 'eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.c2ln', (o) => assert.equal(closeCode(o), 3500)],
    ['a token for an unknown namespace in channels → 102', () => hmacToken({ ...claims, channels: ['nowhere:x'] }), (o) => assert.equal(errorCode(o), 102)],
  ];
  for (const [name, token, check] of connectCases) {
    test(`connect: ${name}`, async () => {
      const { client, outcome } = await rawConnect(server.wsUrl, { token: await token() });
      check(outcome);
      client.close();
    });
  }

  test('subscription tokens: another channel, user or client → 3500; bad signature → 103; expired → 109; none for $ → 103', async () => {
    const subscribe = async (channel: string, subToken?: string): Promise<Outcome> => {
      const { client, outcome } = await rawConnect(server.wsUrl, { token: await hmacToken({ sub: 'sue', aud: 'sy', iss: 'backend' }) });
      assert.equal(errorCode(outcome), 0);
      const result = await rawCommand(client, { id: 2, subscribe: { channel, ...(subToken ? { token: subToken } : {}) } });
      client.close();
      return result;
    };
    const sub = { sub: 'sue', aud: 'sy', iss: 'backend' };
    assert.equal(closeCode(await subscribe('$a', await hmacToken({ ...sub, channel: '$b' }))), 3500);
    assert.equal(closeCode(await subscribe('$a', await hmacToken({ ...sub, sub: 'mallory', channel: '$a' }))), 3500);
    assert.equal(closeCode(await subscribe('$a', await hmacToken({ ...sub, channel: '$a', client: 'someone-else' }))), 3500);
    assert.equal(errorCode(await subscribe('$a', withBadSignature(await hmacToken({ ...sub, channel: '$a' })))), 103);
    assert.equal(errorCode(await subscribe('$a', await hmacToken({ ...sub, channel: '$a', exp: inSeconds(-1) }))), 109);
    assert.equal(errorCode(await subscribe('$a', await hmacToken({ ...sub }))), 103, 'a sub token without channel is invalid');
    assert.equal(errorCode(await subscribe('$a')), 103);
    assert.equal(errorCode(await subscribe('$a', await hmacToken({ ...sub, channel: '$a' }))), 0);
  });

  const proxyCases: [string, string, (o: Outcome) => void][] = [
    ['500', '/connect/500', (o) => assert.equal(errorCode(o), 100)],
    ['garbage', '/connect/garbage', (o) => assert.equal(errorCode(o), 100)],
    ['not an object', '/connect/array', (o) => assert.equal(errorCode(o), 100)],
    ['a timeout', '/connect/slow', (o) => assert.equal(errorCode(o), 100)],
    ['an impossible disconnect code', '/connect/bad-disconnect', (o) => assert.equal(errorCode(o), 100)],
  ];
  for (const [name, path, check] of proxyCases) {
    test(`connect proxy answering ${name} → 100 (temporary)`, async () => {
      // Each case gets a one-shard server whose connect proxy is that endpoint.
      const s = await startTestServer({
        shards: { count: 1 },
        client: { allow_anonymous_connect_without_token: false, proxy: { connect: { enabled: true, endpoint: `${backend.url}${path}`, timeout: '300ms' } } },
      });
      try {
        const { client, outcome } = await rawConnect(s.wsUrl, {});
        check(outcome);
        assert.equal((outcome as { reply: any }).reply.error.temporary, true);
        client.close();
      } finally {
        await s.close();
      }
    });
  }

  test('the witness stayed connected through all of it and still receives publications; new clients still connect', async () => {
    assert.equal(witness.state, 'connected');
    await callApi(server.apiUrl, 'publish', { channel: 'witness', data: { still: 'here' } });
    const fresh = sdkClient(server.wsUrl, { token: await hmacToken({ sub: 'new', aud: 'sy', iss: 'backend' }) });
    const connected = nextEvent(fresh, 'connected');
    fresh.connect();
    await connected;
    fresh.disconnect();
    const deadline = Date.now() + 3000;
    while (witnessed.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(witnessed, [{ still: 'here' }]);
  });
});
