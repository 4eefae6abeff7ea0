/**
 * The subscriber side of channels: which local sockets are on each channel's
 * uWS topics, the registration of this shard with each channel's owner, and
 * the stream position this shard has seen for positioned subscribers.
 *
 * A channel is `pending` from the SUBSCRIBE_SHARD sent to its owner until the
 * owner's OK, then `active`. Sockets that subscribe while pending wait for the
 * OK; sockets that subscribe while active join at once, except positioned ones,
 * which first ask the owner for the stream position (RECOVER) and join when
 * the answer arrives. OK and RECOVER_RESULT travel on the FIFO that carries the
 * channel's publications and are handled synchronously as they are read, so a
 * socket joins exactly at the point its answer describes. When the last socket
 * leaves, the shard unregisters (UNSUBSCRIBE_SHARD) and forgets the channel.
 * See docs/architecture.md for why no publication is lost or duplicated.
 *
 * Topics per channel: the plain topic (channel name), the delta topic (delta
 * subscribers after their first, full publication) and the join/leave topic.
 */
import { Disconnects, Errors, Unsubscribes } from '../protocol/codes';
import { ReplyError } from '../protocol/errors';
import { encodePush } from '../protocol/json';
import { subscriptionMode, type Connection } from './connection';
import { deltaTopic, FanoutKind, joinLeaveTopic, plainTopic, type Fanout } from './fanout';
import { MessageType, type RecoverResultMessage, type WirePosition, type WirePublication } from './messages';
import { ownerOf } from './owner';
import type { Postman } from './postman';
import { SmallMap, SmallSet } from './small-collections';
import type { Writer } from './writer';

/** How a socket wants a channel. All fields default to false. */
export interface JoinOptions {
  /** Positioned: ask the owner for the position first; gaps end the subscription. */
  readonly positioned?: boolean;
  /** Recover from this client position (implies positioned). */
  readonly recover?: WirePosition;
  /** Cache recovery: only the latest publication. */
  readonly cache?: boolean;
  /** Most publications a recovery may return. */
  readonly recoveryLimit?: number;
  /** Fossil deltas negotiated. */
  readonly delta?: boolean;
  /** Receive join/leave pushes. */
  readonly joinLeave?: boolean;
  /** Announce the client to the owner (presence and/or join/leave on the channel). */
  readonly announce?: boolean;
  /** Raw JSON text of the channel info sent with presence and join/leave. */
  readonly chanInfo?: string;
}

/** What a positioned join learned from the owner. */
export interface JoinOutcome {
  /** The stream top at the join point. */
  readonly top: WirePosition;
  /** Set when recovery was asked. */
  readonly recovered?: boolean;
  readonly publications: readonly WirePublication[];
}

/** Called in the same step that puts the socket on the topic, so what it queues precedes any publication. */
export type OnAttached = (outcome: JoinOutcome | null) => void;

interface Waiter {
  readonly options: JoinOptions;
  readonly onAttached: OnAttached;
  readonly resolve: () => void;
  readonly reject: (err: ReplyError) => void;
  readonly timer: NodeJS.Timeout;
}

interface LocalChannel {
  active: boolean;
  /** Sockets on the channel (any topic). */
  readonly subscribers: Set<Connection>;
  /** Sockets waiting for the owner's OK. */
  readonly waiting: Map<Connection, Waiter>;
  /** Positioned sockets waiting for their RECOVER_RESULT, by request id. */
  readonly recovering: Map<number, { conn: Connection; waiter: Waiter }>;
  /** Positioned subscribers: ended with 2500/3010 on a gap or a new epoch. */
  readonly positioned: Set<Connection>;
  /** Delta subscribers that have not had their first (full) publication yet. */
  readonly deltaFresh: Set<Connection>;
  /** Delta subscribers on the delta topic. */
  deltaSubscribers: number;
  /** Plain subscribers on the plain topic. */
  plainSubscribers: number;
  /** Last position seen on this shard, or null. */
  position: WirePosition | null;
}

/** How long a subscribe waits for the owner, ms. */
const OWNER_TIMEOUT_MS = 10_000;

/** What LocalChannels needs from its shard beyond mailbox and writer. */
export interface LocalChannelsHost {
  /** Ends a client-side subscription (unsubscribe push) or, server-side, the connection. */
  insufficientState(conn: Connection, channel: string): void;
  /** Closes a connection. */
  disconnect(conn: Connection, code: number, reason: string): void;
}

const textDecoder = new TextDecoder();

