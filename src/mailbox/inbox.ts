/**
 * The consumer side of a shard's mailbox: drains the rings from every other
 * shard in batches, and sleeps on the shard's doorbell when they are empty.
 * It never waits long on the event loop's thread: at most one nap of
 * InboxTiming.napMicros (50 µs) at a time while it lingers.
 */
import { Doorbell } from './doorbell';
import { FRAGMENT_KIND, Reassembler } from './fragments';
import { Ring } from './ring';
import { checkShard, ringBuffer, type MailboxWiring } from './wiring';

/**
 * How an Inbox waits once its rings are empty, µs. For `lingerMicros` after
 * its last record it keeps looking instead of sleeping: for the first
 * `spinMicros` of that window once per event-loop turn (spinning), then
 * napping between looks in a blocking Atomics.wait of at most `napMicros`
 * that a producer's notify ends early (0: spin the whole window). After the
 * window it sleeps on its doorbell (Atomics.waitAsync). lingerMicros 0
 * sleeps as soon as the rings are empty (the behaviour before lingering).
 */
export interface InboxTiming {
  readonly lingerMicros: number;
  readonly spinMicros: number;
  readonly napMicros: number;
}

/**
 * The linger measured by bench:mailbox: 200 µs, spinning the first 30 µs (a
 * record that follows within that costs no notify and no wake-up), napping
 * 50 µs at a time for the rest (no CPU while napping). It cuts wake-ups of a
 * steady stream about 3×, but on the guard's many-channel check (switchyard
 * ×2, 2k publications/s) it cost about 1.3× the server CPU per publication
 * (2.98–3.36× raw uWS against 2.39–2.50× without it, same build, back to
 * back), and no latency gain was shown on a 2-core VM; shards do not use it.
 */
export const LINGERING_INBOX_TIMING: InboxTiming = Object.freeze({ lingerMicros: 200, spinMicros: 30, napMicros: 50 });

/** What shards run with: no linger, the Inbox sleeps on its doorbell as soon as its rings are empty. */
export const DEFAULT_INBOX_TIMING: InboxTiming = Object.freeze({ lingerMicros: 0, spinMicros: 0, napMicros: 0 });

/** Receives one record: the sending shard, the kind byte, and the body (valid only during the call). */
export type RecordHandler = (from: number, kind: number, body: Uint8Array) => void;

/** Counters of an Inbox since it was created. */
export interface InboxStats {
  /** Records handed to the handler. */
  drained: number;
  /** Times the inbox was woken from sleep (a producer rang, or replacePeer nudged it). */
  wakeups: number;
  /** Turns that used up the batch, so draining went on after a setImmediate. */
  yields: number;
  /** Turns that found the rings empty and looked again next turn instead of sleeping (the linger). */
  lingers: number;
  /** Naps of the linger (blocking Atomics.wait of at most the nap) that a producer's notify ended early. */
  napWakeups: number;
  /** Records left unread in a replaced peer's old ring, dropped by replacePeer(), a record cut short by the restart included. */
  discarded: number;
  /** Records that arrived as fragments and were put back together (each counts once in drained too). */
  reassembled: number;
  /** Bytes waiting in the rings to this shard now, all senders together (a gauge, not a counter). */
  pendingBytes: number;
}

const ignore = (): void => {};

/** Receives the records other shards send to this one (wiring.shardId). */
export class Inbox {
  private readonly rings: (Ring | null)[] = [];
  private readonly handlers: ((kind: number, body: Uint8Array) => void)[] = [];
  /** Per sender: the record whose fragments are arriving. */
  private readonly assemblers: Reassembler[] = [];
  private readonly bell: Doorbell;
  private readonly batch: number;
  private readonly shardId: number;
  private readonly lingerMs: number;
  private readonly spinMs: number;
  private readonly napMs: number;
  private readonly counts = { drained: 0, wakeups: 0, yields: 0, lingers: 0, napWakeups: 0, discarded: 0, reassembled: 0 };
  /** performance.now() of the last turn that found records (ms). */
  private lastRecordAt = 0;
  private running = false;
  /** Bumped by stop(), so a wait begun before it is ignored when it settles. */
  private generation = 0;
  /** True while a doorbell wait of the current generation is pending. */
  private waiting = false;
  /** Which peer's ring is drained first next turn, so no peer starves the others. */
  private next = 0;
  private immediate: NodeJS.Immediate | undefined;

