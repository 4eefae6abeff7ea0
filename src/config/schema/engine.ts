/**
 * The schema section of the engine: the memory broker or Redis, with the
 * Redis addresses, prefix and timeouts. Part of the one schema in schema.ts.
 */
import { NO_LIMIT, boolean, duration, integer, string, type FieldsFor } from './nodes';
import type { Config } from '../types';

/** Engine keys of the config file. */
export const ENGINE_FIELDS = {
  engine: {
    kind: 'group',
    fields: {
      type: {
        kind: 'enum',
        values: ['memory', 'redis'],
        default: 'memory',
        doc: '"memory": one process keeps everything in its shards; "redis": processes share publications, history, presence and node control through Redis.',
      },
      redis: {
        kind: 'group',
        fields: {
          address: {
            kind: 'string_list',
            default: ['redis://127.0.0.1:6379'],
            single: true,
            doc: 'Redis address, or a list of them to spread channels over independent instances (consistent hash). `redis://[user:password@]host:port[/db]`, `rediss://` for TLS, `host:port`, `redis+sentinel://host:port?sentinel_master_name=NAME&addr=host2:port2`, `redis+cluster://host:port?addr=host2:port2`.',
          },
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
          connect_timeout: duration('1s', '1ms', 'How long connecting to Redis may take before it is retried.'),
          io_timeout: duration('4s', '1ms', 'How long one Redis command may take; a publish that times out is error 100 (temporary) for the caller.'),
          presence_ttl: duration('60s', '1s', 'How long a presence entry lives in Redis without a refresh, so the entries of a dead process expire.'),
        },
      },
    },
  },
} satisfies FieldsFor<Pick<Config, 'engine'>>;
