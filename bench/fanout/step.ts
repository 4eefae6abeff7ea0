/**
 * One measured step: publish at a fixed offered load for a warm-up and a
 * window, wait for the window's publications to drain, and read what
 * happened: latency percentiles (HDR), delivered ratio, throughput, server
 * CPU and memory, load-generator CPU, and whether the load generator or the
 * whole machine was the limit.
 */
import { availableParallelism } from 'node:os';
import { nowMs, sleep, sleepUntil } from '../common/clock';
import { machineBusy, machineTicks, processCpuSeconds, processMemory, processWakeups } from '../common/proc';
import type { Target } from '../common/targets';
import { pace, windowEdge, type PaceReport, type PaceSpec } from '../loadgen/pacer';
import type { Session, SessionWindow } from '../loadgen/pool';
import type { Transport } from '../loadgen/transport';
import { channelNames, deliveriesPerPublication, type Workload } from './workload';

/** Timing and limits of a step. */
export interface StepTiming {
  /** Publishing before the window opens, ms (not measured). */
  readonly warmupMs: number;
  /** The measurement window, ms. */
  readonly windowMs: number;
  /** Longest wait after the window for its publications to arrive, ms. */
  readonly drainMs: number;
}

/** The bounds a step must meet to count as sustained. */
export interface SustainBounds {
  /** Highest acceptable p99 latency, ms. */
  readonly p99Ms: number;
  /** Lowest acceptable share of the window's deliveries that arrived. */
  readonly deliveredRatio: number;
}

/** The bound: p99 ≤ 50 ms with at least 99.9% delivered. */
export const DEFAULT_BOUNDS: SustainBounds = Object.freeze({ p99Ms: 50, deliveredRatio: 0.999 });

/** Above this share of its cores (or of its event loop), the load generator is the limit. */
export const LOAD_GENERATOR_BOUND = 0.9;
/** Above this share of all cores busy, server and load generator were fighting over the CPU. */
export const MACHINE_SATURATED = 0.9;

const CORES = availableParallelism();

/** Publications unacknowledged at once before the publisher skips bursts. */
export const MAX_IN_FLIGHT = 512;
/** No publication for this long means the server has nothing more in flight, ms. */
const QUIET_MS = 300;

/** Latency percentiles, ms. */
export interface Percentiles {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  readonly mean: number;
}

/** Everything a step measured. */
export interface StepResult {
  /** Offered deliveries per second. */
  readonly offeredRate: number;
  readonly publicationsPerSecond: number;
  readonly windowSeconds: number;
  readonly publisher: {
    readonly dueInWindow: number;
    readonly sent: number;
    readonly skipped: number;
    readonly errors: number;
    readonly lagMs: PaceReport['lagMs'];
  };
  /** Deliveries of publications due in the window that should arrive, and did (by the end of the drain). */
  readonly expected: number;
  readonly delivered: number;
  readonly deliveredRatio: number;
  /** Deliveries received during the window, per second. */
  readonly throughput: number;
  /** WebSocket message bytes received in the window per delivery received in it (payload bytes, without WebSocket framing). */
  readonly bytesPerDelivery: number;
  /** Socket bytes read in the window per delivery received in it (WebSocket framing included; compressed when deflate is on). */
  readonly wireBytesPerDelivery: number;
  /** Publication pushes the subscribers could not read (delta patches that did not apply). */
  readonly unreadable: number;
  readonly latencyMs: Percentiles;
  readonly server: {
    /** CPU used during the window, in cores (1 = one core busy all the time). */
    readonly cpuCores: number;
    /** Server CPU per delivery received in the window, µs. */
    readonly cpuMicrosPerDelivery: number;
    /**
     * Times a server thread went to sleep and had to be woken again
     * (voluntary context switches, all threads) per delivery received in the
     * window. At low rates each wake costs about as much as the work it wakes
     * for. Absent in results written before it was measured.
     */
    readonly wakesPerDelivery?: number;
    readonly rssBytes: number;
    readonly peakRssBytes: number;
  };
  readonly loadGenerator: {
    readonly workers: number;
    /** CPU of the whole load-generator process (receivers and publisher), in cores. */
    readonly cpuCores: number;
    /** Its CPU per delivery received in the window, µs. */
    readonly cpuMicrosPerDelivery: number;
    /**
     * cpuCores ÷ the cores it could have had: its worker threads, but no more
     * than what the server and other processes left of the machine.
     */
    readonly utilization: number;
    /** The busiest worker's event-loop utilization, 0..1. */
    readonly maxEventLoopUtilization: number;
    /** True when the load generator, not the server, limited this step (utilization or event loop ≥ LOAD_GENERATOR_BOUND). */
    readonly bound: boolean;
  };
  readonly machine: {
    /** Share of all cores busy, 0..1. */
    readonly busy: number;
    readonly saturated: boolean;
    /** Cores used by processes other than the server and the load generator (other work on a shared VM). */
    readonly otherCores: number;
  };
  /** Subscriber connections the server closed during the step; close codes since the session opened. */
  readonly disconnected: number;
  readonly closeCodes: Readonly<Record<string, number>>;
  /** Met the sustain bounds. */
  readonly sustained: boolean;
  /** How many times the step was measured (more than 1: a failure was re-measured; this is the median run). */
  readonly attempts: number;
}

