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
 *
 * An answer to another shard's request (a RESPONSE, a RECOVER_RESULT, a
 * SUBSCRIBE_SHARD_OK), or a notice that must arrive (sendNotice: presence
 * changes, unsubscribes), that a full mailbox refuses is not dropped either: it
 * is sent again, with the DROPPED notices, until the mailbox takes it or the
 * asker's wait for it is over (ANSWER_RETRY_MS). An answer too large for the
 * mailbox ever to take is replaced by a small stand-in (sendAnswer's
 * `fallback`) that the asker can act on at once.
 */
import type { Fanout } from './fanout';
import { RecordKind, encodeMessage, MessageType, type ShardMessage } from './messages';
import type { SelfItem } from './arrival-order';

/** The part of the mailbox Outbox the postman needs. */
export interface OutboxPort {
  post(to: number, kind: number, parts: readonly Uint8Array[]): 'ok' | 'full';
  /** Whether records accepted are still in an overflow queue, not yet in a ring (any peer); absent: never. */
  hasQueued?(): boolean;
  /** Whether a record of `bodyBytes` could ever be taken for shard `to` (Outbox.canEverTake); absent: always. */
  canEverTake?(to: number, bodyBytes: number): boolean;
}

/** Takes what a shard sends to itself (ArrivalOrder.fromSelf: handled in a microtask, in send order). */
export type SelfSink = (item: SelfItem) => void;

/** How often refused DROPPED notices and owed answers and notices are retried, ms. */
const RETRY_MS = 5;
/**
 * How long a refused answer is retried, ms: as long as a shard waits for an
 * answer from another (a subscribe's wait for the owner, a request's
 * timeout, both 10 s); after that nobody is waiting for it.
 */
export const ANSWER_RETRY_MS = 10_000;

/** An answer or notice waiting for room in a mailbox. */
interface OwedMessage {
  /** The encoded message. */
  readonly body: Uint8Array;
  /** Date.now() after which it is given up. */
  readonly until: number;
}

/** Routes shard messages. */
export class Postman {
  /** Channels whose publications a full mailbox refused, per target shard. */
  private readonly dropped = new Map<number, Set<string>>();
  /** Answers and notices a full mailbox refused, per target shard, in the order they are to go. */
  private readonly owed = new Map<number, OwedMessage[]>();
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

  /**
   * Sends a shard message; false when the target's mailbox is full (or still
   * holds refused answers or notices, which nothing may overtake) or this
   * shard has stopped.
   */
  send(to: number, msg: ShardMessage): boolean {
    // Answers can still come due after a drain stopped the mailbox; they have nowhere to go.
    if (this.closed || this.owed.has(to)) return false;
    return this.post(to, msg);
  }

  /**
   * Sends an answer to another shard's request. When the mailbox refuses it,
   * it is sent again as soon as there is room, within ANSWER_RETRY_MS; or,
   * when it is too large for the mailbox ever to take, `fallback` is sent
   * instead. Answers to one shard keep their order.
   */
  sendAnswer(to: number, msg: ShardMessage, fallback: ShardMessage = msg): void {
    if (this.closed) return;
    const queued = this.owed.get(to);
    // Nothing is ever owed to this shard itself: post() always takes those.
    if (queued === undefined && this.post(to, msg)) return;
    let body = encodeMessage(msg);
    if (fallback !== msg && this.outbox.canEverTake?.(to, body.byteLength) === false) body = encodeMessage(fallback);
    const entry = { body, until: Date.now() + ANSWER_RETRY_MS };
    if (queued) queued.push(entry);
    else this.owed.set(to, [entry]);
    this.scheduleRetry();
  }

  /**
   * Sends a notice that must arrive but answers nothing (a presence change,
   * an unsubscribe, a broker's DROPPED): a refused one is sent again like a
   * refused answer, in the same order.
   */
  sendNotice(to: number, msg: ShardMessage): void {
    this.sendAnswer(to, msg);
  }

  /** Sends a fan-out record (its parts, from fanoutParts); false when refused (a DROPPED notice follows). */
  sendFanout(to: number, channel: string, parts: readonly Uint8Array[]): boolean {
    if (this.closed) return false;
    const pending = this.dropped.get(to);
    // Once one publication of a channel was refused, later ones are too until the notice is out:
    // the target must not see a stream with a hole in it as if it were whole.
    if (pending?.has(channel)) return false;
    if (!this.owed.has(to) && this.outbox.post(to, RecordKind.FANOUT, parts) === 'ok') return true;
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
    this.owed.delete(shard);
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

  /** Posts a message to its target's mailbox, or to this shard's own FIFO; false when the mailbox refused it. */
  private post(to: number, msg: ShardMessage): boolean {
    if (to === this.self) {
      this.toSelf({ message: msg });
      return true;
    }
    return this.outbox.post(to, RecordKind.MESSAGE, [encodeMessage(msg)]) === 'ok';
  }

  /** Sends the owed answers and notices that the mailboxes take now, in order; gives up those past their time. */
  private retryOwed(): void {
    const now = Date.now();
    for (const [to, queue] of this.owed) {
      let sent = 0;
      while (sent < queue.length) {
        const entry = queue[sent]!;
        if (entry.until >= now && this.outbox.post(to, RecordKind.MESSAGE, [entry.body]) !== 'ok') break;
        sent++;
      }
      if (sent === queue.length) this.owed.delete(to);
      else queue.splice(0, sent);
    }
  }

  private scheduleRetry(): void {
    if (this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      // Owed messages first: a DROPPED notice waits behind the answers and notices refused before it.
      this.retryOwed();
      for (const [to, channels] of this.dropped) {
        for (const ch of channels) {
          if (!this.send(to, { t: MessageType.DROPPED, ch })) break;
          channels.delete(ch);
        }
        if (channels.size === 0) this.dropped.delete(to);
      }
      if (this.dropped.size > 0 || this.owed.size > 0) this.scheduleRetry();
    }, RETRY_MS);
  }
}
