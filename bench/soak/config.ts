/**
 * The server config (file form) the soak runs: the Redis engine on the
 * soak's private redis-server, a `soak` namespace whose channels keep
 * history and recover (force_recovery), and a `bulk` namespace without
 * history that only carries the traffic that makes slow consumers fall
 * behind. A reload flips `client.channel_limit` between two values that
 * change nothing for the soak's clients.
 */

/** The namespace of the recoverable channels; channel k is `soak:k`. */
export const SOAK_NAMESPACE = 'soak';
/** The channel slow consumers also join, and the bulk publications fill. */
export const BULK_CHANNEL = 'bulk:fill';
/** The server API key of the soak. */
export const SOAK_API_KEY = 'soak-api-key-not-a-secret-0123456789';

/** Name of recoverable channel `index`. */
export function soakChannel(index: number): string {
  return `${SOAK_NAMESPACE}:${index}`;
}

/**
 * The config file's content for `generation` (0 at start, +1 per reload);
 * `youngMb` sets `shards.max_young_generation_mb` (null: the server's default).
 */
export function soakConfig(shards: number, redisUrl: string, port: number, generation: number, youngMb: number | null = null): Record<string, unknown> {
  const anyone = {
    allow_subscribe_for_client: true,
    allow_subscribe_for_anonymous: true,
  };
  return {
    http_server: { address: '127.0.0.1', port },
    log: { level: 'warn' },
    shards: { count: shards, restart_backoff_min: '100ms', ...(youngMb === null ? {} : { max_young_generation_mb: youngMb }) },
    engine: { type: 'redis', redis: { address: redisUrl, prefix: 'soak', io_timeout: '2s', connect_timeout: '2s' } },
    // A reloaded value that the clients never come near (each subscribes to two channels at most).
    client: { allow_anonymous_connect_without_token: true, channel_limit: 128 + (generation % 2) },
    http_api: { key: SOAK_API_KEY },
    channel: {
      namespaces: [
        // History outlives the run (30 min), so every recovery of the run can be answered from it.
        { name: SOAK_NAMESPACE, ...anyone, history_size: 5000, history_ttl: '30m', force_recovery: true },
        { name: 'bulk', ...anyone },
      ],
    },
  };
}
