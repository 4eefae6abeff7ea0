/**
 * Metric names. `centrifugo_*` are Centrifugo's (internal/metrics and the
 * centrifuge library's metrics.go, v6), with its labels, so its Grafana
 * dashboard and alerts work; they are summed over shards. `switchyard_*`
 * are ours; `switchyard_shard_*` carry a `shard` label.
 */
export const Names = Object.freeze({
  numClients: 'centrifugo_node_num_clients',
  numUsers: 'centrifugo_node_num_users',
  numChannels: 'centrifugo_node_num_channels',
  numSubscriptions: 'centrifugo_node_num_subscriptions',
  numNodes: 'centrifugo_node_num_nodes',
  build: 'centrifugo_node_build',
  messagesSent: 'centrifugo_node_messages_sent_count',
  messagesReceived: 'centrifugo_node_messages_received_count',
  replyErrors: 'centrifugo_client_num_reply_errors',
  serverDisconnects: 'centrifugo_client_num_server_disconnects',
  /** Histogram; the acceptor also derives Centrifugo's summary `centrifugo_client_command_duration_seconds` from it. */
  commandDuration: 'centrifugo_client_command_duration_seconds_histogram',
  commandSummary: 'centrifugo_client_command_duration_seconds',
  transportSent: 'centrifugo_transport_messages_sent',
  transportReceived: 'centrifugo_transport_messages_received',
  /** Histogram; the acceptor also derives the summary `centrifugo_api_command_duration_seconds`. */
  apiDuration: 'centrifugo_api_command_duration_seconds_histogram',
  apiSummary: 'centrifugo_api_command_duration_seconds',
  shardConnections: 'switchyard_shard_connections',
  shardOwnedChannels: 'switchyard_shard_owned_channels',
  shardMailboxPendingBytes: 'switchyard_shard_mailbox_pending_bytes',
  shardMailboxQueuedBytes: 'switchyard_shard_mailbox_queued_bytes',
  shardMailboxQueuedRecords: 'switchyard_shard_mailbox_queued_records',
  shardMailboxFull: 'switchyard_shard_mailbox_full_total',
  shardWakeups: 'switchyard_shard_mailbox_wakeups_total',
  shardFanoutDropped: 'switchyard_shard_fanout_dropped_total',
  publishToWrite: 'switchyard_shard_publish_to_write_seconds',
  shardRestarts: 'switchyard_shard_restarts_total',
  configReloads: 'switchyard_config_reloads_total',
  configVersion: 'switchyard_config_version',
});

/** Prefix of the per-shard metrics (they get a `shard` label instead of being summed). */
export const SHARD_PREFIX = 'switchyard_shard_';

/** Buckets of command durations, seconds (Centrifugo's command histogram buckets). */
export const COMMAND_BUCKETS: readonly number[] = [0.0001, 0.00025, 0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Buckets of publish-to-write latency, seconds. */
export const LATENCY_BUCKETS: readonly number[] = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

/** Quantiles of the summaries derived from histograms (Centrifugo's objectives). */
export const SUMMARY_QUANTILES = Object.freeze([0.5, 0.99, 0.999]);
