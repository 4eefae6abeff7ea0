/*
 * src/shards/subscriber/: the subscriber side of channels on one shard: local
 * subscribers, their topics per protocol and mode, joins waiting for the
 * owner, positions seen. May import (in shards): session, messaging.
 */
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
 * With the Redis broker a channel that needs nothing from its owner is
 * registered with this shard itself instead (LocalChannel.registrar): this
 * shard's owner side then holds its own Redis subscription of the channel and
 * fans each publication out to this shard only, so none crosses a mailbox.
 *
 * Topics per channel and protocol: the plain topic (the channel name for JSON,
 * `channel\0p` for Protobuf), the delta topic (delta subscribers after their
 * first, full publication) and the join/leave topic. The owner encodes each
 * publication only in the protocols this shard registered for
 * (channel-protocols.ts); a socket whose protocol is not registered yet waits
 * for the owner's OK like the first socket of a channel.
 *
 * Its parts: owner-asks.ts sends the asks and presence notices of single
 * sockets, channel-delivery.ts hands fan-out records to the topics and checks
 * positions, table-marks.ts keeps this shard's bits in the subscriber table.
 */
import { Errors } from '../../protocol/codes';
import { ReplyError } from '../../protocol/errors';
import { ChannelProtocols } from './channel-protocols';
import { ChannelTopics } from './channel-topics';
import { joinedOrPendingChannels, subscriptionMode, type Connection } from '../session/connection';
import { protocolBit, type Fanout } from '../messaging/fanout';
import type { SubscriberTable } from '../../common/subscriber-table';
import type { JoinOptions, LocalChannel, LocalChannelsHost, OnAttached, Waiter } from './local-channel';
import { MessageType, type PresenceJoinedMessage, type RecoverResultMessage } from '../messaging/messages';
import { ownerOf } from '../messaging/owner-of';
import type { Postman } from '../messaging/postman';
import { deleteReleasing, SmallMap, SmallSet } from '../../common/small-collections';
import type { Writer } from '../session/writer';
import { OwnerAsks, type Ask } from './owner-asks';
import { TableMarks } from './table-marks';
import { ChannelDelivery } from './channel-delivery';

export { insufficientStatePush, type JoinOptions, type JoinOutcome, type LocalChannelsHost, type OnAttached } from './local-channel';

/** How long a subscribe waits for the owner, ms. */
const OWNER_TIMEOUT_MS = 10_000;

/** Channels with subscribers on this shard. */
export class LocalChannels {
  private readonly channels = new Map<string, LocalChannel>();
  private readonly asks: OwnerAsks;
  private readonly marks: TableMarks;
  private readonly delivery: ChannelDelivery;

  constructor(
    private readonly shardId: number,
    private readonly shardCount: number,
    private readonly postman: Postman,
    private readonly writer: Writer,
    private readonly host: LocalChannelsHost,
    /** The process's subscriber table (its bits say where direct publications go); null: no direct path. */
    table: SubscriberTable | null = null,
  ) {
    this.asks = new OwnerAsks(shardId, shardCount, postman);
    this.marks = new TableMarks(shardId, table);
    this.delivery = new ChannelDelivery(host);
  }

  /** Publications handed to this shard's subscribers since start: each publication counts once per local subscriber of its channel. */
  get delivered(): number {
    return this.delivery.delivered;
  }

  /** Fan-out records that found no active local channel (a bucket's false positive, or a subscriber just gone) (counter). */
  get unmatched(): number {
    return this.delivery.unmatched;
  }

  /** Stops writing to the subscriber table (the shard stops; the acceptor clears its bits). */
  leaveTable(): void {
    this.marks.leave();
  }

