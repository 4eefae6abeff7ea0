/**
 * A full mailbox on the publish path: with 4 KiB rings and the smallest
 * overflow queue the config allows, a burst of 3 KB publications from one
 * shard cannot all reach the subscriber's shard. Nothing may be lost
 * silently (postman.ts): the receiving shard sees an unbroken prefix of the
 * stream, then a DROPPED notice, and its subscribers learn of the gap. A
 * subscriber of a channel without history is disconnected as slow (3008) and
 * reconnects; one of a channel with recovery is told 2500 (insufficient
 * state), resubscribes and recovers every publication it missed, in order.
 * A recovery larger than the mailbox can ever take is answered as one that
 * missed too many (recovered: false), at once (postman.ts sendAnswer).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningServer } from '../src/acceptor/run';
import { ownerOf } from '../src/shards/messaging/owner-of';
import { waitFor } from './helpers/clients';
import { startTestServer } from './helpers/server';
import { callApi } from './helpers/api';
import { apisOnShards, closeAll, subscribersByShard, type KeepAliveApi, type Subscribed } from './helpers/shard-placement';

const SHARDS = 2;
/** Publications per burst: 40 × 3 KB, more than a 4 KiB ring and its 70 KB overflow queue hold. */
const BURST = 40;
/** About 3 KB of data: one record fills most of a 4 KiB ring. */
const FILLER = 'x'.repeat(3_000);
const OPEN = { allow_subscribe_for_client: true, allow_subscribe_for_anonymous: true };

/**
 * Publishes BURST publications of round `round` to `channel` with one
 * `broadcast` naming the channel BURST times: a small request whose
 * publications are all posted in one turn (a batch of them would pass the
 * API's body limit first). Every one is answered with a result.
 */
async function burst(api: KeepAliveApi, channel: string, round: number): Promise<void> {
  const answer = await api.call('broadcast', { channels: Array.from({ length: BURST }, () => channel), data: { round, filler: FILLER } });
  const responses: unknown[] = answer.result?.responses ?? [];
  assert.equal(responses.length, BURST, JSON.stringify(answer).slice(0, 200));
  for (const response of responses) assert.ok(typeof response === 'object' && response !== null && 'result' in response, JSON.stringify(response));
}

