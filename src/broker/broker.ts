/*
 * src/broker/: engines behind small contracts: the Broker (publications,
 * history, join/leave) and PresenceManager, in memory and on Redis
 * (partitions, Lua scripts, PUB/SUB), and the NodeBus between processes. May
 * import: common, protocol, config.
 */
/**
 * The broker: how publications leave a shard and come back. A channel's owner
 * shard is the only caller for that channel, so an implementation may assume
 * calls for one channel are made from one thread, in order. One exception:
 * with the Redis broker, `publish` without history, idempotency key, version
 * or delta (which keeps no per-channel state) may be called by any shard
 * (the direct Redis path, shards/owner/direct-broker.ts).
 *
 * Calls go out (publish, subscribe, history, …) and events come in
 * (onPublication, onJoin, onLeave, onLost). The memory broker keeps
 * everything in the owner shard; the Redis broker (redis/broker.ts) links processes
 * behind the same interface.
 */
import type { ClientInfo } from '../protocol/json';

/** A publication as the broker carries it; `data` is raw JSON text. */
export interface Publication {
  readonly data: string;
  readonly info?: ClientInfo;
  readonly tags?: Readonly<Record<string, string>>;
  /** Offset in the channel's stream; 0 when the channel keeps no history. */
  readonly offset: number;
}

/** A position in a channel's stream. */
export interface StreamPosition {
  /** Offset of the last publication; starts at 1, 0 for an empty or history-less stream. */
  readonly offset: number;
  /** Identifies one life of the stream; changes when the stream's state is lost. */
  readonly epoch: string;
}

/** History retention for one publish; both must be > 0 to keep history. */
export interface HistoryOptions {
  /** Most publications kept. */
  readonly size: number;
  /** How long a publication is kept, ms. */
  readonly ttl: number;
  /** How long the stream meta (offset, epoch) outlives the last publish, ms; 0 means forever. */
  readonly metaTtl: number;
}

/** What publish needs besides the publication. */
export interface PublishOptions {
  /** Keep the publication in the channel's history (absent: no history, offset 0). */
  readonly history?: HistoryOptions;
  /**
   * A key making the publish idempotent: a second publish with the same key
   * into the same channel within `idempotentResultTtl` is not made again and
   * answers the first one's position.
   */
  readonly idempotencyKey?: string;
  /** How long an idempotency key is remembered, ms. */
  readonly idempotentResultTtl?: number;
  /** The owner wants the previous publication (for a fossil delta against it). */
  readonly delta?: boolean;
  /**
   * With history: the publication's version. When the stream's last recorded
   * version is this one or newer (and `versionEpoch` is "" or the recorded
   * one's), nothing is published and the answer is the current top position,
   * as Centrifugo does. Absent or 0: no check, nothing recorded.
   */
  readonly version?: number;
  /** The epoch `version` belongs to; a new epoch starts a new count. */
  readonly versionEpoch?: string;
}

/** What publish answers. */
export interface PublishResult {
  readonly position: StreamPosition;
  /** True when nothing was published now: an idempotency key matched an earlier publish, or its version was not newer. */
  readonly duplicate: boolean;
}

/** A history query. */
export interface HistoryQuery {
  /** 0 returns only the position; -1 returns everything; N returns at most N. */
  readonly limit: number;
  /** Return publications after this position (before it when reverse). */
  readonly since?: StreamPosition;
  readonly reverse?: boolean;
  readonly metaTtl: number;
}

/** A history answer. */
export interface HistoryResult {
  readonly publications: readonly Publication[];
  readonly position: StreamPosition;
}

/** Events a broker delivers to its shard. */
export interface BrokerEvents {
  /**
   * A publication for a channel this node subscribed to, in publish order per
   * channel. `prev` is the publication just before it in the stream, given when
   * the publish asked for a delta and the stream still holds it.
   */
  onPublication(channel: string, pub: Publication, position: StreamPosition, prev?: Publication): void;
  /** A client joined a channel this node subscribed to (published by any node). */
  onJoin?(channel: string, info: ClientInfo): void;
  /** A client left a channel this node subscribed to. */
  onLeave?(channel: string, info: ClientInfo): void;
  /**
   * Publications of a subscribed channel may have been lost on the way to
   * this node (its PUB/SUB connection was down while the stream moved, or the
   * stream's state was lost). Positioned subscribers must be told; with
   * `unrecoverable` (a broker that keeps no history, such as NATS) nobody can
   * recover what was lost, so every subscriber is told.
   */
  onLost?(channel: string, unrecoverable?: boolean): void;
}

/** The broker contract. */
export interface Broker {
  /** Starts delivering events. */
  start(events: BrokerEvents): Promise<void>;
  /** Publishes; resolves once the publication is accepted, with its stream position. */
  publish(channel: string, pub: Omit<Publication, 'offset'>, opts: PublishOptions): Promise<PublishResult>;
  /** This node wants the channel's publications. */
  subscribe(channel: string): Promise<void>;
  /** This node no longer wants them. */
  unsubscribe(channel: string): Promise<void>;
  /** Publishes a join event to every node subscribed to the channel (onJoin). */
  publishJoin(channel: string, info: ClientInfo): Promise<void>;
  /** Publishes a leave event to every node subscribed to the channel (onLeave). */
  publishLeave(channel: string, info: ClientInfo): Promise<void>;
  /**
   * Reads a channel's history. For a channel this node subscribes to, it
   * resolves only after every publication the answer includes that this node
   * will receive through onPublication has been delivered, so a reader can
   * merge the answer with what it was delivered meanwhile by offset.
   */
  history(channel: string, query: HistoryQuery): Promise<HistoryResult>;
  /** Drops a channel's publications, keeping its position. */
  removeHistory(channel: string): Promise<void>;
  /** Stops and releases resources. */
  close(): Promise<void>;
}

/** Thrown by history when `since` names another epoch. */
export class UnrecoverablePositionError extends Error {
  readonly code = 'SY_UNRECOVERABLE_POSITION';
  constructor() {
    super('unrecoverable position');
  }
}
