/*
 * src/shards/: one shard thread's state and behaviour, in parts (session/,
 * subscriber/, owner/, messaging/, access/, commands/, cluster/) that
 * handlers, transports and the API reach through ShardContext (context.ts);
 * this file composes them. May import: common, protocol, config, mailbox,
 * broker, auth.
 */
/**
 * One shard, the composition root of src/shards: it builds the parts a
 * worker thread owns and wires them together. Client connections and local
 * channel subscribers live in LocalChannels (subscriber/); the channels this
 * shard owns live in OwnedChannels (owner/); messages to other shards go
 * through the Postman (messaging/); commands (commands/), transports and the
 * server API see the shard only as a ShardContext (context.ts).
 *
 * Only the worker entry (src/worker/main.ts) imports this file.
 */
import { randomUUID } from 'node:crypto';
import type { TemplatedApp } from 'uWebSockets.js';
import type { Broker, StreamPosition } from '../broker/broker';
import type { PresenceManager } from '../broker/presence';
import type { Config } from '../config/types';
import type { Logger } from '../common/log';
import { toWireError } from '../protocol/errors';
import { encodePush } from '../protocol/json';
import { Disconnects, Unsubscribes } from '../protocol/codes';
import type { AuthServices } from '../auth/services';
import { createAuthenticator, keptHeaderNames, type Authenticator, type Credentials } from './access/authenticator';
import { connectionExpired, subscriptionExpired } from './access/expiry';
import { ChannelRules } from './access/channel-rules';
import { ConnState, createConnection, type Connection } from './session/connection';
import { Keepalive } from './session/keepalive';
import type { ClientTransport } from './session/transport';
import { insufficientStatePush, LocalChannels } from './subscriber/local-channels';
import { readFanout } from './messaging/fanout';
import {
  MessageType,
  RecordKind,
  decodeMessage,
  type LocalAction,
  type OwnerQuery,
  type ShardMessage,
} from './messaging/messages';
import { sessionShard } from './cluster/emulation-routing';
import type { EmulatedCommands, EmulationOutcome } from './messaging/messages';
import { OwnedChannels } from './owner/owned-channels';
import { ownerOf } from './messaging/owner-of';
import { Postman, type OutboxPort } from './messaging/postman';
import { handleShardMessage } from './message-handler';
import type { OwnerState } from './owner/owner-queries';
import { Requests } from './messaging/requests';
import { Writer } from './session/writer';
import type { ShardStats } from './stats';
import type { NodeBus } from '../broker/node-bus';
import { broadcastAction, NodeControl, type NodeControlHost, type NodeIdentity } from './cluster/node-control';
import type { NodeLink, PublishParams, ShardContext } from './context';
import type { MessageTargets } from './message-handler';
import type { KeepaliveHost } from './session/keepalive';
import type { LocalChannelsHost } from './subscriber/local-channels';

/** How long a request to another shard may take, ms. */
const REQUEST_TIMEOUT_MS = 10_000;

/** Everything a shard is built from. */
export interface ShardParts {
  readonly id: number;
  readonly count: number;
  readonly config: Config;
  readonly app: TemplatedApp;
  readonly outbox: OutboxPort;
  readonly broker: Broker;
  readonly presence: PresenceManager;
  /** Token verifiers and proxies. */
  readonly auth: AuthServices;
  /** Replaces the default authenticator (tokens, proxy, anonymous) when given. */
  readonly authenticate?: Authenticator;
  readonly log: Logger;
  /** This process's identity (node control messages and emulated sessions carry its uid). */
  readonly identity: NodeIdentity;
  /** The bus to other nodes (Redis engine), or null on a single node. */
  readonly bus: NodeBus | null;
}

