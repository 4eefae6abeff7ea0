/**
 * Outgoing frames. Replies and pushes for one connection that are produced in
 * the same event-loop turn are joined into one WebSocket frame by its
 * transport, and publications for one topic are joined before uWS's native
 * topic publish: with `\n` for JSON topics, varint-delimited for Protobuf ones. One flush per turn writes replies first, then publications,
 * so a subscribe reply always precedes the channel's first publication.
 */
import { bump, type WriteCounters } from '../../metrics/shard-metrics';
import type { TemplatedApp } from 'uWebSockets.js';
import { ConnState, type Connection } from './connection';
import { encodeReplyFor } from './reply-encoding';
import { barePushTopic } from './transport';
import { joinDelimited, joinJson, varintSize } from '../../protocol/framing';
import type { EncodedReply, ProtocolType } from '../../protocol/names';
import { repliesToPushes } from '../../protocol/uni-push';
import { TopicQueues, type TopicQueue } from './topic-queues';

/** Largest frame built by joining publications, bytes; larger batches are split. */
const MAX_JOINED_FRAME = 64 * 1024;
/** Length of one window of Writer.frameAllowance(), ms: a large frame raises the slow limit for 10 to 20 s. */
export const FRAME_ALLOWANCE_WINDOW_MS = 10_000;
const NEWLINE = 0x0a;

/** Called when a connection's outgoing buffer passes the limit. */
export type SlowHandler = (conn: Connection) => void;

/** Called when a reply cannot be encoded in the connection's protocol (a binary payload for a JSON client: 3506). */
export type InappropriateHandler = (conn: Connection) => void;

/** Called when enough bytes were published to topics that some socket may be near its limit. */
export type PressureHandler = () => void;

/** Per-shard frame batching for replies and topic publications. */
export class Writer {
  private readonly dirty = new Set<Connection>();
  private readonly topics = new TopicQueues();
  /** Topic members whose transport has no native uWS topics: written to one by one. */
  private readonly direct = new Map<string, Set<Connection>>();
  /**
   * Connections put on each topic since the last flush: their subscribe reply
   * (queued right after they joined) is not written yet, so a publication
   * queued for the topic after they joined must not reach them before it
   * (flushChannel).
   */
  private readonly joined = new Map<string, Connection[]>();
  private scheduled = false;
  /** Publications written to topics (frames, before joining). */
  published = 0;
  /**
   * Bytes published to topics since the last buffer check: no socket's buffer
   * can have grown by more than this through topics. Past half the queue limit,
   * onPressure runs a check, so no socket goes far past its limit unnoticed.
   */
  private bytesSinceCheck = 0;
  /**
   * Set once a unidirectional WebSocket joined a topic (its bare-push topics):
   * until then publishing skips the bare-topic lookups altogether.
   */
  private bareTopicsInUse = false;
  /** Largest frame written in the current allowance window, and in the one before it, bytes. */
  private largestFrame = 0;
  private previousLargestFrame = 0;
  /** performance.now() when the current allowance window began, ms. */
  private windowStart = performance.now();

  /** Messages written to clients, by transport (metrics); the shard points it at its ShardMetrics. */
  counts: WriteCounters = { replies: new Map(), publications: new Map() };
  /** Called after each flush (the shard observes publish-to-write latency there); null for none. */
  afterFlush: (() => void) | null = null;
  /** Count the sockets of each topic publish (one native call per publish; on only with metrics). */
  countSockets = false;

  constructor(
    private readonly app: TemplatedApp,
    private readonly queueLimit: number,
    private readonly onSlow: SlowHandler,
    private readonly onPressure: PressureHandler,
    private readonly onInappropriate: InappropriateHandler,
    /** Topic frames of at least this many bytes are published with uWS's compress flag (`websocket.compression`); Infinity for none. */
    private readonly compressMinSize = Infinity,
    /** The same for the bare-push topics of unidirectional WebSockets (`uni_websocket.compression`). */
    private readonly bareCompressMinSize = Infinity,
  ) {}

