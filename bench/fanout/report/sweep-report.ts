/**
 * The sweep's reports: per dimension, a table and charts of each system's
 * capacity and latency against the swept value (ratios against the yardstick
 * of the same point), then per point the latency and throughput against load.
 */
import type { Environment } from '../../mailbox/environment';
import { ms, rate, times } from '../../common/stats';
import type { SystemRun } from '../ladder';
import { limitFlags } from '../lines';
import type { FanoutOptions } from '../options';
import { DIMENSION_LABELS, DIMENSIONS, type Dimension } from '../sweep-plan';
import { describeWorkload, type Workload } from '../workload';
import { seriesOf } from './html';
import { describeRunLoadgen, methodNotes } from './notes';
import { htmlPage, htmlTable, inline } from './page';
import { capacity, summarize, type FanoutSummary } from './summary';
import { escapeXml, lineChart, systemColor, type Series } from './svg';

/** One system's ladder at one point of a sweep. */
export interface SweepRun {
  readonly dimension: Dimension;
  readonly value: number;
  readonly workload: Workload;
  readonly run: SystemRun;
}

/** A whole sweep as written to sweep.json. */
export interface SweepResult {
  readonly benchmark: 'sweep';
  readonly environment: Environment;
  readonly options: FanoutOptions;
  /** Wall time, s. */
  readonly seconds: number;
  readonly runs: readonly SweepRun[];
}

interface PointView {
  readonly value: number;
  readonly workload: Workload;
  readonly summary: FanoutSummary;
}

function pointsOf(result: SweepResult, dimension: Dimension): PointView[] {
  const values = [...new Set(result.runs.filter((r) => r.dimension === dimension).map((r) => r.value))];
  return values.map((value) => {
    const runs = result.runs.filter((r) => r.dimension === dimension && r.value === value);
    return { value, workload: runs[0]!.workload, summary: summarize(runs.map((r) => r.run)) };
  });
}

/** The shards dimension puts the yardstick at value 0; every point compares with it. */
function withShardYardstick(points: PointView[], dimension: Dimension): PointView[] {
  if (dimension !== 'shards') return points;
  const all = points.flatMap((p) => p.summary.systems.map((s) => s.run));
  const summary = summarize(all);
  return [{ value: 0, workload: points[0]!.workload, summary }];
}

const HEADS = ['value', 'system', 'highest sustained', '× yardstick', '× ws', 'reference load', 'p50 / p99 ms there', 'server µs/delivery there', 'limit'];

function rows(points: readonly PointView[], dimension: Dimension): string[][] {
  return points.flatMap((p) =>
    p.summary.systems.map((s) => [
      dimension === 'shards' ? String(s.run.system.shards) : p.value.toLocaleString('en-US'),
      s.run.system.label,
      s.best ? rate(capacity(s.run)) : 'none',
      times(s.capacityVsYardstick),
      `${s.capacityVsWsIsLowerBound ? '> ' : ''}${times(s.capacityVsWs)}`,
      rate(p.summary.referenceRate),
      s.atReference ? `${ms(s.atReference.latencyMs.p50)} / ${ms(s.atReference.latencyMs.p99)}` : 'n/a',
      s.atReference ? s.atReference.server.cpuMicrosPerDelivery.toFixed(2) : 'n/a',
      s.limit + (s.atReference ? limitFlags(s.atReference).map((f) => ` ${f}`).join('') : ''),
    ]),
  );
}

/** Per system, one measure against the swept value. */
function dimensionSeries(points: readonly PointView[], dimension: Dimension, measure: (s: FanoutSummary['systems'][number]) => number): Series[] {
  const bySystem = new Map<string, Series & { points: { x: number; y: number }[] }>();
  for (const p of points) {
    for (const s of p.summary.systems) {
      const id = s.run.system.id;
      const key = dimension === 'shards' && s.run.system.kind === 'switchyard' ? 'switchyard' : id;
      let series = bySystem.get(key);
      if (!series) {
        series = { name: key === 'switchyard' ? 'switchyard' : s.run.system.label, color: systemColor(key === 'switchyard' ? 'switchyard-1' : id), dashed: s.run.system.kind !== 'switchyard', points: [] };
        bySystem.set(key, series);
      }
      series.points.push({ x: dimension === 'shards' ? s.run.system.shards : p.value, y: measure(s) });
    }
  }
  return [...bySystem.values()].map((s) => ({ ...s, points: [...s.points].sort((a, b) => a.x - b.x) }));
}

