/**
 * The schema section of `consumers` (Centrifugo v6): asynchronous sources of
 * server API commands. Only the PostgreSQL outbox kind exists. Part of the one
 * schema in schema.ts.
 */
import { boolean, duration, integer, string, type FieldsFor } from './nodes';
import type { Config, ConsumerConfig, PostgresConsumerConfig } from '../types';

const POSTGRESQL_FIELDS: FieldsFor<PostgresConsumerConfig> = {
  dsn: string('', 'PostgreSQL connection string, e.g. `postgres://user:pass@127.0.0.1:5432/db`; required when the consumer is enabled.'),
  outbox_table_name: {
    kind: 'string',
    default: '',
    pattern: '^([A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?)?$',
    doc: 'The outbox table (`id bigserial primary key, method text, payload jsonb or bytea, partition integer`), optionally `schema.table`; required when the consumer is enabled.',
  },
  num_partitions: integer(1, 1, 4096, 'Partitions (values of the `partition` column, 0 to N-1) consumed in parallel; each is applied in `id` order.'),
  partition_select_limit: integer(100, 1, 100_000, 'Most rows read from one partition in one transaction.'),
  partition_poll_interval: duration('300ms', '1ms', 'How often a partition with nothing left is polled again.'),
  partition_notification_channel: {
    kind: 'string',
    default: '',
    pattern: '^([A-Za-z_][A-Za-z0-9_]*)?$',
    doc: 'LISTEN channel; a NOTIFY whose payload is a partition number wakes that partition at once. "" polls only.',
  },
  partition_notification_dsn: string('', 'Connection string of the LISTEN connection (a direct PostgreSQL URL when `dsn` goes through PgBouncer); "" uses `dsn`.'),
  use_try_lock: boolean(false, 'Skip a partition another process holds (`pg_try_advisory_xact_lock`) instead of waiting for its lock (`pg_advisory_xact_lock`).'),
};

/** Consumer keys of the config file. */
export const CONSUMER_FIELDS = {
  consumers: {
    kind: 'object_list',
    itemName: 'consumer',
    item: {
      name: { kind: 'string', pattern: '^[A-Za-z0-9_-]+$', doc: 'Consumer name (required, unique); names its advisory locks and log lines.' },
      enabled: boolean(false, 'Run this consumer.'),
      type: { kind: 'enum', values: ['postgresql'], default: 'postgresql', doc: '"postgresql": API commands from an outbox table.' },
      postgresql: { kind: 'group', fields: POSTGRESQL_FIELDS },
    } satisfies FieldsFor<ConsumerConfig>,
    unique: 'name',
    doc: 'Consumers of server API commands; each applies `method` with `payload` as the HTTP API would, at least once, in order per partition.',
  },
} satisfies FieldsFor<Pick<Config, 'consumers'>>;
