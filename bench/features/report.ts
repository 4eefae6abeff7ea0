/** Writes a features run as JSON (stamped, with every step), Markdown and a small HTML page into bench/results. */
import type { Environment } from '../mailbox/environment';
import { jsonText, writeResults } from '../common/output';
import { DISTURBED_CORES } from '../common/quiet';
import { ms, rate, thousands, times } from '../common/stats';
import type { StepTiming } from '../fanout/step';
import { describeWorkload, type Workload } from '../fanout/workload';
import { htmlPage, htmlTable, inline } from '../fanout/report/page';
import { MIN_QUIET_ROUNDS, summarizeFeatures, type VariantFigures, type VariantSteps } from './summary';

/** Options of a features run. */
export interface FeaturesOptions {
  readonly workload: Workload;
  /** The fixed offered load, deliveries per second. */
  readonly rate: number;
  readonly rounds: number;
  readonly shards: number;
  /** Variant names; the first is the baseline. */
  readonly variants: readonly string[];
  readonly timing: StepTiming;
  readonly workers: number;
  /** Base name of the result files. */
  readonly out: string;
  readonly verbose: boolean;
  /** The other build's dist/ whose baseline is measured as `before`, if any. */
  readonly before?: string;
}

/** Everything a features run produced. */
export interface FeaturesRun {
  readonly environment: Environment;
  readonly options: FeaturesOptions;
  readonly runs: readonly VariantSteps[];
  /** Wall time, s. */
  readonly seconds: number;
}

const HEADS = ['variant', 'delivered/s', 'p50 ms', 'p99 ms', 'server µs per delivery', 'bytes per delivery', 'wire bytes per delivery', 'load gen µs per delivery', 'rounds sustained (p99 ≤ 50 ms, all delivered)', 'rounds limited'];
const RANGE_HEADS = ['variant', 'delivered/s', 'p50', 'p99', 'server CPU per delivery', 'bytes per delivery', 'wire bytes per delivery'];

function cell(value: string, vs: number, baseline: boolean): string {
  return baseline ? value : `${value} (${times(vs)})`;
}

/** How many rounds the load generator or the whole machine limited. */
function limits(f: VariantFigures): string {
  const parts = [
    ...(f.loadGeneratorBound > 0 ? [`${f.loadGeneratorBound} LOAD-GENERATOR-BOUND`] : []),
    ...(f.saturated > 0 ? [`${f.saturated} MACHINE-SATURATED`] : []),
  ];
  return parts.join(', ') || 'none';
}

function mainRows(figures: readonly VariantFigures[]): string[][] {
  return figures.map((f, i) => [
    f.label,
    cell(rate(f.median.throughput), f.vsBaseline.throughput, i === 0),
    cell(ms(f.median.p50), f.vsBaseline.p50, i === 0),
    cell(ms(f.median.p99), f.vsBaseline.p99, i === 0),
    cell(f.median.cpu.toFixed(2), f.vsBaseline.cpu, i === 0),
    cell(thousands(f.median.bytes), f.vsBaseline.bytes, i === 0),
    cell(thousands(f.median.wire), f.vsBaseline.wire, i === 0),
    cell(f.median.loadgenCpu.toFixed(1), f.vsBaseline.loadgenCpu, i === 0),
    `${f.sustained}/${f.rounds}${f.unreadable > 0 ? `, ${f.unreadable} unreadable` : ''}`,
    limits(f),
  ]);
}

function rangeRows(figures: readonly VariantFigures[]): string[][] {
  const range = (r: readonly [number, number]): string => `${times(r[0])}–${times(r[1])}`;
  return figures.slice(1).map((f) => [f.label, range(f.roundRatios.throughput), range(f.roundRatios.p50), range(f.roundRatios.p99), range(f.roundRatios.cpu), range(f.roundRatios.bytes), range(f.roundRatios.wire)]);
}

function method(run: FeaturesRun): string[] {
  const o = run.options;
  return [
    `Commit ${run.environment.commit}, Node ${run.environment.node}, ${run.environment.cpu} × ${run.environment.cores}, ${run.environment.platform}, ${run.environment.date}; ${Math.round(run.seconds)} s. Produced by \`npm run bench:features\`.`,
    `${describeWorkload(o.workload)}; ticker-like payloads (a quote whose prices, size and volume move a little each publication, stamp first). ` +
      `Fixed load ${thousands(o.rate)} deliveries/s on switchyard ×${o.shards} (memory broker), ${o.rounds} round${o.rounds === 1 ? '' : 's'}; each round runs one step per variant ` +
      `(${o.timing.warmupMs / 1000} s warm-up, ${o.timing.windowMs / 1000} s window) back to back in rotating order, each variant on its own server and subscribers, all started before the first round. ` +
      `Figures are medians over rounds; ratios are against the baseline's medians.`,
  ];
}

