/**
 * `websocket.compression`: permessage-deflate negotiated per connection,
 * `compression_min_size`, compressed replies and topic publications, and the
 * SDK working through it both ways.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningServer } from '../src/acceptor/run';
import { callApi } from './helpers/api';
import { sdkClient } from './helpers/clients';
import { nextEvent } from './helpers/events';
import { RawFrameClient } from './helpers/raw-frames';
import { startTestServer } from './helpers/server';

const MIN_SIZE = 64;

/** Connects a raw client and subscribes it to `channel`; returns the connect reply frame and the subscribe reply frame. */
async function connectAndSubscribe(client: RawFrameClient, channel: string) {
  client.sendText('{"id":1,"connect":{}}');
  const connect = await client.nextFrame();
  client.sendText(JSON.stringify({ id: 2, subscribe: { channel } }));
  const subscribe = await client.nextFrame();
  return { connect, subscribe };
}

describe('websocket compression on', () => {
  let server: RunningServer;
  before(async () => {
    server = await startTestServer({ shards: { count: 2 }, websocket: { compression: true, compression_min_size: MIN_SIZE } });
  });
  after(() => server.close());

  test('a client that offers permessage-deflate gets it; messages from compression_min_size bytes go compressed', async () => {
    const client = await RawFrameClient.open(server.wsUrl, true);
    assert.match(client.headers['sec-websocket-extensions'] ?? '', /permessage-deflate/);
    const { connect, subscribe } = await connectAndSubscribe(client, 'squeezed');
    assert.ok(connect.payload.length >= MIN_SIZE);
    assert.equal(connect.compressed, true, 'the connect reply is long enough to be compressed');
    assert.ok(JSON.parse(connect.payload.toString()).connect.client);
    assert.equal(subscribe.compressed, false, 'a short reply is not');
    assert.deepEqual(JSON.parse(subscribe.payload.toString()), { id: 2, subscribe: {} });
    // Publications come through the uWS topic, compressed by uWS per socket.
    await callApi(server.apiUrl, 'publish', { channel: 'squeezed', data: { text: 'x'.repeat(500) } });
    const pub = await client.nextFrame();
    assert.equal(pub.compressed, true);
    assert.equal(JSON.parse(pub.payload.toString()).push.pub.data.text.length, 500);
    await callApi(server.apiUrl, 'publish', { channel: 'squeezed', data: 1 });
    const small = await client.nextFrame();
    assert.equal(small.compressed, false);
    client.close();
  });

  test('a client that does not offer it gets plain frames', async () => {
    const client = await RawFrameClient.open(server.wsUrl, false);
    assert.equal(client.headers['sec-websocket-extensions'], undefined);
    const { connect } = await connectAndSubscribe(client, 'plain-one');
    assert.equal(connect.compressed, false);
    await callApi(server.apiUrl, 'publish', { channel: 'plain-one', data: { text: 'y'.repeat(500) } });
    assert.equal((await client.nextFrame()).compressed, false);
    client.close();
  });

  test('the SDK over ws (which offers deflate and compresses its own large messages) publishes and receives', async () => {
    const client = sdkClient(server.wsUrl);
    const sub = client.newSubscription('sdk-squeezed');
    client.connect();
    sub.subscribe();
    await sub.ready(5000);
    const big = { text: 'z'.repeat(5000) };
    const received = nextEvent(sub, 'publication');
    // ws compresses client messages of 1 KB and more: the server inflates them.
    await sub.publish(big);
    assert.deepEqual((await received).data, big);
    client.disconnect();
  });
});

describe('websocket compression off (the default)', () => {
  test('an offer is declined', async () => {
    const server = await startTestServer({ shards: { count: 1 } });
    try {
      const client = await RawFrameClient.open(server.wsUrl, true);
      assert.equal(client.headers['sec-websocket-extensions'], undefined);
      client.sendText('{"id":1,"connect":{}}');
      assert.equal((await client.nextFrame()).compressed, false);
      client.close();
    } finally {
      await server.close();
    }
  });
});

describe('uni_websocket compression', () => {
  test('bare pushes from compression_min_size bytes go compressed, direct and through the bare-push topic', async () => {
    const server = await startTestServer({ shards: { count: 2 }, uni_websocket: { enabled: true, compression: true, compression_min_size: MIN_SIZE } });
    try {
      const connect = encodeURIComponent(JSON.stringify({ subs: { 'uni-squeezed': {} } }));
      const url = server.wsUrl.replace('/connection/websocket', `/connection/uni_websocket?cf_connect=${connect}`);
      const client = await RawFrameClient.open(url, true);
      assert.match(client.headers['sec-websocket-extensions'] ?? '', /permessage-deflate/);
      const first = await client.nextFrame();
      assert.equal(first.compressed, true, 'the connect push is long enough');
      assert.ok(JSON.parse(first.payload.toString()).connect.client);
      await callApi(server.apiUrl, 'publish', { channel: 'uni-squeezed', data: { text: 'u'.repeat(400) } });
      const pub = await client.nextFrame();
      assert.equal(pub.compressed, true);
      assert.equal(JSON.parse(pub.payload.toString()).pub.data.text.length, 400);
      await callApi(server.apiUrl, 'publish', { channel: 'uni-squeezed', data: 2 });
      assert.equal((await client.nextFrame()).compressed, false, 'a short push is not');
      client.close();
    } finally {
      await server.close();
    }
  });
});
