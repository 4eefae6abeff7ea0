/**
 * The CLI's default command as a system service: start, then run until
 * SIGTERM/SIGINT (drain, exit 0); SIGHUP reloads the config from the same
 * sources; the pid file; systemd readiness (notify.ts). Every reload, drain
 * and exit is one log line with its reason.
 */
import { configureLog, createLogger } from '../common/log';
import { warningLines, type ConfigWarning } from '../config/centrifugo/classify';
import type { LoadResult } from '../config/load';
import type { Config } from '../config/types';
import { adviseAllocator } from './allocator';
import { SystemdNotifier } from './notify';
import { removePidFile, writePidFile } from './pid-file';
import { Reloader } from './reload';
import { startServer, type RunningServer } from './run';
import { StartError } from './supervisor';

/** Runs until SIGTERM/SIGINT; `load` re-reads the config on SIGHUP (the same loader that produced `config`). */
export async function runServer(config: Config, warnings: readonly ConfigWarning[], load: () => LoadResult): Promise<void> {
  const log = createLogger('acceptor');
  // SIGHUP's default action ends the process: hold one that arrives while starting, reload once ready.
  let hupWhileStarting = false;
  const early = (): void => {
    hupWhileStarting = true;
  };
  process.on('SIGHUP', early);
  try {
    configureLog(config.log);
  } catch (err) {
    log.error('log.file cannot be opened; logging to stderr', { file: config.log.file, error: (err as Error).message });
  }
  for (const line of warningLines(warnings)) log[line.level](line.message);
  adviseAllocator(log);
  if (!config.http_api.insecure && config.http_api.key === '') {
    log.warn('http_api.key is empty: every server API request will get 401 (set http_api.key, or http_api.insecure for development)');
  }
  const notifier = new SystemdNotifier(log);
  let server: RunningServer;
  try {
    server = await startServer(config);
  } catch (err) {
    log.error(err instanceof StartError || (err as { code?: string }).code ? (err as Error).message : String(err));
    process.exit(1);
  }
  const pidFile = config.pid_file;
  if (pidFile !== '') {
    try {
      writePidFile(pidFile);
    } catch (err) {
      log.error('pid_file cannot be written; `switchyard reload` will not find this process', { file: pidFile, error: (err as Error).message });
    }
  }
  log.info('switchyard ready', {
    shards: server.shardCount,
    address: config.http_server.address || '0.0.0.0',
    port: server.port,
    websocket: server.wsUrl,
    api: server.apiUrl,
    ...(server.internalPort > 0 ? { internal_port: server.internalPort } : {}),
    ...(config.prometheus.enabled ? { metrics: `${server.opsUrl}/metrics` } : {}),
    ...(server.grpcPort > 0 ? { uni_grpc_port: server.grpcPort } : {}),
    ...(pidFile !== '' ? { pid_file: pidFile } : {}),
    pid: process.pid,
  });
  const status = (): string => `serving on port ${server.port} with ${server.shardCount} shards, config version ${server.supervisor.configVersion}`;
  await notifier.ready(status());
  const reloader = new Reloader(
    { get config() { return server.config; }, apply: (next) => server.reconfigure(next), get version() { return server.supervisor.configVersion; } },
    load,
    log,
    { started: () => notifier.reloading(), finished: () => notifier.ready(status()) },
  );
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    const timeout = server.config.shutdown.timeout;
    log.info('draining', { reason: `${signal} received`, timeout_ms: timeout, clients_disconnect_code: 3001 });
    void notifier.stopping();
    void server.close().then((clean) => {
      if (pidFile !== '') removePidFile(pidFile);
      if (clean) log.info('stopped', { reason: `${signal} received` });
      else log.error('shutdown.timeout passed with shards still running; exiting anyway');
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGHUP', () => {
    if (!stopping) void reloader.request('SIGHUP received');
  });
  process.off('SIGHUP', early);
  if (hupWhileStarting) void reloader.request('SIGHUP received while starting');
}
