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
import { checkPublicationSize } from '../protocol/publication-size';
import { ProcessCounters } from '../common/process-counters';
import { Admission } from './access/admission';
import { CommandLimits } from './access/command-limits';
import { randomUUID } from 'node:crypto';
import type { TemplatedApp } from 'uWebSockets.js';
import type { Broker, StreamPosition } from '../broker/broker';
import type { PresenceManager } from '../broker/presence';
import type { Config } from '../config/types';
import type { Logger } from '../common/log';
import { toWireError } from '../protocol/errors';
import { encodePush } from '../protocol/json';
import { Disconnects, Errors, Unsubscribes } from '../protocol/codes';
import type { AuthServices } from '../auth/services';
import type { Authenticator, Credentials } from './access/authenticator';
import { connectionExpired, subscriptionExpired } from './access/expiry';
import type { ChannelRules } from './access/channel-rules';
import { ConfigSwitch } from './config-switch';
import { reloadHost, type SwitchReport } from './reload-host';
import { createShardSettings, type ShardSettings } from './settings';
import { bump, type ShardMetrics } from '../metrics/shard-metrics';
import { ConnState, createConnection, joinedOrPending, type Connection } from './session/connection';
import { Keepalive } from './session/keepalive';
import type { ClientTransport } from './session/transport';
import { insufficientStatePush, LocalChannels } from './subscriber/local-channels';
import { readFanout, type Fanout } from './messaging/fanout';
import { MessageType, RecordKind, decodeMessage, type LocalAction, type OwnerQuery, type ShardMessage } from './messaging/messages';
import type { EmulatedCommands, EmulationOutcome } from './messaging/messages';
import { routeEmulationRequest, sendEmulation } from './cluster/emulation-routing';
import { OwnedChannels } from './owner/owned-channels';
import { DirectFanout, subscribesItself } from './owner/direct-fanout';
import { ArrivalOrder, type SelfItem } from './messaging/arrival-order';
import { MAX_TABLE_SHARDS, type SubscriberTable } from '../common/subscriber-table';
import { ownerOf } from './messaging/owner-of';
import { Postman, type OutboxPort } from './messaging/postman';
import { handleShardMessage } from './message-handler';
import type { OwnerState } from './owner/owner-queries';
import { Requests } from './messaging/requests';
import { Writer } from './session/writer';
import { NO_MAILBOX, type MailboxStats, type ShardStats } from './stats';
import { createShardMetrics, shardStats } from './counts';
import type { NodeBus } from '../broker/node-bus';
import { broadcastAction, NodeControl, type NodeControlHost, type NodeIdentity } from './cluster/node-control';
import type { NodeLink, PublishParams, ShardContext } from './context';
import type { MessageTargets } from './message-handler';
import type { KeepaliveHost } from './session/keepalive';
import type { LocalChannelsHost } from './subscriber/local-channels';
import { deleteReleasing } from '../common/small-collections';

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
  /** The bus to other nodes (Redis or NATS broker), or null on a single node. */
  readonly bus: NodeBus | null;
  /** How long a request to other nodes (a survey) may wait for answers, ms. */
  readonly busTimeout: number;
  /** Times the acceptor restarted this shard index before this worker; 0 when absent. */
  readonly restarts?: number;
  /** The mailbox as it stands, read for stats(); absent for shards built without a mailbox. */
  readonly mailbox?: () => MailboxStats;
  /** Reload version of `config` (0 at start; a shard restarted after reloads starts with the newest). */
  readonly configVersion?: number;
  /** The process's shared counters; a shard built alone (tests) gets counters of its own. */
  readonly counters?: ProcessCounters;
  /** The process's subscriber table and stamp counter (common/subscriber-table.ts); absent: no direct publish path, no stamps. */
  readonly table?: SubscriberTable;
  /** inboundRings[from]: the ring from → this shard (null for itself), read by the arrival order; absent: nothing is held. */
  readonly inboundRings?: readonly (SharedArrayBuffer | null)[];
}

