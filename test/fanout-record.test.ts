import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FanoutKind, fanoutParts, fanoutStamp, keptFrame, readFanout, type Fanout } from '../src/shards/messaging/fanout';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

function fanout(overrides: Partial<Fanout>): Fanout {
  return {
    kind: FanoutKind.PUBLICATION,
    stamp: 7,
    channel: 'news',
    offset: 0,
    at: 1_765_000_000_123.456,
    epoch: '',
    binary: false,
    full: bytes('{"push":{"channel":"news"}}'),
    deltaFull: null,
    delta: null,
    pbFull: null,
    pbDelta: null,
    ...overrides,
  };
}

/** The record body as it sits in a ring: the parts joined, `before` bytes into a larger buffer (so byteOffset is not 0). */
function body(f: Fanout, before = 0): Uint8Array {
  const joined = Buffer.concat([Buffer.alloc(before, 0xee), ...fanoutParts(f), Buffer.alloc(3, 0xee)]);
  return new Uint8Array(joined.buffer, joined.byteOffset + before, joined.byteLength - before - 3);
}

/** What readFanout gives, with frames as plain arrays for comparison. */
function plain(f: Fanout): Record<string, unknown> {
  const frame = (x: Uint8Array | null): number[] | null => (x === null ? null : [...x]);
  return { ...f, full: frame(f.full), deltaFull: frame(f.deltaFull), delta: frame(f.delta), pbFull: frame(f.pbFull), pbDelta: frame(f.pbDelta) };
}

describe('fan-out record', () => {
  const cases: [string, Partial<Fanout>][] = [
    ['an ASCII channel, one frame', {}],
    ['a UTF-8 channel and epoch', { channel: 'café:чат:📈', epoch: 'époque' }],
    ['an ASCII channel longer than 64 bytes', { channel: `room:${'x'.repeat(200)}` }],
    ['a UTF-8 channel longer than 64 bytes', { channel: `${'é'.repeat(40)}:ch` }],
    ['a negative stamp (the counter wrapped), an offset and an epoch', { stamp: -5, offset: 2 ** 40 + 3, epoch: 'AbCd' }],
    ['every frame present, binary', { binary: true, full: null, deltaFull: bytes('df'), delta: bytes('d'), pbFull: new Uint8Array([1, 2, 3]), pbDelta: new Uint8Array([4]) }],
    ['a join/leave push', { kind: FanoutKind.JOIN_LEAVE, full: bytes('{"push":{"join":{}}}'), pbFull: new Uint8Array([9, 9]) }],
    ['no frames at all', { full: null }],
  ];
  for (const [name, overrides] of cases) {
    test(`reads back what fanoutParts wrote: ${name}`, () => {
      const f = fanout(overrides);
      for (const before of [0, 5]) {
        const record = body(f, before);
        const read = readFanout(record);
        assert.deepEqual(plain(read), plain(f));
        assert.equal(fanoutStamp(record), f.stamp);
      }
    });
  }

  test('frames read are views of the record body, not copies', () => {
    const record = body(fanout({}), 9);
    const read = readFanout(record);
    assert.equal(read.full!.buffer, record.buffer);
    record[record.length - 1] = 0x21;
    assert.equal(read.full![read.full!.length - 1], 0x21);
  });

  test('keptFrame copies a frame read from a record (it outlives the record bytes) and keeps a Buffer the shard encoded as it is', () => {
    const record = body(fanout({}), 4);
    const view = readFanout(record).full!;
    const kept = keptFrame(view);
    const before = [...view];
    record.fill(0);
    assert.deepEqual([...kept], before, 'the copy still holds the frame after the record bytes are overwritten');
    const encoded = Buffer.from('{"push":{}}');
    assert.equal(keptFrame(encoded), encoded);
  });
});
