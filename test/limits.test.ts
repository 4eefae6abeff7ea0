/**
 * Issue 17, item 5: Centrifugo's connection limits, per process over all
 * shards (`client.connection_limit`, `client.connection_rate_limit`: HTTP
 * 503; `client.user_connection_limit`: 3504), and the per-connection command
 * and error rate limits (`client.rate_limit`: 111 too many requests, 3509
 * too many errors), plus units of the token bucket and the shared counters.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningServer } from '../src/acceptor/run';
import { ProcessCounters } from '../src/common/process-counters';
import { TokenBuckets } from '../src/common/token-bucket';
import { openOrStatus, RawClient } from './helpers/clients';
import { startTestServer } from './helpers/server';
import { hmacToken, HMAC_SECRET } from './helpers/tokens';


/** Sends one command and returns its reply (or the close code, as `{closed}`). */
async function ask(c: RawClient, cmd: Record<string, unknown>): Promise<any> {
  c.send(JSON.stringify(cmd));
  try {
    return JSON.parse(await c.nextFrame());
  } catch {
    return { closed: await c.waitClose() };
  }
}

describe('units', () => {
  test('a token bucket lets `rate` through at once, then one per interval/rate', () => {
    const b = new TokenBuckets([{ interval: 1000, rate: 3 }], 0);
    assert.deepEqual([b.take(0), b.take(0), b.take(0), b.take(0)], [true, true, true, false]);
    assert.equal(b.take(300), false, 'less than a token came back');
    assert.equal(b.take(334), true);
    const two = new TokenBuckets([{ interval: 1000, rate: 5 }, { interval: 60_000, rate: 2 }], 0);
    assert.deepEqual([two.take(0), two.take(0), two.take(0)], [true, true, false], 'the stricter bucket decides');
    assert.equal(two.charge(0), false, 'charge goes ahead but reports the empty bucket');
  });

  test('the per-second connection window counts across second boundaries, never above the limit', () => {
    const counters = new ProcessCounters(ProcessCounters.create(2), 2);
    const admitted = (ms: number) => Array.from({ length: 5 }, () => counters.admitRate(3, ms)).filter(Boolean).length;
    assert.equal(admitted(10_000), 3);
    assert.equal(admitted(10_999), 0);
    assert.equal(admitted(11_000), 3, 'a new second');
    assert.equal(admitted(11_000 + 2048 * 1000), 3, 'a much later second is new');
    counters.setShardConnections(0, 4);
    counters.setShardConnections(1, 3);
    assert.equal(counters.totalConnections(), 7);
  });
});

describe('connection limits', () => {
  let server: RunningServer;
  const clients: RawClient[] = [];

  before(async () => {
    server = await startTestServer({
      client: { connection_limit: 3, user_connection_limit: 2, token: { hmac_secret_key: HMAC_SECRET } },
      http_stream: { enabled: true },
    });
  });

  after(async () => {
    for (const c of clients) c.close();
    await server.close();
  });

  test('client.connection_limit: the process (both shards) refuses the next connection with 503, and takes one again after a close', async () => {
    for (let i = 0; i < 3; i++) {
      const c = await openOrStatus(server.wsUrl);
      assert.ok(c instanceof RawClient, `connection ${i} opened`);
      clients.push(c);
    }
    assert.equal(await openOrStatus(server.wsUrl), 503);
    const stream = await fetch(server.wsUrl.replace('ws:', 'http:').replace('/connection/websocket', '/connection/http_stream'), {
      method: 'POST',
      body: JSON.stringify({ id: 1, connect: {} }),
    });
    assert.equal(stream.status, 503, 'HTTP-streaming counts too');
    assert.deepEqual(await stream.json(), { error: 'connection limit reached' });
    clients.pop()!.close();
    const deadline = Date.now() + 5000;
    let again = await openOrStatus(server.wsUrl);
    while (!(again instanceof RawClient) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      again = await openOrStatus(server.wsUrl);
    }
    assert.ok(again instanceof RawClient, 'a slot freed by a close is taken again');
    clients.push(again);
    for (const c of clients.splice(0)) c.close();
  });

  test('client.user_connection_limit: a third connection of one user is closed with 3504; other users are not limited', async () => {
    const alice = await hmacToken({ sub: 'alice' });
    const connectAs = async (token: string): Promise<RawClient | number> => {
      // Earlier tests' sockets may still be closing: retry the upgrade a little.
      let c = await openOrStatus(server.wsUrl);
      for (let i = 0; typeof c === 'number' && i < 50; i++) {
        await new Promise((r) => setTimeout(r, 50));
        c = await openOrStatus(server.wsUrl);
      }
      assert.ok(c instanceof RawClient);
      const reply = await ask(c, { id: 1, connect: { token } });
      return reply.connect ? c : reply.closed;
    };
    const first = await connectAs(alice);
    const second = await connectAs(alice);
    assert.ok(first instanceof RawClient && second instanceof RawClient);
    assert.equal(await connectAs(alice), 3504);
    first.close();
    second.close();
  });
});

