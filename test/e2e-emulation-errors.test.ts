/**
 * Bad input and edge cases of HTTP-streaming, SSE and `POST /emulation`:
 * exact statuses and JSON bodies, body limits (10 MB → 413), CORS, disabled
 * transports, commands routed across shards in order, client aborts and
 * slow clients cleaned up, drain ending the streams; and an SDK client that
 * stays undisturbed through all of it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Centrifuge, Subscription } from 'centrifuge';
import type { RunningServer } from '../src/acceptor/run';
import { decodeReplies } from '../src/protocol/protobuf/codec';
import { callApi } from './helpers/api';
import { waitFor } from './helpers/clients';
import { baseUrl, closingFetch, emulatedClient, post, RawStream } from './helpers/emulation';
import { startTestServer } from './helpers/server';

const GOOD_ORIGIN = 'https://good.example';
const TEN_MB = new Uint8Array(10 * 1024 * 1024).fill(0x20);

function connectCommand(id = 1): string {
  return JSON.stringify({ id, connect: {} });
}

/** Opens a raw HTTP-streaming session; resolves with its session, node, and the stream. */
async function rawHttpStream(port: number): Promise<{ stream: RawStream; session: string; node: string }> {
  const stream = new RawStream(`${baseUrl(port)}/connection/http_stream`, { method: 'POST', body: connectCommand() });
  const match = await stream.waitFor(/^(\{"id":1,"connect":.*\})\n/);
  const result = JSON.parse(match[1]!).connect;
  return { stream, session: result.session, node: result.node };
}

/** Opens a raw SSE session (GET with cf_connect). */
async function rawSse(port: number): Promise<{ stream: RawStream; session: string; node: string }> {
  const stream = new RawStream(`${baseUrl(port)}/connection/sse?cf_connect=${encodeURIComponent(connectCommand())}`);
  const match = await stream.waitFor(/^\r\ndata: (\{"id":1,"connect":.*\})\n\n/);
  const result = JSON.parse(match[1]!).connect;
  return { stream, session: result.session, node: result.node };
}

async function numClients(apiUrl: string): Promise<number> {
  const info = await callApi(apiUrl, 'info', {});
  return info.body.result.nodes[0].num_clients as number;
}

function emulate(port: number, node: string, session: string, commands: object[]): Promise<{ status: number; text: string }> {
  return post(`${baseUrl(port)}/emulation`, JSON.stringify({ node, session, data: commands.map((c) => JSON.stringify(c)).join('\n') }));
}

