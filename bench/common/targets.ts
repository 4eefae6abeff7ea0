/**
 * The systems a benchmark compares, and starting each as a child process:
 * switchyard at a shard count (with the memory engine, or the Redis engine on
 * a private redis-server started beside it), the raw uWS yardstick, and the
 * `ws` baseline.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { OptionError } from './args';
import { startBenchRedis, type BenchRedis } from './redis-engine';
import { DELAY_ENV, type ChildMessage, type GcDoneMessage, type GcMessage, type HeapSnapshotDoneMessage, type HeapSnapshotMessage, type ServerOptions, type StopMessage } from './child';

/** Which server. */
export type SystemKind = 'switchyard' | 'uws' | 'ws';

/** A system under test. */
export interface SystemSpec {
  readonly kind: SystemKind;
  /** Shard threads (switchyard); 1 for the single-threaded baselines. */
  readonly shards: number;
  /**
   * switchyard only: the options of every channel (Centrifugo namespace
   * options, e.g. `history_size`, `allowed_delta_types`) on top of the bench
   * config's; none by default.
   */
  readonly channelOptions?: Readonly<Record<string, unknown>>;
  /** The name of that channel setup in ids and labels ("history", "delta"); none for the default setup. */
  readonly variant?: string;
  /** switchyard only: Prometheus metrics on, scraped every this many ms; absent: off. */
  readonly metricsScrapeMs?: number;
  /** switchyard only: config sections merged over the bench config's (e.g. `{"websocket":{"compression":true}}`). */
  readonly serverConfig?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /**
   * switchyard only: the bench server entry of another build (its
   * `dist/bench/common/switchyard-server.js`), to measure that build beside
   * this one; this build's by default.
   */
  readonly entry?: string;
  /**
   * switchyard only: `redis` runs it with the Redis engine on a private
   * redis-server (started with the server, stopped with it); absent: the
   * memory engine.
   */
  readonly engine?: 'redis';
}

/** The yardstick every ratio is taken against. */
export const YARDSTICK: SystemSpec = Object.freeze({ kind: 'uws', shards: 1 });
/** The plain `ws` baseline. */
export const WS_BASELINE: SystemSpec = Object.freeze({ kind: 'ws', shards: 1 });

/** switchyard with `shards` shard threads. */
export function switchyard(shards: number): SystemSpec {
  return { kind: 'switchyard', shards };
}

/** A stable id for result files: "switchyard-2", "switchyard-redis-2", "switchyard-2-history", "uws", "ws". */
export function systemId(spec: SystemSpec): string {
  if (spec.kind !== 'switchyard') return spec.kind;
  const base = spec.engine ? `switchyard-${spec.engine}-${spec.shards}` : `switchyard-${spec.shards}`;
  return spec.variant ? `${base}-${spec.variant}` : base;
}

/** A label for people: "switchyard ×2", "switchyard ×2 Redis", "switchyard ×2 (history)", "raw uWS (yardstick)", "ws". */
export function systemLabel(spec: SystemSpec): string {
  if (spec.kind !== 'switchyard') return spec.kind === 'uws' ? 'raw uWS (yardstick)' : 'ws broadcast';
  const base = spec.engine ? `switchyard ×${spec.shards} Redis` : `switchyard ×${spec.shards}`;
  return spec.variant ? `${base} (${spec.variant})` : base;
}

/**
 * Parses "uws", "ws", "switchyard-2" (or "sy2"), "switchyard-redis-2" (or
 * "sy-redis2"); a switchyard name may end in "@DIR" to run the build in DIR
 * (its dist/) as the variant "before".
 */
export function parseSystem(text: string): SystemSpec {
  if (text === 'uws') return YARDSTICK;
  if (text === 'ws') return WS_BASELINE;
  const match = /^(?:switchyard-|sy-?)(redis-?)?(\d+)(?:@(.+))?$/.exec(text);
  if (!match) throw new OptionError(`unknown system "${text}" (use uws, ws, switchyard-N, switchyard-redis-N, optionally @DIR)`);
  const dist = match[3]?.replace(/\/$/, '');
  return {
    ...switchyard(Number(match[2])),
    ...(match[1] ? { engine: 'redis' as const } : {}),
    ...(dist ? { variant: 'before', entry: `${dist}/bench/common/switchyard-server.js` } : {}),
  };
}

/** A started server. */
export interface Target {
  readonly spec: SystemSpec;
  /** The server process (all its threads), for /proc readings. */
  readonly pid: number;
  readonly wsUrl: string;
  /** `http://127.0.0.1:port/api`. */
  readonly apiUrl: string;
  readonly apiKey: string;
  /**
   * Collects garbage in every thread of the server and resolves with its V8
   * heaps (launched with `gcHook`; otherwise resolves at once with NaNs).
   */
  collectGarbage(): Promise<HeapReading>;
  /**
   * Writes a heap snapshot of each of the `threads` shard threads to
   * `<prefix>-t<threadId>.heapsnapshot` and resolves with the files, by
   * thread (launched with `heapSnapshots`; otherwise rejects).
   */
  writeHeapSnapshots(prefix: string, threads: number): Promise<HeapSnapshotDoneMessage['files']>;
  /** Stops the server and waits for its process to exit. */
  stop(): Promise<void>;
}

/** A server's V8 heaps after a collection, summed over its threads, bytes. */
export interface HeapReading {
  /** Heap in use (live objects). */
  readonly usedBytes: number;
  /** Resident memory of the young generations (sized by the recent allocation rate, not by what is live). */
  readonly newSpaceBytes: number;
  /** Resident memory of the whole heaps (live objects, young generations, free space in old-generation pages). */
  readonly physicalBytes: number;
}

