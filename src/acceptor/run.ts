/*
 * src/acceptor/: the main thread: loads config, starts and supervises the
 * shard workers (restart with backoff, drain on SIGTERM, reload on SIGHUP),
 * finds the ports, gathers metrics, tells systemd. May import: everything
 * below, including worker/lifecycle.ts.
 */
/**
 * Runs switchyard: resolve the shard count and ports, start the supervisor,
 * log where it listens. `startServer` is the library call (tests and
 * embedding), without signal handling; service.ts adds signals, the pid
 * file and systemd notifications for the CLI.
 */
import { availableParallelism } from 'node:os';
import type { Config } from '../config/types';
import { deepFreeze } from '../config/freeze';
import { configureLog, createLogger } from '../common/log';
import { assertPortFree, findFreePort } from './port';
import { ListenError, StartError, Supervisor, type ReconfigureResult } from './supervisor';
import { loadUws } from '../common/uws';
import { prepareTlsFiles, type PreparedTls } from './tls-files';
import { createNodeRegistry, nodeMetrics, renderMetrics, type MetricsSnapshot } from '../metrics/gather';
import { nodeOwnMetrics } from './node-metrics';
import { insecureSettings } from '../config/insecure';

/** How many times a start on port 0 retries when its picked port is taken meanwhile. */
const PORT_ZERO_ATTEMPTS = 5;

/** A running server. */
export interface RunningServer {
  /** The port every shard listens on. */
  readonly port: number;
  /** The internal port (server API, /metrics, /health); 0 when there is none. */
  readonly internalPort: number;
  /** `ws://host:port/connection/websocket` (`wss://` with TLS). */
  readonly wsUrl: string;
  /** The server API base URL: `http://host:port` + `http_api.handler_prefix` (`/api`), on the internal port when there is one. */
  readonly apiUrl: string;
  /** `http://host:port` of the operator endpoints (/metrics, /health): the internal port's, or the client port's. */
  readonly opsUrl: string;
  /** Port of the unidirectional gRPC server (shard 0); 0 when `uni_grpc` is off. */
  readonly grpcPort: number;
  /** Port of the gRPC server API (shard 0); 0 when `grpc_api` is off. */
  readonly grpcApiPort: number;
  readonly shardCount: number;
  readonly supervisor: Supervisor;
  /** The config in force (changes on reload). */
  readonly config: Config;
  /** Applies a validated config to every shard (reload.ts checks it and keeps restart-only keys first). */
  reconfigure(next: Config): Promise<ReconfigureResult>;
  /** Every shard's metrics and the process's, as JSON (an admin UI reads this). */
  metricsSnapshot(): Promise<MetricsSnapshot>;
  /** The Prometheus exposition /metrics serves. */
  metricsText(): Promise<string>;
  /** Drains and stops; resolves true when every shard exited in time. */
  close(): Promise<boolean>;
}

/** The shard count `shards.count` asks for (0 = one per available core). */
export function resolveShardCount(config: Config): number {
  return config.shards.count > 0 ? config.shards.count : availableParallelism();
}

/** How a URL shows a bind address. */
function shownHost(host: string): string {
  return host === '' || host === '0.0.0.0' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
}

/** Starts the server; rejects with StartError (after stopping what did start) when it cannot. */
export async function startServer(config: Config): Promise<RunningServer> {
  configureLog({ level: config.log.level, format: config.log.format });
  config = await withGrpcPort(config);
  loadUws(); // fail here, with a clear message, rather than in every shard
  const shardCount = resolveShardCount(config);
  const host = config.http_server.address;
  const internalHost = config.http_server.internal_address || host;
  const internalPort = config.http_server.internal_port;
  const bindCheck = (h: string, p: number, key: string) =>
    assertPortFree(h, p).catch((err: Error) => {
      throw new ListenError(err.message.replace('http_server.port', key));
    });
  if (config.http_server.port !== 0) await bindCheck(host, config.http_server.port, 'http_server.port');
  if (internalPort !== 0) await bindCheck(internalHost, internalPort, 'http_server.internal_port');
  let tls: PreparedTls | null;
  try {
    tls = prepareTlsFiles(config.http_server.tls);
  } catch (err) {
    throw new StartError(`http_server.tls: ${(err as Error).message}`);
  }
  warnInsecure(config);
  const registry = config.prometheus.enabled ? createNodeRegistry() : null;
  for (let attempt = 1; ; attempt++) {
    const port = config.http_server.port || (await findFreePort(host));
    const supervisor = new Supervisor(config, shardCount, createLogger('acceptor'), tls?.files ?? null);
    try {
      await supervisor.start(port);
    } catch (err) {
      await supervisor.drain(2_000);
      if (err instanceof ListenError && config.http_server.port === 0 && attempt < PORT_ZERO_ATTEMPTS) continue;
      tls?.cleanup();
      throw err;
    }
    const snapshot = async (): Promise<MetricsSnapshot> => {
      const gathered = await supervisor.collectMetrics();
      const node = registry ? await nodeMetrics(registry) : [];
      return { ...gathered, node: [...node, ...nodeOwnMetrics(supervisor)] };
    };
    const text = async (): Promise<string> => renderMetrics(await snapshot());
    if (registry) supervisor.metricsText = text;
    const scheme = tls ? 'https' : 'http';
    const client = `${shownHost(host)}:${port}`;
    const ops = internalPort !== 0 ? `http://${shownHost(internalHost)}:${internalPort}` : `${scheme}://${client}`;
    return {
      port,
      internalPort,
      wsUrl: `${tls ? 'wss' : 'ws'}://${client}/connection/websocket`,
      apiUrl: `${ops}${config.http_api.handler_prefix.replace(/\/+$/, '')}`,
      opsUrl: ops,
      grpcPort: config.uni_grpc.enabled ? config.uni_grpc.port : 0,
      grpcApiPort: config.grpc_api.enabled ? config.grpc_api.port : 0,
      shardCount,
      supervisor,
      get config() {
        return supervisor.currentConfig;
      },
      reconfigure: (next) => supervisor.reconfigure(next),
      metricsSnapshot: snapshot,
      metricsText: text,
      close: async () => {
        const clean = await supervisor.drain(supervisor.currentConfig.shutdown.timeout);
        tls?.cleanup();
        return clean;
      },
    };
  }
}

/**
 * One WARN line per setting that opens the server to anyone (config/insecure.ts),
 * each naming its key, as Centrifugo logs its INSECURE warnings.
 */
export function warnInsecure(config: Config, log = createLogger('acceptor')): void {
  for (const setting of insecureSettings(config)) log.warn(`INSECURE: ${setting.key}: ${setting.message}`, { key: setting.key });
}

/** For `uni_grpc.port: 0` and `grpc_api.port: 0`, the config with concrete free ports (shard 0 binds them; the caller learns them). */
async function withGrpcPort(config: Config): Promise<Config> {
  let out = config;
  if (config.uni_grpc.enabled && config.uni_grpc.port === 0) {
    out = { ...out, uni_grpc: { ...out.uni_grpc, port: await findFreePort(config.uni_grpc.address) } };
  }
  if (config.grpc_api.enabled && config.grpc_api.port === 0) {
    out = { ...out, grpc_api: { ...out.grpc_api, port: await findFreePort(config.grpc_api.address) } };
  }
  return out === config ? config : deepFreeze(out);
}
