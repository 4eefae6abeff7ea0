/**
 * The one clock every benchmark reading uses: CLOCK_MONOTONIC through
 * process.hrtime, in milliseconds. It is the same clock in every thread and
 * every process of the machine, so a send time stamped by the publisher (main
 * thread) can be subtracted from a receive time read in a load-generator
 * worker, or in another process, exactly. (`performance.timeOrigin +
 * performance.now()` carries a per-thread anchor; on this VM the threads of
 * one process disagreed by 10–20 µs.)
 */

/** Milliseconds on the shared monotonic clock (fractional, ns resolution). */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/** Resolves when the shared clock reaches `atMs` (timer granularity: about 1 ms). */
export function sleepUntil(atMs: number): Promise<void> {
  return sleep(atMs - nowMs());
}