describe('connection rate limit', () => {
  let server: RunningServer;

  before(async () => {
    server = await startTestServer({ client: { connection_rate_limit: 4 } });
  });

  after(() => server.close());

  test('client.connection_rate_limit: at most that many new connections per second, then 503', async () => {
    // Start early in a second, so the burst likely stays within one window.
    while (Date.now() % 1000 > 200) await new Promise((r) => setTimeout(r, 10));
    const started = Date.now();
    const outcomes = await Promise.all(Array.from({ length: 12 }, () => openOrStatus(server.wsUrl)));
    // Each whole second the burst touched admits 4 (a slow machine may spread it over more than one).
    const seconds = Math.floor(Date.now() / 1000) - Math.floor(started / 1000) + 1;
    const opened = outcomes.filter((o): o is RawClient => o instanceof RawClient);
    const refused = outcomes.filter((o) => o === 503).length;
    for (const c of opened) c.close();
    assert.ok(opened.length >= 4 && opened.length <= 4 * seconds, `opened ${opened.length} in ${seconds} s`);
    assert.equal(opened.length + refused, 12);
    if (seconds < 3) assert.ok(refused > 0);
  });
});

describe('command rate limits', () => {
  let server: RunningServer;

  before(async () => {
    const buckets = (rate: number, interval = '60s') => ({ enabled: true, buckets: [{ interval, rate }] });
    server = await startTestServer({
      shards: { count: 1 },
      client: {
        rate_limit: {
          client_command: { enabled: true, publish: buckets(2), unsubscribe: buckets(1), total: buckets(8) },
          client_error: { enabled: true, total: buckets(4) },
        },
      },
    });
  });

  after(() => server.close());

  test('a command over its bucket is answered 111 (temporary); unsubscribe is counted, never refused; total caps all', async () => {
    const c = new RawClient(server.wsUrl);
    await c.connect();
    assert.deepEqual(await ask(c, { id: 2, publish: { channel: 'a', data: {} } }), { id: 2, publish: {} });
    assert.deepEqual(await ask(c, { id: 3, publish: { channel: 'a', data: {} } }), { id: 3, publish: {} });
    assert.deepEqual(await ask(c, { id: 4, publish: { channel: 'a', data: {} } }), { id: 4, error: { code: 111, message: 'too many requests', temporary: true } });
    for (const id of [5, 6, 7]) assert.deepEqual(await ask(c, { id, unsubscribe: { channel: 'a' } }), { id, unsubscribe: {} });
    // total 8: two publishes and three unsubscribes took five; three pings fit, the fourth does not.
    for (const id of [8, 9, 10]) assert.deepEqual(await ask(c, { id, ping: {} }), { id, ping: {} });
    assert.equal((await ask(c, { id: 11, ping: {} })).error.code, 111);
    c.close();
  });

  test('client_error: a connection that keeps getting errors is disconnected with 3509', async () => {
    const c = new RawClient(server.wsUrl);
    await c.connect();
    for (let id = 2; id <= 5; id++) assert.equal((await ask(c, { id, subscribe: { channel: 'nowhere:x' } })).error.code, 102);
    assert.deepEqual(await ask(c, { id: 6, subscribe: { channel: 'nowhere:x' } }), { closed: 3509 });
  });
});
