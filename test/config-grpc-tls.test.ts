/**
 * Validation of the gRPC API, TLS, gRPC proxy and status transform keys:
 * each bad value is reported with its key path, and good ones are accepted.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { validateConfig } from '../src/config/validate';
import { configErrors, REPO_ROOT } from './helpers/config';

const CA = join(REPO_ROOT, 'test/fixtures/tls/ca.pem');

test('gRPC endpoints in both forms, TLS with a PEM file, transforms of each kind are accepted', () => {
  const c = validateConfig({
    grpc_api: { enabled: true, key: 'k', error_mode: 'transport', tls: { enabled: true, cert_pem: join(REPO_ROOT, 'test/fixtures/tls/server.pem'), key_pem: join(REPO_ROOT, 'test/fixtures/tls/server.key') } },
    rpc: { proxy: { endpoint: 'grpc://backend:9000', grpc: { tls: { enabled: true, server_ca_pem: CA }, static_metadata: { 'x-a': 'b' } } } },
    channel: {
      proxy: {
        subscribe: {
          endpoint: 'https://backend/sub',
          http: { status_to_code_transforms: [{ status_code: 403, to_disconnect: { code: 4403, reason: 'no' } }, { status_code: 503, to_error: { code: 1503 } }] },
        },
      },
    },
    proxies: [{ name: 'p', endpoint: 'backend:9000', grpc_metadata: ['x-user'] }],
  });
  assert.equal(c.grpc_api.error_mode, 'transport');
  assert.equal(c.channel.proxy.subscribe.http.status_to_code_transforms[1]!.to_error.code, 1503);
});

test('bad gRPC API, TLS, proxy and transform values each name their key', () => {
  const errors = configErrors(() =>
    validateConfig({
      grpc_api: { error_mode: 'loud', port: 70_000, tls: { enabled: true, cert_pem: '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----' } },
      websocket: { compression_level: 12 },
      client: {
        proxy: {
          connect: {
            enabled: true,
            endpoint: 'ftp://backend',
            grpc_metadata: ['X-Upper'],
            grpc: { tls: { enabled: true, server_ca_pem: '/no/such/file.pem' } },
            http: {
              status_to_code_transforms: [
                { status_code: 500 },
                { status_code: 502, to_error: { code: 1502 }, to_disconnect: { code: 4502 } },
                { status_code: 504, to_disconnect: { code: 1000 } },
              ],
            },
          },
        },
      },
    }),
  );
  const expected = [
    /^grpc_api\.error_mode must be one of "", transport, got "loud"$/,
    /^grpc_api\.port must be/,
    /^websocket\.compression_level must be/,
    /^grpc_api\.tls: a TLS server needs cert_pem and key_pem$/,
    /^grpc_api\.tls: cert_pem and key_pem go together$/,
    /^client\.proxy\.connect\.endpoint must be an http:\/\/ or https:\/\/ URL, or a gRPC address/,
    /^client\.proxy\.connect\.grpc_metadata\[0\] is not a gRPC metadata key \(lower case\): "X-Upper"$/,
    /^client\.proxy\.connect\.http\.status_to_code_transforms\[0\] needs to_error\.code or to_disconnect\.code$/,
    /^client\.proxy\.connect\.http\.status_to_code_transforms\[1\] sets both to_error and to_disconnect: choose one$/,
    /^client\.proxy\.connect\.http\.status_to_code_transforms\[2\]\.to_disconnect\.code must be in 3000\.\.4999$/,
    /^client\.proxy\.connect\.grpc\.tls\.server_ca_pem is neither PEM text, nor a readable file, nor base64-encoded PEM$/,
  ];
  for (const pattern of expected) assert.ok(errors.some((e) => pattern.test(e)), `${pattern} not among:\n${errors.join('\n')}`);
});
