/*
 * src/cli/: the subcommands of the switchyard command (run, checkconfig,
 * genconfig, configdoc, token tools, version); src/cli.ts dispatches to them.
 * May import: everything below.
 */
/** The default command: load the configuration and run the server until SIGTERM/SIGINT. */
import { ConfigError } from '../config/errors';
import { loadConfig } from '../config/load';
import { Exit, complainAll } from './output';

/**
 * Loads the config from `-c FILE`, the environment and flags; exit 2 with
 * every problem listed when it is invalid. Otherwise starts the server and
 * returns undefined: the process lives until the server exits it.
 */
export async function run(args: readonly string[]): Promise<number | undefined> {
  // The same loader runs again on every reload (SIGHUP), so a reload reads the same sources.
  const load = () => loadConfig({ argv: args, env: process.env });
  let loaded;
  try {
    loaded = load();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    complainAll('invalid configuration', err.errors);
    return Exit.usage;
  }
  // Loaded only now, so the other commands never load the server (or uWS).
  const { runServer } = await import('../acceptor/service');
  await runServer(loaded.config, loaded.warnings, load);
  return undefined;
}
