/**
 * The Protobuf client protocol through the real centrifuge SDK's Protobuf
 * build: connect, subscribe, publish (JSON and binary payloads, mixed with
 * JSON subscribers on one channel), presence, join/leave, history, RPC and
 * refresh errors, pings, and protocol selection, on four shards and on one.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningServer } from '../src/acceptor/run';
import { callApi } from './helpers/api';
import { sdkClient, subscribedClient, waitFor } from './helpers/clients';
import { fromJsonBytes, jsonBytes, protobufClient, protobufSubscribedClient, RawProtobufClient } from './helpers/protobuf-clients';
import { startTestServer } from './helpers/server';

const BINARY = new Uint8Array([0, 1, 2, 253, 254, 255]);

function config(shards: number): Record<string, unknown> {
  return {
    shards: { count: shards },
    client: { ping_interval: '1s', pong_timeout: '900ms' },
    channel: {
      namespaces: [
        {
          name: 'room',
          allow_subscribe_for_client: true,
          allow_subscribe_for_anonymous: true,
          allow_publish_for_client: true,
          allow_publish_for_anonymous: true,
          presence: true,
          join_leave: true,
          force_push_join_leave: true,
          allow_presence_for_subscriber: true,
          allow_presence_for_anonymous: true,
          allow_history_for_subscriber: true,
          allow_history_for_anonymous: true,
          allow_history_for_client: true,
          history_size: 100,
          history_ttl: '300s',
        },
      ],
    },
  };
}

/** Resolves with the code of the SDK client's next disconnect (rejects after 10 s). */
function disconnectCode(client: { on(event: 'disconnected', fn: (ctx: { code: number }) => void): unknown }): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no disconnect in time')), 10_000);
    client.on('disconnected', (ctx) => {
      clearTimeout(timer);
      resolve(ctx.code);
    });
  });
}

async function apiPublish(server: RunningServer, params: Record<string, unknown>): Promise<any> {
  const answer = await callApi(server.apiUrl, 'publish', params);
  assert.ok(answer.body.result, JSON.stringify(answer.body));
  return answer.body.result;
}

