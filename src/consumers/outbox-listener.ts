/**
 * LISTEN for outbox notifications: a NOTIFY on the configured channel whose
 * payload is a partition number wakes that partition's worker at once instead
 * of at its next poll. The connection is opened again a second after it
 * fails, for as long as the consumer runs.
 */
import { Client } from 'pg';
import type { Logger } from '../common/log';

/** Delay before listening again after the connection failed, ms. */
const RELISTEN_DELAY_MS = 1_000;

/** A LISTEN connection that calls `wake(partition)` per notification. */
export class OutboxListener {
  private client: Client | null = null;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly dsn: string,
    private readonly channel: string,
    private readonly partitions: number,
    private readonly wake: (partition: number) => void,
    private readonly log: Logger,
  ) {
    void this.listen();
  }

  private async listen(): Promise<void> {
    if (this.stopped) return;
    const client = new Client({ connectionString: this.dsn });
    this.client = client;
    client.on('error', (err) => this.retry(client, err));
    client.on('end', () => this.retry(client));
    client.on('notification', (n) => {
      const partition = Number(n.payload);
      if (Number.isInteger(partition) && partition >= 0 && partition < this.partitions) this.wake(partition);
      else this.log.warn('outbox notification names no partition', { payload: n.payload ?? '' });
    });
    try {
      await client.connect();
      // The channel name passed the config pattern (an identifier), so it is safe to inline.
      await client.query(`LISTEN ${this.channel}`);
    } catch (err) {
      this.retry(client, err);
    }
  }

  private retry(client: Client, err?: unknown): void {
    if (this.stopped || this.client !== client) return;
    this.client = null;
    void client.end().catch(() => undefined);
    this.log.warn('outbox LISTEN connection lost; listening again soon', err instanceof Error ? { error: err.message } : {});
    this.timer = setTimeout(() => void this.listen(), RELISTEN_DELAY_MS);
  }

  /** Stops listening. */
  async close(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const client = this.client;
    this.client = null;
    if (client) await client.end().catch(() => undefined);
  }
}
