/**
 * The features report's figures: per variant, the median over rounds of each
 * measure, its ratio to the baseline's median, and the range of the per-round
 * ratios (each round measures every variant back to back, so a round's ratio
 * compares steps taken moments apart). Rounds in which other processes
 * disturbed a step are left out when at least MIN_QUIET_ROUNDS were quiet.
 */
import { DISTURBED_CORES } from '../common/quiet';
import { median, ratio } from '../common/stats';
import type { StepResult } from '../fanout/step';

/** Quiet rounds needed to leave the disturbed ones out. */
export const MIN_QUIET_ROUNDS = 2;

/** The measures compared, each read from a step. */
export const MEASURES = Object.freeze({
  /** Deliveries received per second in the window. */
  throughput: (s: StepResult) => s.throughput,
  /** p50 latency, ms. */
  p50: (s: StepResult) => s.latencyMs.p50,
  /** p99 latency, ms. */
  p99: (s: StepResult) => s.latencyMs.p99,
  /** Server CPU per delivery, µs. */
  cpu: (s: StepResult) => s.server.cpuMicrosPerDelivery,
  /** Bytes received per delivery. */
  bytes: (s: StepResult) => s.bytesPerDelivery,
  /** Socket bytes read per delivery (framing included; compressed with deflate). */
  wire: (s: StepResult) => s.wireBytesPerDelivery,
  /** Load-generator CPU per delivery, µs. */
  loadgenCpu: (s: StepResult) => s.loadGenerator.cpuMicrosPerDelivery,
});

/** A measure's name. */
export type MeasureName = keyof typeof MEASURES;

/** Values per measure. */
export type ByMeasure = { readonly [M in MeasureName]: number };

/** One variant's figures. */
export interface VariantFigures {
  readonly variant: string;
  readonly label: string;
  readonly description: string;
  /** Median over rounds. */
  readonly median: ByMeasure;
  /** Median ÷ the baseline's median. */
  readonly vsBaseline: ByMeasure;
  /** Lowest and highest per-round ratio to the baseline. */
  readonly roundRatios: { readonly [M in MeasureName]: readonly [number, number] };
  /** Share of the window's deliveries that arrived (lowest over rounds). */
  readonly minDeliveredRatio: number;
  /** Steps that met the bounds, of all rounds. */
  readonly sustained: number;
  readonly rounds: number;
  /** Publication pushes the subscribers could not read, summed over rounds. */
  readonly unreadable: number;
  /** Rounds whose step other processes disturbed (≥ DISTURBED_CORES). */
  readonly disturbed: number;
  /** Rounds whose step the load generator limited, and rounds in which every core was busy. */
  readonly loadGeneratorBound: number;
  readonly saturated: number;
  /** The rounds (0-based) the medians and ratios are taken over. */
  readonly roundsUsed: readonly number[];
}

/** One variant's measured steps, one per round. */
export interface VariantSteps {
  readonly variant: string;
  readonly label: string;
  readonly description: string;
  readonly steps: readonly StepResult[];
}

function byMeasure(f: (m: MeasureName) => number): ByMeasure {
  return Object.fromEntries(Object.keys(MEASURES).map((m) => [m, f(m as MeasureName)])) as unknown as ByMeasure;
}

/** The rounds to use: those in which no variant's step was disturbed, if there are enough; otherwise all. */
export function roundsToUse(runs: readonly VariantSteps[]): number[] {
  const rounds = Math.min(...runs.map((r) => r.steps.length));
  const all = Array.from({ length: Number.isFinite(rounds) ? rounds : 0 }, (_, i) => i);
  const quiet = all.filter((i) => runs.every((r) => r.steps[i]!.machine.otherCores < DISTURBED_CORES));
  return quiet.length >= MIN_QUIET_ROUNDS ? quiet : all;
}

/** Figures of every variant against `runs[0]` (the baseline), round i of each compared with round i of the baseline. */
export function summarizeFeatures(runs: readonly VariantSteps[]): VariantFigures[] {
  const baseline = runs[0];
  if (!baseline) return [];
  const used = roundsToUse(runs);
  const medianOf = (steps: readonly StepResult[], m: MeasureName): number => median(used.map((i) => MEASURES[m](steps[i]!)).filter(Number.isFinite));
  const base = byMeasure((m) => medianOf(baseline.steps, m));
  return runs.map((run) => {
    const own = byMeasure((m) => medianOf(run.steps, m));
    const roundRatios = Object.fromEntries(
      Object.keys(MEASURES).map((key) => {
        const m = key as MeasureName;
        const ratios = used.map((i) => ratio(MEASURES[m](run.steps[i]!), MEASURES[m](baseline.steps[i]!))).filter(Number.isFinite);
        return [m, ratios.length ? [Math.min(...ratios), Math.max(...ratios)] : [Number.NaN, Number.NaN]];
      }),
    ) as unknown as VariantFigures['roundRatios'];
    return {
      variant: run.variant,
      label: run.label,
      description: run.description,
      median: own,
      vsBaseline: byMeasure((m) => ratio(own[m], base[m])),
      roundRatios,
      minDeliveredRatio: Math.min(...run.steps.map((s) => s.deliveredRatio)),
      sustained: run.steps.filter((s) => s.sustained).length,
      rounds: run.steps.length,
      unreadable: run.steps.reduce((a, s) => a + s.unreadable, 0),
      disturbed: run.steps.filter((s) => s.machine.otherCores >= DISTURBED_CORES).length,
      loadGeneratorBound: run.steps.filter((s) => s.loadGenerator.bound).length,
      saturated: run.steps.filter((s) => s.machine.saturated).length,
      roundsUsed: used,
    };
  });
}
