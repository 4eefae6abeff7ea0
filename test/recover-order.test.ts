/**
 * A subscribe reply precedes the channel's publications (docs/architecture.md,
 * ordering 3) also when several sockets of one channel join in one turn.
 *
 * The soak's out-of-order arrivals after a shard kill: reconnecting clients'
 * RECOVER_RESULTs for one channel arrive in one batch with the channel's
 * fan-outs between them. Socket A joins (its reply queued), publication 297
 * is queued for the topic, socket B joins: ChannelTopics.add flushes the
 * topic's queued frames before B joins, which published 297 to A at once,
 * while A's reply still waited for the turn's flush: A got 297 before its
 * subscribe reply (which recovered only up to 296).
 *
 * The uWS app here is a model: a topic publish reaches each socket on the
 * topic at once, ahead of anything that socket sends later (uWS drains a
 * socket's topic messages before its own sends).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TemplatedApp } from 'uWebSockets.js';
import { LocalChannels } from '../src/shards/subscriber/local-channels';
import { Writer } from '../src/shards/session/writer';
import { Postman } from '../src/shards/messaging/postman';
import { ConnState, type Connection } from '../src/shards/session/connection';
import { FanoutKind, ProtocolBit, type Fanout } from '../src/shards/messaging/fanout';
import { MessageType } from '../src/shards/messaging/messages';
import { ownerOf } from '../src/shards/messaging/owner-of';
import { jsonPublicationFrame } from '../src/shards/owner/publication-frames';
import type { JoinOutcome } from '../src/shards/subscriber/local-channel';
import type { EncodedReply } from '../src/protocol/names';

const CHANNEL = 'soak:12';
const EPOCH = 'e1';
const utf8 = new TextDecoder();

const text = (r: EncodedReply): string => (typeof r === 'string' ? r : utf8.decode(r));

/** What reaches sockets through topics and sends, per socket, in write order. */
class FakeApp {
  readonly topics = new Map<string, Set<FakeSocket>>();

  publish(topic: string, frame: Uint8Array): boolean {
    for (const socket of this.topics.get(topic) ?? []) socket.written.push(...text(frame).split('\n'));
    return true;
  }

  numSubscribers(topic: string): number {
    return this.topics.get(topic)?.size ?? 0;
  }
}

class FakeSocket {
  readonly written: string[] = [];
  conn: Connection | null = null;
  constructor(private readonly app: FakeApp) {}
  get name(): 'websocket' {
    return 'websocket';
  }
  readonly protocol = 'json' as const;
  readonly nativeTopics = true;
  readonly unidirectional = false;
  subscribe(topic: string): void {
    let set = this.app.topics.get(topic);
    if (!set) this.app.topics.set(topic, (set = new Set()));
    set.add(this);
  }
  unsubscribe(topic: string): void {
    this.app.topics.get(topic)?.delete(this);
  }
  send(replies: readonly EncodedReply[]): void {
    for (const r of replies) this.written.push(...text(r).split('\n'));
  }
  bufferedAmount(): number {
    return 0;
  }
  end(): void {}
  close(): void {}
}

function connection(id: string, socket: FakeSocket): Connection {
  return {
    id,
    transport: socket,
    state: ConnState.Connected,
    user: '',
    channels: new Set(),
    pending: new Set(),
    serverSide: new Set(),
    modes: new Map(),
    outgoing: [],
    grants: new Map(),
    authorizing: new Set(),
  } as unknown as Connection;
}

function fanout(offset: number): Fanout {
  return {
    kind: FanoutKind.PUBLICATION,
    stamp: 0,
    channel: CHANNEL,
    offset,
    at: 0,
    epoch: EPOCH,
    binary: false,
    full: jsonPublicationFrame(CHANNEL, { data: `"${offset}"`, offset }),
    deltaFull: null,
    delta: null,
    pbFull: null,
    pbDelta: null,
  };
}

const pub = (offset: number) => ({ data: `"${offset}"`, offset });

/** What a socket saw of the channel: "reply <offset> [recovered offsets]" and "pub <offset>", in order. */
function events(socket: FakeSocket): string[] {
  return socket.written.map((line) => {
    const frame = JSON.parse(line);
    if (frame.push?.pub) return `pub ${frame.push.pub.offset}`;
    return `reply ${frame.result.offset} [${frame.result.pubs.join(',')}]`;
  });
}

