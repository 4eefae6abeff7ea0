/**
 * The guard's decision, apart from any measuring so it can be tested with
 * measured-like inputs: each check takes the median of the subject's values
 * and of the yardstick's (same run, interleaved), forms their ratio, and
 * compares it with a limit set from a calibrated median ratio and a margin.
 */
import { median } from '../common/stats';

/** One check of the guard. */
export interface CheckSpec {
  /** Short id ("p50", "throughput", "cpu"). */
  readonly id: string;
  /** What is compared, for people ("fan-out p50 at 10k deliveries/s"). */
  readonly title: string;
  /** Unit of the raw values, for the printed line ("ms", "deliveries/s", "µs/delivery"). */
  readonly unit: string;
  /** Whether a lower or a higher subject ÷ yardstick ratio is better. */
  readonly better: 'lower' | 'higher';
  /** The median ratio measured when the limit was set (see thresholds.ts). */
  readonly calibratedRatio: number;
  /** How far the ratio may drift from the calibrated median before the check fails (> 1). */
  readonly margin: number;
}

/** The limit a check's ratio must stay within: calibrated × margin (lower is better) or calibrated ÷ margin (higher is better). */
export function limitOf(spec: CheckSpec): number {
  return spec.better === 'lower' ? spec.calibratedRatio * spec.margin : spec.calibratedRatio / spec.margin;
}

/** A check's outcome. */
export interface CheckOutcome {
  readonly spec: CheckSpec;
  /** Medians of the raw values. */
  readonly subject: number;
  readonly yardstick: number;
  /** subject ÷ yardstick. */
  readonly ratio: number;
  readonly limit: number;
  readonly passed: boolean;
  /** Values the medians came from. */
  readonly samples: number;
}

/** Decides one check from the raw values of both systems (medians of each). */
export function decide(spec: CheckSpec, subjectValues: readonly number[], yardstickValues: readonly number[]): CheckOutcome {
  const subject = median(subjectValues.filter(Number.isFinite));
  const yardstick = median(yardstickValues.filter(Number.isFinite));
  const ratio = subject / yardstick;
  const limit = limitOf(spec);
  const passed = Number.isFinite(ratio) && (spec.better === 'lower' ? ratio <= limit : ratio >= limit);
  return { spec, subject, yardstick, ratio, limit, passed, samples: Math.min(subjectValues.length, yardstickValues.length) };
}

function value(v: number, unit: string): string {
  if (!Number.isFinite(v)) return 'n/a';
  const digits = v >= 1000 ? 0 : v >= 10 ? 1 : 2;
  return `${v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })} ${unit}`;
}

/** The one line the guard prints for a check. */
export function outcomeLine(outcome: CheckOutcome, subjectLabel: string, yardstickLabel: string): string {
  const { spec } = outcome;
  const sign = spec.better === 'lower' ? '≤' : '≥';
  const how = spec.better === 'lower' ? '×' : '÷';
  return (
    `${outcome.passed ? 'PASS' : 'FAIL'}  ${spec.title}: ${subjectLabel} ${value(outcome.subject, spec.unit)} vs ${yardstickLabel} ${value(outcome.yardstick, spec.unit)}` +
    ` = ${Number.isFinite(outcome.ratio) ? outcome.ratio.toFixed(2) : 'n/a'}× (must be ${sign} ${outcome.limit.toFixed(2)}× = calibrated ${spec.calibratedRatio.toFixed(2)}× ${how} margin ${spec.margin}; median of ${outcome.samples})`
  );
}
