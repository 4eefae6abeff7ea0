/**
 * The switchyard process of the soak: the real `startServer` on the config
 * file named by argv[2], reloading that file on SIGHUP exactly as the CLI
 * does (`acceptor/reload.ts`), and crashing one shard when the parent sends
 * `{type:"crash", shard}` through the acceptor's crash hook (the same path as
 * an uncaught error in that shard: the acceptor restarts it).
 */
import { createLogger } from '../../src/common/log';
import { startServer } from '../../src/acceptor/run';
import { Reloader } from '../../src/acceptor/reload';
import { loadConfig } from '../../src/config/load';
import { reportFailure, serveUntilStopped } from '../common/child';

/** Parent → soak server: crash shard `shard`. */
export interface CrashMessage {
  readonly type: 'crash';
  readonly shard: number;
}

/** Soak server → parent: a reload finished with `status`. */
export interface ReloadedMessage {
  readonly type: 'reloaded';
  readonly status: string;
}

if (require.main === module) {
  const file = process.argv[2] ?? '';
  const load = () => loadConfig({ file });
  startServer(load().config).then((server) => {
    const log = createLogger('acceptor');
    const reloader = new Reloader(
      { get config() { return server.config; }, apply: (next) => server.reconfigure(next), get version() { return server.supervisor.configVersion; } },
      load,
      log,
    );
    process.on('SIGHUP', () => {
      void reloader.request('SIGHUP received').then((outcome) => process.send?.({ type: 'reloaded', status: outcome.status } satisfies ReloadedMessage));
    });
    process.on('message', (message: CrashMessage) => {
      if (message.type === 'crash') server.supervisor.crash(message.shard, 'soak: shard kill');
    });
    serveUntilStopped(server.port, async () => {
      await server.close();
    });
  }, reportFailure);
}
