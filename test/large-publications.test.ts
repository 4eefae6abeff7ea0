/**
 * Issue 17, item 2: one publication size limit (`channel.publication_size_limit`),
 * enforced once and answered clearly. Publications of 1, 4 and 15 MB through
 * /api/publish reach SDK subscribers on every one of 4 shards byte-exact,
 * with the memory and the Redis engine (the mailbox cuts them into fragments
 * between shards); a client publish of a large payload works; above the
 * limit the API answers 413 and the client error 107, no shard restarts and
 * other clients are undisturbed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Centrifuge } from 'centrifuge';
import type { RunningServer } from '../src/acceptor/run';
import { callApi } from './helpers/api';
import { sdkClient, waitFor } from './helpers/clients';
import { redisEngine, skipWithoutRedis, uniquePrefix } from './helpers/redis';
import { startTestServer } from './helpers/server';

const SHARDS = 4;
const MB = 1024 * 1024;
/** The limit these servers run with: above the 15 MB publication, below the API body limit it implies. */
const LIMIT = 16 * MB;
const CHANNEL = 'big';

/** A JSON string of `bytes` characters whose content depends on `seed`, so a mixed-up delivery shows. */
function payload(bytes: number, seed: number): string {
  const unit = `${seed}:abcdefghijklmnopqrstuvwxyz0123456789-`;
  return unit.repeat(Math.ceil(bytes / unit.length)).slice(0, bytes);
}

interface Subscriber {
  client: Centrifuge;
  received: string[];
  shard: number;
}

async function clientsPerShard(apiUrl: string): Promise<number[]> {
  const info = await callApi(apiUrl, 'info', {});
  return info.body.result.nodes[0].shards.map((s: { num_clients: number }) => s.num_clients);
}

/** Connects SDK clients until each shard holds one subscriber of CHANNEL; extra clients are disconnected. */
async function subscriberOnEveryShard(server: RunningServer): Promise<Subscriber[]> {
  const found: (Subscriber | undefined)[] = new Array(SHARDS).fill(undefined);
  for (let attempt = 0; attempt < 200 && found.some((s) => s === undefined); attempt++) {
    const before = await clientsPerShard(server.apiUrl);
    const client = sdkClient(server.wsUrl);
    const received: string[] = [];
    const sub = client.newSubscription(CHANNEL);
    sub.on('publication', (ctx) => received.push(ctx.data as string));
    client.connect();
    sub.subscribe();
    await sub.ready(5000);
    const now = await clientsPerShard(server.apiUrl);
    const shard = now.findIndex((n, i) => n > before[i]!);
    if (shard >= 0 && found[shard] === undefined) found[shard] = { client, received, shard };
    else client.disconnect();
  }
  assert.ok(found.every((s) => s !== undefined), 'a subscriber on every shard');
  return found as Subscriber[];
}

for (const engine of ['memory', 'redis'] as const) {
  describe(`large publications, ${SHARDS} shards, ${engine} engine`, { skip: engine === 'redis' ? skipWithoutRedis : false }, () => {
    let server: RunningServer;
    let subscribers: Subscriber[] = [];

    before(async () => {
      server = await startTestServer({
        shards: { count: SHARDS },
        channel: { publication_size_limit: LIMIT },
        websocket: { message_size_limit: LIMIT + MB },
        ...(engine === 'redis' ? { engine: redisEngine(uniquePrefix('large-publications')) } : {}),
      });
      subscribers = await subscriberOnEveryShard(server);
    });

    after(async () => {
      for (const s of subscribers) s.client.disconnect();
      assert.equal(await server.close(), true);
    });

    for (const size of [1, 4, 15]) {
      test(`a ${size} MB publication through /api/publish reaches the subscriber on every shard, byte-exact`, { timeout: 60_000 }, async () => {
        const data = payload(size * MB, size);
        const answer = await callApi(server.apiUrl, 'publish', { channel: CHANNEL, data });
        assert.equal(answer.status, 200, answer.text.slice(0, 200));
        assert.deepEqual(answer.body, { result: {} });
        await waitFor(() => subscribers.every((s) => s.received.length >= 1), `${size} MB delivery`, 40_000);
        for (const s of subscribers) {
          assert.equal(s.received.length, 1, `shard ${s.shard}`);
          assert.equal(s.received[0]!.length, data.length, `shard ${s.shard}`);
          assert.ok(s.received[0] === data, `shard ${s.shard}: bytes differ`);
          s.received.length = 0;
        }
      });
    }

    test('a client publish of a 4 MB payload reaches every shard', { timeout: 60_000 }, async () => {
      const data = payload(4 * MB, 44);
      await subscribers[0]!.client.publish(CHANNEL, data);
      await waitFor(() => subscribers.every((s) => s.received.length >= 1), 'client publication', 40_000);
      for (const s of subscribers) {
        assert.ok(s.received[0] === data, `shard ${s.shard}: bytes differ`);
        s.received.length = 0;
      }
    });

    test('above the limit: 413 from the API (publish and broadcast), error 107 for the client; nothing restarts, others undisturbed', { timeout: 60_000 }, async () => {
      const over = payload(LIMIT + 1, 7);
      const published = await callApi(server.apiUrl, 'publish', { channel: CHANNEL, data: over });
      assert.equal(published.status, 413);
      assert.equal(published.body.error.code, 107);
      assert.match(published.body.error.message, /publication too large: 16777219 bytes, the limit is 16777216 \(channel\.publication_size_limit\)/);
      const broadcast = await callApi(server.apiUrl, 'broadcast', { channels: [CHANNEL, 'other'], data: over });
      assert.equal(broadcast.status, 413);
      assert.equal(broadcast.body.error.code, 107);

      await assert.rejects(subscribers[1]!.client.publish(CHANNEL, over), (err: { code?: number; temporary?: boolean; message?: string }) => {
        assert.equal(err.code, 107);
        assert.notEqual(err.temporary, true);
        assert.match(err.message ?? '', /publication too large/);
        return true;
      });

      // Everyone is still connected and still receives publications; no shard restarted.
      const small = await callApi(server.apiUrl, 'publish', { channel: CHANNEL, data: 'still here' });
      assert.deepEqual(small.body, { result: {} });
      await waitFor(() => subscribers.every((s) => s.received.length >= 1), 'small publication after the refusals');
      for (const s of subscribers) {
        assert.deepEqual(s.received, ['still here'], `shard ${s.shard}`);
        assert.equal(s.client.state, 'connected');
      }
      const info = await callApi(server.apiUrl, 'info', {});
      for (const shard of info.body.result.nodes[0].shards) assert.equal(shard.restarts ?? 0, 0);
    });
  });
}
