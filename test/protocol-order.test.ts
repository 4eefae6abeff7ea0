/**
 * Commands of one connection run in order and are answered in order
 * (Centrifugo's default), `client.concurrency` lets waiting commands
 * overlap, the backlog has a bound, and `connect_include_server_time`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningServer } from '../src/acceptor/run';
import { MAX_BACKLOG } from '../src/shards/commands/dispatcher';
import { startBackend, type Backend } from './helpers/backend';
import { RawClient } from './helpers/clients';
import { startTestServer } from './helpers/server';

/** Reads frames until `count` replies (frames with an id) arrived; returns them in arrival order. */
async function replies(client: RawClient, count: number): Promise<any[]> {
  const out: any[] = [];
  while (out.length < count) {
    for (const line of (await client.nextFrame()).split('\n')) {
      const frame = JSON.parse(line);
      if (frame.id) out.push(frame);
    }
  }
  return out;
}

/** Sends the commands as one frame, newline-joined. */
function sendFrame(client: RawClient, commands: readonly Record<string, unknown>[]): void {
  client.send(commands.map((c) => JSON.stringify(c)).join('\n'));
}

const RPC_DELAY_MS = 300;

async function withBackendServer(backend: Backend, overrides: Record<string, unknown>): Promise<RunningServer> {
  return startTestServer({
    shards: { count: 2 },
    rpc: { proxy: { endpoint: `${backend.url}/rpc`, timeout: '2s' }, without_namespace: { proxy_enabled: true } },
    channel: { namespaces: [{ name: 'hist', history_size: 10, history_ttl: '60s', allow_publish_for_client: true, allow_publish_for_anonymous: true, allow_subscribe_for_client: true, allow_subscribe_for_anonymous: true, allow_history_for_client: true, allow_history_for_anonymous: true }] },
    ...overrides,
  });
}

describe('command order per connection', () => {
  let backend: Backend;
  let sequential: RunningServer;
  let concurrent: RunningServer;
  before(async () => {
    backend = await startBackend({ '/rpc': () => ({ delayMs: RPC_DELAY_MS, body: { result: { data: { slow: true } } } }) });
    sequential = await withBackendServer(backend, {});
    concurrent = await withBackendServer(backend, { client: { concurrency: 4 } });
  });
  after(async () => {
    await Promise.all([sequential.close(), concurrent.close()]);
    await backend.close();
  });

  test('subscribe then unsubscribe of one channel in one frame: both succeed, answered in order (was error 100)', async () => {
    const c = new RawClient(sequential.wsUrl);
    await c.connect();
    for (let round = 0; round < 5; round++) {
      const base = 10 * round + 2;
      sendFrame(c, [
        { id: base, subscribe: { channel: `flip-${round}` } },
        { id: base + 1, unsubscribe: { channel: `flip-${round}` } },
        { id: base + 2, subscribe: { channel: `flip-${round}` } },
      ]);
      assert.deepEqual(await replies(c, 3), [
        { id: base, subscribe: {} },
        { id: base + 1, unsubscribe: {} },
        { id: base + 2, subscribe: {} },
      ]);
    }
    c.close();
  });

  test('replies come in command order although the first commands wait (owner round trips, a slow RPC)', async () => {
    const c = new RawClient(sequential.wsUrl);
    await c.connect();
    const commands = [
      { id: 2, subscribe: { channel: 'hist:ordered' } },
      { id: 3, rpc: { method: 'slow', data: {} } },
      { id: 4, publish: { channel: 'hist:ordered', data: { n: 1 } } },
      { id: 5, history: { channel: 'hist:ordered', limit: 10 } },
      { id: 6, ping: {} },
      { id: 7, unsubscribe: { channel: 'hist:ordered' } },
    ];
    sendFrame(c, commands);
    const got = await replies(c, commands.length);
    assert.deepEqual(got.map((r) => r.id), [2, 3, 4, 5, 6, 7]);
    assert.deepEqual(got[1].rpc, { data: { slow: true } });
    // The publish ran before the history read that followed it.
    assert.equal(got[3].history.publications.length, 1, JSON.stringify(got));
    c.close();
  });

  test('with client.concurrency 4 a ping after a slow RPC is answered first', async () => {
    const c = new RawClient(concurrent.wsUrl);
    await c.connect();
    sendFrame(c, [
      { id: 2, rpc: { method: 'slow', data: {} } },
      { id: 3, ping: {} },
    ]);
    const got = await replies(c, 2);
    assert.deepEqual(got.map((r) => r.id), [3, 2]);
    c.close();
  });

  test('without concurrency the same ping waits for the RPC', async () => {
    const c = new RawClient(sequential.wsUrl);
    await c.connect();
    const started = Date.now();
    sendFrame(c, [
      { id: 2, rpc: { method: 'slow', data: {} } },
      { id: 3, ping: {} },
    ]);
    const got = await replies(c, 2);
    assert.deepEqual(got.map((r) => r.id), [2, 3]);
    assert.ok(Date.now() - started >= RPC_DELAY_MS - 20);
    c.close();
  });

  test(`more than ${MAX_BACKLOG} commands waiting: disconnect 3013`, async () => {
    const server = await startTestServer({ shards: { count: 1 }, websocket: { message_size_limit: 1024 * 1024 } });
    try {
      const c = new RawClient(server.wsUrl);
      await c.connect();
      sendFrame(c, Array.from({ length: MAX_BACKLOG + 1 }, (_, i) => ({ id: i + 2, ping: {} })));
      assert.equal(await c.waitClose(), 3013);
    } finally {
      await server.close();
    }
  });
});

describe('client.connect_include_server_time', () => {
  test('the connect result carries the server time (ms) when on, nothing when off', async () => {
    const on = await startTestServer({ shards: { count: 1 }, client: { connect_include_server_time: true } });
    const off = await startTestServer({ shards: { count: 1 } });
    try {
      const a = new RawClient(on.wsUrl);
      const before = Date.now();
      const reply = await a.connect();
      assert.equal(typeof reply.connect.time, 'number');
      assert.ok(reply.connect.time >= before && reply.connect.time <= Date.now(), `time ${reply.connect.time}`);
      const b = new RawClient(off.wsUrl);
      assert.equal((await b.connect()).connect.time, undefined);
      a.close();
      b.close();
    } finally {
      await Promise.all([on.close(), off.close()]);
    }
  });
});
