/**
 * Emulation across processes on one Redis: an SDK client streams from node
 * A while every command it sends goes to `POST /emulation` on node B, which
 * forwards it over node control to A. Needs REDIS_URL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Centrifuge } from 'centrifuge';
import { callApi } from './helpers/api';
import { waitFor } from './helpers/clients';
import { baseUrl, closingFetch, emulatedClient, post, RawStream } from './helpers/emulation';
import { redisEngine, skipWithoutRedis, startNodes, uniquePrefix, type ChildNode } from './helpers/redis';

async function nodeUids(node: ChildNode): Promise<string[]> {
  const info = await callApi(node.apiUrl, 'info', {});
  return (info.body.result.nodes as { uid: string }[]).map((n) => n.uid);
}

describe('emulation requests reach a session on another process', { skip: skipWithoutRedis }, () => {
  const nodes: ChildNode[] = [];
  const clients: Centrifuge[] = [];

  before(async () => {
    const shared = { engine: redisEngine(uniquePrefix('emulation')), http_stream: { enabled: true }, sse: { enabled: true } };
    await startNodes([{ ...shared, shards: { count: 2 } }, { ...shared, shards: { count: 3 } }], nodes);
    // Each node must have heard the other's announcement (every 3 s).
    for (const n of nodes) {
      const deadline = Date.now() + 15_000;
      while ((await nodeUids(n)).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      assert.equal((await nodeUids(n)).length, 2);
    }
  });

  after(async () => {
    for (const c of clients) c.disconnect();
    await Promise.all(nodes.map((n) => n.stop()));
  });

  for (const transport of ['http_stream', 'sse'] as const) {
    test(`SDK over ${transport} on A with its emulation endpoint on B: subscribe, publish, receive`, async () => {
      const [a, b] = [nodes[0]!, nodes[1]!];
      const client = emulatedClient(a.port, transport, { emulationEndpoint: `${baseUrl(b.port)}/emulation` });
      clients.push(client);
      const received: unknown[] = [];
      const channel = `cross-${transport}`;
      const sub = client.newSubscription(channel);
      sub.on('publication', (ctx) => received.push(ctx.data));
      client.connect();
      sub.subscribe();
      await sub.ready(15_000);
      const sent = [];
      for (let n = 0; n < 5; n++) {
        await sub.publish({ n });
        sent.push({ n });
      }
      await callApi(b.apiUrl, 'publish', { channel, data: { api: true } });
      sent.push({ api: true });
      await waitFor(() => received.length >= sent.length, 'publications', 15_000);
      assert.deepEqual(received, sent);
    });
  }

  test('SDK (Protobuf build) over http_stream on A with its emulation endpoint on B', async () => {
    const { Centrifuge: ProtobufCentrifuge } = await import('centrifuge/build/protobuf');
    const [a, b] = [nodes[0]!, nodes[1]!];
    const client = new ProtobufCentrifuge([{ transport: 'http_stream', endpoint: `${baseUrl(a.port)}/connection/http_stream` }], {
      emulationEndpoint: `${baseUrl(b.port)}/emulation`,
      fetch: closingFetch,
      readableStream: ReadableStream,
    });
    clients.push(client as unknown as Centrifuge);
    const received: number[][] = [];
    const sub = client.newSubscription('cross-protobuf');
    sub.on('publication', (ctx) => received.push([...(ctx.data as Uint8Array)]));
    client.connect();
    sub.subscribe();
    await sub.ready(15_000);
    await sub.publish(new Uint8Array([0, 200, 7]));
    await waitFor(() => received.length === 1, 'publication', 15_000);
    assert.deepEqual(received, [[0, 200, 7]]);
  });

  test('raw: commands posted to B run on A in order; unknown node 404, unknown session 204', async () => {
    const [a, b] = [nodes[0]!, nodes[1]!];
    const stream = new RawStream(`${baseUrl(a.port)}/connection/http_stream`, { method: 'POST', body: JSON.stringify({ id: 1, connect: {} }) });
    const connect = JSON.parse((await stream.waitFor(/^(\{"id":1,.*\})\n/))[1]!).connect;
    const [aUid] = await nodeUids(a);
    assert.equal(connect.node, aUid);
    for (let id = 2; id < 12; id++) {
      const res = await post(`${baseUrl(b.port)}/emulation`, JSON.stringify({ node: connect.node, session: connect.session, data: JSON.stringify({ id, history: { channel: 'h' } }) }));
      assert.equal(res.status, 204);
    }
    await stream.waitFor(new RegExp(Array.from({ length: 10 }, (_, i) => `"id":${i + 2},`).join('[^]*')));
    const unknownNode = await post(`${baseUrl(b.port)}/emulation`, JSON.stringify({ node: 'gone', session: connect.session, data: '{}' }));
    assert.deepEqual({ status: unknownNode.status, body: JSON.parse(unknownNode.text) }, { status: 404, body: { error: 'node not found' } });
    const unknownSession = await post(`${baseUrl(b.port)}/emulation`, JSON.stringify({ node: connect.node, session: '1.00000000-0000-4000-8000-000000000000', data: '{"id":1,"rpc":{}}' }));
    assert.deepEqual({ status: unknownSession.status, text: unknownSession.text }, { status: 204, text: '' });
    stream.abort();
    await stream.finished();
  });
});
