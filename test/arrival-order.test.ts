/**
 * The arrival order of a shard (src/shards/messaging/arrival-order.ts), on
 * ring headers driven by hand: a fan-out record waits while another ring
 * holds unread bytes, then records go out in stamp order, and each sender's
 * records (messages included) keep their order.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ArrivalOrder, type SelfItem } from '../src/shards/messaging/arrival-order';
import { FanoutKind, fanoutParts, readFanout, type Fanout } from '../src/shards/messaging/fanout';
import { RecordKind } from '../src/shards/messaging/messages';
import { HEADER_BYTES, READ_INDEX, WRITE_INDEX } from '../src/mailbox/ring';

function fanout(stamp: number, channel = 'ch'): Fanout {
  return { kind: FanoutKind.PUBLICATION, stamp, channel, offset: 0, at: 0, epoch: '', binary: false, full: Buffer.from(`{"n":${stamp}}`), deltaFull: null, delta: null, pbFull: null, pbDelta: null };
}

function body(stamp: number): Uint8Array {
  return Buffer.concat(fanoutParts(fanout(stamp)));
}

/** Three shards seen from shard 2: rings from 0 and 1, whose indices the test moves. */
function setup(): { order: ArrivalOrder; seen: string[]; unread: (from: number, bytes: number) => void; read: (from: number) => void } {
  const rings = [new SharedArrayBuffer(HEADER_BYTES + 64), new SharedArrayBuffer(HEADER_BYTES + 64), null];
  const seen: string[] = [];
  const order = new ArrivalOrder(2, rings, {
    onRecord: (from, kind, b) => seen.push(kind === RecordKind.FANOUT ? `${from}:f${readFanout(b).stamp}` : `${from}:m`),
    onSelf: (item: SelfItem) => seen.push(item.fanout ? `self:f${item.fanout.stamp}` : 'self:m'),
  });
  const header = (from: number): Int32Array => new Int32Array(rings[from]!);
  return {
    order,
    seen,
    unread: (from, bytes) => Atomics.add(header(from), WRITE_INDEX, bytes),
    read: (from) => Atomics.store(header(from), READ_INDEX, Atomics.load(header(from), WRITE_INDEX)),
  };
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('arrival order', () => {
  test('with the other rings empty, a record is handled at once', () => {
    const { order, seen } = setup();
    order.fromRing(1, RecordKind.FANOUT, body(7));
    order.fromRing(0, RecordKind.MESSAGE, new Uint8Array([1]));
    assert.deepEqual(seen, ['1:f7', '0:m']);
    assert.equal(order.waited, 0);
  });

  test('a later stamp waits for the ring that held an earlier one, then both go in stamp order', async () => {
    const { order, seen, unread, read } = setup();
    unread(0, 40); // pub1 (stamp 3) is in ring 0, unread
    order.fromRing(1, RecordKind.FANOUT, body(5)); // pub2 read first from ring 1
    order.fromRing(1, RecordKind.MESSAGE, new Uint8Array([1])); // behind pub2 on its ring
    await turn();
    assert.deepEqual(seen, [], 'pub2 and what follows it wait');
    order.fromRing(0, RecordKind.FANOUT, body(3));
    read(0);
    await turn();
    assert.deepEqual(seen, ['0:f3', '1:f5', '1:m']);
  });

  test("a shard's own publication waits for rings with unread bytes, and keeps its place among its own sends", async () => {
    const { order, seen, unread, read } = setup();
    unread(1, 40);
    order.fromSelf({ fanout: fanout(9) });
    order.fromSelf({ message: { t: 7, ch: 'ch' } });
    await turn();
    assert.deepEqual(seen, []);
    order.fromRing(1, RecordKind.FANOUT, body(8));
    read(1);
    await turn();
    assert.deepEqual(seen, ['1:f8', 'self:f9', 'self:m']);
  });

  test('a restarted peer is not waited for', async () => {
    const { order, seen, unread } = setup();
    unread(0, 40);
    order.fromRing(1, RecordKind.FANOUT, body(5));
    await turn();
    assert.deepEqual(seen, []);
    order.replacePeer(0, new SharedArrayBuffer(HEADER_BYTES + 64));
    await turn();
    assert.deepEqual(seen, ['1:f5']);
  });
});
