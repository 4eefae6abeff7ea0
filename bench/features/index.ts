/**
 * `npm run bench:features`: what history and fossil deltas cost in fan-out.
 * One switchyard server per channel setup (variants.ts: baseline, history,
 * recovery, delta) runs side by side, each with its own subscribers; every
 * round measures one step per server at the same fixed load with the same
 * ticker-like payloads, back to back in rotating order, so drift and
 * disturbance on a shared machine fall on all alike. The report gives each
 * variant's delivered/s, p50/p99, server CPU per delivery and bytes per
 * delivery as ratios to the baseline's (bench/results/features.{json,md,html}).
 *
 *   --rate 10k  --subscribers 1000  --channels 10  --payload 300  --rounds 5
 *   --shards 2  --variants baseline,history,recovery,delta  --window 2  --workers 2  --out features  --verbose
 *   --before DIR   also measure the baseline on another build (DIR: its dist/), as the variant `before`
 *
 * Variants beyond the default set: tagged, tags-filter (tags filters), compression (permessage-deflate).
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { numberOption } from '../common/args';
import { nowMs } from '../common/clock';
import { say } from '../common/output';
import { DISTURBED_CORES, noteIfBusy, waitForQuiet } from '../common/quiet';
import { systemLabel } from '../common/targets';
import { stepLine } from '../fanout/lines';
import { startRunning } from '../fanout/running';
import { runStep, type StepContext, type StepResult, type StepTiming } from '../fanout/step';
import { describeWorkload, type Workload } from '../fanout/workload';
import { describeEnvironment } from '../mailbox/environment';
import { MIN_TICKER_BYTES } from '../loadgen/payload';
import { LoadGenerator } from '../loadgen/pool';
import { writeFeaturesReport, type FeaturesOptions } from './report';
import type { VariantSteps } from './summary';
import { beforeVariant, DEFAULT_VARIANTS, variantNamed, variantSystem, type FeatureVariant } from './variants';

/** Longest wait for a quieter machine before each round, ms (the run stays near 90 s). */
const QUIET_WAIT_MS = 5_000;
/** Unmeasured publishing after the subscribers connected, ms. */
const PRIME_MS = 1_000;

/** One variant's server, subscribers and publisher. */
interface Contender {
  readonly variant: FeatureVariant;
  readonly label: string;
  readonly context: StepContext;
  readonly steps: StepResult[];
  close(): Promise<void>;
}

async function start(loadgen: LoadGenerator, variant: FeatureVariant, options: FeaturesOptions): Promise<Contender> {
  const spec = variantSystem(variant, options.shards);
  const workload = variant.tags ? { ...options.workload, tags: variant.tags } : options.workload;
  const running = await startRunning(loadgen, {
    spec,
    workload,
    subscribe: variant.subscribe,
    ...(variant.deflate ? { deflate: true } : {}),
    primeRate: options.rate,
    primeMs: PRIME_MS,
  });
  return { ...running, variant, label: systemLabel(spec), steps: [] };
}

function parseOptions(argv: readonly string[]): FeaturesOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      rate: { type: 'string' },
      subscribers: { type: 'string' },
      channels: { type: 'string' },
      payload: { type: 'string' },
      rounds: { type: 'string' },
      shards: { type: 'string' },
      variants: { type: 'string' },
      window: { type: 'string' },
      workers: { type: 'string' },
      out: { type: 'string' },
      before: { type: 'string' },
      verbose: { type: 'boolean' },
    },
    strict: true,
  });
  const number = numberOption;
  const workload: Workload = {
    subscribers: Math.round(number('subscribers', values.subscribers, 1000, 1)),
    channels: Math.round(number('channels', values.channels, 10, 1)),
    payloadBytes: Math.round(number('payload', values.payload, 300, MIN_TICKER_BYTES)),
    transport: 'http',
    burst: 1,
    payload: 'ticker',
  };
  if (workload.channels > workload.subscribers) throw new Error('--channels must not exceed --subscribers');
  const variants = (values.variants ?? DEFAULT_VARIANTS.join(',')).split(',').map((v) => variantNamed(v.trim()));
  if (values.before) variants.splice(1, 0, beforeVariant(values.before));
  if (variants[0]?.name !== 'baseline') throw new Error('--variants must start with baseline (every ratio is taken against it)');
  const timing: StepTiming = { warmupMs: 500, windowMs: number('window', values.window, 2, 0.2) * 1000, drainMs: 2000 };
  return {
    workload,
    rate: number('rate', values.rate, 10_000, 1),
    rounds: Math.round(number('rounds', values.rounds, 5, 1)),
    shards: Math.round(number('shards', values.shards, 2, 1)),
    variants: variants.map((v) => v.name),
    ...(values.before ? { before: values.before } : {}),
    timing,
    workers: Math.round(number('workers', values.workers, Math.min(2, availableParallelism()), 1)),
    out: values.out ?? 'features',
    verbose: values.verbose === true,
  };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const environment = describeEnvironment();
  const started = nowMs();
  say(`features benchmark: ${environment.commit}, Node ${environment.node}, ${environment.cpu} × ${environment.cores}`);
  say(`${describeWorkload(options.workload)} (ticker-like); ${options.rate} deliveries/s; switchyard ×${options.shards}; ${options.rounds} rounds of ${options.variants.join(', ')}`);
  await noteIfBusy();
  const loadgen = LoadGenerator.start(options.workers);
  const contenders: Contender[] = [];
  try {
    for (const name of options.variants) contenders.push(await start(loadgen, name === 'before' ? beforeVariant(options.before!) : variantNamed(name), options));
    for (let round = 0; round < options.rounds; round++) {
      await waitForQuiet(DISTURBED_CORES, QUIET_WAIT_MS);
      const order = contenders.map((_, i) => contenders[(i + round) % contenders.length]!);
      for (const who of order) {
        const step = await runStep(who.context, options.rate, options.timing);
        who.steps.push(step);
        if (options.verbose) say(stepLine(who.label, step));
      }
      say(`  round ${round + 1}/${options.rounds} done (${Math.round((nowMs() - started) / 1000)} s)`);
    }
  } finally {
    for (const who of contenders) await who.close();
    await loadgen.close();
  }
  const runs: VariantSteps[] = contenders.map((c) => ({ variant: c.variant.name, label: c.label, description: c.variant.description, steps: c.steps }));
  const written = writeFeaturesReport({ environment, options, runs, seconds: (nowMs() - started) / 1000 });
  say(`written: ${written.join(', ')} (${Math.round((nowMs() - started) / 1000)} s)`);
}

main().catch((err: unknown) => {
  process.stderr.write(`features benchmark failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
