/**
 * The acceptor's side of metrics: the shards' registries, gathered on each
 * scrape, become one Prometheus exposition. `centrifugo_*` metrics are summed
 * over shards (as one Centrifugo node reports them); `switchyard_shard_*`
 * ones keep a `shard` label; the acceptor adds process metrics (prom-client's
 * defaults, for the whole process), `centrifugo_node_build` and its own.
 * Centrifugo's duration summaries are derived from the summed histograms.
 *
 * The gathered snapshot is plain JSON (MetricsSnapshot), so other code (an
 * admin UI) can read the same numbers without parsing the text.
 */
import { Registry, collectDefaultMetrics } from 'prom-client';
import { mergeMetrics, toPrometheusText } from './text';
import { VERSION } from '../common/version';
import { Names, SHARD_PREFIX, SUMMARY_QUANTILES } from './names';

import { toJson, type MetricJson, type MetricValueJson } from './json';

export type { MetricJson, MetricValueJson } from './json';

/** What one shard reported. */
export interface ShardSnapshot {
  readonly shard: number;
  readonly metrics: readonly MetricJson[];
}

/** Everything gathered in one scrape: each shard's metrics, and the acceptor's (process, build, reloads). */
export interface MetricsSnapshot {
  /** When it was gathered, ms since epoch. */
  readonly at: number;
  readonly shards: readonly ShardSnapshot[];
  readonly node: readonly MetricJson[];
}

/** The acceptor's own registry: process metrics, build info, and metrics it keeps itself. */
export function createNodeRegistry(): Registry {
  const registry = new Registry();
  // Event-loop lag sampled every 100 ms, not prom-client's 10 ms: 10 wake-ups a second of the acceptor instead of 100.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 100 });
  return registry;
}

/** The JSON of the node registry plus `centrifugo_node_build`. */
export async function nodeMetrics(registry: Registry): Promise<MetricJson[]> {
  const own = toJson(await registry.getMetricsAsJSON());
  const build: MetricJson = {
    name: Names.build,
    help: 'Node build info.',
    type: 'gauge',
    aggregator: 'sum',
    values: [{ value: 1, labels: { version: VERSION } }],
  };
  return [...own, build];
}

/** Labels every per-shard metric of a shard's snapshot with its index. */
function labelled(snapshot: ShardSnapshot): MetricJson[] {
  return snapshot.metrics.map((m) =>
    m.name.startsWith(SHARD_PREFIX)
      ? { ...m, values: m.values.map((v) => ({ ...v, labels: { ...v.labels, shard: String(snapshot.shard) } })) }
      : m,
  );
}

/** The value below which `q` of the observations fall, interpolated in the buckets (as PromQL's histogram_quantile). */
export function bucketQuantile(q: number, buckets: readonly { le: number; count: number }[]): number {
  const total = buckets.at(-1)?.count ?? 0;
  if (total === 0) return Number.NaN;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const { le, count } of buckets) {
    if (count >= rank) {
      if (!Number.isFinite(le)) return lowerBound;
      return lowerBound + ((le - lowerBound) * (rank - lowerCount)) / Math.max(1, count - lowerCount);
    }
    lowerBound = le;
    lowerCount = count;
  }
  return lowerBound;
}

/** Centrifugo's summary (quantiles, _sum, _count) of a summed histogram, quantiles estimated from its buckets. */
function summaryOf(histogram: MetricJson, name: string): MetricJson {
  const series = new Map<string, { labels: Record<string, string | number>; buckets: { le: number; count: number }[]; sum: number; count: number }>();
  for (const v of histogram.values) {
    const { le, ...labels } = v.labels;
    const key = JSON.stringify(labels);
    let s = series.get(key);
    if (!s) {
      s = { labels, buckets: [], sum: 0, count: 0 };
      series.set(key, s);
    }
    if (v.metricName?.endsWith('_bucket')) s.buckets.push({ le: le === '+Inf' ? Infinity : Number(le), count: v.value });
    else if (v.metricName?.endsWith('_sum')) s.sum = v.value;
    else if (v.metricName?.endsWith('_count')) s.count = v.value;
  }
  const values: MetricValueJson[] = [];
  for (const s of series.values()) {
    s.buckets.sort((a, b) => a.le - b.le);
    for (const q of SUMMARY_QUANTILES) values.push({ value: bucketQuantile(q, s.buckets), labels: { ...s.labels, quantile: q }, metricName: name });
    values.push({ value: s.sum, labels: s.labels, metricName: `${name}_sum` });
    values.push({ value: s.count, labels: s.labels, metricName: `${name}_count` });
  }
  return { name, help: `${histogram.help} Summary; quantiles estimated from the histogram's buckets.`, type: 'summary', aggregator: 'sum', values };
}

/** The metrics of a snapshot merged into one set: per-shard ones labelled, the rest summed, summaries derived. */
export function mergeSnapshot(snapshot: MetricsSnapshot): MetricJson[] {
  const merged = mergeMetrics([...snapshot.shards.map(labelled), snapshot.node]);
  for (const [histogram, summary] of [[Names.commandDuration, Names.commandSummary], [Names.apiDuration, Names.apiSummary]] as const) {
    const found = merged.find((m) => m.name === histogram);
    if (found) merged.push(summaryOf(found, summary));
  }
  return merged;
}

/** The Prometheus text exposition of a snapshot. */
export function renderMetrics(snapshot: MetricsSnapshot): string {
  return toPrometheusText(mergeSnapshot(snapshot));
}

/** Prometheus' text content type. */
export const METRICS_CONTENT_TYPE = new Registry().contentType;
