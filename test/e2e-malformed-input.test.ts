/**
 * Issue 17, item 3: exact answers to malformed input, as Centrifugo gives
 * them. Mistyped fields, an `id` that is not a uint32, a channel command
 * without a channel, empty frames and blank lines close with 3501; JSON
 * nested deeper than 512 levels gets 107 in reply to its command (and 400 on
 * the API, before parsing); channel names that are not well-formed UTF-16 or
 * UTF-8 get 107; oversized and invalid-UTF-8 WebSocket messages cut the
 * socket (uWS closes the TCP connection: the client sees 1006). A bystander
 * keeps receiving throughout.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import type { RunningServer } from '../src/acceptor/run';
import { joinDelimited } from '../src/protocol/framing';
import { callApi } from './helpers/api';
import { RawClient, subscribedClient, waitFor } from './helpers/clients';
import { RawProtobufClient } from './helpers/protobuf-clients';
import { API_KEY, startTestServer } from './helpers/server';

/** POSTs raw bytes with the API key. */
function postBytes(url: string, bytes: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent: false, headers: { 'X-API-Key': API_KEY } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(bytes);
  });
}

/** `depth` nested arrays, as JSON text. */
const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

describe('malformed client input', () => {
  let server: RunningServer;
  let bystander: Awaited<ReturnType<typeof subscribedClient>>;

  before(async () => {
    server = await startTestServer({ websocket: { message_size_limit: 4096 } });
    bystander = await subscribedClient(server.wsUrl, 'bystander');
  });

  after(async () => {
    bystander.client.disconnect();
    await server.close();
  });

  async function bystanderStillWorks(): Promise<void> {
    const count = bystander.received.length;
    await callApi(server.apiUrl, 'publish', { channel: 'bystander', data: { n: count } });
    await waitFor(() => bystander.received.length === count + 1, 'bystander publication');
  }

  /** Connects a raw client, sends `frame`, and returns the close code. */
  async function closeCodeAfter(frame: string): Promise<number> {
    const c = new RawClient(server.wsUrl);
    await c.connect();
    c.send(frame);
    return c.waitClose();
  }

  test('a field of the wrong type closes with 3501 (numeric channel, string id, recover "yes")', async () => {
    assert.equal(await closeCodeAfter('{"id":2,"subscribe":{"channel":5}}'), 3501);
    assert.equal(await closeCodeAfter('{"id":"2","ping":{}}'), 3501);
    assert.equal(await closeCodeAfter('{"id":2,"subscribe":{"channel":"a","recover":"yes"}}'), 3501);
    assert.equal(await closeCodeAfter('{"id":2,"subscribe":"a"}'), 3501);
    await bystanderStillWorks();
  });

  test('an id that is not a uint32 closes with 3501 (1e300, -1, 2^32, 1.5)', async () => {
    for (const id of ['1e300', '-1', String(2 ** 32), '1.5']) {
      assert.equal(await closeCodeAfter(`{"id":${id},"ping":{}}`), 3501, `id ${id}`);
    }
    await bystanderStillWorks();
  });

  test('a channel command without a channel closes with 3501', async () => {
    for (const method of ['subscribe', 'unsubscribe', 'publish', 'presence', 'presence_stats', 'history', 'sub_refresh']) {
      assert.equal(await closeCodeAfter(JSON.stringify({ id: 2, [method]: { channel: '', data: {} } })), 3501, method);
    }
    assert.equal(await closeCodeAfter('{"id":2,"subscribe":{}}'), 3501, 'no channel at all');
  });

  test('an empty frame, a blank frame and a blank line between commands close with 3501; a trailing newline does not', async () => {
    assert.equal(await closeCodeAfter(''), 3501);
    assert.equal(await closeCodeAfter(' \n '), 3501);
    assert.equal(await closeCodeAfter('{"id":2,"ping":{}}\n\n{"id":3,"ping":{}}'), 3501);
    const c = new RawClient(server.wsUrl);
    await c.connect();
    c.send('{"id":2,"ping":{}}\n');
    assert.deepEqual(JSON.parse(await c.nextFrame()), { id: 2, ping: {} });
    c.close();
  });

  test('data nested past 512 levels is answered 107 with its id; the connection stays', async () => {
    const c = new RawClient(server.wsUrl);
    await c.connect();
    const started = Date.now();
    c.send(`{"id":2,"publish":{"channel":"bystander","data":${nested(1500)}}}`);
    assert.deepEqual(JSON.parse(await c.nextFrame()), { id: 2, error: { code: 107, message: 'bad request: JSON nested deeper than 512 levels' } });
    assert.ok(Date.now() - started < 1000);
    // The id may come after the request; 512 levels are still fine.
    c.send(`{"rpc":{"method":"m","data":${nested(600)}},"id":3}`);
    assert.equal(JSON.parse(await c.nextFrame()).error.code, 107);
    c.send(`{"id":4,"publish":{"channel":"elsewhere","data":${nested(500)}}}`);
    assert.deepEqual(JSON.parse(await c.nextFrame()), { id: 4, publish: {} });
    assert.ok(c.isOpen);
    c.close();
    await bystanderStillWorks();
  });

  test('a too-deep command without a usable id, or a too-deep connect, is refused', async () => {
    assert.equal(await closeCodeAfter(`{"publish":{"channel":"x","data":${nested(1500)}}}`), 3501);
    const c = new RawClient(server.wsUrl);
    await c.opened();
    c.send(`{"id":1,"connect":{"data":${nested(1500)}}}`);
    assert.equal(JSON.parse(await c.nextFrame()).error.code, 107);
    c.send('{"id":2,"ping":{}}');
    assert.equal(await c.waitClose(), 3501, 'a failed connect leaves the connection unusable');
  });

  test('a channel with a lone surrogate is 107; a well-formed one with U+FFFD is a channel like any', async () => {
    const c = new RawClient(server.wsUrl);
    await c.connect();
    c.send('{"id":2,"subscribe":{"channel":"sur\\ud800"}}');
    assert.equal(JSON.parse(await c.nextFrame()).error.code, 107);
    c.close();
    const lone = await callApi(server.apiUrl, 'publish', '{"channel":"chat:sur\\ud800","data":{}}');
    assert.equal(lone.body.error.code, 107);
    const replaced = await callApi(server.apiUrl, 'publish', { channel: 'chat:sur\ufffd', data: {} });
    assert.deepEqual(replaced.body, { result: {} });
  });

  test('Protobuf: a channel that is not UTF-8 is 107; an empty frame closes with 3501', async () => {
    const c = new RawProtobufClient(server.wsUrl);
    await c.connect();
    // Command{id: 2, subscribe: {channel: "ab\xff"}}, by hand: the encoder would not write invalid UTF-8.
    c.sendBytes(joinDelimited([Uint8Array.from([0x08, 0x02, 0x2a, 0x05, 0x0a, 0x03, 0x61, 0x62, 0xff])]));
    assert.equal(((await c.reply(2))['error'] as { code: number }).code, 107);
    c.sendBytes(new Uint8Array(0));
    assert.equal(await c.waitClose(), 3501);
  });

  test('a message over websocket.message_size_limit, or text that is not UTF-8, cuts the socket (1006)', async () => {
    for (const payload of [Buffer.from('x'.repeat(5000)), Buffer.from([0x7b, 0xff, 0x7d])]) {
      const ws = new WebSocket(server.wsUrl, { skipUTF8Validation: true });
      await new Promise((resolve) => ws.once('open', resolve));
      ws.send(payload, { binary: false });
      const code = await new Promise<number>((resolve) => ws.once('close', resolve));
      assert.equal(code, 1006);
    }
    await bystanderStillWorks();
  });
});

describe('malformed server API bodies', () => {
  let server: RunningServer;

  before(async () => {
    server = await startTestServer({ shards: { count: 1 } });
  });

  after(() => server.close());

  test('a 10 MB nested body is refused with 400/107 at once, and the shard keeps answering', async () => {
    const started = Date.now();
    const answer = await callApi(server.apiUrl, 'publish', `{"channel":"a","data":${'['.repeat(10_000_000)}`);
    assert.equal(answer.status, 400);
    assert.deepEqual(answer.body, { error: { code: 107, message: 'bad request: JSON nested deeper than 512 levels' } });
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
    assert.deepEqual((await callApi(server.apiUrl, 'publish', { channel: 'a', data: JSON.parse(nested(511)) })).body, { result: {} }, '512 levels with the body itself');
  });

  test('a body that is not UTF-8 is 400/107', async () => {
    const answer = await postBytes(`${server.apiUrl}/publish`, Buffer.from('{"channel":"a","data":"\xff"}', 'latin1'));
    assert.equal(answer.status, 400);
    assert.deepEqual(JSON.parse(answer.text), { error: { code: 107, message: 'bad request: body is not valid UTF-8' } });
  });
});
