/**
 * End to end with the real centrifuge SDK: clients spread over shards
 * subscribe to one channel and receive 1,000 API publications with no loss,
 * no duplicate, in publish order; broadcast reaches 50 channels.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningServer } from '../src/acceptor/run';
import { callApi } from './helpers/api';
import { subscribedClient, waitFor } from './helpers/clients';
import { startTestServer } from './helpers/server';

const CLIENTS = 12;
const PUBLICATIONS = 1000;

for (const shards of [1, 4]) {
  describe(`fan-out with shards.count=${shards}`, () => {
    let server: RunningServer;
    const clients: Awaited<ReturnType<typeof subscribedClient>>[] = [];

    before(async () => {
      server = await startTestServer({ shards: { count: shards } });
      for (let i = 0; i < CLIENTS; i++) clients.push(await subscribedClient(server.wsUrl, 'news'));
    });

    after(async () => {
      for (const c of clients) c.client.disconnect();
      assert.equal(await server.close(), true);
    });

    test('clients are spread over the shards', async () => {
      const info = await callApi(server.apiUrl, 'info', {});
      const perShard: number[] = info.body.result.nodes[0].shards.map((s: { num_clients: number }) => s.num_clients);
      assert.equal(perShard.length, shards);
      assert.equal(perShard.reduce((a, b) => a + b, 0), CLIENTS);
      if (shards > 1) assert.ok(perShard.filter((n) => n > 0).length >= 2, `clients on one shard only: ${perShard}`);
    });

    test(`${PUBLICATIONS} API publications reach every client in order, once`, async () => {
      for (let n = 0; n < PUBLICATIONS; n++) {
        const answer = await callApi(server.apiUrl, 'publish', { channel: 'news', data: { n } });
        assert.deepEqual(answer.body, { result: {} });
      }
      await waitFor(() => clients.every((c) => c.received.length >= PUBLICATIONS), 'all publications', 20_000);
      const expected = Array.from({ length: PUBLICATIONS }, (_, n) => ({ n }));
      for (const c of clients) assert.deepEqual(c.received, expected);
    });

    test('a batch of publications, pipelined, keeps their order per channel', async () => {
      const a = await subscribedClient(server.wsUrl, 'batch-a');
      const b = await subscribedClient(server.wsUrl, 'batch-b');
      try {
        const commands = Array.from({ length: 200 }, (_, n) => ({ publish: { channel: n % 2 ? 'batch-b' : 'batch-a', data: { n } } }));
        commands.splice(100, 0, { info: {} } as never);
        const answer = await callApi(server.apiUrl, 'batch', { commands });
        assert.equal(answer.body.result.replies.length, 201);
        assert.ok(answer.body.result.replies[100].info);
        await waitFor(() => a.received.length === 100 && b.received.length === 100, 'batch delivery');
        assert.deepEqual(a.received, Array.from({ length: 100 }, (_, i) => ({ n: 2 * i })));
        assert.deepEqual(b.received, Array.from({ length: 100 }, (_, i) => ({ n: 2 * i + 1 })));
      } finally {
        a.client.disconnect();
        b.client.disconnect();
      }
    });

    test('broadcast to 50 channels reaches each channel', async () => {
      const channels = Array.from({ length: 50 }, (_, i) => `chat:room-${i}`);
      const subs = await Promise.all(channels.map((ch) => subscribedClient(server.wsUrl, ch)));
      try {
        const answer = await callApi(server.apiUrl, 'broadcast', { channels, data: { hello: 'rooms' } });
        assert.equal(answer.status, 200);
        assert.equal(answer.body.result.responses.length, 50);
        for (const r of answer.body.result.responses) assert.deepEqual(r, { result: {} });
        await waitFor(() => subs.every((s) => s.received.length === 1), 'broadcast delivery');
        for (const s of subs) assert.deepEqual(s.received, [{ hello: 'rooms' }]);
        const listed = await callApi(server.apiUrl, 'channels', { pattern: 'chat:room-*' });
        assert.equal(Object.keys(listed.body.result.channels).length, 50);
        assert.deepEqual(listed.body.result.channels['chat:room-7'], { num_clients: 1 });
      } finally {
        for (const s of subs) s.client.disconnect();
      }
    });

    test('client publish reaches other subscribers with publisher info', async () => {
      const a = await subscribedClient(server.wsUrl, 'chat:lobby');
      const b = await subscribedClient(server.wsUrl, 'chat:lobby');
      const infos: unknown[] = [];
      b.sub.on('publication', (ctx) => infos.push(ctx.info));
      try {
        await a.sub.publish({ text: 'hi' });
        await waitFor(() => b.received.length === 1 && a.received.length === 1, 'client publication');
        assert.deepEqual(b.received, [{ text: 'hi' }]);
        const info = infos[0] as { user: string; client: string };
        assert.equal(info.user, '');
        assert.match(info.client, /^[0-9a-f-]{36}$/);
      } finally {
        a.client.disconnect();
        b.client.disconnect();
      }
    });
  });
}