function notes(run: FeaturesRun, figures: readonly VariantFigures[]): string[] {
  const disturbed = figures.reduce((a, f) => a + f.disturbed, 0);
  const used = figures[0]?.roundsUsed ?? [];
  return [
    '- **rounds limited**: steps in which the load generator used ≥ 90% of the CPU it could have (or a worker\'s event loop was ≥ 90% busy), or every core was ≥ 90% busy. Their latencies are the load generator\'s or the machine\'s, not the server\'s; delta subscribers, which parse and patch every publication, are the first to hit that limit.',
    '- **delivered/s** is deliveries received per second in the window at the fixed load; equal figures mean every variant kept up, the cost then shows in CPU and latency.',
    '- **bytes per delivery**: WebSocket message bytes a subscriber received per publication (the push JSON, without WebSocket framing). With history every publication carries its `offset`; delta subscribers get `data` as a JSON string, a fossil patch after their first publication.',
    '- **wire bytes per delivery**: bytes read from the subscriber\'s socket per publication (WebSocket framing included; after permessage-deflate when the variant compresses, while **bytes per delivery** is the message after inflating).',
    '- **Delta subscribers rebuild every payload** the way the centrifuge SDK does: `JSON.parse` of the push, then `applyDelta` (fossil-delta, checksum checked) against the previous payload of that subscription, and the latency stamp is read from the rebuilt payload. A delivery therefore counts only if the client could rebuild it; "unreadable" counts pushes whose patch did not apply. Reading the stamp from a patch without applying it was not an option: fossil copies the unchanged digits of the stamp from the previous payload, so the patch does not hold the stamp. The extra client work shows in the load generator\'s µs per delivery (and in its share of the latency).',
    '- **recovery** differs from history by a position check per publication on each shard, and by the recovery at subscribe time, which happens before the rounds and is not measured here.',
    `- Server CPU per delivery at this load includes the per-publication work (HTTP API request, owner, history append, delta encoding) divided by ${thousands(run.options.workload.subscribers / run.options.workload.channels)} subscribers per publication.`,
    disturbed > 0
      ? `- Other processes used ≥ ${DISTURBED_CORES} cores during ${disturbed} of ${figures.length * run.options.rounds} steps (a shared VM). ` +
        (used.length < run.options.rounds
          ? `The figures use the ${used.length} rounds in which no step was disturbed (rounds ${used.map((i) => i + 1).join(', ')}).`
          : `Fewer than ${MIN_QUIET_ROUNDS} rounds were quiet, so the figures use every round: latencies are noisy, server CPU per delivery and bytes per delivery much less so.`)
      : '- No step was disturbed by other processes.',
  ];
}

/** The report's title: what the variants compared against the baseline cost. */
function title(run: FeaturesRun): string {
  const others = run.runs.map((r) => r.variant).filter((v) => v !== 'baseline');
  return others.length > 0 && others.every((v) => v === 'metrics') ? 'Metrics cost' : 'History and delta cost';
}

/** The Markdown report. */
export function featuresMarkdown(run: FeaturesRun): string {
  const figures = summarizeFeatures(run.runs);
  const table = (heads: readonly string[], rows: readonly (readonly string[])[]): string[] => [
    `| ${heads.join(' | ')} |`,
    `|${heads.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ];
  return [
    `# ${title(run)}`,
    '',
    ...method(run),
    '',
    ...table(HEADS, mainRows(figures)),
    '',
    'Per-round ratios to the baseline (lowest–highest, over the rounds used):',
    '',
    ...table(RANGE_HEADS, rangeRows(figures)),
    '',
    'Variants:',
    '',
    ...figures.map((f) => `- **${f.variant}**: ${f.description}.`),
    '',
    ...notes(run, figures),
    '',
  ].join('\n');
}

/** The HTML page: the same tables and notes, no scripts. */
export function featuresHtml(run: FeaturesRun): string {
  const figures = summarizeFeatures(run.runs);
  const body = [
    `<h1>${title(run)}</h1>`,
    ...method(run).map((p) => `<p>${inline(p)}</p>`),
    htmlTable(HEADS, mainRows(figures)),
    '<p>Per-round ratios to the baseline (lowest–highest, over the rounds used):</p>',
    htmlTable(RANGE_HEADS, rangeRows(figures)),
    `<ul>${figures.map((f) => `<li>${inline(`**${f.variant}**: ${f.description}.`)}</li>`).join('')}</ul>`,
    `<ul>${notes(run, figures).map((n) => `<li>${inline(n.replace(/^- /, ''))}</li>`).join('')}</ul>`,
  ].join('\n');
  return htmlPage('switchyard: history and delta cost', body);
}

/** Writes <out>.json, <out>.md and <out>.html into `dir` (default bench/results); returns their paths. */
export function writeFeaturesReport(run: FeaturesRun, dir?: string): string[] {
  const json = { benchmark: 'features', environment: run.environment, options: run.options, seconds: Math.round(run.seconds), summary: summarizeFeatures(run.runs), runs: run.runs };
  const out = run.options.out;
  return writeResults({ [`${out}.json`]: jsonText(json), [`${out}.md`]: featuresMarkdown(run), [`${out}.html`]: featuresHtml(run) }, dir);
}
