/**
 * The state LocalChannels (local-channels.ts) keeps per channel, and the
 * shapes of a socket's join: what it asks, what it learns, who waits.
 */
import { Unsubscribes } from '../../protocol/codes';
import type { ReplyError } from '../../protocol/errors';
import { encodePush } from '../../protocol/json';
import type { ChannelProtocols } from './channel-protocols';
import type { ChannelTopics } from './channel-topics';
import type { Connection } from '../session/connection';
import type { WirePosition } from '../messaging/messages';
import type { Fanout } from '../messaging/fanout';
import type { Publication } from '../../broker/broker';
import type { TagsFilter } from '../../protocol/tags-filter';

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
  /**
   * The channel keeps presence: the socket joins only once the owner holds
   * its entry, so the subscribe (or connect) reply waits for it, as in
   * Centrifugo.
   */
  readonly presence?: boolean;
  /** Raw JSON text of the channel info sent with presence and join/leave. */
  readonly chanInfo?: string;
  /** Deliver only publications whose tags match (the socket is then kept off the plain topic). */
  readonly filter?: TagsFilter;
}

/** What a positioned join learned from the owner. */
export interface JoinOutcome {
  /** The stream top at the join point. */
  readonly top: WirePosition;
  /** Set when recovery was asked. */
  readonly recovered?: boolean;
  readonly publications: readonly Publication[];
}

/** Called in the same step that puts the socket on the topic, so what it queues precedes any publication. */
export type OnAttached = (outcome: JoinOutcome | null) => void;

/** A socket waiting to join: for the owner's OK, or for its answer (RECOVER_RESULT, PRESENCE_JOINED). */
export interface Waiter {
  readonly options: JoinOptions;
  readonly onAttached: OnAttached;
  readonly resolve: () => void;
  readonly reject: (err: ReplyError) => void;
  readonly timer: NodeJS.Timeout;
}

/** One channel with subscribers (or joiners) on this shard. */
export interface LocalChannel {
  active: boolean;
  /** Sockets on the channel (any topic). */
  readonly subscribers: Set<Connection>;
  // The next three are null while empty (most of the time, for most channels): an empty collection costs 32–40 bytes per channel.
  /** Sockets waiting for the owner's OK; null when none. */
  waiting: Map<Connection, Waiter> | null;
  /**
   * Sockets whose join waits for the owner's answer, by request id: positioned
   * ones for RECOVER_RESULT, the others of a presence channel for
   * PRESENCE_JOINED; null when none.
   */
  asking: Map<number, { conn: Connection; waiter: Waiter }> | null;
  /** Positioned subscribers: ended with 2500/3010 on a gap or a new epoch; null when none. */
  positioned: Set<Connection> | null;
  /** The channel's topics on this shard, per protocol. */
  readonly topics: ChannelTopics;
  /** The protocols registered with the owner. */
  readonly protocols: ChannelProtocols;
  /**
   * The shard this channel is registered with (SUBSCRIBE_SHARD and
   * UNSUBSCRIBE_SHARD go there): its owner, or this shard itself when the
   * host said it subscribes itself (LocalChannelsHost.subscribesItself).
   * Fixed for the channel's life on this shard; history reads, presence and
   * join/leave always go to the owner.
   */
  readonly registrar: number;
  /** Last position seen on this shard, or null. */
  position: WirePosition | null;
  /** The channel's bucket in the subscriber table (common/subscriber-table.ts). */
  readonly bucket: number;
  /** Protocol bits (fanout.ts ProtocolBit) this channel counts for in its bucket: set before any of its subscribe replies. */
  tableBits: number;
  /**
   * Direct publications (no offset) that arrived while the channel waited for
   * its owner's OK (the table bit is set before that OK), in arrival order;
   * delivered right after the OK puts the waiting sockets on the topic. Null
   * when none. A server-side subscription's connect reply goes out before
   * that OK, so a publication accepted after the reply may arrive here first.
   */
  early: Fanout[] | null;
}

/** What LocalChannels needs from its shard beyond mailbox and writer. */
export interface LocalChannelsHost {
  /** Ends a client-side subscription (unsubscribe push) or, server-side, the connection. */
  insufficientState(conn: Connection, channel: string): void;
  /** Closes a connection. */
  disconnect(conn: Connection, code: number, reason: string): void;
  /**
   * Whether this shard holds the channel's broker subscription itself rather
   * than its owner (owner/direct-fanout.ts subscribesItself); asked once,
   * when the channel's first local subscriber arrives.
   */
  subscribesItself(channel: string): boolean;
}

/** The unsubscribe push that ends a positioned client-side subscription (the SDK resubscribes and recovers). */
export function insufficientStatePush(channel: string): string {
  return encodePush(
    channel,
    'unsubscribe',
    JSON.stringify({ code: Unsubscribes.insufficientState.code, reason: Unsubscribes.insufficientState.reason }),
  );
}
