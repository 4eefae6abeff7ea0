/**
 * The file-descriptor guard. uWS accepts connections until accept() fails
 * with EMFILE, and then spins on the listen socket (it retries at once, for
 * ever) while nothing is logged and `/health` cannot be accepted either. So
 * the acceptor samples the open descriptors of the process (/proc/self/fd)
 * against RLIMIT_NOFILE and shares the numbers with the shards
 * (ProcessCounters); a shard refuses new client connections with 503 once
 * the estimate (the last count plus the client connections opened since)
 * reaches the limit less a reserve, which is left for `/health`, the API,
 * Redis and proxy sockets. While that lasts it logs one ERROR line per minute
 * naming the limit.
 *
 * Counting costs about 0.5–1 µs per open descriptor in a loop (1.7 ms at
 * 4,000, 13–14 ms at 16,000), and more in a server, whose descriptors change
 * between counts (about 6 ms at 4,000 connections, in the acceptor thread);
 * at 100,000 connections a count every second would take a tenth of a core.
 * So the count is taken every second only from half the limit on. Below
 * that, the next count waits COST_FACTOR times as long as the last took, at
 * least a second (5 s below a quarter of the limit, where only a burst of
 * descriptors other than client connections, which the estimate does not
 * count, of three quarters of the limit could go unseen) and at most
 * MAX_SAMPLE_INTERVAL_MS: under 1 % of a core however many connections the
 * process holds.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { Logger } from '../common/log';
import { fdReserve, type ProcessCounters } from '../common/process-counters';

/** How often the open descriptors are counted from half the limit on, and at least, ms. */
const SAMPLE_INTERVAL_MS = 1000;
/** Longest time between two counts, ms. */
const MAX_SAMPLE_INTERVAL_MS = 30_000;
/** Below half the limit the next count waits this many times as long as the last one took. */
const COST_FACTOR = 100;
/** Least time between two counts below a quarter of the limit, ms. */
const QUIET_SAMPLE_INTERVAL_MS = 5000;
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

/**
 * Delay before the next count, ms: SAMPLE_INTERVAL_MS from half the limit
 * on, else COST_FACTOR × what the last count took, at least
 * SAMPLE_INTERVAL_MS (QUIET_SAMPLE_INTERVAL_MS below a quarter of the limit)
 * and at most MAX_SAMPLE_INTERVAL_MS.
 */
export function nextSampleDelay(open: number, limit: number, tookMs: number): number {
  if (open >= limit / 2) return SAMPLE_INTERVAL_MS;
  const least = open < limit / 4 ? QUIET_SAMPLE_INTERVAL_MS : SAMPLE_INTERVAL_MS;
  return Math.min(MAX_SAMPLE_INTERVAL_MS, Math.max(least, tookMs * COST_FACTOR));
}

/** Samples the descriptors until stopped (nextSampleDelay apart); returns the stop function. */
export function startFdGuard(counters: ProcessCounters, log: Logger): () => void {
  const limit = readFdLimit();
  if (limit === 0) return () => undefined;
  const reserve = fdReserve(limit);
  let loggedAt = -Infinity;
  let timer: NodeJS.Timeout | null = null;
  const sample = (): void => {
    const started = performance.now();
    const open = countOpenFds();
    const took = performance.now() - started;
    timer = setTimeout(sample, nextSampleDelay(open, limit, took));
    timer.unref();
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
  return () => {
    if (timer) clearTimeout(timer);
  };
}