function dimensionCharts(points: readonly PointView[], dimension: Dimension): string {
  const logX = dimension !== 'shards';
  const base = { xLabel: DIMENSION_LABELS[dimension], logX };
  return [
    lineChart({ ...base, title: 'Highest sustained deliveries/s', yLabel: 'deliveries/s', series: dimensionSeries(points, dimension, (s) => capacity(s.run)) }),
    lineChart({ ...base, title: 'p50 at the reference load', yLabel: 'p50, ms', logY: true, series: dimensionSeries(points, dimension, (s) => s.atReference?.latencyMs.p50 ?? Number.NaN) }),
    lineChart({ ...base, title: 'p99 at the reference load', yLabel: 'p99, ms', logY: true, series: dimensionSeries(points, dimension, (s) => s.atReference?.latencyMs.p99 ?? Number.NaN) }),
    lineChart({ ...base, title: 'Server CPU per delivery at the reference load', yLabel: 'µs', series: dimensionSeries(points, dimension, (s) => s.atReference?.server.cpuMicrosPerDelivery ?? Number.NaN) }),
  ].join('\n');
}

function pointCharts(runs: readonly SystemRun[], title: string, p99BoundMs: number): string {
  const x = { xLabel: 'offered load, deliveries/s', formatX: (v: number) => rate(v).replace('/s', '') };
  return [
    lineChart({ title: `${title}: p99 vs load`, yLabel: 'p99, ms', logY: true, hLine: { y: p99BoundMs, label: `bound ${p99BoundMs} ms` }, series: seriesOf(runs, (s) => s.latencyMs.p99), ...x }),
    lineChart({ title: `${title}: received vs load`, yLabel: 'deliveries/s', series: seriesOf(runs, (s) => s.throughput), ...x }),
  ].join('\n');
}

function dimensionsIn(result: SweepResult): Dimension[] {
  return DIMENSIONS.filter((d) => result.runs.some((r) => r.dimension === d));
}

function stamp(result: SweepResult): string {
  const e = result.environment;
  const t = result.options.timing;
  return (
    `Commit ${e.commit}, Node ${e.node}, ${e.cpu} × ${e.cores}, ${e.platform}, ${e.date}; ${result.seconds} s. ` +
    `Each point runs a ladder per system (${result.options.rates.map(rate).join(', ')}), steps of ${t.windowMs / 1000} s; load generator: ${describeRunLoadgen(result.options)}. ` +
    'Unless swept: 1,000 subscribers on 1 channel, 100-byte messages, HTTP API singly (with 100+ channels, batches of 50).'
  );
}

/** The Markdown report of a sweep. */
export function sweepMarkdown(result: SweepResult): string {
  const lines = ['# Fan-out sweeps', '', stamp(result), 'Produced by `npm run bench:sweep`; sweep.html has the charts.', ''];
  for (const dimension of dimensionsIn(result)) {
    const points = withShardYardstick(pointsOf(result, dimension), dimension);
    lines.push(`## ${DIMENSION_LABELS[dimension]}`, '');
    lines.push(`| ${HEADS.join(' | ')} |`, `|${HEADS.map((_, i) => (i < 2 || i === HEADS.length - 1 ? '---' : '---:')).join('|')}|`);
    for (const r of rows(points, dimension)) lines.push(`| ${r.join(' | ')} |`);
    const note = points.map((p) => p.summary.shardNote).find((n) => n !== null);
    lines.push('', ...(note ? [note, ''] : []));
  }
  lines.push('## How to read this', '', ...methodNotes(result.options.bounds, result.options.workers, result.options.loadgen).map((n) => `- ${n}`), '');
  return lines.join('\n');
}

/** The HTML report of a sweep. */
export function sweepHtml(result: SweepResult): string {
  const parts = ['<h1>Fan-out sweeps</h1>', `<p class="stamp">${inline(stamp(result))}</p>`];
  for (const dimension of dimensionsIn(result)) {
    const raw = pointsOf(result, dimension);
    const points = withShardYardstick(raw, dimension);
    parts.push(`<h2>${escapeXml(DIMENSION_LABELS[dimension])}</h2>`);
    parts.push(`<div class="charts">${dimensionCharts(points, dimension)}</div>`);
    parts.push(htmlTable(HEADS, rows(points, dimension)));
    const note = points.map((p) => p.summary.shardNote).find((n) => n !== null);
    if (note) parts.push(`<p class="note">${inline(note)}</p>`);
    parts.push('<h3>Each point: latency and throughput against load</h3><div class="charts">');
    for (const point of points) {
      const title = dimension === 'shards' ? 'shards' : `${dimension} = ${point.value.toLocaleString('en-US')}`;
      parts.push(pointCharts(point.summary.systems.map((s) => s.run), title, result.options.bounds.p99Ms));
    }
    parts.push('</div>');
    parts.push(`<p class="stamp">${escapeXml(raw.map((p) => `${p.value}: ${describeWorkload(p.workload)}`).join('; '))}</p>`);
  }
  parts.push('<h2>How to read this</h2><ul>' + methodNotes(result.options.bounds, result.options.workers, result.options.loadgen).map((n) => `<li>${inline(n)}</li>`).join('') + '</ul>');
  return htmlPage('switchyard fan-out sweeps', parts.join('\n'));
}
