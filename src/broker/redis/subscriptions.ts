/**
 * The PUB/SUB channels one subscriber connection should be on. Subscribe and
 * unsubscribe requests made in one event-loop turn go out together, in
 * request order, as few SUBSCRIBE/UNSUBSCRIBE commands of at most
 * SUBSCRIBE_BATCH channels each; each request resolves when Redis confirms
 * its command. The set is remembered, so after the connection comes back it
 * is subscribed again (in batches) before `onRestored` runs. A subscribe made
 * while the connection is down waits for that restore, at most `waitMs`
 * (engine.redis.io_timeout for channels): then it fails, so a client hears
 * error 100 before its own command timeout instead of reconnecting.
 *
 * The connection always stays subscribed to an anchor channel: ioredis leaves
 * subscriber mode when an UNSUBSCRIBE reply counts 0 channels, even if a
 * SUBSCRIBE was already sent behind it, and would then drop every later
 * message. With the anchor the count never reaches 0.
 *
 * Redis may refuse a channel (an ACL user without permission for it, the
 * default for Redis 7 users): then it refuses the whole SUBSCRIBE, so the
 * channels of a refused command are subscribed again one by one, and only
 * the refused ones fail. A restore that meets a refused channel (the
 * permission went while the connection was down) drops that channel and
 * reports it with `onRefused`, and restores the others. Only an ACL refusal
 * (`NOPERM`) counts: any other failure (a cluster's CLUSTERDOWN during a
 * failover, a lost connection) fails the command as before, and a restore
 * starts again at the next reconnect.
 *
 * With `sharded` (sharded PUB/SUB on a Redis Cluster, see RedisPartition) the
 * commands are SSUBSCRIBE/SUNSUBSCRIBE, one channel each: channels of one
 * command must share a slot, and ioredis sends each to its slot's node.
 */
import type { RedisClient } from './partitions';
import { isAclRefusal } from './refusal';

/** Most channels in one SUBSCRIBE or UNSUBSCRIBE command (as Centrifugo). */
export const SUBSCRIBE_BATCH = 512;

interface Request {
  readonly op: 'subscribe' | 'unsubscribe';
  readonly channel: string;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

/** Why Redis refused, for a log line. */
function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** How a SubscriptionSet behaves beyond its connection and anchor; every field has a default. */
export interface SubscriptionSetOptions {
  /** Runs after a lost connection is back and every wanted channel is subscribed again. */
  readonly onRestored?: () => void;
  /** SSUBSCRIBE/SUNSUBSCRIBE (sharded PUB/SUB on a Redis Cluster), one channel each. Default false. */
  readonly sharded?: boolean;
  /** How long a subscribe may wait for a lost connection, ms; 0 (the default) waits for as long as it takes. */
  readonly waitMs?: number;
  /** Runs for each channel a restore dropped because Redis refused to subscribe it again, with Redis's answer. */
  readonly onRefused?: (channel: string, reason: string) => void;
}

/** A subscribe waiting for the connection to come back, with its deadline timer (null: none). */
interface Waiting {
  readonly request: Request;
  readonly timer: NodeJS.Timeout | null;
}

/** Subscriptions of one PUB/SUB connection. */
export class SubscriptionSet {
  /** Channels subscribed (confirmed or requested). */
  private readonly wanted = new Set<string>();
  private queue: Request[] = [];
  private scheduled = false;
  /** True while the connection is down, until the set is subscribed again. */
  private lost: boolean;
  /** The connection was up at least once (the first connect is not a restore). */
  private wasUp: boolean;
  /** Subscribe requests made while the connection was down: they resolve when it is restored, or fail at their deadline. */
  private waiting: Waiting[] = [];

  private readonly onRestored: () => void;
  private readonly sharded: boolean;
  private readonly waitMs: number;
  private readonly onRefused: (channel: string, reason: string) => void;

  constructor(
    private readonly client: RedisClient,
    /** A channel subscribed for as long as the connection lives (never published to). */
    anchor: string,
    options: SubscriptionSetOptions = {},
  ) {
    this.onRestored = options.onRestored ?? (() => undefined);
    this.sharded = options.sharded ?? false;
    this.waitMs = options.waitMs ?? 0;
    this.onRefused = options.onRefused ?? (() => undefined);
    this.wanted.add(anchor);
    this.lost = client.status !== 'ready';
    this.wasUp = !this.lost;
    client.on('close', () => {
      this.lost = true;
    });
    client.on('ready', () => {
      if (this.lost) void this.restore();
    });
  }

  /** Whether the channel is wanted (its subscription may still be in flight). */
  has(channel: string): boolean {
    return this.wanted.has(channel);
  }

  /** Whether the connection is up with every wanted channel subscribed (or in flight). */
  get live(): boolean {
    return this.client.status === 'ready' && !this.lost;
  }

  /** Subscribes; resolves once Redis confirmed it (after a restore, when the connection is down). */
  subscribe(channel: string): Promise<void> {
    return this.request('subscribe', channel);
  }

  /** Unsubscribes; resolves at once when the connection is down (nothing to undo there). */
  unsubscribe(channel: string): Promise<void> {
    return this.request('unsubscribe', channel);
  }

