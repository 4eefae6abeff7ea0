/**
 * The C allocator's settings switchyard runs with, and the advice logged at
 * start when they are missing. Both are glibc's, read from the environment
 * when the process starts, so they must be in the environment of `node`
 * (deploy/switchyard.service sets them); musl and other platforms need none.
 *
 * * **A fixed mmap threshold** (`MALLOC_MMAP_THRESHOLD_=131072`). uWS keeps
 *   what a socket could not take yet in malloc'ed buffers, megabytes per slow
 *   consumer. glibc serves blocks from 128 KiB up with mmap and returns them
 *   on free, but each such free raises the threshold to the block's size (up
 *   to 32 MiB): from then on the buffers come from malloc arenas, and freed
 *   arena memory mostly stays resident. Any of glibc's mmap or trim settings
 *   fixes the threshold.
 * * **One malloc arena** (`MALLOC_ARENA_MAX=1`). A restarted shard is a new
 *   thread; glibc gives threads arenas of their own (up to 8 per core), and
 *   what a crashed shard freed stays resident in its arena while later
 *   threads allocate elsewhere: RSS grew by about 1 KiB per connection of the
 *   killed shard at every restart. With one arena the replacement reuses it.
 *
 * The chaos soak measures both (bench/README.md, "Chaos soak").
 */
import type { Logger } from '../common/log';

/** The environment deploy/switchyard.service gives the server: one malloc arena, glibc's mmap threshold fixed at 128 KiB. */
export const ALLOCATOR_ENV: Readonly<Record<string, string>> = Object.freeze({ MALLOC_ARENA_MAX: '1', MALLOC_MMAP_THRESHOLD_: '131072' });

/** Variables that fix glibc's mmap threshold (any of them turns its raising off). */
const THRESHOLD_VARIABLES = ['MALLOC_MMAP_THRESHOLD_', 'MALLOC_TRIM_THRESHOLD_', 'MALLOC_TOP_PAD_', 'MALLOC_MMAP_MAX_'] as const;
/** The same settings as glibc tunables (`GLIBC_TUNABLES=glibc.malloc.mmap_threshold=…`). */
const THRESHOLD_TUNABLE = /(^|:)glibc\.malloc\.(mmap_threshold|trim_threshold|top_pad|mmap_max)=/;
/** The arena limit as a glibc tunable. */
const ARENA_TUNABLE = /(^|:)glibc\.malloc\.arena_max=/;

/** The glibc version this process runs on, or null on another C library (musl) or platform. */
export function glibcVersion(): string | null {
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return header?.glibcVersionRuntime ?? null;
}

/** Whether `env` fixes glibc's mmap threshold. */
export function fixesMmapThreshold(env: NodeJS.ProcessEnv): boolean {
  return THRESHOLD_VARIABLES.some((name) => (env[name] ?? '') !== '') || THRESHOLD_TUNABLE.test(env['GLIBC_TUNABLES'] ?? '');
}

/** Whether `env` limits glibc's malloc arenas (to any number: the operator chose). */
export function limitsArenas(env: NodeJS.ProcessEnv): boolean {
  return (env['MALLOC_ARENA_MAX'] ?? '') !== '' || ARENA_TUNABLE.test(env['GLIBC_TUNABLES'] ?? '');
}

/** The warning to log at start: on glibc without a fixed mmap threshold or an arena limit; null when there is nothing to say. */
export function allocatorAdvice(env: NodeJS.ProcessEnv, glibc: string | null): string | null {
  if (glibc === null) return null;
  const missing: string[] = [];
  if (!limitsArenas(env)) missing.push(`MALLOC_ARENA_MAX=${ALLOCATOR_ENV['MALLOC_ARENA_MAX']} (memory of restarted shards stays in their malloc arenas)`);
  if (!fixesMmapThreshold(env)) missing.push(`MALLOC_MMAP_THRESHOLD_=${ALLOCATOR_ENV['MALLOC_MMAP_THRESHOLD_']} (memory of slow consumers' buffers stays resident)`);
  if (missing.length === 0) return null;
  return `glibc ${glibc} without ${missing.join(' and ')}: start node with these in its environment (deploy/switchyard.service does)`;
}

/** Logs allocatorAdvice for this process, if any, as a warning. */
export function adviseAllocator(log: Logger, env = process.env, glibc = glibcVersion()): void {
  const advice = allocatorAdvice(env, glibc);
  if (advice !== null) log.warn(advice);
}