/** Channels with subscribers on this shard. */
export class LocalChannels {
  private readonly channels = new Map<string, LocalChannel>();
  private nextRid = 1;

  constructor(
    private readonly shardId: number,
    private readonly shardCount: number,
    private readonly postman: Postman,
    private readonly writer: Writer,
    private readonly host: LocalChannelsHost,
  ) {}

  /**
   * Puts the socket on the channel; resolves once it is there. `onAttached`
   * runs at that moment (it queues the subscribe reply or push).
   */
  join(conn: Connection, channel: string, onAttached: OnAttached, options: JoinOptions = {}): Promise<void> {
    let local = this.channels.get(channel);
    if (!local) {
      local = {
        active: false,
        subscribers: new SmallSet(),
        waiting: new SmallMap(),
        recovering: new SmallMap(),
        positioned: new SmallSet(),
        deltaFresh: new SmallSet(),
        deltaSubscribers: 0,
        plainSubscribers: 0,
        position: null,
      };
      this.channels.set(channel, local);
      if (!this.register(channel)) {
        this.channels.delete(channel);
        return Promise.reject(new ReplyError(Errors.internal, 'channel owner mailbox full'));
      }
    }
    const target = local;
    conn.pending.add(channel);
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.forgetWaiter(conn, channel, target);
        reject(new ReplyError(Errors.internal, 'channel owner did not answer'));
      }, OWNER_TIMEOUT_MS);
      const waiter: Waiter = { options, onAttached, resolve, reject, timer };
      if (target.active) this.proceed(conn, channel, target, waiter);
      else target.waiting.set(conn, waiter);
    });
  }

  /** Takes the socket off the channel (unsubscribe, server unsubscribe). */
  leave(conn: Connection, channel: string): void {
    const local = this.channels.get(channel);
    conn.pending.delete(channel);
    if (!local) {
      conn.channels.delete(channel);
      conn.modes.delete(channel);
      return;
    }
    this.cancelWaits(conn, local, true);
    this.detach(conn, channel, local, true);
    this.releaseIfEmpty(channel);
  }

  /** Takes a closed socket off all its channels (uWS already dropped its topics). */
  leaveAll(conn: Connection): void {
    for (const channel of [...conn.channels, ...conn.pending]) {
      const local = this.channels.get(channel);
      if (!local) continue;
      this.cancelWaits(conn, local, false);
      this.detach(conn, channel, local, false);
      this.releaseIfEmpty(channel);
    }
    conn.channels.clear();
    conn.pending.clear();
    conn.modes.clear();
  }

  /** The owner confirmed: every later publication of the channel reaches this shard. */
  onOwnerOk(channel: string): void {
    const local = this.channels.get(channel);
    if (!local) return;
    local.active = true;
    const waiting = [...local.waiting];
    local.waiting.clear();
    for (const [conn, waiter] of waiting) this.proceed(conn, channel, local, waiter);
    this.releaseIfEmpty(channel);
  }

  /** The owner answered a positioned join: the socket joins now, at that position. */
  onRecoverResult(msg: RecoverResultMessage): void {
    const local = this.channels.get(msg.ch);
    const entry = local?.recovering.get(msg.rid);
    if (!local || !entry) return;
    local.recovering.delete(msg.rid);
    const { conn, waiter } = entry;
    clearTimeout(waiter.timer);
    if (msg.error || !msg.top) {
      conn.pending.delete(msg.ch);
      waiter.reject(new ReplyError(Errors.internal, msg.error?.message ?? 'recovery failed'));
      this.releaseIfEmpty(msg.ch);
      return;
    }
    // Positions seen on this shard continue from the owner's answer.
    if (!local.position || local.position.epoch !== msg.top.epoch || local.position.offset < msg.top.offset) {
      local.position = msg.top;
    }
    this.attach(conn, msg.ch, local, waiter.options);
    waiter.onAttached({
      top: msg.top,
      ...(msg.recovered !== undefined ? { recovered: msg.recovered } : {}),
      publications: msg.pubs ?? [],
    });
    waiter.resolve();
  }

  /** A fan-out record for a channel arrived from its owner. */
  onFanout(f: Fanout): void {
    const local = this.channels.get(f.channel);
    if (!local || !local.active) return;
    if (f.kind === FanoutKind.JOIN_LEAVE) {
      this.writer.publish(joinLeaveTopic(f.channel), f.full.slice());
      return;
    }
    if (f.offset > 0) this.checkPosition(f.channel, local, f.offset, f.epoch);
    // The frames are views into the mailbox: the writer keeps copies until its flush.
    if (local.plainSubscribers > 0) this.writer.publish(plainTopic(f.channel), f.full.slice());
    const forDelta = f.delta ?? f.deltaFull;
    if (local.deltaSubscribers > 0 && forDelta) this.writer.publish(deltaTopic(f.channel), forDelta.slice());
    if (local.deltaFresh.size > 0 && f.deltaFull) {
      // Their first publication is full; afterwards they are on the delta topic like the rest.
      const text = textDecoder.decode(f.deltaFull);
      const topic = deltaTopic(f.channel);
      this.writer.flushChannel(topic);
      for (const conn of local.deltaFresh) {
        this.writer.send(conn, text);
        this.writer.subscribe(conn, topic);
        local.deltaSubscribers++;
      }
      local.deltaFresh.clear();
    }
  }

  /**
   * Publications of the channel were lost on the way here (a full mailbox, or
   * with `positionedOnly` the broker's link): positioned subscriptions end
   * (2500/3010) and recover; the others are disconnected with 3008 unless
   * `positionedOnly`.
   */
  onDropped(channel: string, positionedOnly = false): void {
    const local = this.channels.get(channel);
    if (!local) return;
    local.position = null;
    for (const conn of [...local.subscribers]) {
      if (local.positioned.has(conn)) this.host.insufficientState(conn, channel);
      else if (!positionedOnly) this.host.disconnect(conn, Disconnects.slow.code, Disconnects.slow.reason);
    }
  }

  /**
   * A restarted owner lost its state: re-register every channel it owns,
   * re-announce presence silently, and end positioned subscriptions (their
   * stream and epoch are gone; they resubscribe and learn the new epoch).
   */
  reregisterOwnedBy(owner: number): void {
    for (const [channel, local] of this.channels) {
      if (ownerOf(channel, this.shardCount) !== owner) continue;
      // Pending registrations and recoveries are sent again too: the old ring and its messages are gone.
      if (local.subscribers.size === 0 && local.waiting.size === 0 && local.recovering.size === 0) continue;
      local.active = false;
      local.position = null;
      for (const [, { conn, waiter }] of local.recovering) local.waiting.set(conn, waiter);
      local.recovering.clear();
      this.register(channel);
      for (const conn of [...local.subscribers]) {
        if (local.positioned.has(conn)) {
          this.host.insufficientState(conn, channel);
          continue;
        }
        const mode = conn.modes.get(channel);
        if (mode?.announced) this.announce(conn, channel, true);
      }
    }
  }

  /** Local channels with their subscriber counts. */
  counts(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [channel, local] of this.channels) if (local.subscribers.size > 0) out.set(channel, local.subscribers.size);
    return out;
  }

  /** Number of channels with local subscribers. */
  get size(): number {
    return this.channels.size;
  }

  /** The channel is active: join now, or ask the owner for the position first. */
  private proceed(conn: Connection, channel: string, local: LocalChannel, waiter: Waiter): void {
    const o = waiter.options;
    if (!o.positioned && !o.recover) {
      clearTimeout(waiter.timer);
      this.attach(conn, channel, local, o);
      waiter.onAttached(null);
      waiter.resolve();
      return;
    }
    const rid = this.nextRid++;
    local.recovering.set(rid, { conn, waiter });
    const sent = this.postman.send(ownerOf(channel, this.shardCount), {
      t: MessageType.RECOVER,
      rid,
      from: this.shardId,
      ch: channel,
      ...(o.recover ? { since: o.recover } : {}),
      ...(o.cache ? { cache: true } : {}),
      limit: o.recoveryLimit ?? 0,
    });
    if (!sent) {
      local.recovering.delete(rid);
      clearTimeout(waiter.timer);
      conn.pending.delete(channel);
      waiter.reject(new ReplyError(Errors.internal, 'channel owner mailbox full'));
      this.releaseIfEmpty(channel);
    }
  }

  private attach(conn: Connection, channel: string, local: LocalChannel, o: JoinOptions): void {
    const mode = subscriptionMode(Boolean(o.positioned || o.recover), Boolean(o.delta), Boolean(o.joinLeave), Boolean(o.announce));
    conn.pending.delete(channel);
    conn.channels.add(channel);
    conn.modes.set(channel, mode);
    local.subscribers.add(conn);
    if (mode.positioned) local.positioned.add(conn);
    if (mode.delta) {
      local.deltaFresh.add(conn);
    } else {
      // Publications queued before this point belong to earlier subscribers only.
      this.writer.flushChannel(plainTopic(channel));
      this.writer.subscribe(conn, plainTopic(channel));
      local.plainSubscribers++;
    }
    if (mode.joinLeave) {
      this.writer.flushChannel(joinLeaveTopic(channel));
      this.writer.subscribe(conn, joinLeaveTopic(channel));
    }
    if (mode.announced) this.announce(conn, channel, false, o.chanInfo);
  }

  /** Takes the socket off the channel's topics and sets; `open` when the socket still exists. */
  private detach(conn: Connection, channel: string, local: LocalChannel, open: boolean): void {
    const mode = conn.modes.get(channel);
    conn.channels.delete(channel);
    conn.modes.delete(channel);
    if (!local.subscribers.delete(conn) || !mode) return;
    local.positioned.delete(conn);
    if (mode.delta) {
      if (!local.deltaFresh.delete(conn)) {
        local.deltaSubscribers--;
        this.writer.unsubscribe(conn, deltaTopic(channel), open);
      }
    } else {
      local.plainSubscribers--;
      this.writer.unsubscribe(conn, plainTopic(channel), open);
    }
    if (mode.joinLeave) this.writer.unsubscribe(conn, joinLeaveTopic(channel), open);
    if (mode.announced) {
      this.postman.send(ownerOf(channel, this.shardCount), {
        t: MessageType.PRESENCE_LEAVE,
        ch: channel,
        from: this.shardId,
        user: conn.user,
        client: conn.id,
        ...(conn.connInfo !== undefined ? { connInfo: conn.connInfo } : {}),
      });
    }
  }

  private announce(conn: Connection, channel: string, silent: boolean, chanInfo?: string): void {
    this.postman.send(ownerOf(channel, this.shardCount), {
      t: MessageType.PRESENCE_JOIN,
      ch: channel,
      from: this.shardId,
      user: conn.user,
      client: conn.id,
      ...(conn.connInfo !== undefined ? { connInfo: conn.connInfo } : {}),
      ...(chanInfo !== undefined ? { chanInfo } : {}),
      ...(silent ? { silent: true } : {}),
    });
  }

  /** Publications reach this shard in stream order; a gap or a new epoch ends positioned subscriptions. */
  private checkPosition(channel: string, local: LocalChannel, offset: number, epoch: string): void {
    const seen = local.position;
    local.position = { offset, epoch };
    if (!seen || (seen.epoch === epoch && offset === seen.offset + 1)) return;
    if (seen.epoch === epoch && offset <= seen.offset) {
      // Not newer than what was seen: cannot happen on a FIFO; keep the higher position.
      local.position = seen;
      return;
    }
    for (const conn of [...local.positioned]) this.host.insufficientState(conn, channel);
  }

  private cancelWaits(conn: Connection, local: LocalChannel, reject: boolean): void {
    const waiter = local.waiting.get(conn);
    if (waiter) {
      clearTimeout(waiter.timer);
      local.waiting.delete(conn);
      if (reject) waiter.reject(new ReplyError(Errors.internal, 'unsubscribed'));
    }
    for (const [rid, entry] of local.recovering) {
      if (entry.conn !== conn) continue;
      clearTimeout(entry.waiter.timer);
      local.recovering.delete(rid);
      if (reject) entry.waiter.reject(new ReplyError(Errors.internal, 'unsubscribed'));
    }
  }

  private forgetWaiter(conn: Connection, channel: string, local: LocalChannel): void {
    local.waiting.delete(conn);
    for (const [rid, entry] of local.recovering) if (entry.conn === conn) local.recovering.delete(rid);
    conn.pending.delete(channel);
    this.releaseIfEmpty(channel);
  }

  private register(channel: string): boolean {
    return this.postman.send(ownerOf(channel, this.shardCount), {
      t: MessageType.SUBSCRIBE_SHARD,
      ch: channel,
      from: this.shardId,
    });
  }

  private releaseIfEmpty(channel: string): void {
    const local = this.channels.get(channel);
    if (!local || !local.active) return;
    if (local.subscribers.size > 0 || local.waiting.size > 0 || local.recovering.size > 0) return;
    this.channels.delete(channel);
    this.postman.send(ownerOf(channel, this.shardCount), {
      t: MessageType.UNSUBSCRIBE_SHARD,
      ch: channel,
      from: this.shardId,
    });
  }
}

/** The unsubscribe push that ends a positioned client-side subscription (the SDK resubscribes and recovers). */
export function insufficientStatePush(channel: string): string {
  return encodePush(
    channel,
    'unsubscribe',
    JSON.stringify({ code: Unsubscribes.insufficientState.code, reason: Unsubscribes.insufficientState.reason }),
  );
}
