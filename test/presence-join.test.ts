/**
 * A subscribe to a channel with presence is answered only once the channel's
 * owner holds the client's presence entry, as Centrifugo adds presence before
 * it replies; a subscription given up meanwhile leaves no entry, and join and
 * leave pushes keep their order. Real shards in this thread
 * (helpers/shard-harness.ts), with a presence manager whose writes the test
 * holds back.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { HistoryQuery, HistoryResult } from '../src/broker/broker';
import { MemoryBroker } from '../src/broker/memory';
import { MemoryPresence } from '../src/broker/presence-memory';
import type { ClientInfo } from '../src/protocol/json';
import { ownerOf } from '../src/shards/messaging/owner-of';
import { startShards, type Harness, type RecordingTransport } from './helpers/shard-harness';
import { holdsChannel } from '../src/shards/session/connection';
import { hmacToken, TOKENS_ONLY } from './helpers/tokens';

/** Memory presence whose writes wait while `hold()` is in force, and fail while `failing`. */
class HeldPresence extends MemoryPresence {
  private gate: Promise<void> | null = null;
  private open: () => void = () => undefined;
  /** Writes started while held. */
  waiting = 0;
  failing = false;

  hold(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }

  release(): void {
    this.gate = null;
    this.open();
  }

  override async add(channel: string, info: ClientInfo, shard: number): Promise<void> {
    if (this.gate) {
      this.waiting++;
      await this.gate;
    }
    if (this.failing) throw new Error('presence store refused the write');
    return super.add(channel, info, shard);
  }
}

const OPEN = { allow_subscribe_for_client: true, allow_subscribe_for_anonymous: true };
const NAMESPACES = [
  { name: 'room', presence: true, join_leave: true, force_push_join_leave: true, ...OPEN },
  { name: 'hist', presence: true, join_leave: true, force_push_join_leave: true, history_size: 10, history_ttl: '60s', force_recovery: true, ...OPEN },
];

/** A channel name of namespace `ns` owned by shard `owner` of `count`. */
function channelOwnedBy(ns: string, owner: number, count: number): string {
  for (let i = 0; ; i++) if (ownerOf(`${ns}:c${i}`, count) === owner) return `${ns}:c${i}`;
}

let harness: Harness | null = null;
let presences: HeldPresence[] = [];
afterEach(() => {
  for (const p of presences) p.release();
  harness?.close();
  harness = null;
});

/** A memory broker whose history reads fail while `failing`. */
class FailingHistoryBroker extends MemoryBroker {
  failing = false;
  override history(channel: string, query: HistoryQuery): Promise<HistoryResult> {
    return this.failing ? Promise.reject(new Error('history unavailable')) : super.history(channel, query);
  }
}

let brokers: FailingHistoryBroker[] = [];

function start(count: number, overrides: Record<string, unknown> = {}): Harness {
  presences = Array.from({ length: count }, () => new HeldPresence());
  brokers = Array.from({ length: count }, () => new FailingHistoryBroker());
  harness = startShards(count, { ...overrides, channel: { namespaces: NAMESPACES } }, (i) => brokers[i]!, (i) => presences[i]!);
  return harness;
}

function replyTo(transport: RecordingTransport, id: number): Record<string, unknown> | undefined {
  return transport.replies().find((r) => r['id'] === id);
}

/** The join and leave pushes a client received on `channel`, as `join:<client>` and `leave:<client>`. */
function joinLeave(transport: RecordingTransport, channel: string): string[] {
  const out: string[] = [];
  for (const r of transport.replies()) {
    const push = r['push'] as { channel: string; join?: { info: ClientInfo }; leave?: { info: ClientInfo } } | undefined;
    if (push?.channel !== channel) continue;
    if (push.join) out.push(`join:${push.join.info.client}`);
    if (push.leave) out.push(`leave:${push.leave.info.client}`);
  }
  return out;
}

/** A client on `shard` subscribed to `channel` (it receives the channel's join and leave pushes). */
async function watching(h: Harness, shard: number, channel: string): ReturnType<Harness['connect']> {
  const watcher = await h.connect(shard);
  h.send(shard, watcher.conn, `{"id":2,"subscribe":{"channel":"${channel}"}}`);
  await h.until(() => replyTo(watcher.transport, 2) !== undefined);
  return watcher;
}

/** What heldSubscribe sets up. */
interface HeldSubscribe {
  readonly h: Harness;
  readonly channel: string;
  readonly watcher: Awaited<ReturnType<Harness['connect']>>;
  readonly conn: Awaited<ReturnType<Harness['connect']>>['conn'];
  readonly transport: RecordingTransport;
}

/**
 * Two shards; a watcher of a `room` channel owned by shard 1; and a client on
 * shard 0 whose subscribe (id 2) waits at the owner, its presence write held
 * (and, with `failing`, to fail on release). With `client.concurrency` over 1
 * the client's next command need not wait for that subscribe.
 */
