/**
 * The method notes every fan-out report (Markdown and HTML, single run and
 * sweep) carries, written once. Plain text with `code` spans.
 */
import { LOAD_GENERATOR_BOUND, MACHINE_SATURATED, type SustainBounds } from '../step';

/** The paragraphs of "How to read this". */
export function methodNotes(bounds: SustainBounds, workers: number): string[] {
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
    `**LOAD-GENERATOR-BOUND** marks a step where the load generator (${workers} piscina worker threads holding the \`ws\` client connections, plus the publisher) used at least ${LOAD_GENERATOR_BOUND * 100}% of the cores it could have: ` +
      `its ${workers} threads, but no more than the server and other processes left of the machine. It is also set when a worker’s event loop was busy at least ${LOAD_GENERATOR_BOUND * 100}% of the window. ` +
      'Such a figure is the load generator’s limit, not the server’s. A Node load generator cannot saturate uWS on a 2-core machine (bench/README.md has the reasons).',
    `**MACHINE-SATURATED** marks a step where every core was at least ${MACHINE_SATURATED * 100}% busy: the server and the load generator were sharing the CPU, so neither figure is a clean limit. ` +
      '"Others" is CPU used by unrelated processes (a shared VM); a step with a lot of it is disturbed.',
    'p50 repeats within about ±10% between identical runs, but p99 varies 2–5×. Compare ratios taken within one run, not absolute figures across runs or machines.',
  ];
}
