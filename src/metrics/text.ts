/**
 * Metrics JSON → Prometheus text exposition (format 0.0.4), and the merge of
 * several sources' metrics of one name (samples with the same series name and
 * labels summed). Written out rather than through prom-client's
 * AggregatorRegistry, which costs about ten times more per scrape: the scrape
 * runs in the acceptor while the shards serve, and its cost counts in the
 * metrics' budget (bench/README.md, "Metrics cost").
 */
import type { MetricJson, MetricValueJson } from './json';

/** Metrics of every source, merged by name; samples of one series (name + labels) summed. */
export function mergeMetrics(sources: readonly (readonly MetricJson[])[]): MetricJson[] {
  const byName = new Map<string, { metric: MetricJson; samples: Map<string, MetricValueJson> }>();
  for (const metrics of sources) {
    for (const metric of metrics) {
      let entry = byName.get(metric.name);
      if (!entry) {
        entry = { metric, samples: new Map() };
        byName.set(metric.name, entry);
      }
      for (const v of metric.values) {
        const key = `${v.metricName ?? ''}|${labelText(v.labels)}`;
        const seen = entry.samples.get(key);
        entry.samples.set(key, seen ? { ...seen, value: seen.value + v.value } : v);
      }
    }
  }
  return [...byName.values()].map(({ metric, samples }) => ({ ...metric, values: [...samples.values()] }));
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/** `{a="1",b="2"}` in the labels' own order; "" for none. */
function labelText(labels: Readonly<Record<string, string | number>>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(labels)) parts.push(`${k}="${escapeLabel(String(v))}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

function valueText(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/** The text exposition of `metrics`. */
export function toPrometheusText(metrics: readonly MetricJson[]): string {
  const lines: string[] = [];
  for (const m of metrics) {
    lines.push(`# HELP ${m.name} ${m.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${m.name} ${m.type}`);
    for (const v of m.values) lines.push(`${v.metricName ?? m.name}${labelText(v.labels)} ${valueText(v.value)}`);
  }
  return lines.join('\n') + '\n';
}
