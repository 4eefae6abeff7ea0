/**
 * `npm run bench:fanout`: the end-to-end fan-out benchmark. For each system
 * (raw uWS yardstick, `ws` baseline, switchyard at 1 and 2 shards) it runs a
 * rate ladder on the same workload with the same load generator, then writes
 * bench/results/<out>.json, .md and .html with ratios against the yardstick.
 * Options: see options.ts (`--systems uws,switchyard-2 --rates 50k,100k …`).
 */
import { describeEnvironment } from '../mailbox/environment';
import { nowMs } from '../common/clock';
import { say } from '../common/output';
import { Progress } from '../common/progress';
import { noteIfBusy } from '../common/quiet';
import { parseSystem } from '../common/targets';
import { LoadGenerator } from '../loadgen/pool';
import type { SystemRun } from './ladder';
import { parseFanoutOptions } from './options';
import { runLadderWithProgress } from './progress-ladder';
import { writeFanoutReport } from './report/write';
import { describeWorkload } from './workload';

/** The systems of the committed results. */
const DEFAULT_SYSTEMS = Object.freeze(['uws', 'ws', 'switchyard-1', 'switchyard-2']);
/**
 * The offered loads of the S=1,000 ladder, deliveries/s: fine steps where
 * this 2-core box tops out (server and load generator share it), coarser above
 * for machines with more room.
 */
const DEFAULT_RATES = Object.freeze([10_000, 20_000, 30_000, 40_000, 50_000, 60_000, 80_000, 100_000, 150_000, 200_000, 300_000, 400_000]);

async function main(): Promise<void> {
  const options = parseFanoutOptions(process.argv.slice(2), { out: 'fanout', systems: DEFAULT_SYSTEMS, rates: DEFAULT_RATES, windowSeconds: 2.5 });
  if (options.only !== undefined) throw new Error('--only is an option of bench:sweep');
  const environment = describeEnvironment();
  const systems = options.systems.map(parseSystem);
  say(`fan-out benchmark: ${environment.commit}, Node ${environment.node}, ${environment.cpu} × ${environment.cores}`);
  say(`${describeWorkload(options.workload)}; ${options.workers} load-generator workers; steps of ${options.timing.windowMs / 1000} s`);
  await noteIfBusy();
  const started = nowMs();
  const progress = new Progress(systems.length * options.rates.length);
  const loadgen = LoadGenerator.start(options.workers);
  const runs: SystemRun[] = [];
  try {
    for (const spec of systems) runs.push(await runLadderWithProgress(loadgen, spec, options, progress, ''));
  } finally {
    progress.clear();
    await loadgen.close();
  }
  const written = writeFanoutReport(options.out, { environment, options, runs, seconds: (nowMs() - started) / 1000 });
  say(`written: ${written.join(', ')} (${Math.round((nowMs() - started) / 1000)} s)`);
}

main().catch((err: unknown) => {
  process.stderr.write(`fan-out benchmark failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
