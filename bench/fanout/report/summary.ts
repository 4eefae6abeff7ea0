/**
 * What a fan-out run means, computed once for the Markdown and HTML reports:
 * each system's highest sustained load, the reference load every system
 * sustained (for "p50/p99 at equal load" and CPU per delivery), the ratios
 * against the yardstick and the `ws` baseline, and who limited each result.
 */
import { ratio } from '../../common/stats';
import { highestSustained, stepAt, type SystemRun } from '../ladder';
import type { StepResult } from '../step';

/** One system's line of the summary. */
export interface SystemSummary {
  readonly run: SystemRun;
  /** Highest sustained step, or null. */
  readonly best: StepResult | null;
  /** The step right after the best one (the first that failed), if any. */
  readonly firstFailed: StepResult | null;
  /** Its step at the reference load, if it ran one. */
  readonly atReference: StepResult | undefined;
  /** Highest sustained offered load ÷ the yardstick's, and ÷ ws's (NaN when this system sustained nothing). */
  readonly capacityVsYardstick: number;
  readonly capacityVsWs: number;
  /**
   * True when ws sustained no step at all: capacityVsWs is then taken against
   * the ladder's lowest load, which ws could not sustain, so the real ratio is higher.
   */
  readonly capacityVsWsIsLowerBound: boolean;
  /** At the reference load: p50 and p99 ÷ the yardstick's, CPU per delivery ÷ the yardstick's. */
  readonly p50VsYardstick: number;
  readonly p99VsYardstick: number;
  readonly cpuPerDeliveryVsYardstick: number;
  /** At the reference load: ws's server CPU per delivery ÷ this system's (how many times cheaper than ws). */
  readonly cpuAdvantageOverWs: number;
  /** Whether the capacity figure was set by the load generator or the shared CPU rather than by the server. */
  readonly limitedByLoadGenerator: boolean;
  /** Who set the limit of the capacity figure, in words. */
  readonly limit: string;
}

/** The whole summary. */
export interface FanoutSummary {
  /** The highest load every system ran and sustained (else the lowest all ran); NaN if none. */
  readonly referenceRate: number;
  /** Whether every system sustained the reference load (false: it is just the lowest load all ran). */
  readonly referenceSustainedByAll: boolean;
  readonly systems: readonly SystemSummary[];
  /** Why more shards did not help, when they did not (else null). */
  readonly shardNote: string | null;
}

/** Capacity of a run: its highest sustained offered load (0 when none). */
export function capacity(run: SystemRun): number {
  return highestSustained(run)?.offeredRate ?? 0;
}

function referenceRate(runs: readonly SystemRun[]): { rate: number; sustainedByAll: boolean } {
  const rates = [...new Set(runs.flatMap((r) => r.steps.map((s) => s.offeredRate)))].sort((a, b) => a - b);
  const ranByAll = rates.filter((rate) => runs.every((r) => stepAt(r, rate) !== undefined));
  const sustainedByAll = ranByAll.filter((rate) => runs.every((r) => stepAt(r, rate)!.sustained));
  const best = sustainedByAll.at(-1);
  return best !== undefined ? { rate: best, sustainedByAll: true } : { rate: ranByAll[0] ?? Number.NaN, sustainedByAll: false };
}

/** Says who limited a capacity figure. */
function limitOf(best: StepResult | null, failed: StepResult | null, stoppedBecause: string): string {
  const bound = (s: StepResult | null): boolean => s !== null && s.loadGenerator.bound;
  const saturated = (s: StepResult | null): boolean => s !== null && s.machine.saturated;
  if (best === null) return `nothing sustained (${stoppedBecause})`;
  if (failed === null) return 'top of the ladder reached: capacity is at least this';
  if (bound(best) || bound(failed)) return `load generator (${stoppedBecause}); the server's own limit is higher`;
  if (saturated(failed)) return `shared CPU: server and load generator used every core (${stoppedBecause})`;
  return `server (${stoppedBecause})`;
}

