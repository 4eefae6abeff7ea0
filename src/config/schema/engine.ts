/**
 * The schema sections of the engines (Centrifugo v6 layout): `engine` (memory
 * or Redis, broker and presence together), and `broker` and
 * `presence_manager` to choose each apart (e.g. NATS for publications, Redis
 * for presence). Part of the one schema in schema.ts.
 */
import { NO_LIMIT, boolean, duration, integer, string, type FieldsFor, type Group } from './nodes';
import type { BrokerConfig, Config, NatsConfig, PresenceManagerConfig, RedisConfig, RedisPresenceConfig } from '../types';

/** The Redis connection keys, shared by `engine.redis`, `broker.redis` and `presence_manager.redis`. */
function redisFields(): FieldsFor<RedisConfig> {
  return {
    address: {
      kind: 'string_list',
      default: ['redis://127.0.0.1:6379'],
      single: true,
      doc: 'Redis address, or a list of them to spread channels over independent instances (consistent hash). `redis://[user:password@]host:port[/db]`, `rediss://` for TLS, `host:port`, `redis+sentinel://host:port?sentinel_master_name=NAME&addr=host2:port2`, `redis+cluster://host:port?addr=host2:port2`. Ignored when `cluster_address` or `sentinel_address` is set.',
    },
    cluster_address: {
      kind: 'string_list',
      default: [],
      single: true,
      doc: 'Redis Cluster seed nodes, `host:port` comma-separated within one cluster; several items spread channels over independent clusters. Non-empty selects Cluster mode (a channel\'s keys share the hash tag `{channel}`).',
    },
    sentinel_address: {
      kind: 'string_list',
      default: [],
      single: true,
      doc: 'Redis Sentinel nodes, `host:port` comma-separated within one shard; several items spread channels over independent masters. Non-empty selects Sentinel mode (needs `sentinel_master_name`).',
    },
    sentinel_master_name: string('', 'Name of the master the Sentinels watch; required with `sentinel_address`.'),
    sentinel_user: string('', 'ACL user towards the Sentinels; "" for none.'),
    sentinel_password: string('', 'Password towards the Sentinels; "" for none.'),
    sharded_pubsub: boolean(
      false,
      'Redis Cluster only: carry publications, join/leave and history sync markers over sharded PUB/SUB (SSUBSCRIBE/SPUBLISH, Redis 7): each message goes only to the nodes of its channel\'s slot, and each process subscribes on the node that serves the slot, instead of every message crossing the whole cluster. Every process of one prefix must agree. Node control stays on classic PUB/SUB.',
    ),
    wait_replicas: integer(
      0,
      0,
      16,
      'Replicas a publish with history must reach (Redis WAIT, at most half of `io_timeout`) before it is acknowledged, so a failover (Cluster or Sentinel) cannot lose an acknowledged publication; a publish that reaches fewer answers error 100. 0 does not wait (Centrifugo\'s behaviour: replication is asynchronous).',
    ),
    prefix: {
      kind: 'string',
      default: 'switchyard',
      pattern: '^[^{}]+$',
      doc: 'Prefix of every Redis key and PUB/SUB channel; processes with the same prefix form one cluster. No `{` or `}` (they would break Redis Cluster hash tags).',
    },
    db: integer(0, 0, NO_LIMIT, 'Database number, when the address names none.'),
    user: string('', 'ACL user, when the address names none; "" for none.'),
    password: string('', 'Password, when the address names none; "" for none.'),
    tls: {
      kind: 'group',
      fields: {
        enabled: boolean(false, 'Connect with TLS (a `rediss://` address does too).'),
        ca_pem: string('', 'PEM CA certificates to trust; "" uses the system store.'),
        cert_pem: string('', 'PEM client certificate for mutual TLS; "" for none.'),
        key_pem: string('', 'PEM key of `cert_pem`; "" for none.'),
        server_name: string('', 'Server name checked against the certificate; "" uses the host.'),
        insecure_skip_verify: boolean(false, 'Development only: do not verify the server certificate.'),
      },
    },
    connect_timeout: duration(
      '1s',
      '1ms',
      'How long connecting to Redis may take before it is retried. At start-up, a process that cannot reach Redis within it exits with status 1.',
    ),
    io_timeout: duration('4s', '1ms', 'How long one Redis command may take; a publish that times out is error 100 (temporary) for the caller.'),
  };
}

function redisPresenceFields(): FieldsFor<RedisPresenceConfig> {
  return {
    ...redisFields(),
    presence_ttl: duration('60s', '1s', 'How long a presence entry lives in Redis without a refresh, so the entries of a dead process expire.'),
  };
}

const NATS_FIELDS: FieldsFor<NatsConfig> = {
  url: string('nats://127.0.0.1:4222', 'NATS server URL; several comma-separated for a NATS cluster.'),
  prefix: {
    kind: 'string',
    default: 'switchyard',
    pattern: '^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*$',
    doc: 'Prefix of every subject (`<prefix>.client.<channel>`, `<prefix>.control`, `<prefix>.node.<uid>`); processes with the same prefix form one cluster.',
  },
  dial_timeout: duration('1s', '1ms', 'How long connecting to NATS may take. At start-up, a process that cannot reach NATS within it exits with status 1.'),
  write_timeout: duration(
    '1s',
    '1ms',
    'How long a publish may wait for the NATS server to confirm it received it; a publish that times out, or is made while NATS is unreachable, is error 100 (temporary).',
  ),
  raw_mode: {
    kind: 'group',
    fields: {
      enabled: boolean(
        false,
        'Raw mode: a channel is the plain subject `raw_mode.prefix` + channel (after `channel_replacements`), and a publication is its data alone, so other NATS programs can publish JSON to channels. No client info, tags, join/leave or presence events.',
      ),
      channel_replacements: {
        kind: 'string_map',
        doc: 'Raw mode: strings replaced in a channel name to make its subject, e.g. `{":": "."}`.',
      },
      prefix: string('', 'Raw mode: added before every subject; "" for none.'),
    },
  },
};

/** Engine keys of the config file. */
export const ENGINE_FIELDS = {
  engine: {
    kind: 'group',
    fields: {
      type: {
        kind: 'enum',
        values: ['memory', 'redis'],
        default: 'memory',
        doc: '"memory": one process keeps everything in its shards; "redis": processes share publications, history, presence and node control through Redis. `broker` and `presence_manager`, when enabled, replace either part.',
      },
      redis: { kind: 'group', fields: redisPresenceFields() },
    },
  },
  broker: {
    kind: 'group',
    fields: {
      enabled: boolean(false, 'Use this broker (publications, history, node control) instead of the engine\'s.'),
      type: {
        kind: 'enum',
        values: ['memory', 'redis', 'nats'],
        default: 'memory',
        doc: '"memory", "redis", or "nats" (at-most-once PUB/SUB, no history: a channel with history is a config error).',
      },
      redis: { kind: 'group', fields: redisFields() },
      nats: { kind: 'group', fields: NATS_FIELDS },
    },
  } satisfies Group<FieldsFor<BrokerConfig>>,
  presence_manager: {
    kind: 'group',
    fields: {
      enabled: boolean(false, 'Use this presence manager instead of the engine\'s.'),
      type: { kind: 'enum', values: ['memory', 'redis'], default: 'memory', doc: '"memory" (per process) or "redis" (shared by every process).' },
      redis: { kind: 'group', fields: redisPresenceFields() },
    },
  } satisfies Group<FieldsFor<PresenceManagerConfig>>,
} satisfies FieldsFor<Pick<Config, 'engine' | 'broker' | 'presence_manager'>>;
