import assert from 'node:assert/strict';
import path from 'node:path';
import { after, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { createWiring } from '../src/mailbox/wiring';
import { LARGE_EVERY, type PeerOptions, type PeerReport } from './fixtures/mailbox-peer';

const COUNT = 200_000;
const PAUSE_EVERY = 20_000;

/** Workers still running; terminated after the test, so a failure cannot leave one keeping the process alive. */
const running = new Set<Worker>();
after(async () => {
  await Promise.all([...running].map((worker) => worker.terminate()));
});

/** Runs one fixture shard to the end; resolves with its report once the worker has exited cleanly. */
function runPeer(options: PeerOptions): Promise<PeerReport> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(path.join(__dirname, 'fixtures', 'mailbox-peer.js'), { workerData: options });
    running.add(worker);
    let report: PeerReport | undefined;
    worker.once('message', (message: PeerReport) => (report = message));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      running.delete(worker);
      if (code === 0 && report) resolve(report);
      else reject(new Error(`shard ${options.wiring.shardId} exited with code ${code} before reporting`));
    });
  });
}

test('two worker threads exchange 200k records each way, some as fragments: none lost, none reordered, sleeping peers woken', { timeout: 60_000 }, async (t) => {
  // Small rings and overflows, so that full rings, spills and 'full' answers all happen under load.
  const wiring = createWiring(2, 16 * 1024);
  const common = { count: COUNT, pauseEvery: PAUSE_EVERY, overflowLimitBytes: 64 * 1024, batch: 256 };
  const reports = await Promise.all([
    runPeer({ ...common, wiring: { ...wiring, shardId: 0 }, peer: 1 }),
    runPeer({ ...common, wiring: { ...wiring, shardId: 1 }, peer: 0 }),
  ]);
  for (const [shard, report] of reports.entries()) {
    const where = `shard ${shard}`;
    assert.deepEqual(report.errors, [], where);
    assert.equal(report.received, COUNT, where);
    assert.equal(report.inbox.drained, COUNT, where);
    assert.equal(report.outbox.posted, COUNT, where);
    // Each large record went as several fragments, each written once; the receiver put every one back together.
    assert.equal(report.outbox.fragmented, COUNT / LARGE_EVERY, where);
    assert.ok(report.outbox.written > COUNT, where);
    assert.equal(reports[1 - shard]!.inbox.reassembled, report.outbox.fragmented, where);
    assert.equal(report.outbox.discarded, 0, where);
    assert.equal(report.pauses, COUNT / PAUSE_EVERY - 1, where);
    // After each pause this inbox slept with nothing queued for it, so the peer's next post had to wake it.
    assert.ok(report.inbox.wakeups >= 1, `${where}: never woken`);
    assert.ok(reports[1 - shard]!.outbox.wakeups >= 1, `${where}: never rung`);
    t.diagnostic(`${where}: inbox ${JSON.stringify(report.inbox)} outbox ${JSON.stringify(report.outbox)}`);
  }
});
