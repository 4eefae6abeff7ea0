/**
 * `npm run bench:protocols`: what Protobuf subscribers cost the fan-out. One
 * switchyard (2 shards) serves the same workload twice in one run: S
 * subscribers on one channel all speaking JSON, then half JSON and half
 * Protobuf (the owner then encodes each publication twice, once per
 * protocol, and each shard publishes to two uWS topics). At each offered
 * load it reports delivered throughput, latency and server CPU per delivery,
 * and the mixed / JSON-only ratios. The load generator speaks Protobuf for
 * its Protobuf half (bench/loadgen/protobuf-frames.ts).
 * Writes bench/results/protocols.json and protocols.md.
 *
 *   --rates 20k,40k   offered loads, deliveries/s (default 20k,40k)
 *   --subscribers N   subscriber connections (default 1000)
 *   --window S        measurement window per step, seconds (default 2.5)
 */
import { parseArgs } from 'node:util';
import { nowMs } from '../common/clock';
import { jsonText, say, writeResults } from '../common/output';
import { noteIfBusy } from '../common/quiet';
import { round, thousands } from '../common/stats';
import { launchTarget, switchyard } from '../common/targets';
import { prime, runStep, type StepResult } from '../fanout/step';
import { DEFAULT_WORKLOAD, describeWorkload, subscriberChannels, type Workload } from '../fanout/workload';
import type { LoadProtocol } from '../loadgen/messages';
import { LoadGenerator } from '../loadgen/pool';
import { openTransport } from '../loadgen/transport';
import { describeEnvironment, type Environment } from '../mailbox/environment';

/** The two subscriber mixes compared. */
const MIXES = Object.freeze([
  { id: 'json', label: '100% JSON', protobufShare: 0 },
  { id: 'mixed', label: '50% JSON + 50% Protobuf', protobufShare: 0.5 },
] as const);

/** One mix's steps. */
interface MixRun {
  readonly mix: (typeof MIXES)[number]['id'];
  readonly label: string;
  readonly steps: readonly StepResult[];
}

/** Mixed / JSON-only at one offered load. */
interface Ratio {
  readonly offeredRate: number;
  /** Server CPU per delivery, mixed / JSON-only (above 1: Protobuf subscribers cost more). */
  readonly cpuPerDelivery: number;
  /** Delivered throughput, mixed / JSON-only. */
  readonly throughput: number;
  /** p50 latency, mixed / JSON-only. */
  readonly p50: number;
}

function parseRate(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(k?)$/i.exec(text.trim());
  if (!match) throw new Error(`--rates: "${text}" is not a rate like 20k`);
  return Number(match[1]) * (match[2] ? 1000 : 1);
}

/** The protocol of each subscriber: every 1/share-th connection speaks Protobuf. */
function protocolsFor(count: number, protobufShare: number): LoadProtocol[] {
  return Array.from({ length: count }, (_, i) => (Math.floor((i + 1) * protobufShare) > Math.floor(i * protobufShare) ? 'protobuf' : 'json'));
}

async function runMix(loadgen: LoadGenerator, workload: Workload, mix: (typeof MIXES)[number], rates: readonly number[], windowMs: number): Promise<MixRun> {
  const target = await launchTarget(switchyard(2));
  try {
    const channels = subscriberChannels(workload);
    const session = await loadgen.open(target.wsUrl, channels, undefined, protocolsFor(channels.length, mix.protobufShare));
    const transport = await openTransport(workload.transport, target);
    const context = { target, session, transport, workload, workers: loadgen.workers };
    const steps: StepResult[] = [];
    try {
      await prime(context, rates[0] ?? 0, 1000);
      for (const rate of rates) {
        const step = await runStep(context, rate, { warmupMs: 500, windowMs, drainMs: 3000 });
        say(
          `  ${mix.label.padEnd(24)} ${thousands(rate).padStart(8)}/s offered: ${thousands(Math.round(step.throughput))}/s delivered, ` +
            `p50 ${step.latencyMs.p50.toFixed(2)} ms, p99 ${step.latencyMs.p99.toFixed(2)} ms, server ${step.server.cpuMicrosPerDelivery.toFixed(2)} µs/delivery`,
        );
        steps.push(step);
      }
    } finally {
      await transport.close();
      await session.close();
    }
    return { mix: mix.id, label: mix.label, steps };
  } finally {
    await target.stop();
  }
}