/** Total fan-out records refused by full mailboxes, all shards. `info` itself may get 100 while a mailbox is full: asked again. */
async function droppedSoFar(server: RunningServer): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const answer = await callApi(server.apiUrl, 'info', {});
    const shards: { fanout_dropped: number }[] | undefined = answer.body?.result?.nodes?.[0]?.shards;
    if (shards) return shards.reduce((n, s) => n + s.fanout_dropped, 0);
    assert.ok(attempt < 50 && answer.body?.error?.code === 100, `info answered ${answer.text}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Sends bursts until a full mailbox refused a record (at most 10); returns how many publications were sent. */
async function overflow(server: RunningServer, api: KeepAliveApi, channel: string): Promise<number> {
  const before = await droppedSoFar(server);
  let sent = 0;
  for (let round = 0; round < 10 && (await droppedSoFar(server)) === before; round++) {
    await burst(api, channel, round);
    sent += BURST;
  }
  assert.ok((await droppedSoFar(server)) > before, 'a burst overflowed the mailbox');
  return sent;
}

describe('a full mailbox (2 shards, 4 KiB rings, 70 KB overflow queues)', () => {
  let server: RunningServer;
  before(async () => {
    server = await startTestServer({
      log: { level: 'error' },
      // The smallest mailbox the config allows for 4,000-byte publications: 2 × 4,000 + 64 KiB in all.
      shards: { count: SHARDS, mailbox_size: 4096, mailbox_overflow_limit: 70_000 },
      channel: {
        publication_size_limit: 4000,
        namespaces: [{ name: 'hist', history_size: 1000, history_ttl: '300s', force_recovery: true, ...OPEN }],
      },
    });
  });
  after(() => server.close());

  test('a channel without history: the far subscriber gets an unbroken prefix, is disconnected as slow (3008), and reconnects', async () => {
    const channel = 'flood';
    const byShard = await subscribersByShard(server, channel, (s) => s.every((g) => g.length > 0));
    const [{ api, shard }] = (await apisOnShards(server, channel, 1)) as [{ api: KeepAliveApi; shard: number }];
    try {
      await noSilentLoss(server, api, byShard, shard, channel);
    } finally {
      api.close();
      closeAll(byShard);
    }
  });

  test('a channel with recovery: the far subscriber is told 2500, resubscribes, and ends with every publication in order', async () => {
    const probe = 'probe-placement';
    const probes = await subscribersByShard(server, probe, (s) => s.every((g) => g.length > 0));
    const [{ api, shard }] = (await apisOnShards(server, probe, 1)) as [{ api: KeepAliveApi; shard: number }];
    closeAll(probes);
    // Owned by the shard the API connection lands on: the publish is taken there, and the fan-out crosses one ring.
    let n = 0;
    while (ownerOf(`hist:flood-${n}`, SHARDS) !== shard) n++;
    const channel = `hist:flood-${n}`;
    const byShard = await subscribersByShard(server, channel, (s) => s.every((g) => g.length > 0));
    try {
      await recoversAll(server, api, byShard[1 - shard]![0]!, channel);
    } finally {
      api.close();
      closeAll(byShard);
    }
  });

  test('a recovery larger than the mailbox can ever take is answered recovered false at once, not left waiting', async () => {
    const byShard = await subscribersByShard(server, 'probe-large', (s) => s.every((g) => g.length > 0));
    try {
      await tooLargeToRecover(server, byShard[0]![0]!);
    } finally {
      closeAll(byShard);
    }
  });
});

/** Clients connected to each shard now (the `info` API), asked again while a full mailbox answers 100. */
async function clientsByShard(server: RunningServer): Promise<number[]> {
  for (let attempt = 0; ; attempt++) {
    const answer = await callApi(server.apiUrl, 'info', {});
    const shards: { num_clients: number }[] | undefined = answer.body?.result?.nodes?.[0]?.shards;
    if (shards) return shards.map((s) => s.num_clients);
    assert.ok(attempt < 50 && answer.body?.error?.code === 100, `info answered ${answer.text}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The third test's checks. The client holds two channels, one owned by each
 * shard, and reconnects to whichever shard the kernel picks: the recovery of
 * the channel owned by the other shard crosses the mailbox and is too large
 * for it; the other is read on the same shard and recovers in full.
 */
async function tooLargeToRecover(server: RunningServer, far: Subscribed): Promise<void> {
  const owned = [0, 1].map((owner) => {
    let n = 0;
    while (ownerOf(`hist:large-${owner}-${n}`, SHARDS) !== owner) n++;
    return `hist:large-${owner}-${n}`;
  });
  const seen = owned.map((channel) => {
    const sub = far.client.newSubscription(channel);
    const got = { channel, sub, offsets: [] as number[], subscribed: [] as { recovered: boolean; wasRecovering: boolean }[] };
    sub.on('publication', (ctx) => got.offsets.push(Number(ctx.offset)));
    sub.on('subscribed', (ctx) => got.subscribed.push({ recovered: ctx.recovered, wasRecovering: ctx.wasRecovering }));
    sub.subscribe();
    return got;
  });
  for (const got of seen) await got.sub.ready(5000);
  for (const got of seen) await callApi(server.apiUrl, 'publish', { channel: got.channel, data: { first: true } });
  await waitFor(() => seen.every((got) => got.offsets.length === 1), 'the first publications');
  far.client.disconnect();
  // 60 publications of 3 KB in each channel while it is away, ten per request (each request's
  // publications fit the mailbox to their owner). A recovery of them is about 190 KB, and the
  // ring and overflow queue between the shards take 74 KB at most.
  for (const got of seen) {
    for (let k = 0; k < 6; k++) {
      const answer = await callApi(server.apiUrl, 'broadcast', { channels: Array.from({ length: 10 }, () => got.channel), data: { filler: FILLER } });
      assert.equal(answer.body?.result?.responses?.filter((r: { result?: unknown }) => r.result).length, 10, answer.text.slice(0, 200));
    }
  }
  const before = await clientsByShard(server);
  far.client.connect();
  // Before answers were retried or replaced, the result was dropped and the subscribe waited 10 s for its owner.
  await waitFor(() => seen.every((got) => got.subscribed.length === 2), 'subscribed again', 8000);
  const after = await clientsByShard(server);
  const landed = after.findIndex((count, shard) => count > before[shard]!);
  assert.ok(landed >= 0, 'the client shows up on a shard');
  const crossing = seen[1 - landed]!;
  const local = seen[landed]!;
  assert.deepEqual(crossing.subscribed[1], { recovered: false, wasRecovering: true }, 'the crossing recovery: told that it lost publications');
  assert.deepEqual(crossing.offsets, [1], 'none of the missed ones came');
  assert.deepEqual(local.subscribed[1], { recovered: true, wasRecovering: true }, 'the recovery on its own shard is whole');
  assert.deepEqual(local.offsets, Array.from({ length: 61 }, (_, k) => k + 1));
  // The crossing one goes on from the top of its stream.
  await callApi(server.apiUrl, 'publish', { channel: crossing.channel, data: { next: true } });
  await waitFor(() => crossing.offsets.length === 2, 'the next publication');
  assert.deepEqual(crossing.offsets, [1, 62]);
}

/** The first test's checks: the near subscriber has everything, the far one a prefix, then 3008, then it is back. */
async function noSilentLoss(server: RunningServer, api: KeepAliveApi, byShard: Subscribed[][], shard: number, channel: string): Promise<void> {
  const far = byShard[1 - shard]![0]!;
  const near = byShard[shard]![0]!;
  const codes: number[] = [];
  far.client.on('connecting', (ctx) => codes.push(ctx.code));
  far.received.length = 0;
  near.received.length = 0;
  const sent = await overflow(server, api, channel);
  await waitFor(() => codes.includes(3008), 'the far subscriber is disconnected as slow');
  // The publishing shard's own subscriber crossed no mailbox: it has them all.
  await waitFor(() => near.received.length === sent, 'the near subscriber has every publication');
  const rounds = far.received.map((data) => (data as { round: number }).round);
  assert.ok(rounds.length < sent, `the far one missed publications (got ${rounds.length} of ${sent})`);
  const expected = Array.from({ length: rounds.length }, (_, k) => Math.floor(k / BURST));
  assert.deepEqual(rounds, expected, 'what it got before the notice is an unbroken prefix');
  // The SDK reconnects and resubscribes; the channel works for it again.
  await waitFor(() => far.client.state === 'connected' && far.sub.state === 'subscribed', 'the far subscriber is back', 10_000);
  far.received.length = 0;
  assert.deepEqual(await api.call('publish', { channel, data: { round: -1 } }), { result: {} });
  await waitFor(() => far.received.length === 1, 'a later publication reaches it');
  assert.deepEqual(far.received, [{ round: -1 }]);
}

/** The second test's checks: the far subscription is told 2500 and recovers every publication, in order. */
async function recoversAll(server: RunningServer, api: KeepAliveApi, far: Subscribed, channel: string): Promise<void> {
  const codes: number[] = [];
  const offsets: number[] = [];
  far.sub.on('subscribing', (ctx) => codes.push(ctx.code));
  far.sub.on('publication', (ctx) => offsets.push(Number(ctx.offset)));
  const sent = await overflow(server, api, channel);
  await waitFor(() => codes.includes(2500), 'the far subscription is told its state is insufficient');
  await waitFor(() => offsets.length >= sent, 'it recovers what it missed', 10_000);
  assert.deepEqual(offsets, Array.from({ length: sent }, (_, k) => k + 1), 'every publication exactly once, in order');
}
