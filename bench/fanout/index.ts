/**
 * `npm run bench:fanout`: the end-to-end fan-out benchmark. For each system
 * (raw uWS yardstick, `ws` baseline, switchyard at 1 and 2 shards) it runs a
 * rate ladder on the same workload with the same load generator, then writes
 * bench/results/<out>.json, .md and .html with ratios against the yardstick.
 * Options: see options.ts (`--systems uws,switchyard-2 --rates 50k,100k …`,
 * `--loadgen node|native`) and points.ts (`--point many-channels`: 1,000
 * channels with one subscriber each, written to fanout-channels.{json,md,html}).
 * `--before DIR` (DIR: another build's dist/) also measures each switchyard
 * system on that build, right after this build's, as `switchyard ×N (before)`.
 */
import { describeEnvironment } from '../mailbox/environment';
import { nowMs } from '../common/clock';
import { failureText, OptionError } from '../common/args';
import { say } from '../common/output';
import { Progress } from '../common/progress';
import { noteIfBusy } from '../common/quiet';
import { parseSystem, type SystemSpec } from '../common/targets';
import { asRun, startGenerator } from './generator';
import type { SystemRun } from './ladder';
import { parseFanoutOptions } from './options';
import { pointOf, POINT_DEFAULTS } from './points';
import { runLadderWithProgress } from './progress-ladder';
import { writeChannelsReport } from './report/channels';
import { writeFanoutReport } from './report/write';
import { describeWorkload } from './workload';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const point = pointOf(argv);
  const options = parseFanoutOptions(argv, POINT_DEFAULTS[point]);
  if (options.only !== undefined) throw new OptionError('--only is an option of bench:sweep');
  const environment = describeEnvironment();
  const systems = withBefore(options.systems.map(parseSystem), options.before);
  say(`fan-out benchmark: ${environment.commit}, Node ${environment.node}, ${environment.cpu} × ${environment.cores}`);
  say(`${point}: ${describeWorkload(options.workload)}; ${options.loadgen} load generator, ${options.workers} threads holding subscribers; steps of ${options.timing.windowMs / 1000} s`);
  await noteIfBusy();
  const started = nowMs();
  const progress = new Progress(systems.length * options.rates.length);
  const generator = startGenerator(options);
  const runs: SystemRun[] = [];
  try {
    for (const spec of systems) runs.push(await runLadderWithProgress(generator, spec, options, progress, ''));
  } finally {
    progress.clear();
    await generator.close();
  }
  const run = { environment, options: asRun(options, generator), runs, seconds: (nowMs() - started) / 1000 };
  const written = point === 'many-channels' ? writeChannelsReport(options.out, run) : writeFanoutReport(options.out, run);
  say(`written: ${written.join(', ')} (${Math.round((nowMs() - started) / 1000)} s)`);
}

/** Each switchyard system followed by the same system on the `--before` build, when one is given. */
function withBefore(systems: readonly SystemSpec[], before: string | undefined): SystemSpec[] {
  if (before === undefined) return [...systems];
  const entry = `${before.replace(/\/$/, '')}/bench/common/switchyard-server.js`;
  return systems.flatMap((spec) => (spec.kind === 'switchyard' ? [spec, { ...spec, variant: 'before', entry }] : [spec]));
}

main().catch((err: unknown) => {
  process.stderr.write(`fan-out benchmark failed: ${failureText(err)}\n`);
  process.exitCode = 1;
});
