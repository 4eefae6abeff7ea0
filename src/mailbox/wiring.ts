/**
 * The shared memory that connects the shards' mailboxes: one ring for each
 * ordered pair of shards (i → j, i ≠ j) and one doorbells buffer. It is plain
 * data, so it crosses to worker threads through workerData or postMessage, and
 * the SharedArrayBuffers in it are shared, not copied.
 */
import { allocateDoorbells } from './doorbell';
import { Ring } from './ring';

/** The buffers every shard receives; the acceptor keeps the master copy. */
export interface Wiring {
  /** Number of shards (≥ 1). */
  shardCount: number;
  /** Data bytes of each ring (a power of two ≥ 64); used again when a shard's rings are renewed. */
  ringCapacity: number;
  /** rings[from][to]: the ring shard `from` writes and shard `to` reads; null when from === to. */
  rings: (SharedArrayBuffer | null)[][];
  /** One doorbell cell per shard (see doorbell.ts). */
  doorbells: SharedArrayBuffer;
}

/** The wiring as one shard sees it: the shared buffers plus its own id. */
export interface MailboxWiring extends Wiring {
  /** This shard's index, 0 ≤ shardId < shardCount. */
  shardId: number;
}

/** Allocates fresh, empty rings for every ordered pair of shards, and the doorbells. */
export function createWiring(shardCount: number, ringCapacity: number): Wiring {
  if (!Number.isInteger(shardCount) || shardCount < 1) {
    throw new RangeError(`shardCount must be a positive integer (got ${shardCount})`);
  }
  Ring.byteLength(ringCapacity); // validates the capacity once, with a clear message
  const rings: (SharedArrayBuffer | null)[][] = [];
  for (let from = 0; from < shardCount; from++) {
    const row: (SharedArrayBuffer | null)[] = [];
    for (let to = 0; to < shardCount; to++) row.push(from === to ? null : Ring.allocate(ringCapacity));
    rings.push(row);
  }
  return { shardCount, ringCapacity, rings, doorbells: allocateDoorbells(shardCount) };
}

/**
 * Replaces, in place, every ring that touches shard `peer` (both directions)
 * with a fresh empty one; used when a crashed shard is restarted, once its old
 * incarnation has stopped its Inbox and closed its Outbox (it must never touch
 * the new rings). Then hand the new shard the whole wiring, and tell each
 * other shard j to call `outbox.replacePeer(peer, rings[j][peer])` and
 * `inbox.replacePeer(peer, rings[peer][j])`.
 */
export function rewire(wiring: Wiring, peer: number): void {
  checkShard(wiring, peer, 'peer');
  for (let other = 0; other < wiring.shardCount; other++) {
    if (other === peer) continue;
    wiring.rings[other]![peer] = Ring.allocate(wiring.ringCapacity);
    wiring.rings[peer]![other] = Ring.allocate(wiring.ringCapacity);
  }
}

/** Throws a RangeError unless `shard` names a shard of the wiring. `what` names the value in the message. */
export function checkShard(wiring: Wiring, shard: number, what: string): void {
  if (!Number.isInteger(shard) || shard < 0 || shard >= wiring.shardCount) {
    throw new RangeError(`${what} must be a shard index from 0 to ${wiring.shardCount - 1} (got ${shard})`);
  }
}

/** The ring buffer from → to, or a RangeError naming the pair when there is none. */
export function ringBuffer(wiring: Wiring, from: number, to: number): SharedArrayBuffer {
  const buffer = wiring.rings[from]?.[to];
  if (!buffer) throw new RangeError(`no mailbox ring from shard ${from} to shard ${to} (shardCount ${wiring.shardCount})`);
  return buffer;
}
