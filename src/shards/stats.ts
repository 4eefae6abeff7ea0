/**
 * A shard's counts: what the `info` API lists per shard and what node
 * control announces to other nodes (summed per node).
 */
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
  /** Connections this shard closed for each housekeeping reason: no pong (3012), stale (3502), expired (3005), slow (3008). */
  readonly closed: { readonly no_pong: number; readonly stale: number; readonly expired: number; readonly slow: number };
  /** Seconds since the shard started. */
  readonly uptime: number;
}
