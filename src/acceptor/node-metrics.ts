/**
 * Metrics the acceptor itself knows: shard restarts (with a `shard` label)
 * and the config reload version.
 */
import type { MetricJson } from '../metrics/json';
import { Names } from '../metrics/names';
import type { Supervisor } from './supervisor';

/** The acceptor's own metrics, as JSON in prom-client's shape. */
export function nodeOwnMetrics(supervisor: Supervisor): MetricJson[] {
  return [
    {
      name: Names.shardRestarts,
      help: 'Times each shard was restarted after a crash.',
      type: 'counter',
      aggregator: 'sum',
      values: supervisor.restarts().map((value, shard) => ({ value, labels: { shard: String(shard) } })),
    },
    {
      name: Names.configVersion,
      help: 'Reload version of the config in force: 0 at start, +1 per applied reload.',
      type: 'gauge',
      aggregator: 'sum',
      values: [{ value: supervisor.configVersion, labels: {} }],
    },
  ];
}
