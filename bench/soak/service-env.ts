/**
 * The environment deploy/switchyard.service gives the server (its
 * `Environment=` lines), so the soak's server runs as a service does: with
 * glibc's mmap threshold fixed (src/acceptor/allocator.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The unit file of the repository. */
export const SERVICE_FILE = join(__dirname, '..', '..', '..', 'deploy', 'switchyard.service');

/** The variables of the `Environment=NAME=value` lines of a unit file's text (one assignment per line, no quoting). */
export function serviceEnvironment(unitText: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of unitText.split('\n')) {
    const match = /^Environment=([A-Za-z_][A-Za-z0-9_]*)=(\S*)\s*$/.exec(line.trim());
    if (match) env[match[1]!] = match[2]!;
    else if (/^Environment=/.test(line.trim())) throw new Error(`${SERVICE_FILE}: the soak reads only Environment=NAME=value lines (got ${line.trim()})`);
  }
  return env;
}

/** serviceEnvironment of the repository's unit file. */
export function readServiceEnvironment(file = SERVICE_FILE): Record<string, string> {
  return serviceEnvironment(readFileSync(file, 'utf8'));
}

/** `NAME=value NAME=value`, or `as the soak's` when there is none, for the log and the report. */
export function environmentText(env: Readonly<Record<string, string>>): string {
  const pairs = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  return pairs.length > 0 ? pairs.join(' ') : "as the soak's";
}
