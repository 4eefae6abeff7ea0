/**
 * The Writer's per-turn topic queues (src/shards/session/topic-queues.ts):
 * frames keep their order per topic, topics drain in first-queued order,
 * take() removes one topic, and reused slots carry nothing from a turn into
 * the next, with and without the index a busy turn builds.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TopicQueues, type TopicQueue } from '../src/shards/session/topic-queues';

const frame = (text: string): Uint8Array => Buffer.from(text);

/** Drains into [topic, protocol, frames as text] rows. */
function drained(queues: TopicQueues): [string, string, string[]][] {
  const rows: [string, string, string[]][] = [];
  queues.drain((q: TopicQueue) => rows.push([q.topic, q.protocol, q.frames.map((f) => Buffer.from(f).toString())]));
  return rows;
}

describe('TopicQueues', () => {
  test('frames join per topic, topics drain in first-queued order, and a drained turn is empty', () => {
    const queues = new TopicQueues();
    assert.deepEqual(drained(queues), [], 'a new one holds nothing');
    queues.add('a', frame('a1'), 'json');
    queues.add('b', frame('b1'), 'protobuf');
    queues.add('a', frame('a2'), 'json');
    assert.deepEqual(drained(queues), [
      ['a', 'json', ['a1', 'a2']],
      ['b', 'protobuf', ['b1']],
    ]);
    assert.deepEqual(drained(queues), [], 'a drained turn holds nothing');
  });

  test('reused slots start empty in the next turn', () => {
    const queues = new TopicQueues();
    queues.add('a', frame('a1'), 'json');
    queues.add('b', frame('b1'), 'json');
    drained(queues);
    queues.add('c', frame('c1'), 'protobuf');
    queues.add('a', frame('a2'), 'json');
    assert.deepEqual(drained(queues), [
      ['c', 'protobuf', ['c1']],
      ['a', 'json', ['a2']],
    ]);
  });

  test('take() removes one topic; queued again, it drains after the others', () => {
    const queues = new TopicQueues();
    queues.add('a', frame('a1'), 'json');
    queues.add('b', frame('b1'), 'json');
    const taken = queues.take('a');
    assert.deepEqual(taken && [taken.topic, taken.frames.map((f) => Buffer.from(f).toString())], ['a', ['a1']]);
    assert.equal(queues.take('a'), null);
    assert.equal(queues.take('nothing'), null);
    queues.add('a', frame('a2'), 'json');
    assert.deepEqual(drained(queues), [
      ['b', 'json', ['b1']],
      ['a', 'json', ['a2']],
    ]);
  });

  test('a turn with many topics (indexed) keeps the same order, take() and reuse', () => {
    const queues = new TopicQueues();
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 40; i++) queues.add(`t${i}`, frame(`${round}:${i}:x`), 'json');
      for (let i = 0; i < 40; i += 2) queues.add(`t${i}`, frame(`${round}:${i}:y`), 'json');
      assert.deepEqual(queues.take('t5')?.frames.map((f) => Buffer.from(f).toString()), [`${round}:5:x`]);
      queues.add('t5', frame(`${round}:5:z`), 'json');
      const rows = drained(queues);
      assert.equal(rows.length, 40);
      assert.deepEqual(rows[0], ['t0', 'json', [`${round}:0:x`, `${round}:0:y`]]);
      assert.deepEqual(rows[1], ['t1', 'json', [`${round}:1:x`]]);
      assert.deepEqual(rows[rows.length - 1], ['t5', 'json', [`${round}:5:z`]]);
      assert.equal(rows.filter(([topic]) => topic === 't5').length, 1);
    }
  });

  test('what write() queues during a drain waits for the next drain', () => {
    const queues = new TopicQueues();
    queues.add('a', frame('a1'), 'json');
    const seen: string[] = [];
    queues.drain((q) => {
      seen.push(q.topic);
      queues.add('a', frame('a2'), 'json');
      queues.add('late', frame('l1'), 'json');
    });
    assert.deepEqual(seen, ['a']);
    assert.deepEqual(drained(queues), [
      ['a', 'json', ['a2']],
      ['late', 'json', ['l1']],
    ]);
  });

  test('a drain started inside a drain neither loses nor repeats frames', () => {
    const queues = new TopicQueues();
    queues.add('outer', frame('o1'), 'json');
    const seen: string[] = [];
    queues.drain((q) => {
      seen.push(q.topic);
      queues.add('inner', frame('i1'), 'json');
      queues.drain((inner) => seen.push(inner.topic));
      queues.add('after', frame('x1'), 'json');
    });
    assert.deepEqual(seen, ['outer', 'inner']);
    assert.deepEqual(drained(queues), [['after', 'json', ['x1']]]);
  });
});
