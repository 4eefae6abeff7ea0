/**
 * What a benchmark result must carry to be comparable later: the commit, the
 * Node version and the hardware it ran on, and when.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';

/** The stamp written at the top of every result file. */
export interface Environment {
  /** `git rev-parse --short HEAD`, with "+dirty" when the tree has changes; "unknown" outside git. */
  commit: string;
  node: string;
  cpu: string;
  cores: number;
  platform: string;
  /** ISO 8601 time the run started. */
  date: string;
}

function git(args: string[]): string | null {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/** Reads the environment of this run; never throws (git may be missing). */
export function describeEnvironment(): Environment {
  const commit = git(['rev-parse', '--short', 'HEAD']);
  const dirty = commit !== null && (git(['status', '--porcelain']) ?? '') !== '';
  const cpus = os.cpus();
  return {
    commit: commit === null ? 'unknown' : `${commit}${dirty ? '+dirty' : ''}`,
    node: process.version,
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    date: new Date().toISOString(),
  };
}
