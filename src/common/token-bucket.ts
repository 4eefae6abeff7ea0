/**
 * Token buckets for per-connection rate limits. A bucket holds at most
 * `rate` tokens and regains `rate` every `interval` ms, evenly; a set of
 * buckets lets an action through only when every bucket has a token (e.g.
 * 10 per second and 100 per minute together).
 */

/** One bucket's shape: `rate` tokens per `interval` ms, also its capacity. */
export interface BucketSpec {
  readonly interval: number;
  readonly rate: number;
}

/** The buckets of one limit for one connection. */
export class TokenBuckets {
  private readonly tokens: number[];
  private readonly refilledAt: number[];

  constructor(
    private readonly specs: readonly BucketSpec[],
    now: number,
  ) {
    this.tokens = specs.map((s) => s.rate);
    this.refilledAt = specs.map(() => now);
  }

  /** Takes a token from every bucket when each has one; false, taking none, when one is empty. */
  take(now: number): boolean {
    this.refill(now);
    for (const t of this.tokens) if (t < 1) return false;
    for (let i = 0; i < this.tokens.length; i++) this.tokens[i]! -= 1;
    return true;
  }

  /** Takes a token from every bucket that has one (the action goes ahead anyway); false when one was empty. */
  charge(now: number): boolean {
    this.refill(now);
    let all = true;
    for (let i = 0; i < this.tokens.length; i++) {
      if (this.tokens[i]! >= 1) this.tokens[i]! -= 1;
      else all = false;
    }
    return all;
  }

  private refill(now: number): void {
    for (let i = 0; i < this.specs.length; i++) {
      const { interval, rate } = this.specs[i]!;
      const elapsed = now - this.refilledAt[i]!;
      if (elapsed <= 0) continue;
      this.tokens[i] = Math.min(rate, this.tokens[i]! + (elapsed * rate) / interval);
      this.refilledAt[i] = now;
    }
  }
}
