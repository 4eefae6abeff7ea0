/**
 * `http_server.internal_port`: the server API, /metrics and /health move
 * off the client port (which then answers them 404) and clients keep
 * connecting on the client port. Also its config errors.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findFreePort } from '../src/acceptor/port';
import { validateConfig } from '../src/config/validate';
import { callApi } from './helpers/api';
import { subscribedClient, waitFor } from './helpers/clients';
import { configErrors } from './helpers/config';
import { startTestServer, testConfigInput } from './helpers/server';

test('API, /metrics and /health are served on the internal port only; clients stay on the client port', async () => {
  const internal = await findFreePort('127.0.0.1');
  const server = await startTestServer({ http_server: { internal_port: internal }, prometheus: { enabled: true } });
  let sdk: { disconnect(): void } | null = null;
  try {
    assert.equal(server.internalPort, internal);
    assert.equal(server.apiUrl, `http://127.0.0.1:${internal}/api`);
    const client = `http://127.0.0.1:${server.port}`;
    const subscribed = await subscribedClient(server.wsUrl, 'news');
    sdk = subscribed.client;
    const received = subscribed.received;
    const published = await callApi(server.apiUrl, 'publish', { channel: 'news', data: { via: 'internal' } });
    assert.deepEqual(published.body, { result: {} });
    await waitFor(() => received.length === 1, 'publication');
    assert.equal((await fetch(`http://127.0.0.1:${internal}/health`)).status, 200);
    assert.equal((await fetch(`http://127.0.0.1:${internal}/metrics`)).status, 200);
    for (const path of ['/health', '/metrics']) assert.equal((await fetch(`${client}${path}`)).status, 404, path);
    assert.equal((await callApi(`${client}/api`, 'publish', { channel: 'news', data: {} })).status, 404);
    assert.equal((await fetch(`http://127.0.0.1:${internal}/connection/websocket`)).status, 404, 'no client transports on the internal port');
  } finally {
    sdk?.disconnect();
    await server.close();
  }
});

test('an internal port equal to the client port is a config error', () => {
  const errors = configErrors(() => validateConfig(testConfigInput({ http_server: { port: 9100, internal_port: 9100 } })));
  assert.deepEqual(errors, ['http_server.internal_port (9100) must differ from http_server.port; 0 means no internal port']);
  const range = configErrors(() => validateConfig(testConfigInput({ http_server: { internal_port: 70000 } })));
  assert.deepEqual(range, ['http_server.internal_port must be an integer between 0 and 65535, got 70000']);
});

test('an internal port in use is reported at start, naming the key', async () => {
  const internal = await findFreePort('127.0.0.1');
  const blocker = (await import('node:net')).createServer().listen(internal, '127.0.0.1');
  await new Promise((r) => blocker.once('listening', r));
  try {
    await assert.rejects(startTestServer({ http_server: { internal_port: internal } }), new RegExp(`http_server.internal_port ${internal} is already in use`));
  } finally {
    blocker.close();
  }
});

test('with an internal port the admin web UI is served there only; the client port refuses it, saying where it is', async () => {
  const internal = await findFreePort('127.0.0.1');
  const server = await startTestServer({
    http_server: { internal_port: internal },
    admin: { enabled: true, password: 'q3Vd8Lr0ZpA7mXn2Wb5T', secret: 'Zk4w9Rt2Lm8Qx1Vc7Bn3' },
  });
  try {
    const internalInit = await fetch(`http://127.0.0.1:${internal}/admin/init`);
    assert.equal(internalInit.status, 200);
    assert.equal(((await internalInit.json()) as { authenticated: boolean }).authenticated, false);
    const login = await fetch(`http://127.0.0.1:${internal}/admin/auth`, { method: 'POST', body: JSON.stringify({ password: 'q3Vd8Lr0ZpA7mXn2Wb5T' }) });
    assert.equal(login.status, 200);
    for (const path of ['/admin/init', '/admin/auth', '/admin/api']) {
      const refused = await fetch(`http://127.0.0.1:${server.port}${path}`, { method: path === '/admin/init' ? 'GET' : 'POST', body: path === '/admin/init' ? null : '{}' });
      assert.equal(refused.status, 404, path);
      const body = (await refused.json()) as { error: { message: string } };
      assert.match(body.error.message, /internal port \(http_server\.internal_port\)/, path);
    }
  } finally {
    await server.close();
  }
});
