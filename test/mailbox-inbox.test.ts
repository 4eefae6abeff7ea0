import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Inbox } from '../src/mailbox/inbox';
import { Outbox } from '../src/mailbox/outbox';
import { createWiring, rewire, type Wiring } from '../src/mailbox/wiring';
import { isSleeping, numbered, seqOf, until } from './fixtures/mailbox-util';

/** Bounds each waiting test, so that a bug fails it (and afterEach cleans up) instead of hanging the file. */
const BOUNDED = { timeout: 5_000 };

interface Received {
  from: number;
  kind: number;
  seq: number;
}

// Stop every inbox and close every outbox after each test, also when it failed halfway.
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** An inbox for `shardId` that records what it receives. These tests run in one thread: outboxes and inbox share it. */
function inboxOf(wiring: Wiring, shardId: number, batch: number): { inbox: Inbox; received: Received[] } {
  const received: Received[] = [];
  const inbox = new Inbox({ ...wiring, shardId }, batch, (from, kind, body) => {
    received.push({ from, kind, seq: seqOf(body) });
  });
  cleanups.push(() => inbox.stop());
  return { inbox, received };
}

function outboxOf(wiring: Wiring, shardId: number): Outbox {
  const outbox = new Outbox({ ...wiring, shardId }, 1 << 20);
  cleanups.push(() => outbox.close());
  return outbox;
}

describe('Inbox', () => {
  test('delivers each sender in order, at most one batch per event-loop turn', BOUNDED, async (t) => {
    const wiring = createWiring(3, 1024);
    const { inbox, received } = inboxOf(wiring, 0, 4);
    const [one, two] = [outboxOf(wiring, 1), outboxOf(wiring, 2)];
    for (let seq = 0; seq < 10; seq++) {
      one.post(0, 1, [numbered(seq)]);
      two.post(0, 2, [numbered(100 + seq)]);
    }
    inbox.start();
    assert.equal(received.length, 4, 'the first turn runs inside start() and stops at the batch');
    await until(() => received.length >= 20, t.signal);
    assert.equal(received.length, 20);
    for (const from of [1, 2]) {
      const mine = received.filter((r) => r.from === from);
      assert.deepEqual(
        mine.map((r) => r.seq),
        Array.from({ length: 10 }, (_, i) => (from - 1) * 100 + i),
      );
      assert.ok(mine.every((r) => r.kind === from));
    }
    assert.ok(inbox.stats().yields >= 4, `yields ${inbox.stats().yields}`);
    assert.equal(inbox.stats().drained, 20);
  });

  test('sleeps on its doorbell when empty and wakes when a producer posts', BOUNDED, async (t) => {
    const wiring = createWiring(2, 1024);
    const { inbox, received } = inboxOf(wiring, 0, 64);
    const outbox = outboxOf(wiring, 1);
    inbox.start();
    assert.equal(isSleeping(wiring, 0), true);
    for (let round = 1; round <= 3; round++) {
      outbox.post(0, 1, [numbered(round)]);
      assert.equal(isSleeping(wiring, 0), false, 'the producer flips the cell to AWAKE');
      await until(() => received.length >= round && isSleeping(wiring, 0), t.signal);
      assert.equal(outbox.stats().wakeups, round);
      assert.equal(inbox.stats().wakeups, round);
    }
    assert.deepEqual(
      received.map((r) => r.seq),
      [1, 2, 3],
    );
  });

  test('stop() leaves records in the ring until start()', BOUNDED, async (t) => {
    const wiring = createWiring(2, 1024);
    const { inbox, received } = inboxOf(wiring, 0, 64);
    const outbox = outboxOf(wiring, 1);
    inbox.start();
    inbox.stop();
    assert.equal(isSleeping(wiring, 0), false, 'a stopped inbox is not rung');
    outbox.post(0, 1, [numbered(1)]);
    for (let i = 0; i < 5; i++) await nextTurn();
    assert.equal(received.length, 0);
    assert.equal(outbox.stats().wakeups, 0);
    inbox.start();
    assert.deepEqual(
      received.map((r) => r.seq),
      [1],
    );
  });

  test('a handler that throws does not wedge the inbox', BOUNDED, async (t) => {
    const wiring = createWiring(2, 1024);
    const seqs: number[] = [];
    const inbox = new Inbox({ ...wiring, shardId: 0 }, 64, (_from, _kind, body) => {
      const seq = seqOf(body);
      seqs.push(seq);
      if (seq === 1) throw new Error('bad record');
    });
    cleanups.push(() => inbox.stop());
    const outbox = outboxOf(wiring, 1);
    for (let seq = 0; seq < 4; seq++) outbox.post(0, 1, [numbered(seq)]);
    assert.throws(() => inbox.start(), /bad record/);
    await until(() => seqs.length >= 4, t.signal);
    assert.deepEqual(seqs, [0, 1, 2, 3]);
  });

  test('replacePeer drops the old ring and drains the new one, even if the new peer rang first', BOUNDED, async (t) => {
    const wiring = createWiring(2, 1024);
    const { inbox, received } = inboxOf(wiring, 0, 64);
    const before = outboxOf(wiring, 1);
    for (let seq = 0; seq < 3; seq++) before.post(0, 1, [numbered(seq)]); // left unread: the shard "crashed"
    rewire(wiring, 1);
    const restarted = outboxOf(wiring, 1);
    restarted.post(0, 1, [numbered(10)]); // into the new ring, before shard 0 knows about it
    assert.equal(inbox.replacePeer(1, wiring.rings[1]![0]!), 3);
    inbox.start();
    inbox.stop();
    inbox.start(); // now sleeping, with the new ring empty
    restarted.post(0, 1, [numbered(11)]);
    rewire(wiring, 1);
    const again = outboxOf(wiring, 1);
    again.post(0, 1, [numbered(20)]); // the inbox may wake and find only the old ring
    await until(() => received.length >= 2 && isSleeping(wiring, 0), t.signal);
    assert.equal(inbox.replacePeer(1, wiring.rings[1]![0]!), 0);
    await until(() => received.length >= 3, t.signal);
    assert.deepEqual(
      received.map((r) => r.seq),
      [10, 11, 20],
    );
    assert.equal(inbox.stats().discarded, 3);
  });

  test('rejects a bad batch or peer, naming it', () => {
    const wiring = createWiring(2, 64);
    assert.throws(() => new Inbox({ ...wiring, shardId: 0 }, 0, () => {}), /batch must be a positive integer \(got 0\)/);
    const { inbox } = inboxOf(wiring, 0, 1);
    assert.throws(() => inbox.replacePeer(0, wiring.rings[1]![0]!), /peer must be another shard/);
    assert.throws(() => inbox.replacePeer(2, wiring.rings[1]![0]!), /peer must be another shard/);
  });
});
