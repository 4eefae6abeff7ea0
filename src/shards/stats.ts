/**
 * A shard's counts: what the `info` API lists per shard, what node control
 * announces to other nodes (summed per node), and what the admin web UI
 * charts per shard (src/admin). Counters count since the shard's worker
 * started (a restarted shard starts again from 0); gauges are as they stand.
 */

/** A shard's mailbox as it stands (src/mailbox). */
export interface MailboxStats {
  /** Bytes other shards have written to this shard's rings and it has not read yet (gauge). */
  readonly pending_bytes: number;
  /** Bytes this shard holds in its overflow queues for rings to other shards that were full (gauge). */
  readonly overflow_bytes: number;
  /** Records in those overflow queues (gauge). */
  readonly overflow_records: number;
  /** Times this shard's mailbox was woken from sleep by a sender (counter). */
  readonly wakeups: number;
  /** Records this shard read from its mailbox (counter). */
  readonly drained: number;
  /** Records this shard's sends were refused with 'full' (counter). */
  readonly full: number;
}

/** Mailbox counts before the worker has wired its mailbox (shards built without one, in unit tests). */
export const NO_MAILBOX: MailboxStats = Object.freeze({ pending_bytes: 0, overflow_bytes: 0, overflow_records: 0, wakeups: 0, drained: 0, full: 0 });

/** One shard's counts, as listed by the `info` API. */
export interface ShardStats {
  readonly id: number;
  readonly num_clients: number;
  readonly num_users: number;
  readonly num_channels: number;
  readonly num_subs: number;
  readonly owned_channels: number;
  readonly publications_fanned_out: number;
  readonly fanout_dropped: number;
  readonly frames_published: number;
  /** Publications sent to delta subscribers as a fossil patch. */
  readonly delta_publications: number;
  /** The direct publish path (owner/direct-fanout.ts) and the arrival order (messaging/arrival-order.ts); counters. */
  readonly direct: {
    /** Publications this shard fanned out without their owner (also in publications_fanned_out). */
    readonly publications: number;
    /** Records it posted to other shards for them. */
    readonly records: number;
    /** Publications this shard published to the Redis broker itself, without their owner (they come back through the subscribing shards' own subscriptions). */
    readonly broker_publications: number;
    /**
     * Publications this shard received on its own Redis subscription of a
     * channel it does not own (one that needs nothing from its owner) and
     * fanned out to its own subscribers; one per publication per subscribing
     * shard. Not in publications_fanned_out.
     */
    readonly subscribed_publications: number;
    /** Fan-out records that reached this shard and found no active local channel. */
    readonly unmatched: number;
    /** Records and own sends that waited in the arrival order for another ring to be read. */
    readonly waited: number;
  };
  /** Connections this shard closed for each housekeeping reason: no pong (3012), stale (3502), expired (3005), slow (3008). */
  readonly closed: { readonly no_pong: number; readonly stale: number; readonly expired: number; readonly slow: number };
  /** Publications written to this shard's subscribers: one per local subscriber of the channel per publication (counter). */
  readonly deliveries: number;
  readonly mailbox: MailboxStats;
  /** Times the acceptor restarted this shard index after a crash, before this worker (src/acceptor/supervisor.ts). */
  readonly restarts: number;
  /** Seconds since the shard started. */
  readonly uptime: number;
}
