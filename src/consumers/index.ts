/*
 * src/consumers/: Centrifugo's `consumers`: sources of server API commands
 * other than HTTP (the PostgreSQL outbox), run on shard 0 of each process and
 * applying each command through a RunCommand the worker entry builds from the
 * server API methods. May import: common, protocol, config.
 */
/**
 * Starts the enabled `consumers` of the config (one set per process, on shard
 * 0), and checks at start-up that their databases answer.
 */
import { Client } from 'pg';
import type { ConsumerConfig } from '../config/types';
import type { Logger } from '../common/log';
import type { Consumer, RunCommand } from './consumer';
import { PostgresOutboxConsumer } from './postgresql';

export type { Consumer, RunCommand } from './consumer';

/** How long the start-up check waits for a database, ms. */
const PROBE_TIMEOUT_MS = 5_000;

/** Starts every enabled consumer; `close()` stops them all. */
export function startConsumers(configs: readonly ConsumerConfig[], run: RunCommand, log: Logger): Consumer {
  const running = configs.filter((c) => c.enabled).map((c) => new PostgresOutboxConsumer(c, run, log));
  for (const c of configs.filter((c) => c.enabled)) log.info('outbox consumer started', { consumer: c.name, table: c.postgresql.outbox_table_name, partitions: c.postgresql.num_partitions });
  return { close: () => Promise.all(running.map((c) => c.close())).then(() => undefined) };
}

/** Connects to each enabled consumer's database once; one line per database that cannot be used. */
export async function probeConsumers(configs: readonly ConsumerConfig[]): Promise<string[]> {
  const checks = configs.map(async (c, i) => {
    if (!c.enabled) return null;
    const client = new Client({ connectionString: c.postgresql.dsn, connectionTimeoutMillis: PROBE_TIMEOUT_MS });
    client.on('error', () => undefined);
    try {
      await client.connect();
      const table = c.postgresql.outbox_table_name;
      await client.query(`SELECT id, method, payload, partition FROM ${table} LIMIT 0`);
      // A row is deleted in the transaction that applied it: without DELETE every applied row would be applied again.
      const may = await client.query<{ user: string; del: boolean }>(`SELECT current_user AS user, has_table_privilege($1, 'DELETE') AS del`, [table]);
      const row = may.rows[0];
      if (row && !row.del) {
        return `consumers[${i}] "${c.name}": PostgreSQL user "${row.user}" may not DELETE from ${table}, so every applied command would be applied again (GRANT DELETE ON ${table} TO "${row.user}")`;
      }
      return null;
    } catch (err) {
      return `consumers[${i}] "${c.name}": PostgreSQL outbox not usable: ${(err as Error).message}`;
    } finally {
      await client.end().catch(() => undefined);
    }
  });
  return (await Promise.all(checks)).filter((x): x is string => x !== null);
}
