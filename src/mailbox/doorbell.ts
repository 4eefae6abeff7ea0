/**
 * Doorbells: one Int32 cell per consumer shard, shared by every producer that
 * writes to that shard. The consumer sets its cell to SLEEPING before it waits;
 * a producer that publishes a record and finds the cell SLEEPING flips it to
 * AWAKE and notifies. Only the producer whose compare-exchange flips the cell
 * notifies, so several producers do not wake the consumer several times.
 *
 *   doorbells SharedArrayBuffer, shardCount × DOORBELL_STRIDE Int32 slots
 *   ┌────────────────────┬────────────────────┬─────
 *   │ shard 0 cell       │ shard 1 cell       │ ...
 *   │ (+ 60 unused bytes)│ (+ 60 unused bytes)│
 *   └────────────────────┴────────────────────┴─────
 */

/** Int32 slots between two shards' cells: 16 × 4 = 64 bytes, one cache line each. */
export const DOORBELL_STRIDE = 16;
/** Cell value: the consumer is running or about to drain; producers need not notify. */
export const AWAKE = 0;
/** Cell value: the consumer found every ring empty and waits (or is about to) for a notify. */
export const SLEEPING = 1;

type WaitAsyncResult =
  | { async: false; value: 'not-equal' | 'timed-out' }
  | { async: true; value: Promise<'ok' | 'timed-out'> };

// Atomics.waitAsync exists in Node ≥ 16 but is typed only from lib ES2024.
const atomics = Atomics as unknown as {
  waitAsync(array: Int32Array, index: number, value: number): WaitAsyncResult;
};

/** A zeroed doorbells buffer for `shardCount` shards, every cell AWAKE. */
export function allocateDoorbells(shardCount: number): SharedArrayBuffer {
  return new SharedArrayBuffer(shardCount * DOORBELL_STRIDE * Int32Array.BYTES_PER_ELEMENT);
}

/** One shard's cell in a doorbells buffer. */
export class Doorbell {
  private readonly cells: Int32Array;
  private readonly slot: number;

  constructor(doorbells: SharedArrayBuffer, shardId: number) {
    this.cells = new Int32Array(doorbells);
    this.slot = shardId * DOORBELL_STRIDE;
    if (!Number.isInteger(shardId) || shardId < 0 || this.slot >= this.cells.length) {
      throw new RangeError(`doorbell shardId ${shardId} is outside the doorbells buffer`);
    }
  }

  /** Producer side: wakes the consumer if it sleeps. True when this call did the notify. */
  ring(): boolean {
    if (Atomics.load(this.cells, this.slot) !== SLEEPING) return false;
    if (Atomics.compareExchange(this.cells, this.slot, SLEEPING, AWAKE) !== SLEEPING) return false;
    Atomics.notify(this.cells, this.slot);
    return true;
  }

  /** Consumer side: announces that it is going to sleep. Re-check the rings after this. */
  sleep(): void {
    Atomics.store(this.cells, this.slot, SLEEPING);
  }

  /** Consumer side: announces that it is draining (producers skip the notify). */
  wake(): void {
    Atomics.store(this.cells, this.slot, AWAKE);
  }

  /** Consumer side: wakes its own pending wait, e.g. to stop. */
  interrupt(): void {
    Atomics.store(this.cells, this.slot, AWAKE);
    Atomics.notify(this.cells, this.slot);
  }

  /** True while the cell says SLEEPING. */
  isSleeping(): boolean {
    return Atomics.load(this.cells, this.slot) === SLEEPING;
  }

  /**
   * Consumer side: blocks this thread until a producer rings or `ms`
   * milliseconds pass (a plain Atomics.wait; only for short naps, since the
   * thread's event loop waits meanwhile). 'not-equal' when the cell was no
   * longer SLEEPING.
   */
  block(ms: number): 'ok' | 'not-equal' | 'timed-out' {
    return Atomics.wait(this.cells, this.slot, SLEEPING, ms);
  }

  /**
   * Consumer side: a promise that settles when a producer rings, or null when
   * the cell is no longer SLEEPING (a producer rang already). Never blocks.
   */
  wait(): Promise<unknown> | null {
    const result = atomics.waitAsync(this.cells, this.slot, SLEEPING);
    return result.async ? result.value : null;
  }
}
