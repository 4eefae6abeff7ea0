/** Centrifugo's all-or-nothing recovery rule, and the fossil patch guard. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyDelta } from 'fossil-delta';
import { encodeFossilPatch } from '../src/shards/owner/delta';
import { MemoryBroker } from '../src/broker/memory';
import { recoveryOutcome, recoveryRead } from '../src/shards/owner/recovery-rule';

const pubs = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => ({ data: `${from + i}`, offset: from + i }));
const top = { offset: 10, epoch: 'E' };

test('recovered when every missed publication is held', () => {
  const out = recoveryOutcome({ since: { offset: 7, epoch: 'E' }, limit: 300 }, pubs(1, 10), top);
  assert.equal(out.recovered, true);
  assert.deepEqual(out.pubs.map((p) => p.offset), [8, 9, 10]);
});

test('recovered with nothing missed; an empty client epoch matches any', () => {
  assert.deepEqual(recoveryOutcome({ since: { offset: 10, epoch: '' }, limit: 300 }, pubs(1, 10), top), { recovered: true, pubs: [] });
});

test('not recovered: another epoch, a hole, over the limit, or a client ahead of the stream', () => {
  assert.equal(recoveryOutcome({ since: { offset: 7, epoch: 'X' }, limit: 300 }, pubs(1, 10), top).recovered, false);
  assert.deepEqual(recoveryOutcome({ since: { offset: 2, epoch: 'E' }, limit: 300 }, pubs(5, 10), top), { recovered: false, pubs: [] });
  assert.deepEqual(recoveryOutcome({ since: { offset: 2, epoch: 'E' }, limit: 5 }, pubs(1, 10), top), { recovered: false, pubs: [] });
  assert.equal(recoveryOutcome({ since: { offset: 12, epoch: 'E' }, limit: 300 }, pubs(1, 10), top).recovered, false);
});

test('cache mode returns only the latest publication', () => {
  assert.deepEqual(recoveryOutcome({ since: { offset: 0, epoch: '' }, cache: true, limit: 300 }, pubs(1, 10), top).pubs.map((p) => p.offset), [10]);
  assert.equal(recoveryOutcome({ since: { offset: 0, epoch: '' }, cache: true, limit: 300 }, [], top).recovered, false);
});

/** A tiny seeded PRNG, so the random payloads are the same every run. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

test('fossil patches round-trip through fossil-delta on random and real-looking payloads', () => {
  const rand = prng(42);
  const utf8 = new TextEncoder();
  for (let round = 0; round < 200; round++) {
    const rows = Array.from({ length: 1 + Math.floor(rand() * 30) }, (_, i) => ({ id: i, price: Math.floor(rand() * 1000), name: `item ${i} ${rand() < 0.1 ? 'ünïcødé ✓' : ''}` }));
    const prev = JSON.stringify({ rows });
    rows[Math.floor(rand() * rows.length)]!.price += 1;
    if (rand() < 0.3) rows.push({ id: rows.length, price: 1, name: 'new' });
    const next = JSON.stringify({ rows });
    const patch = encodeFossilPatch(prev, next);
    if (patch === null) continue;
    const applied = new TextDecoder().decode(applyDelta(utf8.encode(prev), utf8.encode(patch)));
    assert.equal(applied, next);
    assert.ok(utf8.encode(patch).length < utf8.encode(next).length);
  }
});

test('no patch when it would not be smaller', () => {
  assert.equal(encodeFossilPatch('{"a":1}', '{"b":"completely different"}'), null);
});

test('issue 17 soak: a recovery reads only what it needs, not the whole stream', () => {
  assert.deepEqual(recoveryRead({ limit: 300 }), { limit: 0 });
  assert.deepEqual(recoveryRead({ since: { offset: 7, epoch: 'E' }, limit: 300 }), { limit: 301, since: { offset: 7, epoch: '' } });
  assert.deepEqual(recoveryRead({ since: { offset: 7, epoch: 'E' }, limit: 0 }), { limit: -1, since: { offset: 7, epoch: '' } });
  assert.deepEqual(recoveryRead({ since: { offset: 7, epoch: 'E' }, cache: true, limit: 0 }), { limit: 1, reverse: true });
});

test('issue 17 soak: the narrowed read gives the outcome a whole-stream read gave', async () => {
  const broker = new MemoryBroker();
  const history = { size: 100, ttl: 60_000, metaTtl: 0 };
  for (let i = 1; i <= 20; i++) await broker.publish('ch', { data: `${i}` }, { history });
  const whole = await broker.history('ch', { limit: -1, metaTtl: 0 });
  const epoch = whole.position.epoch;
  const cases = [
    { since: { offset: 15, epoch }, limit: 300 },
    { since: { offset: 20, epoch }, limit: 300 },
    { since: { offset: 5, epoch }, limit: 10 },
    { since: { offset: 10, epoch }, limit: 10 },
    { since: { offset: 15, epoch: 'other' }, limit: 300 },
    { since: { offset: 15, epoch: '' }, limit: 300 },
    { since: { offset: 25, epoch }, limit: 300 },
    { since: { offset: 18, epoch }, cache: true, limit: 0 },
  ];
  for (const msg of cases) {
    const narrow = await broker.history('ch', { ...recoveryRead(msg), metaTtl: 0 });
    assert.deepEqual(narrow.position, whole.position);
    assert.deepEqual(recoveryOutcome(msg, narrow.publications, narrow.position), recoveryOutcome(msg, whole.publications, whole.position), JSON.stringify(msg));
  }
});
