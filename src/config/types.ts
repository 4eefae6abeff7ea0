/**
 * The validated, frozen configuration that every part of switchyard reads.
 * Keys follow Centrifugo v6's layout (snake_case), so a Centrifugo config file
 * works for the features switchyard has. Durations are already converted to
 * milliseconds; sizes are in bytes.
 */
import type { UniDisconnectTransform } from '../protocol/uni-push';
import type { BrokerConfig, ConsumerConfig, EngineConfig, PresenceManagerConfig } from './engine-types';
import type { ClientLimitsConfig } from './limits-types';
import type { HttpServerConfig, LogConfig } from './operations-types';
import type { ClientProxyConfig, NamedProxyConfig, ProxyConfig, TlsConfig } from './proxy-types';
import type { ConfigOptions, HttpApiConfig } from './schema/api';

export type { BrokerConfig, ConsumerConfig, EngineConfig, NatsConfig, NatsRawModeConfig, PostgresConsumerConfig, PresenceManagerConfig, RedisConfig, RedisPresenceConfig, RedisTlsConfig } from './engine-types';
export type { HttpServerConfig, HttpServerTlsConfig, LogConfig } from './operations-types';
export type { ClientProxyConfig, NamedProxyConfig, ProxyConfig, StatusToCodeTransform, TlsConfig } from './proxy-types';
export type { ConfigOptions, HttpApiConfig } from './schema/api';

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
  /** Subscribers may send a tags filter (`tf`) and receive only matching publications. */
  readonly allow_tags_filter: boolean;
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
  /** Channels `name#42,43` may be subscribed (without a token) only by the users listed after `#`. */
  readonly allow_user_limited_channels: boolean;
  /** Subscribe requests without a token are decided by the subscribe proxy. */
  readonly subscribe_proxy_enabled: boolean;
  /** Which proxy decides subscribes: "default" is `channel.proxy.subscribe`, another name is an entry of `proxies`. */
  readonly subscribe_proxy_name: string;
  /** Client publications are decided (and may be rewritten) by the publish proxy. */
  readonly publish_proxy_enabled: boolean;
  /** Which proxy decides publications: "default" is `channel.proxy.publish`, another name an entry of `proxies`. */
  readonly publish_proxy_name: string;
  /** Expiring subscriptions are refreshed by the sub_refresh proxy, not by the client. */
  readonly sub_refresh_proxy_enabled: boolean;
  /** Which proxy refreshes subscriptions: "default" is `channel.proxy.sub_refresh`, another name an entry of `proxies`. */
  readonly sub_refresh_proxy_name: string;
}

/** How JWTs are verified: `client.token`, and `client.subscription_token` when enabled. */
export interface TokenConfig {
  /** Secret of HS256/HS384/HS512 tokens; "" refuses HMAC tokens. */
  readonly hmac_secret_key: string;
  /** The secret before a rotation, still accepted for HMAC tokens; "" for none. */
  readonly hmac_previous_secret_key: string;
  /** Unix time, seconds, after which the previous secret is refused; 0 means no limit. */
  readonly hmac_previous_secret_key_valid_until: number;
  /** PEM public key of RS256/RS384/RS512 tokens; "" refuses RSA tokens. */
  readonly rsa_public_key: string;
  /** PEM public key of ES256/ES384/ES512 tokens; "" refuses ECDSA tokens. */
  readonly ecdsa_public_key: string;
  /** URL of a JWKS; when set, tokens are verified with its keys only (found by `kid`). */
  readonly jwks_public_endpoint: string;
  /** Required `aud`; "" does not check it. */
  readonly audience: string;
  /** Regular expression one `aud` must match; "" does not check it. */
  readonly audience_regex: string;
  /** Required `iss`; "" does not check it. */
  readonly issuer: string;
  /** Regular expression `iss` must match; "" does not check it. */
  readonly issuer_regex: string;
  /** Claim (dotted path) holding the user id instead of `sub`; "" uses `sub`. */
  readonly user_id_claim: string;
}

/** `client.subscription_token`: separate keys for subscription tokens. */
export interface SubscriptionTokenConfig extends TokenConfig {
  /** Verify subscription tokens with this section instead of `client.token`. */
  readonly enabled: boolean;
}

/** RPC options of `rpc.without_namespace` and each RPC namespace. */
export interface RpcOptions {
  /** RPC calls are sent to the RPC proxy. */
  readonly proxy_enabled: boolean;
  /** Which proxy: "default" is `rpc.proxy`, another name an entry of `proxies`. */
  readonly proxy_name: string;
}

/** One entry of `rpc.namespaces`: methods `name:rest` use its options. */
export interface RpcNamespaceConfig extends RpcOptions {
  /** Namespace name, `^[-a-zA-Z0-9_]{2,}$`. */
  readonly name: string;
}

