/**
 * The driver's side of the subscribers: spreads the connections over a few
 * worker threads (connection j on channel j mod C, in worker j mod W; every
 * slow consumer is a different channel's), asks them for progress, pauses and
 * resumes the slow consumers, and merges their checks.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { CheckReport, ClientWorkerData, FromClientWorker, ProgressReport, ToClientWorker } from './client-messages';
import { soakChannel } from './config';

/** Connections a worker opens at once while starting. */
const START_CONCURRENCY = 64;

type Pending = (message: FromClientWorker) => void;

/** The subscriber worker threads. */
export class ClientPool {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  private constructor(private readonly workers: readonly Worker[]) {
    for (const worker of workers) {
      worker.on('message', (message: FromClientWorker) => {
        if (message.type === 'started') return;
        const waiter = this.pending.get(message.id);
        this.pending.delete(message.id);
        waiter?.(message);
      });
    }
  }

  /** Opens every connection; resolves once each worker subscribed all of its connections, with the failures. */
  static async start(url: string, connections: number, channels: number, slowConsumers: number, threads: number, startedAt: number, timeoutMs: number): Promise<ClientPool> {
    const shares: { channel: string; slow: boolean }[][] = Array.from({ length: threads }, () => []);
    // Slow consumers are spread over the channels (and so over owner shards): the k-th is connection k·step + k mod C.
    const step = Math.max(1, Math.floor(connections / slowConsumers));
    const slow = new Set(Array.from({ length: slowConsumers }, (_, k) => Math.min(connections - 1, k * step + (k % Math.min(channels, step)))));
    for (let j = 0; j < connections; j++) shares[j % threads]!.push({ channel: soakChannel(j % channels), slow: slow.has(j) });
    const workers = shares.map(
      (assignments) => new Worker(join(__dirname, 'client-worker.js'), { workerData: { url, assignments, startedAt, concurrency: START_CONCURRENCY } satisfies ClientWorkerData }),
    );
    const started = workers.map(
      (worker) =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`subscribers not all connected within ${timeoutMs} ms`)), timeoutMs);
          worker.on('message', (message: FromClientWorker) => {
            if (message.type !== 'started') return;
            clearTimeout(timer);
            if (message.failed > 0) reject(new Error(`${message.failed} subscribers failed: ${message.errors.join('; ')}`));
            else resolve();
          });
          worker.once('error', reject);
        }),
    );
    const pool = new ClientPool(workers);
    try {
      await Promise.all(started);
    } catch (err) {
      await pool.stop();
      throw err;
    }
    return pool;
  }

  /** Subscribed and caught-up counts over every worker, against the last acknowledged offset per channel. */
  async progress(lastAcked: Readonly<Record<string, number>>): Promise<ProgressReport> {
    const reports = await this.ask((id) => ({ type: 'progress', id, lastAcked }));
    return reports.reduce<ProgressReport>(
      (sum, m) => (m.type === 'progress' ? { total: sum.total + m.report.total, ready: sum.ready + m.report.ready, caughtUp: sum.caughtUp + m.report.caughtUp } : sum),
      { total: 0, ready: 0, caughtUp: 0 },
    );
  }

  /** Slow consumers stop reading. */
  pauseSlow(): void {
    for (const worker of this.workers) worker.postMessage({ type: 'pause' } satisfies ToClientWorker);
  }

  /** Slow consumers read again. */
  resumeSlow(): void {
    for (const worker of this.workers) worker.postMessage({ type: 'resume' } satisfies ToClientWorker);
  }

  /** Every worker's check against the acknowledged offsets per channel. */
  async check(acked: Readonly<Record<string, readonly number[]>>): Promise<CheckReport[]> {
    const replies = await this.ask((id) => ({ type: 'check', id, acked }));
    return replies.flatMap((m) => (m.type === 'check' ? [m.report] : []));
  }

  /** Closes every connection and ends the workers. */
  async stop(): Promise<void> {
    await Promise.race([this.ask((id) => ({ type: 'stop', id })), new Promise((r) => setTimeout(r, 5000))]);
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private ask(make: (id: number) => ToClientWorker): Promise<FromClientWorker[]> {
    return Promise.all(
      this.workers.map(
        (worker) =>
          new Promise<FromClientWorker>((resolve) => {
            const id = this.nextId++;
            this.pending.set(id, resolve);
            worker.postMessage(make(id));
          }),
      ),
    );
  }
}
