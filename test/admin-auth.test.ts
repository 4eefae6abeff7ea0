/**
 * The admin UI's configuration and endpoints (issue 15), on a real server:
 * each kind of bad config, login (wrong password, missing field, rate
 * limit), every kind of bad admin token, the server API through the admin
 * endpoint, security headers, the page's files, and the refusal an app
 * gives when the UI is served on another port. The live tail: test/admin-tail.test.ts;
 * the page in a browser: test/admin-browser.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { us_listen_socket } from 'uWebSockets.js';
import { refuseAdmin } from '../src/admin/routes';
import { ADMIN_SESSION_TTL_MS, signAdminToken, verifyAdminToken } from '../src/auth/admin-token';
import { loadUws } from '../src/common/uws';
import type { RunningServer } from '../src/acceptor/run';
import { MAX_FAILURES } from '../src/admin/login';
import { configErrors } from './helpers/config';
import { ADMIN_ON, ADMIN_SECRET, adminLogin, adminPost, httpCall } from './helpers/admin';
import { startTestServer, testConfig } from './helpers/server';

describe('admin config', () => {
  test('admin.enabled without a password or secret is refused, naming each key', () => {
    const errors = configErrors(() => testConfig({ admin: { enabled: true } }));
    assert.ok(errors.some((e) => e.startsWith('admin.password is required when admin.enabled is true')), errors.join('\n'));
    assert.ok(errors.some((e) => e.startsWith('admin.secret is required when admin.enabled is true')), errors.join('\n'));
    assert.equal(errors.length, 2);
  });

  test('admin.insecure needs neither; a disabled UI needs nothing', () => {
    assert.equal(testConfig({ admin: { enabled: true, insecure: true } }).admin.insecure, true);
    assert.equal(testConfig({ admin: { password: '' } }).admin.enabled, false);
  });

  test('a handler_prefix that is not a path, or shadows other endpoints, is refused', () => {
    assert.ok(configErrors(() => testConfig({ admin: { ...ADMIN_ON, handler_prefix: 'admin' } }))[0]!.startsWith('admin.handler_prefix must match'));
    assert.deepEqual(configErrors(() => testConfig({ admin: { ...ADMIN_ON, handler_prefix: '/api/ui' } })), [
      'admin.handler_prefix "/api/ui" is under /api, which other endpoints use: choose another prefix',
    ]);
    assert.equal(testConfig({ admin: { ...ADMIN_ON, handler_prefix: '/ops/' } }).admin.handler_prefix, '/ops/');
  });
});

describe('admin tokens', () => {
  test('a token verifies only with its secret, for its purpose, before its expiry', () => {
    const token = signAdminToken('s', 'session', 1000, '', 5000);
    assert.deepEqual(verifyAdminToken('s', token, 'session', 5500), { ok: true, claims: { purpose: 'session', expireAt: 6000, channel: '' } });
    assert.deepEqual(verifyAdminToken('other', token, 'session', 5500), { ok: false, problem: 'signature' });
    assert.deepEqual(verifyAdminToken('s', token, 'tail', 5500), { ok: false, problem: 'purpose' });
    assert.deepEqual(verifyAdminToken('s', token, 'session', 6000), { ok: false, problem: 'expired' });
    assert.deepEqual(verifyAdminToken('s', 'a.b.c', 'session'), { ok: false, problem: 'malformed' });
    const [body, signature] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ p: 'session', exp: 9e15 })).toString('base64url');
    assert.deepEqual(verifyAdminToken('s', `${forged}.${signature}`, 'session'), { ok: false, problem: 'signature' }, `${body} re-signed`);
  });
});

describe('admin endpoints', () => {
  let server: RunningServer;
  let base: string;
  before(async () => {
    // One shard: the login limit is per shard, and this makes it exact.
    server = await startTestServer({ admin: ADMIN_ON, shards: { count: 1 } });
    base = `http://127.0.0.1:${server.port}`;
  });
  after(() => server.close());

  test('the page is served with strict security headers, its files from memory, nothing from elsewhere', async () => {
    const page = await httpCall(`${base}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers['content-type'] as string, /^text\/html/);
    const csp = page.headers['content-security-policy'] as string;
    for (const directive of ["default-src 'none'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"]) assert.ok(csp.includes(directive), csp);
    assert.equal(page.headers['x-frame-options'], 'DENY');
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
    assert.doesNotMatch(page.text, /https?:\/\//, 'the page names no other origin');
    const sdk = await httpCall(`${base}/static/vendor/centrifuge.mjs`);
    assert.equal(sdk.status, 200);
    assert.match(sdk.headers['content-type'] as string, /^text\/javascript/);
    assert.match(sdk.text, /export \{ Centrifuge/);
    assert.equal((await httpCall(`${base}/static/app.js`)).status, 200);
    assert.equal((await httpCall(`${base}/static/nope.js`)).status, 404);
    assert.equal((await httpCall(`${base}/static/../../package.json`)).status, 404);
  });

  test('init says whether the page must log in', async () => {
    assert.deepEqual((await httpCall(`${base}/admin/init`)).body, { insecure: false, authenticated: false, version: (await httpCall(`${base}/admin/init`)).body.version, edition: 'switchyard' });
    const token = await adminLogin(base);
    assert.equal((await httpCall(`${base}/admin/init`, 'GET', undefined, { Authorization: `token ${token}` })).body.authenticated, true);
  });

  test('every admin call checks the token: missing, malformed, foreign, expired, or for another purpose is 401 saying which', async () => {
    const call = (authorization?: string) => httpCall(`${base}/admin/api`, 'POST', { method: 'info' }, authorization ? { Authorization: authorization } : {});
    const cases: [string | undefined, RegExp][] = [
      [undefined, /^admin token required/],
      ['token not-a-token', /^not an admin token$/],
      [`token ${signAdminToken('another-secret', 'session', ADMIN_SESSION_TTL_MS)}`, /signature does not match/],
      [`token ${signAdminToken(ADMIN_SECRET, 'session', 1000, '', Date.now() - 2000)}`, /expired: log in again/],
      [`token ${signAdminToken(ADMIN_SECRET, 'tail', 60_000, 'news')}`, /another purpose/],
      [`Bearer ${await adminLogin(base)}`, /^admin token required/],
    ];
    for (const [authorization, message] of cases) {
      const answer = await call(authorization);
      assert.equal(answer.status, 401, `${authorization}: ${answer.text}`);
      assert.equal(answer.body.error.code, 101);
      assert.match(answer.body.error.message, message);
    }
    for (const path of ['/admin/channel', '/admin/tail']) assert.equal((await httpCall(`${base}${path}`, 'POST', { channel: 'a' })).status, 401, path);
  });

  test('the server API runs through the one method table', async () => {
    const token = await adminLogin(base);
    const info = await adminPost(base, '/admin/api', { method: 'info' }, token);
    assert.equal(info.status, 200);
    const shard = info.body.result.nodes[0].shards[0];
    for (const key of ['deliveries', 'mailbox', 'restarts']) assert.ok(key in shard, key);
    assert.deepEqual((await adminPost(base, '/admin/api', { method: 'publish', params: { channel: 'a', data: { x: 1 } } }, token)).body, { result: {} });
    assert.deepEqual((await adminPost(base, '/admin/api', { method: 'publish', params: { channel: 'a' } }, token)).body, { error: { code: 107, message: 'data required' } });
    const unknown = await adminPost(base, '/admin/api', { method: 'toString' }, token);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.code, 104);
    assert.equal((await adminPost(base, '/admin/api', '[1]', token)).status, 400);
    assert.equal((await adminPost(base, '/admin/api', { method: 'info', params: [] }, token)).body.error.code, 107);
    assert.equal((await httpCall(`${base}/admin/api`)).status, 405);
    const view = await adminPost(base, '/admin/channel', { channel: 'a' }, token);
    assert.equal(view.body.result.owner_shard, 0);
    assert.equal(view.body.result.presence.error.code, 108, 'no presence in this namespace: the method table answers 108');
  });

  test('a wrong password is refused, and after a few failures an address must wait, even with the right password', async () => {
    const wrong = await httpCall(`${base}/admin/auth`, 'POST', { password: 'nope' });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error.message, 'wrong password');
    assert.equal((await httpCall(`${base}/admin/auth`, 'POST', { nothing: 1 })).status, 400);
    for (let i = 1; i < MAX_FAILURES; i++) assert.equal((await httpCall(`${base}/admin/auth`, 'POST', { password: `nope${i}` })).status, 401);
    const limited = await httpCall(`${base}/admin/auth`, 'POST', 'password=test-admin-password', { 'Content-Type': 'application/x-www-form-urlencoded' });
    assert.equal(limited.status, 429);
    assert.match(limited.body.error.message, /^too many failed logins from this address: try again in \d+ s$/);
    assert.ok(Number(limited.headers['retry-after']) > 0);
  });
});

test('an app that does not serve the admin UI refuses its paths, saying where it is', async () => {
  const uws = loadUws();
  const app = uws.App();
  refuseAdmin(app, testConfig({ admin: ADMIN_ON }), 'the internal port (http_server.internal_port)');
  const socket = await new Promise<us_listen_socket>((resolve, reject) => app.listen('127.0.0.1', 0, (s) => (s ? resolve(s) : reject(new Error('listen failed')))));
  try {
    const base = `http://127.0.0.1:${uws.us_socket_local_port(socket)}`;
    for (const [path, method] of [['/admin/api', 'POST'], ['/admin/auth', 'POST'], ['/admin/init', 'GET'], ['/', 'GET'], ['/static/app.js', 'GET']] as const) {
      const answer = await httpCall(`${base}${path}`, method, method === 'POST' ? { method: 'info' } : undefined);
      assert.equal(answer.status, 404, path);
      assert.equal(answer.body.error.message, 'the admin web UI is not served on this port: it is on the internal port (http_server.internal_port)');
    }
  } finally {
    uws.us_listen_socket_close(socket);
  }
});

test('admin.insecure opens every admin endpoint without a login; handler_prefix moves them all', async () => {
  const server = await startTestServer({ admin: { enabled: true, insecure: true, handler_prefix: '/ops/' }, shards: { count: 1 } });
  try {
    const base = `http://127.0.0.1:${server.port}/ops`;
    assert.equal((await httpCall(`${base}/admin/init`)).body.authenticated, true);
    assert.equal((await httpCall(`${base}/admin/api`, 'POST', { method: 'info' })).status, 200);
    assert.equal((await httpCall(`${base}/admin/auth`, 'POST', { password: 'x' })).status, 400, 'nothing to log in to');
    assert.equal((await httpCall(`${base}/admin/tail`, 'POST', { channel: 'a' })).body.result.endpoint, '/ops/admin/connection/websocket');
    const redirect = await httpCall(base);
    assert.equal(redirect.status, 308);
    assert.equal(redirect.headers['location'], '/ops/');
    assert.equal((await httpCall(`${base}/`)).status, 200);
    assert.equal((await httpCall(`${base}/static/vendor/centrifuge.mjs`)).status, 200);
    assert.equal((await httpCall(`http://127.0.0.1:${server.port}/admin/init`)).status, 404, 'nothing at the unprefixed path');
  } finally {
    await server.close();
  }
});
