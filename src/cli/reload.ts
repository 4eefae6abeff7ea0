/**
 * `switchyard reload [-c FILE] [--pid_file PATH]`: asks the running server to
 * reload its config, by sending SIGHUP to the process named in its pid file.
 * The pid file is `--pid_file`, else the `pid_file` key of the config that
 * `-c FILE`, `SWITCHYARD_*` variables and flags give (as the server reads it).
 * The outcome (applied, invalid, needs a restart) is in the server's log.
 */
import { ConfigError } from '../config/errors';
import { loadConfig } from '../config/load';
import { readPidFile } from '../acceptor/pid-file';
import { Exit, complain, complainAll, say } from './output';

/** Sends SIGHUP to the server; exit 0 when sent, 1 when there is no such process, 2 for bad arguments or config. */
export async function reload(args: readonly string[]): Promise<number> {
  let pidFile: string;
  try {
    pidFile = loadConfig({ argv: args, env: process.env }).config.pid_file;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    complainAll('invalid configuration', err.errors);
    return Exit.usage;
  }
  if (pidFile === '') {
    complain('no pid file: set pid_file in the config (or pass --pid_file PATH), as the running server has it');
    return Exit.usage;
  }
  let pid: number;
  try {
    pid = readPidFile(pidFile);
    process.kill(pid, 'SIGHUP');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    complain(code === 'ESRCH' ? `no process ${readPidFile(pidFile)} (stale pid_file ${pidFile}: is switchyard running?)` : (err as Error).message);
    return Exit.failure;
  }
  say(`sent SIGHUP to switchyard (pid ${pid}); the reload's outcome is in its log`);
  return Exit.ok;
}
