/**
 * The order in which a shard handles what reaches it: the records of every
 * peer's ring (in ring order) and the items it sends itself (in send order),
 * merged so that fan-out records of different senders are handled in stamp
 * order whenever their order could matter.
 *
 * Why: publications of one channel may reach this shard from several
 * senders (each shard that received an API publish of a channel without
 * owner-side state posts it here directly, and owners post theirs). An API
 * client that waits for each publish answer before the next must see its
 * order kept: pub1 was written to ring A→here before A answered, pub2 was
 * stamped later by B and written to ring B→here. Nothing orders two rings,
 * so this shard must not handle pub2 while pub1 may still be unread in ring A.
 *
 * The rule, for a fan-out record x (stamp s) read from ring r or sent to
 * itself: when x arrives, every other ring that holds unread bytes is noted
 * with its write index (x's watermark). x is handled only once (1) each noted
 * ring was read up to that index and (2) it has the smallest stamp of the
 * records at the heads of the held queues. Any record y written before x was
 * stamped was in its ring before x was written, so before x was read: it is
 * below the watermark, and once read its smaller stamp puts it first.
 * Messages (not fan-outs) carry no stamp; they keep their place in their
 * sender's queue, so a ring's FIFO order (ordering 1) holds for everything.
 *
 * Nothing is held while every other ring is empty, the common case: the
 * record is handled at once, with no copy.
 */
import { READ_INDEX, WRITE_INDEX } from '../../mailbox/ring';
import { stampBefore } from '../../common/subscriber-table';
import { fanoutStamp, type Fanout } from './fanout';
import { RecordKind, type ShardMessage } from './messages';

/** What a shard sends itself: a message, or a fan-out of a channel it owns or published to directly. */
export type SelfItem = { readonly message: ShardMessage; readonly fanout?: undefined } | { readonly message?: undefined; readonly fanout: Fanout };

/** Where released items go. */
export interface ArrivalReceiver {
  /** A record of a peer's ring (the body is valid only during the call). */
  onRecord(from: number, kind: number, body: Uint8Array): void;
  /** Something this shard sent itself. */
  onSelf(item: SelfItem): void;
}

/** A held item: a ring record (its body copied) or a self item, with its stamp and watermark. */
interface Held {
  readonly kind: number;
  readonly body: Uint8Array | null;
  readonly self: SelfItem | null;
  /** Fan-outs only; 0 for messages (not compared). */
  readonly stamp: number;
  readonly isFanout: boolean;
  /** Pairs of (peer, write index) that must be read past first; null when none. */
  readonly watermark: number[] | null;
}

/** A FIFO of held items of one source. */
interface Queue {
  items: Held[];
  head: number;
}

/** The ring header of one peer's ring to this shard, as Int32 slots. */
type RingHeader = Int32Array | null;

/** Orders what a shard receives (see the file comment). */
export class ArrivalOrder {
  /** Index = sending shard; this shard's own index is its self queue. */
  private readonly queues: Queue[] = [];
  private readonly headers: RingHeader[] = [];
  private held = 0;
  private releasing = false;
  private scheduled = false;
  /** Records and self items that had to wait (counter). */
  waited = 0;

  /** rings[from]: the ring from → self (null for self, or when there are none, e.g. a shard built without a mailbox). */
  constructor(
    private readonly self: number,
    rings: readonly (SharedArrayBuffer | null)[],
    private readonly receiver: ArrivalReceiver,
  ) {
    for (let from = 0; from < Math.max(rings.length, self + 1); from++) {
      this.queues.push({ items: [], head: 0 });
      const ring = rings[from] ?? null;
      this.headers.push(from === self || ring === null ? null : new Int32Array(ring, 0, READ_INDEX + 1));
    }
  }

  /** Records held now, all sources together (gauge). */
  get waiting(): number {
    return this.held;
  }

  /** A record read from peer `from`'s ring (from the Inbox). */
  fromRing(from: number, kind: number, body: Uint8Array): void {
    const isFanout = kind === RecordKind.FANOUT;
    if (this.held === 0) {
      if (!isFanout) {
        this.receiver.onRecord(from, kind, body);
        return;
      }
      const watermark = this.watermark(from);
      if (watermark === null) {
        this.receiver.onRecord(from, kind, body);
        return;
      }
      this.hold(from, { kind, body: body.slice(), self: null, stamp: fanoutStamp(body), isFanout, watermark });
    } else {
      this.hold(from, {
        kind,
        body: body.slice(),
        self: null,
        stamp: isFanout ? fanoutStamp(body) : 0,
        isFanout,
        watermark: isFanout ? this.watermark(from) : null,
      });
    }
    this.release();
    this.scheduleRelease();
  }

