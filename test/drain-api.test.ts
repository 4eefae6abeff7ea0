/**
 * A drain and the server API's HTTP connections (worker/main.ts drain): an
 * idle keep-alive connection does not hold the shard (it is closed once the
 * clients are gone), a request admitted before the drain is still answered
 * (an admin UI request too), and one whose body never completes is cut at
 * the deadline, not waited for without end. Before, an API client's idle keep-alive connection kept the
 * shard thread alive until uWS's 10 s idle timeout, the drain was reported
 * unclean after a shorter `shutdown.timeout`, and the process then exited
 * under an open socket (an abort).
 */
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import type { RunningServer } from '../src/acceptor/run';
import { callApiKeepAlive } from './helpers/api';
import { subscribedClient, waitFor } from './helpers/clients';
import { API_KEY, startTestServer } from './helpers/server';

/**
 * A raw TCP connection to the server's client port that the server has
 * accepted and reads (a first request, GET /health, was answered on it);
 * `received()` is what came after that answer.
 */
async function acceptedConnection(port: number): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (text += chunk));
  socket.on('error', () => undefined); // a reset at the deadline is what one test expects
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  await waitFor(() => /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n\{\}$/.test(text), 'the first answer on the connection');
  text = '';
  return { socket, received: () => text, closed };
}

/** Resolves once the port refuses new connections: the shards closed their listen sockets, the drain has begun. */
async function listenClosed(port: number): Promise<void> {
  for (let i = 0; i < 250; i++) {
    const refused = await new Promise<boolean>((resolve) => {
      const probe = connect(port, '127.0.0.1');
      probe.once('connect', () => {
        probe.destroy();
        resolve(false);
      });
      probe.once('error', () => resolve(true));
    });
    if (refused) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail('the listen socket was never closed');
}

test('an idle keep-alive API connection does not hold the drain: it ends clean and the connection is closed', async () => {
  const server = await startTestServer({ log: { level: 'error' }, shutdown: { timeout: '3s' } });
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  try {
    const client = await subscribedClient(server.wsUrl, 'news');
    // Four concurrent calls open four keep-alive connections, spread over the shards by the kernel.
    const statuses = await Promise.all([0, 1, 2, 3].map((i) => callApiKeepAlive(agent, server.apiUrl, 'publish', { channel: 'news', data: { i } }).then((a) => a.status)));
    assert.deepEqual(statuses, [200, 200, 200, 200]);
    await waitFor(() => client.received.length === 4, 'the four publications');
    const idle = Object.values(agent.freeSockets).flat();
    assert.ok(idle.length > 0, 'keep-alive connections are held open by the client');
    const closedByServer = Promise.all(idle.map((s) => new Promise<void>((resolve) => (s!.destroyed ? resolve() : s!.once('close', () => resolve())))));
    client.client.disconnect();
    assert.equal(await server.close(), true, 'the drain ends clean, within shutdown.timeout');
    await closedByServer;
  } finally {
    agent.destroy();
  }
});

/**
 * Sends a request's head and the first 10 bytes of `body` on an accepted
 * connection, starts the drain, and sends the rest of the body once the
 * listen socket is closed, as a slow upload would. Resolves with what the
 * connection received before the server closed it, and whether the drain
 * ended clean.
 */
async function answeredDuringDrain(server: RunningServer, head: string, body: string): Promise<{ answer: string; clean: boolean }> {
  const conn = await acceptedConnection(server.port);
  conn.socket.write(`${head}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 10)}`);
  await new Promise((r) => setTimeout(r, 100)); // the server reads the head at once and admits the request
  const closing = server.close();
  try {
    await listenClosed(server.port);
    await new Promise((r) => setTimeout(r, 300)); // a slow upload: the drain waits for it
    conn.socket.write(body.slice(10));
    await conn.closed;
    return { answer: conn.received(), clean: await closing };
  } finally {
    conn.socket.destroy();
    await closing;
  }
}

test('a request admitted before the drain is answered; its connection is then closed', async () => {
  const server = await startTestServer({ log: { level: 'error' }, shards: { count: 1 } });
  const { answer, clean } = await answeredDuringDrain(
    server,
    `POST /api/publish HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: ${API_KEY}\r\nContent-Type: application/json\r\n`,
    JSON.stringify({ channel: 'news', data: { late: true } }),
  );
  assert.match(answer, /^HTTP\/1\.1 200 OK\r\n/, answer);
  assert.match(answer, /\r\n\r\n\{"result":\{\}\}$/, answer);
  assert.match(answer, /\r\nConnection: close\r\n/i, answer);
  assert.equal(clean, true, 'the drain ends clean');
});

test('an admin UI request admitted before the drain is answered too', async () => {
  const password = 'q3Vd8Lr0ZpA7mXn2Wb5T';
  const server = await startTestServer({ log: { level: 'error' }, shards: { count: 1 }, admin: { enabled: true, password, secret: 'Zk4w9Rt2Lm8Qx1Vc7Bn3' } });
  const login = await fetch(`http://127.0.0.1:${server.port}/admin/auth`, { method: 'POST', body: JSON.stringify({ password }), headers: { Connection: 'close' } });
  const { token } = (await login.json()) as { token: string };
  const { answer, clean } = await answeredDuringDrain(
    server,
    `POST /admin/api HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: token ${token}\r\n`,
    JSON.stringify({ method: 'publish', params: { channel: 'news', data: { late: true } } }),
  );
  assert.match(answer, /^HTTP\/1\.1 200 OK\r\n/, answer);
  assert.match(answer, /\r\n\r\n\{"result":\{\}\}$/, answer);
  assert.equal(clean, true, 'the drain ends clean');
});

test('a request whose body never completes is cut at the deadline, and the drain still ends clean', async () => {
  const server = await startTestServer({ log: { level: 'error' }, shards: { count: 1 }, shutdown: { timeout: '1500ms' } });
  const conn = await acceptedConnection(server.port);
  conn.socket.write(`POST /api/publish HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: ${API_KEY}\r\nContent-Length: 1000\r\n\r\n{"channel":`);
  await new Promise((r) => setTimeout(r, 100));
  try {
    assert.equal(await server.close(), true, 'the drain ends clean, within shutdown.timeout');
    await conn.closed;
    assert.equal(conn.received(), '', 'nothing was answered: the request never completed');
  } finally {
    conn.socket.destroy();
  }
});
