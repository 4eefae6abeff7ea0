/**
 * Unidirectional transports: every kind of bad input gets Centrifugo's
 * answer (413, 400, 405, 403, 404, a disconnect push, a close frame), and a
 * drain ends every uni connection with the 3001 disconnect push.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import type { RunningServer } from '../src/acceptor/run';
import { callApi } from './helpers/api';
import { startTestServer } from './helpers/server';
import { hmacToken, inSeconds, TOKENS_ONLY, withBadSignature } from './helpers/tokens';
import { baseUrl, uniHttpStream, uniSse, uniWebSocket, waitClientCount } from './helpers/uni';

/** Status, headers and body of one plain HTTP request (the connection closed after it). */
function plainRequest(
  port: number,
  method: string,
  path: string,
  body?: string | Buffer,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${baseUrl(port)}${path}`, { method, agent: false, headers: { Connection: 'close', ...headers } }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (data += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The status a refused WebSocket upgrade got. */
function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => {
      ws.close();
      reject(new Error('upgrade accepted'));
    });
    ws.on('error', () => undefined);
  });
}

describe('unidirectional transports: bad input', () => {
  let server: RunningServer;
  before(async () => {
    server = await startTestServer({
      shards: { count: 4 },
      client: { ...TOKENS_ONLY, allowed_origins: ['https://good.example'] },
      uni_websocket: { enabled: true },
      uni_sse: { enabled: true },
      uni_http_stream: { enabled: true },
    });
  });
  after(() => server.close());

  test('a 10 MB connect body is 413 on uni_http_stream and uni_sse, with or without a declared length', async () => {
    const big = Buffer.alloc(10 * 1024 * 1024, 0x20);
    for (const path of ['/connection/uni_http_stream', '/connection/uni_sse']) {
      const declared = await plainRequest(server.port, 'POST', path, big, { 'Content-Type': 'application/json' });
      assert.equal(declared.status, 413, path);
    }
    // Chunked: no Content-Length, the limit is found while reading.
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = request(`${baseUrl(server.port)}/connection/uni_http_stream`, { method: 'POST', agent: false, headers: { 'Transfer-Encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      for (let i = 0; i < 4; i++) req.write(Buffer.alloc(32 * 1024, 0x20));
      req.end();
    });
    assert.equal(chunked, 413);
  });

  test('a malformed connect request is 400 (HTTP), an upgrade refusal (cf_connect), or close 3501 (first message)', async () => {
    for (const body of ['{not json', '[1,2]', '"token"', '']) {
      assert.equal((await plainRequest(server.port, 'POST', '/connection/uni_http_stream', body)).status, 400, `uni_http_stream ${body}`);
      assert.equal((await plainRequest(server.port, 'POST', '/connection/uni_sse', body)).status, 400, `uni_sse ${body}`);
    }
    assert.equal((await plainRequest(server.port, 'GET', `/connection/uni_sse?cf_connect=${encodeURIComponent('{nope')}`)).status, 400);
    assert.equal(await upgradeStatus(`ws://127.0.0.1:${server.port}/connection/uni_websocket?cf_connect=${encodeURIComponent('[')}`), 400);
    const ws = uniWebSocket(server.port, '{broken');
    await ws.ended;
    assert.equal(ws.closeCode(), 3501);
    assert.equal(ws.closeReason(), 'bad request');
    assert.deepEqual(ws.pushes, []);
  });

  test('uni_sse also takes the connect request as a POST body', async () => {
    const token = await hmacToken({ sub: 'poster' });
    const abort = new AbortController();
    const res = await fetch(`${baseUrl(server.port)}/connection/uni_sse`, { method: 'POST', body: JSON.stringify({ token }), signal: abort.signal });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    let text = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      text += Buffer.from(chunk).toString();
      if (text.includes('\n\n')) break;
    }
    abort.abort();
    assert.match(text, /^\r\ndata: \{"connect":\{"client":"[0-9a-f-]{36}"/);
  });

  test('wrong methods are 405; OPTIONS on uni_http_stream is the CORS preflight', async () => {
    assert.equal((await plainRequest(server.port, 'GET', '/connection/uni_http_stream')).status, 405);
    assert.equal((await plainRequest(server.port, 'PUT', '/connection/uni_sse', '{}')).status, 405);
    const preflight = await plainRequest(server.port, 'OPTIONS', '/connection/uni_http_stream', undefined, {
      Origin: 'https://good.example',
      'Access-Control-Request-Headers': 'content-type',
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers['access-control-allow-origin'], 'https://good.example');
    assert.equal(preflight.headers['access-control-allow-methods'], 'POST, OPTIONS');
    assert.equal(preflight.headers['access-control-allow-headers'], 'content-type');
  });

  test('an origin client.allowed_origins does not list is 403; an allowed one gets CORS headers', async () => {
    const bad = { Origin: 'https://evil.example' };
    assert.equal((await plainRequest(server.port, 'POST', '/connection/uni_http_stream', '{}', bad)).status, 403);
    assert.equal((await plainRequest(server.port, 'GET', '/connection/uni_sse', undefined, bad)).status, 403);
    assert.equal(await upgradeStatus(`ws://127.0.0.1:${server.port}/connection/uni_websocket`, bad), 403);
    const token = await hmacToken({ sub: 'cors' });
    const good = uniHttpStream(server.port, { token }, '/connection/uni_http_stream', { Origin: 'https://good.example' });
    assert.equal(await good.status, 200);
    await good.next((p) => p.connect, 'connect');
    good.close();
    await good.ended;
  });

  test('a failed connect is a disconnect push and the end: invalid token 3500, no token 3501, expired token 3005', async () => {
    const invalid = withBadSignature(await hmacToken({ sub: 'mallory' }));
    for (const open of [uniHttpStream, uniSse, uniWebSocket]) {
      const client = open(server.port, { token: invalid });
      const push = await client.next((p) => p.disconnect, 'disconnect');
      assert.deepEqual(push, { disconnect: { code: 3500, reason: 'invalid token' } });
      await client.ended;
    }
    const ws = uniWebSocket(server.port, { token: invalid });
    await ws.ended;
    assert.equal(ws.closeCode(), 3500);
    // GET without cf_connect is an empty connect request: no token here, and anonymous connections are off.
    const anonymous = await plainRequest(server.port, 'GET', '/connection/uni_sse');
    assert.equal(anonymous.status, 200);
    assert.equal(anonymous.body, '\r\ndata: {"disconnect":{"code":3501,"reason":"bad request"}}\n\n');
    const expired = uniHttpStream(server.port, { token: await hmacToken({ sub: 'late', exp: inSeconds(-60) }) });
    assert.equal((await expired.next((p) => p.disconnect, 'disconnect')).disconnect.code, 3005);
    await expired.ended;
  });

  test('client.connect_code_to_unidirectional_disconnect turns a connect error code into its disconnect', async () => {
    const custom = await startTestServer({
      shards: { count: 1 },
      client: {
        ...TOKENS_ONLY,
        connect_code_to_unidirectional_disconnect: { enabled: true, transforms: [{ code: 109, to: { code: 4109, reason: 'token expired' } }] },
      },
      uni_http_stream: { enabled: true },
    });
    try {
      const client = uniHttpStream(custom.port, { token: await hmacToken({ sub: 'late', exp: inSeconds(-60) }) });
      assert.deepEqual(await client.next((p) => p.disconnect, 'disconnect'), { disconnect: { code: 4109, reason: 'token expired' } });
      await client.ended;
    } finally {
      await custom.close();
    }
  });

  test('a disabled transport is 404', async () => {
    const off = await startTestServer({ shards: { count: 1 } });
    try {
      assert.equal((await plainRequest(off.port, 'POST', '/connection/uni_http_stream', '{}')).status, 404);
      assert.equal((await plainRequest(off.port, 'GET', '/connection/uni_sse')).status, 404);
      assert.equal(await upgradeStatus(`ws://127.0.0.1:${off.port}/connection/uni_websocket`), 404);
    } finally {
      await off.close();
    }
  });

  test('aborted clients are forgotten: the info API counts 0 clients again', async () => {
    const token = await hmacToken({ sub: 'leaver' });
    const clients = [uniHttpStream(server.port, { token }), uniSse(server.port, { token }), uniWebSocket(server.port, { token })];
    for (const c of clients) await c.next((p) => p.connect, 'connect');
    const during = await callApi(server.apiUrl, 'info', {});
    assert.equal(during.body.result.nodes[0].num_clients, 3);
    for (const c of clients) c.close();
    assert.equal(await waitClientCount(server.apiUrl, 0), 0);
  });
});