/** A shard's state and routing. */
export class Shard implements ShardContext, MessageTargets, KeepaliveHost, LocalChannelsHost, NodeControlHost {
  readonly id: number;
  readonly count: number;
  /** The settings commands on this shard see now: the current ones, or a waiting peer's previous ones (config-switch.ts). */
  private view: ShardSettings;
  /** The reload protocol's state on this shard. */
  readonly reload: ConfigSwitch;
  /** What the last switch did, and whom to tell when a switch is complete (the worker). */
  readonly switching: SwitchReport;
  /** Admission of new connections (connection limits, the descriptor guard). */
  readonly admission: Admission;
  readonly log: Logger;
  readonly writer: Writer;
  readonly postman: Postman;
  readonly requests = new Requests(REQUEST_TIMEOUT_MS);
  readonly local: LocalChannels;
  readonly owned: OwnedChannels;
  /** The direct publish path (null without a subscriber table, or with more shards than it has bits). */
  readonly direct: DirectFanout | null;
  /** The order in which what reaches this shard is handled (messaging/arrival-order.ts). */
  readonly order: ArrivalOrder;
  readonly keepalive: Keepalive;
  private readonly broker: Broker;
  private readonly presence: PresenceManager;
  readonly connections = new Map<string, Connection>();
  /** Connections with a session (emulated and unidirectional transports), by session id. */
  readonly sessions = new Map<string, Connection>();
  readonly byUser = new Map<string, Set<Connection>>();
  readonly startedAt = Date.now();
  /** True once draining started: new connections are refused. */
  draining = false;
  readonly node: NodeLink;
  /** Times the acceptor restarted this shard index before this worker. */
  readonly restarts: number;
  private readonly mailbox: () => MailboxStats;
  /** What this shard counts for Prometheus (`prometheus.enabled`; plain counters either way). */
  readonly metrics: ShardMetrics;

  constructor(parts: ShardParts) {
    this.restarts = parts.restarts ?? 0;
    this.mailbox = parts.mailbox ?? (() => NO_MAILBOX);
    this.id = parts.id;
    this.count = parts.count;
    this.log = parts.log;
    const settings = createShardSettings(parts.configVersion ?? 0, parts.config, parts.log, { auth: parts.auth, ...(parts.authenticate ? { authenticate: parts.authenticate } : {}) });
    this.view = settings;
    this.switching = { revoked: 0, onDone: null };
    this.reload = new ConfigSwitch(
      reloadHost(this, this.switching, (next) => {
        this.view = next;
      }),
      settings,
    );
    this.metrics = createShardMetrics(parts.config.prometheus.enabled, () => this.stats());
    const counters = parts.counters ?? new ProcessCounters(ProcessCounters.create(parts.count), parts.count);
    this.admission = new Admission(() => this.config, counters, parts.id, parts.log);
    this.writer = new Writer(
      parts.app,
      parts.config.client.queue_max_size,
      (conn) => this.keepalive.slow(conn),
      () => this.keepalive.checkBuffers(),
      (conn) => this.disconnect(conn, Disconnects.inappropriateProtocol.code, Disconnects.inappropriateProtocol.reason),
      parts.config.websocket.compression ? parts.config.websocket.compression_min_size : Infinity,
      parts.config.uni_websocket.compression ? parts.config.uni_websocket.compression_min_size : Infinity,
    );
    this.order = new ArrivalOrder(parts.id, parts.inboundRings ?? [], {
      onRecord: (from, kind, body) => this.onArrival(from, kind, body),
      onSelf: (item) => this.onSelf(item),
    });
    this.postman = new Postman(parts.id, parts.outbox, (item) => this.order.fromSelf(item));
    const table = parts.table && parts.count <= MAX_TABLE_SHARDS ? parts.table : null;
    this.local = new LocalChannels(parts.id, parts.count, this.postman, this.writer, this, table);
    this.broker = parts.broker;
    this.presence = parts.presence;
    this.owned = new OwnedChannels(parts.id, parts.count, parts.broker, parts.presence, this, this.postman, parts.log, parts.table ?? null);
    this.direct = table ? new DirectFanout(parts.id, table, this.postman, this, parts.broker) : null;
    this.keepalive = new Keepalive(parts.config, this);
    const control = parts.bus && parts.id === 0 ? new NodeControl(parts.bus, parts.identity, this, parts.busTimeout, parts.log) : null;
    this.writer.counts = this.metrics.writes;
    if (this.metrics.enabled) {
      const metrics = this.metrics;
      this.writer.countSockets = true;
      this.writer.afterFlush = () => metrics.written();
    }
    this.node = { identity: parts.identity, bus: parts.bus, control };
    void parts.broker.start({
      onPublication: (channel, pub, position, prev) => this.owned.deliver(channel, pub, position, prev),
      onJoin: (channel, info) => this.owned.deliverJoinLeave(channel, 'join', info),
      onLeave: (channel, info) => this.owned.deliverJoinLeave(channel, 'leave', info),
      onLost: (channel, unrecoverable) => this.owned.lost(channel, unrecoverable),
    });
  }

