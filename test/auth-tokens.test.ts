/** Connection JWTs with the real SDK: every key type, JWKS with rotation, key rotation, audience/issuer checks and claims. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Centrifuge } from 'centrifuge';
import type { RunningServer } from '../src/acceptor/run';
import { startBackend, type Backend } from './helpers/backend';
import { sdkClient } from './helpers/clients';
import { nextEvent } from './helpers/events';
import { closeCode, errorCode, rawConnect } from './helpers/raw-auth';
import { startTestServer } from './helpers/server';
import { HMAC_SECRET, hmacToken, inSeconds, keyPair, sign, type TestKeyPair } from './helpers/tokens';

/** Connects an SDK client with `token`, waits until connected, and returns it. */
async function connectWith(wsUrl: string, token: string): Promise<Centrifuge> {
  const client = sdkClient(wsUrl, { token });
  const connected = nextEvent(client, 'connected');
  client.connect();
  await connected;
  return client;
}

/** The user and connection info the server holds for a client, seen through its own publication's ClientInfo. */
async function whoAmI(client: Centrifuge, channel: string): Promise<{ user: string; connInfo?: unknown; chanInfo?: unknown }> {
  const sub = client.newSubscription(channel);
  const got = nextEvent(sub, 'publication');
  sub.subscribe();
  await sub.ready(5000);
  await sub.publish({ hello: true });
  const ctx = await got;
  sub.unsubscribe();
  client.removeSubscription(sub);
  return { user: ctx.info.user, connInfo: ctx.info.connInfo, chanInfo: ctx.info.chanInfo };
}

describe('connection tokens: HMAC, RSA, ECDSA', () => {
  let server: RunningServer;
  let rsa: TestKeyPair;
  let ec: TestKeyPair;
  before(async () => {
    rsa = await keyPair('RS256');
    ec = await keyPair('ES256');
    server = await startTestServer({
      client: {
        allow_anonymous_connect_without_token: false,
        token: { hmac_secret_key: HMAC_SECRET, rsa_public_key: rsa.pem, ecdsa_public_key: ec.pem },
      },
    });
  });
  after(() => server.close());

  for (const alg of ['HS256', 'HS384', 'HS512']) {
    test(`${alg}: the SDK connects as the token's user`, async () => {
      const client = await connectWith(server.wsUrl, await hmacToken({ sub: `user-${alg}`, exp: inSeconds(60) }, alg));
      assert.equal((await whoAmI(client, `who-${alg}`)).user, `user-${alg}`);
      client.disconnect();
    });
  }

  for (const alg of ['RS256', 'RS384', 'RS512']) {
    test(`${alg}: the SDK connects with an RSA-signed token`, async () => {
      const client = await connectWith(server.wsUrl, await sign({ sub: `rsa-${alg}` }, rsa.privateKey, alg));
      assert.equal((await whoAmI(client, `who-${alg}`)).user, `rsa-${alg}`);
      client.disconnect();
    });
  }

  test('ES256: the SDK connects with an ECDSA-signed token; ES384 is not the key\'s curve and is refused', async () => {
    const client = await connectWith(server.wsUrl, await sign({ sub: 'ecdsa' }, ec.privateKey, 'ES256'));
    assert.equal((await whoAmI(client, 'who-es')).user, 'ecdsa');
    client.disconnect();
    const other = await keyPair('ES384');
    const { outcome } = await rawConnect(server.wsUrl, { token: await sign({ sub: 'x' }, other.privateKey, 'ES384') });
    assert.equal(closeCode(outcome), 3500);
  });

  test('info and b64info become the connection info publications carry', async () => {
    const client = await connectWith(server.wsUrl, await hmacToken({ sub: 'ann', info: { name: 'Ann' } }));
    assert.deepEqual((await whoAmI(client, 'who-info')).connInfo, { name: 'Ann' });
    client.disconnect();
    const b64 = Buffer.from(JSON.stringify({ name: 'Bo' })).toString('base64');
    const second = await connectWith(server.wsUrl, await hmacToken({ sub: 'bo', b64info: b64 }));
    assert.deepEqual((await whoAmI(second, 'who-b64')).connInfo, { name: 'Bo' });
    second.disconnect();
  });

  test('exp gives expires/ttl; expire_at overrides it (0 = never); an expire_at in the past is 110', async () => {
    const withExp = await rawConnect(server.wsUrl, { token: await hmacToken({ sub: 'e', exp: inSeconds(100) }) });
    const result = (withExp.outcome as { reply: any }).reply.connect;
    assert.equal(result.expires, true);
    assert.ok(result.ttl >= 98 && result.ttl <= 100, `ttl ${result.ttl}`);
    withExp.client.close();
    const never = await rawConnect(server.wsUrl, { token: await hmacToken({ sub: 'e', exp: inSeconds(100), expire_at: 0 }) });
    assert.equal((never.outcome as { reply: any }).reply.connect.expires, undefined);
    never.client.close();
    const later = await rawConnect(server.wsUrl, { token: await hmacToken({ sub: 'e', exp: inSeconds(100), expire_at: inSeconds(500) }) });
    assert.ok((later.outcome as { reply: any }).reply.connect.ttl >= 498);
    later.client.close();
    const past = await rawConnect(server.wsUrl, { token: await hmacToken({ sub: 'e', exp: inSeconds(100), expire_at: inSeconds(-10) }) });
    assert.equal(errorCode(past.outcome), 110);
    past.client.close();
  });

  test('a claim of the wrong type makes the token invalid (3500)', async () => {
    for (const claims of [{ sub: 42 }, { sub: 'x', exp: 'soon' }, { sub: 'x', channels: 'news' }, { sub: 'x', b64info: '%%%' }, { sub: 'x', aud: 7 }]) {
      const { outcome } = await rawConnect(server.wsUrl, { token: await hmacToken(claims) });
      assert.equal(closeCode(outcome), 3500, JSON.stringify(claims));
    }
  });
});

