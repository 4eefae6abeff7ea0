/**
 * The subscriber side of channels: which local sockets are on each channel's
 * uWS topic, and the registration of this shard with each channel's owner.
 *
 * A channel is `pending` from the SUBSCRIBE_SHARD sent to its owner until the
 * owner's OK, then `active`. Sockets that subscribe while pending wait for the
 * OK; sockets that subscribe while active join the topic at once. When the last
 * socket leaves, the shard unregisters (UNSUBSCRIBE_SHARD) and forgets the channel.
 * See docs/architecture.md for why no publication is lost or duplicated.
 */
import { Errors } from '../protocol/codes';
import { ReplyError } from '../protocol/errors';
import type { Connection } from './connection';
import { MessageType } from './messages';
import { ownerOf } from './owner';
import type { Postman } from './postman';
import type { Writer } from './writer';

/** Called in the same step that puts the socket on the topic, so what it queues precedes any publication. */
export type OnAttached = () => void;

interface Waiter {
  readonly onAttached: OnAttached;
  readonly resolve: () => void;
  readonly reject: (err: ReplyError) => void;
  readonly timer: NodeJS.Timeout;
}

interface LocalChannel {
  active: boolean;
  readonly subscribers: Set<Connection>;
  readonly waiting: Map<Connection, Waiter>;
}

/** How long a subscribe waits for the owner, ms. */
const OWNER_TIMEOUT_MS = 10_000;

/** Channels with subscribers on this shard. */
export class LocalChannels {
  private readonly channels = new Map<string, LocalChannel>();

  constructor(
    private readonly shardId: number,
    private readonly shardCount: number,
    private readonly postman: Postman,
    private readonly writer: Writer,
  ) {}

  /**
   * Puts the socket on the channel's topic; resolves once it is there.
   * `onAttached` runs at that moment (it queues the subscribe reply or push).
   */
  join(conn: Connection, channel: string, onAttached: OnAttached): Promise<void> {
    let local = this.channels.get(channel);
    if (!local) {
      local = { active: false, subscribers: new Set(), waiting: new Map() };
      this.channels.set(channel, local);
      if (!this.register(channel)) {
        this.channels.delete(channel);
        return Promise.reject(new ReplyError(Errors.internal, 'channel owner mailbox full'));
      }
    }
    if (local.active) {
      this.attach(conn, channel, local);
      onAttached();
      return Promise.resolve();
    }
    const waitingOn = local;
    conn.pending.add(channel);
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        waitingOn.waiting.delete(conn);
        conn.pending.delete(channel);
        this.releaseIfEmpty(channel);
        reject(new ReplyError(Errors.internal, 'channel owner did not answer'));
      }, OWNER_TIMEOUT_MS);
      waitingOn.waiting.set(conn, { onAttached, resolve, reject, timer });
    });
  }

  /** Takes the socket off the channel (unsubscribe or close). */
  leave(conn: Connection, channel: string): void {
    const local = this.channels.get(channel);
    conn.channels.delete(channel);
    conn.pending.delete(channel);
    if (!local) return;
    const waiter = local.waiting.get(conn);
    if (waiter) {
      clearTimeout(waiter.timer);
      local.waiting.delete(conn);
      waiter.reject(new ReplyError(Errors.internal, 'connection closed'));
    }
    if (local.subscribers.delete(conn)) conn.ws.unsubscribe(channel);
    this.releaseIfEmpty(channel);
  }

  /** Takes a closed socket off all its channels (uWS already dropped its topics). */
  leaveAll(conn: Connection): void {
    for (const channel of [...conn.channels, ...conn.pending]) {
      const local = this.channels.get(channel);
      if (!local) continue;
      const waiter = local.waiting.get(conn);
      if (waiter) {
        clearTimeout(waiter.timer);
        local.waiting.delete(conn);
      }
      local.subscribers.delete(conn);
      this.releaseIfEmpty(channel);
    }
    conn.channels.clear();
    conn.pending.clear();
  }

  /** The owner confirmed: every later publication of the channel reaches this shard. */
  onOwnerOk(channel: string): void {
    const local = this.channels.get(channel);
    if (!local) return;
    local.active = true;
    for (const [conn, waiter] of local.waiting) {
      clearTimeout(waiter.timer);
      conn.pending.delete(channel);
      this.attach(conn, channel, local);
      waiter.onAttached();
      waiter.resolve();
    }
    local.waiting.clear();
    this.releaseIfEmpty(channel);
  }

  /** Local subscribers of a channel (for server API actions and DROPPED notices). */
  subscribers(channel: string): ReadonlySet<Connection> {
    return this.channels.get(channel)?.subscribers ?? new Set();
  }

  /** Re-registers every channel owned by a restarted shard (its state was lost). */
  reregisterOwnedBy(owner: number): void {
    for (const [channel, local] of this.channels) {
      // Pending registrations are sent again too: the old ring and its messages are gone.
      if (ownerOf(channel, this.shardCount) !== owner || (local.subscribers.size === 0 && local.waiting.size === 0)) continue;
      this.register(channel);
    }
  }

  /** Local channels with their subscriber counts. */
  counts(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [channel, local] of this.channels) if (local.subscribers.size > 0) out.set(channel, local.subscribers.size);
    return out;
  }

  /** Number of channels with local subscribers. */
  get size(): number {
    return this.channels.size;
  }

  private attach(conn: Connection, channel: string, local: LocalChannel): void {
    // Publications queued before this point belong to earlier subscribers only.
    this.writer.flushChannel(channel);
    conn.ws.subscribe(channel);
    conn.channels.add(channel);
    local.subscribers.add(conn);
  }

  private register(channel: string): boolean {
    return this.postman.send(ownerOf(channel, this.shardCount), {
      t: MessageType.SUBSCRIBE_SHARD,
      ch: channel,
      from: this.shardId,
    });
  }

  private releaseIfEmpty(channel: string): void {
    const local = this.channels.get(channel);
    if (!local || !local.active || local.subscribers.size > 0 || local.waiting.size > 0) return;
    this.channels.delete(channel);
    this.postman.send(ownerOf(channel, this.shardCount), {
      t: MessageType.UNSUBSCRIBE_SHARD,
      ch: channel,
      from: this.shardId,
    });
  }
}
