/**
 * `npm run bench:guard`: a short fan-out run (about a minute) that fails
 * (exit 1) when switchyard got slower relative to the raw uWS yardstick
 * measured in the same run. It prints one line per check (thresholds.ts
 * lists them and how their limits were set): three on one channel with the
 * Node load generator, one on 1,000 channels with the native one (built with
 * the system C compiler on first use).
 *
 *   --quick          one repetition, no re-run on failure (the self-test's mode)
 *   --calibrate N    run the full measurement N times and print each ratio's
 *                    spread, to set calibratedRatio in thresholds.ts
 *   --verbose        print every step
 *   --only channels  the many-channel check only (calibrating or debugging it)
 *
 * SWITCHYARD_BENCH_DELAY_MS=<ms> slows switchyard by that busy wait per
 * publication (bench/common/slow-hook.ts): the self-test's deliberately
 * slowed build. Exit codes: 0 pass, 1 a check failed, 2 the guard could not run.
 */
import { parseArgs } from 'node:util';
import { nowMs } from '../common/clock';
import { DELAY_ENV } from '../common/child';
import { say } from '../common/output';
import { DISTURBED_CORES, waitForQuiet } from '../common/quiet';
import { median } from '../common/stats';
import { stepLine } from '../fanout/lines';
import { LoadGenerator } from '../loadgen/pool';
import { NativeGenerator } from '../native/driver';
import { decide, outcomeLine, type CheckOutcome } from './decide';
import {
  measurePairs,
  recordChannels,
  recordHigh,
  recordModerate,
  startChannelsContenders,
  startContenders,
  type Contender,
  type GuardPlan,
  type PairStats,
} from './measure';
import type { StepResult } from '../fanout/step';
import { CHANNELS, CHANNELS_WORKLOAD, CHECKS, EXTRA_REPETITIONS, GUARD_SHARDS, GUARD_WORKLOAD, HIGH, MODERATE, REPETITIONS } from './thresholds';

/** Load-generator threads of the guard. */
const WORKERS = 2;
/** Pairs run again at most, per load, when other processes disturbed them. */
const MAX_RERUNS = 2;
/**
 * The measurement's time budget, ms: re-runs of disturbed pairs stop when
 * they would pass it. A normal run takes about 35 s, so the guard stays under
 * a minute with the build on a quiet machine.
 */
const BUDGET_MS = 45_000;
/** The extra pairs after a failure may end this much after the budget, ms. */
const RETRY_GRACE_MS = 10_000;
/** The many-channel check's own time budget, ms (a normal run of it takes about 15 s). */
const CHANNELS_BUDGET_MS = 25_000;

function outcomes(subject: Contender, yardstick: Contender): CheckOutcome[] {
  return [
    decide(CHECKS.p50, subject.samples.p50, yardstick.samples.p50),
    decide(CHECKS.throughput, subject.samples.throughput, yardstick.samples.throughput),
    decide(CHECKS.cpu, subject.samples.cpu, yardstick.samples.cpu),
  ];
}

/** How the measuring went, for the notes under the check lines: the pairs of each load that ran. */
type MeasureNotes = readonly PairStats[];

/** How to measure. */
interface MeasureOptions {
  readonly repetitions: number;
  readonly maxPairs: number;
  readonly retry: boolean;
  readonly verbose: boolean;
  /** The many-channel check only. */
  readonly channelsOnly: boolean;
}

/** What a measurement gives: the outcomes, the systems' labels, how the pairs went. */
interface Measured {
  readonly results: CheckOutcome[];
  readonly subjectLabel: string;
  readonly yardstickLabel: string;
  readonly notes: MeasureNotes;
}

function stepPrinter(options: MeasureOptions): ((who: Contender, step: StepResult) => void) | undefined {
  return options.verbose ? (who: Contender, step: StepResult) => say(stepLine(who.label, step)) : undefined;
}

/** Every check: the one-channel ones (unless channelsOnly), then the many-channel one. */
async function measure(plan: GuardPlan, options: MeasureOptions): Promise<Measured> {
  const one = options.channelsOnly ? null : await measureOneChannel(plan, options);
  const many = await measureChannels(plan, options);
  return {
    results: [...(one?.results ?? []), many.result],
    subjectLabel: many.subjectLabel,
    yardstickLabel: many.yardstickLabel,
    notes: [...(one ? [one.notes.moderate, one.notes.high] : []), many.stats],
  };
}

/**
 * The many-channel check: switchyard and the yardstick under 1,000 channels
 * with one subscriber each, on the native load generator; pairs as for the
 * other checks, 2 more after a failure.
 */
async function measureChannels(plan: GuardPlan, options: MeasureOptions): Promise<{ result: CheckOutcome; stats: PairStats; subjectLabel: string; yardstickLabel: string }> {
  const deadline = nowMs() + CHANNELS_BUDGET_MS;
  const { yardstick, subject } = await startChannelsContenders(new NativeGenerator(1), plan);
  try {
    const pair = [yardstick, subject] as const;
    const onStep = stepPrinter(options);
    const stats = await measurePairs(pair, plan.channels, { wanted: options.repetitions, maxPairs: options.maxPairs, deadline }, recordChannels, onStep);
    let result = decide(CHECKS.channelsCpu, subject.samples.channelsCpu, yardstick.samples.channelsCpu);
    if (options.retry && !result.passed && nowMs() + EXTRA_REPETITIONS * stats.pairMs < deadline + RETRY_GRACE_MS) {
      say(`guard: the many-channel check failed on the median of ${options.repetitions}; measuring ${EXTRA_REPETITIONS} more pairs to rule out a disturbance`);
      await measurePairs(pair, plan.channels, { wanted: EXTRA_REPETITIONS, maxPairs: EXTRA_REPETITIONS, deadline }, recordChannels, onStep);
      result = decide(CHECKS.channelsCpu, subject.samples.channelsCpu, yardstick.samples.channelsCpu);
    }
    return { result, stats, subjectLabel: subject.label, yardstickLabel: yardstick.label };
  } finally {
    await subject.close();
    await yardstick.close();
  }
}

