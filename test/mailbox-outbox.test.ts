import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { DOORBELL_STRIDE, SLEEPING } from '../src/mailbox/doorbell';
import { Outbox } from '../src/mailbox/outbox';
import { Ring } from '../src/mailbox/ring';
import { createWiring, rewire, type Wiring } from '../src/mailbox/wiring';
import { isSleeping, numbered, seqOf, until } from './fixtures/mailbox-util';

/** Bounds each waiting test, so that a bug fails it (and afterEach cleans up) instead of hanging the file. */
const BOUNDED = { timeout: 5_000 };

// Queued records keep an outbox's flush timer running; close every outbox so a failed test cannot hang the file.
const opened: Outbox[] = [];
afterEach(() => {
  for (const outbox of opened.splice(0)) outbox.close();
});

/** Shard 0's outbox over a 2-shard wiring with 64-byte rings (or `capacity`), and a reader of the ring 0 → 1. */
function setup(overflowLimitBytes: number, capacity = 64): { wiring: Wiring; outbox: Outbox; reader: Ring } {
  const wiring = createWiring(2, capacity);
  const outbox = new Outbox({ ...wiring, shardId: 0 }, overflowLimitBytes);
  opened.push(outbox);
  return { wiring, outbox, reader: new Ring(wiring.rings[0]![1]!) };
}

/** Seqs of the records now in the ring (16 bytes each: header + 11-byte numbered body). */
function drainSeqs(reader: Ring, max = Infinity): number[] {
  const seqs: number[] = [];
  reader.drain(max, (_kind, body) => seqs.push(seqOf(body)));
  return seqs;
}

