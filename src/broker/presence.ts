/**
 * The presence manager: who is subscribed to a channel, as client id →
 * ClientInfo. Kept apart from the broker as Centrifugo does, so presence can
 * live in Redis while publications go elsewhere.
 */
import type { ClientInfo } from '../protocol/json';

/** `presence_stats`: distinct clients and users. */
export interface PresenceStats {
  readonly numClients: number;
  readonly numUsers: number;
}

/** The presence contract; calls for one channel come from its owner shard, in order. */
export interface PresenceManager {
  /** Adds or refreshes a client's entry; `shard` is the shard holding the connection. */
  add(channel: string, info: ClientInfo, shard: number): Promise<void>;
  /** Removes a client's entry; resolves true when there was one. */
  remove(channel: string, client: string): Promise<boolean>;
  /** Every entry of the channel, by client id. */
  presence(channel: string): Promise<ReadonlyMap<string, ClientInfo>>;
  /** Counts of the channel's entries. */
  stats(channel: string): Promise<PresenceStats>;
  /** Removes every entry of connections held by `shard` (it crashed); returns what was removed, per channel. */
  removeShard(shard: number): Promise<Map<string, ClientInfo[]>>;
}
