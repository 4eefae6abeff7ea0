/**
 * The dispatcher, the local and owned channel state, and the writer, through
 * their seams and without a listening server: real Shards of one process in
 * this thread (helpers/shard-harness.ts), clients on recording transports.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { MemoryBroker } from '../src/broker/memory';
import { ownerOf } from '../src/shards/messaging/owner-of';
import { startShards, type Harness } from './helpers/shard-harness';
import { holdsChannel, joinedOrPending, joinedOrPendingChannels, NO_COMMANDS } from '../src/shards/session/connection';
import type { LocalChannel } from '../src/shards/subscriber/local-channel';
import type { OwnedChannel } from '../src/shards/owner/owned-channels';

/** A channel name owned by shard `owner` of `count`. */
function channelOwnedBy(owner: number, count: number, prefix = 'ch'): string {
  for (let i = 0; ; i++) if (ownerOf(`${prefix}${i}`, count) === owner) return `${prefix}${i}`;
}

let harness: Harness | null = null;
afterEach(() => {
  harness?.close();
  harness = null;
});

describe('dispatcher', () => {
  test('replies to the commands of one frame, each with its id', async () => {
    harness = startShards(1);
    const h = harness;
    const { conn, transport } = await h.connect(0);
    h.send(0, conn, '{"id":2,"subscribe":{"channel":"news"}}\n{"id":3,"presence_stats":{"channel":"news"}}');
    await h.until(() => transport.replies().filter((r) => r['id'] === 2 || r['id'] === 3).length === 2);
    const replies = transport.replies();
    assert.ok(replies.some((r) => r['id'] === 2 && r['subscribe'] !== undefined), JSON.stringify(replies));
    // presence_stats on a channel without presence: 108, as Centrifugo.
    assert.ok(replies.some((r) => r['id'] === 3 && (r['error'] as { code: number }).code === 108), JSON.stringify(replies));
    h.send(0, conn, '{"id":4,"publish":{"channel":"news","data":{"n":1}}}');
    await h.until(() => transport.replies().some((r) => r['push'] !== undefined));
    const push = transport.replies().find((r) => r['push'] !== undefined)!['push'];
    // A client publication names its publisher (ClientInfo), anonymous here.
    assert.deepEqual(push, { channel: 'news', pub: { data: { n: 1 }, info: { user: '', client: conn.id } } });
  });

  test('a command before connect, a missing id and a malformed frame each close with 3501', async () => {
    harness = startShards(1);
    const h = harness;
    for (const frame of ['{"id":1,"subscribe":{"channel":"a"}}', '{"connect":{}}', '{"id":1,"connect":']) {
      const { conn, transport } = h.open(0);
      h.send(0, conn, frame);
      assert.deepEqual(transport.closed, { code: 3501, reason: 'bad request' }, frame);
      assert.equal(h.shards[0]!.connections.has(conn.id), false);
    }
  });

  test('an unknown namespace answers 102 and keeps the connection', async () => {
    harness = startShards(1);
    const h = harness;
    const { conn, transport } = await h.connect(0);
    h.send(0, conn, '{"id":2,"subscribe":{"channel":"nope:x"}}');
    await h.until(() => transport.replies().some((r) => r['id'] === 2));
    assert.deepEqual(transport.replies().find((r) => r['id'] === 2)!['error'], { code: 102, message: 'unknown channel' });
    assert.equal(transport.closed, null);
  });
});

describe('local and owned channel state', () => {
  test('a subscriber on one shard gets publications of a channel another shard owns; the owner forgets it after the last leaves', async () => {
    harness = startShards(2);
    const h = harness;
    const channel = channelOwnedBy(1, 2);
    const { conn, transport } = await h.connect(0);
    h.send(0, conn, `{"id":2,"subscribe":{"channel":"${channel}"}}`);
    await h.until(() => transport.replies().some((r) => r['id'] === 2));
    assert.equal(h.shards[1]!.owned.size, 1);
    assert.equal(h.shards[0]!.local.size, 1);
    assert.equal(h.shards[0]!.owned.size, 0);
    await h.shards[0]!.publish(channel, '{"n":7}');
    await h.until(() => transport.replies().some((r) => r['push'] !== undefined));
    h.send(0, conn, `{"id":3,"unsubscribe":{"channel":"${channel}"}}`);
    await h.until(() => h.shards[1]!.owned.size === 0 && h.shards[0]!.local.size === 0);
  });

  test('a broker that refuses to subscribe: error 100 at once (not the 10 s owner timeout), logged with the channel and reason', async () => {
    class RefusingBroker extends MemoryBroker {
      override subscribe(): Promise<void> {
        return Promise.reject(new Error('engine unavailable'));
      }
    }
    harness = startShards(2, {}, () => new RefusingBroker());
    const h = harness;
    const channel = channelOwnedBy(1, 2);
    const { conn, transport } = await h.connect(0);
    const started = Date.now();
    h.send(0, conn, `{"id":2,"subscribe":{"channel":"${channel}"}}`);
    await h.until(() => transport.replies().some((r) => r['id'] === 2), 1000);
    assert.ok(Date.now() - started < 1000);
    // The broker's reason is logged; the client hears what Centrifugo says.
    assert.deepEqual(transport.replies().find((r) => r['id'] === 2)!['error'], { code: 100, message: 'internal server error', temporary: true });
    const logged = h.log.find((e) => e.level === 'error' && e.fields?.['channel'] === channel);
    assert.ok(logged, JSON.stringify(h.log));
    assert.equal(logged.fields?.['reason'], 'engine unavailable');
    // Nothing is left behind: the subscriber shard and the owner forgot the channel, and the client can try again.
    await h.until(() => h.shards[0]!.local.size === 0 && h.shards[1]!.owned.size === 0);
    assert.equal(transport.closed, null);
    assert.equal(conn.pending, null);
  });
});

