/*
 * src/worker/: a shard thread: its entry (this file: builds the Shard,
 * listens, obeys the acceptor), its route table, and the messages it exchanges
 * with the acceptor (lifecycle.ts). May import: everything below; the only
 * importer of shards/shard.ts.
 */
/**
 * Entry point of a shard worker thread. Builds the shard, listens on the
 * shared port (SO_REUSEPORT: the kernel spreads connections over shards),
 * drains its mailbox, and obeys the acceptor: drain on shutdown, swap rings
 * when a peer is restarted.
 *
 * A worker must never exit while uWS sockets are open (Node aborts the whole
 * process), so on an uncaught error the shard does not exit: it closes its
 * listen socket and client sockets, stops its mailbox, tells the acceptor it
 * crashed (a replacement takes its index), and lets its event loop empty by itself.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { TemplatedApp, us_listen_socket } from 'uWebSockets.js';
import { configureLog, createLogger } from '../common/log';
import { ProcessCounters } from '../common/process-counters';
import { SubscriberTable } from '../common/subscriber-table';
import { Inbox, Outbox, type InboxStats, type MailboxWiring, type OutboxStats } from '../mailbox/mailbox';
import type { MailboxStats } from '../shards/stats';
import { Disconnects } from '../protocol/codes';
import { loadUws } from '../common/uws';
import { createAuthServices } from '../auth/services';
import { ConnState } from '../shards/session/connection';
import { createEngine } from '../shards/cluster/engine';
import type { FromShard, ShardInit, ToShard } from './lifecycle';
import { registerRoutes, type Readiness } from './routes';
import { OpenExchanges } from '../api/exchange';
import { createShardSettings } from '../shards/settings';
import { Shard } from '../shards/shard';
import { startUniGrpc, type UniGrpcServer } from '../transports/uni-grpc';
import { consumedCommands } from '../api/consumed';
import { startConsumers } from '../consumers';
import { startGrpcApi, type GrpcApiServer } from '../api/grpc/server';

const init = workerData as ShardInit;
const port = parentPort!;
const log = createLogger(`shard ${init.shardId}`);
try {
  configureLog(init.config.log);
} catch {
  configureLog({ level: init.config.log.level, format: init.config.log.format }); // the acceptor reported the file already
}

/** The mailbox part of the shard's stats. */
function mailboxStats(inbox: InboxStats, outbox: OutboxStats): MailboxStats {
  return {
    pending_bytes: inbox.pendingBytes,
    overflow_bytes: outbox.queuedBytes,
    overflow_records: outbox.queuedRecords,
    wakeups: inbox.wakeups,
    drained: inbox.drained,
    full: outbox.full,
  };
}

function tell(msg: FromShard): void {
  port.postMessage(msg);
}

let uws: ReturnType<typeof loadUws>;
try {
  uws = loadUws();
} catch (err) {
  tell({ type: 'fatal', shardId: init.shardId, message: (err as Error).message });
  throw err;
}

const config = init.config;
const wiring: MailboxWiring = { ...init.wiring, shardId: init.shardId };
const app = init.tls ? uws.SSLApp({ cert_file_name: init.tls.certFile, key_file_name: init.tls.keyFile }) : uws.App();
/** The app of `http_server.internal_port` (server API, /metrics, /health), or null. */
const internalApp = init.internalPort > 0 ? uws.App() : null;
const outbox = new Outbox(wiring, config.shards.mailbox_overflow_limit);
const identity = { uid: init.nodeUid, name: init.nodeName };
const engine = createEngine(config, init.shardId, identity.uid, log);
const shard = new Shard({
  id: init.shardId,
  count: wiring.shardCount,
  config,
  app,
  outbox,
  broker: engine.broker,
  presence: engine.presence,
  auth: createAuthServices(config),
  log,
  identity,
  bus: engine.bus,
  busTimeout: engine.busTimeout,
  restarts: init.restarts,
  // Read lazily: the inbox is built just below, and stats are only asked for once it runs.
  mailbox: () => mailboxStats(inbox.stats(), outbox.stats()),
  configVersion: init.configVersion,
  counters: new ProcessCounters(init.counters, wiring.shardCount),
  table: new SubscriberTable(init.subscriberTable),
  inboundRings: wiring.rings.map((row) => row[init.shardId] ?? null),
});
const inbox = new Inbox(wiring, config.shards.mailbox_batch, (from, kind, body) => shard.onRecord(from, kind, body));
const readiness: Readiness = { allReady: false };
let listenSocket: us_listen_socket | null = null;
let internalSocket: us_listen_socket | null = null;
/** Metrics expositions this shard asked the acceptor for, by request id. */
const metricsWaiters = new Map<number, { resolve: (text: string) => void; reject: (err: Error) => void }>();
let nextMetricsId = 1;
shard.switching.onDone = (version) => tell({ type: 'config-applied', shardId: init.shardId, version, revoked: shard.switching.revoked });
/** The unidirectional gRPC server (shard 0 only, when enabled). */
let grpcServer: UniGrpcServer | null = null;
/** The gRPC server API (shard 0 only, when enabled). */
let grpcApi: GrpcApiServer | null = null;
let stopped = false;

