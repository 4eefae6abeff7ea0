/**
 * Mailbox benchmark: the shared-memory ring (doorbell wake-up, batch drain,
 * lingering before sleep) against the same ring without the linger (the
 * behaviour before it) and per-message postMessage, between two worker
 * threads, in one run.
 *
 * - Throughput: the producer sends N 100-byte messages as fast as it can
 *   (yielding to its event loop every 1,024, and whenever the ring answers
 *   'full'); msgs/s = N / (consumer's last receive − producer's first send).
 * - One-way latency: the producer (another thread, as a peer shard is) offers
 *   a steady PARAMS.latencyRate msgs/s, napping between sends, and stamps each
 *   message with its scheduled send time; the consumer subtracts it from its
 *   receive time. Both readings come from process.hrtime (CLOCK_MONOTONIC, one
 *   clock for every thread of the process). The percentiles leave out the
 *   messages scheduled in the first PARAMS.latencyWarmupSeconds (both threads
 *   just started: their code is still being compiled, and every message of
 *   the first 20 ms or so took over 1 ms); the p99 of the whole run is
 *   reported next to them.
 * - Single-thread costs (tinybench): ring write+read per record, msgpack.
 *
 * Each cross-thread measure runs `repetitions` times, all ten in each
 * repetition (see measureAll); the median is reported. Results go to
 * bench/results/mailbox.json and mailbox.md, stamped with commit, Node version
 * and CPU, and with the share of the cores other processes used meanwhile
 * (see contention.ts).
 */
import path from 'node:path';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { createWiring } from '../../src/mailbox/mailbox';
import { jsonText, say, writeResults } from '../common/output';
import { median, round } from '../common/stats';
import { measureContention } from './contention';
import { describeEnvironment } from './environment';
import { runMicro, type MicroResult } from './micro';
import { LINGER, type Mechanism } from './mechanisms';
import type { ConsumerReport, ProducerReport, WorkerOptions } from './worker';

const PARAMS = Object.freeze({
  messageBytes: 100,
  ringCapacity: 1 << 20,
  ringBatch: 1024,
  overflowLimitBytes: 1 << 20,
  /** Messages per throughput run, per mechanism (postMessage is about 10× slower). */
  throughputCount: { ring: 2_000_000, ringSpin: 2_000_000, ringNap: 2_000_000, ringNoLinger: 2_000_000, postMessage: 300_000 } as Record<Mechanism, number>,
  /** Offered load of the latency runs, msgs/s: below what either mechanism sustains. */
  latencyRate: 50_000,
  /** Length of a latency run, s. */
  latencySeconds: 4,
  /** Start of a latency run left out of its percentiles (threads warming up), s. */
  latencyWarmupSeconds: 0.5,
  repetitions: 3,
  microTimeMs: 700,
});

/** One cross-thread run's figures. */
interface RunResult {
  msgsPerSecond: number;
  /** Latency percentiles in µs after the warm-up (latency runs only). */
  p50?: number;
  p99?: number;
  p999?: number;
  /** p99 in µs over the whole run, warm-up included. */
  p99WholeRun?: number;
  /** Consumer wake-ups per 1,000 messages (ring only). */
  wakeupsPer1000: number;
  fullAnswers: number;
}

/** Starts a worker and resolves with the last message it posts before exiting with code 0. */
function spawn<T>(options: WorkerOptions, transfer: MessagePort[], onReady?: () => void): { worker: Worker; done: Promise<T> } {
  const worker = new Worker(path.join(__dirname, 'worker.js'), { workerData: options, transferList: transfer });
  const done = new Promise<T>((resolve, reject) => {
    let report: T | undefined;
    worker.on('message', (message: T | 'ready') => {
      if (message === 'ready') onReady?.();
      else report = message;
    });
    worker.once('error', reject);
    worker.once('exit', (code) => (code === 0 && report ? resolve(report) : reject(new Error(`${options.role} exited with ${code}`))));
  });
  return { worker, done };
}

