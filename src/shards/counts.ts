/**
 * Reading a shard's counts: the `info` API's ShardStats (stats.ts), and the
 * gauges its Prometheus metrics read at scrape time.
 */
import { ShardMetrics } from '../metrics/shard-metrics';
import type { OutboxPort } from './messaging/postman';
import type { OwnedChannels } from './owner/owned-channels';
import type { Connection } from './session/connection';
import type { Keepalive } from './session/keepalive';
import type { Writer } from './session/writer';
import type { LocalChannels } from './subscriber/local-channels';
import type { ShardStats } from './stats';

/** What the counts are read from. */
export interface CountedShard {
  readonly id: number;
  readonly connections: ReadonlyMap<string, Connection>;
  readonly byUser: ReadonlyMap<string, unknown>;
  readonly local: LocalChannels;
  readonly owned: OwnedChannels;
  readonly writer: Writer;
  readonly keepalive: Keepalive;
  readonly startedAt: number;
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
    publications_fanned_out: shard.owned.stats.publications,
    fanout_dropped: shard.owned.stats.dropped,
    frames_published: shard.writer.published,
    delta_publications: shard.owned.stats.deltas,
    closed: { no_pong: closed.noPong, stale: closed.stale, expired: closed.expired, slow: closed.slow },
    uptime: Math.round((Date.now() - shard.startedAt) / 1000),
  };
}

const NO_MAILBOX = Object.freeze({ queuedBytes: 0, queuedRecords: 0, full: 0, wakeups: 0 });

/** The shard's Prometheus metrics, its gauges read from the shard at scrape time (`owned` may be built after this). */
export function createShardMetrics(enabled: boolean, shard: Omit<CountedShard, 'local' | 'writer' | 'keepalive' | 'startedAt' | 'id'>, outbox: OutboxPort): ShardMetrics {
  return new ShardMetrics(enabled, {
    connections: () => shard.connections.size,
    users: () => shard.byUser.size,
    subscriptions: () => subscriptions(shard),
    ownedChannels: () => shard.owned.size,
    mailbox: () => outbox.stats?.() ?? NO_MAILBOX,
    fanoutDropped: () => shard.owned.stats.dropped,
  });
}