describe('emulated transports: bad input and edge cases (shards.count=4)', () => {
  let server: RunningServer;
  let base = '';
  let node = '';
  let bystander: { client: Centrifuge; sub: Subscription; received: unknown[]; session: string };

  before(async () => {
    server = await startTestServer({
      shards: { count: 4 },
      client: { allowed_origins: [GOOD_ORIGIN], queue_max_size: 65_536 },
      http_stream: { enabled: true },
      sse: { enabled: true },
    });
    base = baseUrl(server.port);
    const info = await callApi(server.apiUrl, 'info', {});
    node = info.body.result.nodes[0].uid;
    const client = emulatedClient(server.port, 'http_stream');
    const received: unknown[] = [];
    const sub = client.newSubscription('bystander');
    sub.on('publication', (ctx) => received.push(ctx.data));
    client.connect();
    sub.subscribe();
    await sub.ready(15_000);
    bystander = { client, sub, received, session: (client as unknown as { _session: string })._session };
  });

  after(async () => {
    // The bystander was undisturbed by everything above: same session, still receiving.
    assert.equal((bystander.client as unknown as { _session: string })._session, bystander.session);
    await callApi(server.apiUrl, 'publish', { channel: 'bystander', data: { last: true } });
    await waitFor(() => bystander.received.length === 1, 'bystander publication', 15_000);
    assert.deepEqual(bystander.received, [{ last: true }]);
    bystander.client.disconnect();
    await waitFor(() => bystander.client.state === 'disconnected', 'bystander disconnected');
    assert.equal(await server.close(), true);
  });

  test('emulation for an unknown session is 204 (as Centrifugo: ignored), for an unknown node 404', async () => {
    for (const session of ['3.00000000-0000-4000-8000-000000000000', '9.00000000-0000-4000-8000-000000000000', 'not-a-session']) {
      const res = await emulate(server.port, node, session, [{ id: 1, presence: { channel: 'x' } }]);
      assert.deepEqual({ status: res.status, text: res.text }, { status: 204, text: '' });
    }
    const res = await emulate(server.port, 'no-such-node', '0.00000000-0000-4000-8000-000000000000', [{ id: 1, rpc: {} }]);
    assert.deepEqual({ status: res.status, text: res.text }, { status: 404, text: JSON.stringify({ error: 'node not found' }) });
  });

  test('malformed emulation bodies are 400 with a JSON error', async () => {
    const cases: [string, string][] = [
      ['not json', 'bad request: body is not valid JSON'],
      ['[1,2]', 'bad request: body must be a JSON object'],
      [JSON.stringify({ node, session: 'x' }), 'bad request: "data" must be a string'],
      [JSON.stringify({ node, session: 'x', data: { id: 1 } }), 'bad request: "data" must be a string'],
      [JSON.stringify({ session: 'x', data: '' }), 'bad request: "node" must be a string'],
    ];
    for (const [body, message] of cases) {
      const res = await post(`${base}/emulation`, body);
      assert.deepEqual({ status: res.status, body: JSON.parse(res.text) }, { status: 400, body: { error: message } }, body);
    }
    const proto = await post(`${base}/emulation`, new Uint8Array([1, 2, 3]), { 'content-type': 'application/octet-stream' });
    assert.deepEqual({ status: proto.status, body: JSON.parse(proto.text) }, { status: 400, body: { error: 'bad request: body is not a Protobuf EmulationRequest' } });
  });

  test('a 10 MB body is 413 on http_stream, sse and emulation', async () => {
    for (const path of ['/connection/http_stream', '/connection/sse', '/emulation']) {
      const res = await post(`${base}${path}`, TEN_MB);
      assert.deepEqual(
        { path, status: res.status, body: JSON.parse(res.text) },
        { path, status: 413, body: { error: 'request body is larger than 65536 bytes' } },
      );
    }
  });

  test('wrong methods are 405, missing connect commands 400', async () => {
    const methods: [string, string, string][] = [
      ['/connection/http_stream', 'GET', 'use POST'],
      ['/connection/sse', 'PUT', 'use GET or POST'],
      ['/emulation', 'GET', 'use POST'],
    ];
    for (const [path, method, message] of methods) {
      const res = await closingFetch(`${base}${path}`, { method });
      assert.deepEqual({ status: res.status, body: await res.json() }, { status: 405, body: { error: message } });
    }
    const noParam = await closingFetch(`${base}/connection/sse`);
    assert.deepEqual({ status: noParam.status, body: await noParam.json() }, { status: 400, body: { error: 'no connect command: cf_connect is missing or empty' } });
    const empty = await post(`${base}/connection/http_stream`, '');
    assert.deepEqual({ status: empty.status, body: JSON.parse(empty.text) }, { status: 400, body: { error: 'no connect command: the body is empty' } });
  });

  test('Protobuf http_stream: a malformed connect frame gets the 3501 disconnect push, delimited', async () => {
    const res = await closingFetch(`${base}/connection/http_stream`, { method: 'POST', body: new Uint8Array([5, 1]), headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(res.status, 200);
    const replies = decodeReplies(new Uint8Array(await res.arrayBuffer()));
    assert.deepEqual(replies, [{ push: { disconnect: { code: 3501, reason: 'bad request' } } }]);
    const empty = await post(`${base}/connection/http_stream`, new Uint8Array(0), { 'content-type': 'application/octet-stream' });
    assert.deepEqual({ status: empty.status, body: JSON.parse(empty.text) }, { status: 400, body: { error: 'no connect command: the body is empty' } });
  });

  test('CORS: preflight 204, allow-origin on streams, 403 for a disallowed origin', async () => {
    for (const path of ['/connection/http_stream', '/connection/sse', '/emulation']) {
      const pre = await closingFetch(`${base}${path}`, { method: 'OPTIONS', headers: { origin: GOOD_ORIGIN, 'access-control-request-headers': 'content-type' } });
      assert.equal(pre.status, 204, path);
      assert.equal(pre.headers.get('access-control-allow-methods'), 'POST, OPTIONS');
      assert.equal(pre.headers.get('access-control-max-age'), '300');
      assert.equal(pre.headers.get('access-control-allow-origin'), GOOD_ORIGIN);
      const bad = await post(`${base}${path}`, connectCommand(), { origin: 'https://evil.example' });
      assert.deepEqual({ path, status: bad.status, body: JSON.parse(bad.text) }, { path, status: 403, body: { error: 'request origin not allowed' } });
    }
    const stream = new RawStream(`${base}/connection/http_stream`, { method: 'POST', body: connectCommand(), headers: { origin: GOOD_ORIGIN } });
    await stream.waitFor(/"connect":/);
    assert.equal(stream.headers.get('access-control-allow-origin'), GOOD_ORIGIN);
    assert.equal(stream.headers.get('access-control-allow-credentials'), 'true');
    assert.equal(stream.headers.get('x-accel-buffering'), 'no');
    stream.abort();
    await stream.finished();
  });

  test('commands posted to any shard reach sessions on every shard, in order', async () => {
    const sessions: Awaited<ReturnType<typeof rawSse>>[] = [];
    for (let i = 0; i < 8; i++) sessions.push(await (i % 2 ? rawSse(server.port) : rawHttpStream(server.port)));
    const shards = new Set(sessions.map((s) => s.session.split('.')[0]));
    assert.ok(shards.size >= 2, `sessions on one shard only: ${[...shards]}`);
    for (const s of sessions) assert.equal(s.node, node);
    for (let round = 0; round < 5; round++) {
      for (const s of sessions) {
        const res = await emulate(server.port, s.node, s.session, [
          // Both answered at once (no history here), so replies keep command order within a request too.
          { id: 10 * round + 2, history: { channel: 'nohistory' } },
          { id: 10 * round + 3, history: { channel: 'nohistory' } },
        ]);
        assert.equal(res.status, 204);
      }
    }
    for (const s of sessions) {
      const ids = [];
      for (let round = 0; round < 5; round++) ids.push(10 * round + 2, 10 * round + 3);
      const pattern = new RegExp(ids.map((id) => `"id":${id},`).join('[^]*'));
      await s.stream.waitFor(pattern);
      s.stream.abort();
    }
    await waitFor(() => sessions.every((s) => s.stream.ended), 'streams aborted');
  });

  test('bad commands through emulation disconnect that session with 3501 and end its stream', async () => {
    const s = await rawHttpStream(server.port);
    const res = await post(`${base}/emulation`, JSON.stringify({ node: s.node, session: s.session, data: 'garbage' }));
    assert.equal(res.status, 204);
    await s.stream.finished();
    assert.match(s.stream.text, /\n\{"push":\{"disconnect":\{"code":3501,"reason":"bad request"\}\}\}\n$/);
  });

  test('client aborts close the sessions: the connection count returns to its level', async () => {
    const before = await numClients(server.apiUrl);
    const opened = [await rawHttpStream(server.port), await rawSse(server.port), await rawHttpStream(server.port), await rawSse(server.port)];
    assert.equal(await numClients(server.apiUrl), before + opened.length);
    for (const s of opened) s.stream.abort();
    const deadline = Date.now() + 15_000;
    while ((await numClients(server.apiUrl)) !== before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(await numClients(server.apiUrl), before);
  });
});

describe('emulated transports: disabled, drain, slow client', () => {
  test('disabled transports and emulation answer 404', async () => {
    const server = await startTestServer({ shards: { count: 1 }, sse: { enabled: true } });
    try {
      const base = baseUrl(server.port);
      const stream = await post(`${base}/connection/http_stream`, connectCommand());
      assert.deepEqual({ status: stream.status, body: JSON.parse(stream.text) }, { status: 404, body: { error: 'not found' } });
      const sse = await rawSse(server.port);
      sse.stream.abort();
      await sse.stream.finished();
    } finally {
      assert.equal(await server.close(), true);
    }
    const plain = await startTestServer({ shards: { count: 1 } });
    try {
      const base = baseUrl(plain.port);
      for (const path of ['/connection/sse', '/emulation']) {
        const res = await post(`${base}${path}`, connectCommand());
        assert.deepEqual({ path, status: res.status, body: JSON.parse(res.text) }, { path, status: 404, body: { error: 'not found' } });
      }
    } finally {
      assert.equal(await plain.close(), true);
    }
  });

  test('a draining server ends every stream with the shutdown disconnect push', async () => {
    const server = await startTestServer({ shards: { count: 2 }, http_stream: { enabled: true }, sse: { enabled: true } });
    const opened = [await rawHttpStream(server.port), await rawSse(server.port), await rawHttpStream(server.port), await rawSse(server.port)];
    assert.equal(await server.close(), true);
    for (const s of opened) {
      await s.stream.finished();
      assert.match(s.stream.text, /\{"push":\{"disconnect":\{"code":3001,"reason":"shutdown"\}\}\}(\n|\n\n)$/);
    }
  });

  test('a crashed shard cuts its streams off; the process and the other streams live on', async () => {
    const server = await startTestServer({ shards: { count: 3 }, http_stream: { enabled: true }, sse: { enabled: true } });
    try {
      const opened: Awaited<ReturnType<typeof rawSse>>[] = [];
      for (let i = 0; i < 40 && new Set(opened.map((s) => s.session.split('.')[0])).size < 3; i++) {
        opened.push(await (i % 2 ? rawSse(server.port) : rawHttpStream(server.port)));
      }
      const onShard1 = opened.filter((s) => s.session.startsWith('1.'));
      const others = opened.filter((s) => !s.session.startsWith('1.'));
      assert.ok(onShard1.length > 0 && others.length > 0, 'sessions on shard 1 and elsewhere');
      server.supervisor.crash(1, 'test crash');
      await waitFor(() => server.supervisor.restarts()[1] === 1, 'shard 1 restart', 15_000);
      await server.supervisor.waitReady(1);
      for (const s of onShard1) await s.stream.finished();
      assert.ok(others.every((s) => !s.stream.ended), 'streams on other shards stay open');
      // The survivors still take commands through /emulation.
      for (const s of others) {
        const res = await emulate(server.port, s.node, s.session, [{ id: 7, history: { channel: 'none' } }]);
        assert.equal(res.status, 204);
        await s.stream.waitFor(/"id":7,/);
        s.stream.abort();
      }
    } finally {
      assert.equal(await server.close(), true);
    }
  });

  test('a client that does not read is disconnected as slow (3008) and cleaned up', async () => {
    const server = await startTestServer({ shards: { count: 2 }, client: { queue_max_size: 65_536 }, http_stream: { enabled: true } });
    try {
      const { request } = await import('node:http');
      let got = 0;
      const req = request(`${baseUrl(server.port)}/connection/http_stream`, { method: 'POST', agent: false }, (res) => {
        // Read the first chunk, then stop reading: the server's writes back up.
        res.once('data', (d: Buffer) => {
          got += d.length;
          res.pause();
        });
      });
      req.on('error', () => undefined);
      req.end(JSON.stringify({ id: 1, connect: {} }) + '\n' + JSON.stringify({ id: 2, subscribe: { channel: 'flood' } }));
      await waitFor(() => got > 0, 'connect reply');
      const payload = 'x'.repeat(32 * 1024);
      let sent = 0;
      while ((await numClients(server.apiUrl)) > 0 && sent < 2000) {
        await callApi(server.apiUrl, 'publish', { channel: 'flood', data: { payload, n: sent++ } });
      }
      assert.equal(await numClients(server.apiUrl), 0, `still connected after ${sent} publications`);
      req.destroy();
    } finally {
      assert.equal(await server.close(), true);
    }
  });
});