  private request(op: Request['op'], channel: string): Promise<void> {
    if (op === 'subscribe') this.wanted.add(channel);
    else this.wanted.delete(channel);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ op, channel, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const queue = this.queue;
    this.queue = [];
    let i = 0;
    while (i < queue.length) {
      // A run of the same operation, cut at SUBSCRIBE_BATCH channels.
      const op = queue[i]!.op;
      const run: Request[] = [];
      while (i < queue.length && queue[i]!.op === op && run.length < SUBSCRIBE_BATCH) run.push(queue[i++]!);
      this.send(op, run);
    }
  }

  private send(op: Request['op'], run: Request[]): void {
    const channels = run.map((r) => r.channel);
    if (!this.live) {
      if (op === 'unsubscribe') {
        for (const r of run) r.resolve();
        return;
      }
      // Still wanted: the restore subscribes it, then the request resolves; unless its deadline comes first.
      for (const request of run) this.waitForRestore(request);
      return;
    }
    const sent = op === 'subscribe' ? this.sub(channels) : this.unsub(channels);
    sent.then(
      () => {
        for (const r of run) r.resolve();
      },
      (err: unknown) => {
        if (op === 'subscribe' && run.length > 1 && isAclRefusal(err)) {
          // Redis refused the whole command for some of its channels: each on its own, so only those fail.
          // A channel no longer wanted (an unsubscribe came after) needs no retry.
          for (const r of run) {
            if (this.wanted.has(r.channel)) this.send(op, [r]);
            else r.resolve();
          }
          return;
        }
        if (op === 'subscribe') for (const r of run) if (!this.queue.some((q) => q.channel === r.channel)) this.wanted.delete(r.channel);
        for (const r of run) r.reject(err);
      },
    );
  }

  /**
   * Subscribes `channels` during a restore; when Redis refuses the command,
   * one by one, collecting the refused channels and Redis's answer in
   * `refused`. Throws when the connection fails (the restore starts again).
   */
  private async restoreBatch(channels: string[], refused: Map<string, unknown>): Promise<void> {
    try {
      await this.sub(channels);
      return;
    } catch (err) {
      if (!isAclRefusal(err)) throw err;
      if (channels.length === 1) {
        refused.set(channels[0]!, err);
        return;
      }
    }
    for (const channel of channels) await this.restoreBatch([channel], refused);
  }

  private sub(channels: string[]): Promise<unknown> {
    return this.sharded ? Promise.all(channels.map((c) => this.client.ssubscribe(c))) : this.client.subscribe(...channels);
  }

  private unsub(channels: string[]): Promise<unknown> {
    return this.sharded ? Promise.all(channels.map((c) => this.client.sunsubscribe(c))) : this.client.unsubscribe(...channels);
  }

  /** Parks a subscribe until the connection is restored, or fails it after `waitMs` (io_timeout). */
  private waitForRestore(request: Request): void {
    if (this.waitMs <= 0) {
      this.waiting.push({ request, timer: null });
      return;
    }
    const timer = setTimeout(() => {
      const at = this.waiting.findIndex((w) => w.timer === timer);
      if (at >= 0) this.waiting.splice(at, 1);
      // Given up: no longer wanted, unless another subscribe to it is still waiting or queued.
      const channel = request.channel;
      if (!this.waiting.some((w) => w.request.channel === channel) && !this.queue.some((q) => q.channel === channel)) this.wanted.delete(channel);
      request.reject(new Error(`redis pub/sub connection down for ${this.waitMs} ms (engine.redis.io_timeout)`));
    }, this.waitMs);
    this.waiting.push({ request, timer });
  }

  /** Subscribes every wanted channel again, then reports the set restored. */
  private async restore(): Promise<void> {
    const done = new Set<string>();
    const refused = new Map<string, unknown>();
    try {
      // Channels wanted meanwhile are subscribed too; those no longer wanted are dropped at the end.
      for (let next = [...this.wanted]; next.length > 0; next = [...this.wanted].filter((c) => !done.has(c) && !refused.has(c))) {
        for (let i = 0; i < next.length; i += SUBSCRIBE_BATCH) {
          const batch = next.slice(i, i + SUBSCRIBE_BATCH);
          await this.restoreBatch(batch, refused);
          for (const c of batch) if (!refused.has(c)) done.add(c);
        }
      }
      const stale = [...done].filter((c) => !this.wanted.has(c));
      for (let i = 0; i < stale.length; i += SUBSCRIBE_BATCH) await this.unsub(stale.slice(i, i + SUBSCRIBE_BATCH));
    } catch {
      // Lost again mid-way: the next 'ready' restores from the start.
      return;
    }
    this.lost = false;
    for (const channel of refused.keys()) this.wanted.delete(channel);
    const waiting = this.waiting;
    this.waiting = [];
    for (const w of waiting) {
      if (w.timer) clearTimeout(w.timer);
      const refusal = refused.get(w.request.channel);
      if (refusal === undefined) w.request.resolve();
      else w.request.reject(refusal);
    }
    for (const [channel, err] of refused) this.onRefused(channel, reasonOf(err));
    if (this.wasUp) this.onRestored();
    this.wasUp = true;
  }
}