/** A shard's state and routing. */
export class Shard implements ShardContext, MessageTargets, KeepaliveHost, LocalChannelsHost, NodeControlHost {
  readonly id: number;
  readonly count: number;
  readonly config: Config;
  readonly rules: ChannelRules;
  readonly log: Logger;
  readonly writer: Writer;
  readonly postman: Postman;
  readonly requests = new Requests(REQUEST_TIMEOUT_MS);
  readonly local: LocalChannels;
  readonly owned: OwnedChannels;
  readonly keepalive: Keepalive;
  private readonly broker: Broker;
  private readonly presence: PresenceManager;
  readonly connections = new Map<string, Connection>();
  /** Connections with a session (emulated and unidirectional transports), by session id. */
  readonly sessions = new Map<string, Connection>();
  readonly byUser = new Map<string, Set<Connection>>();
  readonly startedAt = Date.now();
  private readonly authenticator: Authenticator;
  /** Token verifiers and proxies. */
  readonly auth: AuthServices;
  /** Lower-case names of the upgrade-request headers each connection keeps (forwarded by proxies, or naming the user). */
  readonly keptHeaders: readonly string[];
  /** True once draining started: new connections are refused. */
  draining = false;
  readonly node: NodeLink;

  constructor(parts: ShardParts) {
    this.id = parts.id;
    this.count = parts.count;
    this.config = parts.config;
    this.log = parts.log;
    this.rules = new ChannelRules(parts.config);
    this.auth = parts.auth;
    this.authenticator = parts.authenticate ?? createAuthenticator(parts.config, parts.auth, this.rules, parts.log);
    this.keptHeaders = keptHeaderNames(parts.config, parts.auth);
    this.writer = new Writer(
      parts.app,
      parts.config.client.queue_max_size,
      (conn) => this.keepalive.slow(conn),
      () => this.keepalive.checkBuffers(),
      (conn) => this.disconnect(conn, Disconnects.inappropriateProtocol.code, Disconnects.inappropriateProtocol.reason),
      parts.config.websocket.compression ? parts.config.websocket.compression_min_size : Infinity,
      parts.config.uni_websocket.compression ? parts.config.uni_websocket.compression_min_size : Infinity,
    );
    this.postman = new Postman(parts.id, parts.outbox, {
      onMessage: (from, msg) => this.onMessage(from, msg),
      onFanout: (f) => this.local.onFanout(f),
    });
    this.local = new LocalChannels(parts.id, parts.count, this.postman, this.writer, this);
    this.broker = parts.broker;
    this.presence = parts.presence;
    this.owned = new OwnedChannels(parts.id, parts.broker, parts.presence, this.rules, parts.config.channel.history_meta_ttl, this.postman, parts.log);
    this.keepalive = new Keepalive(parts.config, this);
    const control = parts.bus && parts.id === 0 ? new NodeControl(parts.bus, parts.identity, this, parts.config.engine.redis.io_timeout, parts.log) : null;
    this.node = { identity: parts.identity, bus: parts.bus, control };
    void parts.broker.start({
      onPublication: (channel, pub, position, prev) => this.owned.deliver(channel, pub, position, prev),
      onJoin: (channel, info) => this.owned.deliverJoinLeave(channel, 'join', info),
      onLeave: (channel, info) => this.owned.deliverJoinLeave(channel, 'leave', info),
      onLost: (channel) => this.owned.lost(channel),
    });
  }

  /** Authenticates a connect request of `conn` (the seam for tokens and proxies). */
  authenticate(request: Readonly<Record<string, unknown>>, conn: Connection): Promise<Credentials> {
    return Promise.resolve().then(() => this.authenticator(request, conn));
  }

  /** A mailbox record arrived from shard `from`. */
  onRecord(from: number, kind: number, body: Uint8Array): void {
    if (kind === RecordKind.FANOUT) {
      // The body is only valid during this call; LocalChannels copies what it keeps.
      this.local.onFanout(readFanout(body));
    } else if (kind === RecordKind.MESSAGE) {
      this.onMessage(from, decodeMessage(body));
    } else {
      this.log.error('unknown mailbox record kind', { kind, from });
    }
  }

  /** A shard message arrived (from a peer or from this shard itself). */
  onMessage(from: number, msg: ShardMessage): void {
    handleShardMessage(this, msg);
  }

