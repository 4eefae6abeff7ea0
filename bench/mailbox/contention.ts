/**
 * How much CPU other processes took while a benchmark ran: the machine's busy
 * time (from /proc/stat) minus this process's own (all its threads), as a
 * share of all cores over the run. On a shared box this says whether the
 * figures can be trusted; the 1-minute load average cannot, since it counts
 * the benchmark's own threads too.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';

interface Sample {
  /** /proc/stat jiffies: idle (idle + iowait) and total, all cores. */
  idle: number;
  total: number;
  /** This process's CPU time in µs (user + system, all threads). */
  ownMicros: number;
  /** Wall time in µs. */
  wallMicros: number;
}

function sample(): Sample | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const fields = line.trim().split(/\s+/).slice(1).map(Number);
    const total = fields.reduce((sum, value) => sum + value, 0);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
    const own = process.cpuUsage();
    return { idle, total, ownMicros: own.user + own.system, wallMicros: Number(process.hrtime.bigint() / 1000n) };
  } catch {
    return null; // not Linux
  }
}

/** Starts measuring; the returned function gives the share (0–1) of all cores that other processes used since, or null where /proc/stat is missing. */
export function measureContention(): () => number | null {
  const start = sample();
  return () => {
    const end = sample();
    if (!start || !end || end.total === start.total) return null;
    const busyShare = 1 - (end.idle - start.idle) / (end.total - start.total);
    const ownShare = (end.ownMicros - start.ownMicros) / ((end.wallMicros - start.wallMicros) * os.cpus().length);
    return Math.max(0, busyShare - ownShare);
  };
}
