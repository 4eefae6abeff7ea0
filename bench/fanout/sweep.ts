/**
 * `npm run bench:sweep`: how latency and capacity change with subscribers,
 * channels, shard count and payload size, next to the baselines. Each point
 * runs a short rate ladder per system (ladder.ts). Writes
 * bench/results/sweep.json (stamped), sweep.md and sweep.html.
 *
 *   --only subscribers,channels,shards,payload   dimensions to run (default all; about 10 min)
 *   --rates, --window, --warmup, --drain, --workers, --p99, --out   as for bench:fanout
 */
import { availableParallelism } from 'node:os';
import { describeEnvironment } from '../mailbox/environment';
import { nowMs } from '../common/clock';
import { failureText, OptionError } from '../common/args';
import { jsonText, say, writeResults } from '../common/output';
import { Progress } from '../common/progress';
import { noteIfBusy } from '../common/quiet';
import { asRun, startGenerator } from './generator';
import { runLadderWithProgress } from './progress-ladder';
import { parseFanoutOptions } from './options';
import { sweepHtml, sweepMarkdown, type SweepResult, type SweepRun } from './report/sweep-report';
import { DIMENSIONS, sweepPoints, type Dimension } from './sweep-plan';
import { describeWorkload } from './workload';

/** The sweep's default ladder, deliveries/s: short, since every point runs one per system. */
const SWEEP_RATES = Object.freeze([10_000, 20_000, 30_000, 40_000, 60_000, 80_000, 120_000]);

function dimensionsOf(only: string | undefined): Dimension[] {
  const names = only === undefined ? [...DIMENSIONS] : only.split(',').map((d) => d.trim());
  for (const d of names) if (!DIMENSIONS.includes(d as Dimension)) throw new OptionError(`--only: unknown dimension "${d}" (use ${DIMENSIONS.join(', ')})`);
  return names as Dimension[];
}

async function main(): Promise<void> {
  const options = parseFanoutOptions(process.argv.slice(2), { out: 'sweep', systems: [], rates: SWEEP_RATES, windowSeconds: 2 });
  if (options.point !== undefined) throw new OptionError('--point is an option of bench:fanout');
  const only = dimensionsOf(options.only);
  const environment = describeEnvironment();
  const points = sweepPoints(only, availableParallelism());
  say(`sweep: ${environment.commit}, Node ${environment.node}, ${environment.cpu} × ${environment.cores}; ${only.join(', ')}; ${points.length} points`);
  await noteIfBusy();
  const started = nowMs();
  const progress = new Progress(points.reduce((n, p) => n + p.systems.length * options.rates.length, 0));
  const generator = startGenerator(options);
  const runs: SweepRun[] = [];
  try {
    for (const point of points) {
      say(`${point.dimension} = ${point.value}: ${describeWorkload(point.workload)}`);
      const ladder = { workload: point.workload, rates: options.rates, timing: options.timing, bounds: options.bounds, primeMs: options.primeMs };
      for (const spec of point.systems) {
        const run = await runLadderWithProgress(generator, spec, ladder, progress, `${point.dimension}=${point.value} `);
        runs.push({ dimension: point.dimension, value: point.value, workload: point.workload, run });
      }
    }
  } finally {
    progress.clear();
    await generator.close();
  }
  const result: SweepResult = { benchmark: 'sweep', environment, options: asRun(options, generator), seconds: Math.round((nowMs() - started) / 1000), runs };
  const written = writeResults({ [`${options.out}.json`]: jsonText(result), [`${options.out}.md`]: sweepMarkdown(result), [`${options.out}.html`]: sweepHtml(result) });
  say(`written: ${written.join(', ')} (${result.seconds} s)`);
}

main().catch((err: unknown) => {
  process.stderr.write(`sweep failed: ${failureText(err)}\n`);
  process.exitCode = 1;
});
