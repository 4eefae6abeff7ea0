/*
 * src/shards/owner/: the owner side of the channels this shard owns: broker
 * subscription, fan-out encoding, recovery reads, presence and join/leave,
 * owner queries, the recovery rule, fossil deltas. May import (in shards):
 * messaging, access (channel rules), context types.
 */
/**
 * The owner side of channels: for each channel this shard owns (ownerOf), the
 * set of shards that have local subscribers (with the protocols each needs),
 * the broker subscription, and (through OwnerPresence, owner-presence.ts)
 * the channel's presence. A publication is encoded here once per protocol in
 * use (plus once for delta subscribers) and its bytes go to each subscribed
 * shard.
 *
 * Ordering: a shard is added to a channel's set in the same step that sends it
 * SUBSCRIBE_SHARD_OK, on the same FIFO mailbox that carries publications, so the
 * shard receives exactly the publications fanned out after its OK. A RECOVER
 * answer is sent after every publication the owner fanned out while it read
 * the history, and it includes those publications, so the socket that joins at
 * the answer misses none and sees none twice.
 */
import type { Broker, Publication, StreamPosition } from '../../broker/broker';
import type { PresenceManager } from '../../broker/presence';
import type { ClientInfo } from '../../protocol/json';
import type { ChannelRules, ResolvedChannel } from '../access/channel-rules';
import { bump, type ShardMetrics } from '../../metrics/shard-metrics';
import { isBinaryInfo, isBinaryPublication } from './publication-frames';
import { jsonFrames, joinLeaveFrames, NO_JSON_FRAMES, NO_PROTOBUF_FRAMES, protobufFrames } from './owner-frames';
import type { SubscriberTable } from '../../common/subscriber-table';
import { FanoutKind, fanoutParts, ProtocolBit, type Fanout } from '../messaging/fanout';
import {
  MessageType,
  type PresenceJoinedMessage,
  type PresenceJoinMessage,
  type PresenceLeaveMessage,
  type RecoverMessage,
  type RecoverResultMessage,
} from '../messaging/messages';
import type { Postman } from '../messaging/postman';
import { ownerOf } from '../messaging/owner-of';
import { recoveryOutcome, recoveryRead } from './recovery-rule';
import { deleteReleasing, SmallMap, SmallSet } from '../../common/small-collections';
import type { PublishParams } from '../context';
import type { Logger } from '../../common/log';
import { Errors } from '../../protocol/codes';
import { OwnerPresence } from './owner-presence';

/** The error of an ask whose presence entry could not be written (the subscribe fails with 100, and the client retries). */
const PRESENCE_FAILED = { code: Errors.internal.code, message: 'presence failed' } as const;

/** What the owner keeps of one channel it owns: the shards subscribed to it, their protocols, its subscribe/unsubscribe steps and its history reads in flight. */
export interface OwnedChannel {
  /** True when this shard is the channel's owner (ownerOf); false for this shard's own subscription of a channel it does not own (direct-fanout.ts subscribesItself). */
  readonly owner: boolean;
  readonly shards: Set<number>;
  /** Protocol bits each subscribed shard needs (fanout.ts ProtocolBit). */
  readonly protocols: Map<number, number>;
  /** Union of `protocols`: the encodings each publication is made in. */
  mask: number;
  /** Serializes subscribe/unsubscribe steps for this channel. */
  tail: Promise<void>;
  /** Steps queued on `tail` and not finished. */
  steps: number;
  /** Publications fanned out while history reads are in flight, one buffer per read; null when none (an empty set costs 32 bytes per channel). */
  reads: Set<Publication[]> | null;
}

/** The tail of a channel with no step queued: one settled promise shared by all (a promise never changes). */
const SETTLED: Promise<void> = Promise.resolve();

