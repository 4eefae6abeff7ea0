/**
 * The report of the many-channel point (`bench:fanout --point many-channels`,
 * bench/results/fanout-channels.{json,md,html}): C=1,000 channels with one
 * subscriber each, one `/api/publish` per publication. Deliveries equal
 * publications, so everything is per publication: the highest sustained
 * publications/s, and at each rate every system ran, server CPU per
 * publication, the server's wakes per publication and p50/p99, as ratios
 * against the minimal one-thread uWS server measured in the same run.
 */
import { jsonText, writeResults } from '../../common/output';
import { ms, rate, ratio, times } from '../../common/stats';
import { stepAt, type SystemRun } from '../ladder';
import type { StepResult } from '../step';
import { seriesOf } from './html';
import { stampLines, stepCells, STEP_HEADS } from './markdown';
import { methodNotes } from './notes';
import { htmlPage, htmlTable, inline } from './page';
import { REDIS_VS_MEMORY_HEADS, redisVsMemory, redisVsMemoryRows } from './redis-vs-memory';
import { capacity, summarize } from './summary';
import { escapeXml, lineChart } from './svg';
import type { FanoutRun } from './write';

/** The yardstick of this point: the minimal uWS server speaking the same protocol subset. */
const YARDSTICK_ID = 'uws';

/** Rates (publications/s) that every system ran, rising. */
export function commonRates(runs: readonly SystemRun[]): number[] {
  const rates = [...new Set(runs.flatMap((r) => r.steps.map((s) => s.offeredRate)))].sort((a, b) => a - b);
  return rates.filter((rate) => runs.every((r) => stepAt(r, rate) !== undefined));
}

/** One system at one rate: server CPU per publication (µs) and its ratio to the yardstick's, p50 and p99 (ms). */
export interface ChannelsCell {
  readonly system: string;
  readonly rate: number;
  readonly cpuMicrosPerPublication: number;
  readonly cpuVsYardstick: number;
  /** Times a server thread was woken from sleep per publication (NaN when the result predates the reading). */
  readonly wakesPerPublication: number;
  /** wakesPerPublication ÷ the yardstick's at the same rate. */
  readonly wakesVsYardstick: number;
  readonly p50: number;
  readonly p99: number;
  readonly sustained: boolean;
  readonly loadGeneratorBound: boolean;
}

/** Every system at every common rate: rate by rate, each rate's cells in the order of `runs`. */
export function channelsCells(runs: readonly SystemRun[]): ChannelsCell[] {
  const yardstick = runs.find((r) => r.system.id === YARDSTICK_ID);
  return commonRates(runs).flatMap((rate) =>
    runs.map((run) => {
      const step = stepAt(run, rate)!;
      const base = yardstick ? stepAt(yardstick, rate) : undefined;
      return {
        system: run.system.id,
        rate,
        cpuMicrosPerPublication: step.server.cpuMicrosPerDelivery,
        cpuVsYardstick: ratio(step.server.cpuMicrosPerDelivery, base?.server.cpuMicrosPerDelivery ?? Number.NaN),
        wakesPerPublication: step.server.wakesPerDelivery ?? Number.NaN,
        wakesVsYardstick: ratio(step.server.wakesPerDelivery ?? Number.NaN, base?.server.wakesPerDelivery ?? Number.NaN),
        p50: step.latencyMs.p50,
        p99: step.latencyMs.p99,
        sustained: step.sustained,
        loadGeneratorBound: step.loadGenerator.bound,
      };
    }),
  );
}