// Node control (shard 0 with a bus) listens once the bus can subscribe.
const nodeControl = shard.node.control;
if (nodeControl) void engine.busReady().then(() => nodeControl.start());
// Consumers (the PostgreSQL outbox) run on shard 0 and apply commands through the server API methods.
const consumers = init.shardId === 0 ? startConsumers(config.consumers, consumedCommands(shard, log), log) : null;
/** Server API and admin requests admitted and not yet answered: a drain waits for them. */
const openRequests = new OpenExchanges();
registerRoutes(
  app,
  internalApp,
  shard,
  readiness,
  () => {
    const id = nextMetricsId++;
    return new Promise<string>((resolve, reject) => {
      metricsWaiters.set(id, { resolve, reject });
      tell({ type: 'metrics-request', shardId: init.shardId, id });
    });
  },
  openRequests,
);

/** Stops everything but lets open sockets finish; the loop then empties and the thread ends. */
function stopAll(): void {
  if (stopped) return;
  stopped = true;
  // Its streams were ended with their connections (drain) or cut (crash); this releases the port.
  grpcServer?.close();
  grpcServer = null;
  void consumers?.close();
  grpcApi?.close();
  grpcApi = null;
  engine.close();
  shard.stop();
  inbox.stop();
  outbox.close();
}

/** Closes every socket of the shard's apps that is still open: idle keep-alive connections, and requests a deadline cut. */
function closeSockets(): void {
  app.close();
  internalApp?.close();
}

function closeListen(): void {
  if (listenSocket) uws.us_listen_socket_close(listenSocket);
  if (internalSocket) uws.us_listen_socket_close(internalSocket);
  listenSocket = null;
  internalSocket = null;
  for (const waiter of metricsWaiters.values()) waiter.reject(new Error('shutting down'));
  metricsWaiters.clear();
}

/** Reload, phase 1: build the new settings aside; the acceptor commits once every shard answered. */
function prepareConfig(version: number, next: typeof config): void {
  try {
    shard.reload.prepare(createShardSettings(version, next, log));
    tell({ type: 'config-prepared', shardId: init.shardId, version });
  } catch (err) {
    tell({ type: 'config-prepared', shardId: init.shardId, version, error: (err as Error).message });
  }
}

/**
 * Graceful drain: stop accepting, disconnect clients with 3001, wait for them
 * to go and for the server API requests in flight to be answered (API
 * requests answered meanwhile get 503 and close their connection), then close
 * every socket left, idle HTTP keep-alive connections among them, and stop.
 * Without that last close an API client's idle keep-alive connection kept the
 * thread alive until uWS's 10 s idle timeout, past a shorter
 * `shutdown.timeout`, and the process then exited under an open socket.
 */
function drain(timeoutMs: number): void {
  if (shard.draining) return;
  shard.draining = true;
  closeListen();
  for (const conn of [...shard.connections.values()]) {
    shard.disconnect(conn, Disconnects.shutdown.code, Disconnects.shutdown.reason);
  }
  const deadline = Date.now() + Math.max(0, timeoutMs - 500);
  const check = setInterval(() => {
    if ((shard.connections.size > 0 || openRequests.count > 0) && Date.now() < deadline) return;
    clearInterval(check);
    // Clients that did not finish the close handshake in time are cut off.
    for (const conn of [...shard.connections.values()]) conn.transport.close();
    closeSockets();
    stopAll();
    tell({ type: 'drained', shardId: init.shardId });
    port.close();
  }, 20);
}

let crashing = false;

/**
 * Uncaught error: release every uWS handle we can reach, report, and stay until the loop empties.
 *
 * The sockets are closed from a timer, not where the error surfaced. uSockets
 * frees a closed socket in its libuv check callback, and only if libuv has not
 * yet run the close callback of the socket's poll handle; a socket closed after
 * that check callback in the same loop iteration (in a `setImmediate` callback,
 * whose check callback runs after uSockets', or the microtasks that follow it)
 * gets its close callback first and is never freed. An error thrown there (the
 * mailbox's continued turns, the `crash` test hook) leaked every socket of the
 * shard, about 700 bytes each (issue 17, item 7). Timers run before the check
 * phase, so sockets closed from one are freed in the same iteration.
 */