/** Counters of the owner side. */
export interface OwnerStats {
  /** Publications of channels this shard owns, fanned out to subscribed shards. */
  publications: number;
  /**
   * Publications of channels this shard does not own but subscribes itself
   * (Redis, a channel that needs nothing from its owner: direct-fanout.ts
   * subscribesItself), fanned out to this shard's own subscribers.
   */
  subscribed: number;
  /** Fan-out messages a full mailbox refused (each followed by a DROPPED notice). */
  dropped: number;
  /** Publications sent to delta subscribers as a fossil patch. */
  deltas: number;
}

/** How long an idempotency key is remembered, ms (Centrifugo: 5 minutes). */
export const IDEMPOTENT_RESULT_TTL_MS = 5 * 60_000;

/** What the owner reads from the config in force (it changes on reload; read it at each use). */
export interface OwnerSettings {
  readonly rules: ChannelRules;
  /** `channel.history_meta_ttl`, ms. */
  readonly defaultMetaTtl: number;
  readonly metrics: ShardMetrics;
}

/** Channels owned by this shard. */
export class OwnedChannels {
  private readonly channels = new Map<string, OwnedChannel>();
  /** Entries of `channels` this shard does not own: its own subscriptions (subscribesItself). */
  private foreign = 0;
  /** Channels this shard owns that other shards subscribe themselves, and which shards: counted only (SubscribeShard.c). */
  private readonly counted = new Map<string, Set<number>>();
  readonly stats: OwnerStats = { publications: 0, subscribed: 0, dropped: 0, deltas: 0 };
  /** Presence entries and join/leave pushes of the channels owned here. */
  private readonly presenceSide: OwnerPresence;

  constructor(
    private readonly self: number,
    /** Shards in this process (for ownerOf). */
    private readonly shardCount: number,
    private readonly broker: Broker,
    presence: PresenceManager,
    private readonly settings: OwnerSettings,
    private readonly postman: Postman,
    private readonly log: Logger,
    /** The process's subscriber table, for fan-out stamps; null for a shard built without one. */
    private readonly table: SubscriberTable | null = null,
  ) {
    this.presenceSide = new OwnerPresence(presence, broker, (channel) => this.resolveQuietly(channel), log);
  }

  /**
   * A shard wants the channel's publications in the protocols of `mask`
   * (again when that set changed). The OK, on the FIFO that carries the
   * publications, marks where the new set applies.
   */
  addShard(channel: string, shard: number, mask: number = ProtocolBit.JSON): void {
    const owned = this.channel(channel);
    this.step(owned, async () => {
      if (owned.shards.size === 0 && !(await this.subscribeBroker(channel, shard))) {
        this.forgetIfIdle(channel, owned);
        return;
      }
      owned.shards.add(shard);
      owned.protocols.set(shard, mask);
      owned.mask = unionOf(owned.protocols);
      this.postman.sendAnswer(shard, { t: MessageType.SUBSCRIBE_SHARD_OK, ch: channel, ...(mask !== ProtocolBit.JSON ? { p: mask } : {}) });
    });
  }

  /** A shard has no local subscribers of the channel any more. */
  removeShard(channel: string, shard: number): void {
    const owned = this.channels.get(channel);
    if (!owned) return;
    this.step(owned, async () => {
      owned.shards.delete(shard);
      owned.protocols.delete(shard);
      owned.mask = unionOf(owned.protocols);
      if (owned.shards.size === 0) {
        await this.broker.unsubscribe(channel);
        // Forgotten only when no later step (a new subscriber's addShard) waits behind this one.
        this.forgetIfIdle(channel, owned);
      }
    });
  }

  /**
   * Subscribes the channel on the broker for its first shard; on a refusal
   * logs the channel and the reason and tells the asking shard at once
   * (its subscribers get error 100). False when it failed.
   */
  private async subscribeBroker(channel: string, shard: number): Promise<boolean> {
    try {
      await this.broker.subscribe(channel);
      return true;
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      this.log.error('broker refused to subscribe a channel; its subscribers get error 100', { channel, reason });
      // The client is told only "internal server error", as Centrifugo tells it; the reason is in the log.
      this.postman.sendAnswer(shard, { t: MessageType.SUBSCRIBE_SHARD_FAILED, ch: channel, error: { code: Errors.internal.code, message: Errors.internal.message } });
      return false;
    }
  }

