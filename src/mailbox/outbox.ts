/**
 * The producer side of a shard's mailbox: one ring to every other shard, and
 * for each a bounded overflow queue that takes records while that ring is full.
 * post() never blocks and never drops: it writes, queues, or answers 'full'.
 */
import { Doorbell } from './doorbell';
import { bodyLength, checkKind, recordTooLarge, Ring, RECORD_HEADER_BYTES } from './ring';
import { checkShard, ringBuffer, type MailboxWiring } from './wiring';

/**
 * What post() did with a record. 'ok': written to the ring, or queued in the
 * overflow behind earlier records. 'full': the ring is full and the overflow
 * is at its byte limit; the record was not taken and the caller decides.
 */
export type PostResult = 'ok' | 'full';

/** Counters of an Outbox since it was created; counts are records unless named bytes. */
export interface OutboxStats {
  /** post() calls that returned 'ok'. */
  posted: number;
  /** Accepted records that went to an overflow queue (ring full, or records already queued). */
  spilled: number;
  /** post() calls that returned 'full'. */
  full: number;
  /** Records written into rings, directly or from an overflow queue. */
  written: number;
  /** Times this outbox woke a sleeping consumer (one Atomics.notify each). */
  wakeups: number;
  /** Queued records dropped by replacePeer() or close(), because their consumer was gone. */
  discarded: number;
  /** Records waiting in the overflow queues now, all peers together. */
  queuedRecords: number;
  /** Bytes waiting in the overflow queues now (5-byte record header + body each). */
  queuedBytes: number;
}

/** Milliseconds between attempts to move overflow records into a full ring. */
const FLUSH_INTERVAL_MS = 1;
/** Consumed queue slots tolerated at the head before the array is compacted. */
const COMPACT_AFTER = 1024;

/** A record waiting for room, its body copied because the caller may reuse its buffers. */
interface Spilled {
  readonly kind: number;
  readonly parts: readonly [Uint8Array];
  /** Record bytes: header + body. */
  readonly size: number;
}

/** One destination shard: its ring, its doorbell, and the overflow that waits for room. */
interface Peer {
  ring: Ring;
  readonly bell: Doorbell;
  queue: (Spilled | undefined)[];
  /** Index of the oldest waiting record in queue. */
  head: number;
  /** Sum of the waiting records' sizes in bytes. */
  queuedBytes: number;
}

function isQueued(peer: Peer): boolean {
  return peer.head < peer.queue.length;
}

/** Sends records from this shard (wiring.shardId) to the others. */
export class Outbox {
  private readonly peers: (Peer | null)[] = [];
  private readonly overflowLimitBytes: number;
  private readonly shardId: number;
  private readonly counts = { posted: 0, spilled: 0, full: 0, written: 0, wakeups: 0, discarded: 0 };
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  /**
   * overflowLimitBytes bounds each destination's overflow queue, counting 5 +
   * body bytes per record; zero means no overflow (post answers 'full' as soon
   * as the ring is full).
   */
  constructor(wiring: MailboxWiring, overflowLimitBytes: number) {
    checkShard(wiring, wiring.shardId, 'wiring.shardId');
    if (!Number.isInteger(overflowLimitBytes) || overflowLimitBytes < 0) {
      throw new RangeError(`overflowLimitBytes must be a non-negative integer (got ${overflowLimitBytes})`);
    }
    this.shardId = wiring.shardId;
    this.overflowLimitBytes = overflowLimitBytes;
    for (let to = 0; to < wiring.shardCount; to++) {
      this.peers.push(
        to === this.shardId
          ? null
          : {
              ring: new Ring(ringBuffer(wiring, this.shardId, to)),
              bell: new Doorbell(wiring.doorbells, to),
              queue: [],
              head: 0,
              queuedBytes: 0,
            },
      );
    }
  }

  /**
   * Sends one record (kind 0–255, body = parts concatenated) to shard `to`,
   * after every record posted to it before. The parts may be reused once this
   * returns. Throws a RangeError for a bad `to` or kind, or a record that can
   * never fit the ring.
   */
  post(to: number, kind: number, parts: readonly Uint8Array[]): PostResult {
    const peer = this.peer(to);
    if (isQueued(peer)) this.flushPeer(peer);
    if (!isQueued(peer) && peer.ring.tryWrite(kind, parts)) {
      this.counts.posted++;
      this.counts.written++;
      if (peer.bell.ring()) this.counts.wakeups++;
      return 'ok';
    }
    return this.spill(peer, kind, parts);
  }

