/**
 * The guard's measurements: switchyard and the yardstick run side by side,
 * each with its own subscriber session, and their steps alternate
 * (yardstick, switchyard, yardstick, …) so that drift and disturbance on a
 * shared machine fall on both alike.
 */
import { nowMs } from '../common/clock';
import { DISTURBED_CORES } from '../common/quiet';
import { switchyard, systemLabel, YARDSTICK, type SystemSpec, type Target } from '../common/targets';
import { startRunning } from '../fanout/running';
import { runStep, type StepContext, type StepResult } from '../fanout/step';
import type { Workload } from '../fanout/workload';
import type { LoadGenerator } from '../loadgen/pool';
import type { GuardLoad } from './thresholds';

/** Raw values per repetition for one system. */
export interface Samples {
  /** p50 at the moderate load, ms. */
  readonly p50: number[];
  /** Deliveries received per second at the high load. */
  readonly throughput: number[];
  /** Server CPU per delivery at the moderate load, µs. */
  readonly cpu: number[];
}

/** One system's server, session and transport. */
export interface Contender {
  readonly spec: SystemSpec;
  readonly label: string;
  readonly target: Target;
  readonly context: StepContext;
  readonly samples: Samples;
  close(): Promise<void>;
}

/** What the guard compares. */
export interface GuardPlan {
  readonly workload: Workload;
  readonly moderate: GuardLoad;
  readonly high: GuardLoad;
  readonly shards: number;
  /** Busy-wait per publication in switchyard (the self-test's slowed build); 0 normally. */
  readonly delayMs: number;
}

/** Starts a system and connects its subscribers. */
async function contender(loadgen: LoadGenerator, spec: SystemSpec, plan: GuardPlan): Promise<Contender> {
  const running = await startRunning(loadgen, { spec, workload: plan.workload, launch: { delayMs: plan.delayMs }, primeRate: plan.moderate.rate, primeMs: 500 });
  return { ...running, spec, label: systemLabel(spec), samples: { p50: [], throughput: [], cpu: [] } };
}

/** Starts the yardstick and switchyard. */
export async function startContenders(loadgen: LoadGenerator, plan: GuardPlan): Promise<{ yardstick: Contender; subject: Contender }> {
  const yardstick = await contender(loadgen, YARDSTICK, plan);
  try {
    return { yardstick, subject: await contender(loadgen, switchyard(plan.shards), plan) };
  } catch (err) {
    await yardstick.close();
    throw err;
  }
}

/** How a load's pairs went. */
export interface PairStats {
  /** Pairs kept (used by the checks) and, of those, how many were disturbed anyway. */
  readonly kept: number;
  readonly keptDisturbed: number;
  /** Pairs run in all. */
  readonly run: number;
  /** Mean wall time of a pair, ms. */
  readonly pairMs: number;
}

/** How many pairs to measure at a load. */
export interface PairPlan {
  /** Pairs the checks use. */
  readonly wanted: number;
  /** Pairs run at most, counting the re-runs of disturbed ones. */
  readonly maxPairs: number;
  /** No re-run starts unless it can end before this time (shared clock, ms). */
  readonly deadline: number;
}

/**
 * Measures `wanted` pairs of steps (yardstick and switchyard back to back, in
 * alternating order) at one load. A pair during which other processes took
 * DISTURBED_CORES or more is run again while `maxPairs` and the deadline
 * allow; if too few were quiet, the least disturbed ones fill up. Each kept
 * pair is recorded.
 */
export async function measurePairs(
  contenders: readonly [Contender, Contender],
  load: GuardLoad,
  plan: PairPlan,
  record: (who: Contender, step: StepResult) => void,
  onStep?: (who: Contender, step: StepResult) => void,
): Promise<PairStats> {
  const pairs: { steps: [Contender, StepResult][]; others: number }[] = [];
  const started = nowMs();
  let quiet = 0;
  const mayRerun = (): boolean => pairs.length < plan.maxPairs && nowMs() + (nowMs() - started) / pairs.length < plan.deadline;
  while (pairs.length < plan.wanted || (quiet < plan.wanted && mayRerun())) {
    const order = pairs.length % 2 === 0 ? contenders : ([contenders[1], contenders[0]] as const);
    const steps: [Contender, StepResult][] = [];
    for (const who of order) {
      const step = await runStep(who.context, load.rate, load.timing);
      onStep?.(who, step);
      steps.push([who, step]);
    }
    const others = Math.max(...steps.map(([, step]) => step.machine.otherCores));
    if (others < DISTURBED_CORES) quiet++;
    pairs.push({ steps, others });
  }
  const kept = [...pairs].sort((a, b) => a.others - b.others).slice(0, plan.wanted);
  for (const pair of kept) for (const [who, step] of pair.steps) record(who, step);
  return {
    kept: kept.length,
    keptDisturbed: kept.filter((p) => p.others >= DISTURBED_CORES).length,
    run: pairs.length,
    pairMs: (nowMs() - started) / pairs.length,
  };
}

/** Records a moderate-load step's values. */
export function recordModerate(who: Contender, step: StepResult): void {
  who.samples.p50.push(step.latencyMs.p50);
  who.samples.cpu.push(step.server.cpuMicrosPerDelivery);
}

/** Records a high-load step's values. */
export function recordHigh(who: Contender, step: StepResult): void {
  who.samples.throughput.push(step.throughput);
}