  /** Forgets an owned channel no shard subscribes and no later step waits for. */
  private forgetIfIdle(channel: string, owned: OwnedChannel): void {
    if (owned.shards.size === 0 && owned.reads === null && owned.steps === 1 && this.channels.get(channel) === owned) {
      this.drop(channel);
    }
  }

  /** Runs a subscribe/unsubscribe step of the channel after the ones before it. */
  private step(owned: OwnedChannel, run: () => Promise<void>): void {
    owned.steps++;
    owned.tail = owned.tail
      .then(run)
      .catch(() => undefined)
      .then(() => {
        // Idle again: the finished chain gives way to the shared settled promise.
        if (--owned.steps === 0) owned.tail = SETTLED;
      });
  }

  /** Counts a shard that subscribes a channel this shard owns on its own broker (info's num_channels); no answer. */
  count(channel: string, shard: number): void {
    let shards = this.counted.get(channel);
    if (!shards) this.counted.set(channel, (shards = new SmallSet()));
    shards.add(shard);
  }

  /** Ends a count(). */
  uncount(channel: string, shard: number): void {
    const shards = this.counted.get(channel);
    if (shards?.delete(shard) && shards.size === 0) this.counted.delete(channel);
  }

  /** Forgets a shard that was restarted: its subscriptions and its clients' presence are gone. */
  forgetShard(shard: number): void {
    for (const channel of [...this.counted.keys()]) this.uncount(channel, shard);
    for (const channel of [...this.channels.keys()]) {
      if (this.channels.get(channel)?.shards.has(shard)) this.removeShard(channel, shard);
    }
    this.presenceSide.forgetShard(shard);
  }

  /** Publishes through the broker with the channel's history settings; the broker calls deliver(). */
  async publish(channel: string, data: string, request: PublishParams): Promise<StreamPosition> {
    const resolved = this.settings.rules.resolve(channel);
    const history = request.skipHistory ? undefined : this.settings.rules.history(resolved);
    const delta = Boolean(history) && resolved.options.allowed_delta_types.length > 0 && (request.delta || resolved.options.delta_publish);
    bump(this.settings.metrics.nodeSent, 'publication');
    const result = await this.broker.publish(
      channel,
      { data, ...(request.info ? { info: request.info } : {}), ...(request.tags ? { tags: request.tags } : {}) },
      {
        ...(history ? { history } : {}),
        ...(request.idempotencyKey ? { idempotencyKey: request.idempotencyKey, idempotentResultTtl: IDEMPOTENT_RESULT_TTL_MS } : {}),
        ...(delta ? { delta: true } : {}),
        ...(history && request.version ? { version: request.version, versionEpoch: request.versionEpoch ?? '' } : {}),
      },
    );
    return result.position;
  }

  /** Fans a publication out to every subscribed shard (broker event). */
  deliver(channel: string, pub: Publication, position: StreamPosition, prev?: Publication): void {
    bump(this.settings.metrics.nodeReceived, 'publication');
    const owned = this.channels.get(channel);
    if (!owned || owned.shards.size === 0) return;
    if (owned.owner) this.stats.publications++;
    else this.stats.subscribed++;
    if (owned.reads !== null) {
      for (const buffer of owned.reads) buffer.push(pub);
    }
    const resolved = this.resolveQuietly(channel);
    const withDelta = (resolved?.options.allowed_delta_types.length ?? 0) > 0;
    const binary = isBinaryPublication(pub);
    const json = (owned.mask & ProtocolBit.JSON) !== 0 && !binary ? jsonFrames(channel, pub, withDelta, prev, this.stats) : NO_JSON_FRAMES;
    const pb = (owned.mask & ProtocolBit.PROTOBUF) !== 0 ? protobufFrames(channel, pub, withDelta, prev, this.stats) : NO_PROTOBUF_FRAMES;
    this.fanOut(channel, owned, {
      kind: FanoutKind.PUBLICATION,
      stamp: this.stamp(),
      channel,
      offset: position.offset,
      at: performance.timeOrigin + performance.now(),
      epoch: position.epoch,
      binary,
      ...json,
      ...pb,
    });
  }

