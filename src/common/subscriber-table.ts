/**
 * Which shards have subscribers of which channels, shared by every shard of a
 * process, and the process's publication stamp counter: the two pieces of
 * shared memory the direct publish path needs (docs/architecture.md, Publish).
 *
 *   SharedArrayBuffer, Int32 slots
 *   slot 0                 STAMP: the last publication stamp taken (wraps at 2^32)
 *   slots 1–15             unused (STAMP alone on its 64-byte cache line)
 *   slots 16 + 2b          JSON bits of bucket b: bit i set = shard i may have JSON subscribers
 *   slots 16 + 2b + 1      Protobuf bits of bucket b: the same for Protobuf subscribers
 *   (b = channel hash mod BUCKETS)
 *
 * A bucket holds every channel whose hash falls in it, so a set bit means
 * "shard i has subscribers of some channel of this bucket": a false positive
 * costs one record the shard finds nobody for, never a lost publication.
 * Shard i writes only bit i (Atomics.or / Atomics.and), and keeps its own
 * count of local channels per bucket and protocol, so it clears the bit only
 * when its last channel of the bucket is gone. The acceptor clears every bit
 * of a crashed shard (clearShard) before its replacement starts.
 */

/** Int32 slot of the publication stamp counter. */
export const STAMP = 0;
/** First Int32 slot of the buckets (slot 16 = byte 64: a cache line after STAMP). */
export const FIRST_BUCKET = 16;
/** Channel-hash buckets: a power of two. */
export const BUCKETS = 4096;
/** Int32 slots per bucket: one per protocol (JSON, Protobuf). */
const SLOTS_PER_BUCKET = 2;
/** Most shards the table has a bit for; with more, the direct path is off. */
export const MAX_TABLE_SHARDS = 32;

/** Protocol index in a bucket: 0 JSON, 1 Protobuf. */
export type ProtocolIndex = 0 | 1;

/** The shared table as one thread sees it. */
export class SubscriberTable {
  private readonly slots: Int32Array;
  /** This thread's own channel counts per bucket slot (only for the shard that writes its bit). */
  private counts: Uint32Array | null = null;

  /** Makes the buffer (the acceptor does, once per process). */
  static create(): SharedArrayBuffer {
    return new SharedArrayBuffer((FIRST_BUCKET + BUCKETS * SLOTS_PER_BUCKET) * Int32Array.BYTES_PER_ELEMENT);
  }

  constructor(readonly buffer: SharedArrayBuffer) {
    this.slots = new Int32Array(buffer);
  }

  /** A new stamp: later than every stamp taken before this call returned, in any thread (compare with stampBefore). */
  stamp(): number {
    return (Atomics.add(this.slots, STAMP, 1) + 1) | 0;
  }

  /** The bucket of a channel hash (ownerOf's channelHash). */
  static bucketOf(hash: number): number {
    return hash & (BUCKETS - 1);
  }

  /** The shards that may have subscribers of a channel of `bucket` in protocol `protocol`, as a bit mask (bit i = shard i). */
  shards(bucket: number, protocol: ProtocolIndex): number {
    return Atomics.load(this.slots, FIRST_BUCKET + bucket * SLOTS_PER_BUCKET + protocol);
  }

  /** Shard `shard` gained a local channel of `bucket` with subscribers in `protocol`: its bit is set when it is the first. */
  add(bucket: number, protocol: ProtocolIndex, shard: number): void {
    const slot = FIRST_BUCKET + bucket * SLOTS_PER_BUCKET + protocol;
    const counts = this.ownCounts();
    const at = slot - FIRST_BUCKET;
    counts[at] = counts[at]! + 1;
    if (counts[at] === 1) Atomics.or(this.slots, slot, 1 << shard);
  }

  /** Shard `shard` lost one such channel: its bit is cleared with the last. */
  remove(bucket: number, protocol: ProtocolIndex, shard: number): void {
    const slot = FIRST_BUCKET + bucket * SLOTS_PER_BUCKET + protocol;
    const counts = this.ownCounts();
    const at = slot - FIRST_BUCKET;
    if (counts[at] === 0) return;
    counts[at] = counts[at]! - 1;
    if (counts[at] === 0) Atomics.and(this.slots, slot, ~(1 << shard));
  }

  /** Clears every bit of `shard` (the acceptor, for a crashed shard, before its replacement starts). */
  clearShard(shard: number): void {
    const mask = ~(1 << shard);
    for (let slot = FIRST_BUCKET; slot < this.slots.length; slot++) Atomics.and(this.slots, slot, mask);
  }

  /** Buckets in which `shard`'s bit is set, over both protocols (for tests and stats). */
  bucketsOf(shard: number): number {
    let n = 0;
    for (let slot = FIRST_BUCKET; slot < this.slots.length; slot++) if ((Atomics.load(this.slots, slot) & (1 << shard)) !== 0) n++;
    return n;
  }

  private ownCounts(): Uint32Array {
    if (this.counts === null) this.counts = new Uint32Array(BUCKETS * SLOTS_PER_BUCKET);
    return this.counts;
  }
}

/** Whether stamp `a` was taken before stamp `b` (wrap-around safe while they are less than 2^31 apart). */
export function stampBefore(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}
