/**
 * SmallSet and SmallMap behave as the native Set and Map they stand in for:
 * the same random sequences of operations give the same answers, sizes and
 * iteration orders, across the switch from one inline entry to a native
 * collection and back.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deleteReleasing, SmallMap, SmallSet } from '../src/common/small-collections';
import { seededRandom as random } from './helpers/seeded';

/** Keys drawn from a small pool (so adds, deletes and hits collide), NaN and undefined included. */
const POOL: readonly unknown[] = ['a', 'b', 'c', 1, 0, -0, Number.NaN, undefined, { id: 'x' }];

test('SmallSet answers as a native Set under random operations', () => {
  for (let seed = 1; seed <= 50; seed++) {
    const next = random(seed);
    const small = new SmallSet<unknown>();
    const native = new Set<unknown>();
    for (let step = 0; step < 300; step++) {
      const value = POOL[Math.floor(next() * POOL.length)];
      const op = next();
      const where = `seed ${seed} step ${step}`;
      if (op < 0.45) assert.equal(small.add(value), small, where), native.add(value);
      else if (op < 0.85) assert.equal(small.delete(value), native.delete(value), where);
      else if (op < 0.9) small.clear(), native.clear();
      else assert.equal(small.has(value), native.has(value), where);
      assert.equal(small.size, native.size, where);
      assert.deepEqual([...small], [...native], where);
    }
    assert.deepEqual([...small.entries()], [...native.entries()]);
    assert.deepEqual([...small.keys()], [...native.keys()]);
    const seen: unknown[] = [];
    small.forEach((v, v2, set) => {
      assert.equal(v, v2);
      assert.equal(set, small);
      seen.push(v);
    });
    assert.deepEqual(seen, [...native]);
  }
});

test('SmallMap answers as a native Map under random operations', () => {
  for (let seed = 1; seed <= 50; seed++) {
    const next = random(seed);
    const small = new SmallMap<unknown, number>();
    const native = new Map<unknown, number>();
    for (let step = 0; step < 300; step++) {
      const key = POOL[Math.floor(next() * POOL.length)];
      const op = next();
      const where = `seed ${seed} step ${step}`;
      if (op < 0.45) assert.equal(small.set(key, step), small, where), native.set(key, step);
      else if (op < 0.8) assert.equal(small.delete(key), native.delete(key), where);
      else if (op < 0.85) small.clear(), native.clear();
      else assert.equal(small.get(key), native.get(key), where);
      assert.equal(small.has(key), native.has(key), where);
      assert.equal(small.size, native.size, where);
      assert.deepEqual([...small], [...native], where);
    }
    assert.deepEqual([...small.keys()], [...native.keys()]);
    assert.deepEqual([...small.values()], [...native.values()]);
    const seen: [unknown, number][] = [];
    small.forEach((v, k, map) => {
      assert.equal(map, small);
      seen.push([k, v]);
    });
    assert.deepEqual(seen, [...native]);
  }
});

test('a deletion during iteration behaves as in the native collections', () => {
  const small = new SmallSet(['a', 'b', 'c']);
  const native = new Set(['a', 'b', 'c']);
  const fromSmall: string[] = [];
  const fromNative: string[] = [];
  for (const v of small) {
    fromSmall.push(v);
    small.delete('b');
  }
  for (const v of native) {
    fromNative.push(v);
    native.delete('b');
  }
  assert.deepEqual(fromSmall, fromNative);
  const one = new SmallMap([['k', 1]]);
  for (const [k] of one) one.delete(k);
  assert.equal(one.size, 0);
  assert.deepEqual([...one], []);
});

test('deleteReleasing empties the field to null only when the last entry goes', () => {
  const owner: { set: SmallSet<string> | null; map: SmallMap<number, string> | null } = { set: new SmallSet(['a', 'b']), map: null };
  assert.equal(deleteReleasing(owner, 'set', 'zz'), false, 'absent value');
  assert.equal(deleteReleasing(owner, 'set', 'a'), true);
  assert.deepEqual([...owner.set!], ['b'], 'still one entry: the set stays');
  assert.equal(deleteReleasing(owner, 'set', 'b'), true);
  assert.equal(owner.set, null, 'empty: released');
  assert.equal(deleteReleasing(owner, 'set', 'b'), false, 'a null field holds nothing');
  assert.equal(deleteReleasing(owner, 'map', 1), false);
  owner.map = new SmallMap([[1, 'one']]);
  assert.equal(deleteReleasing(owner, 'map', 1), true);
  assert.equal(owner.map, null);
});
