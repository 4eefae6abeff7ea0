/*
 * src/acceptor/: the main thread: loads config, starts and supervises the
 * shard workers (restart with backoff, drain on SIGTERM), finds the port. May
 * import: everything below, including worker/lifecycle.ts.
 */
/**
 * Runs switchyard: resolve the shard count and port, start the supervisor,
 * log where it listens, and drain on SIGTERM/SIGINT. `startServer` is the
 * same thing as a library call (tests and embedding), without signal handling.
 */
import { availableParallelism } from 'node:os';
import type { Config } from '../config/types';
import { deepFreeze } from '../config/freeze';
import { createLogger, setLogLevel } from '../common/log';
import { assertPortFree, findFreePort } from './port';
import { ListenError, StartError, Supervisor } from './supervisor';
import { loadUws } from '../common/uws';

/** How many times a start on port 0 retries when its picked port is taken meanwhile. */
const PORT_ZERO_ATTEMPTS = 5;

/** A running server. */
export interface RunningServer {
  /** The port every shard listens on. */
  readonly port: number;
  /** `ws://host:port/connection/websocket`. */
  readonly wsUrl: string;
  /** `http://host:port/api`. */
  readonly apiUrl: string;
  /** Port of the unidirectional gRPC server (shard 0); 0 when `uni_grpc` is off. */
  readonly grpcPort: number;
  /** Port of the gRPC server API (shard 0); 0 when `grpc_api` is off. */
  readonly grpcApiPort: number;
  readonly shardCount: number;
  readonly supervisor: Supervisor;
  /** Drains and stops; resolves true when every shard exited in time. */
  close(): Promise<boolean>;
}

/** The shard count `shards.count` asks for (0 = one per available core). */
export function resolveShardCount(config: Config): number {
  return config.shards.count > 0 ? config.shards.count : availableParallelism();
}

/** Starts the server; rejects with StartError (after stopping what did start) when it cannot. */
export async function startServer(config: Config): Promise<RunningServer> {
  setLogLevel(config.log.level);
  config = await withGrpcPort(config);
  loadUws(); // fail here, with a clear message, rather than in every shard
  const shardCount = resolveShardCount(config);
  const host = config.http_server.address;
  if (config.http_server.port !== 0) {
    await assertPortFree(host, config.http_server.port).catch((err: Error) => {
      throw new ListenError(err.message);
    });
  }
  for (let attempt = 1; ; attempt++) {
    const port = config.http_server.port || (await findFreePort(host));
    const supervisor = new Supervisor(config, shardCount, createLogger('acceptor'));
    try {
      await supervisor.start(port);
    } catch (err) {
      await supervisor.drain(2_000);
      if (err instanceof ListenError && config.http_server.port === 0 && attempt < PORT_ZERO_ATTEMPTS) continue;
      throw err;
    }
    const shown = host === '' || host === '0.0.0.0' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
    return {
      port,
      wsUrl: `ws://${shown}:${port}/connection/websocket`,
      apiUrl: `http://${shown}:${port}/api`,
      grpcPort: config.uni_grpc.enabled ? config.uni_grpc.port : 0,
      grpcApiPort: config.grpc_api.enabled ? config.grpc_api.port : 0,
      shardCount,
      supervisor,
      close: () => supervisor.drain(config.shutdown.timeout),
    };
  }
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

/** The CLI's default command: run until SIGTERM/SIGINT, then drain and exit 0. */
export async function runServer(config: Config, warnings: readonly string[]): Promise<void> {
  setLogLevel(config.log.level);
  const log = createLogger('acceptor');
  for (const w of warnings) log.warn(w);
  if (!config.http_api.insecure && config.http_api.key === '') {
    log.warn('http_api.key is empty: every server API request will get 401 (set http_api.key, or http_api.insecure for development)');
  }
  let server: RunningServer;
  try {
    server = await startServer(config);
  } catch (err) {
    log.error(err instanceof StartError || (err as { code?: string }).code ? (err as Error).message : String(err));
    process.exit(1);
  }
  log.info('switchyard ready', {
    shards: server.shardCount,
    address: config.http_server.address || '0.0.0.0',
    port: server.port,
    websocket: server.wsUrl,
    api: server.apiUrl,
    ...(server.grpcPort > 0 ? { uni_grpc_port: server.grpcPort } : {}),
  });
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info('draining', { signal, timeout_ms: config.shutdown.timeout });
    void server.close().then((clean) => {
      if (clean) log.info('stopped');
      else log.error('shutdown.timeout passed with shards still running; exiting anyway');
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