  /**
   * Bytes a socket's buffer may hold beyond `client.queue_max_size` before
   * it counts as slow: the largest frame this shard wrote in the last
   * FRAME_ALLOWANCE_WINDOW_MS to 2× that. One message larger than the queue
   * limit (a publication of several MB) is thus delivered instead of
   * disconnecting every subscriber it was sent to; a socket that still holds
   * it once the windows have passed is slow as before.
   */
  frameAllowance(): number {
    const now = performance.now();
    if (now - this.windowStart >= FRAME_ALLOWANCE_WINDOW_MS) {
      this.previousLargestFrame = now - this.windowStart >= 2 * FRAME_ALLOWANCE_WINDOW_MS ? 0 : this.largestFrame;
      this.largestFrame = 0;
      this.windowStart = now;
    }
    return Math.max(this.largestFrame, this.previousLargestFrame);
  }

  /** Bytes a socket's buffer may hold before it is slow: the queue limit plus the frame allowance. */
  private slowLimit(): number {
    return this.queueLimit + this.frameAllowance();
  }

  /** Remembers the size of a frame written to sockets, for frameAllowance(). */
  private noteFrame(bytes: number): void {
    if (bytes > this.largestFrame) this.largestFrame = bytes;
  }

  /** Bytes published to topics since the last buffer check. */
  get publishedSinceCheck(): number {
    return this.bytesSinceCheck;
  }

  /** The buffer check ran: restart the count. */
  buffersChecked(): void {
    this.bytesSinceCheck = 0;
  }

  /**
   * Queues a reply or push for one connection: bytes already encoded in its
   * protocol, or JSON text, which is converted for a Protobuf connection.
   */
  send(conn: Connection, reply: EncodedReply): void {
    if (conn.state === ConnState.Closed) return;
    if (typeof reply === 'string') {
      const encoded = encodeReplyFor(conn.transport.protocol, reply);
      if (encoded === null) {
        this.onInappropriate(conn);
        return;
      }
      reply = encoded;
    }
    conn.outgoing.push(reply);
    this.dirty.add(conn);
    this.schedule();
  }

  /** Puts a connection on a topic: uWS's own for WebSockets, the Writer's list for other transports. */
  subscribe(conn: Connection, topic: string): void {
    let joined = this.joined.get(topic);
    if (!joined) {
      joined = [];
      this.joined.set(topic, joined);
    }
    joined.push(conn);
    // The next flush writes the reply and forgets the joiners.
    this.schedule();
    this.join(conn, topic);
  }

  /** Puts a connection on a topic (no joiner bookkeeping). */
  private join(conn: Connection, topic: string): void {
    if (conn.transport.nativeTopics) {
      if (conn.transport.unidirectional) this.bareTopicsInUse = true;
      conn.transport.subscribe(topic);
      return;
    }
    let members = this.direct.get(topic);
    if (!members) {
      members = new Set();
      this.direct.set(topic, members);
    }
    members.add(conn);
  }

  /** Takes a connection off a topic; `open` when its transport still exists. */
  unsubscribe(conn: Connection, topic: string, open: boolean): void {
    const joined = this.joined.get(topic);
    if (joined?.includes(conn)) {
      const rest = joined.filter((c) => c !== conn);
      if (rest.length > 0) this.joined.set(topic, rest);
      else this.joined.delete(topic);
    }
    this.leave(conn, topic, open);
  }

  /** Takes a connection off a topic (no joiner bookkeeping). */
  private leave(conn: Connection, topic: string, open: boolean): void {
    if (conn.transport.nativeTopics) {
      if (open) conn.transport.unsubscribe(topic);
      return;
    }
    const members = this.direct.get(topic);
    if (!members) return;
    members.delete(conn);
    if (members.size === 0) this.direct.delete(topic);
  }

  /** Queues a publication frame (one Reply, in the topic's protocol) for every local subscriber of a topic. */
  publish(topic: string, frame: Uint8Array, protocol: ProtocolType = 'json'): void {
    this.topics.add(topic, frame, protocol);
    this.schedule();
  }

  /**
   * Publishes what is queued for one channel now. Called before a socket joins
   * the topic, so it does not receive publications from before its subscribe point.
   *
   * Sockets that joined the topic earlier in this turn still have their
   * subscribe reply queued (a flush writes replies first): the frames must
   * not overtake it. They are kept off this publish and get the frames
   * queued behind their replies instead, in the same frame as those.
   */
  flushChannel(topic: string): void {
    const queue = this.topics.take(topic);
    if (queue === null) return;
    const waiting = this.joined.get(topic)?.filter((conn) => conn.state !== ConnState.Closed && conn.outgoing.length > 0) ?? [];
    for (const conn of waiting) this.leave(conn, topic, true);
    this.publishFrames(queue);
    for (const conn of waiting) {
      this.join(conn, topic);
      // Written (and counted) with its replies.
      for (const frame of queue.frames) conn.outgoing.push(frame);
    }
  }

