/** Validation of the authentication settings: every bad value is reported with its key path. */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { validateConfig } from '../src/config/validate';
import { configErrors } from './helpers/config';
import { keyPair, type TestKeyPair } from './helpers/tokens';

describe('auth config checks', () => {
  let rsa: TestKeyPair;
  let ec: TestKeyPair;
  let ed: TestKeyPair;
  before(async () => {
    rsa = await keyPair('RS256');
    ec = await keyPair('ES384');
    ed = await keyPair('EdDSA');
  });

  test('valid keys of every kind are accepted', () => {
    const c = validateConfig({ client: { token: { rsa_public_key: rsa.pem, ecdsa_public_key: ec.pem, issuer_regex: '^(?P<t>a|b)$' } } });
    assert.equal(c.client.token.rsa_public_key, rsa.pem);
  });

  test('keys that do not parse, or are of the wrong kind, name their key', () => {
    assert.deepEqual(
      configErrors(() =>
        validateConfig({
          client: {
            token: { rsa_public_key: 'not a pem', ecdsa_public_key: rsa.pem },
            subscription_token: { enabled: true, rsa_public_key: ec.pem, ecdsa_public_key: ed.pem },
          },
        }),
      ).map((e) => e.replace(/ \(.*\)$/, '')),
      [
        'client.token.rsa_public_key is not a PEM public key',
        'client.token.ecdsa_public_key is an RSA key, not an ECDSA key',
        'client.subscription_token.rsa_public_key is an ECDSA key, not an RSA key',
        'client.subscription_token.ecdsa_public_key is an Ed25519 key, not an ECDSA key',
      ],
    );
  });

  test('audience/issuer and their regex exclude each other; a regex must compile; JWKS must be an http(s) URL without templates', () => {
    assert.deepEqual(
      configErrors(() =>
        validateConfig({
          client: {
            token: { audience: 'a', audience_regex: 'b', issuer_regex: '(', jwks_public_endpoint: 'ftp://keys' },
            subscription_token: { issuer: 'x', issuer_regex: 'y', jwks_public_endpoint: 'https://{{tenant}}.example.com/jwks' },
          },
        }),
      ).map((e) => e.replace(/: Invalid regular expression.*$/, '')),
      [
        'client.token.audience and client.token.audience_regex cannot both be set: use one of them',
        'client.token.issuer_regex is not a valid regular expression',
        'client.token.jwks_public_endpoint must be an http:// or https:// URL, got "ftp://keys"',
        'client.subscription_token.issuer and client.subscription_token.issuer_regex cannot both be set: use one of them',
        'client.subscription_token.jwks_public_endpoint: templated endpoints ({{name}}) are not supported',
      ],
    );
  });

  test('proxies: enabled without endpoint, an endpoint neither HTTP nor gRPC, bad header names, named proxies that do not exist', () => {
    assert.deepEqual(
      configErrors(() =>
        validateConfig({
          client: {
            proxy: {
              connect: { enabled: true },
              refresh: { enabled: true, endpoint: 'ftp://backend:9000', http_headers: ['Bad Header'] },
            },
          },
          channel: {
            without_namespace: { publish_proxy_enabled: true },
            namespaces: [{ name: 'ns', subscribe_proxy_enabled: true, subscribe_proxy_name: 'missing' }],
          },
          rpc: { without_namespace: { proxy_enabled: true, proxy_name: 'nope' }, namespaces: [{ name: 'rp', proxy_enabled: true }] },
          proxies: [{ name: 'default', endpoint: 'http://x' }, { name: 'empty' }],
        }),
      ),
      [
        'client.proxy.connect.endpoint is required',
        'client.proxy.refresh.endpoint must be an http:// or https:// URL, or a gRPC address grpc://host:port (or host:port), got "ftp://backend:9000"',
        'client.proxy.refresh.http_headers[0] is not a header name: "Bad Header"',
        'proxies[0].name cannot be "default": that name means channel.proxy.* and rpc.proxy',
        'proxies[1].endpoint is required',
        'channel.without_namespace.publish_proxy_enabled needs channel.proxy.publish.endpoint (the "default" publish proxy)',
        'channel.namespaces[0].subscribe_proxy_name "missing" is not the name of an entry of proxies',
        'rpc.without_namespace.proxy_name "nope" is not the name of an entry of proxies',
        'rpc.namespaces[0].proxy_enabled needs rpc.proxy.endpoint (the "default" rpc proxy)',
      ],
    );
  });

  test('static headers must be a map of strings with header names; the personal channel namespace must exist', () => {
    assert.deepEqual(
      configErrors(() =>
        validateConfig({
          channel: { proxy: { subscribe: { http: { static_headers: { 'X-Ok': 'v', 'Not Ok': 'v', 'X-Num': 5 } } } } },
          client: { subscribe_to_user_personal_channel: { enabled: true, personal_channel_namespace: 'me' } },
        }),
      ),
      [
        'channel.proxy.subscribe.http.static_headers key "Not Ok" must match ^[!#$%&\'*+.^_`|~0-9A-Za-z-]+$',
        'channel.proxy.subscribe.http.static_headers.X-Num must be a string, got 5',
        'client.subscribe_to_user_personal_channel.personal_channel_namespace "me" is not in channel.namespaces',
      ],
    );
  });

  test('durations and environment variables of the auth keys', () => {
    const c = validateConfig({ client: { expired_close_delay: '3s', expired_sub_close_delay: '0s', proxy: { connect: { timeout: '250ms' } } } });
    assert.equal(c.client.expired_close_delay, 3000);
    assert.equal(c.client.expired_sub_close_delay, 0);
    assert.equal(c.client.proxy.connect.timeout, 250);
    assert.match(configErrors(() => validateConfig({ client: { proxy: { connect: { timeout: '0s' } } } }))[0]!, /client\.proxy\.connect\.timeout must be at least 1ms/);
  });
});
