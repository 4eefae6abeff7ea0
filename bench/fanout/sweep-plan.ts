/**
 * The sweeps of `npm run bench:sweep`: which workloads and systems each
 * dimension runs. Every point runs a rate ladder per system; the yardstick and
 * the `ws` baseline run at every point so each point has its own ratios.
 */
import { switchyard, WS_BASELINE, YARDSTICK, type SystemSpec } from '../common/targets';
import { DEFAULT_WORKLOAD, type Workload } from './workload';

/** A dimension of the sweep. */
export type Dimension = 'subscribers' | 'channels' | 'shards' | 'payload';

/** Every dimension, in the order they run. */
export const DIMENSIONS: readonly Dimension[] = Object.freeze(['subscribers', 'channels', 'shards', 'payload']);

/** One point of a sweep. */
export interface SweepPoint {
  readonly dimension: Dimension;
  /** The swept value (S, C, shard count or payload bytes). */
  readonly value: number;
  readonly workload: Workload;
  readonly systems: readonly SystemSpec[];
}

/** How a dimension's axis reads. */
export const DIMENSION_LABELS: Readonly<Record<Dimension, string>> = Object.freeze({
  subscribers: 'subscribers S (1 channel)',
  channels: 'channels C',
  shards: 'switchyard shards',
  payload: 'payload bytes',
});

/** Publications per batch request when C channels share the load: a backend publishing to many rooms batches. */
function burstFor(channels: number): number {
  return channels >= 100 ? 50 : 1;
}

/** The points of the given dimensions on a machine with `cores` cores. */
export function sweepPoints(dimensions: readonly Dimension[], cores: number): SweepPoint[] {
  const shardCounts = Array.from(new Set([1, 2, cores].filter((n) => n <= Math.max(cores, 1)))).sort((a, b) => a - b);
  const compared = (): SystemSpec[] => [YARDSTICK, WS_BASELINE, switchyard(cores)];
  const points: SweepPoint[] = [];
  for (const dimension of dimensions) {
    if (dimension === 'subscribers') {
      for (const s of [100, 1_000, 5_000, 10_000]) points.push({ dimension, value: s, workload: { ...DEFAULT_WORKLOAD, subscribers: s }, systems: compared() });
    } else if (dimension === 'channels') {
      // S grows with C at the end so the 10,000-channel chat case still has a subscriber per channel.
      for (const c of [1, 10, 100, 1_000, 10_000]) {
        points.push({ dimension, value: c, workload: { ...DEFAULT_WORKLOAD, subscribers: Math.max(1_000, c), channels: c, burst: burstFor(c) }, systems: compared() });
      }
    } else if (dimension === 'shards') {
      points.push({ dimension, value: 0, workload: DEFAULT_WORKLOAD, systems: [YARDSTICK] });
      for (const n of shardCounts) points.push({ dimension, value: n, workload: DEFAULT_WORKLOAD, systems: [switchyard(n)] });
    } else {
      for (const bytes of [100, 1_000, 4_000, 16_000]) points.push({ dimension, value: bytes, workload: { ...DEFAULT_WORKLOAD, payloadBytes: bytes }, systems: compared() });
    }
  }
  return points;
}