describe('connection tokens: rotation, audience, issuer, user id claim, options', () => {
  let server: RunningServer;
  before(async () => {
    server = await startTestServer({
      client: {
        allow_anonymous_connect_without_token: false,
        disallow_anonymous_connection_tokens: true,
        token: {
          hmac_secret_key: 'new-secret',
          hmac_previous_secret_key: 'old-secret',
          audience: 'switchyard',
          issuer_regex: '^https://(?P<tenant>a|b)\\.example\\.com$',
          user_id_claim: 'user.id',
        },
      },
    });
  });
  after(() => server.close());

  const good = { aud: 'switchyard', iss: 'https://a.example.com', user: { id: 'nested' } };

  test('the previous HMAC secret still verifies during a rotation; another secret does not', async () => {
    const client = await connectWith(server.wsUrl, await hmacToken(good, 'HS256', 'old-secret'));
    assert.equal((await whoAmI(client, 'rot')).user, 'nested', 'user_id_claim reads the nested claim');
    client.disconnect();
    const { outcome } = await rawConnect(server.wsUrl, { token: await hmacToken(good, 'HS256', 'other-secret') });
    assert.equal(closeCode(outcome), 3500);
  });

  test('aud must be the audience, iss must match issuer_regex (Go named groups accepted)', async () => {
    const okArray = await rawConnect(server.wsUrl, { token: await hmacToken({ ...good, aud: ['other', 'switchyard'] }, 'HS256', 'new-secret') });
    assert.equal(errorCode(okArray.outcome), 0);
    okArray.client.close();
    for (const bad of [{ aud: 'other' }, { aud: undefined }, { iss: 'https://c.example.com' }, { iss: undefined }]) {
      const { outcome } = await rawConnect(server.wsUrl, { token: await hmacToken({ ...good, ...bad }, 'HS256', 'new-secret') });
      assert.equal(closeCode(outcome), 3500, JSON.stringify(bad));
    }
  });

  test('disallow_anonymous_connection_tokens: a token without a user is disconnect 3507', async () => {
    const { outcome } = await rawConnect(server.wsUrl, { token: await hmacToken({ ...good, user: {} }, 'HS256', 'new-secret') });
    assert.equal(closeCode(outcome), 3507);
  });

  test('without a token and without anonymous access, connect is 3501', async () => {
    const { outcome } = await rawConnect(server.wsUrl, {});
    assert.equal(closeCode(outcome), 3501);
  });
});

