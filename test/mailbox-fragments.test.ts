import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { cutIntoFragments, FIRST, FRAGMENT_KIND, LAST, largestWholeRecord, MIDDLE, Reassembler } from '../src/mailbox/fragments';
import { Inbox } from '../src/mailbox/inbox';
import { Outbox } from '../src/mailbox/outbox';
import { Ring } from '../src/mailbox/ring';
import { createWiring, type Wiring } from '../src/mailbox/wiring';
import { numbered, seqOf, until } from './fixtures/mailbox-util';
import { xorshift32 } from './fixtures/prng';

/** Bounds each waiting test, so that a bug fails it (and afterEach cleans up) instead of hanging the file. */
const BOUNDED = { timeout: 5_000 };

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

interface Got {
  kind: number;
  seq: number;
  length: number;
}

/** Shard 1's inbox and shard 0's outbox over a 2-shard wiring of `capacity`-byte rings. */
function pair(capacity: number, overflowLimitBytes: number): { wiring: Wiring; outbox: Outbox; inbox: Inbox; got: Got[] } {
  const wiring = createWiring(2, capacity);
  const got: Got[] = [];
  const inbox = new Inbox({ ...wiring, shardId: 1 }, 1024, (_from, kind, body) => {
    got.push({ kind, seq: seqOf(body), length: body.byteLength });
  });
  const outbox = new Outbox({ ...wiring, shardId: 0 }, overflowLimitBytes);
  cleanups.push(() => inbox.stop(), () => outbox.close());
  return { wiring, outbox, inbox, got };
}

describe('mailbox fragments', () => {
  test('a record larger than a quarter of the ring arrives whole, interleaved in order with ordinary records', BOUNDED, async (t) => {
    const { outbox, inbox, got } = pair(1024, 1 << 20); // records over 256 bytes are cut
    const sent: Got[] = [];
    const post = (seq: number, length: number, kind: number): void => {
      assert.equal(outbox.post(1, kind, [numbered(seq, length)]), 'ok');
      sent.push({ kind, seq, length });
    };
    post(0, 20, 1);
    post(1, 5000, 2); // 20 fragments
    post(2, 251, 3); // 256 ring bytes: the largest record that goes whole
    post(3, 252, 4); // one byte more: two fragments
    post(4, 11, 5);
    inbox.start();
    await until(() => got.length >= sent.length, t.signal);
    assert.deepEqual(got, sent);
    assert.equal(outbox.stats().fragmented, 2);
    assert.equal(inbox.stats().reassembled, 2);
    assert.equal(inbox.stats().drained, 5);
  });

  test('fragments go through the overflow queue while the ring is full, and stay behind earlier records', BOUNDED, async (t) => {
    const { outbox, inbox, got } = pair(256, 1 << 20); // records over 64 bytes are cut
    for (let seq = 0; seq < 16; seq++) outbox.post(1, 1, [numbered(seq)]); // ring full: 16 × 16 bytes
    assert.equal(outbox.post(1, 2, [numbered(16, 3000)]), 'ok');
    assert.equal(outbox.post(1, 1, [numbered(17)]), 'ok');
    const stats = outbox.stats();
    assert.equal(stats.fragmented, 1);
    assert.ok(stats.queuedRecords > 50, `fragments queued: ${stats.queuedRecords}`);
    inbox.start();
    await until(() => got.length >= 18, t.signal);
    assert.deepEqual(got.map((g) => g.seq), Array.from({ length: 18 }, (_, i) => i));
    assert.equal(got[16]!.length, 3000);
    assert.equal(outbox.stats().queuedBytes, 0);
  });

  test('a record is taken whole or refused whole: full when ring and overflow together cannot hold every fragment', () => {
    const { outbox, wiring } = pair(256, 1000);
    assert.equal(outbox.post(1, 2, [numbered(0, 2000)]), 'full'); // about 2,400 ring bytes: more than 256 + 1,000
    assert.deepEqual({ ...outbox.stats(), wakeups: 0 }, {
      posted: 0, spilled: 0, full: 1, written: 0, fragmented: 0, wakeups: 0, discarded: 0, queuedRecords: 0, queuedBytes: 0,
    });
    assert.equal(new Ring(wiring.rings[0]![1]!).usedBytes(), 0, 'no fragment was written');
    assert.equal(outbox.post(1, 2, [numbered(1, 1000)]), 'ok'); // about 1,200 ring bytes fit
  });

  test('fragments cross the ring\'s wrap-around at every offset and reassemble byte-exact', BOUNDED, async (t) => {
    const { outbox, inbox, got } = pair(128, 1 << 16); // records over 32 bytes are cut, 21-byte pieces
    inbox.start();
    const random = xorshift32(0x5eed);
    let expected = 0;
    // Records of 1 to 200 body bytes move the write index through every offset of the ring.
    for (let seq = 0; seq < 600; seq++) {
      const length = 4 + (random() % 197);
      assert.equal(outbox.post(1, 1 + (seq % 254), [numbered(seq, length)]), 'ok');
      expected++;
      if (seq % 7 === 6) await until(() => got.length >= expected, t.signal);
    }
    await until(() => got.length >= expected, t.signal);
    assert.deepEqual(got.map((g) => g.seq), Array.from({ length: 600 }, (_, i) => i));
    assert.ok(outbox.stats().fragmented > 400);
  });

  test('the cut follows the caller\'s parts across their boundaries', () => {
    const whole = numbered(7, 100);
    const parts = [whole.subarray(0, 3), whole.subarray(3, 3), whole.subarray(3, 41), whole.subarray(41)];
    const assembler = new Reassembler();
    const positions: number[] = [];
    let result: ReturnType<Reassembler['add']> = null;
    cutIntoFragments(9, parts, 100, 128, (fragment, size) => {
      const body = Buffer.concat(fragment);
      assert.equal(size, 5 + body.byteLength);
      assert.ok(size <= largestWholeRecord(128));
      positions.push(body[0]!);
      result = assembler.add(body);
    });
    assert.deepEqual(positions, [FIRST, MIDDLE, MIDDLE, MIDDLE, LAST]);
    assert.ok(result !== null);
    assert.equal((result as { kind: number }).kind, 9);
    assert.deepEqual(Buffer.from((result as { body: Uint8Array }).body), Buffer.from(whole));
  });

  test('a fragment out of place is an error naming what was wrong', () => {
    const header = (position: number, length: number): Uint8Array => {
      const body = new Uint8Array(8);
      body[0] = position;
      body[1] = 3;
      new DataView(body.buffer).setUint32(2, length, true);
      return body;
    };
    const assembler = new Reassembler();
    assert.throws(() => assembler.add(header(LAST, 2)), /fragment LAST arrived without a FIRST/);
    assert.throws(() => assembler.add(header(MIDDLE, 2)), /fragment MIDDLE arrived without a FIRST/);
    assert.equal(assembler.add(header(FIRST, 4)), null);
    assert.throws(() => assembler.add(header(FIRST, 4)), /FIRST arrived while a record was still incomplete/);
    assert.equal(assembler.add(header(FIRST, 3)), null);
    assert.throws(() => assembler.add(header(LAST, 3)), /overrun their record of 3 bytes/);
    assert.throws(() => assembler.add(new Uint8Array(3)), /shorter than its 6-byte header/);
    assert.equal(FRAGMENT_KIND, 255);
  });
});
