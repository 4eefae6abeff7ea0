/**
 * Metrics as plain JSON: prom-client's `getMetricsAsJSON()` shape, copied
 * into plain objects so a snapshot crosses threads (structured clone) and
 * other code (an admin UI) can read it.
 */

/** One sample: its value, labels, and the series name when it differs from the metric's (`_bucket`, `_sum`, `_count`). */
export interface MetricValueJson {
  readonly value: number;
  readonly labels: Readonly<Record<string, string | number>>;
  readonly metricName?: string;
}

/** One metric with its samples. */
export interface MetricJson {
  readonly name: string;
  readonly help: string;
  /** `counter`, `gauge`, `histogram` or `summary`. */
  readonly type: string;
  /** How the acceptor combines the shards' samples (prom-client aggregator name). */
  readonly aggregator: string;
  readonly values: readonly MetricValueJson[];
}

/** Plain copies of prom-client's JSON metrics. */
export function toJson(metrics: readonly unknown[]): MetricJson[] {
  return metrics.map((raw) => {
    const m = raw as { name: string; help: string; type: unknown; aggregator?: string; values: { value: number; labels: Record<string, string | number>; metricName?: string }[] };
    return {
      name: m.name,
      help: m.help,
      type: String(m.type),
      aggregator: m.aggregator ?? 'sum',
      values: m.values.map((v) => ({ value: v.value, labels: { ...v.labels }, ...(v.metricName !== undefined ? { metricName: v.metricName } : {}) })),
    };
  });
}
