/**
 * Config types of the engine sections: the Redis engine and its TLS, the
 * broker and presence manager chosen apart from the engine (Redis, NATS),
 * and the consumers (the PostgreSQL outbox). Part of Config (types.ts).
 */

/** `engine.redis.tls`: TLS towards Redis. */
export interface RedisTlsConfig {
  /** Connect with TLS (also implied by a `rediss://` address). */
  readonly enabled: boolean;
  /** PEM CA certificates to trust instead of the system ones; "" uses the system store. */
  readonly ca_pem: string;
  /** PEM client certificate for mutual TLS; "" for none. */
  readonly cert_pem: string;
  /** PEM key of `cert_pem`; "" for none. */
  readonly key_pem: string;
  /** Name checked against the server certificate; "" uses the host. */
  readonly server_name: string;
  /** Development only: do not verify the server certificate. */
  readonly insecure_skip_verify: boolean;
}

/** A Redis connection (`engine.redis`, `broker.redis`, `presence_manager.redis`): where Redis is and how to talk to it. */
export interface RedisConfig {
  /** Redis addresses; several spread channels over independent instances (jump consistent hash). */
  readonly address: readonly string[];
  /** Redis Cluster seed addresses, one item per cluster ("host:port,host:port"); non-empty selects Cluster mode. */
  readonly cluster_address: readonly string[];
  /** Redis Sentinel addresses, one item per shard ("host:port,host:port"); non-empty selects Sentinel mode. */
  readonly sentinel_address: readonly string[];
  /** Name of the master the Sentinels watch (required with `sentinel_address`). */
  readonly sentinel_master_name: string;
  /** ACL user towards the Sentinels; "" for none. */
  readonly sentinel_user: string;
  /** Password towards the Sentinels; "" for none. */
  readonly sentinel_password: string;
  /** Redis Cluster: publications over sharded PUB/SUB (SSUBSCRIBE/SPUBLISH, Redis 7) instead of cluster-wide PUB/SUB. */
  readonly sharded_pubsub: boolean;
  /** Replicas a publish with history must reach (WAIT) before it is acknowledged; 0 does not wait. */
  readonly wait_replicas: number;
  /** Prefix of every key and PUB/SUB channel. */
  readonly prefix: string;
  /** Database number when the address names none. */
  readonly db: number;
  /** ACL user when the address names none; "" for none. */
  readonly user: string;
  /** Password when the address names none; "" for none. */
  readonly password: string;
  readonly tls: RedisTlsConfig;
  /** How long connecting may take, ms; also how long start-up waits before it gives up. */
  readonly connect_timeout: number;
  /** How long one command may take before it fails, ms. */
  readonly io_timeout: number;
}

/** Redis that also keeps presence (`engine.redis`, `presence_manager.redis`). */
export interface RedisPresenceConfig extends RedisConfig {
  /** How long a presence entry lives without a refresh, ms. */
  readonly presence_ttl: number;
}

/** `engine`: where publications, history and presence live, unless `broker` or `presence_manager` says otherwise. */
export interface EngineConfig {
  /** "memory": one process; "redis": processes linked through Redis. */
  readonly type: 'memory' | 'redis';
  readonly redis: RedisPresenceConfig;
}

/** `broker.nats.raw_mode`: plain NATS subjects, no switchyard framing. */
export interface NatsRawModeConfig {
  readonly enabled: boolean;
  /** Replacements applied to a channel name before it becomes a subject, e.g. {":": "."}. */
  readonly channel_replacements: Readonly<Record<string, string>>;
  /** Added before every subject in raw mode (and stripped from incoming ones). */
  readonly prefix: string;
}

/** `broker.nats`: the NATS server and subjects. */
export interface NatsConfig {
  /** NATS server URL(s), comma-separated. */
  readonly url: string;
  /** Prefix of every subject; processes with the same prefix form one cluster. */
  readonly prefix: string;
  /** How long connecting may take, ms; also how long start-up waits before it gives up. */
  readonly dial_timeout: number;
  /** How long a publish may wait for the server to confirm it, ms. */
  readonly write_timeout: number;
  readonly raw_mode: NatsRawModeConfig;
}

/** `broker`: a broker set apart from the engine (Centrifugo v6). */
export interface BrokerConfig {
  /** Use this section instead of the engine's broker. */
  readonly enabled: boolean;
  readonly type: 'memory' | 'redis' | 'nats';
  readonly redis: RedisConfig;
  readonly nats: NatsConfig;
}

/** `presence_manager`: a presence manager set apart from the engine (Centrifugo v6). */
export interface PresenceManagerConfig {
  /** Use this section instead of the engine's presence manager. */
  readonly enabled: boolean;
  readonly type: 'memory' | 'redis';
  readonly redis: RedisPresenceConfig;
}

/** `consumers[].postgresql`: an outbox table in PostgreSQL. */
export interface PostgresConsumerConfig {
  /** Connection string, e.g. postgres://user:pass@host:5432/db. */
  readonly dsn: string;
  /** The outbox table (id bigserial, method text, payload jsonb or bytea, partition integer). */
  readonly outbox_table_name: string;
  /** Partitions consumed in parallel, each in id order. */
  readonly num_partitions: number;
  /** Most rows read from one partition per transaction. */
  readonly partition_select_limit: number;
  /** How often an idle partition is polled, ms. */
  readonly partition_poll_interval: number;
  /** LISTEN channel whose notifications (payload: partition number) wake a partition at once; "" polls only. */
  readonly partition_notification_channel: string;
  /** Separate connection string for LISTEN; "" uses `dsn`. */
  readonly partition_notification_dsn: string;
  /** pg_try_advisory_xact_lock instead of waiting on pg_advisory_xact_lock. */
  readonly use_try_lock: boolean;
}

/** One entry of `consumers`. */
export interface ConsumerConfig {
  /** Unique name (logs, advisory lock names). */
  readonly name: string;
  readonly enabled: boolean;
  readonly type: 'postgresql';
  readonly postgresql: PostgresConsumerConfig;
}
