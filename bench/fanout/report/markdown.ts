/** The Markdown report of a fan-out run (bench/results/<out>.md). */
import { ms, rate, thousands, times } from '../../common/stats';
import { describeWorkload } from '../workload';
import { limitFlags } from '../lines';
import { describeRunLoadgen, methodNotes } from './notes';
import { capacity, summarize, type FanoutSummary } from './summary';
import type { FanoutRun } from './write';
import type { StepResult } from '../step';

/** The targets issue 6 sets for S=1,000 on 1 channel. */
export const TARGETS = Object.freeze({ vsYardstick: 0.75, vsWs: 4, idleBytesPerConnection: 3 * 1024 });

/** Header lines (stamp, workload, method) shared by the Markdown and HTML reports. */
export function stampLines(run: FanoutRun): string[] {
  const e = run.environment;
  const t = run.options.timing;
  return [
    `Commit ${e.commit}, Node ${e.node}, ${e.cpu} × ${e.cores}, ${e.platform}, ${e.date}; ${Math.round(run.seconds)} s.`,
    `Workload: ${describeWorkload(run.options.workload)}.`,
    `Load generator: ${describeRunLoadgen(run.options)}; each server runs in its own child process. ` +
      `Before the first step, ${run.options.primeMs / 1000} s of unmeasured publishing at its rate (\`--prime\`). Each step: ${t.warmupMs / 1000} s warm-up, ${t.windowMs / 1000} s window, up to ${t.drainMs / 1000} s drain.`,
  ];
}

/** The target lines for the switchyard systems. */
export function targetLines(summary: FanoutSummary): string[] {
  const lines: string[] = [];
  const others = (kind: string): boolean => summary.systems.some((x) => x.run.system.kind === kind && x.limitedByLoadGenerator);
  for (const s of summary.systems.filter((x) => x.run.system.kind === 'switchyard')) {
    const vsY = s.capacityVsYardstick;
    const vsW = s.capacityVsWs;
    const verdict = (value: number, target: number): string => (Number.isFinite(value) ? (value >= target ? 'met' : 'not met') : 'not measured');
    lines.push(
      `${s.run.system.label}: delivered/s at p99 ≤ bound = ${times(vsY)} the yardstick (target ≥ ${TARGETS.vsYardstick}×: ${verdict(vsY, TARGETS.vsYardstick)}), ` +
        `${vsWs(s)} the ws baseline (target ≥ ${TARGETS.vsWs}×: ${verdict(vsW, TARGETS.vsWs)}); limit: ${s.limit}.`,
    );
    if (s.limitedByLoadGenerator && (others('uws') || others('ws'))) {
      lines.push(
        `${s.run.system.label}: these capacity ratios compare load-generator limits, not servers. At ${rate(summary.referenceRate)} the server CPU per delivery was ` +
          `${times(s.cpuPerDeliveryVsYardstick)} the yardstick's, and ws needed ${times(s.cpuAdvantageOverWs)} as much as switchyard.`,
      );
    }
  }
  return lines;
}

/** The ratio to ws as text: "> 10.00×" when ws sustained nothing (see capacityVsWsIsLowerBound). */
function vsWs(s: FanoutSummary['systems'][number]): string {
  return `${s.capacityVsWsIsLowerBound ? '> ' : ''}${times(s.capacityVsWs)}`;
}

/** The cells of one step row (shared with the HTML table). */
export function stepCells(label: string, step: StepResult): string[] {
  const l = step.latencyMs;
  return [
    label,
    rate(step.offeredRate),
    ms(l.p50),
    ms(l.p90),
    ms(l.p99),
    ms(l.p999),
    ms(l.max),
    `${(step.deliveredRatio * 100).toFixed(2)}%`,
    rate(step.throughput),
    step.server.cpuCores.toFixed(2),
    step.server.cpuMicrosPerDelivery.toFixed(2),
    (step.server.rssBytes / 2 ** 20).toFixed(0),
    step.loadGenerator.cpuCores.toFixed(2),
    step.loadGenerator.cpuMicrosPerDelivery.toFixed(2),
    `${(step.loadGenerator.utilization * 100).toFixed(0)}%`,
    `${(step.loadGenerator.maxEventLoopUtilization * 100).toFixed(0)}%`,
    `${(step.machine.busy * 100).toFixed(0)}%`,
    step.machine.otherCores.toFixed(2),
    [step.sustained ? 'sustained' : 'not sustained', ...limitFlags(step), ...(step.attempts > 1 ? [`median of ${step.attempts}`] : [])].join(', '),
  ];
}