  /**
   * Answers a positioned subscribe: the stream top, and for a recovery the
   * missed publications under Centrifugo's all-or-nothing rule. With `join`
   * the client is added to presence before the read.
   */
  recover(msg: RecoverMessage): void {
    const owned = this.channel(msg.ch);
    const buffer: Publication[] = [];
    (owned.reads ??= new SmallSet()).add(buffer);
    const resolved = this.resolveQuietly(msg.ch);
    const metaTtl = resolved ? this.settings.rules.history(resolved)?.metaTtl ?? this.settings.defaultMetaTtl : this.settings.defaultMetaTtl;
    const reply = (fields: Record<string, unknown>): void => {
      deleteReleasing(owned, 'reads', buffer);
      // A recovery too large for the mailbox to the asking shard ever to take (hundreds of large
      // publications) is answered as one that missed too many: recovered false, at the top, as
      // Centrifugo answers past recovery_max_publication_limit. The client learns it lost state.
      const answer = { t: MessageType.RECOVER_RESULT, rid: msg.rid, ch: msg.ch, ...fields } as RecoverResultMessage;
      const tooLarge: RecoverResultMessage =
        answer.recovered === true && answer.top ? { t: MessageType.RECOVER_RESULT, rid: msg.rid, ch: msg.ch, top: answer.top, recovered: false, pubs: [] } : answer;
      this.postman.sendAnswer(msg.from, answer, tooLarge);
      // The asking shard normally keeps the channel registered; if it is gone, so is this entry.
      if (owned.shards.size === 0 && owned.reads === null && this.channels.get(msg.ch) === owned) {
        this.drop(msg.ch);
      }
    };
    /** Reads and answers; resolves whether the answer carries the position (the socket joins). */
    const read = (): Promise<boolean> => this.broker
      .history(msg.ch, { ...recoveryRead(msg), metaTtl })
      .then((history) => {
        // Merge what was fanned out during the read (already sent to the asking shard, before this answer).
        const pubs = [...history.publications];
        let topOffset = history.position.offset;
        for (const p of buffer) {
          if (p.offset > topOffset) {
            pubs.push(p);
            topOffset = p.offset;
          }
        }
        const top = { offset: topOffset, epoch: history.position.epoch };
        reply(msg.since ? { top, ...recoveryOutcome(msg, pubs, top) } : { top });
        return true;
      })
      .catch((err: unknown) => {
        const reason = err instanceof Error ? err.message : String(err);
        this.log.error('history read failed; the subscriber gets error 100', { channel: msg.ch, reason });
        reply({ error: { code: Errors.internal.code, message: Errors.internal.message } });
        return false;
      });
    if (!msg.join) {
      void read();
      return;
    }
    // Presence first, as Centrifugo adds it before it reads the stream; the join push follows the answer.
    this.presenceSide.join({ ch: msg.ch, info: msg.join, from: msg.from }, (failed) => {
      if (!failed) return read();
      reply({ error: PRESENCE_FAILED });
      return false;
    });
  }

  /**
   * A client joined: presence and join push, as the channel's options say
   * (owner-presence.ts). With `rid` the joining shard waits: PRESENCE_JOINED
   * answers once presence holds the client.
   */
  join(msg: PresenceJoinMessage): void {
    const rid = msg.rid;
    if (rid === undefined) {
      this.presenceSide.join(msg);
      return;
    }
    this.presenceSide.join(msg, (failed) => {
      const joined: PresenceJoinedMessage = { t: MessageType.PRESENCE_JOINED, rid, ch: msg.ch, ...(failed ? { error: PRESENCE_FAILED } : {}) };
      this.postman.sendAnswer(msg.from, joined);
      return !failed;
    });
  }

