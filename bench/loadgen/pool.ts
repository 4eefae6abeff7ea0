/**
 * The load generator as the main thread sees it: `workers` piscina threads,
 * each running one long task (worker.ts) that holds a share of every
 * session's connections. A session is the set of connections to one server;
 * connection j goes to worker j mod workers, so each worker has an even share
 * of every channel.
 */
import path from 'node:path';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { decodeFromCompressedBase64, type Histogram } from 'hdr-histogram-js';
import Piscina from 'piscina';
import type { CommandMap, CommandName, Envelope, LoadProtocol, OpenReport, Reply, WindowReport, WorkerSummary, WorkerTask } from './messages';
import { latencyHistogram } from './session';

/** How many handshakes each worker keeps in flight while opening a session. */
const CONNECT_CONCURRENCY = 50;

/** Request/answer over one worker's port. */
class WorkerLink {
  private nextRid = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();

  constructor(private readonly port: MessagePort) {
    port.on('message', (reply: Reply) => {
      const waiter = this.pending.get(reply.rid);
      if (!waiter) return;
      this.pending.delete(reply.rid);
      if (reply.error !== undefined) waiter.reject(new Error(reply.error));
      else waiter.resolve(reply.answer);
    });
  }

  call<N extends CommandName>(name: N, request: CommandMap[N]['request']): Promise<CommandMap[N]['answer']> {
    const rid = this.nextRid++;
    return new Promise((resolve, reject) => {
      this.pending.set(rid, { resolve: resolve as (value: unknown) => void, reject });
      this.port.postMessage({ rid, name, request } satisfies Envelope<N>);
    });
  }

  close(): void {
    this.port.close();
  }
}

/** What all workers measured in one window, merged. */
export interface SessionWindow {
  /** Latencies of recorded publications, µs. */
  readonly histogram: Histogram;
  readonly recorded: number;
  readonly receivedInWindow: number;
  readonly received: number;
  /** Message bytes received inside the window. */
  readonly bytesInWindow: number;
  /** Socket bytes read for the window's messages (compressed when deflate is on). */
  readonly wireBytesInWindow: number;
  /** Publication pushes that could not be read (delta patches that did not apply). */
  readonly unreadable: number;
  readonly disconnected: number;
  readonly closeCodes: Readonly<Record<string, number>>;
  /** Per worker: CPU seconds of its thread, and event-loop utilization (0..1), during the window. */
  readonly workerCpuSeconds: readonly number[];
  readonly workerUtilization: readonly number[];
}

/** The connections of one server, spread over the workers. */
export class Session {
  constructor(
    private readonly links: readonly WorkerLink[],
    private readonly id: number,
    /** Subscribers per channel. */
    readonly subscribers: ReadonlyMap<string, number>,
    /** How opening went (summed over workers; times are the earliest start and the latest ready). */
    readonly opened: OpenReport,
  ) {}

  /** Starts a window on every worker. */
  async window(from: number, to: number): Promise<void> {
    await Promise.all(this.links.map((link) => link.call('window', { session: this.id, from, to })));
  }

  /** Summed progress of the window. */
  async progress(): Promise<{ recorded: number; lastReceiveAt: number; disconnected: number }> {
    const all = await Promise.all(this.links.map((link) => link.call('progress', { session: this.id })));
    return {
      recorded: sum(all.map((p) => p.recorded)),
      lastReceiveAt: Math.max(0, ...all.map((p) => p.lastReceiveAt)),
      disconnected: sum(all.map((p) => p.disconnected)),
    };
  }

  /** Everything measured in the window, merged over workers. */
  async collect(): Promise<SessionWindow> {
    const reports: WindowReport[] = await Promise.all(this.links.map((link) => link.call('collect', { session: this.id })));
    const histogram = latencyHistogram();
    const closeCodes: Record<string, number> = {};
    for (const report of reports) {
      histogram.add(decodeFromCompressedBase64(report.histogram));
      for (const [code, count] of Object.entries(report.closeCodes)) closeCodes[code] = (closeCodes[code] ?? 0) + count;
    }
    return {
      histogram,
      recorded: sum(reports.map((r) => r.recorded)),
      receivedInWindow: sum(reports.map((r) => r.receivedInWindow)),
      received: sum(reports.map((r) => r.received)),
      bytesInWindow: sum(reports.map((r) => r.bytesInWindow)),
      wireBytesInWindow: sum(reports.map((r) => r.wireBytesInWindow)),
      unreadable: sum(reports.map((r) => r.unreadable)),
      disconnected: sum(reports.map((r) => r.disconnected)),
      closeCodes,
      workerCpuSeconds: reports.map((r) => r.cpuSeconds),
      workerUtilization: reports.map((r) => r.eventLoopUtilization),
    };
  }

