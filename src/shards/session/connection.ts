/*
 * src/shards/session/: one client connection: its state record, the transport
 * contract and the WebSocket transport, the Writer that batches its replies
 * and topic frames, reply encoding per protocol, and the keepalive timer. May
 * import (in shards): nothing.
 */
/**
 * Per-connection state: a plain record. Behaviour lives in functions that
 * take it (commands/, dispatcher.ts, writer.ts).
 */
import type { ChannelGrant } from '../../auth/grant';
import { SmallMap, SmallSet } from '../../common/small-collections';
import type { TokenBuckets } from '../../common/token-bucket';
import type { ClientTransport, WebSocketData } from './transport';
import type { EncodedReply } from '../../protocol/names';
import type { ClientInfo, Command } from '../../protocol/json';

/** How one subscription of a connection receives its channel. */
export interface SubscriptionMode {
  /** Positioned: a gap or a new epoch ends it with 2500 (server-side: 3010). */
  readonly positioned: boolean;
  /** Negotiated fossil deltas: publications come with `data` as a JSON string. */
  readonly delta: boolean;
  /** Receives join/leave pushes. */
  readonly joinLeave: boolean;
  /** Announced to the owner (presence and/or join/leave); a leave is owed when it ends. */
  readonly announced: boolean;
}

/** No headers: one frozen empty record shared by every connection that keeps none. */
export const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/** The 16 possible subscription modes, frozen and shared (index: positioned 1, delta 2, joinLeave 4, announced 8). */
const MODES: readonly SubscriptionMode[] = Object.freeze(
  Array.from({ length: 16 }, (_, i) => Object.freeze({ positioned: (i & 1) !== 0, delta: (i & 2) !== 0, joinLeave: (i & 4) !== 0, announced: (i & 8) !== 0 })),
);

/** The shared SubscriptionMode with these flags (modes are never changed, so every subscription with the same flags shares one). */
export function subscriptionMode(positioned: boolean, delta: boolean, joinLeave: boolean, announced: boolean): SubscriptionMode {
  return MODES[(positioned ? 1 : 0) | (delta ? 2 : 0) | (joinLeave ? 4 : 0) | (announced ? 8 : 0)]!;
}

/** The uWS user data attached to each bidirectional WebSocket. */
export type SocketData = WebSocketData<Connection>;

/** Where a connection is in its life. */
export const enum ConnState {
  /** Socket open, waiting for the connect command. */
  Fresh,
  /** A connect command is being processed. */
  Connecting,
  /** Connected; commands are served. */
  Connected,
  /** Connect failed with a reply error: the next command closes the connection. */
  Failed,
  /** Closing or closed; nothing more is sent. */
  Closed,
}

/** The empty backlog every idle connection shares; frozen, so code that pushes to it instead of replacing it fails loudly. */
export const NO_COMMANDS: Command[] = Object.freeze([]) as unknown as Command[];