async function heldSubscribe(concurrency: number, failing = false): Promise<HeldSubscribe> {
  const h = start(2, { client: { concurrency } });
  const channel = channelOwnedBy('room', 1, 2);
  const watcher = await watching(h, 1, channel);
  const { conn, transport } = await h.connect(0);
  presences[1]!.hold();
  presences[1]!.failing = failing;
  h.send(0, conn, `{"id":2,"subscribe":{"channel":"${channel}"}}`);
  await h.until(() => presences[1]!.waiting === 1);
  return { h, channel, watcher, conn, transport };
}

/** heldSubscribe, then the client unsubscribes (id 3) before the owner answers. */
async function unsubscribedWhileHeld(concurrency: number, failing = false): Promise<HeldSubscribe> {
  const held = await heldSubscribe(concurrency, failing);
  held.h.send(0, held.conn, `{"id":3,"unsubscribe":{"channel":"${held.channel}"}}`);
  await held.h.until(() => replyTo(held.transport, 3) !== undefined);
  return held;
}

/**
 * Asserts that `watcher` received no join or leave of `channel` but its own:
 * a marker client (on `shard`) joins, and its join push, which comes after
 * everything sent before it, ends the watcher's list.
 */
async function assertNoOtherJoinLeave(h: Harness, shard: number, channel: string, watcher: Awaited<ReturnType<Harness['connect']>>): Promise<void> {
  const marker = await watching(h, shard, channel);
  await h.until(() => joinLeave(watcher.transport, channel).includes(`join:${marker.conn.id}`));
  assert.deepEqual(joinLeave(watcher.transport, channel), [`join:${watcher.conn.id}`, `join:${marker.conn.id}`]);
}

async function clientsIn(presence: HeldPresence, channel: string): Promise<string[]> {
  return [...(await presence.presence(channel)).keys()].sort();
}

/**
 * Lets the shards run `turns` turns of the event loop: the harness hands each
 * record over on a later turn, so any exchange of fewer hops is over, however
 * slow the machine (a wall-clock wait could end mid-exchange on a busy one).
 */
async function settle(turns = 50): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
}