  /**
   * batch: the most records handled in one event-loop turn, all peers
   * together (a positive integer). onRecord: called for each record in the
   * order its sender posted it; if it throws, the record counts as handled,
   * draining goes on next turn, and the error propagates. timing: how it
   * waits once the rings are empty (InboxTiming).
   */
  constructor(wiring: MailboxWiring, batch: number, onRecord: RecordHandler, timing: InboxTiming = DEFAULT_INBOX_TIMING) {
    checkShard(wiring, wiring.shardId, 'wiring.shardId');
    if (!Number.isInteger(batch) || batch < 1) throw new RangeError(`batch must be a positive integer (got ${batch})`);
    for (const key of ['lingerMicros', 'spinMicros', 'napMicros'] as const) {
      const value = timing[key];
      if (!Number.isFinite(value) || value < 0) throw new RangeError(`timing.${key} must be a non-negative number (got ${value})`);
    }
    this.lingerMs = timing.lingerMicros / 1000;
    this.spinMs = timing.spinMicros / 1000;
    this.napMs = timing.napMicros / 1000;
    this.shardId = wiring.shardId;
    this.batch = batch;
    this.bell = new Doorbell(wiring.doorbells, wiring.shardId);
    for (let from = 0; from < wiring.shardCount; from++) {
      this.rings.push(from === this.shardId ? null : new Ring(ringBuffer(wiring, from, this.shardId)));
      const assembler = new Reassembler();
      this.assemblers.push(assembler);
      this.handlers.push((kind, body) => {
        if (kind === FRAGMENT_KIND) {
          const whole = assembler.add(body);
          if (whole === null) return;
          this.counts.reassembled++;
          kind = whole.kind;
          body = whole.body;
        }
        this.counts.drained++;
        onRecord(from, kind, body);
      });
    }
  }