/** One client connection on this shard. */
export interface Connection {
  /** Client id (UUID v4), unique across shards. */
  readonly id: string;
  /** What carries the connection's bytes (WebSocket, HTTP stream, SSE, …). */
  readonly transport: ClientTransport;
  state: ConnState;
  /** User id; "" for anonymous. */
  user: string;
  /** Raw JSON text of the connection info, if any. */
  connInfo: string | undefined;
  /** Channels the socket is subscribed to (uWS topics). */
  readonly channels: Set<string>;
  // pending, serverSide and authorizing are null while empty (small-collections.ts deleteReleasing): most connections have none, and an empty set costs 32 bytes.
  /** Channels waiting for the owner's confirmation; null when none. */
  pending: Set<string> | null;
  /** Channels subscribed by the server (connect result or server API), not by the client; null when none. */
  serverSide: Set<string> | null;
  /** How each subscribed channel is delivered (set when the socket joins the channel). */
  readonly modes: Map<string, SubscriptionMode>;
  /** Replies and pushes waiting to be flushed as one frame, encoded in the connection's protocol. */
  outgoing: EncodedReply[];
  /** When the next server ping is due, ms since epoch. */
  nextPingAt: number;
  /** When the outstanding ping must be answered by, ms since epoch; 0 = no ping outstanding. */
  pongDeadline: number;
  /** Connect must arrive before this time, ms since epoch; 0 once connected. */
  staleDeadline: number;
  /** Connection expiry (token `exp`/`expire_at`, proxies, server API refresh), ms since epoch; 0 = never. */
  expiresAt: number;
  /**
   * When keepalive next looks at this connection, ms since epoch: its
   * earliest deadline, at most a few seconds ahead; 0 = at the next tick.
   * Code that moves a deadline earlier (a new expiry, a new grant) calls
   * `Keepalive.recheckSoon`.
   */
  checkAt: number;
  /**
   * Commands received and not yet started, in order (dispatcher.ts): they
   * wait while a connect is in flight, and otherwise while `inFlight` is at
   * the connection's concurrency (1 unless `client.concurrency` allows more).
   * NO_COMMANDS (shared, frozen) while empty, so an idle connection keeps no
   * array backing store (an array once pushed to keeps 16 slots, 150 bytes).
   */
  backlog: Command[];
  /** Commands started and not yet answered. */
  inFlight: number;
  /** Headers of the upgrade request kept for proxies (lower-case names). */
  readonly headers: Readonly<Record<string, string>>;
  /** Headers the client sent in its connect command, kept when a proxy forwards some. */
  emulatedHeaders: Readonly<Record<string, string>>;
  /** Connection meta from its token or the connect proxy, JSON text; sent to proxies that include it. */
  meta: string | undefined;
  /** The client refreshes the connection with `refresh`; false when the refresh proxy does. */
  clientSideRefresh: boolean;
  /** A refresh proxy call is in flight. */
  refreshing: boolean;
  /** Why each subscription is allowed, with its expiry and info (client-side and server-side). */
  readonly grants: Map<string, ChannelGrant>;
  /** Channels whose subscribe waits for a token check or the subscribe proxy; they count for 105 and 106. Null when none. */
  authorizing: Set<string> | null;
  /** Token buckets of `client.rate_limit` by limit (made on the first command); null until then. */
  rateLimits: Map<string, TokenBuckets> | null;
}

/** Makes the state of a freshly opened socket. */
export function createConnection(
  id: string,
  transport: ClientTransport,
  now: number,
  staleDelay: number,
  headers: Readonly<Record<string, string>> = NO_HEADERS,
): Connection {
  return {
    id,
    transport,
    state: ConnState.Fresh,
    user: '',
    connInfo: undefined,
    channels: new SmallSet(),
    pending: null,
    serverSide: null,
    modes: new SmallMap(),
    outgoing: [],
    nextPingAt: 0,
    pongDeadline: 0,
    staleDeadline: now + staleDelay,
    expiresAt: 0,
    checkAt: 0,
    backlog: NO_COMMANDS,
    inFlight: 0,
    headers,
    emulatedHeaders: NO_HEADERS,
    meta: undefined,
    clientSideRefresh: true,
    refreshing: false,
    grants: new SmallMap(),
    authorizing: null,
    rateLimits: null,
  };
}

/** Whether the socket is on `channel` or waits for its owner to confirm it. */
export function joinedOrPending(conn: Connection, channel: string): boolean {
  return conn.channels.has(channel) || conn.pending?.has(channel) === true;
}

/** The channels the socket is on or waits for its owner to confirm, in that order. */
export function joinedOrPendingChannels(conn: Connection): string[] {
  return [...conn.channels, ...(conn.pending ?? [])];
}

/** Whether a subscribe to `channel` is done or under way: joined, pending, or still authorizing (a token check or the subscribe proxy). */
export function holdsChannel(conn: Connection, channel: string): boolean {
  return joinedOrPending(conn, channel) || conn.authorizing?.has(channel) === true;
}

/** The connection as publications, presence and join/leave name it, with the subscription's channel info (JSON text) when it has one. */
export function clientInfoOf(conn: Connection, chanInfo?: string): ClientInfo {
  return {
    user: conn.user,
    client: conn.id,
    ...(conn.connInfo !== undefined ? { conn_info: conn.connInfo } : {}),
    ...(chanInfo !== undefined ? { chan_info: chanInfo } : {}),
  };
}
