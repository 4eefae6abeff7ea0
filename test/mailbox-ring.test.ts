import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HEADER_BYTES, READ_INDEX, RECORD_HEADER_BYTES, Ring, WRITE_INDEX } from '../src/mailbox/ring';
import { xorshift32 } from './fixtures/prng';

interface Entry {
  kind: number;
  body: Uint8Array;
}

/** Bytes seed, seed + 7, seed + 14, ... (mod 256): a body whose every byte depends on its position. */
function pattern(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (seed + i * 7) & 0xff;
  return bytes;
}

/** The body cut into three parts (some possibly empty) at one third and two thirds. */
function threeParts(body: Uint8Array): Uint8Array[] {
  const a = Math.floor(body.length / 3);
  const b = Math.floor((2 * body.length) / 3);
  return [body.subarray(0, a), body.subarray(a, b), body.subarray(b)];
}

/** Drains up to max records, copying each body (the ring's view is only valid during the call). */
function readRecords(ring: Ring, max = Infinity): Entry[] {
  const records: Entry[] = [];
  ring.drain(max, (kind, body) => records.push({ kind, body: body.slice() }));
  return records;
}

/** A ring whose both indices start at `start` (a uint32), so the first record begins there. */
function ringAt(capacity: number, start: number): { ring: Ring; header: Int32Array; data: Uint8Array } {
  const buffer = Ring.allocate(capacity);
  const header = new Int32Array(buffer, 0, HEADER_BYTES / 4);
  header[WRITE_INDEX] = start | 0;
  header[READ_INDEX] = start | 0;
  return { ring: new Ring(buffer), header, data: new Uint8Array(buffer, HEADER_BYTES) };
}

describe('Ring', () => {
  test('keeps many records of varied sizes in order across many laps', () => {
    const ring = new Ring(Ring.allocate(1024));
    const total = 10_000;
    let written = 0;
    let read = 0;
    while (read < total) {
      const progress = written + read;
      while (written < total) {
        const body = pattern((written * 37) % 300, written);
        if (!ring.tryWrite(written & 0xff, [body])) break;
        written++;
      }
      for (const record of readRecords(ring, 7)) {
        assert.equal(record.kind, read & 0xff);
        assert.deepEqual(record.body, pattern((read * 37) % 300, read));
        read++;
      }
      assert.notEqual(written + read, progress, `stuck after ${written} written, ${read} read`);
    }
    assert.equal(ring.isEmpty(), true);
  });

  test('usedBytes counts the published, unread bytes, headers included', () => {
    const ring = new Ring(Ring.allocate(256));
    assert.equal(ring.usedBytes(), 0);
    assert.ok(ring.tryWrite(1, [new Uint8Array(10)]));
    assert.ok(ring.tryWrite(2, [new Uint8Array(3)]));
    assert.equal(ring.usedBytes(), 2 * RECORD_HEADER_BYTES + 13);
    readRecords(ring, 1);
    assert.equal(ring.usedBytes(), RECORD_HEADER_BYTES + 3);
    readRecords(ring, 1);
    assert.equal(ring.usedBytes(), 0);
  });

  test('round-trips every record size at every wrap-around offset, also across the 2^32 index wrap', () => {
    const capacity = 64;
    const garbage = 0xee;
    for (const base of [0, 2 ** 32 - capacity]) {
      for (let offset = 0; offset < capacity; offset++) {
        const start = base + offset;
        for (let length = 0; length + RECORD_HEADER_BYTES <= capacity; length++) {
          const { ring, header, data } = ringAt(capacity, start);
          data.fill(garbage);
          const body = pattern(length, offset + length);
          const kind = (offset * 7 + length) & 0xff;
          const size = RECORD_HEADER_BYTES + length;
          const where = `offset ${offset}, base ${base}, body ${length}`;

          assert.equal(ring.tryWrite(kind, threeParts(body)), true, where);
          assert.equal(header[WRITE_INDEX]! >>> 0, (start + size) >>> 0, where);
          for (let i = size; i < capacity; i++) {
            assert.equal(data[(offset + i) % capacity], garbage, `${where}: byte ${i} past the record was touched`);
          }
          assert.deepEqual(readRecords(ring), [{ kind, body }], where);
          assert.equal(header[READ_INDEX]! >>> 0, (start + size) >>> 0, where);
          assert.equal(ring.isEmpty(), true, where);
        }
      }
    }
  });

  test('survives a seeded random mix of writes and drains exactly', () => {
    const capacity = 256;
    const random = xorshift32(0x5eed1234);
    const { ring } = ringAt(capacity, 2 ** 32 - 4096); // crosses the uint32 wrap during the run
    const expected: Entry[] = [];
    let used = 0;
    let reads = 0;
    for (let op = 0; op < 50_000; op++) {
      if (random() % 3 !== 0) {
        const length = random() % 4 === 0 ? random() % (capacity - RECORD_HEADER_BYTES + 1) : random() % 40;
        const body = pattern(length, random());
        const kind = random() & 0xff;
        const cut = length === 0 ? 0 : random() % length;
        const fits = used + RECORD_HEADER_BYTES + length <= capacity;
        assert.equal(ring.tryWrite(kind, [body.subarray(0, cut), body.subarray(cut)]), fits, `op ${op}`);
        if (fits) {
          expected.push({ kind, body });
          used += RECORD_HEADER_BYTES + length;
        }
      } else {
        for (const record of readRecords(ring, random() % 6)) {
          const next = expected.shift();
          assert.deepEqual(record, next, `op ${op}`);
          used -= RECORD_HEADER_BYTES + record.body.length;
          reads++;
        }
      }
    }
    assert.deepEqual(readRecords(ring), expected);
    assert.ok(reads > 10_000, `only ${reads} records read; the mix is too lopsided to mean much`);
  });

  test('tryWrite returns false and changes nothing when the record does not fit now', () => {
    const { ring, header, data } = ringAt(64, 60);
    assert.equal(ring.tryWrite(1, [pattern(40, 1)]), true); // 45 of 64 bytes used
    const before = { write: header[WRITE_INDEX], read: header[READ_INDEX], data: data.slice() };
    assert.equal(ring.tryWrite(2, [pattern(15, 2)]), false); // needs 20, 19 free
    assert.deepEqual({ write: header[WRITE_INDEX], read: header[READ_INDEX], data: data.slice() }, before);
    assert.equal(ring.tryWrite(2, [pattern(14, 2)]), true); // needs exactly the 19 free
    assert.equal(ring.tryWrite(3, []), false);
    assert.deepEqual(
      readRecords(ring).map((r) => r.kind),
      [1, 2],
    );
  });

  test('a record of exactly the capacity fits an empty ring', () => {
    const ring = new Ring(Ring.allocate(64));
    const body = pattern(64 - RECORD_HEADER_BYTES, 9);
    assert.equal(ring.tryWrite(200, [body]), true);
    assert.deepEqual(readRecords(ring), [{ kind: 200, body }]);
  });

  test('a writer sees room the reader freed, to the last byte', () => {
    const buffer = Ring.allocate(64);
    const writer = new Ring(buffer);
    const reader = new Ring(buffer);
    for (let kind = 0; kind < 4; kind++) assert.equal(writer.tryWrite(kind, [pattern(11, kind)]), true);
    assert.equal(writer.tryWrite(4, []), false);
    assert.equal(readRecords(reader).length, 4);
    const body = pattern(64 - RECORD_HEADER_BYTES, 5);
    assert.equal(writer.tryWrite(5, [body]), true);
    assert.equal(writer.tryWrite(6, []), false);
    assert.deepEqual(readRecords(reader), [{ kind: 5, body }]);
    assert.equal(reader.isEmpty(), true);
  });

  test('drain stops at max and goes on where it stopped', () => {
    const ring = new Ring(Ring.allocate(128));
    for (let kind = 0; kind < 5; kind++) ring.tryWrite(kind, [pattern(3, kind)]);
    assert.equal(ring.drain(0, () => assert.fail('max 0 must read nothing')), 0);
    assert.deepEqual(
      readRecords(ring, 2).map((r) => r.kind),
      [0, 1],
    );
    assert.deepEqual(
      readRecords(ring).map((r) => r.kind),
      [2, 3, 4],
    );
  });

  test('a record whose handler throws counts as consumed', () => {
    const ring = new Ring(Ring.allocate(64));
    ring.tryWrite(1, [pattern(4, 1)]);
    ring.tryWrite(2, [pattern(4, 2)]);
    assert.throws(
      () =>
        ring.drain(10, () => {
          throw new Error('handler failed');
        }),
      /handler failed/,
    );
    assert.deepEqual(
      readRecords(ring).map((r) => r.kind),
      [2],
    );
  });

  test('a Ring over a shared copy sees the same records', () => {
    const buffer = Ring.allocate(64);
    new Ring(buffer).tryWrite(7, [pattern(10, 3)]);
    assert.deepEqual(readRecords(new Ring(structuredClone(buffer))), [{ kind: 7, body: pattern(10, 3) }]);
  });
});