for (const shards of [4, 1]) {
  describe(`Protobuf protocol, shards.count=${shards}`, () => {
    let server: RunningServer;
    before(async () => {
      server = await startTestServer(config(shards));
    });
    after(() => server.close());

    test('API publish of JSON data arrives as the bytes of that JSON', async () => {
      const pb = await protobufSubscribedClient(server.wsUrl, 'news');
      await apiPublish(server, { channel: 'news', data: { hello: 'world', n: 1 } });
      await waitFor(() => pb.received.length === 1, 'publication', 10_000);
      assert.ok(pb.received[0] instanceof Uint8Array);
      assert.deepEqual(fromJsonBytes(pb.received[0]!), { hello: 'world', n: 1 });
      pb.client.disconnect();
    });

    test('mixed JSON and Protobuf subscribers: JSON bytes reach both, binary closes JSON ones with 3506', async () => {
      const channel = `mixed${shards}`;
      const json = await subscribedClient(server.wsUrl, channel);
      const pb = await protobufSubscribedClient(server.wsUrl, channel);
      const publisher = await protobufSubscribedClient(server.wsUrl, 'other');
      await publisher.client.publish(channel, jsonBytes({ from: 'protobuf' }));
      await waitFor(() => json.received.length === 1 && pb.received.length === 1, 'JSON-bytes publication', 10_000);
      assert.deepEqual(json.received[0], { from: 'protobuf' });
      assert.deepEqual(fromJsonBytes(pb.received[0]!), { from: 'protobuf' });

      const jsonClosed = disconnectCode(json.client);
      await publisher.client.publish(channel, BINARY);
      assert.equal(await jsonClosed, 3506);
      await waitFor(() => pb.received.length === 2, 'binary publication', 10_000);
      assert.deepEqual([...pb.received[1]!], [...BINARY]);

      // The Protobuf subscriber keeps working after the JSON one is gone.
      await apiPublish(server, { channel, data: { after: true } });
      await waitFor(() => pb.received.length === 3, 'publication after', 10_000);
      assert.deepEqual(fromJsonBytes(pb.received[2]!), { after: true });
      for (const c of [json, pb, publisher]) c.client.disconnect();
    });

    test('API b64data: binary bytes reach Protobuf subscribers; JSON subscribers of other channels are untouched', async () => {
      const channel = `b64-${shards}`;
      const pb = await protobufSubscribedClient(server.wsUrl, channel);
      const bystander = await subscribedClient(server.wsUrl, `${channel}-json`);
      await apiPublish(server, { channel, b64data: Buffer.from(BINARY).toString('base64') });
      await waitFor(() => pb.received.length === 1, 'b64 publication', 10_000);
      assert.deepEqual([...pb.received[0]!], [...BINARY]);
      await apiPublish(server, { channel: `${channel}-json`, data: 1 });
      await waitFor(() => bystander.received.length === 1, 'bystander publication', 10_000);
      const bad = await callApi(server.apiUrl, 'publish', { channel, b64data: 'not base64!' });
      assert.equal(bad.body.error.code, 107);
      pb.client.disconnect();
      bystander.client.disconnect();
    });

    test('a channel keeps working for JSON subscribers after its last Protobuf subscriber left, and back', async () => {
      const channel = `switch${shards}`;
      const json = await subscribedClient(server.wsUrl, channel);
      let pb = await protobufSubscribedClient(server.wsUrl, channel);
      await apiPublish(server, { channel, data: 1 });
      await waitFor(() => json.received.length === 1 && pb.received.length === 1, 'first', 10_000);
      pb.client.disconnect();
      await apiPublish(server, { channel, data: 2 });
      await waitFor(() => json.received.length === 2, 'second', 10_000);
      pb = await protobufSubscribedClient(server.wsUrl, channel);
      await apiPublish(server, { channel, data: 3 });
      await waitFor(() => json.received.length === 3 && pb.received.length === 1, 'third', 10_000);
      assert.deepEqual(json.received, [1, 2, 3]);
      assert.deepEqual(fromJsonBytes(pb.received[0]!), 3);
      json.client.disconnect();
      pb.client.disconnect();
    });

    test('presence, presence stats, join/leave and history over Protobuf', async () => {
      const channel = `room:p${shards}`;
      const pb = await protobufSubscribedClient(server.wsUrl, channel);
      const joins: string[] = [];
      const leaves: string[] = [];
      pb.sub.on('join', (ctx) => joins.push(ctx.info.client));
      pb.sub.on('leave', (ctx) => leaves.push(ctx.info.client));
      const other = await protobufSubscribedClient(server.wsUrl, channel);
      // The subscribe reply waits for the owner to hold the presence entry (as in Centrifugo), so a
      // presence query from any shard right after it lists the new client.
      const presence = await pb.sub.presence();
      assert.equal(Object.keys(presence.clients).length, 2);
      await waitFor(() => joins.length >= 1, 'join push', 10_000);
      const stats = await pb.sub.presenceStats();
      assert.equal(stats.numClients, 2);
      other.client.disconnect();
      await waitFor(() => leaves.length === 1, 'leave push', 10_000);
      assert.ok(joins.includes(leaves[0]!), 'the client that left had joined');
      assert.ok(presence.clients[leaves[0]!], 'the client that left was present');

      await pb.client.publish(channel, jsonBytes({ n: 1 }));
      await pb.client.publish(channel, BINARY);
      const history = await pb.sub.history({ limit: 10 });
      assert.equal(history.publications.length, 2);
      assert.deepEqual(fromJsonBytes(history.publications[0]!.data as Uint8Array), { n: 1 });
      assert.deepEqual([...(history.publications[1]!.data as Uint8Array)], [...BINARY]);
      assert.equal(history.publications[1]!.offset, 2);
      assert.ok(history.publications[0]!.info?.client, 'publisher info');

      // The server API answers a binary payload as b64data (a JSON answer cannot hold raw bytes).
      const api = await callApi(server.apiUrl, 'history', { channel, limit: 10 });
      assert.deepEqual(api.body.result.publications[0].data, { n: 1 });
      assert.equal(api.body.result.publications[1].b64data, Buffer.from(BINARY).toString('base64'));

      // A JSON client asking for that history cannot receive the binary publication.
      const json = sdkClient(server.wsUrl);
      const closed = disconnectCode(json);
      json.connect();
      await json.ready(10_000);
      await json.history(channel, { limit: 10 }).catch(() => undefined);
      assert.equal(await closed, 3506);
      pb.client.disconnect();
    });

    test('RPC without any RPC handler is error 108; an empty refresh token is 3501', async () => {
      const client = protobufClient(server.wsUrl);
      client.connect();
      await client.ready(10_000);
      await assert.rejects(client.rpc('anything', jsonBytes({})), (err: { code: number }) => err.code === 108);
      client.disconnect();
      const raw = new RawProtobufClient(server.wsUrl);
      await raw.connect();
      raw.send({ id: 2, refresh: { token: '' } });
      assert.equal(await raw.waitClose(), 3501);
    });

    test('server pings are a single 0x00 frame and the SDK answers them', async () => {
      const raw = new RawProtobufClient(server.wsUrl);
      const connect = await raw.connect();
      assert.equal(connect['ping'], 1);
      assert.equal(connect['pong'], true);
      await waitFor(() => raw.replies.some((r) => Object.keys(r).length === 0), 'ping', 10_000);
      raw.send({});
      const client = protobufClient(server.wsUrl);
      const disconnects: number[] = [];
      client.on('disconnected', (ctx) => disconnects.push(ctx.code));
      client.connect();
      await client.ready(10_000);
      await new Promise((r) => setTimeout(r, 3000));
      assert.equal(client.state, 'connected');
      assert.deepEqual(disconnects, []);
      client.disconnect();
      raw.close();
    });
  });
}