function setup() {
  const owner = ownerOf(CHANNEL, 2);
  const self = 1 - owner;
  const app = new FakeApp();
  const writer = new Writer(app as unknown as TemplatedApp, 1 << 20, () => undefined, () => undefined, () => undefined);
  const postman = new Postman(self, { post: () => 'ok' }, () => undefined);
  const local = new LocalChannels(self, 2, postman, writer, { insufficientState: () => undefined, disconnect: () => undefined, subscribesItself: () => false });
  /** A socket subscribing with recover from `offset`; its reply carries the stream top and the recovered offsets. */
  const subscribe = (id: string, offset: number): FakeSocket => {
    const socket = new FakeSocket(app);
    const conn = connection(id, socket);
    socket.conn = conn;
    const onAttached = (outcome: JoinOutcome | null): void => {
      writer.send(conn, JSON.stringify({ id: 2, result: { offset: outcome!.top.offset, pubs: outcome!.publications.map((p) => p.offset) } }));
    };
    void local.join(conn, CHANNEL, onAttached, { positioned: true, recover: { offset, epoch: EPOCH } });
    return socket;
  };
  return { local, subscribe, writer };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('subscribe reply before the publications, several sockets joining in one turn', () => {
  test('a publication between two RECOVER_RESULTs reaches the first socket after its reply (was before it)', async () => {
    const { local, subscribe } = setup();
    const a = subscribe('a', 295);
    const b = subscribe('b', 295);
    local.onOwnerOk(CHANNEL, ProtocolBit.JSON); // both send RECOVER: rids 1 and 2
    // One batch from the owner's ring: A's answer, publication 297, B's answer.
    local.onRecoverResult({ t: MessageType.RECOVER_RESULT, rid: 1, ch: CHANNEL, top: { offset: 296, epoch: EPOCH }, recovered: true, pubs: [pub(296)] });
    local.onFanout(fanout(297));
    local.onRecoverResult({ t: MessageType.RECOVER_RESULT, rid: 2, ch: CHANNEL, top: { offset: 297, epoch: EPOCH }, recovered: true, pubs: [pub(296), pub(297)] });
    await settle();
    assert.deepEqual(events(a), ['reply 296 [296]', 'pub 297']);
    assert.deepEqual(events(b), ['reply 297 [296,297]']);
    // Later publications reach both, after their replies.
    local.onFanout(fanout(298));
    await settle();
    assert.deepEqual(events(a), ['reply 296 [296]', 'pub 297', 'pub 298']);
    assert.deepEqual(events(b), ['reply 297 [296,297]', 'pub 298']);
  });

  test('three joins with publications between them: each socket gets its reply first, then exactly the publications after its join point', async () => {
    const { local, subscribe } = setup();
    const a = subscribe('a', 10);
    const b = subscribe('b', 10);
    const c = subscribe('c', 10);
    local.onOwnerOk(CHANNEL, ProtocolBit.JSON);
    local.onRecoverResult({ t: MessageType.RECOVER_RESULT, rid: 1, ch: CHANNEL, top: { offset: 10, epoch: EPOCH }, recovered: true, pubs: [] });
    local.onFanout(fanout(11));
    local.onRecoverResult({ t: MessageType.RECOVER_RESULT, rid: 2, ch: CHANNEL, top: { offset: 11, epoch: EPOCH }, recovered: true, pubs: [pub(11)] });
    local.onFanout(fanout(12));
    local.onFanout(fanout(13));
    local.onRecoverResult({ t: MessageType.RECOVER_RESULT, rid: 3, ch: CHANNEL, top: { offset: 13, epoch: EPOCH }, recovered: true, pubs: [pub(11), pub(12), pub(13)] });
    local.onFanout(fanout(14));
    await settle();
    assert.deepEqual(events(a), ['reply 10 []', 'pub 11', 'pub 12', 'pub 13', 'pub 14']);
    assert.deepEqual(events(b), ['reply 11 [11]', 'pub 12', 'pub 13', 'pub 14']);
    assert.deepEqual(events(c), ['reply 13 [11,12,13]', 'pub 14']);
  });

  test('a socket that joined and left in the turn is not put back on the topic by a later join', async () => {
    const { local, subscribe } = setup();
    const a = subscribe('a', 20);
    const b = subscribe('b', 20);
    local.onOwnerOk(CHANNEL, ProtocolBit.JSON);
    local.onRecoverResult({ t: MessageType.RECOVER_RESULT, rid: 1, ch: CHANNEL, top: { offset: 20, epoch: EPOCH }, recovered: true, pubs: [] });
    local.leave(a.conn!, CHANNEL);
    local.onFanout(fanout(21));
    local.onRecoverResult({ t: MessageType.RECOVER_RESULT, rid: 2, ch: CHANNEL, top: { offset: 21, epoch: EPOCH }, recovered: true, pubs: [pub(21)] });
    local.onFanout(fanout(22));
    await settle();
    assert.deepEqual(events(a), ['reply 20 []']);
    assert.deepEqual(events(b), ['reply 21 [21]', 'pub 22']);
  });
});