  /**
   * Puts the socket on the channel; resolves once it is there. `onAttached`
   * runs at that moment (it queues the subscribe reply or push).
   */
  join(conn: Connection, channel: string, onAttached: OnAttached, options: JoinOptions = {}): Promise<void> {
    let local = this.channels.get(channel);
    const bit = protocolBit(conn.transport.protocol);
    if (!local) {
      local = {
        active: false,
        subscribers: new SmallSet(),
        waiting: null,
        asking: null,
        positioned: null,
        topics: new ChannelTopics(channel, this.writer),
        protocols: new ChannelProtocols(bit),
        position: null,
        bucket: this.marks.bucketOf(channel),
        tableBits: 0,
        early: null,
        registrar: this.shardCount > 1 && this.host.subscribesItself(channel) ? this.shardId : ownerOf(channel, this.shardCount),
      };
      this.channels.set(channel, local);
      if (!this.register(channel, local)) {
        this.channels.delete(channel);
        return Promise.reject(new ReplyError(Errors.internal, 'channel owner mailbox full'));
      }
      this.countWithOwner(channel, local, MessageType.SUBSCRIBE_SHARD);
      this.marks.mark(local, bit);
    } else if (local.protocols.add(bit) && !this.register(channel, local)) {
      local.protocols.undoAdd(bit);
      return Promise.reject(new ReplyError(Errors.internal, 'channel owner mailbox full'));
    } else {
      // Set before the socket can join, so before its subscribe reply: direct publications accepted after the reply come here.
      this.marks.mark(local, bit);
    }
    const target = local;
    (conn.pending ??= new SmallSet()).add(channel);
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.forgetWaiter(conn, channel, target);
        reject(new ReplyError(Errors.internal, 'channel owner did not answer'));
      }, OWNER_TIMEOUT_MS);
      const waiter: Waiter = { options, onAttached, resolve, reject, timer };
      if (target.active && target.protocols.ready(bit)) this.proceed(conn, channel, target, waiter);
      else (target.waiting ??= new SmallMap()).set(conn, waiter);
    });
  }

  /** Takes the socket off the channel (unsubscribe, server unsubscribe). */
  leave(conn: Connection, channel: string): void {
    const local = this.channels.get(channel);
    deleteReleasing(conn, 'pending', channel);
    if (!local) {
      conn.channels.delete(channel);
      conn.modes.delete(channel);
      return;
    }
    this.cancelWaits(conn, channel, local, true);
    this.detach(conn, channel, local, true);
    this.narrowProtocols(channel, local);
    this.releaseIfEmpty(channel);
  }

  /** Takes a closed socket off all its channels (uWS already dropped its topics). */
  leaveAll(conn: Connection): void {
    for (const channel of joinedOrPendingChannels(conn)) {
      const local = this.channels.get(channel);
      if (!local) continue;
      this.cancelWaits(conn, channel, local, false);
      this.detach(conn, channel, local, false);
      this.narrowProtocols(channel, local);
      this.releaseIfEmpty(channel);
    }
    conn.channels.clear();
    conn.pending = null;
    conn.modes.clear();
  }

  /** The owner confirmed: every later publication of the channel reaches this shard, in the protocols of `bits`. */
  onOwnerOk(channel: string, bits: number): void {
    const local = this.channels.get(channel);
    if (!local) return;
    local.active = true;
    local.protocols.ok(bits);
    const waiting = [...(local.waiting ?? [])].filter(([conn]) => local.protocols.ready(protocolBit(conn.transport.protocol)));
    for (const [conn, waiter] of waiting) {
      deleteReleasing(local, 'waiting', conn);
      this.proceed(conn, channel, local, waiter);
    }
    const early = local.early;
    local.early = null;
    if (early) for (const f of early) this.delivery.deliver(local, f);
    this.releaseIfEmpty(channel);
  }

  /**
   * The owner could not subscribe the channel on its broker (it logged why):
   * the sockets waiting for a protocol it has not confirmed get error 100 now,
   * and a channel that never became active is forgotten.
   */
  onOwnerFailed(channel: string, reason: string): void {
    const local = this.channels.get(channel);
    if (!local) return;
    local.protocols.failed();
    for (const [conn, waiter] of [...(local.waiting ?? [])]) {
      if (local.active && local.protocols.ready(protocolBit(conn.transport.protocol))) continue;
      clearTimeout(waiter.timer);
      deleteReleasing(local, 'waiting', conn);
      deleteReleasing(conn, 'pending', channel);
      waiter.reject(new ReplyError(Errors.internal, reason));
    }
    if (!local.active && local.protocols.settled() && local.subscribers.size === 0 && !joinsInFlight(local)) {
      // The owner kept nothing of this registration: nothing to unsubscribe (but the count-only one).
      this.forget(channel, local);
      this.countWithOwner(channel, local, MessageType.UNSUBSCRIBE_SHARD);
      return;
    }
    this.releaseIfEmpty(channel);
  }

  /** The owner answered a positioned join: the socket joins now, at that position. */
  onRecoverResult(msg: RecoverResultMessage): void {
    const answered = this.takeAnswer(msg.ch, msg.rid, msg.error?.message ?? (msg.top ? undefined : 'recovery failed'));
    if (!answered || !msg.top) return;
    const { local, conn, waiter } = answered;
    // Positions seen on this shard continue from the owner's answer.
    if (!local.position || local.position.epoch !== msg.top.epoch || local.position.offset < msg.top.offset) {
      local.position = msg.top;
    }
    // A presence join went with the RECOVER.
    this.attach(conn, msg.ch, local, waiter.options, !waiter.options.presence);
    waiter.onAttached({
      top: msg.top,
      ...(msg.recovered !== undefined ? { recovered: msg.recovered } : {}),
      publications: msg.pubs ?? [],
    });
    waiter.resolve();
  }

  /** The owner holds the presence entry of a waiting socket: it joins now (its reply goes before any later publication). */
  onPresenceJoined(msg: PresenceJoinedMessage): void {
    const answered = this.takeAnswer(msg.ch, msg.rid, msg.error?.message);
    if (!answered) return;
    const { local, conn, waiter } = answered;
    this.attach(conn, msg.ch, local, waiter.options, false);
    waiter.onAttached(null);
    waiter.resolve();
  }

  /**
   * Takes the socket whose join the owner answered off `asking`; with
   * `error`, fails its join (100) and returns null. Null too when the socket
   * stopped waiting meanwhile (it left, or timed out).
   */
  private takeAnswer(channel: string, rid: number, error: string | undefined): (Ask & { local: LocalChannel }) | null {
    const local = this.channels.get(channel);
    const ask = local ? this.asks.take(local, rid) : null;
    if (!local || !ask) return null;
    const { conn, waiter } = ask;
    clearTimeout(waiter.timer);
    if (error === undefined) return { local, conn, waiter };
    deleteReleasing(conn, 'pending', channel);
    waiter.reject(new ReplyError(Errors.internal, error));
    this.releaseIfEmpty(channel);
    return null;
  }

  /** A fan-out record for a channel arrived (from its owner, or directly from the shard that took the publish). */
  onFanout(f: Fanout): void {
    this.delivery.deliver(this.channels.get(f.channel), f);
  }

  /**
   * Publications of the channel were lost on the way here (a full mailbox, or
   * with `positionedOnly` the broker's link, or with `unrecoverable` a broker
   * without history): positioned subscriptions end (2500/3010) and recover;
   * the others are disconnected with 3008 (3010 when unrecoverable) unless
   * `positionedOnly`.
   */
  onDropped(channel: string, positionedOnly = false, unrecoverable = false): void {
    const local = this.channels.get(channel);
    if (local) this.delivery.dropped(channel, local, positionedOnly, unrecoverable);
  }

  /**
   * A restarted owner lost its state: re-register every channel it owns,
   * re-announce presence silently, and end positioned subscriptions (their
   * stream and epoch are gone; they resubscribe and learn the new epoch).
   */
  reregisterOwnedBy(owner: number): void {
    for (const [channel, local] of this.channels) {
      if (local.registrar !== owner) {
        // Registered with this shard itself: the restarted owner only counted it.
        if (ownerOf(channel, this.shardCount) === owner) this.countWithOwner(channel, local, MessageType.SUBSCRIBE_SHARD);
        continue;
      }
      // Pending registrations and recoveries are sent again too: the old ring and its messages are gone.
      if (local.subscribers.size === 0 && !joinsInFlight(local)) continue;
      local.active = false;
      local.position = null;
      local.protocols.reset();
      if (local.asking) for (const [, { conn, waiter }] of local.asking) (local.waiting ??= new SmallMap()).set(conn, waiter);
      local.asking = null;
      this.register(channel, local);
      for (const conn of [...local.subscribers]) {
        if (local.positioned?.has(conn)) {
          this.host.insufficientState(conn, channel);
          continue;
        }
        const mode = conn.modes.get(channel);
        if (mode?.announced) this.asks.join(conn, channel, true, conn.grants.get(channel)?.info);
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

  /**
   * The channel is active: join now, or ask the owner first, for the position
   * (RECOVER) or for the client's presence entry (PRESENCE_JOIN with a
   * request id; a positioned ask carries the presence join too).
   */
  private proceed(conn: Connection, channel: string, local: LocalChannel, waiter: Waiter): void {
    const o = waiter.options;
    const positioned = Boolean(o.positioned || o.recover);
    if (!positioned && !o.presence) {
      clearTimeout(waiter.timer);
      this.attach(conn, channel, local, o, true);
      waiter.onAttached(null);
      waiter.resolve();
      return;
    }
    if (!this.asks.send(conn, channel, local, waiter, positioned)) {
      clearTimeout(waiter.timer);
      deleteReleasing(conn, 'pending', channel);
      waiter.reject(new ReplyError(Errors.internal, 'channel owner mailbox full'));
      this.releaseIfEmpty(channel);
    }
  }

  /** Puts the socket on the channel; `announce`: tell the owner of the join now (false when the ask already did). */
  private attach(conn: Connection, channel: string, local: LocalChannel, o: JoinOptions, announce: boolean): void {
    const mode = subscriptionMode(Boolean(o.positioned || o.recover), Boolean(o.delta), Boolean(o.joinLeave), Boolean(o.announce));
    deleteReleasing(conn, 'pending', channel);
    conn.channels.add(channel);
    conn.modes.set(channel, mode);
    local.subscribers.add(conn);
    if (mode.positioned) (local.positioned ??= new SmallSet()).add(conn);
    local.topics.add(conn, mode, o.filter);
    if (mode.announced && announce) this.asks.join(conn, channel, false, o.chanInfo);
  }

  /** Takes the socket off the channel's topics and sets; `open` when the socket still exists. */
  private detach(conn: Connection, channel: string, local: LocalChannel, open: boolean): void {
    const mode = conn.modes.get(channel);
    conn.channels.delete(channel);
    conn.modes.delete(channel);
    if (!local.subscribers.delete(conn) || !mode) return;
    deleteReleasing(local, 'positioned', conn);
    local.topics.remove(conn, mode, open);
    if (mode.announced) this.asks.leave(conn, channel, conn.grants.get(channel)?.info);
  }

  private cancelWaits(conn: Connection, channel: string, local: LocalChannel, reject: boolean): void {
    const waiter = local.waiting?.get(conn);
    if (waiter) {
      clearTimeout(waiter.timer);
      deleteReleasing(local, 'waiting', conn);
      if (reject) waiter.reject(new ReplyError(Errors.internal, 'unsubscribed'));
    }
    this.asks.dropAll(conn, channel, local, (asked) => {
      clearTimeout(asked.timer);
      if (reject) asked.reject(new ReplyError(Errors.internal, 'unsubscribed'));
    });
  }

  private forgetWaiter(conn: Connection, channel: string, local: LocalChannel): void {
    deleteReleasing(local, 'waiting', conn);
    this.asks.dropAll(conn, channel, local);
    deleteReleasing(conn, 'pending', channel);
    this.releaseIfEmpty(channel);
  }

  /** Sends the owner the channel's protocol set (SUBSCRIBE_SHARD); false when its mailbox is full. */
  private register(channel: string, local: LocalChannel): boolean {
    const sent = this.postman.send(local.registrar, {
      t: MessageType.SUBSCRIBE_SHARD,
      ch: channel,
      from: this.shardId,
      ...local.protocols.messageField(),
    });
    if (sent) local.protocols.sent();
    return sent;
  }

  /**
   * The last socket of a protocol left a channel that still has others: the
   * owner stops encoding for that protocol (this shard's share of it).
   */
  private narrowProtocols(channel: string, local: LocalChannel): void {
    let needed = local.topics.protocolsInUse();
    for (const conn of local.waiting?.keys() ?? []) needed |= protocolBit(conn.transport.protocol);
    for (const { conn } of local.asking?.values() ?? []) needed |= protocolBit(conn.transport.protocol);
    const before = local.protocols.requested;
    if (local.protocols.shrinkTo(needed) && !this.register(channel, local)) local.protocols.requested = before;
    if (needed !== 0) this.marks.unmark(local, local.tableBits & ~needed);
  }

  /** Forgets a channel: it no longer counts in its bucket. */
  private forget(channel: string, local: LocalChannel): void {
    this.channels.delete(channel);
    this.marks.unmark(local, local.tableBits);
  }

  private releaseIfEmpty(channel: string): void {
    const local = this.channels.get(channel);
    // Not while an OK is owed: it would be taken for the answer to a later registration.
    if (!local || !local.active || !local.protocols.settled()) return;
    if (local.subscribers.size > 0 || joinsInFlight(local)) return;
    this.forget(channel, local);
    this.postman.sendNotice(local.registrar, {
      t: MessageType.UNSUBSCRIBE_SHARD,
      ch: channel,
      from: this.shardId,
    });
    this.countWithOwner(channel, local, MessageType.UNSUBSCRIBE_SHARD);
  }

  /**
   * A channel this shard subscribes itself still counts among the node's
   * channels at its owner (count-only registration, SubscribeShard.c); a
   * full mailbox delays the count, as any notice (Postman.sendNotice).
   */
  private countWithOwner(
    channel: string,
    local: LocalChannel,
    t: typeof MessageType.SUBSCRIBE_SHARD | typeof MessageType.UNSUBSCRIBE_SHARD,
  ): void {
    const owner = ownerOf(channel, this.shardCount);
    if (local.registrar === owner) return;
    this.postman.sendNotice(owner, { t, ch: channel, from: this.shardId, c: 1 });
  }
}

/** Whether sockets wait to join the channel (for the owner's OK or its answer to an ask). */
function joinsInFlight(local: LocalChannel): boolean {
  return local.waiting !== null || local.asking !== null;
}
