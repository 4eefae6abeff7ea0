/**
 * Counters one process shares between its acceptor and its shards, in one
 * SharedArrayBuffer of named slots the acceptor makes and hands every shard:
 * what the per-process limits (`client.connection_limit`,
 * `client.connection_rate_limit`) and the file-descriptor guard count.
 *
 *   bytes 0–7   RATE_WINDOW     BigInt64: this second's new connections, second << 32 | count
 *   Int32 slots after it:
 *   slot  0  FD_OPEN         open file descriptors at the acceptor's last sample
 *   slot  1  FD_LIMIT        RLIMIT_NOFILE (soft), 0 when unknown
 *   slot  2  CONNS_AT_SAMPLE connections of all shards at that sample
 *   slot  3+i                connections open on shard i (only shard i writes it)
 *
 * Nothing here blocks: a shard writes only its own slot (Atomics.store), and
 * the rate window is one compare-and-swap loop that retries only when another
 * shard changed the slot in between. Reads of other shards' slots may be a
 * moment old, so two shards admitting at the same instant can overshoot
 * `connection_limit` by at most one connection each (Centrifugo's check is
 * not atomic either).
 */

/** Bytes of the BigInt64 per-second connection counter at the start of the buffer. */
const RATE_WINDOW_BYTES = 8;
/** Int32 slot of the sampled count of open file descriptors. */
export const FD_OPEN = 0;
/** Int32 slot of the process's file-descriptor limit. */
export const FD_LIMIT = 1;
/** Int32 slot of the total connections at the time of the fd sample. */
export const CONNS_AT_SAMPLE = 2;
/** First per-shard connection slot: shard i uses SHARD_CONNECTIONS + i. */
export const SHARD_CONNECTIONS = 3;

const COUNT_MASK = 0xffffffffn;

/**
 * File descriptors kept free for `/health`, the API, Redis and proxies when
 * client connections are refused near the limit: 1/16 of the limit, at least
 * 16, at most 1024.
 */
export function fdReserve(limit: number): number {
  return Math.min(1024, Math.max(16, Math.floor(limit / 16)));
}

/** The shared counters as one thread sees them. */
export class ProcessCounters {
  private readonly slots: Int32Array;
  private readonly rate: BigInt64Array;

  /** Makes the buffer for a process with `shardCount` shards (the acceptor does, once). */
  static create(shardCount: number): SharedArrayBuffer {
    return new SharedArrayBuffer(RATE_WINDOW_BYTES + (SHARD_CONNECTIONS + shardCount) * Int32Array.BYTES_PER_ELEMENT);
  }

  constructor(
    readonly buffer: SharedArrayBuffer,
    readonly shardCount: number,
  ) {
    this.rate = new BigInt64Array(buffer, 0, 1);
    this.slots = new Int32Array(buffer, RATE_WINDOW_BYTES);
  }

  /** Sets how many connections shard `shard` holds (each shard writes its own slot). */
  setShardConnections(shard: number, count: number): void {
    Atomics.store(this.slots, SHARD_CONNECTIONS + shard, count);
  }

  /** Connections open on all shards of the process. */
  totalConnections(): number {
    let sum = 0;
    for (let i = 0; i < this.shardCount; i++) sum += Atomics.load(this.slots, SHARD_CONNECTIONS + i);
    return sum;
  }

  /**
   * Counts one new connection against `perSecond` in the current whole second
   * (`nowMs`); false, counting nothing, when the second's budget is spent.
   */
  admitRate(perSecond: number, nowMs: number): boolean {
    const second = BigInt(Math.floor(nowMs / 1000));
    for (;;) {
      const seen = Atomics.load(this.rate, 0);
      const count = seen >> 32n === second ? Number(seen & COUNT_MASK) : 0;
      if (count >= perSecond) return false;
      const next = (second << 32n) | BigInt(count + 1);
      if (Atomics.compareExchange(this.rate, 0, seen, next) === seen) return true;
    }
  }

  /** Records a file-descriptor sample (acceptor): open fds, the limit, and the connections at that moment. */
  recordFdSample(open: number, limit: number): void {
    Atomics.store(this.slots, CONNS_AT_SAMPLE, this.totalConnections());
    Atomics.store(this.slots, FD_LIMIT, limit);
    Atomics.store(this.slots, FD_OPEN, open);
  }

  /**
   * Open file descriptors now, estimated from the last sample plus the
   * connections opened since (each holds one socket); 0 before any sample.
   */
  estimatedOpenFds(): number {
    const sampled = Atomics.load(this.slots, FD_OPEN);
    if (sampled === 0) return 0;
    return sampled + Math.max(0, this.totalConnections() - Atomics.load(this.slots, CONNS_AT_SAMPLE));
  }

  /** The file-descriptor limit of the process, 0 when unknown. */
  fdLimit(): number {
    return Atomics.load(this.slots, FD_LIMIT);
  }
}
