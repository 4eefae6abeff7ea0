/**
 * The publications a Writer holds for its topics until the end of the
 * event-loop turn: per topic, its frames in the order they were queued, and
 * the topics in the order they were first queued.
 *
 * It allocates nothing per publication once warm. Its slots are reused turn
 * after turn, and a turn with few topics (the usual case: one publication per
 * HTTP request or mailbox record) finds a topic by scanning them. Only a turn
 * with more than LINEAR_LOOKUP_MAX topics builds a Map index, cleared at the
 * next drain. The Writer used to keep a Map that it cleared at every flush,
 * and V8 allocates a new hash table for every `Map.clear()`, in the old
 * generation when the Map lives there: 150 bytes of old-generation garbage per
 * flushed publication, which kept the full collector busy
 * (bench/README.md, "Garbage per publication").
 */
import type { ProtocolType } from '../../protocol/names';

/** Publications queued for one topic, in its subscribers' protocol. */
export interface TopicQueue {
  readonly topic: string;
  readonly protocol: ProtocolType;
  /** The frames, oldest first; never empty. Valid only during the drain's callback: the list is reused afterwards. */
  readonly frames: readonly Uint8Array[];
}

/** A reusable queue slot; `topic` null once taken out of the turn (flushChannel). */
interface Slot {
  topic: string | null;
  protocol: ProtocolType;
  frames: Uint8Array[];
}

/** Topics per turn up to which a lookup scans the slots instead of indexing them. */
const LINEAR_LOOKUP_MAX = 8;

/** One turn's queues: slots [0, used) are this turn's, in first-queued order. */
class Turn {
  readonly slots: Slot[] = [];
  used = 0;
  /** topic → slot, built once the turn holds more than LINEAR_LOOKUP_MAX topics; null until then. */
  index: Map<string, Slot> | null = null;
  indexed = false;

  find(topic: string): Slot | null {
    if (this.indexed) return this.index!.get(topic) ?? null;
    for (let i = 0; i < this.used; i++) {
      const slot = this.slots[i]!;
      if (slot.topic === topic) return slot;
    }
    return null;
  }

  open(topic: string, protocol: ProtocolType): Slot {
    let slot = this.slots[this.used];
    if (slot === undefined) {
      slot = { topic, protocol, frames: [] };
      this.slots.push(slot);
    } else {
      slot.topic = topic;
      slot.protocol = protocol;
    }
    this.used++;
    if (this.indexed) this.index!.set(topic, slot);
    else if (this.used > LINEAR_LOOKUP_MAX) this.buildIndex();
    return slot;
  }

  private buildIndex(): void {
    this.index ??= new Map();
    for (let i = 0; i < this.used; i++) {
      const slot = this.slots[i]!;
      if (slot.topic !== null) this.index.set(slot.topic, slot);
    }
    this.indexed = true;
  }

  /** Forgets the turn's queues, keeping the slots for the next one. */
  reset(): void {
    for (let i = 0; i < this.used; i++) {
      const slot = this.slots[i]!;
      slot.topic = null;
      slot.frames.length = 0;
    }
    this.used = 0;
    if (this.indexed) {
      this.index!.clear();
      this.indexed = false;
    }
  }
}

/** The topics' queued publications of the current turn (see the file comment). */
export class TopicQueues {
  /** Where publish() queues. */
  private current = new Turn();
  /** The last drained turn, kept for reuse; null while a drain holds it. What is queued during a drain goes to `current`. */
  private spare: Turn | null = new Turn();

  /** Queues a frame for a topic, behind the topic's frames already queued this turn. */
  add(topic: string, frame: Uint8Array, protocol: ProtocolType): void {
    const slot = this.current.find(topic) ?? this.current.open(topic, protocol);
    slot.frames.push(frame);
  }

  /**
   * Takes one topic's queue out of the turn, or null when it has none. The
   * caller owns the returned frames until it queues anything else.
   */
  take(topic: string): TopicQueue | null {
    const turn = this.current;
    const slot = turn.find(topic);
    if (slot === null) return null;
    const queue: TopicQueue = { topic, protocol: slot.protocol, frames: slot.frames.slice() };
    slot.topic = null;
    slot.frames.length = 0;
    if (turn.indexed) turn.index!.delete(topic);
    return queue;
  }

  /**
   * Calls `write` for every topic with frames, in the order they were first
   * queued, and empties the turn. Frames queued by `write` itself wait for
   * the next drain.
   */
  drain(write: (queue: TopicQueue) => void): void {
    const turn = this.current;
    if (turn.used === 0) return;
    this.current = this.spare ?? new Turn();
    this.spare = null;
    try {
      for (let i = 0; i < turn.used; i++) {
        const slot = turn.slots[i]!;
        if (slot.topic !== null) write(slot as TopicQueue);
      }
    } finally {
      turn.reset();
      this.spare = turn;
    }
  }
}