async function runPair(mechanism: Mechanism, count: number, rate: number): Promise<RunResult> {
  const stamp = rate > 0;
  const base = {
    mechanism,
    count,
    rate,
    stamp,
    messageBytes: PARAMS.messageBytes,
    ringBatch: PARAMS.ringBatch,
    overflowLimitBytes: PARAMS.overflowLimitBytes,
  };
  let consumerSide: Partial<WorkerOptions> = {};
  let producerSide: Partial<WorkerOptions> = {};
  let transfer: [MessagePort[], MessagePort[]] = [[], []];
  if (mechanism !== 'postMessage') {
    const wiring = createWiring(2, PARAMS.ringCapacity);
    producerSide = { wiring: { ...wiring, shardId: 0 } };
    consumerSide = { wiring: { ...wiring, shardId: 1 } };
  } else {
    const { port1, port2 } = new MessageChannel();
    producerSide = { port: port1 };
    consumerSide = { port: port2 };
    transfer = [[port1], [port2]];
  }

  let startProducer = (): void => {};
  const ready = new Promise<void>((resolve) => (startProducer = resolve));
  const consumer = spawn<ConsumerReport>({ ...base, ...consumerSide, role: 'consumer' }, transfer[1], startProducer);
  await ready;
  const producer = spawn<ProducerReport>({ ...base, ...producerSide, role: 'producer' }, transfer[0]);
  producer.worker.postMessage('go');
  const [sent, received] = await Promise.all([producer.done, consumer.done]);

  const result: RunResult = {
    msgsPerSecond: count / ((received.finishedAt - sent.startedAt) / 1e6),
    wakeupsPer1000: (received.wakeups * 1000) / count,
    fullAnswers: sent.fullAnswers,
  };
  if (stamp) {
    const warm = Math.floor(rate * PARAMS.latencyWarmupSeconds);
    const steady = received.latencies.slice(warm).sort();
    result.p50 = percentile(steady, 0.5);
    result.p99 = percentile(steady, 0.99);
    result.p999 = percentile(steady, 0.999);
    result.p99WholeRun = percentile(received.latencies.sort(), 0.99);
  }
  return result;
}

/** Nearest-rank percentile of ascending values. */
function percentile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

/** The runs of one repetition, in order: throughput and latency, the mechanisms alternating. */
const PLAN: readonly { measure: 'throughput' | 'latency'; mechanism: Mechanism }[] = [
  { measure: 'throughput', mechanism: 'ring' },
  { measure: 'throughput', mechanism: 'ringSpin' },
  { measure: 'throughput', mechanism: 'ringNap' },
  { measure: 'throughput', mechanism: 'ringNoLinger' },
  { measure: 'throughput', mechanism: 'postMessage' },
  { measure: 'latency', mechanism: 'ring' },
  { measure: 'latency', mechanism: 'ringSpin' },
  { measure: 'latency', mechanism: 'ringNap' },
  { measure: 'latency', mechanism: 'ringNoLinger' },
  { measure: 'latency', mechanism: 'postMessage' },
];

type Runs = Record<'throughput' | 'latency', Record<Mechanism, RunResult[]>>;

/**
 * Every measure, `repetitions` times over. Each repetition runs all four, so
 * a burst of load from other processes spoils one repetition of each rather
 * than every run of one measure, and the median leaves it out.
 */
async function measureAll(): Promise<Runs> {
  const runs: Runs = {
    throughput: { ring: [], ringSpin: [], ringNap: [], ringNoLinger: [], postMessage: [] },
    latency: { ring: [], ringSpin: [], ringNap: [], ringNoLinger: [], postMessage: [] },
  };
  const latencyCount = PARAMS.latencyRate * PARAMS.latencySeconds;
  for (let rep = 1; rep <= PARAMS.repetitions; rep++) {
    for (const { measure, mechanism } of PLAN) {
      const run =
        measure === 'throughput'
          ? await runPair(mechanism, PARAMS.throughputCount[mechanism], 0)
          : await runPair(mechanism, latencyCount, PARAMS.latencyRate);
      runs[measure][mechanism].push(run);
      const latency =
        run.p50 === undefined ? '' : `  p50 ${run.p50.toFixed(1)} µs  p99 ${run.p99!.toFixed(1)} µs  p99.9 ${run.p999!.toFixed(1)} µs  (whole run p99 ${run.p99WholeRun!.toFixed(1)} µs)`;
      say(`  #${rep} ${measure.padEnd(10)} ${mechanism.padEnd(12)} ${round(run.msgsPerSecond).toLocaleString('en-US').padStart(10)} msgs/s${latency}`);
    }
  }
  return runs;
}

