/**
 * The pid file (`pid_file`): written when the server is ready, removed at
 * exit if it still holds this process's pid. `switchyard reload` reads it to
 * find the process to signal.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';

/** Writes `pid` to `file`; throws with the reason when it cannot. */
export function writePidFile(file: string, pid = process.pid): void {
  writeFileSync(file, `${pid}\n`, { mode: 0o644 });
}

/** Removes `file` when it holds `pid` (another process may have taken it over). */
export function removePidFile(file: string, pid = process.pid): void {
  try {
    if (readFileSync(file, 'utf8').trim() === String(pid)) rmSync(file, { force: true });
  } catch {
    // already gone
  }
}

/** The pid in `file`; throws an Error naming the file and the problem. */
export function readPidFile(file: string): number {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read pid_file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message} (is switchyard running?)`);
  }
  const pid = Number(text.trim());
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`pid_file ${file} does not hold a process id: ${JSON.stringify(text.trim().slice(0, 40))}`);
  return pid;
}
