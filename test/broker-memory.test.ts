/** The memory broker: clock-driven retention, idempotency expiry and sweeping (the shared contract is in broker-contract.test.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Publication, StreamPosition } from '../src/broker/broker';
import { UnrecoverablePositionError } from '../src/broker/broker';
import { MemoryBroker } from '../src/broker/memory';

function collecting(): { events: [string, Publication, StreamPosition][]; broker: MemoryBroker; clock: { now: number } } {
  const clock = { now: 1_000_000 };
  const broker = new MemoryBroker(() => clock.now);
  const events: [string, Publication, StreamPosition][] = [];
  void broker.start({ onPublication: (ch, pub, pos) => events.push([ch, pub, pos]) });
  return { events, broker, clock };
}

const HISTORY = { size: 3, ttl: 60_000, metaTtl: 0 };

test('publications reach the node only for subscribed channels, in order', async () => {
  const { events, broker } = collecting();
  await broker.publish('a', { data: '1' }, {});
  await broker.subscribe('a');
  await broker.publish('a', { data: '2' }, {});
  await broker.publish('a', { data: '3' }, {});
  await broker.unsubscribe('a');
  await broker.publish('a', { data: '4' }, {});
  assert.deepEqual(events.map((e) => e[1].data), ['2', '3']);
});

test('history: offsets from 1, one epoch, size and ttl retention', async () => {
  const { broker, clock } = collecting();
  const positions = [];
  for (let i = 1; i <= 5; i++) positions.push((await broker.publish('h', { data: String(i) }, { history: HISTORY })).position);
  assert.deepEqual(positions.map((p) => p.offset), [1, 2, 3, 4, 5]);
  assert.equal(new Set(positions.map((p) => p.epoch)).size, 1);
  assert.match(positions[0]!.epoch, /^[a-zA-Z]{8}$/);
  const all = await broker.history('h', { limit: -1, metaTtl: 0 });
  assert.deepEqual(all.publications.map((p) => p.offset), [3, 4, 5]);
  assert.deepEqual(all.position, { offset: 5, epoch: positions[0]!.epoch });
  const since = await broker.history('h', { limit: -1, since: { offset: 3, epoch: positions[0]!.epoch }, metaTtl: 0 });
  assert.deepEqual(since.publications.map((p) => p.offset), [4, 5]);
  const reverse = await broker.history('h', { limit: 2, reverse: true, metaTtl: 0 });
  assert.deepEqual(reverse.publications.map((p) => p.offset), [5, 4]);
  assert.deepEqual((await broker.history('h', { limit: 0, metaTtl: 0 })).publications, []);
  clock.now += 61_000;
  assert.deepEqual((await broker.history('h', { limit: -1, metaTtl: 0 })).publications, []);
  assert.equal((await broker.history('h', { limit: -1, metaTtl: 0 })).position.offset, 5);
});

test('history with another epoch is unrecoverable; expired meta starts a new epoch', async () => {
  const { broker, clock } = collecting();
  const first = (await broker.publish('h', { data: '1' }, { history: { ...HISTORY, metaTtl: 10_000 } })).position;
  await assert.rejects(broker.history('h', { limit: -1, since: { offset: 1, epoch: 'other' }, metaTtl: 10_000 }), UnrecoverablePositionError);
  clock.now += 20_000;
  const second = (await broker.publish('h', { data: '2' }, { history: { ...HISTORY, metaTtl: 10_000 } })).position;
  assert.equal(second.offset, 1);
  assert.notEqual(second.epoch, first.epoch);
});

test('an idempotency key expires after its TTL', async () => {
  const { broker, clock } = collecting();
  await broker.publish('h', { data: '1' }, { history: HISTORY, idempotencyKey: 'k', idempotentResultTtl: 1000 });
  clock.now += 1500;
  const later = await broker.publish('h', { data: '1' }, { history: HISTORY, idempotencyKey: 'k', idempotentResultTtl: 1000 });
  assert.equal(later.duplicate, false);
  assert.equal(later.position.offset, 2);
});

test('a delta publish gets the previous publication of the stream', async () => {
  const { events, broker } = collecting();
  await broker.subscribe('d');
  await broker.publish('d', { data: '"a"' }, { history: HISTORY, delta: true });
  await broker.publish('d', { data: '"b"' }, { history: HISTORY, delta: true });
  const prevs: (string | undefined)[] = [];
  const broker2 = new MemoryBroker();
  await broker2.start({ onPublication: (_c, _p, _pos, prev) => prevs.push(prev?.data) });
  await broker2.subscribe('d');
  await broker2.publish('d', { data: '"a"' }, { history: HISTORY, delta: true });
  await broker2.publish('d', { data: '"b"' }, { history: HISTORY, delta: true });
  await broker2.publish('d', { data: '"c"' }, { history: HISTORY });
  assert.deepEqual(prevs, [undefined, '"a"', undefined]);
  assert.equal(events.length, 2);
});

test('sweep drops expired publications and expired streams', async () => {
  const { broker, clock } = collecting();
  await broker.publish('s', { data: '1' }, { history: { size: 10, ttl: 1000, metaTtl: 5000 } });
  await broker.publish('t', { data: '1' }, { history: { size: 10, ttl: 1000, metaTtl: 0 } });
  assert.equal(broker.streamCount, 2);
  clock.now += 6000;
  broker.sweep();
  assert.equal(broker.streamCount, 1);
});