  /** What owner queries read on this shard. */
  get ownerState(): OwnerState {
    return { broker: this.broker, presence: this.presence, rules: this.rules };
  }

  /** Answers a request of another shard (or this one) by its request id. */
  respond(to: number, rid: number, result: unknown, err?: unknown): void {
    this.postman.send(to, {
      t: MessageType.RESPONSE,
      rid,
      ...(err !== undefined ? { error: toWireError(err) } : { result }),
    });
  }

  /** Publishes into a channel through its owner; resolves with the stream position. */
  publish(channel: string, data: string, params: PublishParams = {}): Promise<StreamPosition> {
    const owner = ownerOf(channel, this.count);
    return this.requests.start<StreamPosition>(owner, (rid) =>
      this.postman.send(owner, {
        t: MessageType.PUBLISH,
        rid,
        from: this.id,
        ch: channel,
        data,
        ...(params.info ? { info: params.info } : {}),
        ...(params.tags ? { tags: params.tags } : {}),
        ...(params.skipHistory ? { skipHistory: true } : {}),
        ...(params.idempotencyKey ? { idempotencyKey: params.idempotencyKey } : {}),
        ...(params.delta ? { delta: true } : {}),
      }),
    );
  }

  /** Asks a channel's owner about its history or presence. */
  query<T>(query: OwnerQuery): Promise<T> {
    const owner = ownerOf(query.ch, this.count);
    return this.requests.start<T>(owner, (rid) => this.postman.send(owner, { t: MessageType.OWNER_QUERY, rid, from: this.id, query }));
  }

  /**
   * A positioned subscription lost its place (gap, new epoch, lost owner):
   * a client-side one gets unsubscribe 2500 and resubscribes with recovery;
   * a server-side one can only be restored by reconnecting: disconnect 3010.
   */
  insufficientState(conn: Connection, channel: string): void {
    if (conn.serverSide.has(channel)) {
      this.disconnect(conn, Disconnects.insufficientState.code, Disconnects.insufficientState.reason);
      return;
    }
    this.local.leave(conn, channel);
    this.writer.send(conn, insufficientStatePush(channel));
  }

  /** Applies a server API action on every shard and collects their results, in shard order. */
  gather<T>(action: LocalAction): Promise<T[]> {
    const all: Promise<T>[] = [];
    for (let shard = 0; shard < this.count; shard++) all.push(this.ask<T>(shard, action));
    return Promise.all(all);
  }

  /** Applies a user action on every shard of this process and, with a node bus, publishes it to every other node. */
  async everywhere(action: LocalAction): Promise<void> {
    const bus = this.node.bus;
    await Promise.all([this.gather(action), bus ? broadcastAction(bus, this.node.identity.uid, action) : undefined]);
  }

  /** Applies a server API action on one shard of this process. */
  ask<T>(shard: number, action: LocalAction): Promise<T> {
    return this.requests.start<T>(shard, (rid) => this.postman.send(shard, { t: MessageType.LOCAL_ACTION, rid, from: this.id, action }));
  }

  /** A client connection opened on any transport: its state starts Fresh, waiting for connect. */
  open(transport: ClientTransport, headers: Readonly<Record<string, string>>): Connection {
    const conn = createConnection(randomUUID(), transport, Date.now(), this.config.client.stale_close_delay, headers);
    this.connections.set(conn.id, conn);
    if (transport.session !== undefined) this.sessions.set(transport.session, conn);
    return conn;
  }

  /** A socket closed (by either side). */
  onClose(conn: Connection): void {
    conn.state = ConnState.Closed;
    this.connections.delete(conn.id);
    if (conn.transport.session !== undefined) this.sessions.delete(conn.transport.session);
    const users = this.byUser.get(conn.user);
    if (users) {
      users.delete(conn);
      if (users.size === 0) this.byUser.delete(conn.user);
    }
    this.local.leaveAll(conn);
  }

  /** Records a connected client under its user id (server API actions find it there). */
  indexUser(conn: Connection): void {
    let set = this.byUser.get(conn.user);
    if (!set) {
      set = new Set();
      this.byUser.set(conn.user, set);
    }
    set.add(conn);
  }