describe('idle state', () => {
  // What an idle subscription keeps is what idle memory costs: the collections that are only needed while
  // something is in flight are null again once it settled (small-collections.ts deleteReleasing).
  test('a settled subscription keeps no empty collections on its connection, local channel or owned channel', async () => {
    const namespace = { name: 'hist', history_size: 10, history_ttl: '60s', force_recovery: true, allow_subscribe_for_client: true, allow_subscribe_for_anonymous: true };
    harness = startShards(2, { channel: { namespaces: [namespace] } });
    const h = harness;
    const channel = `hist:${channelOwnedBy(1, 2, 'room')}`;
    const positioned = await h.connect(0);
    const plain = await h.connect(0);
    h.send(0, positioned.conn, `{"id":2,"subscribe":{"channel":"${channel}","recover":true,"offset":0,"epoch":""}}`);
    await h.until(() => positioned.transport.replies().some((r) => r['id'] === 2));
    h.send(0, plain.conn, '{"id":2,"subscribe":{"channel":"news"}}');
    await h.until(() => plain.transport.replies().some((r) => r['id'] === 2));
    assert.ok(positioned.transport.replies().find((r) => r['id'] === 2)!['subscribe'], JSON.stringify(positioned.transport.replies()));
    for (const { conn } of [positioned, plain]) {
      assert.equal(conn.pending, null);
      assert.equal(conn.authorizing, null);
      assert.equal(conn.serverSide, null);
      assert.equal(conn.backlog, NO_COMMANDS, 'a drained backlog is the shared empty one');
      assert.equal(conn.channels.size, 1);
      assert.deepEqual(joinedOrPendingChannels(conn), [...conn.channels]);
    }
    assert.ok(holdsChannel(positioned.conn, channel) && joinedOrPending(positioned.conn, channel));
    assert.ok(!holdsChannel(plain.conn, channel) && !joinedOrPending(plain.conn, channel));
    const locals = (h.shards[0]!.local as unknown as { channels: Map<string, LocalChannel> }).channels;
    for (const name of [channel, 'news']) {
      const local = locals.get(name)!;
      assert.equal(local.waiting, null, name);
      assert.equal(local.asking, null, name);
    }
    assert.equal(locals.get('news')!.positioned, null);
    assert.deepEqual([...locals.get(channel)!.positioned!], [positioned.conn]);
    const owned = (h.shards[1]!.owned as unknown as { channels: Map<string, OwnedChannel> }).channels.get(channel)!;
    assert.equal(owned.reads, null, 'the recovery read is over');
    // A second positioned subscriber on the channel, then the first leaves: the set keeps the second only.
    const second = await h.connect(0);
    h.send(0, second.conn, `{"id":2,"subscribe":{"channel":"${channel}","recover":true,"offset":0,"epoch":""}}`);
    await h.until(() => second.transport.replies().some((r) => r['id'] === 2));
    h.send(0, positioned.conn, `{"id":3,"unsubscribe":{"channel":"${channel}"}}`);
    await h.until(() => positioned.transport.replies().some((r) => r['id'] === 3));
    assert.deepEqual([...locals.get(channel)!.positioned!], [second.conn]);
    assert.ok(!holdsChannel(positioned.conn, channel), 'unsubscribed');
    h.send(0, second.conn, `{"id":3,"unsubscribe":{"channel":"${channel}"}}`);
    await h.until(() => !locals.has(channel));
  });
});

describe('writer', () => {
  test('replies queued in one turn leave in one write, in order; a later turn writes again', async () => {
    harness = startShards(1);
    const h = harness;
    const { conn, transport } = await h.connect(0);
    const before = transport.frames.length;
    h.shards[0]!.writer.send(conn, '{"id":10,"ping":{}}');
    h.shards[0]!.writer.send(conn, '{"id":11,"ping":{}}');
    await h.until(() => transport.frames.length > before);
    assert.deepEqual(transport.frames.slice(before), [['{"id":10,"ping":{}}', '{"id":11,"ping":{}}']]);
    h.shards[0]!.writer.send(conn, '{"id":12,"ping":{}}');
    await h.until(() => transport.frames.length > before + 1);
    assert.deepEqual(transport.frames.slice(before + 1), [['{"id":12,"ping":{}}']]);
  });

  test('publications of a channel reach a non-native transport in order, after its subscribe reply', async () => {
    harness = startShards(1);
    const h = harness;
    const { conn, transport } = await h.connect(0);
    h.send(0, conn, '{"id":2,"subscribe":{"channel":"feed"}}');
    await h.until(() => transport.replies().some((r) => r['id'] === 2));
    for (let n = 0; n < 20; n++) void h.shards[0]!.publish('feed', `{"n":${n}}`);
    await h.until(() => transport.replies().filter((r) => r['push'] !== undefined).length === 20);
    const seen = transport.replies().filter((r) => r['push'] !== undefined).map((r) => ((r['push'] as { pub: { data: { n: number } } }).pub.data.n));
    assert.deepEqual(seen, [...Array(20).keys()]);
  });
});
