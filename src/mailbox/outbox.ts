/**
 * The producer side of a shard's mailbox: one ring to every other shard, and
 * for each a bounded overflow queue that takes records while that ring is full.
 * post() never blocks and never drops: it writes, queues, or answers 'full'.
 * A record larger than a quarter of the ring is cut into fragments
 * (fragments.ts) that take the same path, all or none of them.
 */
import { Doorbell } from './doorbell';
import { cutIntoFragments, FRAGMENT_KIND, fragmentedBytes, largestWholeRecord } from './fragments';
import { bodyLength, checkKind, Ring, RECORD_HEADER_BYTES } from './ring';
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
  /** Records written into rings, directly or from an overflow queue; each fragment counts as one. */
  written: number;
  /** Accepted records that were cut into fragments because they are larger than a quarter of the ring. */
  fragmented: number;
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
  private readonly counts = { posted: 0, spilled: 0, full: 0, written: 0, fragmented: 0, wakeups: 0, discarded: 0 };
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
   * returns. A record larger than a quarter of the ring goes as fragments,
   * taken whole or refused whole ('full' when the ring's free room and the
   * overflow's together cannot take them all). Throws a RangeError for a bad
   * `to` or a kind that is not 0–254.
   */
  post(to: number, kind: number, parts: readonly Uint8Array[]): PostResult {
    const peer = this.peer(to);
    if (isQueued(peer)) this.flushPeer(peer);
    if (kind === FRAGMENT_KIND) throw new RangeError(`mailbox record kind ${FRAGMENT_KIND} is reserved for fragments`);
    const length = bodyLength(parts);
    if (RECORD_HEADER_BYTES + length > largestWholeRecord(peer.ring.capacity)) return this.postFragments(peer, kind, parts, length);
    if (!isQueued(peer) && peer.ring.tryWrite(kind, parts)) {
      this.counts.posted++;
      this.counts.written++;
      if (peer.bell.ring()) this.counts.wakeups++;
      return 'ok';
    }
    return this.spill(peer, kind, parts);
  }

  /**
   * Whether a record with a body of `bodyBytes` could ever be taken for shard
   * `to`: whole, or cut into fragments that fit the ring's whole-fragment room
   * plus the overflow limit once both are empty. A larger one is refused
   * 'full' however long its sender waits.
   */
  canEverTake(to: number, bodyBytes: number): boolean {
    const capacity = this.peer(to).ring.capacity;
    const whole = largestWholeRecord(capacity);
    if (RECORD_HEADER_BYTES + bodyBytes <= whole) return true;
    return fragmentedBytes(bodyBytes, capacity) <= capacity - (capacity % whole) + this.overflowLimitBytes;
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

  /** Posts a large record as fragments, all or none: refused ('full') unless ring and overflow can take every one. */
  private postFragments(peer: Peer, kind: number, parts: readonly Uint8Array[], length: number): PostResult {
    checkKind(kind);
    const capacity = peer.ring.capacity;
    const total = fragmentedBytes(length, capacity);
    // Whole fragments only: a fragment never splits across the ring's free room and the overflow.
    const free = isQueued(peer) ? 0 : peer.ring.freeBytes();
    const ringRoom = free - (free % largestWholeRecord(capacity));
    if (total > ringRoom + this.overflowLimitBytes - peer.queuedBytes) {
      this.counts.full++;
      return 'full';
    }
    let wrote = false;
    cutIntoFragments(kind, parts, length, capacity, (fragment, size) => {
      if (!isQueued(peer) && peer.ring.tryWrite(FRAGMENT_KIND, fragment)) {
        this.counts.written++;
        wrote = true;
      } else {
        this.enqueue(peer, FRAGMENT_KIND, fragment, size);
      }
    });
    this.counts.posted++;
    this.counts.fragmented++;
    if (isQueued(peer)) {
      this.counts.spilled++;
      this.scheduleFlush();
    }
    if (wrote && peer.bell.ring()) this.counts.wakeups++;
    return 'ok';
  }

  private spill(peer: Peer, kind: number, parts: readonly Uint8Array[]): PostResult {
    checkKind(kind);
    const size = RECORD_HEADER_BYTES + bodyLength(parts);
    if (peer.queuedBytes + size > this.overflowLimitBytes) {
      this.counts.full++;
      return 'full';
    }
    this.enqueue(peer, kind, parts, size);
    this.counts.posted++;
    this.counts.spilled++;
    this.scheduleFlush();
    return 'ok';
  }

  /** Appends a copy of the record (size: its ring bytes) to the peer's overflow queue; the caller checked the limit. */
  private enqueue(peer: Peer, kind: number, parts: readonly Uint8Array[], size: number): void {
    const body = new Uint8Array(size - RECORD_HEADER_BYTES);
    let offset = 0;
    for (const part of parts) {
      body.set(part, offset);
      offset += part.byteLength;
    }
    peer.queue.push({ kind, parts: [body], size });
    peer.queuedBytes += size;
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
