/**
 * What a shard offers to the code that runs on it: command handlers
 * (commands/), access checks (access/), cluster actions (cluster/), the HTTP
 * transports (src/transports) and the server API (src/api). They take a
 * ShardContext, never the Shard class (shard.ts, the composition root that
 * implements it), so none of them depends on how a shard is put together.
 *
 * This file imports only types, from the shard's parts below it (session,
 * subscriber, messaging, access rules, node control); nothing those parts
 * import may import it back.
 */
import type { AuthServices } from '../auth/services';
import type { NodeBus } from '../broker/node-bus';
import type { StreamPosition } from '../broker/broker';
import type { Logger } from '../common/log';
import type { Config } from '../config/types';
import type { ClientInfo } from '../protocol/json';
import type { ChannelRules } from './access/channel-rules';
import type { Admission } from './access/admission';
import type { CommandLimits } from './access/command-limits';
import type { Credentials } from './access/authenticator';
import type { NodeControl, NodeIdentity } from './cluster/node-control';
import type { EmulatedCommands, EmulationOutcome, LocalAction, OwnerQuery } from './messaging/messages';
import type { Connection } from './session/connection';
import type { Keepalive } from './session/keepalive';
import type { ClientTransport } from './session/transport';
import type { Writer } from './session/writer';
import type { ShardStats } from './stats';
import type { ShardMetrics } from '../metrics/shard-metrics';
import type { LocalChannels } from './subscriber/local-channels';

/** What a publish asks besides channel and data, from a client command or the server API. */
export interface PublishParams {
  /** The publisher, for client publications (ClientInfo as publications carry it). */
  readonly info?: ClientInfo;
  readonly tags?: Readonly<Record<string, string>>;
  /** Do not keep this publication in history. */
  readonly skipHistory?: boolean;
  readonly idempotencyKey?: string;
  /** Send it as a fossil delta to delta subscribers. */
  readonly delta?: boolean;
  /** Skip it when the channel's history already has this version or a newer one (of the same `versionEpoch`); 0 or absent: no check. */
  readonly version?: number;
  /** The epoch `version` counts in; "" compares with any. */
  readonly versionEpoch?: string;
}

/** This process as other nodes know it, and its link to them. */
export interface NodeLink {
  readonly identity: NodeIdentity;
  /** The bus to other nodes (Redis engine): user actions are published there too; null on a single node. */
  readonly bus: NodeBus | null;
  /** On shard 0 with a bus: the live nodes and surveys; null elsewhere. */
  readonly control: NodeControl | null;
}

/** A shard as its handlers, transports and the server API see it. */
export interface ShardContext {
  /** This shard's index, 0 … count − 1. */
  readonly id: number;
  /** Number of shards in this process. */
  readonly count: number;
  readonly config: Config;
  readonly rules: ChannelRules;
  /** Whether the process takes one more client connection (limits, fd guard). */
  readonly admission: Admission;
  /** Per-connection command and error rate limits. */
  readonly commandLimits: CommandLimits;
  readonly log: Logger;
  /** Token verifiers and proxies. */
  readonly auth: AuthServices;
  /** Lower-case names of the upgrade-request headers each connection keeps (forwarded by proxies, or naming the user). */
  readonly keptHeaders: readonly string[];
  readonly writer: Writer;
  readonly local: LocalChannels;
  readonly keepalive: Keepalive;
  /** Open connections of this shard, by client id. */
  readonly connections: ReadonlyMap<string, Connection>;
  /** Connections with a session (emulated and unidirectional transports), by session id. */
  readonly sessions: ReadonlyMap<string, Connection>;
  /** Connected clients by user id. */
  readonly byUser: ReadonlyMap<string, ReadonlySet<Connection>>;
  /** True once draining started: new connections are refused. */
  readonly draining: boolean;
  readonly node: NodeLink;
  /** What this shard counts for Prometheus. */
  readonly metrics: ShardMetrics;

  /** Authenticates a connect request of `conn` (tokens, proxy, anonymous). */
  authenticate(request: Readonly<Record<string, unknown>>, conn: Connection): Promise<Credentials>;
  /** Publishes into a channel through its owner; resolves with the stream position. */
  publish(channel: string, data: string, params?: PublishParams): Promise<StreamPosition>;
  /** Asks a channel's owner about its history or presence. */
  query<T>(query: OwnerQuery): Promise<T>;
  /** Applies a server API action on every shard of this process; their results in shard order. */
  gather<T>(action: LocalAction): Promise<T[]>;
  /**
   * Applies a user action (subscribe, unsubscribe, disconnect, refresh) on
   * every shard of this process and, with a node bus (Redis), publishes it
   * for every other node, whose shard 0 applies it to its shards.
   */
  everywhere(action: LocalAction): Promise<void>;
  /** Applies a server API action on one shard of this process. */
  ask<T>(shard: number, action: LocalAction): Promise<T>;
  /** Sends emulated commands to a session of this process, on whichever shard holds it. */
  emulate(session: string, data: EmulatedCommands): Promise<EmulationOutcome>;
  /** Routes an emulation request to the session's node (`node` is its uid) and shard. */
  routeEmulation(node: string, session: string, data: EmulatedCommands): Promise<EmulationOutcome>;
  /** A client connection opened on any transport: its state starts Fresh, waiting for connect. */
  open(transport: ClientTransport, headers: Readonly<Record<string, string>>): Connection;
  /** A connection closed (by either side). */
  onClose(conn: Connection): void;
  /** Records a connected client under its user id (server API actions find it there). */
  indexUser(conn: Connection): void;
  /** Closes a connection with a disconnect code, after writing what is queued for it. */
  disconnect(conn: Connection, code: number, reason: string): void;
  /** Sends a server-side unsubscribe push and takes the connection off the channel. */
  unsubscribeServer(conn: Connection, channel: string): void;
  /** A positioned subscription lost its place: unsubscribe 2500, or disconnect 3010 when server-side. */
  insufficientState(conn: Connection, channel: string): void;
  /** This shard's counts. */
  stats(): ShardStats;
}