/** One entry of `channel.namespaces`. */
export interface NamespaceConfig extends ChannelOptions {
  /** Namespace name, `^[-a-zA-Z0-9_]{2,}$`; channels `name:rest` belong to it. */
  readonly name: string;
}

export interface Config {
  readonly http_server: HttpServerConfig;
  readonly log: LogConfig;
  /** Path of a file the running process writes its pid to (`switchyard reload` reads it); "" for none. */
  readonly pid_file: string;
  readonly prometheus: {
    /** Serve Prometheus metrics at GET /metrics (on the internal port when there is one). */
    readonly enabled: boolean;
  };
  readonly client: ClientLimitsConfig & {
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
    /** How often presence entries are refreshed in a shared (Redis) presence store, ms; they expire after `engine.redis.presence_ttl`. */
    readonly presence_update_interval: number;
    /** Most commands of one connection in flight at once; 0 or 1 runs them one at a time, in order. */
    readonly concurrency: number;
    /** Put the server time (Unix ms) in the connect result (`time`). */
    readonly connect_include_server_time: boolean;
    /** Connection token verification (and subscription tokens unless `subscription_token.enabled`). */
    readonly token: TokenConfig;
    /** Separate verification for subscription tokens. */
    readonly subscription_token: SubscriptionTokenConfig;
    /** Refuse connection tokens with an empty user (disconnect 3507). */
    readonly disallow_anonymous_connection_tokens: boolean;
    /** Development only: accept tokens without checking their signature. */
    readonly insecure_skip_token_signature_verify: boolean;
    /** Trusted header of the upgrade request that names the user of a connection without a token; "" for none. */
    readonly user_id_http_header: string;
    /** How long an expired connection may go unrefreshed before it is closed with 3005, ms. */
    readonly expired_close_delay: number;
    /** How long an expired subscription may go unrefreshed before it ends (2501, or 3006 server-side), ms. */
    readonly expired_sub_close_delay: number;
    readonly subscribe_to_user_personal_channel: {
      /** Subscribe each connection of a known user to its personal channel `ns:#user`, server-side. */
      readonly enabled: boolean;
      /** Namespace of personal channels; "" makes them `#user`. */
      readonly personal_channel_namespace: string;
      /** Keep one connection per user: a new connection disconnects the user's others with 3504. */
      readonly single_connection: boolean;
    };
    /** Connect error code → disconnect on unidirectional transports (which cannot read error replies). */
    readonly connect_code_to_unidirectional_disconnect: {
      readonly enabled: boolean;
      readonly transforms: readonly UniDisconnectTransform[];
    };
    readonly proxy: {
      /** Decides connections that come without a token. */
      readonly connect: ClientProxyConfig;
      /** Refreshes expiring connections server-side (instead of client `refresh` commands). */
      readonly refresh: ClientProxyConfig;
    };
  };
  readonly channel: {
    /** Longest channel name, bytes. */
    readonly max_length: number;
    /** Largest publication data, bytes (JSON text, or decoded b64data); bigger ones get 413 (HTTP API) or 107. */
    readonly publication_size_limit: number;
    /** Default for namespaces' history_meta_ttl, ms. */
    readonly history_meta_ttl: number;
    /** Options for channels without a namespace (no `:` in the name). */
    readonly without_namespace: ChannelOptions;
    readonly namespaces: readonly NamespaceConfig[];
    readonly proxy: {
      /** The "default" subscribe proxy. */
      readonly subscribe: ProxyConfig;
      /** The "default" publish proxy. */
      readonly publish: ProxyConfig;
      /** The "default" sub_refresh proxy. */
      readonly sub_refresh: ProxyConfig;
    };
  };
  readonly rpc: {
    /** The "default" RPC proxy. */
    readonly proxy: ProxyConfig;
    /** Options for methods without a namespace (no `:`). */
    readonly without_namespace: RpcOptions;
    readonly namespaces: readonly RpcNamespaceConfig[];
    readonly ping: {
      /** Answer the RPC method `ping.method` with an empty result, without a proxy. */
      readonly enabled: boolean;
      /** Name of the built-in ping method. */
      readonly method: string;
    };
  };
  /** Named proxies for `*_proxy_name` options. */
  readonly proxies: readonly NamedProxyConfig[];
  readonly http_api: HttpApiConfig;
  /** The admin web UI (src/admin). */
  readonly admin: {
    /** Serve the admin web UI and its endpoints. */
    readonly enabled: boolean;
    /** Password exchanged for an admin token at login. */
    readonly password: string;
    /** Key that signs admin tokens (HMAC-SHA256). */
    readonly secret: string;
    /** No login: every admin endpoint is open (development only). */
    readonly insecure: boolean;
    /** Path the UI is served under ("" = at /). */
    readonly handler_prefix: string;
  };
  /** The server API over gRPC, served by shard 0. */
  readonly grpc_api: {
    /** Run the gRPC API server. */
    readonly enabled: boolean;
    /** Interface to bind; "" means all interfaces. */
    readonly address: string;
    /** Port; 0 picks a free one at start. */
    readonly port: number;
    /** Calls must send `authorization: apikey <key>`; "" checks nothing. */
    readonly key: string;
    /** "transport" answers method errors as gRPC statuses; "" in the response's `error`. */
    readonly error_mode: '' | 'transport';
    /** Serve gRPC server reflection. */
    readonly reflection: boolean;
    /** Largest request, bytes; 0 keeps the gRPC default. */
    readonly max_receive_message_size: number;
    readonly tls: TlsConfig;
  };
  readonly websocket: {
    /** Largest incoming WebSocket message (after decompression), bytes. */
    readonly message_size_limit: number;
    /** Negotiate permessage-deflate with clients that offer it. */
    readonly compression: boolean;
    /** Messages shorter than this go out uncompressed, bytes. */
    readonly compression_min_size: number;
    /** Centrifugo's deflate level (-2..9); accepted, but uWS deflates at zlib's default level. */
    readonly compression_level: number;
  };
  readonly http_stream: {
    /** Serve POST /connection/http_stream. */
    readonly enabled: boolean;
    /** Largest connect request body, bytes. */
    readonly max_request_body_size: number;
  };
  readonly sse: {
    /** Serve GET|POST /connection/sse. */
    readonly enabled: boolean;
    /** Largest connect request body of a POST, bytes. */
    readonly max_request_body_size: number;
  };
  readonly emulation: {
    /** Largest POST /emulation body, bytes (served when http_stream or sse is enabled). */
    readonly max_request_body_size: number;
  };
  readonly uni_websocket: {
    /** Serve /connection/uni_websocket. */
    readonly enabled: boolean;
    /** Largest incoming message (the connect request), bytes. */
    readonly message_size_limit: number;
    /** Join the pushes of one write into one frame, newline-separated. */
    readonly join_push_messages: boolean;
    /** Skip the disconnect push before the close frame. */
    readonly disable_disconnect_push: boolean;
    /** Negotiate permessage-deflate with clients that offer it. */
    readonly compression: boolean;
    /** Messages shorter than this go out uncompressed, bytes. */
    readonly compression_min_size: number;
    /** Centrifugo's deflate level (-2..9); accepted, but uWS deflates at zlib's default level. */
    readonly compression_level: number;
  };
  readonly uni_sse: {
    /** Serve /connection/uni_sse. */
    readonly enabled: boolean;
    /** Largest POST body (the connect request), bytes. */
    readonly max_request_body_size: number;
  };
  readonly uni_http_stream: {
    /** Serve /connection/uni_http_stream. */
    readonly enabled: boolean;
    /** Largest POST body (the connect request), bytes. */
    readonly max_request_body_size: number;
  };
  readonly uni_grpc: {
    /** Run the unidirectional gRPC server. */
    readonly enabled: boolean;
    /** Interface to bind; "" means all interfaces. */
    readonly address: string;
    /** Port of the gRPC server; 0 picks a free one at start. */
    readonly port: number;
    /** Largest gRPC request, bytes; 0 keeps the gRPC default. */
    readonly max_receive_message_size: number;
    readonly tls: TlsConfig;
  };
  readonly health: {
    /** Serve GET /health (200 once every shard is ready). */
    readonly enabled: boolean;
  };
  readonly shutdown: {
    /** How long a graceful drain may take before the process exits anyway, ms. */
    readonly timeout: number;
  };
  /** Where publications, history and presence live. */
  readonly engine: EngineConfig;
  /** A broker apart from the engine. */
  readonly broker: BrokerConfig;
  /** A presence manager apart from the engine. */
  readonly presence_manager: PresenceManagerConfig;
  /** Asynchronous sources of server API commands (PostgreSQL outbox). */
  readonly consumers: readonly ConsumerConfig[];
  readonly shards: {
    /** Number of shard worker threads; 0 means one per available core. */
    readonly count: number;
    /** Bytes in each shard-to-shard mailbox ring; a power of two. */
    readonly mailbox_size: number;
    /** Bytes a full ring may spill into its local overflow queue before post() reports full. */
    readonly mailbox_overflow_limit: number;
    /** Most messages drained from one mailbox per event-loop turn. */
    readonly mailbox_batch: number;
    /** Most memory each shard thread's V8 young generation may take, MB; 0 = V8's default. */
    readonly max_young_generation_mb: number;
    /** First restart delay after a shard crashes, ms; doubles per crash up to restart_backoff_max. */
    readonly restart_backoff_min: number;
    /** Longest restart delay, ms. */
    readonly restart_backoff_max: number;
  };
  readonly config: ConfigOptions;
}
