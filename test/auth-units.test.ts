/** The pieces of token and proxy handling on their own: JWKS cache, claims, proxy answers. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connectClaims, subscribeClaims } from '../src/auth/claims';
import { TokenError } from '../src/auth/errors';
import { JwksCache, parseKeySet } from '../src/auth/jwks';
import { decodeAnswer } from '../src/auth/proxy/proxy-client';
import { DisconnectError, ReplyError } from '../src/protocol/errors';
import { startBackend, type Backend } from './helpers/backend';
import { keyPair, type TestKeyPair } from './helpers/tokens';

/** The code of the TokenError `fn` throws. */
async function tokenErrorCode(fn: () => unknown): Promise<string> {
  try {
    await fn();
  } catch (err) {
    assert.ok(err instanceof TokenError, String(err));
    return err.code;
  }
  return assert.fail('no TokenError');
}

describe('JwksCache', () => {
  let backend: Backend;
  let rsa: TestKeyPair;
  let ec: TestKeyPair;
  before(async () => {
    rsa = await keyPair('RS256');
    ec = await keyPair('ES256');
    backend = await startBackend({
      '/keys': () => ({ delayMs: 50, body: { keys: [{ ...rsa.jwk, kid: 'r' }, { ...ec.jwk, kid: 'e', alg: 'ES256' }, { ...rsa.jwk, kid: 'enc', use: 'enc' }] } }),
      '/down': () => ({ status: 503 }),
    });
  });
  after(() => backend.close());

  test('concurrent lookups share one fetch; keys verify only their algorithms', async () => {
    const cache = new JwksCache({ url: `${backend.url}/keys` });
    await Promise.all([cache.key('r', 'RS256'), cache.key('e', 'ES256'), cache.key('r', 'RS512')]);
    assert.equal(cache.fetches, 1);
    assert.equal(await tokenErrorCode(() => cache.key('r', 'ES256')), 'SY_TOKEN_INVALID');
    assert.equal(await tokenErrorCode(() => cache.key('enc', 'RS256')), 'SY_TOKEN_INVALID', 'encryption keys are left out');
    assert.equal(await tokenErrorCode(() => cache.key('', 'RS256')), 'SY_TOKEN_INVALID');
  });

  test('an unknown kid and an old set both fetch again', async () => {
    const cache = new JwksCache({ url: `${backend.url}/keys`, ttlMs: 100 });
    await cache.key('r', 'RS256');
    await tokenErrorCode(() => cache.key('unknown', 'RS256'));
    assert.equal(cache.fetches, 2);
    await new Promise((r) => setTimeout(r, 150));
    await cache.key('r', 'RS256');
    assert.equal(cache.fetches, 3);
  });

  test('an endpoint that fails is retried once, then keys are unavailable', async () => {
    const before = backend.on('/down').length;
    const cache = new JwksCache({ url: `${backend.url}/down` });
    assert.equal(await tokenErrorCode(() => cache.key('r', 'RS256')), 'SY_TOKEN_KEYS_UNAVAILABLE');
    assert.equal(backend.on('/down').length - before, 2);
  });

  test('parseKeySet: a document without keys is an error; keys without kid are skipped', () => {
    assert.throws(() => parseKeySet({}), /no "keys" array/);
    assert.equal(parseKeySet({ keys: [{ ...rsa.jwk }] }).size, 0);
  });
});

describe('claims', () => {
  test('expire_at wins over exp; expire_at 0 means never; neither means never', () => {
    assert.equal(connectClaims({ sub: 'a', exp: 100 }, '').expireAt, 100_000);
    assert.equal(connectClaims({ sub: 'a', exp: 100, expire_at: 200 }, '').expireAt, 200_000);
    assert.equal(connectClaims({ sub: 'a', exp: 100, expire_at: 0 }, '').expireAt, 0);
    assert.equal(connectClaims({ sub: 'a' }, '').expireAt, 0);
  });

  test('subs win over channels; their info, b64data and override are read', () => {
    const claims = connectClaims(
      {
        channels: ['x'],
        subs: { a: { info: { i: 1 }, b64data: Buffer.from('{"d":2}').toString('base64'), override: { presence: { value: false }, join_leave: { value: true } } } },
        meta: { m: 1 },
      },
      '',
    );
    assert.deepEqual([...claims.subs.keys()], ['a']);
    assert.deepEqual(claims.subs.get('a'), { info: '{"i":1}', data: '{"d":2}', override: { presence: false, join_leave: true } });
    assert.equal(claims.meta, '{"m":1}');
    assert.equal(claims.user, '');
  });

  test('subscription claims: channel required, client binding, user from a claim path', () => {
    const claims = subscribeClaims({ channel: 'c', client: 'id', profile: { uid: 7 } }, 'profile.uid');
    assert.deepEqual([claims.channel, claims.client, claims.user], ['c', 'id', '7']);
    assert.throws(() => subscribeClaims({ sub: 'a' }, ''), /needs a channel claim/);
    assert.throws(() => subscribeClaims({ channel: 'c', override: { presence: true } }, ''), /must be \{"value": true\|false\}/);
  });
});

describe('proxy answers', () => {
  test('result, error, disconnect, and what is not an answer', () => {
    assert.deepEqual(decodeAnswer('{"result":{"user":"a"}}'), { user: 'a' });
    assert.equal(decodeAnswer('{}'), undefined);
    assert.throws(() => decodeAnswer('{"error":{"code":1000,"message":"m","temporary":true}}'), (err: unknown) => {
      assert.ok(err instanceof ReplyError);
      assert.deepEqual(err.toJSON(), { code: 1000, message: 'm', temporary: true });
      return true;
    });
    assert.throws(() => decodeAnswer(`{"disconnect":{"code":4000,"reason":"${'r'.repeat(200)}"}}`), (err: unknown) => {
      assert.ok(err instanceof DisconnectError);
      assert.equal(err.disconnect.code, 4000);
      assert.equal(err.disconnect.reason.length, 123, 'reasons are cut to the WebSocket limit');
      assert.equal(err.disconnect.reconnect, true);
      return true;
    });
    for (const garbage of ['nope', '[]', '{"result":5}', '{"error":{"code":"x"}}', '{"disconnect":{"code":1000}}']) {
      assert.throws(() => decodeAnswer(garbage), { code: 'SY_PROXY_FAILED' }, garbage);
    }
  });
});
