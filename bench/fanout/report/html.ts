/** The HTML report of a fan-out run (bench/results/<out>.html): the Markdown's content plus charts. */
import { rate } from '../../common/stats';
import type { SystemRun } from '../ladder';
import type { StepResult } from '../step';
import {
  CAPACITY_HEADS,
  capacityRows,
  EQUAL_LOAD_HEADS,
  equalLoadRows,
  equalLoadTitle,
  STEP_HEADS,
  stampLines,
  stepCells,
  targetLines,
} from './markdown';
import { methodNotes } from './notes';
import { htmlPage, htmlTable, inline } from './page';
import { summarize } from './summary';
import { escapeXml, lineChart, systemColor, type Series } from './svg';
import type { FanoutRun } from './write';

/** A series per system of one step measure against offered load. */
export function seriesOf(runs: readonly SystemRun[], measure: (step: StepResult) => number): Series[] {
  return runs.map((run) => ({
    name: run.system.label,
    color: systemColor(run.system.id),
    dashed: run.system.kind !== 'switchyard',
    points: run.steps.map((s) => ({ x: s.offeredRate, y: measure(s), hollow: !s.sustained })),
  }));
}

/** The four charts against offered load: p50, p99, received/s and server CPU per delivery. */
function loadCharts(runs: readonly SystemRun[], p99BoundMs: number, titleSuffix = ''): string {
  const x = { xLabel: 'offered load, deliveries/s', formatX: (v: number) => rate(v).replace('/s', '') };
  return [
    lineChart({ title: `p50 latency vs load${titleSuffix}`, yLabel: 'p50, ms', logY: true, series: seriesOf(runs, (s) => s.latencyMs.p50), ...x }),
    lineChart({
      title: `p99 latency vs load${titleSuffix}`,
      yLabel: 'p99, ms',
      logY: true,
            hLine: { y: p99BoundMs, label: `bound ${p99BoundMs} ms` },
      series: seriesOf(runs, (s) => s.latencyMs.p99),
      ...x,
    }),
    lineChart({ title: `Deliveries received vs load${titleSuffix}`, yLabel: 'received, deliveries/s', series: seriesOf(runs, (s) => s.throughput), ...x }),
    lineChart({
      title: `Server CPU per delivery${titleSuffix}`,
      yLabel: 'µs of server CPU per delivery',
      series: seriesOf(runs, (s) => s.server.cpuMicrosPerDelivery),
      ...x,
    }),
  ].join('\n');
}

/** The latency spectrum (p50 … max) of each system at one load. */
function spectrumChart(runs: readonly SystemRun[], offeredRate: number): string {
  const labels = ['p50', 'p90', 'p99', 'p99.9', 'max'];
  const series: Series[] = runs.flatMap((run) => {
    const step = run.steps.find((s) => s.offeredRate === offeredRate);
    if (!step) return [];
    const l = step.latencyMs;
    return [{ name: run.system.label, color: systemColor(run.system.id), dashed: run.system.kind !== 'switchyard', points: [l.p50, l.p90, l.p99, l.p999, l.max].map((y, i) => ({ x: i, y })) }];
  });
  return lineChart({
    title: `Latency percentiles at ${rate(offeredRate)} offered`,
    xLabel: 'percentile',
    yLabel: 'latency, ms',
    logY: true,
        xTicks: labels.map((label, value) => ({ value, label })),
    series,
  });
}

/** Renders the HTML report. */
export function fanoutHtml(run: FanoutRun): string {
  const summary = summarize(run.runs);
  const parts: string[] = [];
  parts.push('<h1>Fan-out benchmark</h1>');
  parts.push(...stampLines(run).map((l) => `<p class="stamp">${inline(l)}</p>`));
  parts.push(`<h2>Latency and throughput against load</h2><div class="charts">${loadCharts(run.runs, run.options.bounds.p99Ms)}\n${spectrumChart(run.runs, summary.referenceRate)}</div>`);
  parts.push('<h2>Highest sustained load, as ratios against the raw uWS yardstick of this run</h2>');
  parts.push(htmlTable(CAPACITY_HEADS, capacityRows(summary)));
  parts.push(`<h2>At equal load: ${escapeXml(equalLoadTitle(summary))}</h2>`);
  parts.push(htmlTable(EQUAL_LOAD_HEADS, equalLoadRows(summary)));
  const targets = targetLines(summary);
  if (targets.length > 0) parts.push('<h2>Targets of issue 6</h2><ul>' + targets.map((t) => `<li>${inline(t)}</li>`).join('') + '<li>Idle memory per connection: see idle.md.</li></ul>');
  if (summary.shardNote) parts.push(`<h2>Shards</h2><p class="note">${inline(summary.shardNote)}</p>`);
  parts.push('<h2>How to read this</h2><ul>' + methodNotes(run.options.bounds, run.options.workers, run.options.loadgen).map((n) => `<li>${inline(n)}</li>`).join('') + '</ul>');
  parts.push('<h2>Every step</h2>');
  parts.push(htmlTable(STEP_HEADS, run.runs.flatMap((r) => r.steps.map((s) => stepCells(r.system.label, s)))));
  return htmlPage('switchyard fan-out benchmark', parts.join('\n'));
}
