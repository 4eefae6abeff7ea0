/**
 * What one subscriber received of one channel's stream: a count per offset
 * (live or by recovery), the first position it subscribed at, and the
 * duplicates and out-of-order arrivals seen on the way; and the check of
 * that record against the publications the API acknowledged.
 */

/** How a publication reached the subscriber. */
export const enum Via {
  Live = 0,
  Recovery = 1,
}

/** Offsets a failed check lists at most per subscriber. */
const MAX_LISTED = 10;

/** One subscriber's receipts on one channel. */
export class StreamRecord {
  /** Times each offset arrived (index = offset). */
  private counts = new Uint8Array(1024);
  /** Highest offset received so far (0: none). */
  top = 0;
  /** The stream position of the first successful subscribe; publications up to it are not expected. */
  startOffset = -1;
  /** The epoch of the first successful subscribe. */
  epoch = '';
  /** Publications received in pushes. */
  live = 0;
  /** Publications received in subscribe replies (recovery). */
  recovered = 0;
  /** Offsets received more than once. */
  duplicates = 0;
  /** Offsets received after a higher one (not duplicates). */
  outOfOrder = 0;
  /** The first arrivals that were duplicates or out of order, with the highest offset seen before each. */
  readonly anomalies: { offset: number; top: number; via: Via; duplicate: boolean }[] = [];

  /** Notes the subscribe position; the first one fixes where the expected stream starts. */
  subscribedAt(offset: number, epoch: string): void {
    if (this.startOffset >= 0) return;
    this.startOffset = offset;
    this.epoch = epoch;
    if (offset > this.top) this.top = offset;
  }

  /** Notes one publication at `offset`. */
  receive(offset: number, via: Via): void {
    if (via === Via.Live) this.live++;
    else this.recovered++;
    if (offset >= this.counts.length) {
      const grown = new Uint8Array(Math.max(offset + 1, this.counts.length * 2));
      grown.set(this.counts);
      this.counts = grown;
    }
    const seen = this.counts[offset]!;
    if (seen > 0) this.duplicates++;
    else if (offset < this.top) this.outOfOrder++;
    if ((seen > 0 || offset < this.top) && this.anomalies.length < MAX_LISTED) this.anomalies.push({ offset, top: this.top, via, duplicate: seen > 0 });
    if (seen < 255) this.counts[offset] = seen + 1;
    if (offset > this.top) this.top = offset;
  }

  /** Whether `offset` arrived at least once. */
  has(offset: number): boolean {
    return offset < this.counts.length && this.counts[offset]! > 0;
  }

  /**
   * The acknowledged offsets (ascending) after the first subscribe position
   * that never arrived: their count and the first few.
   */
  missing(acked: readonly number[]): { count: number; first: number[] } {
    const first: number[] = [];
    let count = 0;
    for (const offset of acked) {
      if (offset <= this.startOffset || this.has(offset)) continue;
      count++;
      if (first.length < MAX_LISTED) first.push(offset);
    }
    return { count, first };
  }
}