  /** Closes a connection with a disconnect code, after writing what is queued for it. */
  disconnect(conn: Connection, code: number, reason: string): void {
    if (conn.state === ConnState.Closed) return;
    this.writer.flushConnection(conn);
    conn.state = ConnState.Closed;
    conn.transport.end(code, reason);
  }

  /** Sends a server-side unsubscribe push and takes the socket off the channel. */
  unsubscribeServer(conn: Connection, channel: string): void {
    if (!conn.channels.has(channel) && !conn.pending.has(channel)) return;
    this.local.leave(conn, channel);
    conn.serverSide.delete(channel);
    this.writer.send(
      conn,
      encodePush(channel, 'unsubscribe', JSON.stringify({ code: Unsubscribes.server.code, reason: Unsubscribes.server.reason })),
    );
  }

  /** Keepalive's hook: a buffer check ran. */
  buffersChecked(): void {
    this.writer.buffersChecked();
  }

  /** Keepalive's hook: queue a frame. */
  send(conn: Connection, text: string): void {
    this.writer.send(conn, text);
  }

  /** Keepalive's hook: the connection is past its expiry. */
  connectionExpired(conn: Connection): void {
    connectionExpired(this, conn);
  }

  /** Keepalive's hook: a subscription is past its expiry. */
  subscriptionExpired(conn: Connection, channel: string): void {
    subscriptionExpired(this, conn, channel);
  }

  /** Sends emulated commands to a session of this process, on whichever shard holds it (also node control's hook). */
  emulate(session: string, data: EmulatedCommands): Promise<EmulationOutcome> {
    const target = sessionShard(session, this.count);
    if (target === null) return Promise.resolve('no_session');
    return this.requests.start<EmulationOutcome>(target, (rid) =>
      this.postman.send(target, { t: MessageType.EMULATION, rid, from: this.id, session, data }),
    );
  }

  /** Routes an emulation request to the session's node and shard: this node's, or another node's through shard 0. */
  routeEmulation(node: string, session: string, data: EmulatedCommands): Promise<EmulationOutcome> {
    if (node === this.node.identity.uid) return this.emulate(session, data);
    // Without a bus there are no other nodes; with one, shard 0 holds node control.
    if (!this.node.bus) return Promise.resolve('no_node');
    return this.requests.start<EmulationOutcome>(0, (rid) =>
      this.postman.send(0, { t: MessageType.EMULATION, rid, from: this.id, node, session, data }),
    );
  }

  /** Counts for the info API and stats. */
  stats(): ShardStats {
    let subs = 0;
    for (const conn of this.connections.values()) subs += conn.channels.size;
    return {
      id: this.id,
      num_clients: this.connections.size,
      num_users: this.byUser.size,
      num_channels: this.local.size,
      num_subs: subs,
      owned_channels: this.owned.size,
      publications_fanned_out: this.owned.stats.publications,
      fanout_dropped: this.owned.stats.dropped,
      frames_published: this.writer.published,
      delta_publications: this.owned.stats.deltas,
      closed: {
        no_pong: this.keepalive.closed.noPong,
        stale: this.keepalive.closed.stale,
        expired: this.keepalive.closed.expired,
        slow: this.keepalive.closed.slow,
      },
      uptime: Math.round((Date.now() - this.startedAt) / 1000),
    };
  }

  /** Stops timers, node control and the postman, and fails pending requests; sockets are the worker's to close. */
  stop(): void {
    this.node.control?.stop();
    this.keepalive.stop();
    this.postman.close();
    this.requests.failAll();
    this.auth.proxies.close();
  }

  /** A peer shard restarted: forget its subscriptions, fail its requests, re-register with it. */
  onPeerRestarted(peer: number): void {
    this.requests.failTarget(peer);
    this.postman.forget(peer);
    this.owned.forgetShard(peer);
    this.local.reregisterOwnedBy(peer);
  }
}