describe('previous HMAC secret past its valid_until, and skipped signature checks', () => {
  let server: RunningServer;
  before(async () => {
    server = await startTestServer({
      client: {
        allow_anonymous_connect_without_token: false,
        token: { hmac_secret_key: 'new-secret', hmac_previous_secret_key: 'old-secret', hmac_previous_secret_key_valid_until: inSeconds(-60) },
        subscription_token: { enabled: true, hmac_secret_key: 'sub-secret' },
        insecure_skip_token_signature_verify: false,
      },
    });
  });
  after(() => server.close());

  test('the previous secret is refused after hmac_previous_secret_key_valid_until', async () => {
    const { outcome } = await rawConnect(server.wsUrl, { token: await hmacToken({ sub: 'x' }, 'HS256', 'old-secret') });
    assert.equal(closeCode(outcome), 3500);
  });

  test('subscription_token.enabled: subscription tokens use their own secret, not the connection secret', async () => {
    const { client, outcome } = await rawConnect(server.wsUrl, { token: await hmacToken({ sub: 'sam' }, 'HS256', 'new-secret') });
    assert.equal(errorCode(outcome), 0);
    const own = await hmacToken({ sub: 'sam', channel: '$room' }, 'HS256', 'sub-secret');
    client.send(JSON.stringify({ id: 2, subscribe: { channel: '$room', token: own } }));
    assert.deepEqual(JSON.parse(await client.nextFrame()), { id: 2, subscribe: {} });
    const connectionKeyed = await hmacToken({ sub: 'sam', channel: '$other' }, 'HS256', 'new-secret');
    client.send(JSON.stringify({ id: 3, subscribe: { channel: '$other', token: connectionKeyed } }));
    assert.equal(JSON.parse(await client.nextFrame()).error.code, 103);
    client.close();
  });
});

describe('connection tokens from a JWKS endpoint', () => {
  let server: RunningServer;
  let backend: Backend;
  let rsa: TestKeyPair;
  let ed: TestKeyPair;
  let rotated: TestKeyPair;
  before(async () => {
    rsa = await keyPair('RS256');
    ed = await keyPair('EdDSA');
    rotated = await keyPair('ES256');
    backend = await startBackend({
      '/jwks': () => ({ body: { keys: [{ ...rsa.jwk, kid: 'rsa-1', use: 'sig' }, { ...ed.jwk, kid: 'ed-1' }] } }),
    });
    server = await startTestServer({
      shards: { count: 1 },
      client: { allow_anonymous_connect_without_token: false, token: { jwks_public_endpoint: `${backend.url}/jwks` } },
    });
  });
  after(async () => {
    await server.close();
    await backend.close();
  });

  test('RS256 and Ed25519 tokens verify with the keys of the set, found by kid', async () => {
    const a = await connectWith(server.wsUrl, await sign({ sub: 'jw-rsa' }, rsa.privateKey, 'RS256', 'rsa-1'));
    assert.equal((await whoAmI(a, 'jw1')).user, 'jw-rsa');
    a.disconnect();
    const b = await connectWith(server.wsUrl, await sign({ sub: 'jw-ed' }, ed.privateKey, 'EdDSA', 'ed-1'));
    assert.equal((await whoAmI(b, 'jw2')).user, 'jw-ed');
    b.disconnect();
    assert.equal(backend.on('/jwks').length, 1, 'the set was fetched once and cached');
  });

  test('an unknown kid fetches the set again (key rotation); a kid still unknown is 3500', async () => {
    backend.route('/jwks', () => ({ body: { keys: [{ ...rsa.jwk, kid: 'rsa-1' }, { ...rotated.jwk, kid: 'ec-2' }] } }));
    const before = backend.on('/jwks').length;
    const c = await connectWith(server.wsUrl, await sign({ sub: 'jw-new' }, rotated.privateKey, 'ES256', 'ec-2'));
    assert.equal((await whoAmI(c, 'jw3')).user, 'jw-new');
    c.disconnect();
    assert.equal(backend.on('/jwks').length, before + 1);
    const { outcome } = await rawConnect(server.wsUrl, { token: await sign({ sub: 'x' }, rotated.privateKey, 'ES256', 'nope') });
    assert.equal(closeCode(outcome), 3500);
    const noKid = await rawConnect(server.wsUrl, { token: await sign({ sub: 'x' }, rsa.privateKey, 'RS256') });
    assert.equal(closeCode(noKid.outcome), 3500);
  });

  test('a JWKS endpoint that fails is error 100 (temporary), not a verdict on the token', async () => {
    backend.route('/jwks', () => ({ status: 500, body: 'down' }));
    const { client, outcome } = await rawConnect(server.wsUrl, { token: await sign({ sub: 'x' }, rotated.privateKey, 'ES256', 'unknown-kid') });
    assert.equal(errorCode(outcome), 100);
    assert.equal((outcome as { reply: any }).reply.error.temporary, true);
    client.close();
  });
});
