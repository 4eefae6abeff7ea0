/**
 * Bad client input gets Centrifugo's disconnect codes, and other connections
 * keep working.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningServer } from '../src/acceptor/run';
import { callApi } from './helpers/api';
import { RawClient, subscribedClient, waitFor } from './helpers/clients';
import { startTestServer } from './helpers/server';

describe('client protocol bad input', () => {
  let server: RunningServer;
  let bystander: Awaited<ReturnType<typeof subscribedClient>>;

  before(async () => {
    server = await startTestServer({ client: { stale_close_delay: '300ms', channel_limit: 2 } });
    bystander = await subscribedClient(server.wsUrl, 'bystander');
  });

  after(async () => {
    bystander.client.disconnect();
    await server.close();
  });

  /** After each bad client, the bystander still receives publications. */
  async function bystanderStillWorks(): Promise<void> {
    const before = bystander.received.length;
    await callApi(server.apiUrl, 'publish', { channel: 'bystander', data: { ok: before } });
    await waitFor(() => bystander.received.length === before + 1, 'bystander publication');
  }

  test('malformed JSON frame → 3501', async () => {
    const c = new RawClient(server.wsUrl);
    await c.connect();
    c.send('{"id":2,"subscribe":');
    assert.equal(await c.waitClose(), 3501);
    await bystanderStillWorks();
  });

  test('a frame that is not a JSON object → 3501', async () => {
    const c = new RawClient(server.wsUrl);
    await c.opened();
    c.send('[1,2,3]');
    assert.equal(await c.waitClose(), 3501);
  });

  test('command before connect → 3501', async () => {
    const c = new RawClient(server.wsUrl);
    await c.opened();
    c.send(JSON.stringify({ id: 1, subscribe: { channel: 'x' } }));
    assert.equal(await c.waitClose(), 3501);
    await bystanderStillWorks();
  });

  test('id 0 → 3501', async () => {
    const c = new RawClient(server.wsUrl);
    await c.connect();
    c.send(JSON.stringify({ id: 0, subscribe: { channel: 'x' } }));
    assert.equal(await c.waitClose(), 3501);
    await bystanderStillWorks();
  });

  test('a second connect → 3501', async () => {
    const c = new RawClient(server.wsUrl);
    await c.connect();
    c.send(JSON.stringify({ id: 2, connect: {} }));
    assert.equal(await c.waitClose(), 3501);
  });

  test('an unknown command → 3501', async () => {
    const c = new RawClient(server.wsUrl);
    await c.connect();
    c.send(JSON.stringify({ id: 2, teleport: {} }));
    assert.equal(await c.waitClose(), 3501);
  });

  test('a pong without a ping → 3501', async () => {
    const c = new RawClient(server.wsUrl);
    await c.connect();
    c.send('{}');
    assert.equal(await c.waitClose(), 3501);
  });

  test('a binary frame on a JSON connection → 3501', async () => {
    const c = new RawClient(server.wsUrl);
    await c.connect();
    (c as unknown as { ws: { send(b: Buffer): void } }).ws.send(Buffer.from([1, 2, 3]));
    assert.equal(await c.waitClose(), 3501);
  });

  test('a token it cannot verify → 3500', async () => {
    const c = new RawClient(server.wsUrl);
    await c.opened();
    c.send(JSON.stringify({ id: 1, connect: { token: 'abc.def.ghi' } }));
    assert.equal(await c.waitClose(), 3500);
  });

  test('no connect within client.stale_close_delay → 3502', async () => {
    const c = new RawClient(server.wsUrl);
    await c.opened();
    assert.equal(await c.waitClose(), 3502);
  });

  test('send without a message handler → 3508', async () => {
    const c = new RawClient(server.wsUrl);
    await c.connect();
    c.send(JSON.stringify({ send: { data: {} } }));
    assert.equal(await c.waitClose(), 3508);
  });

  test('reply errors keep the connection: 102, 103, 105, 106, 107, 104, 108', async () => {
    const c = new RawClient(server.wsUrl);
    await c.connect();
    const ask = async (cmd: Record<string, unknown>) => {
      c.send(JSON.stringify(cmd));
      return JSON.parse(await c.nextFrame());
    };
    assert.deepEqual((await ask({ id: 2, subscribe: { channel: 'nope:x' } })).error, { code: 102, message: 'unknown channel' });
    assert.deepEqual((await ask({ id: 3, subscribe: { channel: 'locked:x' } })).error, { code: 103, message: 'permission denied' });
    assert.deepEqual((await ask({ id: 4, subscribe: { channel: '$private' } })).error, { code: 103, message: 'permission denied' });
    assert.deepEqual(await ask({ id: 5, subscribe: { channel: 'a' } }), { id: 5, subscribe: {} });
    assert.equal((await ask({ id: 6, subscribe: { channel: 'a' } })).error.code, 105);
    assert.deepEqual(await ask({ id: 7, subscribe: { channel: 'b' } }), { id: 7, subscribe: {} });
    assert.equal((await ask({ id: 8, subscribe: { channel: 'c' } })).error.code, 106);
    assert.equal((await ask({ id: 10, subscribe: { channel: 'x'.repeat(256) } })).error.code, 107);
    assert.equal((await ask({ id: 11, publish: { channel: 'locked:x', data: {} } })).error.code, 103);
    assert.equal((await ask({ id: 12, publish: { channel: 'chat:x', data: {} } })).error.code, 103, 'publish for subscribers only');
    assert.equal((await ask({ id: 13, rpc: { method: 'm', data: {} } })).error.code, 108, 'no RPC handler at all: not available, as in Centrifugo');
    assert.equal((await ask({ id: 14, presence: { channel: 'a' } })).error.code, 108);
    assert.equal((await ask({ id: 15, history: { channel: 'a' } })).error.code, 108);
    assert.deepEqual(await ask({ id: 16, unsubscribe: { channel: 'a' } }), { id: 16, unsubscribe: {} });
    assert.deepEqual(await ask({ id: 17, ping: {} }), { id: 17, ping: {} });
    assert.ok(c.isOpen);
    c.close();
  });

  test('several replies to one frame come back in one frame, newline-joined', async () => {
    const c = new RawClient(server.wsUrl);
    await c.connect();
    c.send([{ id: 2, ping: {} }, { id: 3, ping: {} }, { id: 4, subscribe: { channel: 'nope:x' } }].map((x) => JSON.stringify(x)).join('\n'));
    const frame = await c.nextFrame();
    assert.deepEqual(
      frame.split('\n').map((l) => JSON.parse(l)),
      [{ id: 2, ping: {} }, { id: 3, ping: {} }, { id: 4, error: { code: 102, message: 'unknown channel' } }],
    );
    c.close();
  });
});

describe('connect without credentials', () => {
  test('is refused with 3501 when anonymous connections are off', async () => {
    const server = await startTestServer({ shards: { count: 1 }, client: { allow_anonymous_connect_without_token: false } });
    try {
      const c = new RawClient(server.wsUrl);
      await c.opened();
      c.send(JSON.stringify({ id: 1, connect: {} }));
      assert.equal(await c.waitClose(), 3501);
    } finally {
      await server.close();
    }
  });
});
