/**
 * The PostgreSQL outbox consumer (Centrifugo's `postgresql` consumer, same
 * table and options). A backend inserts API commands into the outbox table in
 * its own transaction:
 *
 *   CREATE TABLE outbox (id bigserial PRIMARY KEY, method text NOT NULL,
 *     payload jsonb NOT NULL, partition integer NOT NULL default 0);
 *
 * One worker per partition loops: in one READ COMMITTED transaction it takes
 * the partition's advisory lock (`pg_advisory_xact_lock(hashtext(
 * 'centrifugo_partition_lock_<name><partition>'))`, or the try variant with
 * `use_try_lock`), so across every process exactly one worker applies a
 * partition at a time; reads up to `partition_select_limit` rows in id order;
 * applies them one by one; deletes those applied; commits. A command that
 * must be retried stops the batch there: the rows after it stay, in order.
 * A process that dies mid-batch commits nothing, so its rows are applied
 * again by the next holder of the lock: at least once, as Centrifugo
 * promises; an `idempotency_key` in a publish makes the repeat harmless.
 * Within one process, a row applied in a batch whose DELETE or COMMIT then
 * failed (the user lost DELETE, the connection dropped) is remembered, and
 * the retry deletes it without applying it again.
 *
 * An idle partition is polled every `partition_poll_interval`, or woken at
 * once by a NOTIFY (outbox-listener.ts).
 */
import { Pool, type PoolClient } from 'pg';
import type { ConsumerConfig } from '../config/types';
import type { Logger } from '../common/log';
import { backoff, type Consumer, type RunCommand } from './consumer';
import { OutboxListener } from './outbox-listener';

/** One outbox row. */
interface OutboxRow {
  readonly id: string;
  readonly method: string;
  readonly payload: unknown;
}

/** Thrown inside a batch when another process holds the partition (use_try_lock). */
class LockBusy extends Error {}

/** The payload column may be jsonb (parsed by pg), bytea or text (JSON inside). */
function payloadOf(raw: unknown): unknown {
  if (Buffer.isBuffer(raw)) return JSON.parse(raw.toString('utf8'));
  if (typeof raw === 'string') return JSON.parse(raw);
  return raw;
}

/** Consumes one outbox table. */
export class PostgresOutboxConsumer implements Consumer {
  private readonly pool: Pool;
  private readonly listener: OutboxListener | null;
  private readonly wakers: ((() => void) | null)[];
  private readonly loops: Promise<void>[] = [];
  /** Per partition: ids of rows applied by a batch that did not commit; the next batch deletes them without applying them. */
  private readonly appliedUncommitted: Set<string>[];
  private stopped = false;

  constructor(
    private readonly config: ConsumerConfig,
    private readonly run: RunCommand,
    private readonly log: Logger,
  ) {
    const pg = config.postgresql;
    this.pool = new Pool({ connectionString: pg.dsn, max: pg.num_partitions + 1, application_name: `switchyard-outbox-${config.name}` });
    this.pool.on('error', (err) => this.log.warn('outbox connection error', { consumer: config.name, error: err.message }));
    this.wakers = Array.from({ length: pg.num_partitions }, () => null);
    this.appliedUncommitted = Array.from({ length: pg.num_partitions }, () => new Set<string>());
    this.listener = pg.partition_notification_channel
      ? new OutboxListener(pg.partition_notification_dsn || pg.dsn, pg.partition_notification_channel, pg.num_partitions, (p) => this.wake(p), log)
      : null;
    for (let p = 0; p < pg.num_partitions; p++) this.loops.push(this.loop(p));
  }

  private wake(partition: number): void {
    const waker = this.wakers[partition];
    this.wakers[partition] = null;
    waker?.();
  }

  /** Waits `ms`, or less when the partition is woken or the consumer stops. */
  private sleep(partition: number, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wakers[partition] = done;
    });
  }

  private async loop(partition: number): Promise<void> {
    const pg = this.config.postgresql;
    let retries = 0;
    let failing = false;
    while (!this.stopped) {
      try {
        const applied = await this.batch(partition);
        if (failing) this.log.info('outbox consumer works again', { consumer: this.config.name, partition });
        failing = false;
        retries = 0;
        if (applied < pg.partition_select_limit) await this.sleep(partition, pg.partition_poll_interval);
      } catch (err) {
        if (err instanceof LockBusy) {
          await this.sleep(partition, pg.partition_poll_interval);
          continue;
        }
        if (!failing) this.log.error('outbox consumer failed; retrying', { consumer: this.config.name, partition, error: (err as Error).message });
        failing = true;
        await this.sleep(partition, backoff(++retries));
      }
    }
  }

  /** One transaction over one partition; resolves with the number of rows applied, rejects to retry. */
  private async batch(partition: number): Promise<number> {
    const pg = this.config.postgresql;
    const client: PoolClient = await this.pool.connect();
    let broken: unknown = null;
    try {
      await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
      const lock = `centrifugo_partition_lock_${this.config.name}${partition}`;
      if (pg.use_try_lock) {
        const got = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock(hashtext($1)) AS ok', [lock]);
        if (!got.rows[0]?.ok) throw new LockBusy();
      } else {
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [lock]);
      }
      // The table name passed the config pattern (an identifier), so it is safe to inline.
      const rows = await client.query<OutboxRow>(
        `SELECT id, method, payload FROM ${pg.outbox_table_name} WHERE partition = $1 ORDER BY id ASC LIMIT $2`,
        [partition, pg.partition_select_limit],
      );
      const done: string[] = [];
      const applied = this.appliedUncommitted[partition]!;
      let skipped = 0;
      let retry: unknown = null;
      for (const row of rows.rows) {
        if (this.stopped) break;
        if (applied.has(row.id)) {
          skipped++;
          done.push(row.id);
          continue;
        }
        try {
          await this.apply(row);
          applied.add(row.id);
          done.push(row.id);
        } catch (err) {
          retry = err;
          break;
        }
      }
      if (skipped > 0) this.log.info('outbox rows applied by a batch that did not commit: deleted now, not applied again', { consumer: this.config.name, partition, rows: skipped });
      if (done.length > 0) await client.query(`DELETE FROM ${pg.outbox_table_name} WHERE id = ANY($1::bigint[])`, [done]);
      await client.query('COMMIT');
      for (const id of done) applied.delete(id);
      // An empty partition holds none of the remembered rows (another process may have deleted them).
      if (rows.rows.length === 0) applied.clear();
      if (retry) throw retry;
      return done.length;
    } catch (err) {
      broken = err;
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      // A connection whose query failed may be dead: let the pool drop it.
      client.release(broken !== null && !(broken instanceof LockBusy) ? (broken as Error) : undefined);
    }
  }

  private async apply(row: OutboxRow): Promise<void> {
    let payload: unknown;
    try {
      payload = payloadOf(row.payload);
    } catch {
      this.log.error('outbox payload is not JSON; skipped', { consumer: this.config.name, id: row.id, method: row.method });
      return;
    }
    await this.run(row.method, payload);
  }

  async close(): Promise<void> {
    this.stopped = true;
    for (let p = 0; p < this.wakers.length; p++) this.wake(p);
    await this.listener?.close();
    await Promise.all(this.loops);
    await this.pool.end();
  }
}
