/**
 * Restart delays for crashed shards: `min` after the first crash, doubling
 * with each crash that follows within the window, capped at `max`.
 */

/** How long a shard must stay up for its crash count to reset, ms. */
export const STABLE_AFTER_MS = 60_000;

/** Tracks one shard's recent crashes. */
export class Backoff {
  private crashes = 0;
  private lastCrashAt = 0;

  /** @param min first delay, ms; @param max longest delay, ms. */
  constructor(
    private readonly min: number,
    private readonly max: number,
  ) {}

  /** Records a crash at `now` (ms) and returns the delay before the restart, ms. */
  next(now: number): number {
    if (now - this.lastCrashAt > STABLE_AFTER_MS) this.crashes = 0;
    this.lastCrashAt = now;
    const delay = Math.min(this.max, this.min * 2 ** this.crashes);
    this.crashes++;
    return delay;
  }
}