describe('presence before the subscribe reply', () => {
  for (const [count, owner] of [[2, 1], [1, 0]] as const) {
    test(`the reply waits until the owner holds the entry (${count === 1 ? 'owner on the same shard' : 'owner on another shard'})`, async () => {
      const h = start(count);
      const channel = channelOwnedBy('room', owner, count);
      const { conn, transport } = await h.connect(0);
      presences[owner]!.hold();
      h.send(0, conn, `{"id":2,"subscribe":{"channel":"${channel}"}}`);
      await h.until(() => presences[owner]!.waiting === 1);
      await settle();
      assert.equal(replyTo(transport, 2), undefined, 'no reply while presence is not written');
      assert.deepEqual(await clientsIn(presences[owner]!, channel), []);
      presences[owner]!.release();
      await h.until(() => replyTo(transport, 2) !== undefined);
      assert.ok(replyTo(transport, 2)!['subscribe'], JSON.stringify(transport.replies()));
      assert.deepEqual(await clientsIn(presences[owner]!, channel), [conn.id]);
      // The joining client receives its own join, after its reply (Centrifugo publishes the join after replying).
      await h.until(() => joinLeave(transport, channel).length === 1);
      assert.deepEqual(joinLeave(transport, channel), [`join:${conn.id}`]);
      const replies = transport.replies();
      assert.ok(replies.findIndex((r) => r['id'] === 2) < replies.findIndex((r) => r['push'] !== undefined));
    });
  }

  test('a positioned subscribe: the entry is written first, then the stream is read and the reply sent', async () => {
    const h = start(2);
    const channel = channelOwnedBy('hist', 1, 2);
    const { conn, transport } = await h.connect(0);
    presences[1]!.hold();
    h.send(0, conn, `{"id":2,"subscribe":{"channel":"${channel}","recover":true,"offset":0,"epoch":""}}`);
    await h.until(() => presences[1]!.waiting === 1);
    await settle();
    assert.equal(replyTo(transport, 2), undefined);
    presences[1]!.release();
    await h.until(() => replyTo(transport, 2) !== undefined);
    const result = replyTo(transport, 2)!['subscribe'] as Record<string, unknown>;
    assert.equal(result['recoverable'], true, JSON.stringify(result));
    assert.equal(typeof result['epoch'], 'string');
    assert.deepEqual(await clientsIn(presences[1]!, channel), [conn.id]);
    assert.ok(holdsChannel(conn, channel));
  });

  test('a positioned subscribe whose read fails: error 100, the entry written for it is removed, and no join is pushed', async () => {
    const h = start(2);
    const channel = channelOwnedBy('hist', 1, 2);
    const watcher = await watching(h, 1, channel);
    const { conn, transport } = await h.connect(0);
    brokers[1]!.failing = true;
    h.send(0, conn, `{"id":2,"subscribe":{"channel":"${channel}","recover":true,"offset":0,"epoch":""}}`);
    await h.until(() => replyTo(transport, 2) !== undefined);
    // The broker's own text stays in the log: the client hears what Centrifugo says.
    assert.deepEqual(replyTo(transport, 2)!['error'], { code: 100, message: 'internal server error', temporary: true });
    await settle();
    assert.deepEqual(await clientsIn(presences[1]!, channel), [watcher.conn.id]);
    assert.ok(!holdsChannel(conn, channel));
    brokers[1]!.failing = false;
    h.send(0, conn, `{"id":3,"subscribe":{"channel":"${channel}","recover":true,"offset":0,"epoch":""}}`);
    await h.until(() => replyTo(transport, 3) !== undefined);
    assert.ok(replyTo(transport, 3)!['subscribe'], JSON.stringify(replyTo(transport, 3)));
    assert.deepEqual(await clientsIn(presences[1]!, channel), [conn.id, watcher.conn.id].sort());
    await h.until(() => joinLeave(watcher.transport, channel).length === 2);
    assert.deepEqual(joinLeave(watcher.transport, channel), [`join:${watcher.conn.id}`, `join:${conn.id}`], 'no join for the failed subscribe');
  });

  test('an unsubscribe while the entry is written: the entry is removed, and watchers see the join before the leave', async () => {
    const { h, channel, watcher, conn, transport } = await unsubscribedWhileHeld(2);
    assert.deepEqual(replyTo(transport, 3), { id: 3, unsubscribe: {} });
    assert.equal((replyTo(transport, 2)!['error'] as { code: number }).code, 100, 'the subscribe was given up');
    presences[1]!.release();
    await h.until(() => joinLeave(watcher.transport, channel).length === 3);
    assert.deepEqual(joinLeave(watcher.transport, channel), [`join:${watcher.conn.id}`, `join:${conn.id}`, `leave:${conn.id}`]);
    assert.deepEqual(await clientsIn(presences[1]!, channel), [watcher.conn.id]);
    assert.ok(!holdsChannel(conn, channel));
  });

  test('unsubscribe and subscribe again while the first entry is written: the entry stays, and the pushes keep their order', async () => {
    const { h, channel, watcher, conn, transport } = await unsubscribedWhileHeld(3);
    h.send(0, conn, `{"id":4,"subscribe":{"channel":"${channel}"}}`);
    await settle();
    presences[1]!.release();
    await h.until(() => replyTo(transport, 4) !== undefined);
    assert.ok(replyTo(transport, 4)!['subscribe'], JSON.stringify(transport.replies()));
    await h.until(() => joinLeave(watcher.transport, channel).length === 4);
    assert.deepEqual(joinLeave(watcher.transport, channel), [`join:${watcher.conn.id}`, `join:${conn.id}`, `leave:${conn.id}`, `join:${conn.id}`]);
    assert.deepEqual(await clientsIn(presences[1]!, channel), [conn.id, watcher.conn.id].sort());
    assert.ok(holdsChannel(conn, channel));
  });

  test('an unsubscribe while an entry that cannot be written is tried: neither a join nor a leave is pushed', async () => {
    const { h, channel, watcher } = await unsubscribedWhileHeld(2, true);
    presences[1]!.release();
    await settle();
    presences[1]!.failing = false;
    await assertNoOtherJoinLeave(h, 0, channel, watcher);
  });

  test('an unsubscribe sent after the owner answered that the entry cannot be written: no leave is pushed', async () => {
    const { h, channel, watcher, conn, transport } = await heldSubscribe(2, true);
    presences[1]!.release();
    // Microtasks only: the owner's failed ask ends and its answer is posted, but the harness hands
    // records over on a later turn, so shard 0 has not read it when the client unsubscribes.
    for (let i = 0; i < 200; i++) await Promise.resolve();
    h.send(0, conn, `{"id":3,"unsubscribe":{"channel":"${channel}"}}`);
    await h.until(() => replyTo(transport, 3) !== undefined);
    assert.equal((replyTo(transport, 2)!['error'] as { message: string }).message, 'unsubscribed', 'the unsubscribe came first on shard 0');
    await settle();
    presences[1]!.failing = false;
    await assertNoOtherJoinLeave(h, 1, channel, watcher);
  });

  test('a connect with a server-side subscription to a presence channel is answered once the entry is written', async () => {
    const h = start(2, { client: TOKENS_ONLY });
    const channel = channelOwnedBy('room', 1, 2);
    const { conn, transport } = h.open(0);
    presences[1]!.hold();
    h.send(0, conn, JSON.stringify({ id: 1, connect: { token: await hmacToken({ sub: 'alice', channels: [channel] }) } }));
    await h.until(() => presences[1]!.waiting === 1);
    await settle();
    assert.equal(replyTo(transport, 1), undefined, 'no connect reply while presence is not written');
    presences[1]!.release();
    await h.until(() => replyTo(transport, 1) !== undefined);
    const result = replyTo(transport, 1)!['connect'] as { subs?: Record<string, unknown> };
    assert.ok(result.subs?.[channel], JSON.stringify(result));
    assert.deepEqual(await clientsIn(presences[1]!, channel), [conn.id]);
    assert.ok(holdsChannel(conn, channel));
  });

  test("after its owner restarts, a client's presence entry is announced again with its channel info", async () => {
    const h = start(2, { client: TOKENS_ONLY });
    const channel = channelOwnedBy('room', 1, 2);
    const { conn, transport } = h.open(0);
    h.send(0, conn, JSON.stringify({ id: 1, connect: { token: await hmacToken({ sub: 'alice', subs: { [channel]: { info: { seat: 3 } } } }) } }));
    await h.until(() => replyTo(transport, 1) !== undefined);
    const entry = async (): Promise<ClientInfo | undefined> => (await presences[1]!.presence(channel)).get(conn.id);
    assert.deepEqual(JSON.parse(String((await entry())?.chan_info)), { seat: 3 });
    // The owner's presence is gone with it; the subscriber side announces its clients again (Shard.onPeerRestarted).
    await presences[1]!.remove(channel, conn.id);
    h.shards[0]!.local.reregisterOwnedBy(1);
    await settle();
    assert.ok(await entry(), 'announced again');
    assert.deepEqual(JSON.parse(String((await entry())?.chan_info)), { seat: 3 });
  });

  test("a restart of the client's shard while its entry is written leaves no entry and pushes no join", async () => {
    const h = start(2);
    const channel = channelOwnedBy('room', 1, 2);
    const watcher = await watching(h, 1, channel);
    const { conn } = await h.connect(0);
    presences[1]!.hold();
    h.send(0, conn, `{"id":2,"subscribe":{"channel":"${channel}"}}`);
    await h.until(() => presences[1]!.waiting === 1);
    // What the owner does when the acceptor restarts shard 0 (Shard.onPeerRestarted).
    h.shards[1]!.owned.forgetShard(0);
    presences[1]!.release();
    await settle();
    assert.deepEqual(await clientsIn(presences[1]!, channel), [watcher.conn.id]);
    await assertNoOtherJoinLeave(h, 1, channel, watcher);
  });

  test('a client that goes away while the entry is written leaves no entry behind', async () => {
    const h = start(2);
    const channel = channelOwnedBy('room', 1, 2);
    const { conn, transport } = await h.connect(0);
    presences[1]!.hold();
    h.send(0, conn, `{"id":2,"subscribe":{"channel":"${channel}"}}`);
    await h.until(() => presences[1]!.waiting === 1);
    transport.close();
    await settle();
    presences[1]!.release();
    await settle();
    assert.deepEqual(await clientsIn(presences[1]!, channel), []);
    await h.until(() => h.shards[0]!.local.size === 0);
  });

  test('an entry that cannot be written fails the subscribe with 100, pushes no join, and the client can subscribe again', async () => {
    const h = start(2);
    const channel = channelOwnedBy('room', 1, 2);
    const watcher = await watching(h, 1, channel);
    const { conn, transport } = await h.connect(0);
    presences[1]!.failing = true;
    h.send(0, conn, `{"id":2,"subscribe":{"channel":"${channel}"}}`);
    await h.until(() => replyTo(transport, 2) !== undefined);
    assert.deepEqual(replyTo(transport, 2)!['error'], { code: 100, message: 'presence failed', temporary: true });
    assert.ok(!holdsChannel(conn, channel));
    assert.equal(transport.closed, null, 'the connection stays');
    assert.ok(h.log.some((e) => e.level === 'warn' && e.message.startsWith('could not add presence')));
    presences[1]!.failing = false;
    h.send(0, conn, `{"id":3,"subscribe":{"channel":"${channel}"}}`);
    await h.until(() => replyTo(transport, 3) !== undefined);
    assert.ok(replyTo(transport, 3)!['subscribe']);
    await h.until(() => joinLeave(watcher.transport, channel).length === 2);
    assert.deepEqual(joinLeave(watcher.transport, channel), [`join:${watcher.conn.id}`, `join:${conn.id}`], 'one join: none for the failed subscribe');
    assert.deepEqual(await clientsIn(presences[1]!, channel), [conn.id, watcher.conn.id].sort());
  });
});