/** Options of launchTarget. */
export interface LaunchOptions {
  /** Busy-wait milliseconds per publication in switchyard (the guard's self-test only); ignored for baselines. */
  readonly delayMs?: number;
  /** Preload gc-hook.js (with --expose-gc) so collectGarbage() works (bench:idle). */
  readonly gcHook?: boolean;
  /** Preload heap-snapshot-hook.js (with --expose-gc) so writeHeapSnapshots() works (bench:idle-heap). */
  readonly heapSnapshots?: boolean;
}

const API_KEY = 'bench-key';
/**
 * Extra Node flags for every server child, space-separated (e.g.
 * `--cpu-prof --cpu-prof-dir=/tmp/prof --cpu-prof-interval=200` to profile
 * the servers: NODE_OPTIONS refuses --cpu-prof). Unset: none.
 */
export const SERVER_NODE_FLAGS_ENV = 'SWITCHYARD_BENCH_SERVER_NODE_FLAGS';
const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 10_000;

function entryOf(kind: SystemKind): string {
  if (kind === 'switchyard') return path.join(__dirname, 'switchyard-server.js');
  return path.join(__dirname, '..', 'baselines', `${kind}.js`);
}

/** Forks the server for `spec` (and first its private Redis, for the Redis engine) and resolves once it listens. */
export async function launchTarget(spec: SystemSpec, options: LaunchOptions = {}): Promise<Target> {
  const redis = spec.kind === 'switchyard' && spec.engine === 'redis' ? await startBenchRedis() : null;
  try {
    return await forkTarget(spec, options, redis);
  } catch (err) {
    await redis?.stop();
    throw err;
  }
}

function forkTarget(spec: SystemSpec, options: LaunchOptions, redis: BenchRedis | null): Promise<Target> {
  const serverConfig = redis ? { ...spec.serverConfig, engine: redis.engine } : spec.serverConfig;
  const serverOptions: ServerOptions = {
    shards: spec.shards,
    apiKey: API_KEY,
    ...(spec.channelOptions ? { channelOptions: spec.channelOptions } : {}),
    ...(spec.metricsScrapeMs ? { metricsScrapeMs: spec.metricsScrapeMs } : {}),
    ...(serverConfig ? { serverConfig } : {}),
  };
  const slowed = spec.kind === 'switchyard' && (options.delayMs ?? 0) > 0;
  const env = { ...process.env };
  delete env[DELAY_ENV];
  if (slowed) env[DELAY_ENV] = String(options.delayMs);
  const execArgv = [
    ...(slowed ? ['--require', path.join(__dirname, 'slow-hook.js')] : []),
    ...(options.gcHook || options.heapSnapshots ? ['--expose-gc'] : []),
    ...(options.gcHook ? ['--require', path.join(__dirname, 'gc-hook.js')] : []),
    ...(options.heapSnapshots ? ['--require', path.join(__dirname, 'heap-snapshot-hook.js')] : []),
    ...(process.env[SERVER_NODE_FLAGS_ENV]?.split(' ').filter((flag) => flag !== '') ?? []),
  ];
  const child = fork(spec.entry ?? entryOf(spec.kind), [JSON.stringify(serverOptions)], {
    execArgv,
    env,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise<Target>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${systemLabel(spec)} did not start within ${START_TIMEOUT_MS} ms`));
    }, START_TIMEOUT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${systemLabel(spec)} exited with ${code} before it was ready`));
    });
    child.on('message', (message: ChildMessage) => {
      clearTimeout(timer);
      if (message.type === 'failed') {
        reject(new Error(`${systemLabel(spec)} failed to start: ${message.message}`));
        return;
      }
      child.removeAllListeners('exit');
      resolve({
        spec,
        pid: child.pid!,
        wsUrl: `ws://127.0.0.1:${message.port}/connection/websocket`,
        apiUrl: `http://127.0.0.1:${message.port}/api`,
        apiKey: API_KEY,
        collectGarbage: () => (options.gcHook ? collectGarbage(child) : Promise.resolve({ usedBytes: Number.NaN, newSpaceBytes: Number.NaN, physicalBytes: Number.NaN })),
        writeHeapSnapshots: (prefix, threads) =>
          options.heapSnapshots ? writeHeapSnapshots(child, prefix, threads) : Promise.reject(new Error('launched without heapSnapshots')),
        stop: async () => {
          await stopChild(child);
          await redis?.stop();
        },
      });
    });
  });
}

function collectGarbage(child: ChildProcess): Promise<HeapReading> {
  return new Promise((resolve) => {
    const onMessage = (message: GcDoneMessage): void => {
      if (message.type !== 'gc-done') return;
      child.off('message', onMessage);
      resolve({ usedBytes: message.heapUsedBytes, newSpaceBytes: message.newSpaceBytes, physicalBytes: message.heapPhysicalBytes });
    };
    child.on('message', onMessage);
    child.send({ type: 'gc' } satisfies GcMessage);
  });
}

function writeHeapSnapshots(child: ChildProcess, prefix: string, threads: number): Promise<HeapSnapshotDoneMessage['files']> {
  return new Promise((resolve) => {
    const onMessage = (message: HeapSnapshotDoneMessage): void => {
      if (message.type !== 'heap-snapshot-done') return;
      child.off('message', onMessage);
      resolve(message.files);
    };
    child.on('message', onMessage);
    child.send({ type: 'heap-snapshot', prefix, threads } satisfies HeapSnapshotMessage);
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    if (child.connected) child.send({ type: 'stop' } satisfies StopMessage);
    else child.kill('SIGTERM');
  });
}
