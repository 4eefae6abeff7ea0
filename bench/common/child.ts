/**
 * The IPC contract between a benchmark and the server process it forks
 * (switchyard or a baseline): the child says `ready` with its port once it
 * listens, and stops when told `stop` or when the parent goes away.
 */

/**
 * The environment variable of the guard's self-test: busy-wait milliseconds
 * per publication in switchyard (see slow-hook.ts). Only the launcher passes
 * it on, only to switchyard, and only when a benchmark asks for it.
 */
export const DELAY_ENV = 'SWITCHYARD_BENCH_DELAY_MS';

/** Child → parent. */
export type ChildMessage = { readonly type: 'ready'; readonly port: number } | { readonly type: 'failed'; readonly message: string };

/** Parent → child. */
export interface StopMessage {
  readonly type: 'stop';
}

/** Parent → child: collect garbage in every thread (only with gc-hook.js preloaded). */
export interface GcMessage {
  readonly type: 'gc';
}

/** Child → parent: garbage collected. */
export interface GcDoneMessage {
  readonly type: 'gc-done';
  /** V8 heap in use after the collection, summed over the threads that reported, bytes. */
  readonly heapUsedBytes: number;
  /** Resident memory of the young generations, summed over the threads, bytes. */
  readonly newSpaceBytes: number;
  /** Resident memory of the whole heaps, summed over the threads, bytes. */
  readonly heapPhysicalBytes: number;
  /** Threads that reported (the main thread and every shard worker). */
  readonly threads: number;
  /** Each thread's heap after the collection, by space (the main thread first). */
  readonly perThread: readonly ThreadHeap[];
}

/** Parent → child: each shard thread writes a heap snapshot (only with heap-snapshot-hook.js preloaded). */
export interface HeapSnapshotMessage {
  readonly type: 'heap-snapshot';
  /** Path prefix of the files: each thread writes `<prefix>-t<threadId>.heapsnapshot`. */
  readonly prefix: string;
  /** How many worker threads to wait for. */
  readonly threads: number;
}

/** Child → parent: the snapshots written, one file per worker thread, by threadId. */
export interface HeapSnapshotDoneMessage {
  readonly type: 'heap-snapshot-done';
  readonly files: readonly { readonly thread: number; readonly file: string }[];
}

/** One V8 heap space of one thread after a collection, bytes. */
export interface SpaceFigures {
  /** Bytes its live objects take. */
  readonly usedBytes: number;
  /** Bytes of it that are resident. */
  readonly physicalBytes: number;
}

/** One thread's V8 heap after a collection. */
export interface ThreadHeap {
  /** worker_threads threadId (0: the main thread; a restarted shard gets a new one). */
  readonly thread: number;
  /** Heap in use (live objects), bytes. */
  readonly usedBytes: number;
  /** Resident memory of the whole heap, bytes. */
  readonly physicalBytes: number;
  /** Memory outside the heap that its objects keep alive (ArrayBuffer and Buffer contents, malloc'ed), bytes. */
  readonly externalBytes: number;
  /** Its spaces by V8's name (`new_space`, `old_space`, `code_space`, `large_object_space`, …). */
  readonly spaces: Readonly<Record<string, SpaceFigures>>;
}

/** Options every server child gets as its one argument (JSON). */
export interface ServerOptions {
  /** Shard threads (switchyard only; the baselines are single-threaded). */
  readonly shards: number;
  /** The server API key the publisher sends as X-API-Key. */
  readonly apiKey: string;
  /** switchyard only: options every channel gets on top of the bench config's (namespace options). */
  readonly channelOptions?: Readonly<Record<string, unknown>>;
  /**
   * switchyard only: `prometheus.enabled`, with the server scraping its own
   * /metrics every this many ms (the scrape's cost counts as server CPU); 0 or
   * absent: metrics off.
   */
  readonly metricsScrapeMs?: number;
  /** switchyard only: config sections merged over the bench config's sections. */
  readonly serverConfig?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** Parses the options argument of a server child. */
export function serverOptions(): ServerOptions {
  return JSON.parse(process.argv[2] ?? '{}') as ServerOptions;
}

/** Tells the parent the server listens on `port`; runs `stop` and exits when the parent asks or disconnects. */
export function serveUntilStopped(port: number, stop: () => Promise<void> | void): void {
  let stopping = false;
  const finish = (): void => {
    if (stopping) return;
    stopping = true;
    void Promise.resolve()
      .then(stop)
      .finally(() => process.exit(0));
  };
  process.on('message', (message: StopMessage) => {
    if (message.type === 'stop') finish();
  });
  process.on('disconnect', finish);
  process.send?.({ type: 'ready', port } satisfies ChildMessage);
}

/** Tells the parent the server could not start, then exits 1. */
export function reportFailure(err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  if (process.send) process.send({ type: 'failed', message } satisfies ChildMessage, () => process.exit(1));
  else process.exit(1);
}
