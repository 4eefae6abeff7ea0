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
import { SubscriberTable } from '../common/subscriber-table';
import { startFdGuard } from './fd-guard';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Config } from '../config/types';
import type { Logger } from '../common/log';
import { createWiring, rewire, type Wiring } from '../mailbox/mailbox';
import type { FromShard, MetricJson, ShardInit, TlsFiles, ToShard } from '../worker/lifecycle';
import { Backoff } from './backoff';
import { ShardCalls, type CallResult } from './shard-calls';
import type { MetricsSnapshot, ShardSnapshot } from '../metrics/gather';

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
  /** Config version its current worker started with or switched to. */
  configVersion: number;
}

/** What a reload did on the shards. */
export interface ReconfigureResult {
  /** Shards that switched and reported every peer's marker. */
  readonly applied: number[];
  /** Shards that did not answer in time (restarting, or stuck). */
  readonly missing: number[];
  /** A shard could not build the new settings: nothing was switched. */
  readonly error?: string;
  /** Subscriptions ended because the new rules no longer permit them. */
  readonly revoked: number;
}

/** Supervises the shards of one process. */
export class Supervisor {
  readonly shardCount: number;
  readonly nodeUid = randomUUID();
  private readonly wiring: Wiring;
  /** Connection counts and fd samples shared with every shard (common/process-counters.ts). */
  readonly counters: ProcessCounters;
  /** Which shards subscribe which channel buckets, and the stamp counter, shared with every shard (common/subscriber-table.ts). */
  readonly table: SubscriberTable;
  private stopFdGuard: () => void = () => undefined;
  private readonly slots: Slot[] = [];
  /** Every worker that has not exited yet, including crashed ones emptying their loops. */
  private readonly alive = new Set<Worker>();
  private draining = false;
  private port = 0;
  private readyWaiter: { resolve: () => void; reject: (err: Error) => void } | null = null;
  /** Reload version of `config`: 0 at start, +1 per reload. */
  configVersion = 0;
  private readonly prepared = new ShardCalls<string | undefined>();
  private readonly applied = new ShardCalls<number>();
  private readonly collected = new ShardCalls<readonly MetricJson[]>();
  private nextCallId = 1;
  /** Answers GET /metrics arriving on a shard (set by the server; null: metrics off). */
  metricsText: (() => Promise<string>) | null = null;

