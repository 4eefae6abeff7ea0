/**
 * TLS on the client port (`http_server.tls`): the SDK connects over wss://
 * and the API answers over https://, with a certificate the test makes with
 * the `openssl` binary, given as files (`cert_pem_file`/`key_pem_file`) or
 * inline as PEM text (`cert_pem`/`key_pem`). Bad TLS settings are config
 * errors that name the key.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { Centrifuge } from 'centrifuge';
import { startTestServer, API_KEY } from './helpers/server';
import { configErrors } from './helpers/config';
import { validateConfig } from '../src/config/validate';
import { testConfigInput } from './helpers/server';

let dir = '';
let certFile = '';
let keyFile = '';
let otherKeyFile = '';
let opensslMissing: string | false = false;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'switchyard-tls-test-'));
  certFile = join(dir, 'cert.pem');
  keyFile = join(dir, 'key.pem');
  otherKeyFile = join(dir, 'other.pem');
  try {
    const subject = ['-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'];
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', ...subject], { stdio: 'ignore' });
    execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', otherKeyFile], { stdio: 'ignore' });
  } catch (err) {
    opensslMissing = `openssl is not available to make a test certificate: ${(err as Error).message}`;
  }
});

after(() => rmSync(dir, { recursive: true, force: true }));

/** A `ws` WebSocket that trusts the test certificate. */
function trustingWebSocket(ca: Buffer) {
  return class extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { ca });
    }
  };
}

function httpsPost(url: string, body: unknown, ca: Buffer): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', ca, headers: { 'X-API-Key': API_KEY, 'Content-Type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

for (const form of ['files', 'inline PEM'] as const) {
  test(`the SDK connects over wss:// and the API answers over https:// (${form})`, async (t) => {
    if (opensslMissing) return t.skip(opensslMissing);
    const tls = form === 'files'
      ? { enabled: true, cert_pem_file: certFile, key_pem_file: keyFile }
      : { enabled: true, cert_pem: readFileSync(certFile, 'utf8'), key_pem: Buffer.from(readFileSync(keyFile)).toString('base64') };
    const server = await startTestServer({ http_server: { tls }, shards: { count: 1 } });
    const ca = readFileSync(certFile);
    let client: Centrifuge | null = null;
    try {
      assert.match(server.wsUrl, /^wss:\/\//);
      client = new Centrifuge(server.wsUrl, { websocket: trustingWebSocket(ca) });
      const got: unknown[] = [];
      const sub = client.newSubscription('secure');
      sub.on('publication', (ctx) => got.push(ctx.data));
      client.connect();
      sub.subscribe();
      await sub.ready(5000);
      const answer = await httpsPost(`${server.apiUrl}/publish`, { channel: 'secure', data: { over: 'tls' } }, ca);
      assert.equal(answer.status, 200);
      await new Promise<void>((resolve) => {
        const check = () => (got.length > 0 ? resolve() : setTimeout(check, 10));
        check();
      });
      assert.deepEqual(got, [{ over: 'tls' }]);
    } finally {
      client?.disconnect();
      await server.close();
    }
  });
}

test('bad TLS settings are config errors naming the key', (t) => {
  if (opensslMissing) return t.skip(opensslMissing);
  const check = (tls: Record<string, unknown>) => configErrors(() => validateConfig(testConfigInput({ http_server: { tls } })));
  assert.deepEqual(check({ enabled: true }), [
    'http_server.tls.enabled needs http_server.tls.cert_pem or http_server.tls.cert_pem_file',
    'http_server.tls.enabled needs http_server.tls.key_pem or http_server.tls.key_pem_file',
  ]);
  assert.match(check({ enabled: true, cert_pem_file: join(dir, 'nope.pem'), key_pem_file: keyFile })[0]!, /http_server\.tls\.cert_pem_file: cannot read .*nope\.pem.*ENOENT/);
  assert.match(check({ enabled: true, cert_pem_file: keyFile, key_pem_file: keyFile })[0]!, /http_server\.tls\.cert_pem is not a PEM certificate/);
  assert.deepEqual(check({ enabled: true, cert_pem_file: certFile, key_pem_file: otherKeyFile }), [
    "http_server.tls.key_pem is not the private key of http_server.tls.cert_pem's certificate",
  ]);
  assert.deepEqual(check({ enabled: true, cert_pem: certFile, cert_pem_file: certFile, key_pem_file: keyFile }), [
    'http_server.tls.cert_pem and http_server.tls.cert_pem_file are both set; set one',
  ]);
  // Not checked while disabled.
  validateConfig(testConfigInput({ http_server: { tls: { enabled: false, cert_pem_file: join(dir, 'nope.pem') } } }));
});