/** Summarizes a run; `yardstickId` and `wsId` name the baselines. */
export function summarize(runs: readonly SystemRun[], yardstickId = 'uws', wsId = 'ws'): FanoutSummary {
  const { rate: reference, sustainedByAll } = referenceRate(runs);
  const yardstick = runs.find((r) => r.system.id === yardstickId);
  const ws = runs.find((r) => r.system.id === wsId);
  const yardstickRef = yardstick ? stepAt(yardstick, reference) : undefined;
  const wsRef = ws ? stepAt(ws, reference) : undefined;
  const wsNone = ws !== undefined && capacity(ws) === 0 && ws.steps.length > 0;
  const systems = runs.map((run): SystemSummary => {
    const best = highestSustained(run);
    const index = best ? run.steps.indexOf(best) : -1;
    const firstFailed = run.steps[index + 1] ?? null;
    const atReference = stepAt(run, reference);
    return {
      run,
      best,
      firstFailed,
      atReference,
      capacityVsYardstick: yardstick && capacity(run) > 0 ? ratio(capacity(run), capacity(yardstick)) : Number.NaN,
      capacityVsWs: !ws || capacity(run) === 0 ? Number.NaN : wsNone ? ratio(capacity(run), ws.steps[0]!.offeredRate) : ratio(capacity(run), capacity(ws)),
      capacityVsWsIsLowerBound: wsNone && run !== ws && capacity(run) > 0,
      p50VsYardstick: ratio(atReference?.latencyMs.p50 ?? Number.NaN, yardstickRef?.latencyMs.p50 ?? Number.NaN),
      p99VsYardstick: ratio(atReference?.latencyMs.p99 ?? Number.NaN, yardstickRef?.latencyMs.p99 ?? Number.NaN),
      cpuPerDeliveryVsYardstick: ratio(atReference?.server.cpuMicrosPerDelivery ?? Number.NaN, yardstickRef?.server.cpuMicrosPerDelivery ?? Number.NaN),
      cpuAdvantageOverWs: ratio(wsRef?.server.cpuMicrosPerDelivery ?? Number.NaN, atReference?.server.cpuMicrosPerDelivery ?? Number.NaN),
      limitedByLoadGenerator: [best, firstFailed].some((s) => s !== null && (s.loadGenerator.bound || s.machine.saturated)),
      limit: limitOf(best, firstFailed, run.stoppedBecause),
    };
  });
  return { referenceRate: reference, referenceSustainedByAll: sustainedByAll, systems, shardNote: shardNote(systems) };
}

/** When switchyard with more shards did not sustain more, explains why from the measurements. */
function shardNote(systems: readonly SystemSummary[]): string | null {
  const switchyards = systems.filter((s) => s.run.system.kind === 'switchyard').sort((a, b) => a.run.system.shards - b.run.system.shards);
  if (switchyards.length < 2) return null;
  const fewest = switchyards[0]!;
  const most = switchyards.at(-1)!;
  if (capacity(most.run) > capacity(fewest.run) * 1.1) return null;
  const top = most.firstFailed ?? most.best;
  if (!top) return null;
  const cores = Math.round(top.machine.busy > 0 ? (top.server.cpuCores + top.loadGenerator.cpuCores + top.machine.otherCores) / top.machine.busy : Number.NaN);
  return (
    `${most.run.system.label} sustained no more than ${fewest.run.system.label}. ` +
    `At its last step the server used ${top.server.cpuCores.toFixed(2)} cores, the load generator ${top.loadGenerator.cpuCores.toFixed(2)}` +
    (top.machine.otherCores >= 0.05 ? ` and other processes ${top.machine.otherCores.toFixed(2)}` : '') +
    ` of the machine's ${Number.isFinite(cores) ? cores : '?'} (${(top.machine.busy * 100).toFixed(0)}% busy): ` +
    'the load generator shares the cores with the server, so a second shard thread has no idle core to run on. ' +
    'Shard scaling can only show on a machine with cores to spare beyond the load generator’s.'
  );
}