  /** Closes every connection of the session. */
  async close(): Promise<void> {
    await Promise.all(this.links.map((link) => link.call('close', { session: this.id })));
  }
}

/** A pool of load-generator threads. */
export class LoadGenerator {
  private nextSession = 1;

  private constructor(
    private readonly pool: Piscina<WorkerTask, WorkerSummary>,
    private readonly links: readonly WorkerLink[],
    private readonly tasks: readonly Promise<WorkerSummary>[],
  ) {}

  /** Starts `workers` threads, each running one long task. */
  static start(workers: number): LoadGenerator {
    const pool = new Piscina<WorkerTask, WorkerSummary>({
      filename: path.join(__dirname, 'worker.js'),
      minThreads: workers,
      maxThreads: workers,
      concurrentTasksPerWorker: 1,
      // The task is async and long: the worker's event loop must run freely, never parked in Atomics.wait.
      atomics: 'disabled',
      idleTimeout: Number.POSITIVE_INFINITY,
    });
    const links: WorkerLink[] = [];
    const tasks: Promise<WorkerSummary>[] = [];
    for (let index = 0; index < workers; index++) {
      const { port1, port2 } = new MessageChannel();
      links.push(new WorkerLink(port1));
      tasks.push(pool.run({ port: port2, index }, { transferList: [port2] }));
    }
    return new LoadGenerator(pool, links, tasks);
  }

  /** Number of worker threads. */
  get workers(): number {
    return this.links.length;
  }

  /**
   * Connects one WebSocket per entry of `channels` (subscribed to that
   * channel, with the extra subscribe fields `subscribe`), speaking the
   * protocol at the same index of `protocols` (JSON when absent); rejects if
   * any failed.
   */
  async open(
    wsUrl: string,
    channels: readonly string[],
    subscribe?: Readonly<Record<string, unknown>>,
    protocols?: readonly LoadProtocol[],
    deflate = false,
  ): Promise<Session> {
    const id = this.nextSession++;
    const mine = <T>(list: readonly T[], w: number): T[] => list.filter((_, j) => j % this.links.length === w);
    const reports = await Promise.all(
      this.links.map((link, w) =>
        link.call('open', {
          session: id,
          url: wsUrl,
          channels: mine(channels, w),
          concurrency: CONNECT_CONCURRENCY,
          ...(subscribe ? { subscribe } : {}),
          ...(protocols ? { protocols: mine(protocols, w) } : {}),
          ...(deflate ? { deflate } : {}),
        }),
      ),
    );
    const subscribers = new Map<string, number>();
    for (const channel of channels) subscribers.set(channel, (subscribers.get(channel) ?? 0) + 1);
    const opened: OpenReport = {
      connected: sum(reports.map((r) => r.connected)),
      failed: sum(reports.map((r) => r.failed)),
      errors: reports.flatMap((r) => r.errors).slice(0, 5),
      startedAt: Math.min(...reports.map((r) => r.startedAt)),
      readyAt: Math.max(...reports.map((r) => r.readyAt)),
      eventLoopUtilization: Math.max(...reports.map((r) => r.eventLoopUtilization)),
    };
    const session = new Session(this.links, id, subscribers, opened);
    if (opened.failed > 0) {
      await session.close();
      throw new Error(`${opened.failed} of ${channels.length} connections failed: ${opened.errors.join('; ')}`);
    }
    return session;
  }

  /** Ends every worker task and the pool. */
  async close(): Promise<void> {
    await Promise.all(this.links.map((link) => link.call('exit', {})));
    await Promise.all(this.tasks);
    for (const link of this.links) link.close();
    await this.pool.destroy();
  }
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