function summarize(runs: RunResult[]) {
  return {
    runs: runs.map((r) => ({
      msgsPerSecond: round(r.msgsPerSecond),
      ...(r.p50 === undefined
        ? {}
        : { p50Micros: round(r.p50, 1), p99Micros: round(r.p99!, 1), p999Micros: round(r.p999!, 1), p99WholeRunMicros: round(r.p99WholeRun!, 1) }),
      wakeupsPer1000: round(r.wakeupsPer1000, 2),
      fullAnswers: r.fullAnswers,
    })),
    medianMsgsPerSecond: round(median(runs.map((r) => r.msgsPerSecond))),
    medianP50Micros: runs[0]?.p50 === undefined ? undefined : round(median(runs.map((r) => r.p50!)), 1),
    medianP99Micros: runs[0]?.p99 === undefined ? undefined : round(median(runs.map((r) => r.p99!)), 1),
    medianP999Micros: runs[0]?.p999 === undefined ? undefined : round(median(runs.map((r) => r.p999!)), 1),
    medianP99WholeRunMicros: runs[0]?.p99WholeRun === undefined ? undefined : round(median(runs.map((r) => r.p99WholeRun!)), 1),
    medianWakeupsPer1000: round(median(runs.map((r) => r.wakeupsPer1000)), 2),
  };
}

type Summary = ReturnType<typeof summarize>;

/** Share of the cores used by other processes above which the markdown warns. */
const BUSY_SHARE = 0.05;

function share(value: number | null): string {
  return value === null ? 'an unknown share' : `${(value * 100).toFixed(1)}%`;
}

/** Ratios of one measure: the lingering ring against the ring without linger (before) and against postMessage. */
interface Ratios {
  /** throughput: ring / ringNoLinger (≥ 1 means no loss). */
  ratio: number;
  /** ring / postMessage. */
  postMessageRatio: number;
}

/** Latency ratios: ring / ringNoLinger (lower is better) and ring / postMessage. */
interface LatencyRatios {
  p50Ratio: number;
  p99Ratio: number;
  p50PostMessageRatio: number;
  p99PostMessageRatio: number;
}