  /** Writes everything queued: replies first, then publications. */
  flush(): void {
    this.scheduled = false;
    // Cleared only when used: V8 allocates a new table for every Map or Set clear(), even of an empty one.
    if (this.dirty.size > 0) {
      for (const conn of this.dirty) this.flushConnection(conn);
      this.dirty.clear();
    }
    // Every reply queued so far is written: publications may reach the joiners now.
    if (this.joined.size > 0) this.joined.clear();
    this.topics.drain(this.publishQueue);
    this.afterFlush?.();
  }

  /** Writes one connection's queued frames now (used before closing it). */
  flushConnection(conn: Connection): void {
    if (conn.outgoing.length === 0) return;
    const replies = conn.outgoing;
    conn.outgoing = [];
    if (conn.state === ConnState.Closed) return;
    bump(this.counts.replies, conn.transport.name, replies.length);
    for (const reply of replies) this.noteFrame(reply.length);
    conn.transport.send(replies);
    if (conn.transport.bufferedAmount() > this.slowLimit()) this.onSlow(conn);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => this.flush());
  }

  /** publishFrames, bound once (TopicQueues.drain's callback). */
  private readonly publishQueue = (queue: TopicQueue): void => this.publishFrames(queue);

  private publishFrames(queue: TopicQueue): void {
    const { topic, frames, protocol } = queue;
    this.published += frames.length;
    for (const frame of frames) this.noteFrame(frame.length);
    const members = this.direct.get(topic);
    if (members) {
      // A transport may keep the list it is given (a stream that is not writable yet); the queue's own is reused next turn.
      const kept = frames.slice();
      for (const conn of members) {
        if (conn.state === ConnState.Closed) continue;
        bump(this.counts.publications, conn.transport.name, kept.length);
        conn.transport.send(kept);
        if (conn.transport.bufferedAmount() > this.slowLimit()) this.onSlow(conn);
      }
    }
    const binary = protocol === 'protobuf';
    if (!binary) this.publishBare(topic, frames);
    let start = 0;
    while (start < frames.length) {
      let size = framedSize(frames[start]!, binary);
      let end = start + 1;
      while (end < frames.length && size + framedSize(frames[end]!, binary) <= MAX_JOINED_FRAME) {
        size += framedSize(frames[end]!, binary);
        end++;
      }
      const frame = binary ? joinDelimited(frames.slice(start, end)) : end - start === 1 ? frames[start]! : join(frames, start, end, size - 1);
      // Counted per socket, as Centrifugo counts each message it writes.
      if (this.countSockets) {
        const sockets = this.app.numSubscribers(topic);
        if (sockets > 0) bump(this.counts.publications, 'websocket', (end - start) * sockets);
      }
      this.app.publish(topic, frame, binary, frame.length >= this.compressMinSize);
      this.bytesSinceCheck += size;
      start = end;
    }
    if (this.bytesSinceCheck > this.queueLimit / 2) this.onPressure();
  }

  /** Publishes a JSON topic's frames as bare pushes to the unidirectional sockets on its bare topics, if any. */
  private publishBare(topic: string, frames: readonly Uint8Array[]): void {
    if (!this.bareTopicsInUse) return;
    const single = barePushTopic(topic, false);
    const joined = barePushTopic(topic, true);
    const toSingle = this.app.numSubscribers(single) > 0;
    const toJoined = this.app.numSubscribers(joined) > 0;
    if (!toSingle && !toJoined) return;
    const pushes = repliesToPushes(frames);
    for (const push of pushes) this.bytesSinceCheck += push.length;
    const min = this.bareCompressMinSize;
    if (toSingle) for (const push of pushes) this.app.publish(single, push, false, push.length >= min);
    if (toJoined && pushes.length > 0) {
      const frame = joinJson(pushes);
      this.app.publish(joined, frame, false, frame.length >= min);
    }
  }
}

/** Bytes a frame takes in a joined topic frame: its `\n` separator, or its varint length prefix. */
function framedSize(frame: Uint8Array, delimited: boolean): number {
  return (delimited ? varintSize(frame.length) : 1) + frame.length;
}

function join(frames: readonly Uint8Array[], start: number, end: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (let i = start; i < end; i++) {
    if (i > start) out[at++] = NEWLINE;
    out.set(frames[i]!, at);
    at += frames[i]!.length;
  }
  return out;
}