  /** Something this shard sends itself: handled in a microtask, in order with everything else it sent itself. */
  fromSelf(item: SelfItem): void {
    const isFanout = item.fanout !== undefined;
    this.hold(this.self, {
      kind: isFanout ? RecordKind.FANOUT : RecordKind.MESSAGE,
      body: null,
      self: item,
      stamp: isFanout ? item.fanout.stamp : 0,
      isFanout,
      watermark: isFanout ? this.watermark(this.self) : null,
    });
    this.scheduleRelease();
  }

  /** Peer `from` restarted: its old ring is gone (its unread records dropped), so nothing waits for it any more. */
  replacePeer(from: number, ring: SharedArrayBuffer): void {
    this.headers[from] = new Int32Array(ring, 0, READ_INDEX + 1);
    for (const queue of this.queues) {
      for (let i = queue.head; i < queue.items.length; i++) {
        const item = queue.items[i]!;
        if (item.watermark === null) continue;
        for (let j = 0; j < item.watermark.length; j += 2) if (item.watermark[j] === from) item.watermark[j + 1] = NaN;
      }
    }
    this.scheduleRelease();
  }

  /** The other rings holding unread bytes now, with their write indices; null when none. */
  private watermark(source: number): number[] | null {
    let marks: number[] | null = null;
    for (let peer = 0; peer < this.headers.length; peer++) {
      const header = this.headers[peer];
      if (!header || peer === source) continue;
      const write = Atomics.load(header, WRITE_INDEX);
      if (write === Atomics.load(header, READ_INDEX)) continue;
      (marks ??= []).push(peer, write);
    }
    return marks;
  }

  /** Whether every ring noted in a watermark was read past its mark. */
  private passed(watermark: number[] | null): boolean {
    if (watermark === null) return true;
    for (let j = 0; j < watermark.length; j += 2) {
      const mark = watermark[j + 1]!;
      if (Number.isNaN(mark)) continue;
      const header = this.headers[watermark[j]!]!;
      if (((Atomics.load(header, READ_INDEX) - mark) | 0) < 0) return false;
    }
    watermark.length = 0;
    return true;
  }

  private hold(source: number, item: Held): void {
    this.queues[source]!.items.push(item);
    this.held++;
    this.waited++;
  }

  private scheduleRelease(): void {
    if (this.scheduled || this.held === 0) return;
    this.scheduled = true;
    queueMicrotask(this.onMicrotask);
  }

  private readonly onMicrotask = (): void => {
    this.scheduled = false;
    // What still waits, waits for rings the Inbox has not read yet: their records call fromRing, which looks again.
    this.release();
  };

  /** Hands out every held item whose turn has come (see the file comment). */
  private release(): void {
    if (this.releasing) return;
    this.releasing = true;
    try {
      while (this.held > 0) {
        let best = -1;
        let message = -1;
        for (let source = 0; source < this.queues.length; source++) {
          const queue = this.queues[source]!;
          if (queue.head >= queue.items.length) continue;
          const item = queue.items[queue.head]!;
          if (!item.isFanout) {
            message = source;
            break;
          }
          if (best < 0 || stampBefore(item.stamp, this.queues[best]!.items[this.queues[best]!.head]!.stamp)) best = source;
        }
        const source = message >= 0 ? message : best;
        const queue = this.queues[source]!;
        const item = queue.items[queue.head]!;
        if (item.isFanout && !this.passed(item.watermark)) break;
        this.take(queue);
        if (item.self !== null) this.receiver.onSelf(item.self);
        else this.receiver.onRecord(source, item.kind, item.body!);
      }
    } finally {
      this.releasing = false;
    }
  }

  private take(queue: Queue): void {
    queue.items[queue.head++] = EMPTY;
    this.held--;
    if (queue.head === queue.items.length) {
      queue.items.length = 0;
      queue.head = 0;
    }
  }
}

/** What a taken slot holds until its queue is emptied. */
const EMPTY: Held = Object.freeze({ kind: 0, body: null, self: null, stamp: 0, isFanout: false, watermark: null });
