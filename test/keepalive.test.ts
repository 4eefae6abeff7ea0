/** Server pings, pong deadlines and slow consumers. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningServer } from '../src/acceptor/run';
import { callApi } from './helpers/api';
import { RawClient, sdkClient, subscribedClient, waitFor } from './helpers/clients';
import { startTestServer } from './helpers/server';
import { clientIdleTimeoutSeconds } from '../src/transports/websocket';

describe('ping and pong', () => {
  let server: RunningServer;
  before(async () => {
    server = await startTestServer({ shards: { count: 2 }, client: { ping_interval: '1s', pong_timeout: '500ms' } });
  });
  after(() => server.close());

  test('connect result announces the ping interval and pong', async () => {
    const c = new RawClient(server.wsUrl);
    const reply = await c.connect();
    assert.equal(reply.id, 1);
    assert.equal(reply.connect.ping, 1);
    assert.equal(reply.connect.pong, true);
    c.close();
  });

  test('a client that answers pings stays; one that does not is closed with 3012', async () => {
    const silent = new RawClient(server.wsUrl);
    await silent.connect();
    const polite = new RawClient(server.wsUrl);
    await polite.connect();
    // The polite client answers each ping `{}` with an empty command.
    const answer = async () => {
      for (;;) {
        const frame = await polite.nextFrame(4000).catch(() => null);
        if (frame === null) return;
        if (frame === '{}') polite.send('{}');
      }
    };
    void answer();
    assert.equal(await silent.waitClose(4000), 3012);
    assert.equal(silent.frames[1], '{}', 'the server pinged before giving up');
    assert.ok(polite.isOpen, 'the polite client is still connected');
    polite.close();
  });

  test('the SDK answers pings and stays connected', async () => {
    const client = sdkClient(server.wsUrl);
    let disconnected = 0;
    client.on('disconnected', () => disconnected++);
    client.connect();
    await client.ready(3000);
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(disconnected, 0);
    assert.equal(client.state, 'connected');
    client.disconnect();
  });
});

describe('slow consumers', () => {
  let server: RunningServer;
  before(async () => {
    server = await startTestServer({ shards: { count: 2 }, client: { queue_max_size: 65536 } });
  });
  after(() => server.close());

  /** A raw client subscribed to `channel` that has stopped reading its socket. */
  async function stalledReader(channel: string): Promise<RawClient> {
    const slow = new RawClient(server.wsUrl);
    await slow.connect();
    slow.send(JSON.stringify({ id: 2, subscribe: { channel } }));
    assert.deepEqual(JSON.parse(await slow.nextFrame()), { id: 2, subscribe: {} });
    slow.pause();
    return slow;
  }

  test('a reader that stops reading is closed with 3008; the others get everything', async () => {
    const fast = await subscribedClient(server.wsUrl, 'firehose');
    const slow = await stalledReader('firehose');
    const payload = 'x'.repeat(16 * 1024);
    const total = 400;
    for (let i = 0; i < total; i++) {
      const a = await callApi(server.apiUrl, 'publish', { channel: 'firehose', data: { i, payload } });
      assert.deepEqual(a.body, { result: {} });
    }
    await waitFor(() => fast.received.length === total, 'fast subscriber gets everything', 15_000);
    assert.deepEqual(
      fast.received.map((d) => (d as { i: number }).i),
      Array.from({ length: total }, (_, i) => i),
    );
    // The slow socket was cut off; it sees the 3008 close after what was buffered.
    slow.resume();
    assert.equal(await slow.waitClose(10_000), 3008);
    fast.client.disconnect();
  });

  test('a reader cut while it stalls still sees 3008 when it reads again 6 s later', async () => {
    const slow = await stalledReader('stall');
    const payload = 'x'.repeat(32 * 1024);
    // Far more than the kernel's socket buffers take, so the server's queue passes 64 KiB and it ends the socket.
    for (let i = 0; i < 400; i++) assert.deepEqual((await callApi(server.apiUrl, 'publish', { channel: 'stall', data: { i, payload } })).body, { result: {} });
    // uWS cut such a socket without its close frame 0–4 s after ending it (1006); the idle timeout gives it 12–16 s.
    await new Promise((r) => setTimeout(r, 6_000));
    slow.resume();
    assert.equal(await slow.waitClose(10_000), 3008);
  });
});

describe('uWS idle timeout of the client WebSocket', () => {
  const client = { ping_interval: 25_000, pong_timeout: 8_000, stale_close_delay: 10_000 };

  test('is uWS\'s longest (960 s) with the default pings', () => {
    assert.equal(clientIdleTimeoutSeconds(client), 960);
  });

  test('is 0 (no idle timer) when pings or the stale delay leave a client quiet for longer', () => {
    assert.equal(clientIdleTimeoutSeconds({ ...client, ping_interval: 900_000 }), 0);
    assert.equal(clientIdleTimeoutSeconds({ ...client, stale_close_delay: 1_000_000 }), 0);
    assert.equal(clientIdleTimeoutSeconds({ ...client, ping_interval: 880_000, pong_timeout: 16_000 }), 960);
    assert.equal(clientIdleTimeoutSeconds({ ...client, ping_interval: 880_000, pong_timeout: 16_001 }), 0);
  });
});