function ratios(json: MixRun, mixed: MixRun): Ratio[] {
  return json.steps.map((j, i) => {
    const m = mixed.steps[i]!;
    return {
      offeredRate: j.offeredRate,
      cpuPerDelivery: round(m.server.cpuMicrosPerDelivery / j.server.cpuMicrosPerDelivery, 2),
      throughput: round(m.throughput / j.throughput, 2),
      p50: round(m.latencyMs.p50 / j.latencyMs.p50, 2),
    };
  });
}

function markdown(environment: Environment, workload: Workload, runs: readonly MixRun[], table: readonly Ratio[], seconds: number): string {
  return [
    '# Protobuf vs JSON subscribers: fan-out cost',
    '',
    `Commit ${environment.commit}, Node ${environment.node}, ${environment.cpu} × ${environment.cores}, ${environment.platform}, ${environment.date}.`,
    `${describeWorkload(workload)}; switchyard ×2; ${Math.round(seconds)} s. Produced by \`npm run bench:protocols\`.`,
    'The mixed run has the owner encode every publication twice (JSON and Protobuf) and each shard publish to two uWS topics.',
    '',
    '| subscribers | offered/s | delivered/s | delivered % | p50 ms | p99 ms | server µs/delivery | server cores | other processes, cores |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...runs.flatMap((run) =>
      run.steps.map(
        (s) =>
          `| ${run.label} | ${thousands(s.offeredRate)} | ${thousands(Math.round(s.throughput))} | ${(s.deliveredRatio * 100).toFixed(2)} | ` +
          `${s.latencyMs.p50.toFixed(2)} | ${s.latencyMs.p99.toFixed(2)} | ${s.server.cpuMicrosPerDelivery.toFixed(2)} | ${s.server.cpuCores.toFixed(2)} | ${s.machine.otherCores.toFixed(2)} |`,
      ),
    ),
    '',
    '## Mixed / JSON-only',
    '',
    '| offered/s | server CPU per delivery | delivered throughput | p50 latency |',
    '|---:|---:|---:|---:|',
    ...table.map((r) => `| ${thousands(r.offeredRate)} | ${r.cpuPerDelivery.toFixed(2)} | ${r.throughput.toFixed(2)} | ${r.p50.toFixed(2)} |`),
    '',
    'On this 2-core machine the server and the load generator share the CPU; short windows vary by ±20 % between runs.',
    'Latency is only comparable between rows whose "other processes" column is near zero; server CPU per delivery is the figure to compare.',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rates: { type: 'string' }, subscribers: { type: 'string' }, window: { type: 'string' } }, strict: true });
  const rates = (values.rates ?? '20k,40k').split(',').map(parseRate);
  const workload: Workload = { ...DEFAULT_WORKLOAD, subscribers: Number(values.subscribers ?? DEFAULT_WORKLOAD.subscribers) };
  const windowMs = Number(values.window ?? 2.5) * 1000;
  const environment = describeEnvironment();
  say(`protocols benchmark: ${environment.commit}, Node ${environment.node}, ${environment.cpu} × ${environment.cores}`);
  say(`${describeWorkload(workload)}; offered ${rates.map(thousands).join(', ')} deliveries/s`);
  await noteIfBusy();
  const started = nowMs();
  const loadgen = LoadGenerator.start(1);
  const runs: MixRun[] = [];
  try {
    for (const mix of MIXES) runs.push(await runMix(loadgen, workload, mix, rates, windowMs));
  } finally {
    await loadgen.close();
  }
  const table = ratios(runs[0]!, runs[1]!);
  for (const r of table) say(`  mixed / JSON-only at ${thousands(r.offeredRate)}/s: server CPU per delivery ${r.cpuPerDelivery}, throughput ${r.throughput}, p50 ${r.p50}`);
  const seconds = (nowMs() - started) / 1000;
  const written = writeResults({
    'protocols.json': jsonText({ benchmark: 'protocols', environment, workload, rates, runs, ratios: table, seconds }),
    'protocols.md': markdown(environment, workload, runs, table, seconds),
  });
  say(`written: ${written.join(', ')} (${Math.round(seconds)} s)`);
}

main().catch((err: unknown) => {
  process.stderr.write(`protocols benchmark failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
