/**
 * Unidirectional transports under faults: a crash of shard 0 cuts its gRPC
 * streams and the restarted shard serves gRPC again on the same port; a
 * uni HTTP-stream client that stops reading is disconnected as slow (3008)
 * and forgotten.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { test } from 'node:test';
import { callApi } from './helpers/api';
import { waitFor } from './helpers/clients';
import { startTestServer } from './helpers/server';
import { hmacToken, TOKENS_ONLY } from './helpers/tokens';
import { baseUrl, uniGrpc, waitClientCount } from './helpers/uni';

test('a crash of shard 0 cuts its gRPC streams; the restarted shard 0 serves gRPC on the same port', async () => {
  const server = await startTestServer({ shards: { count: 2 }, client: TOKENS_ONLY, uni_grpc: { enabled: true, address: '127.0.0.1', port: 0 } });
  try {
    const token = await hmacToken({ sub: 'crashy' });
    const before = uniGrpc(server.grpcPort, { token });
    await before.next((p) => p.connect, 'connect');
    server.supervisor.crash(0, 'test crash');
    await before.ended;
    await waitFor(() => server.supervisor.restarts()[0] === 1, 'shard 0 restart', 15_000);
    await server.supervisor.waitReady(0, 15_000);
    const after = uniGrpc(server.grpcPort, { token });
    const connect = await after.next((p) => p.connect, 'connect after the restart');
    assert.equal(typeof connect.connect.client, 'string');
    after.close();
    await after.ended;
  } finally {
    assert.equal(await server.close(), true);
  }
});

test('a uni HTTP-stream client that stops reading is disconnected as slow (3008) and forgotten', async () => {
  const server = await startTestServer({
    shards: { count: 2 },
    client: { ...TOKENS_ONLY, queue_max_size: 65_536 },
    uni_http_stream: { enabled: true },
  });
  try {
    const token = await hmacToken({ sub: 'sleepy', channels: ['flood'] });
    let text = '';
    let ended = false;
    let response: import('node:http').IncomingMessage | null = null;
    const req = request(`${baseUrl(server.port)}/connection/uni_http_stream`, { method: 'POST', agent: false }, (res) => {
      response = res;
      // Read the connect push, then stop reading: the server's writes back up.
      let paused = false;
      res.on('data', (d: Buffer) => {
        text += d.toString();
        if (!paused && text.includes('"connect"')) {
          paused = true;
          res.pause();
        }
      });
      res.on('end', () => (ended = true));
    });
    req.on('error', () => undefined);
    req.end(JSON.stringify({ token }));
    await waitFor(() => text.includes('"connect"'), 'connect push', 10_000);
    const data = { blob: 'x'.repeat(16 * 1024) };
    const deadline = Date.now() + 30_000;
    let clients = 1;
    while (clients > 0 && Date.now() < deadline) {
      await callApi(server.apiUrl, 'batch', { commands: Array.from({ length: 64 }, () => ({ publish: { channel: 'flood', data } })) });
      clients = (await callApi(server.apiUrl, 'info', {})).body.result.nodes[0].num_clients;
    }
    assert.equal(await waitClientCount(server.apiUrl, 0), 0);
    // Reading again, the client finds what was buffered, then the disconnect push and the end of the stream.
    (response as unknown as import('node:http').IncomingMessage).resume();
    await waitFor(() => ended, 'the response to end', 20_000);
    assert.ok(text.endsWith('{"disconnect":{"code":3008,"reason":"slow"}}\n'), text.slice(-120));
  } finally {
    assert.equal(await server.close(), true);
  }
});