/** Column heads of the step table. */
export const STEP_HEADS = [
  'system',
  'offered',
  'p50 ms',
  'p90 ms',
  'p99 ms',
  'p99.9 ms',
  'max ms',
  'delivered',
  'received/s',
  'server cores',
  'server µs/delivery',
  'server RSS MB',
  'load gen cores',
  'load gen µs/delivery',
  'load gen share used',
  'load gen event loop',
  'machine busy',
  'others (cores)',
  'flags',
];

/** The summary table rows: capacity and ratios. */
export function capacityRows(summary: FanoutSummary): string[][] {
  return summary.systems.map((s) => [
    s.run.system.label,
    s.best ? rate(capacity(s.run)) : 'none',
    s.best ? `${ms(s.best.latencyMs.p50)} / ${ms(s.best.latencyMs.p99)}` : 'n/a',
    times(s.capacityVsYardstick),
    vsWs(s),
    `${thousands(s.run.connect.perSecond)}/s`,
    s.limit,
  ]);
}

/** Heads of the capacity table. */
export const CAPACITY_HEADS = ['system', 'highest sustained deliveries/s', 'its p50 / p99 ms', '× yardstick', '× ws', 'connect rate', 'limit'];

/** What the reference load is, in words. */
export function equalLoadTitle(summary: FanoutSummary): string {
  const why = summary.referenceSustainedByAll ? 'the highest load every system sustained' : 'the lowest load every system ran; not every system sustained it';
  return `${rate(summary.referenceRate)} offered (${why})`;
}

/** The equal-load table rows. */
export function equalLoadRows(summary: FanoutSummary): string[][] {
  return summary.systems.map((s) => {
    const r = s.atReference;
    return [
      s.run.system.label,
      r ? ms(r.latencyMs.p50) : 'n/a',
      r ? ms(r.latencyMs.p99) : 'n/a',
      times(s.p50VsYardstick),
      times(s.p99VsYardstick),
      r ? r.server.cpuMicrosPerDelivery.toFixed(2) : 'n/a',
      times(s.cpuPerDeliveryVsYardstick),
      r ? (r.server.rssBytes / 2 ** 20).toFixed(0) : 'n/a',
      r ? [r.sustained ? 'sustained' : 'not sustained', ...limitFlags(r)].join(', ') : '',
    ];
  });
}

/** Heads of the equal-load table. */
export const EQUAL_LOAD_HEADS = ['system', 'p50 ms', 'p99 ms', 'p50 × yardstick', 'p99 × yardstick', 'server CPU µs/delivery', '× yardstick', 'server RSS MB', 'flags'];

function table(heads: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const align = heads.map((_, i) => (i === 0 || i === heads.length - 1 ? '---' : '---:'));
  return [`| ${heads.join(' | ')} |`, `|${align.join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

/** Renders the Markdown report. */
export function fanoutMarkdown(run: FanoutRun, summary: FanoutSummary = summarize(run.runs)): string {
  const lines = ['# Fan-out benchmark', '', ...stampLines(run).map((l) => l), 'Produced by `npm run bench:fanout` (bench/README.md explains the method).', ''];
  lines.push('## Highest sustained load, as ratios against the raw uWS yardstick of this run', '');
  lines.push(`Sustained: p99 ≤ ${run.options.bounds.p99Ms} ms with ≥ ${(run.options.bounds.deliveredRatio * 100).toFixed(1)}% delivered.`, '');
  lines.push(...table(CAPACITY_HEADS, capacityRows(summary)), '');
  lines.push(`## At equal load: ${equalLoadTitle(summary)}`, '');
  lines.push(...table(EQUAL_LOAD_HEADS, equalLoadRows(summary)), '');
  const targets = targetLines(summary);
  if (targets.length > 0) lines.push('## Targets of issue 6', '', ...targets.map((t) => `- ${t}`), '- Idle memory per connection: see idle.md.', '');
  if (summary.shardNote) lines.push('## Shards', '', summary.shardNote, '');
  lines.push('## Every step', '');
  lines.push(...table(STEP_HEADS, run.runs.flatMap((r) => r.steps.map((s) => stepCells(r.system.label, s)))), '');
  lines.push('## How to read this', '', ...methodNotes(run.options.bounds, run.options.workers, run.options.loadgen).map((n) => `- ${n}`), '');
  return lines.join('\n');
}