describe('Outbox overflow', () => {
  test('spills a full ring into the overflow, answers full at the byte limit, and delivers all it took in order', BOUNDED, async (t) => {
    const { outbox, reader } = setup(200); // ring: 4 records of 16 bytes; overflow: 12
    const accepted: number[] = [];
    let seq = 0;
    const post = (): 'ok' | 'full' => {
      const result = outbox.post(1, 1, [numbered(seq)]);
      if (result === 'ok') accepted.push(seq);
      seq++;
      return result;
    };

    for (let i = 0; i < 16; i++) assert.equal(post(), 'ok', `record ${i}`);
    assert.deepEqual(outbox.stats(), {
      posted: 16, spilled: 12, full: 0, written: 4, fragmented: 0, wakeups: 0, discarded: 0, queuedRecords: 12, queuedBytes: 192,
    });
    assert.equal(post(), 'full'); // 192 + 16 > 200: not taken
    assert.equal(outbox.stats().full, 1);

    // Room for two: the next post moves two queued records into the ring and queues itself behind the rest.
    assert.deepEqual(drainSeqs(reader, 2), [0, 1]);
    assert.equal(post(), 'ok');
    assert.deepEqual({ ...outbox.stats(), posted: 0 }, {
      posted: 0, spilled: 13, full: 1, written: 6, fragmented: 0, wakeups: 0, discarded: 0, queuedRecords: 11, queuedBytes: 176,
    });

    // No more posts: the flush timer moves the rest as the reader makes room.
    const received = [0, 1];
    await until(() => {
      received.push(...drainSeqs(reader));
      return outbox.stats().queuedRecords === 0 && reader.isEmpty();
    }, t.signal);
    assert.deepEqual(received, accepted);
    assert.equal(accepted.includes(16), false);
    const stats = outbox.stats();
    assert.equal(stats.written, stats.posted);
    assert.equal(stats.queuedBytes, 0);
  });

  test('a new post waits behind queued records even when the ring has room', () => {
    const { outbox, reader } = setup(1000);
    for (let seq = 0; seq < 5; seq++) outbox.post(1, 1, [numbered(seq)]); // 4 in the ring, 1 queued
    assert.deepEqual(drainSeqs(reader), [0, 1, 2, 3]);
    assert.equal(outbox.post(1, 1, [numbered(5)]), 'ok');
    assert.deepEqual(drainSeqs(reader), [4, 5]);
    assert.equal(outbox.stats().queuedRecords, 0);
  });

  test('a small record does not overtake a queued larger one that the ring has no room for yet', () => {
    const { outbox, reader } = setup(1000, 256); // records up to 64 bytes go whole
    for (let seq = 0; seq < 16; seq++) outbox.post(1, 1, [numbered(seq)]); // ring full: 16 × 16 bytes
    assert.equal(outbox.post(1, 1, [numbered(16, 50)]), 'ok'); // 55 bytes, queued
    drainSeqs(reader, 1); // 16 bytes free: too little for seq 16, enough for seq 17
    assert.equal(outbox.post(1, 1, [numbered(17, 4)]), 'ok');
    assert.deepEqual(drainSeqs(reader), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    assert.equal(outbox.post(1, 1, [numbered(18, 4)]), 'ok');
    assert.deepEqual(drainSeqs(reader), [16, 17, 18]);
  });

  test('with a zero overflow limit, post answers full as soon as the ring is full', () => {
    const { outbox, reader } = setup(0);
    for (let seq = 0; seq < 4; seq++) assert.equal(outbox.post(1, 1, [numbered(seq)]), 'ok');
    assert.equal(outbox.post(1, 1, [numbered(4)]), 'full');
    assert.equal(outbox.stats().spilled, 0);
    drainSeqs(reader, 1);
    assert.equal(outbox.post(1, 1, [numbered(5)]), 'ok');
    assert.deepEqual(drainSeqs(reader), [1, 2, 3, 5]);
  });

  test('copies queued bodies, so the caller may reuse its buffer', () => {
    const { outbox, reader } = setup(1000);
    const body = numbered(0);
    for (let seq = 0; seq < 6; seq++) {
      body.set(numbered(seq));
      outbox.post(1, 1, [body]);
    }
    drainSeqs(reader);
    outbox.post(1, 1, [numbered(6)]);
    assert.deepEqual(drainSeqs(reader), [4, 5, 6]);
  });

  test('rings the doorbell of a sleeping consumer once', () => {
    const { wiring, outbox } = setup(1000);
    Atomics.store(new Int32Array(wiring.doorbells), 1 * DOORBELL_STRIDE, SLEEPING);
    outbox.post(1, 1, [numbered(0)]);
    assert.equal(isSleeping(wiring, 1), false);
    outbox.post(1, 1, [numbered(1)]);
    assert.equal(outbox.stats().wakeups, 1);
  });

  test('replacePeer drops what was queued for the old incarnation and writes to the new ring', () => {
    const { wiring, outbox } = setup(1000);
    for (let seq = 0; seq < 7; seq++) outbox.post(1, 1, [numbered(seq)]); // 4 in the ring, 3 queued
    rewire(wiring, 1);
    assert.equal(outbox.replacePeer(1, wiring.rings[0]![1]!), 3);
    assert.equal(outbox.post(1, 1, [numbered(7)]), 'ok');
    assert.deepEqual(drainSeqs(new Ring(wiring.rings[0]![1]!)), [7]);
    assert.equal(outbox.stats().discarded, 3);
  });

  test('close drops and counts what is queued; post afterwards throws', () => {
    const { outbox } = setup(1000);
    for (let seq = 0; seq < 6; seq++) outbox.post(1, 1, [numbered(seq)]);
    assert.equal(outbox.close(), 2);
    assert.equal(outbox.stats().discarded, 2);
    assert.throws(() => outbox.post(1, 1, [numbered(6)]), /outbox is closed/);
  });
});

describe('Outbox.canEverTake', () => {
  test('says which records an empty ring and overflow queue could take, and post agrees at the edge', () => {
    const { outbox } = setup(1000, 4096);
    assert.equal(outbox.canEverTake(1, 100), true, 'a whole record');
    assert.equal(outbox.canEverTake(1, 4000), true, 'fragments that fit the ring');
    // Find the largest body that could ever be taken: the one past it cannot.
    let largest = 4000;
    while (outbox.canEverTake(1, largest + 1)) largest++;
    assert.ok(largest > 4096 && largest < 4096 + 1000, `largest ${largest}`);
    assert.equal(outbox.post(1, 1, [new Uint8Array(largest + 1)]), 'full', 'one byte more is refused even when empty');
    assert.equal(outbox.post(1, 1, [new Uint8Array(largest)]), 'ok', 'the largest is taken when empty');
    assert.equal(outbox.canEverTake(1, largest + 1), false);
  });
});

describe('Outbox input checks', () => {
  test('rejects a kind that is not a byte, and the kind reserved for fragments, whether or not records are queued', () => {
    const { outbox } = setup(1000);
    for (let seq = 0; seq < 5; seq++) outbox.post(1, 1, [numbered(seq)]);
    assert.throws(() => outbox.post(1, 256, [numbered(9)]), /kind must be an integer from 0 to 255/);
    assert.throws(() => outbox.post(1, 255, [numbered(9)]), /mailbox record kind 255 is reserved for fragments/);
    assert.throws(() => outbox.post(1, 256, [new Uint8Array(60)]), /kind must be an integer from 0 to 255/);
    assert.equal(outbox.stats().queuedRecords, 1);
  });

  test('rejects a target that is not another shard', () => {
    const { outbox } = setup(1000);
    for (const to of [0, 2, -1, 0.5]) {
      assert.throws(() => outbox.post(to, 1, []), /post target must be another shard, 0 to 1 except 0/, `to ${to}`);
    }
  });

  test('rejects a bad overflow limit or shard id, naming the option', () => {
    const wiring = createWiring(2, 64);
    assert.throws(() => new Outbox({ ...wiring, shardId: 0 }, -1), /overflowLimitBytes must be a non-negative integer \(got -1\)/);
    assert.throws(() => new Outbox({ ...wiring, shardId: 0 }, 1.5), /overflowLimitBytes/);
    assert.throws(() => new Outbox({ ...wiring, shardId: 2 }, 0), /wiring.shardId must be a shard index from 0 to 1 \(got 2\)/);
  });
});

describe('wiring', () => {
  test('has a ring for each ordered pair and none on the diagonal', () => {
    const wiring = createWiring(3, 64);
    for (let from = 0; from < 3; from++) {
      for (let to = 0; to < 3; to++) assert.equal(wiring.rings[from]![to] === null, from === to, `${from} → ${to}`);
    }
    assert.equal(new Set(wiring.rings.flat().filter(Boolean)).size, 6);
  });

  test('survives structured cloning with its memory shared, as workerData does', () => {
    const wiring = createWiring(2, 64);
    const clone = structuredClone(wiring);
    new Outbox({ ...clone, shardId: 0 }, 0).post(1, 3, [numbered(42)]);
    assert.deepEqual(drainSeqs(new Ring(wiring.rings[0]![1]!)), [42]);
  });

  test('rewire renews both directions of one shard only', () => {
    const wiring = createWiring(3, 64);
    const before = wiring.rings.map((row) => [...row]);
    rewire(wiring, 1);
    for (let from = 0; from < 3; from++) {
      for (let to = 0; to < 3; to++) {
        const renewed = from !== to && (from === 1 || to === 1);
        assert.equal(wiring.rings[from]![to] !== before[from]![to], renewed, `${from} → ${to}`);
      }
    }
    assert.throws(() => rewire(wiring, 3), /peer must be a shard index from 0 to 2 \(got 3\)/);
  });

  test('rejects a bad shard count or ring capacity', () => {
    assert.throws(() => createWiring(0, 64), /shardCount must be a positive integer \(got 0\)/);
    assert.throws(() => createWiring(2, 1000), /ring capacity must be a power of two .*\(got 1000\)/);
  });
});
