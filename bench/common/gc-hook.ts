/**
 * Lets bench:idle collect garbage in a server process before it reads the
 * memory, so bytes per connection count what the connections keep, not what
 * the heaps have not collected yet. The launcher preloads this file (with
 * --expose-gc) into the server process, where it runs in every thread, shard
 * workers included: each thread collects when a message arrives on the
 * BroadcastChannel below, and the main thread answers the benchmark's `gc`
 * IPC request once every thread had time to do so. Nothing in src/ knows.
 */
import { BroadcastChannel, isMainThread } from 'node:worker_threads';
import type { GcDoneMessage, GcMessage } from './child';

/** The channel every thread of the server process listens on. */
const CHANNEL = 'switchyard-bench-gc';
/** Time given to the other threads to collect before answering, ms. */
const SETTLE_MS = 300;

const collect = (globalThis as { gc?: () => void }).gc;
if (collect) {
  const channel = new BroadcastChannel(CHANNEL);
  channel.unref(); // never keeps a thread alive
  channel.onmessage = () => collect();
  if (isMainThread) {
    process.on('message', (message: GcMessage) => {
      if (message.type !== 'gc') return;
      channel.postMessage('gc');
      collect();
      setTimeout(() => {
        collect();
        process.send?.({ type: 'gc-done' } satisfies GcDoneMessage);
      }, SETTLE_MS);
    });
  }
}
