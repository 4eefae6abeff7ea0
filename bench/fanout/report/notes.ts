/**
 * The method notes every fan-out report (Markdown and HTML, single run and
 * sweep) carries, written once. Plain text with `code` spans.
 */
import type { LoadgenKind } from '../generator';
import { LOAD_GENERATOR_BOUND, MACHINE_SATURATED, type SustainBounds } from '../step';

/**
 * The load generator of a run in words. `kind` is absent in results written
 * before the native generator existed: those ran on the Node one.
 * `noPipelining` says how the native one used its API connections; when it is
 * undefined (results written before the option, or a note on every run) the
 * words leave it out. `nice`: the niceness its threads were asked to run at,
 * and the reason when they could not (absent: they ran at the one inherited).
 */
export function describeLoadgen(kind: LoadgenKind | undefined, workers: number, noPipelining?: boolean, nice?: LoadgenNice): string {
  if (kind === 'native') {
    const waits =
      noPipelining === undefined
        ? ''
        : noPipelining
          ? '; without pipelining: a due publication waits for an idle API connection (the wait counts as latency)'
          : '; pipelining: when every API connection has a request in flight, a due publication is sent behind one on the least busy';
    return `the native C load generator (\`bench/native/\`): ${workers} receiver thread${workers === 1 ? '' : 's'} holding the subscriber connections and one publisher thread, each on its own epoll, in a process of its own${waits}${describeNice(nice)}`;
  }
  return `${workers} piscina worker threads holding the \`ws\` client connections, plus the publisher, in the benchmark process`;
}

/** A run's load generator in words, from its options (FanoutOptions's fields of the same names). */
export function describeRunLoadgen(o: {
  readonly loadgen?: LoadgenKind;
  readonly workers: number;
  readonly noPipelining?: boolean;
  readonly loadgenNice?: number;
  readonly loadgenNiceRefused?: string;
}): string {
  return describeLoadgen(o.loadgen, o.workers, o.noPipelining, { asked: o.loadgenNice, refused: o.loadgenNiceRefused });
}

/** The niceness a native load generator was asked for, and what came of it. */
export interface LoadgenNice {
  readonly asked?: number;
  readonly refused?: string;
}

/** `nice` in words ("" when none was asked). */
function describeNice(nice: LoadgenNice | undefined): string {
  if (nice?.asked === undefined) return '';
  if (nice.refused !== undefined) return `; asked to run its threads at niceness ${nice.asked}, which was refused (${nice.refused}), so it ran at the servers' priority and its waits for a core count as latency`;
  return `; its threads at niceness ${nice.asked}, ahead of the servers', so a server that fills every core does not delay its reads`;
}

/** The paragraphs of "How to read this". */
export function methodNotes(bounds: SustainBounds, workers: number, loadgen?: LoadgenKind): string[] {
  return [
    'Only the protocol framing differs between the systems. All of them get the same subscriber connections, the same payloads and the same publisher. ' +
      'The baselines (`bench/baselines/`) implement just the framing of Centrifugo’s JSON protocol: minimal connect and subscribe replies, and publications in the same push envelope, byte for byte. ' +
      'switchyard also does what a real server must: permission checks, channel ownership across shards, reply batching and back-pressure accounting.',
    'The raw uWS yardstick is one thread using uWS’s native topic publish, which writes from C++ and coalesces writes per event-loop turn. ' +
      'The `ws` baseline is a plain Node broadcast loop that encodes the frame once and calls `send` per subscriber.',
    'Latency runs from the *scheduled* send time stamped in each payload to receipt in a load-generator worker, on one monotonic clock. ' +
      'A publisher that falls behind therefore shows up as latency, not as a lighter load (no coordinated omission). ' +
      'The figure includes the publish request (HTTP API or client publish) and up to about 1 ms of the publisher’s timer granularity, the same for every system.',
    `A step is *sustained* when at least ${(bounds.deliveredRatio * 100).toFixed(1)}% of the deliveries due in its window arrived, p99 ≤ ${bounds.p99Ms} ms, no connection was closed and the publisher never had to skip. ` +
      'A step that fails is measured three times and the run with the median p99 stands for it ("median of 3"); the ladder stops at the first step that still fails. Hollow chart markers show such steps.',
    `**LOAD-GENERATOR-BOUND** marks a step where the load generator (${describeLoadgen(loadgen, workers)}) used at least ${LOAD_GENERATOR_BOUND * 100}% of the cores it could have: ` +
      `its threads, but no more than the server and other processes left of the machine. It is also set when one of its threads was busy at least ${LOAD_GENERATOR_BOUND * 100}% of the window (event loop, or time outside \`epoll_wait\`). ` +
      (loadgen === 'native'
        ? 'Such a figure is the load generator’s limit, not the server’s.'
        : 'Such a figure is the load generator’s limit, not the server’s. A Node load generator cannot saturate uWS on a 2-core machine (bench/README.md has the reasons; `--loadgen native` is the way round it).'),
    `**MACHINE-SATURATED** marks a step where every core was at least ${MACHINE_SATURATED * 100}% busy: the server and the load generator were sharing the CPU, so neither figure is a clean limit. ` +
      '"Others" is CPU used by unrelated processes (a shared VM); a step with a lot of it is disturbed.',
    'p50 repeats within about ±10% between identical runs, but p99 varies 2–5×. Compare ratios taken within one run, not absolute figures across runs or machines.',
  ];
}