  /** Whether any record waits in an overflow queue now (stats().queuedRecords > 0, without building the stats: the publish path asks per publication). */
  hasQueued(): boolean {
    for (const peer of this.peers) if (peer !== null && isQueued(peer)) return true;
    return false;
  }

  /** Counters since creation, plus what waits in the overflow now. */
  stats(): OutboxStats {
    let queuedRecords = 0;
    let queuedBytes = 0;
    for (const peer of this.peers) {
      if (peer === null) continue;
      queuedRecords += peer.queue.length - peer.head;
      queuedBytes += peer.queuedBytes;
    }
    return { ...this.counts, queuedRecords, queuedBytes };
  }

  /**
   * Switches shard `peer` to a fresh ring (see rewire()) after it restarted.
   * Records still queued for the old incarnation are dropped and counted as
   * discarded; returns how many.
   */
  replacePeer(peer: number, toPeer: SharedArrayBuffer): number {
    const state = this.peer(peer);
    const discarded = this.discard(state);
    state.ring = new Ring(toPeer);
    return discarded;
  }

  /** Stops the flush timer and drops what is still queued (counted as discarded); returns how many. post() throws afterwards. */
  close(): number {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    let discarded = 0;
    for (const peer of this.peers) if (peer !== null) discarded += this.discard(peer);
    return discarded;
  }

  private peer(to: number): Peer {
    if (this.closed) throw new Error('outbox is closed');
    const peer = this.peers[to];
    if (peer == null) {
      throw new RangeError(`post target must be another shard, 0 to ${this.peers.length - 1} except ${this.shardId} (got ${to})`);
    }
    return peer;
  }

  private spill(peer: Peer, kind: number, parts: readonly Uint8Array[]): PostResult {
    const length = bodyLength(parts);
    if (RECORD_HEADER_BYTES + length > peer.ring.capacity) throw recordTooLarge(length, peer.ring.capacity);
    checkKind(kind);
    const size = RECORD_HEADER_BYTES + length;
    if (peer.queuedBytes + size > this.overflowLimitBytes) {
      this.counts.full++;
      return 'full';
    }
    const body = new Uint8Array(length);
    let offset = 0;
    for (const part of parts) {
      body.set(part, offset);
      offset += part.byteLength;
    }
    peer.queue.push({ kind, parts: [body], size });
    peer.queuedBytes += size;
    this.counts.posted++;
    this.counts.spilled++;
    this.scheduleFlush();
    return 'ok';
  }

  /** Moves queued records into the ring while they fit; true when the queue is empty. */
  private flushPeer(peer: Peer): boolean {
    let wrote = false;
    while (isQueued(peer)) {
      const record = peer.queue[peer.head]!;
      if (!peer.ring.tryWrite(record.kind, record.parts)) break;
      peer.queue[peer.head++] = undefined;
      peer.queuedBytes -= record.size;
      this.counts.written++;
      wrote = true;
    }
    if (!isQueued(peer)) {
      peer.queue = [];
      peer.head = 0;
    } else if (peer.head >= COMPACT_AFTER && peer.head * 2 >= peer.queue.length) {
      peer.queue.splice(0, peer.head);
      peer.head = 0;
    }
    if (wrote && peer.bell.ring()) this.counts.wakeups++;
    return !isQueued(peer);
  }

  // The timer stays referenced while records wait: they are pending work, like
  // buffered socket writes. It stops by itself once every queue is empty.
  private scheduleFlush(): void {
    if (this.timer === undefined) this.timer = setTimeout(this.onFlushTimer, FLUSH_INTERVAL_MS);
  }

  private readonly onFlushTimer = (): void => {
    this.timer = undefined;
    let pending = false;
    for (const peer of this.peers) if (peer !== null && !this.flushPeer(peer)) pending = true;
    if (pending) this.scheduleFlush();
  };

  private discard(peer: Peer): number {
    const dropped = peer.queue.length - peer.head;
    peer.queue = [];
    peer.head = 0;
    peer.queuedBytes = 0;
    this.counts.discarded += dropped;
    return dropped;
  }
}