function crash(err: unknown): void {
  log.error('shard crashed; closing its sockets', { error: err instanceof Error ? err.stack ?? err.message : String(err) });
  if (stopped || crashing) return;
  crashing = true;
  shard.draining = true;
  setTimeout(() => {
    if (stopped) return; // drained meanwhile: everything is closed already
    closeListen();
    for (const conn of [...shard.connections.values()]) {
      if (conn.state !== ConnState.Closed) conn.transport.close();
    }
    closeSockets(); // idle keep-alive connections too: they would hold the thread for uWS's idle timeout
    stopAll();
    tell({ type: 'crashed', shardId: init.shardId, message: err instanceof Error ? err.message : String(err) });
    port.close();
  }, 0);
}

process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);

port.on('message', (msg: ToShard) => {
  switch (msg.type) {
    case 'all-ready':
      readiness.allReady = true;
      return;
    case 'drain':
      drain(msg.timeoutMs);
      return;
    case 'peer-restarted':
      outbox.replacePeer(msg.peer, msg.toPeer);
      inbox.replacePeer(msg.peer, msg.fromPeer);
      shard.onPeerRestarted(msg.peer, msg.fromPeer);
      return;
    case 'config-prepare':
      prepareConfig(msg.version, msg.config);
      return;
    case 'config-commit':
      shard.reload.commit(msg.version);
      return;
    case 'metrics-collect':
      void shard.metrics.snapshot().then((metrics) => tell({ type: 'metrics-snapshot', shardId: init.shardId, id: msg.id, metrics }));
      return;
    case 'metrics-text': {
      const waiter = metricsWaiters.get(msg.id);
      metricsWaiters.delete(msg.id);
      if (msg.error !== undefined) waiter?.reject(new Error(msg.error));
      else waiter?.resolve(msg.text);
      return;
    }
    case 'crash':
      // Test hook: behave exactly as an uncaught error thrown by a handler.
      setImmediate(() => {
        throw new Error(msg.reason);
      });
      return;
    default: {
      const never: never = msg;
      log.error('unknown acceptor message', { message: never });
    }
  }
});

const host = config.http_server.address;

/** Listens `target` on `address:portNumber` ("" = all interfaces); resolves the socket, or false. */
function listenOn(target: TemplatedApp, address: string, portNumber: number): Promise<us_listen_socket | false> {
  return new Promise((resolve) => {
    if (address) target.listen(address, portNumber, resolve);
    else target.listen(portNumber, resolve);
  });
}

/** Listens on the client port and the internal port (if any); ready once both listen. */
async function listenAll(): Promise<void> {
  const failed = (portNumber: number): void => {
    tell({ type: 'listen-failed', shardId: init.shardId, port: portNumber });
    closeListen();
    stopAll();
    port.close();
  };
  const socket = await listenOn(app, host, init.port);
  if (!socket) return failed(init.port);
  listenSocket = socket;
  if (internalApp) {
    const internal = await listenOn(internalApp, config.http_server.internal_address || host, init.internalPort);
    if (!internal) return failed(init.internalPort);
    internalSocket = internal;
  }
  if (stopped) return closeListen();
  inbox.start();
  shard.keepalive.run();
  tell({ type: 'ready', shardId: init.shardId });
}

// Listen once the engine is connected (at most engine.redis.connect_timeout), so a ready shard can publish.
void engine.ready().then(async () => {
  if (stopped) return;
  if (init.shardId === 0 && !(await startShardZeroServers())) return;
  await listenAll();
});

/** Starts shard 0's gRPC servers (unidirectional transport, server API) that are enabled; false when one failed (reported) or the shard stopped. */
async function startShardZeroServers(): Promise<boolean> {
  if (config.uni_grpc.enabled) {
    try {
      grpcServer = await startUniGrpc(config, shard);
    } catch (err) {
      return fail('unidirectional gRPC server', config.uni_grpc.port, err);
    }
  }
  if (config.grpc_api.enabled && !stopped) {
    try {
      grpcApi = await startGrpcApi(config, shard);
    } catch (err) {
      return fail('gRPC API server', config.grpc_api.port, err);
    }
  }
  if (!stopped) return true;
  // Stopped while binding: stopAll ran before these existed.
  grpcServer?.close();
  grpcApi?.close();
  return false;
}

/** Reports a shard 0 server that could not start, and stops the shard. */
function fail(what: string, failedPort: number, err: unknown): false {
  log.error(`${what} did not start`, { port: failedPort, error: (err as Error).message });
  tell({ type: 'listen-failed', shardId: init.shardId, port: failedPort });
  stopAll();
  port.close();
  return false;
}