  /** A client left: presence and leave push, after its join if that is still in flight. */
  leave(msg: PresenceLeaveMessage): void {
    this.presenceSide.leave(msg.ch, msg.info, msg.from);
  }

  /** A join or leave event of a channel arrived from the broker (any node's): fan it out. */
  deliverJoinLeave(channel: string, kind: 'join' | 'leave', info: ClientInfo): void {
    bump(this.settings.metrics.nodeReceived, kind);
    this.fanOutJoinLeave(channel, kind, info);
  }

  /**
   * The broker may have lost publications of the channel on their way here:
   * each subscribed shard ends its positioned subscriptions (2500, or 3010
   * server-side), which resubscribe and recover from history.
   */
  lost(channel: string, unrecoverable = false): void {
    const owned = this.channels.get(channel);
    if (!owned) return;
    const notice = unrecoverable ? ({ unrecoverable: true } as const) : ({ positionedOnly: true } as const);
    for (const shard of owned.shards) this.postman.sendNotice(shard, { t: MessageType.DROPPED, ch: channel, ...notice });
  }

  /**
   * Number of channels this shard owns that some shard of this process
   * subscribes: registered here, or counted here while the subscribing shards
   * hold the subscription themselves. Summed over the shards, each channel
   * with subscribers counts once (info's num_channels).
   */
  get size(): number {
    let size = this.channels.size - this.foreign;
    for (const channel of this.counted.keys()) if (!this.channels.has(channel)) size++;
    return size;
  }

  /** Deletes a channel's entry. */
  private drop(channel: string): void {
    const owned = this.channels.get(channel);
    if (owned && this.channels.delete(channel) && !owned.owner) this.foreign--;
  }

  private fanOutJoinLeave(channel: string, kind: 'join' | 'leave', info: ClientInfo): void {
    const owned = this.channels.get(channel);
    if (!owned || owned.shards.size === 0) return;
    const binary = isBinaryInfo(info);
    this.fanOut(channel, owned, {
      kind: FanoutKind.JOIN_LEAVE,
      stamp: this.stamp(),
      channel,
      offset: 0,
      at: performance.timeOrigin + performance.now(),
      epoch: '',
      binary,
      ...joinLeaveFrames(channel, kind, info, owned.mask, binary),
    });
  }

  private fanOut(channel: string, owned: OwnedChannel, f: Fanout): void {
    const parts = fanoutParts(f);
    for (const shard of owned.shards) {
      if (shard === this.self) this.postman.sendFanoutToSelf(f);
      else if (!this.postman.sendFanout(shard, channel, parts)) this.stats.dropped++;
    }
  }

  /** A stamp for a fan-out record (0 for shards built without the shared table). */
  private stamp(): number {
    return this.table?.stamp() ?? 0;
  }

  private resolveQuietly(channel: string): ResolvedChannel | undefined {
    try {
      return this.settings.rules.resolve(channel);
    } catch {
      return undefined;
    }
  }

  private channel(name: string): OwnedChannel {
    let owned = this.channels.get(name);
    if (!owned) {
      const owner = ownerOf(name, this.shardCount) === this.self;
      owned = { owner, shards: new SmallSet(), protocols: new SmallMap(), mask: 0, tail: SETTLED, steps: 0, reads: null };
      this.channels.set(name, owned);
      if (!owner) this.foreign++;
    }
    return owned;
  }
}

/** The union of the shards' protocol bits. */
function unionOf(protocols: ReadonlyMap<number, number>): number {
  let mask = 0;
  for (const bits of protocols.values()) mask |= bits;
  return mask;
}
