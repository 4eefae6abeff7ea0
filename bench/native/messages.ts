/**
 * What the native load generator prints, one JSON object per line on stdout
 * (bench/native/c/main.c), and the step command it reads on stdin. Times are
 * on CLOCK_MONOTONIC, ms (the clock of bench/common/clock.ts).
 */

/** After connecting every subscriber. */
export interface ReadyLine {
  readonly type: 'ready';
  /** Subscriber connections subscribed, and failed (connect, handshake, error reply or timeout). */
  readonly connected: number;
  readonly failed: number;
  /** From the first connect to the last connection settled, s. */
  readonly connectSeconds: number;
  /** Receiver threads, and keep-alive HTTP connections of the publisher. */
  readonly receivers: number;
  readonly httpConnections: number;
  /** The niceness its threads run at (`--nice`, or what it inherited). */
  readonly nice: number;
  /** Why the niceness asked for (`--nice`) could not be set; absent when it was, or none was asked. */
  readonly niceError?: string;
  /** The first few failure reasons. */
  readonly errors: readonly string[];
}

/** Latency of the publications due in the window, ms (null when none arrived). */
export interface LatencyLine {
  readonly count: number;
  readonly p50: number | null;
  readonly p90: number | null;
  readonly p99: number | null;
  readonly p999: number | null;
  readonly max: number | null;
  readonly mean: number | null;
}

/** One thread's share of a window. */
export interface ThreadLine {
  readonly role: 'publisher' | 'receiver';
  /** CPU seconds the thread used in the window. */
  readonly cpuSeconds: number;
  /** Share of the window the thread spent outside epoll_wait, 0..1 (like Node's event-loop utilization). */
  readonly busy: number;
  /** Receivers: read() calls that returned data, and epoll_wait calls that returned events, in the window (0 for the publisher). */
  readonly reads: number;
  readonly wakeups: number;
}

/** The answer to a step command. */
export interface StepLine {
  readonly type: 'step';
  /** Publications per second and per request. */
  readonly rate: number;
  readonly burst: number;
  readonly windowSeconds: number;
  readonly publisher: {
    readonly scheduled: number;
    readonly sent: number;
    /** Publications skipped because too many were unacknowledged (or no connection could take them). */
    readonly skipped: number;
    /** Requests answered with an error or lost with their connection. */
    readonly errors: number;
    readonly dueInWindow: number;
    /** How late bursts left after their due time, ms. */
    readonly lagMs: { readonly p50: number | null; readonly p99: number | null; readonly max: number | null };
  };
  /** Deliveries the window's publications should make, and those that arrived by the end of the drain. */
  readonly expected: number;
  readonly recorded: number;
  /** Publications received since the window was set, and inside it; message bytes received inside it. */
  readonly received: number;
  readonly receivedInWindow: number;
  readonly bytesInWindow: number;
  readonly latencyMs: LatencyLine;
  /** Connections the server closed during the step; close code → count since connecting. */
  readonly disconnected: number;
  readonly closeCodes: Readonly<Record<string, number>>;
  /** The process's CPU in the window (getrusage: all threads), s. */
  readonly cpu: { readonly seconds: number; readonly userSeconds: number; readonly systemSeconds: number };
  /** The publisher first, then each receiver. */
  readonly threads: readonly ThreadLine[];
}

/** A command it could not run, or a start-up failure. */
export interface ErrorLine {
  readonly type: 'error';
  readonly message: string;
}

/** Any line it prints. */
export type OutputLine = ReadyLine | StepLine | ErrorLine;

/** A step command: publish at `rate` publications/s in requests of `burst` from `start`, record [from, to), drain up to `drain` ms. */
export interface StepCommand {
  readonly rate: number;
  readonly burst: number;
  readonly start: number;
  readonly from: number;
  readonly to: number;
  readonly drain: number;
}

/** The command line of a step command. */
export function stepCommandLine(command: StepCommand): string {
  const ms = (v: number): string => v.toFixed(4);
  return `step rate=${command.rate} burst=${command.burst} start=${ms(command.start)} from=${ms(command.from)} to=${ms(command.to)} drain=${Math.round(command.drain)}\n`;
}