  /**
   * @param config the config shards start with (replaced by reconfigure)
   * @param tls certificate and key files for `http_server.tls`, or null
   */
  constructor(
    private config: Config,
    shardCount: number,
    private readonly log: Logger,
    private readonly tls: TlsFiles | null = null,
  ) {
    this.shardCount = shardCount;
    this.wiring = createWiring(shardCount, config.shards.mailbox_size);
    this.counters = new ProcessCounters(ProcessCounters.create(shardCount), shardCount);
    this.table = new SubscriberTable(SubscriberTable.create());
    for (let i = 0; i < shardCount; i++) {
      this.slots.push({
        worker: null,
        ready: false,
        backoff: new Backoff(config.shards.restart_backoff_min, config.shards.restart_backoff_max),
        restartTimer: null,
        restarts: 0,
        configVersion: 0,
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

  /** The config in force: the start config, or the last one reconfigure applied. */
  get currentConfig(): Config {
    return this.config;
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

  /**
   * Reload: every shard builds the settings of `next` (prepare), then all
   * switch (commit; config-switch.ts orders it in the mailboxes). Resolves
   * when every shard reported the switch complete, or after `timeoutMs`.
   */
  async reconfigure(next: Config, timeoutMs = 10_000): Promise<ReconfigureResult> {
    const version = this.configVersion + 1;
    const live = this.liveShards();
    const prep = await this.prepared.call(version, live, (i) => this.post(i, { type: 'config-prepare', version, config: next }), timeoutMs);
    const failure = [...prep.answers.values()].find((e) => e !== undefined);
    if (failure !== undefined) return { applied: [], missing: prep.missing, error: failure, revoked: 0 };
    this.configVersion = version;
    this.config = next; // shards started from now on start with it
    const ready = [...prep.answers.keys()];
    const done: CallResult<number> = await this.applied.call(version, ready, (i) => this.post(i, { type: 'config-commit', version }), timeoutMs);
    for (const i of done.answers.keys()) this.slots[i]!.configVersion = version;
    let revoked = 0;
    for (const n of done.answers.values()) revoked += n;
    return { applied: [...done.answers.keys()].sort((a, b) => a - b), missing: [...prep.missing, ...done.missing], revoked };
  }

  /** Every shard's metrics (prom-client JSON), gathered now; a shard that does not answer within `timeoutMs` is left out. */
  async collectMetrics(timeoutMs = 2_000): Promise<MetricsSnapshot> {
    const id = this.nextCallId++;
    const got = await this.collected.call(id, this.liveShards(), (i) => this.post(i, { type: 'metrics-collect', id }), timeoutMs);
    const shards: ShardSnapshot[] = [...got.answers].map(([shard, metrics]) => ({ shard, metrics })).sort((a, b) => a.shard - b.shard);
    return { at: Date.now(), shards, node: [] };
  }

  /** Indexes of the shards with a ready worker. */
  private liveShards(): number[] {
    const out: number[] = [];
    this.slots.forEach((slot, i) => {
      if (slot.worker && slot.ready) out.push(i);
    });
    return out;
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
      subscriberTable: this.table.buffer,
      port: this.port,
      nodeUid: this.nodeUid,
      nodeName: `${hostname()}_${this.port}`,
      restarts: slot.restarts,
      internalPort: this.config.http_server.internal_port,
      tls: this.tls,
      configVersion: this.configVersion,
    };
    slot.configVersion = this.configVersion;
    // A replacement starts from no connections; the crashed shard's sockets are gone.
    this.counters.setShardConnections(index, 0);
    // ...and with no subscribers: no bit of the old worker may stay set (it sets its own as clients subscribe again).
    this.table.clearShard(index);
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
      this.forgetCalls(index);
      slot.worker = null;
      slot.ready = false;
      if (this.draining) return;
      this.log.error('shard exited unexpectedly', { shard: index, code });
      this.scheduleRestart(index, `exited with code ${code}`);
    });
  }

  private onMessage(index: number, worker: Worker, msg: FromShard): void {
    const slot = this.slots[index]!;
    switch (msg.type) {
      case 'ready':
        slot.ready = true;
        if (slot.configVersion < this.configVersion) this.catchUp(index);
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
        this.forgetCalls(index);
        // Its subscribers are gone: other shards stop posting direct publications to it now, not only at its restart.
        this.table.clearShard(index);
        this.log.error('shard crashed', { shard: index, error: msg.message, restarts: slot.restarts });
        if (!this.draining) this.scheduleRestart(index, `crashed: ${msg.message}`);
        return;
      case 'drained':
        return;
      case 'config-prepared':
        this.prepared.answer(msg.version, index, msg.error);
        return;
      case 'config-applied':
        this.applied.answer(msg.version, index, msg.revoked);
        return;
      case 'metrics-snapshot':
        this.collected.answer(msg.id, index, msg.metrics);
        return;
      case 'metrics-request':
        this.answerMetrics(index, msg.id);
        return;
      default: {
        const never: never = msg;
        this.log.error('unknown shard message', { message: never });
      }
    }
  }

  /** A shard that started with an older config than the newest: send it the newest (its peers have it already). */
  private catchUp(index: number): void {
    const version = this.configVersion;
    this.log.info('shard started with an older config; switching it to the reloaded one', { shard: index, version });
    this.post(index, { type: 'config-prepare', version, config: this.config });
    this.post(index, { type: 'config-commit', version });
    this.slots[index]!.configVersion = version;
  }

  private forgetCalls(index: number): void {
    this.prepared.forget(index);
    this.applied.forget(index);
    this.collected.forget(index);
  }

  /** GET /metrics on shard `index`: gather and send it the text. */
  private answerMetrics(index: number, id: number): void {
    const source = this.metricsText;
    if (!source) {
      this.post(index, { type: 'metrics-text', id, text: '', error: 'prometheus.enabled is false' });
      return;
    }
    source().then(
      (text) => this.post(index, { type: 'metrics-text', id, text }),
      (err: unknown) => this.post(index, { type: 'metrics-text', id, text: '', error: (err as Error).message }),
    );
  }

  /** A start-up failure: reject start() (the caller drains what did start). */
  private fail(err: Error): void {
    const waiter = this.readyWaiter;
    this.readyWaiter = null;
    if (waiter) waiter.reject(err);
    else this.log.error('shard failed', { error: err.message });
  }

  private scheduleRestart(index: number, reason: string): void {
    const slot = this.slots[index]!;
    if (slot.restartTimer) return;
    const delay = slot.backoff.next(Date.now());
    this.log.warn('restarting shard', { shard: index, reason, in_ms: delay, restarts: slot.restarts + 1 });
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