  /** Starts draining: now, and whenever a producer rings. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.bell.wake();
    this.turn();
  }

  /** Stops draining; records stay in the rings until start(). */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.generation++;
    this.waiting = false;
    clearImmediate(this.immediate);
    this.immediate = undefined;
    this.bell.interrupt(); // settles the pending wait, which then sees the new generation
  }

  /** Counters since creation, plus the bytes waiting in the rings now. */
  stats(): InboxStats {
    let pendingBytes = 0;
    for (const ring of this.rings) if (ring !== null) pendingBytes += ring.usedBytes();
    return { ...this.counts, pendingBytes };
  }

  /**
   * Switches shard `peer`'s ring to a fresh one (see rewire()) after it
   * restarted. Records left in the old ring are dropped unread and counted as
   * discarded; returns how many.
   */
  replacePeer(peer: number, fromPeer: SharedArrayBuffer): number {
    if (!Number.isInteger(peer) || peer === this.shardId || this.rings[peer] === undefined) {
      throw new RangeError(`peer must be another shard, 0 to ${this.rings.length - 1} except ${this.shardId} (got ${peer})`);
    }
    const discarded = (this.rings[peer]?.drain(Infinity, ignore) ?? 0) + (this.assemblers[peer]!.reset() ? 1 : 0);
    this.rings[peer] = new Ring(fromPeer);
    this.counts.discarded += discarded;
    // The new peer may have written and rung before this call: look again.
    if (this.waiting) this.bell.interrupt();
    else if (this.running) this.continueSoon();
    return discarded;
  }

  private readonly turn = (): void => {
    this.immediate = undefined;
    if (!this.running) return;
    let settled = false;
    try {
      const drained = this.drainBatch();
      if (drained >= this.batch) {
        this.counts.yields++;
        this.continueSoon();
      } else if (this.lingerMs > 0 && this.shouldLinger(drained > 0)) {
        this.counts.lingers++;
        if (this.napMs > 0 && drained === 0 && performance.now() - this.lastRecordAt >= this.spinMs) this.nap();
        this.continueSoon();
      } else {
        this.sleep();
      }
      settled = true;
    } finally {
      if (!settled) this.continueSoon(); // the handler threw: keep draining next turn
    }
  };

  // Why linger: a wake-up from sleep is the expensive part of the mailbox.
  // The producer's Atomics.notify of an async waiter takes V8's process-wide
  // futex lock and posts a task to this thread's loop (an eventfd write, and
  // a wake of the thread sleeping in epoll); here it costs an eventfd read,
  // the task, a promise, a microtask and a new waitAsync. Sleeping as soon as
  // the rings were empty paid that for nearly every record under a steady
  // load, and the latency of that chain. For a short window after its last
  // record the inbox therefore lingers: first it spins briefly (one look
  // per turn; a record that follows within spinMs costs no notify at all),
  // then it naps: it blocks in a plain
  // Atomics.wait for at most napMs (a producer's notify wakes a blocked
  // waiter directly, one futex wake, no task), then lets its event loop run
  // one turn (sockets are served between naps) and looks again. A nap
  // releases the core, so only the short spin costs CPU; with napMs 0 the
  // inbox spins the whole window. Once the window has
  // passed it sleeps with waitAsync as before: an idle shard lingers once,
  // for lingerMs, then uses no CPU.
  /** Blocks for at most the nap (less if the window ends sooner), unless a producer rings or a record is there. */
  private nap(): void {
    const left = this.lingerMs - (performance.now() - this.lastRecordAt);
    if (left <= 0) return;
    this.bell.sleep();
    // Same protocol as sleep(): announce SLEEPING, then look again before blocking.
    if (!this.hasData() && this.bell.block(Math.min(this.napMs, left)) === 'ok') this.counts.napWakeups++;
    this.bell.wake();
  }

  /** True while the last record is less than the linger window ago; `found`: this turn drained records. */
  private shouldLinger(found: boolean): boolean {
    const now = performance.now();
    if (found) this.lastRecordAt = now;
    return now - this.lastRecordAt < this.lingerMs;
  }

  /** Drains up to one batch across the rings, starting at a rotating peer; returns the count. */
  private drainBatch(): number {
    let budget = this.batch;
    const peers = this.rings.length;
    for (let i = 0; i < peers && budget > 0; i++) {
      const from = (this.next + i) % peers;
      const ring = this.rings[from];
      if (ring) budget -= ring.drain(budget, this.handlers[from]!);
    }
    this.next = (this.next + 1) % peers;
    return this.batch - budget;
  }

  // Why the sleep is written this way: a producer rings only when it sees
  // SLEEPING, so we announce SLEEPING first and then look at every ring again.
  // A record published before the producer could see SLEEPING is caught by
  // that second look; one published after makes the producer ring. Both sides
  // use sequentially consistent Atomics, so one of the two always happens and
  // no wake-up is lost. The sleep is Atomics.waitAsync, never Atomics.wait: the
  // shard's event loop must keep serving sockets while its mailbox is idle
  // (only the linger's naps block, each for at most napMs). A nap uses the
  // same SLEEPING protocol, so it loses no wake-up either.
  private sleep(): void {
    this.bell.sleep();
    if (this.hasData()) {
      this.bell.wake();
      this.continueSoon();
      return;
    }
    const rung = this.bell.wait();
    if (rung === null) {
      this.counts.wakeups++; // a producer rang between our store and the wait
      this.continueSoon();
      return;
    }
    const generation = this.generation;
    this.waiting = true;
    void rung.then(() => this.onWake(generation));
  }

  private onWake(generation: number): void {
    if (generation !== this.generation) return;
    this.waiting = false;
    this.counts.wakeups++;
    this.turn();
  }

  private hasData(): boolean {
    for (const ring of this.rings) if (ring !== null && !ring.isEmpty()) return true;
    return false;
  }

  private continueSoon(): void {
    if (this.running && this.immediate === undefined) this.immediate = setImmediate(this.turn);
  }
}