/** The one-channel checks (p50, throughput, CPU per delivery) on the Node load generator. */
async function measureOneChannel(
  plan: GuardPlan,
  options: MeasureOptions,
): Promise<{ results: CheckOutcome[]; notes: { moderate: PairStats; high: PairStats } }> {
  const deadline = nowMs() + BUDGET_MS;
  const loadgen = LoadGenerator.start(WORKERS);
  try {
    const { yardstick, subject } = await startContenders(loadgen, plan);
    try {
      const pair = [yardstick, subject] as const;
      const onStep = stepPrinter(options);
      const pairs = { wanted: options.repetitions, maxPairs: options.maxPairs, deadline };
      const moderate = await measurePairs(pair, plan.moderate, pairs, recordModerate, onStep);
      const high = await measurePairs(pair, plan.high, pairs, recordHigh, onStep);
      let results = outcomes(subject, yardstick);
      const extraMs = EXTRA_REPETITIONS * (moderate.pairMs + high.pairMs);
      const failing = options.retry && results.some((r) => !r.passed);
      const retried = failing && nowMs() + extraMs < deadline + RETRY_GRACE_MS;
      if (failing && !retried) say('guard: a check failed and the time budget leaves no room to measure more pairs');
      if (retried) {
        say(`guard: a check failed on the median of ${options.repetitions}; measuring ${EXTRA_REPETITIONS} more pairs to rule out a disturbance`);
        const extra = { wanted: EXTRA_REPETITIONS, maxPairs: EXTRA_REPETITIONS, deadline };
        await measurePairs(pair, plan.moderate, extra, recordModerate, onStep);
        await measurePairs(pair, plan.high, extra, recordHigh, onStep);
        results = outcomes(subject, yardstick);
      }
      return { results, notes: { moderate, high } };
    } finally {
      await subject.close();
      await yardstick.close();
    }
  } finally {
    await loadgen.close();
  }
}

async function calibrate(plan: GuardPlan, runs: number, verbose: boolean, channelsOnly: boolean): Promise<void> {
  const ratios: Record<string, number[]> = { p50: [], throughput: [], cpu: [], channelsCpu: [] };
  for (let run = 1; run <= runs; run++) {
    const busy = await waitForQuiet(DISTURBED_CORES, 120_000);
    const { results } = await measure(plan, { repetitions: REPETITIONS, maxPairs: REPETITIONS + MAX_RERUNS, retry: false, verbose, channelsOnly });
    for (const r of results) ratios[r.spec.id]!.push(r.ratio);
    say(`calibration run ${run}/${runs} (machine busy before: ${busy.toFixed(2)} cores): ${results.map((r) => `${r.spec.id} ${r.ratio.toFixed(3)}`).join(', ')}`);
  }
  for (const [id, values] of Object.entries(ratios)) {
    if (values.length === 0) continue;
    const sorted = [...values].sort((a, b) => a - b);
    say(`${id}: median ${median(values).toFixed(3)}, min ${sorted[0]!.toFixed(3)}, max ${sorted.at(-1)!.toFixed(3)} (${values.map((v) => v.toFixed(3)).join(' ')})`);
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { quick: { type: 'boolean' }, calibrate: { type: 'string' }, verbose: { type: 'boolean' }, shards: { type: 'string' }, only: { type: 'string' } },
    strict: true,
  });
  if (values.only !== undefined && values.only !== 'channels') throw new Error(`--only must be channels (got "${values.only}")`);
  const channelsOnly = values.only === 'channels';
  const delayMs = Number(process.env[DELAY_ENV] ?? 0);
  const plan: GuardPlan = {
    workload: GUARD_WORKLOAD,
    moderate: MODERATE,
    high: HIGH,
    shards: values.shards === undefined ? GUARD_SHARDS : Number(values.shards),
    delayMs,
    channelsWorkload: CHANNELS_WORKLOAD,
    channels: CHANNELS,
  };
  if (values.calibrate !== undefined) {
    await calibrate(plan, Math.max(1, Number(values.calibrate)), values.verbose === true, channelsOnly);
    return 0;
  }
  const started = nowMs();
  const quick = values.quick === true;
  if (delayMs > 0) say(`guard: ${DELAY_ENV}=${delayMs}: switchyard is deliberately slowed by ${delayMs} ms of busy wait per publication (self-test)`);
  const repetitions = quick ? 1 : REPETITIONS;
  const { results, subjectLabel, yardstickLabel, notes } = await measure(plan, {
    repetitions,
    maxPairs: quick ? 1 : REPETITIONS + MAX_RERUNS,
    retry: !quick,
    verbose: values.verbose === true,
    channelsOnly,
  });
  for (const r of results) say(`guard: ${outcomeLine(r, subjectLabel, yardstickLabel)}`);
  const reruns = notes.reduce((n, p) => n + p.run - repetitions, 0);
  const disturbed = notes.reduce((n, p) => n + p.keptDisturbed, 0);
  if (reruns > 0 || disturbed > 0) {
    say(`guard: note: other processes disturbed the machine: ${reruns} pairs were run again, ${disturbed} kept pairs were still disturbed`);
  }
  const failed = results.filter((r) => !r.passed).length;
  const seconds = Math.round((nowMs() - started) / 1000);
  say(failed === 0 ? `guard: passed, ${results.length} checks in ${seconds} s` : `guard: FAILED ${failed} of ${results.length} checks (${seconds} s)`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`guard: could not run: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 2;
  },
);