/** A Markdown table; the first column (and the last, when `textLast`) left-aligned, the others right-aligned. */
function table(heads: readonly string[], rows: readonly (readonly string[])[], textLast = true): string[] {
  const align = heads.map((_, i) => (i === 0 || (textLast && i === heads.length - 1) ? '---' : '---:'));
  return [`| ${heads.join(' | ')} |`, `|${align.join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

const CAPACITY_HEADS = ['system', 'highest sustained publications/s', 'its p50 / p99 ms', '× uWS', 'load gen cores there', 'limit'];

function capacityRows(run: FanoutRun): string[][] {
  const summary = summarize(run.runs, YARDSTICK_ID);
  return summary.systems.map((s) => [
    s.run.system.label,
    s.best ? rate(capacity(s.run)) : 'none',
    s.best ? `${ms(s.best.latencyMs.p50)} / ${ms(s.best.latencyMs.p99)}` : 'n/a',
    times(s.capacityVsYardstick),
    s.best ? s.best.loadGenerator.cpuCores.toFixed(2) : 'n/a',
    s.limit,
  ]);
}

/** One per-rate table: its heads, and a row per common rate. */
interface RateTable {
  readonly heads: string[];
  readonly rows: string[][];
}

/** Per common rate: each system's server CPU per publication (µs, × uWS), its wakes per publication (× uWS), then p50 / p99. */
function perRateTables(run: FanoutRun): { cpu: RateTable; wakes: RateTable; latency: RateTable } {
  const cells = channelsCells(run.runs);
  const labels = run.runs.map((r) => r.system.label);
  // By position, not by system id: a system named twice (`--systems a,b,a,b`, interleaved rounds) has a column per run.
  const rows = (format: (c: ChannelsCell) => string): string[][] =>
    commonRates(run.runs).map((r, k) => [rate(r), ...run.runs.map((_, i) => format(cells[k * run.runs.length + i]!))]);
  const mark = (c: ChannelsCell): string => (c.sustained ? '' : ' ✗') + (c.loadGeneratorBound ? ' (LG-bound)' : '');
  return {
    cpu: {
      heads: ['offered publications/s', ...labels.map((l) => `${l}: µs (× uWS)`)],
      rows: rows((c) => `${c.cpuMicrosPerPublication.toFixed(1)} (${times(c.cpuVsYardstick)})${mark(c)}`),
    },
    wakes: {
      heads: ['offered publications/s', ...labels.map((l) => `${l}: wakes (× uWS)`)],
      rows: rows((c) => (Number.isFinite(c.wakesPerPublication) ? `${c.wakesPerPublication.toFixed(2)} (${times(c.wakesVsYardstick)})` : 'n/a') + mark(c)),
    },
    latency: {
      heads: ['offered publications/s', ...labels.map((l) => `${l}: p50 / p99 ms`)],
      rows: rows((c) => `${ms(c.p50)} / ${ms(c.p99)}${mark(c)}`),
    },
  };
}

/** The heading of the Redis-engine section (present when the run has Redis systems and their memory twins). */
const REDIS_HEADING = 'Redis engine against the memory engine of this run';

/** The step table's heads in this point's unit. */
const CHANNEL_STEP_HEADS = STEP_HEADS.map((h) =>
  h === 'offered' ? 'offered pubs/s' : h === 'received/s' ? 'received pubs/s' : h.replace('µs/delivery', 'µs/publication'),
);

function stepRows(run: FanoutRun): string[][] {
  return run.runs.flatMap((r) => r.steps.map((s: StepResult) => stepCells(r.system.label, s)));
}

/** What this point measures, for "How to read this". */
const POINT_NOTES = [
  'Each of the 1,000 channels has one subscriber, and each publication is its own `POST /api/publish` (32 keep-alive connections used in turn), so a delivery is a publication: ' +
    'the server’s cost here is per publication (the HTTP request and its reply, routing, the hand-off between shards, one WebSocket frame), not per subscriber.',
  'The yardstick is the minimal one-thread uWS server of `bench/baselines/uws.ts`: connect and subscribe replies, `/api/publish` → `app.publish`, nothing else. ' +
    'Server CPU per publication is server CPU in the window ÷ publications received in it.',
  'switchyard ×N Redis runs the Redis engine on a private redis-server started beside it (a key prefix of its own); its server CPU is the switchyard process only, the redis-server’s own CPU is not counted. ' +
    'A system marked (before) is the build given after `@` in `--systems` (e.g. `switchyard-redis-2@/tmp/before/dist`).',
  'Wakes per publication: the times a server thread went to sleep and had to be woken again (voluntary context switches of all its threads, from /proc) ÷ publications received. ' +
    'At low rates each wake costs about as much as the work it wakes for, so a system that wakes more threads per publication spends more CPU per publication (bench/README.md, “Wakes per publication”).',
  '“✗” marks a step that was not sustained; “LG-bound” one where the load generator, not the server, was the limit.',
];

/** Renders the Markdown report. */
export function channelsMarkdown(run: FanoutRun): string {
  const tables = perRateTables(run);
  const lines = [
    '# Many small fan-outs: 1,000 channels, one subscriber each',
    '',
    ...stampLines(run),
    'Produced by `npm run bench:fanout -- --point many-channels` (bench/README.md explains the method).',
    '',
  ];
  lines.push('## Highest sustained publications/s, against the minimal uWS server of this run', '');
  lines.push(`Sustained: p99 ≤ ${run.options.bounds.p99Ms} ms with ≥ ${(run.options.bounds.deliveredRatio * 100).toFixed(1)}% delivered.`, '');
  lines.push(...table(CAPACITY_HEADS, capacityRows(run)), '');
  const redisRows = redisVsMemoryRows(run.runs);
  if (redisRows.length > 0) lines.push(`## ${REDIS_HEADING}`, '', ...table(REDIS_VS_MEMORY_HEADS, redisRows, false), '');
  lines.push('## Server CPU per publication at each rate every system ran', '', ...table(tables.cpu.heads, tables.cpu.rows, false), '');
  lines.push('## Server wakes per publication at each rate every system ran', '', ...table(tables.wakes.heads, tables.wakes.rows, false), '');
  lines.push('## Latency at each rate every system ran', '', ...table(tables.latency.heads, tables.latency.rows, false), '');
  lines.push('## Every step', '', ...table(CHANNEL_STEP_HEADS, stepRows(run)), '');
  lines.push('## How to read this', '', ...[...POINT_NOTES, ...methodNotes(run.options.bounds, run.options.workers, run.options.loadgen)].map((n) => `- ${n}`), '');
  return lines.join('\n');
}

/** Renders the HTML report (the Markdown's tables and charts against offered publications/s). */
export function channelsHtml(run: FanoutRun): string {
  const tables = perRateTables(run);
  const x = { xLabel: 'offered load, publications/s', formatX: (v: number) => rate(v).replace('/s', '') };
  const charts = [
    lineChart({ title: 'p50 latency vs load', yLabel: 'p50, ms', logY: true, series: seriesOf(run.runs, (s) => s.latencyMs.p50), ...x }),
    lineChart({
      title: 'p99 latency vs load',
      yLabel: 'p99, ms',
      logY: true,
      hLine: { y: run.options.bounds.p99Ms, label: `bound ${run.options.bounds.p99Ms} ms` },
      series: seriesOf(run.runs, (s) => s.latencyMs.p99),
      ...x,
    }),
    lineChart({ title: 'Server CPU per publication', yLabel: 'µs of server CPU per publication', series: seriesOf(run.runs, (s) => s.server.cpuMicrosPerDelivery), ...x }),
    lineChart({ title: 'Publications received vs load', yLabel: 'received, publications/s', series: seriesOf(run.runs, (s) => s.throughput), ...x }),
  ];
  const parts = [
    '<h1>Many small fan-outs: 1,000 channels, one subscriber each</h1>',
    ...stampLines(run).map((l) => `<p class="stamp">${inline(l)}</p>`),
    `<div class="charts">${charts.join('\n')}</div>`,
    '<h2>Highest sustained publications/s, against the minimal uWS server of this run</h2>',
    htmlTable(CAPACITY_HEADS, capacityRows(run)),
    ...(redisVsMemory(run.runs).length > 0 ? [`<h2>${REDIS_HEADING}</h2>`, htmlTable(REDIS_VS_MEMORY_HEADS, redisVsMemoryRows(run.runs))] : []),
    '<h2>Server CPU per publication at each rate every system ran</h2>',
    htmlTable(tables.cpu.heads, tables.cpu.rows),
    '<h2>Server wakes per publication at each rate every system ran</h2>',
    htmlTable(tables.wakes.heads, tables.wakes.rows),
    '<h2>Latency at each rate every system ran</h2>',
    htmlTable(tables.latency.heads, tables.latency.rows),
    '<h2>How to read this</h2><ul>' +
      [...POINT_NOTES, ...methodNotes(run.options.bounds, run.options.workers, run.options.loadgen)].map((n) => `<li>${inline(n)}</li>`).join('') +
      '</ul>',
    '<h2>Every step</h2>',
    htmlTable(CHANNEL_STEP_HEADS, stepRows(run)),
  ];
  return htmlPage(escapeXml('switchyard: many small fan-outs'), parts.join('\n'));
}

/** The JSON form: the run, a summary per system and the per-rate cells. */
function toJson(run: FanoutRun): unknown {
  const summary = summarize(run.runs, YARDSTICK_ID);
  return {
    benchmark: 'fanout-channels',
    environment: run.environment,
    options: run.options,
    seconds: Math.round(run.seconds),
    summary: summary.systems.map((s) => ({
      system: s.run.system.id,
      shards: s.run.system.shards,
      highestSustainedPublicationsPerSecond: s.best?.offeredRate ?? 0,
      capacityVsYardstick: s.capacityVsYardstick,
      limit: s.limit,
      limitedByLoadGenerator: s.limitedByLoadGenerator,
    })),
    perRate: channelsCells(run.runs),
    redisVsMemory: redisVsMemory(run.runs),
    runs: run.runs,
  };
}

/** Writes <out>.json, .md and .html into `dir` (default bench/results); returns their paths. */
export function writeChannelsReport(out: string, run: FanoutRun, dir?: string): string[] {
  return writeResults({ [`${out}.json`]: jsonText(toJson(run)), [`${out}.md`]: channelsMarkdown(run), [`${out}.html`]: channelsHtml(run) }, dir);
}
