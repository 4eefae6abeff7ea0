/**
 * The file-descriptor guard. uWS accepts connections until accept() fails
 * with EMFILE, and then spins on the listen socket (it retries at once, for
 * ever) while nothing is logged and `/health` cannot be accepted either. So
 * the acceptor samples the open descriptors of the process (/proc/self/fd)
 * against RLIMIT_NOFILE every second and shares the numbers with the shards
 * (ProcessCounters); a shard refuses new client connections with 503 once
 * the estimate reaches the limit less a reserve, which is left for `/health`,
 * the API, Redis and proxy sockets. While that lasts it logs one ERROR line
 * per minute naming the limit.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { Logger } from '../common/log';
import { fdReserve, type ProcessCounters } from '../common/process-counters';

/** How often the open descriptors are counted, ms. */
const SAMPLE_INTERVAL_MS = 1000;
/** Least time between two ERROR lines about exhaustion, ms. */
const LOG_INTERVAL_MS = 60_000;

/** The soft limit on open files of this process (RLIMIT_NOFILE), or 0 when unknown or unlimited. */
export function readFdLimit(limitsText = readProcFile('/proc/self/limits')): number {
  const match = /^Max open files\s+(\d+|unlimited)/m.exec(limitsText);
  return match && match[1] !== 'unlimited' ? Number(match[1]) : 0;
}

/** Open descriptors of this process, or 0 when /proc cannot be read. */
export function countOpenFds(): number {
  try {
    // The listing itself holds one descriptor open while it reads.
    return readdirSync('/proc/self/fd').length - 1;
  } catch {
    return 0;
  }
}

function readProcFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Samples the descriptors every second until stopped; returns the stop function. */
export function startFdGuard(counters: ProcessCounters, log: Logger): () => void {
  const limit = readFdLimit();
  if (limit === 0) return () => undefined;
  const reserve = fdReserve(limit);
  let loggedAt = -Infinity;
  const sample = (): void => {
    const open = countOpenFds();
    if (open === 0) return;
    counters.recordFdSample(open, limit);
    const now = Date.now();
    if (open >= limit - reserve && now - loggedAt >= LOG_INTERVAL_MS) {
      loggedAt = now;
      log.error('file descriptors nearly exhausted: new client connections are refused (503) until some close; raise the limit (ulimit -n, LimitNOFILE)', {
        open_fds: open,
        limit,
        reserve,
      });
    }
  };
  sample();
  const timer = setInterval(sample, SAMPLE_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
