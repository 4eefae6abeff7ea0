/**
 * The Redis message codec (message-codec.ts): what the broker and publish.lua
 * write on PUB/SUB, decoded back. Seeded random publications (unicode, info,
 * tags) round-trip through every message form; every truncation of a message
 * header decodes to null (ignored) instead of throwing or misreading.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Publication } from '../src/broker/broker';
import { decodeMessage, encodeJoinLeave, encodePlainMessage, encodePublication, encodeSync } from '../src/broker/message-codec';
import { seededRandom as seeded } from './helpers/seeded';

const ALPHABET = ['a', 'Z', '0', '_', ':', '"', '\\', '\n', 'é', '频', '😀', '{', '}', ' '];

function randomPublication(next: () => number): Omit<Publication, 'offset'> {
  const text = (n: number): string => Array.from({ length: n }, () => ALPHABET[Math.floor(next() * ALPHABET.length)]).join('');
  const data = JSON.stringify({ t: text(Math.floor(next() * 40)) });
  return {
    data,
    ...(next() < 0.5 ? { info: { client: text(5), user: text(3) } } : {}),
    ...(next() < 0.5 ? { tags: { [text(3)]: text(4) } } : {}),
  };
}

/** The delta form as publish.lua writes it (lengths in bytes = characters: encoded publications are ASCII). */
function luaDelta(offset: number, epoch: string, prev: string, payload: string): string {
  return `__d1:${offset}:${epoch}:${Buffer.byteLength(prev)}:${prev}${payload}`;
}

test('publications round-trip through the plain, positioned and delta forms', () => {
  const next = seeded(12);
  for (let i = 0; i < 300; i++) {
    const prev = randomPublication(next);
    const pub = randomPublication(next);
    const payload = encodePublication(pub);
    assert.match(payload, /^[\x00-\x7f]*$/, 'encoded publications are ASCII');
    assert.deepEqual(decodeMessage(encodePlainMessage(payload)), { kind: 'pub', pub: { ...pub, offset: 0 }, position: { offset: 0, epoch: '' } });
    assert.deepEqual(decodeMessage(`__p1:${i + 1}:ep${i}__${payload}`), { kind: 'pub', pub: { ...pub, offset: i + 1 }, position: { offset: i + 1, epoch: `ep${i}` } });
    const delta = decodeMessage(luaDelta(i + 2, 'xy', encodePublication(prev), payload));
    assert.deepEqual(delta, { kind: 'pub', pub: { ...pub, offset: i + 2 }, position: { offset: i + 2, epoch: 'xy' }, prev: { ...prev, offset: i + 1 } });
  }
});

test('join, leave and sync markers round-trip', () => {
  const info = { client: 'c1', user: 'ü' };
  assert.deepEqual(decodeMessage(encodeJoinLeave('join', info)), { kind: 'join', info });
  assert.deepEqual(decodeMessage(encodeJoinLeave('leave', info)), { kind: 'leave', info });
  assert.deepEqual(decodeMessage(encodeSync('node.7')), { kind: 'sync', token: 'node.7' });
});

test('every truncated or malformed header is ignored (null), never misread', () => {
  const payload = encodePublication({ data: '{"a":1}' });
  for (const whole of [`__p1:12:abc__${payload}`, luaDelta(5, 'ep', payload, payload)]) {
    const headerEnd = whole.indexOf(payload);
    for (let cut = 0; cut < headerEnd; cut++) assert.equal(decodeMessage(whole.slice(0, cut)), null, `cut at ${cut}: ${whole.slice(0, cut)}`);
  }
  for (const bad of ['__p1::abc__{}', '__p1:-1:abc__{}', '__p1:x:abc__{}', '__d1:3:ep:x:{}', '__d1:3:ep::{}', '__q1:1:e__{}', 'plain text']) {
    assert.equal(decodeMessage(bad), null, bad);
  }
});
