/**
 * The guard's measurements: switchyard and the yardstick run side by side,
 * each with its own subscribers, and their steps alternate (yardstick,
 * switchyard, yardstick, …) so that drift and disturbance on a shared machine
 * fall on both alike. The one-channel checks run on the Node load generator
 * (as they were calibrated), the many-channel check on the native one.
 */
import { nowMs } from '../common/clock';
import { DISTURBED_CORES } from '../common/quiet';
import { launchTarget, switchyard, systemLabel, YARDSTICK, type SystemSpec } from '../common/targets';
import type { Generator } from '../fanout/generator';
import { startRunning } from '../fanout/running';
import { runStep, type StepResult } from '../fanout/step';
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
  /** Server CPU per publication at the many-channel load, µs. */
  readonly channelsCpu: number[];
}

/** One system's server with its subscribers and publisher. */
export interface Contender {
  readonly spec: SystemSpec;
  readonly label: string;
  /** Measures one step at a load. */
  run(load: GuardLoad): Promise<StepResult>;
  readonly samples: Samples;
  close(): Promise<void>;
}

/** Fresh, empty samples. */
function noSamples(): Samples {
  return { p50: [], throughput: [], cpu: [], channelsCpu: [] };
}

/** What the guard compares. */
export interface GuardPlan {
  readonly workload: Workload;
  readonly moderate: GuardLoad;
  readonly high: GuardLoad;
  readonly shards: number;
  /** Busy-wait per publication in switchyard (the self-test's slowed build); 0 normally. */
  readonly delayMs: number;
  /** The many-channel check's workload (one subscriber per channel) and load. */
  readonly channelsWorkload: Workload;
  readonly channels: GuardLoad;
}

/** Starts a system and connects its subscribers (Node load generator, one-channel workload). */
async function contender(loadgen: LoadGenerator, spec: SystemSpec, plan: GuardPlan): Promise<Contender> {
  const running = await startRunning(loadgen, { spec, workload: plan.workload, launch: { delayMs: plan.delayMs }, primeRate: plan.moderate.rate, primeMs: 500 });
  const { context } = running;
  return { spec, label: systemLabel(spec), run: (load) => runStep(context, load.rate, load.timing), samples: noSamples(), close: () => running.close() };
}

/** Starts a system and connects the many-channel workload's subscribers (native load generator). */
async function channelsContender(generator: Generator, spec: SystemSpec, plan: GuardPlan): Promise<Contender> {
  const target = await launchTarget(spec, { delayMs: plan.delayMs });
  try {
    const driver = await generator.open(target, plan.channelsWorkload);
    try {
      await driver.prime(plan.channels.rate, 500);
    } catch (err) {
      await driver.close();
      throw err;
    }
    return {
      spec,
      label: systemLabel(spec),
      run: (load) => driver.step(load.rate, load.timing),
      samples: noSamples(),
      close: async () => {
        await driver.close();
        await target.stop();
      },
    };
  } catch (err) {
    await target.stop();
    throw err;
  }
}

/** Starts the yardstick, then switchyard, with `start`; stops the yardstick if switchyard fails to start. */
async function startPair(start: (spec: SystemSpec) => Promise<Contender>, shards: number): Promise<{ yardstick: Contender; subject: Contender }> {
  const yardstick = await start(YARDSTICK);
  try {
    return { yardstick, subject: await start(switchyard(shards)) };
  } catch (err) {
    await yardstick.close();
    throw err;
  }
}

/** Starts the yardstick and switchyard under the one-channel workload. */
export function startContenders(loadgen: LoadGenerator, plan: GuardPlan): Promise<{ yardstick: Contender; subject: Contender }> {
  return startPair((spec) => contender(loadgen, spec, plan), plan.shards);
}

/** Starts the yardstick and switchyard under the many-channel workload. */
export function startChannelsContenders(generator: Generator, plan: GuardPlan): Promise<{ yardstick: Contender; subject: Contender }> {
  return startPair((spec) => channelsContender(generator, spec, plan), plan.shards);
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
      const step = await who.run(load);
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

/** Records a many-channel step's value (one subscriber per channel: per delivery is per publication). */
export function recordChannels(who: Contender, step: StepResult): void {
  who.samples.channelsCpu.push(step.server.cpuMicrosPerDelivery);
}
