/**
 * Reading a shard's counts: the one snapshot (ShardStats, stats.ts) that the
 * `info` API, the admin UI and the Prometheus gauges all read, so they never
 * disagree.
 */
import { ShardMetrics } from '../metrics/shard-metrics';
import type { OwnedChannels } from './owner/owned-channels';
import type { DirectFanout } from './owner/direct-fanout';
import type { ArrivalOrder } from './messaging/arrival-order';
import type { Connection } from './session/connection';
import type { Keepalive } from './session/keepalive';
import type { Writer } from './session/writer';
import type { MailboxStats, ShardStats } from './stats';
import type { LocalChannels } from './subscriber/local-channels';

/** What the counts are read from. */
export interface CountedShard {
  readonly id: number;
  readonly connections: ReadonlyMap<string, Connection>;
  readonly byUser: ReadonlyMap<string, unknown>;
  readonly local: LocalChannels;
  readonly owned: OwnedChannels;
  readonly direct: DirectFanout | null;
  readonly order: ArrivalOrder;
  readonly writer: Writer;
  readonly keepalive: Keepalive;
  /** Unix ms when the shard started. */
  readonly startedAt: number;
  /** Times the acceptor restarted this shard index before this worker. */
  readonly restarts: number;
  /** The mailbox as it stands. */
  mailboxStats(): MailboxStats;
}

function subscriptions(shard: { readonly connections: ReadonlyMap<string, Connection> }): number {
  let n = 0;
  for (const conn of shard.connections.values()) n += conn.channels.size;
  return n;
}

/** A shard's counts now. */
export function shardStats(shard: CountedShard): ShardStats {
  const closed = shard.keepalive.closed;
  return {
    id: shard.id,
    num_clients: shard.connections.size,
    num_users: shard.byUser.size,
    num_channels: shard.local.size,
    num_subs: subscriptions(shard),
    owned_channels: shard.owned.size,
    publications_fanned_out: shard.owned.stats.publications + (shard.direct?.stats.publications ?? 0),
    fanout_dropped: shard.owned.stats.dropped + (shard.direct?.stats.dropped ?? 0),
    direct: {
      publications: shard.direct?.stats.publications ?? 0,
      records: shard.direct?.stats.records ?? 0,
      broker_publications: shard.direct?.stats.brokerPublications ?? 0,
      subscribed_publications: shard.owned.stats.subscribed,
      unmatched: shard.local.unmatched,
      waited: shard.order.waited,
    },
    frames_published: shard.writer.published,
    delta_publications: shard.owned.stats.deltas,
    closed: { no_pong: closed.noPong, stale: closed.stale, expired: closed.expired, slow: closed.slow },
    deliveries: shard.local.delivered,
    mailbox: shard.mailboxStats(),
    restarts: shard.restarts,
    uptime: Math.round((Date.now() - shard.startedAt) / 1000),
  };
}

/** The shard's Prometheus metrics, their gauges read from `stats()` at scrape time. */
export function createShardMetrics(enabled: boolean, stats: () => ShardStats): ShardMetrics {
  return new ShardMetrics(enabled, {
    connections: () => stats().num_clients,
    users: () => stats().num_users,
    subscriptions: () => stats().num_subs,
    ownedChannels: () => stats().owned_channels,
    mailbox: () => {
      const m = stats().mailbox;
      return { pendingBytes: m.pending_bytes, queuedBytes: m.overflow_bytes, queuedRecords: m.overflow_records, full: m.full, wakeups: m.wakeups };
    },
    fanoutDropped: () => stats().fanout_dropped,
  });
}