/** What a step runs against. */
export interface StepContext {
  readonly target: Target;
  readonly session: Session;
  readonly transport: Transport;
  readonly workload: Workload;
  readonly workers: number;
}

/** CPU counters read at a window edge. */
export interface Readings {
  /** CPU seconds the server process (all threads) has used. */
  readonly serverCpuSeconds: number;
  /** Times the server's threads were woken from sleep so far (processWakeups). */
  readonly serverWakeups: number;
  /** CPU seconds this benchmark process has used (the Node load generator lives in it). */
  readonly loadgenCpuSeconds: number;
  readonly machine: ReturnType<typeof machineTicks>;
}

function read(pid: number): Readings {
  const usage = process.cpuUsage();
  return {
    serverCpuSeconds: processCpuSeconds(pid),
    serverWakeups: processWakeups(pid),
    loadgenCpuSeconds: (usage.user + usage.system) / 1e6,
    machine: machineTicks(),
  };
}

/** The readings at both edges of a window, and the server's memory at its end. */
export interface EdgeReadings {
  readonly start: Readings;
  readonly end: Readings;
  readonly memory: ReturnType<typeof processMemory>;
}

/** Reads the counters at `from` and at `to` (main-thread timers). */
export async function readAround(pid: number, from: number, to: number): Promise<EdgeReadings> {
  await sleepUntil(from);
  const start = read(pid);
  await sleepUntil(to);
  return { start, end: read(pid), memory: processMemory(pid) };
}

/** Waits until every expected delivery arrived, the server went quiet, or the drain time ran out. */
async function drain(session: Session, expected: number, windowEnd: number, drainMs: number): Promise<void> {
  for (;;) {
    const progress = await session.progress();
    const now = nowMs();
    if (progress.recorded >= expected || now > windowEnd + drainMs) return;
    if (now > windowEnd + QUIET_MS && now - progress.lastReceiveAt > QUIET_MS) return;
    await sleep(50);
  }
}

/** Waits until nothing arrives any more and the publisher has no request in flight, so the next step starts clean. */
export async function settle(session: Session, transport: Transport, limitMs = 5000): Promise<void> {
  const until = nowMs() + limitMs;
  while (nowMs() < until) {
    const progress = await session.progress();
    if (transport.inFlight <= 0 && nowMs() - progress.lastReceiveAt > QUIET_MS / 2) return;
    await sleep(50);
  }
}

