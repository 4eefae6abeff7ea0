/**
 * Lets a benchmark take heap snapshots of a server's shard threads (`npm run
 * bench:idle-heap`). Preloaded into the server process by the launcher
 * (`LaunchOptions.heapSnapshots`, with --expose-gc), it runs in every thread:
 * the main thread takes the benchmark's `heap-snapshot` IPC request and
 * passes it on through a BroadcastChannel; each worker thread collects
 * garbage, writes `<prefix>-t<threadId>.heapsnapshot` and reports the file;
 * the main thread answers once every expected thread reported (or after
 * REPORT_TIMEOUT_MS with those that did). Nothing in src/ knows.
 */
import { writeHeapSnapshot } from 'node:v8';
import { BroadcastChannel, isMainThread, threadId } from 'node:worker_threads';
import type { HeapSnapshotDoneMessage, HeapSnapshotMessage } from './child';

/** Main thread → workers: the path prefix to write to. */
const REQUEST_CHANNEL = 'switchyard-bench-heap-snapshot';
/** Workers → main thread: the file written. */
const DONE_CHANNEL = 'switchyard-bench-heap-snapshot-done';
/** How long the main thread waits for the workers' snapshots, ms (a snapshot of a large heap takes seconds). */
const REPORT_TIMEOUT_MS = 120_000;

const requests = new BroadcastChannel(REQUEST_CHANNEL);
const done = new BroadcastChannel(DONE_CHANNEL);
// Never keeps a thread alive.
requests.unref();
done.unref();

if (!isMainThread) {
  requests.onmessage = (event) => {
    const prefix = (event as unknown as { data: string }).data;
    (globalThis as { gc?: () => void }).gc?.();
    const file = writeHeapSnapshot(`${prefix}-t${threadId}.heapsnapshot`);
    done.postMessage({ thread: threadId, file });
  };
} else {
  process.on('message', (message: HeapSnapshotMessage) => {
    if (message.type !== 'heap-snapshot') return;
    const files: { thread: number; file: string }[] = [];
    const answer = (): void => {
      clearTimeout(timer);
      done.onmessage = () => {};
      process.send?.({ type: 'heap-snapshot-done', files } satisfies HeapSnapshotDoneMessage);
    };
    const timer = setTimeout(answer, REPORT_TIMEOUT_MS);
    done.onmessage = (event) => {
      files.push((event as unknown as { data: { thread: number; file: string } }).data);
      if (files.length >= message.threads) answer();
    };
    requests.postMessage(message.prefix);
  });
}