function markdown(result: {
  environment: ReturnType<typeof describeEnvironment>;
  othersCpuShare: number | null;
  throughput: Record<Mechanism, Summary> & Ratios;
  latency: Record<Mechanism, Summary> & LatencyRatios;
  micro: MicroResult[];
}): string {
  const { environment: env, throughput: t, latency: l } = result;
  const n = (x: number | undefined) => (x === undefined ? 'n/a' : x.toLocaleString('en-US'));
  const lines = [
    '# Mailbox benchmark',
    '',
    `Commit ${env.commit}, Node ${env.node}, ${env.cpu} × ${env.cores}, ${env.platform}, ${env.date}.` +
      ` Other processes used ${share(result.othersCpuShare)} of the cores during the run.`,
    `Two worker threads, ${PARAMS.messageBytes}-byte messages; medians of ${PARAMS.repetitions} runs each, the three mechanisms alternating.`,
    `"ring" is the Inbox with its linger (LINGERING_INBOX_TIMING; shards run without it, as "no linger"): for ${LINGER.ring.lingerMicros} µs after its last record it lingers, spinning (one look per event-loop turn) for the first ${LINGER.ring.spinMicros} µs,` +
      ` then napping (Atomics.wait of at most ${LINGER.ring.napMicros} µs, woken by a notify) between looks, then sleeps on its doorbell;` +
      ' "spin" spins the whole linger, "nap" naps the whole linger; "no linger" sleeps as soon as the rings are empty (what shards run): the ratio of one run.',
    `Latency is measured from each message's scheduled send time (the producer is paced at ${n(PARAMS.latencyRate)} msgs/s and naps between sends), over runs of ${PARAMS.latencySeconds} s;` +
      ` the percentiles leave out the first ${PARAMS.latencyWarmupSeconds} s (both threads just started), whose p99 the "whole run" row includes.`,
    'Produced by `npm run bench:mailbox` (bench/mailbox/index.ts, which explains the method).',
    '',
    '| measure | ring (batch ' + PARAMS.ringBatch + ') | ring, spin | ring, nap | ring, no linger (before) | postMessage (per message) | ring / no linger | ring / postMessage |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    `| throughput, msgs/s | ${n(t.ring.medianMsgsPerSecond)} | ${n(t.ringSpin.medianMsgsPerSecond)} | ${n(t.ringNap.medianMsgsPerSecond)} | ${n(t.ringNoLinger.medianMsgsPerSecond)} | ${n(t.postMessage.medianMsgsPerSecond)} | ${t.ratio.toFixed(2)}× | ${t.postMessageRatio.toFixed(2)}× |`,
    `| one-way latency p50 at ${n(PARAMS.latencyRate)} msgs/s, µs | ${n(l.ring.medianP50Micros)} | ${n(l.ringSpin.medianP50Micros)} | ${n(l.ringNap.medianP50Micros)} | ${n(l.ringNoLinger.medianP50Micros)} | ${n(l.postMessage.medianP50Micros)} | ${l.p50Ratio.toFixed(3)} | ${l.p50PostMessageRatio.toFixed(3)} |`,
    `| one-way latency p99 at ${n(PARAMS.latencyRate)} msgs/s, µs | ${n(l.ring.medianP99Micros)} | ${n(l.ringSpin.medianP99Micros)} | ${n(l.ringNap.medianP99Micros)} | ${n(l.ringNoLinger.medianP99Micros)} | ${n(l.postMessage.medianP99Micros)} | ${l.p99Ratio.toFixed(3)} | ${l.p99PostMessageRatio.toFixed(3)} |`,
    `| one-way latency p99.9 at ${n(PARAMS.latencyRate)} msgs/s, µs | ${n(l.ring.medianP999Micros)} | ${n(l.ringSpin.medianP999Micros)} | ${n(l.ringNap.medianP999Micros)} | ${n(l.ringNoLinger.medianP999Micros)} | ${n(l.postMessage.medianP999Micros)} | | |`,
    `| one-way latency p99 of the whole run, warm-up included, µs | ${n(l.ring.medianP99WholeRunMicros)} | ${n(l.ringSpin.medianP99WholeRunMicros)} | ${n(l.ringNap.medianP99WholeRunMicros)} | ${n(l.ringNoLinger.medianP99WholeRunMicros)} | ${n(l.postMessage.medianP99WholeRunMicros)} | | |`,
    `| wake-ups (notifies that woke the consumer, from sleep or a nap) per 1,000 messages (throughput / latency runs) | ${t.ring.medianWakeupsPer1000} / ${l.ring.medianWakeupsPer1000} | ${t.ringSpin.medianWakeupsPer1000} / ${l.ringSpin.medianWakeupsPer1000} | ${t.ringNap.medianWakeupsPer1000} / ${l.ringNap.medianWakeupsPer1000} | ${t.ringNoLinger.medianWakeupsPer1000} / ${l.ringNoLinger.medianWakeupsPer1000} | n/a | | |`,
    '',
    'Single-thread costs (tinybench):',
    '',
    '| operation | ns per operation | ± % |',
    '|---|---:|---:|',
    ...result.micro.map((m) => `| ${m.name} | ${m.nsPerOperation.toFixed(1)} | ${m.rme.toFixed(1)} |`),
    '',
    'p99 varies 2–5× between identical runs on this kind of VM; compare ratios from one session.',
    ...((result.othersCpuShare ?? 0) >= BUSY_SHARE
      ? [
          '',
          `**Caution:** other processes used ${share(result.othersCpuShare)} of the cores during this run. A woken thread`,
          'may then wait for a time slice, so the latency rows mostly measure that wait; rerun on a quiet machine.',
        ]
      : []),
    '',
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  const environment = describeEnvironment();
  const contention = measureContention();
  say(`mailbox benchmark: ${environment.commit}, Node ${environment.node}, ${environment.cpu} × ${environment.cores}`);

  say(`cross-thread: throughput unpaced, latency at ${PARAMS.latencyRate} msgs/s offered; ${PARAMS.repetitions} repetitions`);
  const { throughput: throughputRuns, latency: latencyRuns } = await measureAll();
  say('single-thread (tinybench):');
  const micro = await runMicro(PARAMS.microTimeMs);
  for (const m of micro) say(`  ${m.name.padEnd(58)} ${m.nsPerOperation.toFixed(1).padStart(8)} ns/op ±${m.rme.toFixed(1)}%`);

  const othersShare = contention();
  const throughput = {
    ring: summarize(throughputRuns.ring),
    ringSpin: summarize(throughputRuns.ringSpin),
    ringNap: summarize(throughputRuns.ringNap),
    ringNoLinger: summarize(throughputRuns.ringNoLinger),
    postMessage: summarize(throughputRuns.postMessage),
  };
  const latency = {
    ring: summarize(latencyRuns.ring),
    ringSpin: summarize(latencyRuns.ringSpin),
    ringNap: summarize(latencyRuns.ringNap),
    ringNoLinger: summarize(latencyRuns.ringNoLinger),
    postMessage: summarize(latencyRuns.postMessage),
  };
  const result = {
    benchmark: 'mailbox',
    environment,
    threads: 2,
    // Share of all cores that other processes used during the run: above a few percent, distrust the latency rows.
    othersCpuShare: othersShare === null ? null : round(othersShare, 3),
    params: { ...PARAMS, linger: LINGER },
    method: {
      clock: 'process.hrtime (CLOCK_MONOTONIC), shared by all threads of the process',
      throughput: 'messages / (consumer last receive - producer first send), producer unpaced',
      latency: `consumer receive time - the message's scheduled send time, producer paced at ${PARAMS.latencyRate} msgs/s, napping (Atomics.wait) between sends; percentiles after the first ${PARAMS.latencyWarmupSeconds} s of each ${PARAMS.latencySeconds} s run (p99WholeRun includes it)`,
      ratios:
        'ratio / p50Ratio / p99Ratio = ring / ringNoLinger (after / before, same run); *PostMessageRatio = ring / postMessage. Throughput: higher is better; latency: lower is better',
    },
    throughput: {
      ...throughput,
      ratio: round(throughput.ring.medianMsgsPerSecond / throughput.ringNoLinger.medianMsgsPerSecond, 2),
      postMessageRatio: round(throughput.ring.medianMsgsPerSecond / throughput.postMessage.medianMsgsPerSecond, 2),
    },
    latency: {
      ...latency,
      p50Ratio: round(latency.ring.medianP50Micros! / latency.ringNoLinger.medianP50Micros!, 3),
      p99Ratio: round(latency.ring.medianP99Micros! / latency.ringNoLinger.medianP99Micros!, 3),
      p50PostMessageRatio: round(latency.ring.medianP50Micros! / latency.postMessage.medianP50Micros!, 3),
      p99PostMessageRatio: round(latency.ring.medianP99Micros! / latency.postMessage.medianP99Micros!, 3),
    },
    micro: micro.map((m) => ({ ...m, nsPerOperation: round(m.nsPerOperation, 1), rme: round(m.rme, 1) })),
  };

  const written = writeResults({ 'mailbox.json': jsonText(result), 'mailbox.md': markdown(result) });
  say(
    `ring / ring without linger: throughput ${result.throughput.ratio}×, latency p50 ${result.latency.p50Ratio}, p99 ${result.latency.p99Ratio}` +
      ` (written to ${written.join(', ')})`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`mailbox benchmark failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
