/**
 * The C allocator setting switchyard runs with, and the advice logged at
 * start when it is missing: glibc's mmap threshold fixed
 * (`MALLOC_MMAP_THRESHOLD_=131072`), read from the environment when the
 * process starts, so it must be in the environment of `node`
 * (deploy/switchyard.service sets it); musl and other platforms need none.
 *
 * uWS keeps what a socket could not take yet in malloc'ed buffers, megabytes
 * per slow consumer. glibc serves blocks from 128 KiB up with mmap and
 * returns them on free, but each such free raises the threshold to the
 * block's size (up to 32 MiB): from then on the buffers come from malloc
 * arenas, and freed arena memory mostly stays resident. Any of glibc's mmap
 * or trim settings fixes the threshold. The chaos soak measures it
 * (bench/README.md, "Chaos soak").
 */
import type { Logger } from '../common/log';

/** The environment deploy/switchyard.service gives the server: glibc's mmap threshold fixed at 128 KiB. */
export const ALLOCATOR_ENV: Readonly<Record<string, string>> = Object.freeze({ MALLOC_MMAP_THRESHOLD_: '131072' });

/** Variables that fix glibc's mmap threshold (any of them turns its raising off). */
const THRESHOLD_VARIABLES = ['MALLOC_MMAP_THRESHOLD_', 'MALLOC_TRIM_THRESHOLD_', 'MALLOC_TOP_PAD_', 'MALLOC_MMAP_MAX_'] as const;
/** The same settings as glibc tunables (`GLIBC_TUNABLES=glibc.malloc.mmap_threshold=…`). */
const THRESHOLD_TUNABLE = /(^|:)glibc\.malloc\.(mmap_threshold|trim_threshold|top_pad|mmap_max)=/;

/** The glibc version this process runs on, or null on another C library (musl) or platform. */
export function glibcVersion(): string | null {
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return header?.glibcVersionRuntime ?? null;
}

/** Whether `env` fixes glibc's mmap threshold. */
export function fixesMmapThreshold(env: NodeJS.ProcessEnv): boolean {
  return THRESHOLD_VARIABLES.some((name) => (env[name] ?? '') !== '') || THRESHOLD_TUNABLE.test(env['GLIBC_TUNABLES'] ?? '');
}

/** The warning to log at start: on glibc without a fixed mmap threshold; null when there is nothing to say. */
export function allocatorAdvice(env: NodeJS.ProcessEnv, glibc: string | null): string | null {
  if (glibc === null || fixesMmapThreshold(env)) return null;
  return (
    `glibc ${glibc} without MALLOC_MMAP_THRESHOLD_=${ALLOCATOR_ENV['MALLOC_MMAP_THRESHOLD_']}: memory of slow consumers' buffers stays resident; ` +
    'start node with it in its environment (deploy/switchyard.service does)'
  );
}

/** Logs allocatorAdvice for this process, if any, as a warning. */
export function adviseAllocator(log: Logger, env = process.env, glibc = glibcVersion()): void {
  const advice = allocatorAdvice(env, glibc);
  if (advice !== null) log.warn(advice);
}
