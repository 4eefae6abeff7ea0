/*
 * src/cli/: the subcommands of the switchyard command (run, checkconfig,
 * genconfig, configdoc, token tools, version); src/cli.ts dispatches to them.
 * May import: everything below.
 */
/** The default command: load the configuration and run the server until SIGTERM/SIGINT. */
import { existsSync } from 'node:fs';
import { ConfigError } from '../config/errors';
import { loadConfig } from '../config/load';
import { Exit, complainAll } from './output';

/** The file read when no `-c` is given, if it exists (as Centrifugo). */
export const DEFAULT_CONFIG_FILE = 'config.json';

/**
 * Loads the config from `-c FILE` (default ./config.json when it exists), the
 * environment and flags; exit 2 with every problem listed when it is invalid.
 * Otherwise starts the server and returns undefined: the process lives until
 * the server exits it.
 */
export async function run(args: readonly string[]): Promise<number | undefined> {
  // The same loader runs again on every reload (SIGHUP), so a reload reads the same sources.
  const file = existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined;
  const load = () => loadConfig({ argv: args, env: process.env, ...(file !== undefined ? { file } : {}) });
  let loaded;
  try {
    loaded = load();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    complainAll('invalid configuration', err.errors);
    return Exit.usage;
  }
  // An engine that cannot be reached, or refuses what the server needs, is an error at start, not a server that cannot deliver.
  const { probeEngines } = await import('../broker/probe');
  const { createLogger } = await import('../common/log');
  const { probeConsumers } = await import('../consumers');
  const unusable = [...(await probeEngines(loaded.config, createLogger('probe'))), ...(await probeConsumers(loaded.config.consumers))];
  if (unusable.length > 0) {
    complainAll('engine not usable', unusable);
    // Exit now: the client libraries keep reconnect timers around for a while after a close.
    process.exit(Exit.failure);
  }
  // Loaded only now, so the other commands never load the server (or uWS).
  const { runServer } = await import('../acceptor/service');
  await runServer(loaded.config, loaded.warnings, load);
  return undefined;
}