function percentiles(window: SessionWindow): Percentiles {
  const h = window.histogram;
  const at = (p: number): number => (h.totalCount > 0 ? h.getValueAtPercentile(p) / 1000 : Number.NaN);
  return { p50: at(50), p90: at(90), p99: at(99), p999: at(99.9), max: h.totalCount > 0 ? h.maxValue / 1000 : Number.NaN, mean: h.totalCount > 0 ? h.mean / 1000 : Number.NaN };
}

/**
 * Publishes at `offeredRate` for `durationMs` without measuring, then waits
 * for quiet: a fresh server's first publications pay for JIT compilation and
 * allocation, which no measured step should see.
 */
export async function prime(context: StepContext, offeredRate: number, durationMs: number): Promise<void> {
  const startAt = nowMs() + 50;
  await pace(context.transport, paceSpec(context.workload, offeredRate, startAt, startAt + durationMs, Number.POSITIVE_INFINITY));
  await settle(context.session, context.transport);
}

/** The publisher's plan for a workload at an offered load, from startAt to endAt, counting what is due from countFrom. */
function paceSpec(workload: Workload, offeredRate: number, startAt: number, endAt: number, countFrom: number): PaceSpec {
  return {
    startAt,
    endAt,
    rate: offeredRate / deliveriesPerPublication(workload),
    burst: workload.burst,
    channels: channelNames(workload),
    payloadBytes: workload.payloadBytes,
    ...(workload.payload ? { payload: workload.payload } : {}),
    ...(workload.tags ? { tags: JSON.stringify(workload.tags) } : {}),
    maxInFlight: MAX_IN_FLIGHT,
    countFrom,
  };
}

/** What a load generator measured in one step, whichever generator it was (Node workers or the native one). */
export interface LoadgenWindow {
  readonly publisher: StepResult['publisher'];
  /** Deliveries of publications due in the window that should arrive, and did (by the end of the drain). */
  readonly expected: number;
  readonly delivered: number;
  /** Publications received during the window, and their message bytes (without WebSocket framing). */
  readonly receivedInWindow: number;
  readonly bytesInWindow: number;
  /** The same publications' bytes as read from the socket (WebSocket framing, compressed when deflated); absent when not measured. */
  readonly wireBytesInWindow?: number;
  readonly unreadable: number;
  readonly latencyMs: Percentiles;
  /** Subscriber connections the server closed during the step; close codes since the session opened. */
  readonly disconnected: number;
  readonly closeCodes: Readonly<Record<string, number>>;
  /** CPU seconds the load generator used during the window (all its threads). */
  readonly cpuSeconds: number;
  /** Its threads that may each use a core (Node: worker threads; native: receiver threads plus the publisher). */
  readonly threads: number;
  /** The busiest thread's loop utilization during the window, 0..1 (event loop, or time outside epoll_wait). */
  readonly maxLoopUtilization: number;
}

/**
 * A step's result from what the load generator measured and the readings at
 * the window's edges: rates, CPU per delivery, who limited the step, and
 * whether it met the bounds.
 */
