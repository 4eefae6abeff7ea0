/**
 * Spawns the shard workers, waits for all of them to be ready, restarts a
 * crashed one with backoff, and drains them all on shutdown.
 *
 * A crashed shard's worker is not terminated: it has already closed its
 * sockets and waits for its event loop to empty (terminating a worker with
 * open uWS handles aborts the process). Its replacement gets fresh mailbox
 * rings, and every other shard is told to switch to them.
 */
import { ProcessCounters } from '../common/process-counters';
import { startFdGuard } from './fd-guard';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Config } from '../config/types';
import type { Logger } from '../common/log';
import { createWiring, rewire, type Wiring } from '../mailbox/mailbox';
import type { FromShard, ShardInit, ToShard } from '../worker/lifecycle';
import { Backoff } from './backoff';

const WORKER_FILE = join(__dirname, '..', 'worker', 'main.js');

/** Thrown when the server cannot start; the message says why, for the operator. */
export class StartError extends Error {
  readonly code = 'SY_START_FAILED';
}

/** Thrown when a shard could not listen on the port. */
export class ListenError extends StartError {}

interface Slot {
  worker: Worker | null;
  ready: boolean;
  readonly backoff: Backoff;
  restartTimer: NodeJS.Timeout | null;
  /** Times this shard was restarted. */
  restarts: number;
}

/** Supervises the shards of one process. */
export class Supervisor {
  readonly shardCount: number;
  readonly nodeUid = randomUUID();
  private readonly wiring: Wiring;
  /** Connection counts and fd samples shared with every shard (common/process-counters.ts). */
  readonly counters: ProcessCounters;
  private stopFdGuard: () => void = () => undefined;
  private readonly slots: Slot[] = [];
  /** Every worker that has not exited yet, including crashed ones emptying their loops. */
  private readonly alive = new Set<Worker>();
  private draining = false;
  private port = 0;
  private readyWaiter: { resolve: () => void; reject: (err: Error) => void } | null = null;

  constructor(
    private readonly config: Config,
    shardCount: number,
    private readonly log: Logger,
  ) {
    this.shardCount = shardCount;
    this.wiring = createWiring(shardCount, config.shards.mailbox_size);
    this.counters = new ProcessCounters(ProcessCounters.create(shardCount), shardCount);
    for (let i = 0; i < shardCount; i++) {
      this.slots.push({
        worker: null,
        ready: false,
        backoff: new Backoff(config.shards.restart_backoff_min, config.shards.restart_backoff_max),
        restartTimer: null,
        restarts: 0,
      });
    }
  }

  /** Starts every shard on `port`; resolves when all are ready. */
  start(port: number): Promise<void> {
    this.port = port;
    this.stopFdGuard = startFdGuard(this.counters, this.log);
    return new Promise((resolve, reject) => {
      this.readyWaiter = { resolve, reject };
      for (let i = 0; i < this.shardCount; i++) this.spawn(i);
    });
  }

  /** Restart counts per shard. */
  restarts(): number[] {
    return this.slots.map((s) => s.restarts);
  }

  /** Test hook: makes shard `index` throw an uncaught error, as a bug would. */
  crash(index: number, reason = 'crash requested'): void {
    this.post(index, { type: 'crash', reason });
  }

  /** Resolves once shard `index` has a ready worker again. */
  async waitReady(index: number, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.slots[index]?.ready) {
      if (Date.now() > deadline) throw new Error(`shard ${index} not ready after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Drains every shard: stop accepting, disconnect clients with 3001; resolves when all workers exited. */
  async drain(timeoutMs: number): Promise<boolean> {
    this.draining = true;
    this.stopFdGuard();
    for (const slot of this.slots) if (slot.restartTimer) clearTimeout(slot.restartTimer);
    for (let i = 0; i < this.shardCount; i++) this.post(i, { type: 'drain', timeoutMs });
    const deadline = Date.now() + timeoutMs;
    while (this.alive.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return this.alive.size === 0;
  }

  private post(index: number, msg: ToShard): void {
    this.slots[index]?.worker?.postMessage(msg);
  }

  private spawn(index: number): void {
    const slot = this.slots[index]!;
    const init: ShardInit = {
      shardId: index,
      config: this.config,
      wiring: this.wiring,
      counters: this.counters.buffer,
      port: this.port,
      nodeUid: this.nodeUid,
      nodeName: `${hostname()}_${this.port}`,
    };
    // A replacement starts from no connections; the crashed shard's sockets are gone.
    this.counters.setShardConnections(index, 0);
    const youngMb = this.config.shards.max_young_generation_mb;
    const worker = new Worker(WORKER_FILE, { workerData: init, name: `shard-${index}`, ...(youngMb > 0 ? { resourceLimits: { maxYoungGenerationSizeMb: youngMb } } : {}) });
    slot.worker = worker;
    slot.ready = false;
    this.alive.add(worker);
    worker.on('message', (msg: FromShard) => this.onMessage(index, worker, msg));
    worker.on('error', (err) => {
      this.log.error('shard worker error', { shard: index, error: err.stack ?? err.message });
    });
    worker.on('exit', (code) => {
      this.alive.delete(worker);
      if (slot.worker !== worker) return; // an old crashed worker finished emptying its loop
      slot.worker = null;
      slot.ready = false;
      if (this.draining) return;
      this.log.error('shard exited unexpectedly', { shard: index, code });
      this.scheduleRestart(index);
    });
  }

  private onMessage(index: number, worker: Worker, msg: FromShard): void {
    const slot = this.slots[index]!;
    switch (msg.type) {
      case 'ready':
        slot.ready = true;
        if (this.slots.every((s) => s.ready)) {
          for (let i = 0; i < this.shardCount; i++) this.post(i, { type: 'all-ready' });
          const waiter = this.readyWaiter;
          this.readyWaiter = null;
          waiter?.resolve();
        }
        return;
      case 'listen-failed':
        this.fail(new ListenError(`shard ${index} could not listen on port ${msg.port} (http_server.port): address in use or not permitted`));
        return;
      case 'fatal':
        this.fail(new StartError(msg.message));
        return;
      case 'crashed':
        if (slot.worker !== worker) return;
        slot.worker = null; // the old worker lingers until its loop is empty; it is no longer this slot's
        slot.ready = false;
        this.log.error('shard crashed', { shard: index, error: msg.message });
        if (!this.draining) this.scheduleRestart(index);
        return;
      case 'drained':
        return;
      default: {
        const never: never = msg;
        this.log.error('unknown shard message', { message: never });
      }
    }
  }

  /** A start-up failure: reject start() (the caller drains what did start). */
  private fail(err: Error): void {
    const waiter = this.readyWaiter;
    this.readyWaiter = null;
    if (waiter) waiter.reject(err);
    else this.log.error('shard failed', { error: err.message });
  }

  private scheduleRestart(index: number): void {
    const slot = this.slots[index]!;
    if (slot.restartTimer) return;
    const delay = slot.backoff.next(Date.now());
    this.log.warn('restarting shard', { shard: index, in_ms: delay });
    slot.restartTimer = setTimeout(() => {
      slot.restartTimer = null;
      if (this.draining) return;
      slot.restarts++;
      rewire(this.wiring, index);
      for (let other = 0; other < this.shardCount; other++) {
        if (other === index) continue;
        this.post(other, {
          type: 'peer-restarted',
          peer: index,
          toPeer: this.wiring.rings[other]![index]!,
          fromPeer: this.wiring.rings[index]![other]!,
        });
      }
      this.spawn(index);
    }, delay);
  }
}
