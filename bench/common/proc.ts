/**
 * CPU and memory readings from Linux /proc, for any process or thread,
 * without its cooperation: the server under test runs in a child process
 * (its shards are threads of it), and each load-generator worker reads its
 * own thread.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc CPU counters (`getconf CLK_TCK`, 100 on Linux in practice). */
const TICKS_PER_SECOND = readTicksPerSecond();

function readTicksPerSecond(): number {
  try {
    const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(value) && value > 0 ? value : 100;
  } catch {
    return 100;
  }
}

/** utime + stime of a /proc/.../stat line, in seconds (the command name may hold spaces, so split after its ')'). */
function statCpuSeconds(statLine: string): number {
  const fields = statLine.slice(statLine.lastIndexOf(')') + 2).split(' ');
  // Fields after the name start at field 3 (state); utime is field 14, stime field 15.
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** Seconds on CPU from a schedstat file (its first field, in ns): far finer than the 10 ms ticks of stat. */
function schedstatSeconds(file: string): number {
  return Number(readFileSync(file, 'utf8').split(' ', 1)[0]) / 1e9;
}

/**
 * CPU seconds (user + system) the live threads of process `pid` have used;
 * NaN when it is gone. Summed over /proc/<pid>/task/* /schedstat (ns
 * resolution); falls back to /proc/<pid>/stat ticks where schedstat is missing.
 */
export function processCpuSeconds(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/task`).reduce((total, tid) => total + schedstatSeconds(`/proc/${pid}/task/${tid}/schedstat`), 0);
  } catch {
    try {
      return statCpuSeconds(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return Number.NaN;
    }
  }
}

/**
 * Times the live threads of process `pid` have gone to sleep and been woken
 * again (the sum of their `voluntary_ctxt_switches`): a thread that blocks in
 * epoll, on a futex or on a read counts one each time it had to be woken.
 * NaN when it is gone.
 */
export function processWakeups(pid: number): number {
  try {
    let total = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      let status: string;
      try {
        status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
      } catch {
        continue; // the thread ended between the listing and the read
      }
      const match = /^voluntary_ctxt_switches:\s+(\d+)$/m.exec(status);
      if (match) total += Number(match[1]);
    }
    return total;
  } catch {
    return Number.NaN;
  }
}

/** CPU seconds the calling thread has used (/proc/thread-self/schedstat, else its stat). */
export function threadCpuSeconds(): number {
  try {
    return schedstatSeconds('/proc/thread-self/schedstat');
  } catch {
    try {
      return statCpuSeconds(readFileSync('/proc/thread-self/stat', 'utf8'));
    } catch {
      return Number.NaN;
    }
  }
}

/** Memory of a process from /proc/<pid>/status, bytes: resident now and peak resident. */
export interface MemoryReading {
  rssBytes: number;
  peakRssBytes: number;
}

/** Reads VmRSS and VmHWM of process `pid`; NaN fields when it is gone. */
export function processMemory(pid: number): MemoryReading {
  let text = '';
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return { rssBytes: Number.NaN, peakRssBytes: Number.NaN };
  }
  const kib = (key: string): number => {
    const match = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text);
    return match ? Number(match[1]) * 1024 : Number.NaN;
  };
  return { rssBytes: kib('VmRSS'), peakRssBytes: kib('VmHWM') };
}

/** Machine-wide CPU time from the first line of /proc/stat, in ticks: busy (not idle or iowait) and total. */
export interface MachineTicks {
  busy: number;
  total: number;
}

/** Reads the machine's CPU counters. */
export function machineTicks(): MachineTicks {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const total = values.slice(0, 8).reduce((a, b) => a + b, 0); // user..steal; guest is already in user
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  return { busy: total - idle, total };
}

/** Share of all cores busy between two readings, 0..1. */
export function machineBusy(before: MachineTicks, after: MachineTicks): number {
  const total = after.total - before.total;
  return total > 0 ? (after.busy - before.busy) / total : 0;
}