describe('Ring input checks', () => {
  test('rejects a capacity that is not a power of two from 64 to 2^30', () => {
    for (const capacity of [0, 1, 32, 63, 100, 96, -64, 64.5, Number.NaN, 2 ** 31]) {
      assert.throws(
        () => Ring.allocate(capacity),
        (error: unknown) =>
          error instanceof RangeError &&
          /ring capacity must be a power of two from 64/.test(error.message) &&
          error.message.includes(`(got ${capacity})`),
        `capacity ${capacity}`,
      );
    }
  });

  test('rejects a buffer that is not header + power-of-two capacity', () => {
    assert.throws(() => new Ring(new SharedArrayBuffer(HEADER_BYTES + 100)), /got 228 bytes/);
    assert.throws(() => new Ring(new SharedArrayBuffer(16)), RangeError);
  });

  test('rejects a record that can never fit, naming the sizes, instead of waiting for room', () => {
    const ring = new Ring(Ring.allocate(64));
    assert.throws(
      () => ring.tryWrite(1, [pattern(60, 0)]),
      (error: unknown) =>
        error instanceof RangeError &&
        error.message ===
          'mailbox record of 65 bytes (5-byte header + 60-byte body) can never fit a ring of 64 bytes',
    );
    assert.throws(() => ring.tryWrite(1, [pattern(30, 0), pattern(30, 0)]), /65 bytes .* ring of 64 bytes/);
    assert.equal(ring.isEmpty(), true);
  });

  test('rejects a kind that is not a byte', () => {
    const ring = new Ring(Ring.allocate(64));
    for (const kind of [-1, 256, 1.5, Number.NaN]) {
      assert.throws(() => ring.tryWrite(kind, []), /kind must be an integer from 0 to 255/, `kind ${kind}`);
    }
    assert.equal(ring.isEmpty(), true);
  });
});
