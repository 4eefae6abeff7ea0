/**
 * Reload in tests: a server started from a config file, and a Reloader that
 * re-reads that file exactly as the CLI's SIGHUP does (the same loader).
 */
import { writeFileSync } from 'node:fs';
import { createLogger } from '../../src/common/log';
import { loadConfig } from '../../src/config/load';
import { Reloader } from '../../src/acceptor/reload';
import { startServer, type RunningServer } from '../../src/acceptor/run';
import { testConfigInput } from './server';

/** A running server, its config file, and its reloader. */
export interface ReloadableServer {
  readonly server: RunningServer;
  readonly reloader: Reloader;
  /** Writes the config file: a test config with these overrides, or raw text. */
  write(content: Record<string, unknown> | string): void;
}

/** Starts a server from `file` written with `overrides` (on top of the test config). */
export async function startReloadable(file: string, overrides: Record<string, unknown>): Promise<ReloadableServer> {
  const write = (content: Record<string, unknown> | string): void =>
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(testConfigInput(content)));
  write(overrides);
  const load = () => loadConfig({ file, env: {}, argv: [] });
  const server = await startServer(load().config);
  const reloader = new Reloader(
    {
      get config() {
        return server.config;
      },
      apply: (next) => server.reconfigure(next),
      get version() {
        return server.supervisor.configVersion;
      },
    },
    load,
    createLogger('test reload'),
  );
  return { server, reloader, write };
}
