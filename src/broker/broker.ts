/**
 * The broker: how publications leave a shard and come back. A channel's owner
 * shard is the only caller for that channel, so an implementation may assume
 * calls for one channel are made from one thread, in order.
 *
 * Calls go out (publish, subscribe, history, …) and events come in
 * (onPublication). The memory broker keeps everything in the owner shard; the
 * Redis broker (its own issue) links processes behind the same interface.
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
  readonly history?: HistoryOptions;
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
  /** A publication for a channel this node subscribed to, in publish order per channel. */
  onPublication(channel: string, pub: Publication, position: StreamPosition): void;
}

/** The broker contract. */
export interface Broker {
  /** Starts delivering events. */
  start(events: BrokerEvents): Promise<void>;
  /** Publishes; resolves once the publication is accepted, with its stream position. */
  publish(channel: string, pub: Omit<Publication, 'offset'>, opts: PublishOptions): Promise<StreamPosition>;
  /** This node wants the channel's publications. */
  subscribe(channel: string): Promise<void>;
  /** This node no longer wants them. */
  unsubscribe(channel: string): Promise<void>;
  /** Reads a channel's history. */
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
