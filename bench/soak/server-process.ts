/**
 * The parent's handle on the soak's switchyard process: start it on a config
 * file, crash a shard, reload by SIGHUP after rewriting the file, read its
 * RSS and open file descriptors from /proc, stop it.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { processMemory } from '../common/proc';
import type { ChildMessage, GcDoneMessage, GcMessage, ThreadHeap } from '../common/child';
import { soakConfig } from './config';
import { settledReading } from './settle';
import type { CrashMessage, ReloadedMessage } from './server-child';

/** Longest wait for the server's garbage collection before a reading, ms. */
const GC_TIMEOUT_MS = 30_000;
/** Time between readings while RSS is still falling after a fault, ms. */
const SETTLE_STEP_MS = 5_000;
/** Longest wait for RSS to stop falling, ms. */
const SETTLE_MAX_MS = 60_000;

/** A reading taken right after a garbage collection in every server thread: with the V8 heaps in use and resident, bytes, and each thread's heap by space. */
export type CollectedReading = ResourceReading & { readonly heapUsedBytes: number; readonly heapPhysicalBytes: number; readonly perThread: readonly ThreadHeap[] };

/** A collected reading taken once RSS stopped falling, with how long that took, ms. */
export type SettledReading = CollectedReading & { readonly settledAfterMs: number };

/** RSS and open file descriptors of a process at one moment. */
export interface ResourceReading {
  /** Resident memory (VmRSS), bytes. */
  readonly rssBytes: number;
  /** Entries of /proc/<pid>/fd. */
  readonly openFds: number;
  /** Threads of the process (the acceptor, shard workers, Node's and uWS's own). */
  readonly threads: number;
}

function threadCount(pid: number): number {
  try {
    const match = /^Threads:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Reads RSS and the open-descriptor count of process `pid`. */
export function readResources(pid: number): ResourceReading {
  let openFds = Number.NaN;
  try {
    openFds = readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    // the process is gone
  }
  return { rssBytes: processMemory(pid).rssBytes, openFds, threads: threadCount(pid) };
}

/** The running soak server. */
export class SoakServer {
  private generation = 0;
  private readonly reloads: ((status: string) => void)[] = [];
  private readonly collections: ((message: GcDoneMessage) => void)[] = [];
  private output = '';

  private constructor(
    private readonly child: ChildProcess,
    /** Its client and API port. */
    readonly port: number,
    private readonly file: string,
    private readonly shards: number,
    private readonly redisUrl: string,
    private readonly youngMb: number | null,
  ) {
    child.on('message', (message: ReloadedMessage | GcDoneMessage) => {
      if (message.type === 'reloaded') this.reloads.shift()?.(message.status);
      else if (message.type === 'gc-done') this.collections.shift()?.(message);
    });
  }

  /**
   * Writes the config into `dir` and starts the server with it and `environment` added to the soak's own; resolves once it listens.
   * `youngMb`: `shards.max_young_generation_mb` (null: the server's default).
   */
  static async start(dir: string, shards: number, redisUrl: string, port: number, environment: Readonly<Record<string, string>>, youngMb: number | null): Promise<SoakServer> {
    const file = join(dir, 'soak-config.json');
    writeFileSync(file, JSON.stringify(soakConfig(shards, redisUrl, port, 0, youngMb), null, 2));
    // The bench GC hook lets a reading collect garbage in every thread first (common/gc-hook.ts).
    // The environment of deploy/switchyard.service (the allocator setting), as users run the server.
    const child = fork(join(__dirname, 'server-child.js'), [file], {
      env: { ...process.env, ...environment },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      execArgv: ['--expose-gc', '--require', join(__dirname, '..', 'common', 'gc-hook.js')],
    });
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-20_000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const listening = await new Promise<number>((resolve, reject) => {
      child.once('message', (message: ChildMessage) => (message.type === 'ready' ? resolve(message.port) : reject(new Error(`server failed: ${message.message}`))));
      child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${output}`)));
    });
    const server = new SoakServer(child, listening, file, shards, redisUrl, youngMb);
    child.stdout!.on('data', (chunk: Buffer) => (server.output = (server.output + chunk.toString()).slice(-20_000)));
    child.stderr!.on('data', (chunk: Buffer) => (server.output = (server.output + chunk.toString()).slice(-20_000)));
    return server;
  }

  /** PID of the server process. */
  get pid(): number {
    return this.child.pid ?? 0;
  }

  /** Whether the server process is still running. */
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The last 20 KB the server wrote to stdout and stderr. */
  get log(): string {
    return this.output;
  }

  /** `ws://127.0.0.1:<port>/connection/websocket`. */
  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}/connection/websocket`;
  }

  /** `http://127.0.0.1:<port>/api`. */
  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}/api`;
  }

  /** Crashes shard `shard` (the acceptor restarts it). */
  crash(shard: number): void {
    this.child.send({ type: 'crash', shard } satisfies CrashMessage);
  }

  /** Rewrites the config file with the next generation and sends SIGHUP; resolves with the reload's status (`applied` expected). */
  reload(): Promise<string> {
    this.generation++;
    writeFileSync(this.file, JSON.stringify(soakConfig(this.shards, this.redisUrl, this.port, this.generation, this.youngMb), null, 2));
    const done = new Promise<string>((resolve) => this.reloads.push(resolve));
    process.kill(this.pid, 'SIGHUP');
    return done;
  }

  /** Its RSS and open descriptors now. */
  resources(): ResourceReading {
    return readResources(this.pid);
  }

  /** Collects garbage in every server thread, then reads RSS and descriptors; with the V8 heaps in use and resident after the collection, bytes. */
  async collectedResources(): Promise<CollectedReading> {
    const done = new Promise<GcDoneMessage>((resolve) => this.collections.push(resolve));
    this.child.send({ type: 'gc' } satisfies GcMessage);
    // A server too busy to answer in time is read as it is (heap NaN), so the run still ends with a report.
    const late = new Promise<null>((resolve) => setTimeout(() => resolve(null), GC_TIMEOUT_MS).unref());
    const collected = await Promise.race([done, late]);
    return { ...readResources(this.pid), heapUsedBytes: collected?.heapUsedBytes ?? Number.NaN, heapPhysicalBytes: collected?.heapPhysicalBytes ?? Number.NaN, perThread: collected?.perThread ?? [] };
  }

  /** A collected reading once RSS stopped falling (`settledReading`, SETTLE_STEP_MS apart, at most SETTLE_MAX_MS). */
  settledResources(): Promise<SettledReading> {
    return settledReading(() => this.collectedResources(), SETTLE_STEP_MS, SETTLE_MAX_MS);
  }

  /** Drains and stops the server; resolves when the process exited. */
  async stop(): Promise<void> {
    if (!this.running) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.send({ type: 'stop' });
    await exited;
  }
}