describe('Protobuf protocol selection and bad input', () => {
  let server: RunningServer;
  let jsonBystander: Awaited<ReturnType<typeof subscribedClient>>;
  let pbBystander: Awaited<ReturnType<typeof protobufSubscribedClient>>;

  before(async () => {
    server = await startTestServer({ shards: { count: 4 } });
    jsonBystander = await subscribedClient(server.wsUrl, 'bystander');
    pbBystander = await protobufSubscribedClient(server.wsUrl, 'bystander');
  });

  after(async () => {
    jsonBystander.client.disconnect();
    pbBystander.client.disconnect();
    await server.close();
  });

  /** After each bad client, both bystanders still receive publications. */
  async function bystandersStillWork(): Promise<void> {
    const n = jsonBystander.received.length;
    await apiPublish(server, { channel: 'bystander', data: { n } });
    await waitFor(() => jsonBystander.received.length === n + 1 && pbBystander.received.length === n + 1, 'bystander publications', 10_000);
  }

  test('the subprotocol selects Protobuf and is echoed', async () => {
    const raw = new RawProtobufClient(server.wsUrl);
    assert.equal(await raw.protocolHeader, 'centrifuge-protobuf');
    const connect = await raw.connect();
    assert.match(String(connect['client']), /^[0-9a-f-]{36}$/);
    raw.close();
  });

  test('cf_protocol=protobuf and format=protobuf select Protobuf', async () => {
    for (const query of ['cf_protocol=protobuf', 'format=protobuf']) {
      const raw = new RawProtobufClient(`${server.wsUrl}?${query}`, false);
      const connect = await raw.connect();
      assert.ok(connect['client'], query);
      raw.close();
    }
  });

  test('garbage Protobuf → 3501', async () => {
    const raw = new RawProtobufClient(server.wsUrl);
    await raw.connect();
    raw.sendBytes(new Uint8Array([0x06, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
    assert.equal(await raw.waitClose(), 3501);
    await bystandersStillWork();
  });

  test('a truncated varint length → 3501', async () => {
    const raw = new RawProtobufClient(server.wsUrl);
    await raw.connect();
    raw.sendBytes(new Uint8Array([0x80]));
    assert.equal(await raw.waitClose(), 3501);
    await bystandersStillWork();
  });

  test('a length past the end of the frame → 3501', async () => {
    const raw = new RawProtobufClient(server.wsUrl);
    await raw.opened();
    raw.sendBytes(new Uint8Array([0x10, 0x08, 0x01]));
    assert.equal(await raw.waitClose(), 3501);
    await bystandersStillWork();
  });

  test('a command before connect → 3501', async () => {
    const raw = new RawProtobufClient(server.wsUrl);
    await raw.opened();
    raw.send({ id: 1, subscribe: { channel: 'x' } });
    assert.equal(await raw.waitClose(), 3501);
  });

  test('a JSON connection sending a binary frame still gets 3501', async () => {
    const { RawClient } = await import('./helpers/clients');
    const c = new RawClient(server.wsUrl);
    await c.connect();
    (c as unknown as { ws: { send(b: Uint8Array): void } }).ws.send(new Uint8Array([1, 2, 3]));
    assert.equal(await c.waitClose(), 3501);
    await bystandersStillWork();
  });
});