export function assembleStep(
  offeredRate: number,
  publicationsPerSecond: number,
  timing: StepTiming,
  bounds: SustainBounds,
  measured: LoadgenWindow,
  edges: EdgeReadings,
): StepResult {
  const { start, end, memory } = edges;
  const seconds = timing.windowMs / 1000;
  const serverCpu = end.serverCpuSeconds - start.serverCpuSeconds;
  const loadgenCores = measured.cpuSeconds / seconds;
  const busy = machineBusy(start.machine, end.machine);
  const deliveredRatio = measured.expected > 0 ? measured.delivered / measured.expected : Number.NaN;
  const serverCores = serverCpu / seconds;
  const otherCores = Math.max(0, busy * CORES - serverCores - loadgenCores);
  const loadgenAvailable = Math.max(0.1, Math.min(measured.threads, CORES - serverCores - otherCores));
  const loadgenUtilization = loadgenCores / loadgenAvailable;
  const maxElu = measured.maxLoopUtilization;
  const loadgenBound = loadgenUtilization >= LOAD_GENERATOR_BOUND || maxElu >= LOAD_GENERATOR_BOUND;
  const received = measured.receivedInWindow;
  return {
    offeredRate,
    publicationsPerSecond,
    windowSeconds: seconds,
    publisher: measured.publisher,
    expected: measured.expected,
    delivered: measured.delivered,
    deliveredRatio,
    throughput: received / seconds,
    bytesPerDelivery: received > 0 ? measured.bytesInWindow / received : Number.NaN,
    wireBytesPerDelivery: received > 0 && measured.wireBytesInWindow !== undefined ? measured.wireBytesInWindow / received : Number.NaN,
    unreadable: measured.unreadable,
    latencyMs: measured.latencyMs,
    server: {
      cpuCores: serverCores,
      cpuMicrosPerDelivery: received > 0 ? (serverCpu * 1e6) / received : Number.NaN,
      wakesPerDelivery: received > 0 ? (end.serverWakeups - start.serverWakeups) / received : Number.NaN,
      rssBytes: memory.rssBytes,
      peakRssBytes: memory.peakRssBytes,
    },
    loadGenerator: {
      workers: measured.threads,
      cpuCores: loadgenCores,
      cpuMicrosPerDelivery: received > 0 ? (measured.cpuSeconds * 1e6) / received : Number.NaN,
      utilization: loadgenUtilization,
      maxEventLoopUtilization: maxElu,
      bound: loadgenBound,
    },
    machine: { busy, saturated: busy >= MACHINE_SATURATED, otherCores },
    disconnected: measured.disconnected,
    closeCodes: measured.closeCodes,
    sustained:
      deliveredRatio >= bounds.deliveredRatio && measured.latencyMs.p99 <= bounds.p99Ms && measured.disconnected === 0 && measured.publisher.skipped === 0,
    attempts: 1,
  };
}

/** Runs one step at `offeredRate` deliveries per second with the Node load generator. */
export async function runStep(context: StepContext, offeredRate: number, timing: StepTiming, bounds: SustainBounds = DEFAULT_BOUNDS): Promise<StepResult> {
  const { session, transport, workload, target } = context;
  const publicationsPerSecond = offeredRate / deliveriesPerPublication(workload);
  const disconnectedBefore = (await session.progress()).disconnected;
  const startAt = nowMs() + 100;
  const from = windowEdge(startAt + timing.warmupMs);
  const to = windowEdge(from + timing.windowMs);
  await session.window(from, to);
  const readings = readAround(target.pid, from, to);
  const errorsBefore = transport.errors;
  const paced = await pace(transport, paceSpec(workload, offeredRate, startAt, to, from));
  const edges = await readings;
  let expected = 0;
  let dueInWindow = 0;
  for (const [channel, count] of paced.dueInWindow) {
    expected += count * (session.subscribers.get(channel) ?? 0);
    dueInWindow += count;
  }
  await drain(session, expected, to, timing.drainMs);
  const window = await session.collect();
  await settle(session, transport);
  const measured: LoadgenWindow = {
    publisher: { dueInWindow, sent: paced.sent, skipped: paced.skipped, errors: transport.errors - errorsBefore, lagMs: paced.lagMs },
    expected,
    delivered: window.recorded,
    receivedInWindow: window.receivedInWindow,
    bytesInWindow: window.bytesInWindow,
    wireBytesInWindow: window.wireBytesInWindow,
    unreadable: window.unreadable,
    latencyMs: percentiles(window),
    disconnected: window.disconnected - disconnectedBefore,
    closeCodes: window.closeCodes,
    cpuSeconds: edges.end.loadgenCpuSeconds - edges.start.loadgenCpuSeconds,
    threads: context.workers,
    maxLoopUtilization: Math.max(0, ...window.workerUtilization),
  };
  return assembleStep(offeredRate, publicationsPerSecond, timing, bounds, measured, edges);
}
