/**
 * The validated, frozen configuration that every part of switchyard reads.
 * Keys follow Centrifugo v6's layout (snake_case), so a Centrifugo config file
 * works for the features switchyard has. Durations are already converted to
 * milliseconds; sizes are in bytes.
 */

/** Channel options shared by `channel.without_namespace` and each namespace. */
export interface ChannelOptions {
  /** Clients (authenticated or with `client.insecure`) may subscribe without a token. */
  readonly allow_subscribe_for_client: boolean;
  /** Anonymous clients (empty user) may also subscribe, when allow_subscribe_for_client is set. */
  readonly allow_subscribe_for_anonymous: boolean;
  /** Any connected client may publish into the channel. */
  readonly allow_publish_for_client: boolean;
  /** Only clients subscribed to the channel may publish into it. */
  readonly allow_publish_for_subscriber: boolean;
  /** Anonymous clients may publish too, when one of the two options above allows it. */
  readonly allow_publish_for_anonymous: boolean;
  /** Regular expression the channel name (the part after `ns:`) must match; "" means any. */
  readonly channel_regex: string;
  /** Keep presence (who is subscribed) for the channel. */
  readonly presence: boolean;
  /** Emit join/leave events for the channel (delivered to subscribers that ask, or to all with force_push_join_leave). */
  readonly join_leave: boolean;
  /** Deliver join/leave pushes to every subscriber, asked or not. */
  readonly force_push_join_leave: boolean;
  /** Most publications kept in the channel's history; 0 disables history (with history_ttl). */
  readonly history_size: number;
  /** How long a publication stays in history, ms; 0 disables history. */
  readonly history_ttl: number;
  /** How long a stream's position (offset, epoch) outlives its last publication, ms; 0 uses channel.history_meta_ttl. */
  readonly history_meta_ttl: number;
  /** Every subscription is positioned (gap and epoch checks). */
  readonly force_positioning: boolean;
  /** Clients may ask for positioning. */
  readonly allow_positioning: boolean;
  /** Every subscription is recoverable (implies positioning). */
  readonly force_recovery: boolean;
  /** Clients may ask for recovery. */
  readonly allow_recovery: boolean;
  /** Recovery mode: "stream" (or "") recovers missed publications; "cache" returns only the latest one. */
  readonly force_recovery_mode: '' | 'stream' | 'cache';
  /** Delta encodings clients may negotiate: [] or ["fossil"]. */
  readonly allowed_delta_types: readonly string[];
  /** Every publication into the channel is delta-encoded for delta subscribers. */
  readonly delta_publish: boolean;
  /** Connected clients may ask for presence. */
  readonly allow_presence_for_client: boolean;
  /** Subscribers of the channel may ask for presence. */
  readonly allow_presence_for_subscriber: boolean;
  /** Anonymous clients too, where one of the two options above allows it. */
  readonly allow_presence_for_anonymous: boolean;
  /** Connected clients may read history. */
  readonly allow_history_for_client: boolean;
  /** Subscribers of the channel may read history. */
  readonly allow_history_for_subscriber: boolean;
  /** Anonymous clients too, where one of the two options above allows it. */
  readonly allow_history_for_anonymous: boolean;
}

/** One entry of `channel.namespaces`. */
export interface NamespaceConfig extends ChannelOptions {
  /** Namespace name, `^[-a-zA-Z0-9_]{2,}$`; channels `name:rest` belong to it. */
  readonly name: string;
}

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'none';

export interface Config {
  readonly http_server: {
    /** Interface to bind; "" means all interfaces. */
    readonly address: string;
    /** TCP port shared by every shard (SO_REUSEPORT); 0 picks a free port at start. */
    readonly port: number;
  };
  readonly log: {
    readonly level: LogLevel;
  };
  readonly client: {
    /** Development mode: connect without a token, subscribe and publish anywhere. */
    readonly insecure: boolean;
    /** Accept connections without a token as anonymous users. */
    readonly allow_anonymous_connect_without_token: boolean;
    /** Origins allowed to open WebSocket connections; [] rejects any request carrying Origin; ["*"] allows all. */
    readonly allowed_origins: readonly string[];
    /** Server ping interval, ms. */
    readonly ping_interval: number;
    /** How long the client has to answer a ping, ms; must be below ping_interval. */
    readonly pong_timeout: number;
    /** A connection that has not sent `connect` within this time is closed with 3502, ms. */
    readonly stale_close_delay: number;
    /** Most channels one connection may subscribe to; 0 means no limit. */
    readonly channel_limit: number;
    /** Outgoing bytes buffered for one connection before it is disconnected with 3008, bytes. */
    readonly queue_max_size: number;
    /** Most publications one recovery may return; more missed means recovered:false. */
    readonly recovery_max_publication_limit: number;
    /** Most publications one client `history` command returns. */
    readonly history_max_publication_limit: number;
  };
  readonly channel: {
    /** Longest channel name, bytes. */
    readonly max_length: number;
    /** Default for namespaces' history_meta_ttl, ms. */
    readonly history_meta_ttl: number;
    /** Options for channels without a namespace (no `:` in the name). */
    readonly without_namespace: ChannelOptions;
    readonly namespaces: readonly NamespaceConfig[];
  };
  readonly http_api: {
    /** API key checked against `X-API-Key` or `Authorization: apikey <key>`. */
    readonly key: string;
    /** Serve the API without a key (development only). */
    readonly insecure: boolean;
  };
  readonly websocket: {
    /** Largest incoming WebSocket message, bytes. */
    readonly message_size_limit: number;
  };
  readonly health: {
    /** Serve GET /health (200 once every shard is ready). */
    readonly enabled: boolean;
  };
  readonly shutdown: {
    /** How long a graceful drain may take before the process exits anyway, ms. */
    readonly timeout: number;
  };
  readonly shards: {
    /** Number of shard worker threads; 0 means one per available core. */
    readonly count: number;
    /** Bytes in each shard-to-shard mailbox ring; a power of two. */
    readonly mailbox_size: number;
    /** Bytes a full ring may spill into its local overflow queue before post() reports full. */
    readonly mailbox_overflow_limit: number;
    /** Most messages drained from one mailbox per event-loop turn. */
    readonly mailbox_batch: number;
    /** First restart delay after a shard crashes, ms; doubles per crash up to restart_backoff_max. */
    readonly restart_backoff_min: number;
    /** Longest restart delay, ms. */
    readonly restart_backoff_max: number;
  };
}
