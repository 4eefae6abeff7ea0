/**
 * Lets bench:idle collect garbage in a server process before it reads the
 * memory, so bytes per connection count what the connections keep, not what
 * the heaps have not collected yet. The launcher preloads this file (with
 * --expose-gc) into the server process, where it runs in every thread, shard
 * workers included: each thread collects when a message arrives on the
 * BroadcastChannel below, and the main thread answers the benchmark's `gc`
 * IPC request once every thread had time to do so, with the V8 heap in use
 * summed over the threads (each reports its own after collecting, by space,
 * and the answer carries every thread's figures too), so a benchmark can tell JavaScript objects from native memory (uWS, buffers,
 * the allocator). Nothing in src/ knows.
 */
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import { BroadcastChannel, isMainThread, threadId } from 'node:worker_threads';
import type { GcDoneMessage, GcMessage, SpaceFigures, ThreadHeap } from './child';

/** The channel every thread of the server process listens on. */
const CHANNEL = 'switchyard-bench-gc';
/** The channel the threads report their heap on after collecting. */
const HEAP_CHANNEL = 'switchyard-bench-heap';

/** This thread's heap after a collection, by space. */
function heapReport(): ThreadHeap {
  const spaces: Record<string, SpaceFigures> = {};
  for (const s of getHeapSpaceStatistics()) spaces[s.space_name] = { usedBytes: s.space_used_size, physicalBytes: s.physical_space_size };
  const heap = getHeapStatistics();
  return { thread: threadId, usedBytes: heap.used_heap_size, physicalBytes: heap.total_physical_size, externalBytes: heap.external_memory, spaces };
}
/** Time given to the other threads to collect before answering, ms. */
const SETTLE_MS = 300;

const collect = (globalThis as { gc?: () => void }).gc;
if (collect) {
  const channel = new BroadcastChannel(CHANNEL);
  const heaps = new BroadcastChannel(HEAP_CHANNEL);
  channel.unref(); // never keeps a thread alive
  heaps.unref();
  channel.onmessage = () => {
    collect();
    heaps.postMessage(heapReport());
  };
  if (isMainThread) {
    const reported = new Map<number, ThreadHeap>();
    heaps.onmessage = (event) => {
      const report = (event as unknown as { data: ThreadHeap }).data;
      reported.set(report.thread, report);
    };
    process.on('message', (message: GcMessage) => {
      if (message.type !== 'gc') return;
      reported.clear();
      channel.postMessage('gc');
      collect();
      setTimeout(() => {
        collect();
        reported.set(threadId, heapReport());
        let heapUsedBytes = 0;
        let newSpaceBytes = 0;
        let heapPhysicalBytes = 0;
        for (const report of reported.values()) {
          heapUsedBytes += report.usedBytes;
          newSpaceBytes += report.spaces['new_space']?.physicalBytes ?? 0;
          heapPhysicalBytes += report.physicalBytes;
        }
        const perThread = [...reported.values()].sort((a, b) => a.thread - b.thread);
        process.send?.({ type: 'gc-done', heapUsedBytes, newSpaceBytes, heapPhysicalBytes, threads: reported.size, perThread } satisfies GcDoneMessage);
      }, SETTLE_MS);
    });
  }
}