  /** The config in force for what runs now (see `view`). */
  get config(): Config {
    return this.view.config;
  }

  /** Channel rules of that config. */
  get rules(): ChannelRules {
    return this.view.rules;
  }

  /** Token verifiers and proxies of that config. */
  get auth(): AuthServices {
    return this.view.auth;
  }

  /** Lower-case names of the upgrade-request headers each connection keeps (forwarded by proxies, or naming the user). */
  get keptHeaders(): readonly string[] {
    return this.view.keptHeaders;
  }

  /** The command and error rate limits of the config in force (`client.rate_limit`). */
  get commandLimits(): CommandLimits {
    return this.view.commandLimits;
  }

  /** `channel.history_meta_ttl` of that config, ms (owner side). */
  get defaultMetaTtl(): number {
    return this.view.config.channel.history_meta_ttl;
  }

  /** Authenticates a connect request of `conn` (the seam for tokens and proxies), with the authenticator of the config in force when it starts. */
  authenticate(request: Readonly<Record<string, unknown>>, conn: Connection): Promise<Credentials> {
    const authenticator: Authenticator = this.view.authenticator;
    return Promise.resolve().then(() => authenticator(request, conn));
  }

  /** A mailbox record arrived from shard `from` (the Inbox's handler): it is handled in arrival order (messaging/arrival-order.ts). */
  onRecord(from: number, kind: number, body: Uint8Array): void {
    this.order.fromRing(from, kind, body);
  }

  /** Something this shard sent itself, in its turn. */
  private onSelf(item: SelfItem): void {
    if (item.message) this.onMessage(this.id, item.message);
    else this.deliverFanout(item.fanout);
  }

  /** A ring record in its turn; while `from` has not switched to a reloaded config, it is handled with the previous one. */
  private onArrival(from: number, kind: number, body: Uint8Array): void {
    const previous = this.reload.viewFor(from);
    if (previous === null) {
      this.handleRecord(from, kind, body);
      return;
    }
    this.view = previous;
    try {
      this.handleRecord(from, kind, body);
    } finally {
      this.view = this.reload.settings;
    }
  }

  /** A CONFIG_SWITCH marker arrived from a peer. */
  configMarker(from: number, version: number): void {
    this.reload.onMarker(from, version);
  }

  private handleRecord(from: number, kind: number, body: Uint8Array): void {
    if (kind === RecordKind.FANOUT) {
      // The body is only valid during this call; LocalChannels copies what it keeps.
      this.deliverFanout(readFanout(body));
    } else if (kind === RecordKind.MESSAGE) {
      this.onMessage(from, decodeMessage(body));
    } else {
      this.log.error('unknown mailbox record kind', { kind, from });
    }
  }

  /** A fan-out for this shard's subscribers, from a ring or from itself: its publish-to-write latency is observed when the Writer writes it. */
  private deliverFanout(f: Fanout): void {
    this.metrics.noteFanout(f.at);
    this.local.onFanout(f);
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
    this.postman.sendAnswer(
      to,
      { t: MessageType.RESPONSE, rid, ...(err !== undefined ? { error: toWireError(err) } : { result }) },
      // An answer too large for the mailbox ever to take (a huge history or presence read): the asker gets 100.
      { t: MessageType.RESPONSE, rid, error: { code: Errors.internal.code, message: 'answer too large for the shard mailbox' } },
    );
  }

