/**
 * Samples what a bench server's shard threads allocate, to find the garbage a
 * publication leaves (bench/README.md, "Garbage per publication"). Preloaded
 * into the server child with
 * `SWITCHYARD_BENCH_SERVER_NODE_FLAGS="--require dist/bench/common/heap-sampling-hook.js"`,
 * it runs in every worker thread: after HEAP_SAMPLE_START_MS (ms since the
 * thread started) it starts V8's sampling heap profiler through the
 * thread's own inspector session, and HEAP_SAMPLE_MS later writes the profile
 * to HEAP_SAMPLE_DIR as `heap-<pid>-<thread>.heapprofile`.
 *
 * HEAP_SAMPLE_KEEP chooses what stays in the profile: `survivors` (default)
 * keeps objects the young-generation collector did not free, i.e. what lived
 * through a scavenge or was allocated in the old generation (objects a full
 * collection freed later stay in), and `all` keeps every allocation.
 * `node dist/bench/common/heap-summary.js FILE PUBLICATIONS` prints bytes per
 * publication by function. Nothing in src/ knows about this file.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import path from 'node:path';
import { isMainThread, threadId } from 'node:worker_threads';

/** Average bytes between samples: small enough for a per-publication breakdown over a few seconds. */
const SAMPLING_INTERVAL_BYTES = 512;

/** A millisecond count from the environment, or the default when unset. */
function envMs(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number of milliseconds ≥ 0 (got "${raw}")`);
  return value;
}

/** Posts an inspector command and resolves with its result. */
function post<T>(session: Session, method: string, params: object = {}): Promise<T> {
  return new Promise((resolve, reject) => session.post(method, params, (err, result) => (err ? reject(err) : resolve(result as T))));
}

async function sample(startMs: number, lengthMs: number, dir: string, keepAll: boolean): Promise<void> {
  const session = new Session();
  session.connect();
  await new Promise((resolve) => setTimeout(resolve, startMs).unref());
  await post(session, 'HeapProfiler.enable');
  await post(session, 'HeapProfiler.startSampling', {
    samplingInterval: SAMPLING_INTERVAL_BYTES,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: keepAll,
  });
  await new Promise((resolve) => setTimeout(resolve, lengthMs).unref());
  const { profile } = await post<{ profile: unknown }>(session, 'HeapProfiler.stopSampling');
  writeFileSync(path.join(dir, `heap-${process.pid}-${threadId}.heapprofile`), JSON.stringify(profile));
  session.disconnect();
}

/** What the environment asks for; throws naming the variable that is wrong. */
function settings(): { startMs: number; lengthMs: number; dir: string; keepAll: boolean } {
  const keep = process.env['HEAP_SAMPLE_KEEP'] ?? 'survivors';
  if (keep !== 'survivors' && keep !== 'all') throw new Error(`HEAP_SAMPLE_KEEP must be "survivors" or "all" (got "${keep}")`);
  return { startMs: envMs('HEAP_SAMPLE_START_MS', 15_000), lengthMs: envMs('HEAP_SAMPLE_MS', 3_000), dir: process.env['HEAP_SAMPLE_DIR'] ?? '.', keepAll: keep === 'all' };
}

if (isMainThread) {
  // Preloaded here before any shard starts: a wrong setting stops the process at once, naming it.
  try {
    settings();
  } catch (err) {
    process.stderr.write(`heap-sampling-hook: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
} else {
  const { startMs, lengthMs, dir, keepAll } = settings();
  sample(startMs, lengthMs, dir, keepAll).catch((err: unknown) => {
    process.stderr.write(`heap sampling failed in thread ${threadId}: ${err instanceof Error ? err.message : String(err)}\n`);
  });
}
