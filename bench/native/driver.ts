/**
 * The native load generator behind the fan-out Generator interface
 * (bench/fanout/generator.ts): one `loadgen --serve` process per started
 * server, each step sent as one command and its JSON line turned into the
 * StepResult every report uses. Server and machine CPU are read at the
 * window's edges here, as for the Node generator; the load generator's own
 * CPU is what it reports (getrusage over the window, all its threads).
 */
import { nowMs } from '../common/clock';
import { say } from '../common/output';
import type { Target } from '../common/targets';
import type { Generator, StepDriver } from '../fanout/generator';
import { assembleStep, DEFAULT_BOUNDS, MAX_IN_FLIGHT, readAround, type LoadgenWindow, type Percentiles, type StepTiming, type SustainBounds } from '../fanout/step';
import { channelNames, deliveriesPerPublication, type Workload } from '../fanout/workload';
import { windowEdge } from '../loadgen/pacer';
import { ensureNativeLoadgen } from './build';
import type { LatencyLine, StepLine } from './messages';
import { NativeProcess } from './process';

/** Keep-alive HTTP connections of the publisher, used in turn (as the Node transport's agent). */
export const HTTP_CONNECTIONS = 32;
/** Lead time between sending a step and its first due publication, ms. */
const LEAD_MS = 100;
/** The channel-name prefix of the fan-out workloads (workload.ts: "bench-<i>"). */
const CHANNEL_PREFIX = 'bench-';

/** Turns the generator's latency line (ms, null when empty) into Percentiles (NaN when empty). */
function percentilesOf(line: LatencyLine): Percentiles {
  const v = (x: number | null): number => (x === null ? Number.NaN : x);
  return { p50: v(line.p50), p90: v(line.p90), p99: v(line.p99), p999: v(line.p999), max: v(line.max), mean: v(line.mean) };
}

/** What a step line says, in the shape assembleStep takes. */
export function windowOf(line: StepLine, timing: StepTiming): LoadgenWindow {
  const lag = (x: number | null): number => x ?? 0;
  const seconds = timing.windowMs / 1000;
  return {
    publisher: {
      dueInWindow: line.publisher.dueInWindow,
      sent: line.publisher.sent,
      skipped: line.publisher.skipped,
      errors: line.publisher.errors,
      lagMs: { p50: lag(line.publisher.lagMs.p50), p99: lag(line.publisher.lagMs.p99), max: lag(line.publisher.lagMs.max) },
    },
    expected: line.expected,
    delivered: line.recorded,
    receivedInWindow: line.receivedInWindow,
    bytesInWindow: line.bytesInWindow,
    unreadable: 0,
    latencyMs: percentilesOf(line.latencyMs),
    disconnected: line.disconnected,
    closeCodes: line.closeCodes,
    cpuSeconds: line.cpu.seconds,
    threads: line.threads.length,
    maxLoopUtilization: seconds > 0 ? Math.max(0, ...line.threads.map((t) => t.busy)) : 0,
  };
}

/** The native load generator: builds the binary on first use. */
export class NativeGenerator implements Generator {
  readonly kind = 'native' as const;
  private readonly binary: string;

  /**
   * `workers`: receiver threads of each process (every server gets its own process). `noPipelining`: a
   * due publication waits for an idle API connection instead of being pipelined. `nice`: the niceness
   * its threads run at (undefined: inherited). Builds the binary if needed.
   */
  constructor(
    readonly workers = 1,
    private readonly noPipelining = false,
    private readonly nice?: number,
  ) {
    this.binary = ensureNativeLoadgen();
  }

  /** Why the niceness asked for could not be set (the first process that said so), or null. */
  niceRefused: string | null = null;

  async open(target: Target, workload: Workload): Promise<StepDriver> {
    if (workload.transport !== 'http') throw new Error('the native load generator publishes through the HTTP API only (--transport http)');
    if (workload.payload !== undefined && workload.payload !== 'padding') throw new Error('the native load generator sends padding payloads only');
    if (channelNames(workload)[0] !== `${CHANNEL_PREFIX}0`) throw new Error('the native load generator names channels bench-<i>');
    const native = await NativeProcess.start({
      binary: this.binary,
      wsUrl: target.wsUrl,
      apiUrl: target.apiUrl,
      apiKey: target.apiKey,
      subscribers: workload.subscribers,
      channels: workload.channels,
      channelPrefix: CHANNEL_PREFIX,
      payloadBytes: workload.payloadBytes,
      receivers: this.workers,
      httpConnections: HTTP_CONNECTIONS,
      maxInFlight: MAX_IN_FLIGHT,
      noPipelining: this.noPipelining,
      ...(this.nice !== undefined ? { nice: this.nice } : {}),
    });
    if (native.ready.niceError !== undefined && this.niceRefused === null) {
      this.niceRefused = native.ready.niceError;
      say(`native load generator: ${native.ready.niceError}; it runs at niceness ${native.ready.nice}, and a server that fills every core delays its reads`);
    }
    const perPublication = deliveriesPerPublication(workload);
    return {
      connections: native.ready.connected,
      connectSeconds: native.ready.connectSeconds,
      prime: async (offeredRate, durationMs) => {
        const start = nowMs() + LEAD_MS;
        const end = windowEdge(start + durationMs);
        await native.step({ rate: offeredRate / perPublication, burst: workload.burst, start, from: end, to: end, drain: 0 }, durationMs);
      },
      step: async (offeredRate: number, timing: StepTiming, bounds: SustainBounds = DEFAULT_BOUNDS) => {
        const publicationsPerSecond = offeredRate / perPublication;
        const start = nowMs() + LEAD_MS;
        const from = windowEdge(start + timing.warmupMs);
        const to = windowEdge(from + timing.windowMs);
        const readings = readAround(target.pid, from, to);
        const line = await native.step(
          { rate: publicationsPerSecond, burst: workload.burst, start, from, to, drain: timing.drainMs },
          LEAD_MS + timing.warmupMs + timing.windowMs + timing.drainMs,
        );
        return assembleStep(offeredRate, publicationsPerSecond, timing, bounds, windowOf(line, timing), await readings);
      },
      close: () => native.stop(),
    };
  }

  async close(): Promise<void> {
    // Each driver owns its process; nothing is shared.
  }
}
