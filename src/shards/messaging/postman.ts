/**
 * Sends shard messages: to other shards through the mailbox rings, to itself
 * through a local FIFO drained in a microtask, so a shard talking to itself
 * sees the same ordering as one talking to a peer.
 *
 * A publication refused by a full mailbox is not dropped silently: the target
 * is sent a DROPPED notice for the channel as soon as its mailbox has room. It
 * ends the channel's positioned subscriptions with 2500 (they resubscribe and
 * recover) and disconnects its other local subscribers with 3008 (slow), so
 * they reconnect (LocalChannels.onDropped).
 */
import type { Fanout } from './fanout';
import { RecordKind, encodeMessage, MessageType, type ShardMessage } from './messages';
import type { SelfItem } from './arrival-order';

/** The part of the mailbox Outbox the postman needs. */
export interface OutboxPort {
  post(to: number, kind: number, parts: readonly Uint8Array[]): 'ok' | 'full';
  /** Whether records accepted are still in an overflow queue, not yet in a ring (any peer); absent: never. */
  hasQueued?(): boolean;
}

/** Takes what a shard sends to itself (ArrivalOrder.fromSelf: handled in a microtask, in send order). */
export type SelfSink = (item: SelfItem) => void;

/** How often refused DROPPED notices are retried, ms. */
const DROPPED_RETRY_MS = 5;

/** Routes shard messages. */
export class Postman {
  /** Channels whose publications a full mailbox refused, per target shard. */
  private readonly dropped = new Map<number, Set<string>>();
  private retryTimer: NodeJS.Timeout | null = null;
  /** Set by close(): the mailbox is stopped and nothing more is sent. */
  private closed = false;

  constructor(
    private readonly self: number,
    private readonly outbox: OutboxPort,
    private readonly toSelf: SelfSink,
  ) {}

  /**
   * Whether every record accepted so far is in a ring (none waits in an
   * overflow queue). A publish is answered only then: a record still in this
   * shard's overflow is invisible to the receiving shard's arrival order.
   */
  allWritten(): boolean {
    return this.outbox.hasQueued?.() !== true;
  }

  /** Sends a shard message; false when the target's mailbox is full or this shard has stopped. */
  send(to: number, msg: ShardMessage): boolean {
    // Answers can still come due after a drain stopped the mailbox; they have nowhere to go.
    if (this.closed) return false;
    if (to === this.self) {
      this.toSelf({ message: msg });
      return true;
    }
    return this.outbox.post(to, RecordKind.MESSAGE, [encodeMessage(msg)]) === 'ok';
  }

  /** Sends a fan-out record (its parts, from fanoutParts); false when refused (a DROPPED notice follows). */
  sendFanout(to: number, channel: string, parts: readonly Uint8Array[]): boolean {
    if (this.closed) return false;
    const pending = this.dropped.get(to);
    // Once one publication of a channel was refused, later ones are too until the notice is out:
    // the target must not see a stream with a hole in it as if it were whole.
    if (pending?.has(channel)) return false;
    if (this.outbox.post(to, RecordKind.FANOUT, parts) === 'ok') return true;
    this.markDropped(to, channel);
    return false;
  }

  /** Delivers a fan-out to this shard itself, in order with its shard messages. */
  sendFanoutToSelf(f: Fanout): void {
    this.toSelf({ fanout: f });
  }

  /** Forgets what was pending for a restarted shard. */
  forget(shard: number): void {
    this.dropped.delete(shard);
  }

  /** Stops retry timers. */
  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private markDropped(to: number, channel: string): void {
    let set = this.dropped.get(to);
    if (!set) {
      set = new Set();
      this.dropped.set(to, set);
    }
    set.add(channel);
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      for (const [to, channels] of this.dropped) {
        for (const ch of channels) {
          if (!this.send(to, { t: MessageType.DROPPED, ch })) break;
          channels.delete(ch);
        }
        if (channels.size === 0) this.dropped.delete(to);
      }
      if (this.dropped.size > 0) this.scheduleRetry();
    }, DROPPED_RETRY_MS);
  }
}