  /**
   * Publishes into a channel: directly when it needs nothing from its owner
   * (owner/direct-fanout.ts), else through its owner; resolves with the stream
   * position. Data over `channel.publication_size_limit` is refused (107).
   */
  publish(channel: string, data: string, params: PublishParams = {}): Promise<StreamPosition> {
    let direct: Promise<StreamPosition> | null | undefined;
    try {
      checkPublicationSize(data, this.config.channel.publication_size_limit);
      direct = this.direct?.publish(channel, data, params);
    } catch (err) {
      return Promise.reject(err);
    }
    if (direct) return direct;
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
        ...(params.version ? { version: params.version, versionEpoch: params.versionEpoch ?? '' } : {}),
      }),
    );
  }

  /** Whether this shard holds the channel's broker subscription itself (LocalChannelsHost; owner/direct-fanout.ts subscribesItself). */
  subscribesItself(channel: string): boolean {
    try {
      return subscribesItself(this.config, this.rules, this.rules.resolve(channel));
    } catch {
      return false; // an unknown namespace: its subscribe is refused before it joins
    }
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
    if (conn.serverSide?.has(channel)) {
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
    // Filed for its stale deadline (connect must come before it).
    this.keepalive.recheckSoon(conn);
    this.admission.count(this.connections.size);
    if (transport.session !== undefined) this.sessions.set(transport.session, conn);
    return conn;
  }

  /** A socket closed (by either side). */
  onClose(conn: Connection): void {
    conn.state = ConnState.Closed;
    this.connections.delete(conn.id);
    this.admission.count(this.connections.size);
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
    bump(this.metrics.disconnects, String(code));
    this.writer.flushConnection(conn);
    conn.state = ConnState.Closed;
    conn.transport.end(code, reason);
  }

  /** Sends a server-side unsubscribe push and takes the socket off the channel. */
  unsubscribeServer(conn: Connection, channel: string): void {
    if (!joinedOrPending(conn, channel)) return;
    this.local.leave(conn, channel);
    deleteReleasing(conn, 'serverSide', channel);
    this.writer.send(
      conn,
      encodePush(channel, 'unsubscribe', JSON.stringify({ code: Unsubscribes.server.code, reason: Unsubscribes.server.reason })),
    );
  }

  /** Keepalive's hook: bytes a buffer may hold beyond the queue limit (the largest frame written lately). */
  frameAllowance(): number {
    return this.writer.frameAllowance();
  }

  /** Keepalive's hook: a buffer check ran. */
  buffersChecked(): void {
    this.writer.buffersChecked();
  }

  /** Keepalive's hook: bytes published to topics since the last buffer check. */
  publishedSinceBufferCheck(): number {
    return this.writer.publishedSinceCheck;
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
    return sendEmulation(this, session, data);
  }

  /** Routes an emulation request to the session's node and shard: this node's, or another node's through shard 0. */
  routeEmulation(node: string, session: string, data: EmulatedCommands): Promise<EmulationOutcome> {
    return routeEmulationRequest(this, node, session, data);
  }

  /** Counts for the info API, the admin UI and the metrics. */
  stats(): ShardStats {
    return shardStats(this);
  }

  /** The mailbox as it stands (the worker's rings; nothing for shards built without one). */
  mailboxStats(): MailboxStats {
    return this.mailbox();
  }

  /** Stops timers, node control and the postman, and fails pending requests; sockets are the worker's to close. */
  stop(): void {
    // A stopped (or crashed) shard no longer writes its bits: the acceptor clears them before a replacement starts.
    this.local.leaveTable();
    this.node.control?.stop();
    this.keepalive.stop();
    this.postman.close();
    this.requests.failAll();
    this.auth.proxies.close();
  }

  /** A peer shard restarted (`fromPeer`: its new ring to this shard): forget its subscriptions, fail its requests, re-register with it. */
  onPeerRestarted(peer: number, fromPeer?: SharedArrayBuffer): void {
    if (fromPeer) this.order.replacePeer(peer, fromPeer);
    this.requests.failTarget(peer);
    this.reload.peerRestarted(peer);
    this.postman.forget(peer);
    this.owned.forgetShard(peer);
    this.local.reregisterOwnedBy(peer);
  }
}