describe('unidirectional transports: drain', () => {
  test('publications in order (joined uni WebSocket frames too); a drain sends every uni client the 3001 disconnect push and ends its stream', async () => {
    const server = await startTestServer({
      shards: { count: 2 },
      client: TOKENS_ONLY,
      uni_websocket: { enabled: true, join_push_messages: true },
      uni_sse: { enabled: true },
      uni_http_stream: { enabled: true },
    });
    const token = await hmacToken({ sub: 'drained', channels: ['news'] });
    const clients = [uniHttpStream(server.port, { token }), uniSse(server.port, { token }), uniWebSocket(server.port, { token })];
    for (const c of clients) await c.next((p) => p.connect, 'connect');
    // Publications of one batch: on the joined uni WebSocket they may share a frame, newline-separated.
    const batch = await callApi(server.apiUrl, 'batch', { commands: [1, 2, 3].map((n) => ({ publish: { channel: 'news', data: { n } } })) });
    assert.equal(batch.status, 200);
    for (const c of clients) {
      for (const n of [1, 2, 3]) assert.deepEqual((await c.next((p) => p.pub, `pub ${n}`)).pub.data, { n });
    }
    await server.close();
    for (const c of clients) {
      assert.deepEqual(await c.next((p) => p.disconnect, 'disconnect'), { disconnect: { code: 3001, reason: 'shutdown' } });
      await c.ended;
    }
    assert.equal((clients[2] as ReturnType<typeof uniWebSocket>).closeCode(), 3001);
  });
});
