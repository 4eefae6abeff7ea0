/** ownerOf is pure and stable: these values must never change (they decide which shard owns a channel). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { channelHash, ownerOf } from '../src/shards/messaging/owner-of';

test('channelHash is 32-bit FNV-1a', () => {
  assert.equal(channelHash(''), 0x811c9dc5);
  assert.equal(channelHash('a'), 0xe40c292c);
  assert.equal(channelHash('foobar'), 0xbf9cf968);
});

test('ownerOf is pinned for known channels', () => {
  assert.equal(ownerOf('news', 4), 2);
  assert.equal(ownerOf('chat:lobby', 8), 1);
  assert.equal(ownerOf('$private:x', 3), 1);
  assert.deepEqual(
    ['news', 'chat:lobby', 'personal:#42', 'a', 'b'].map((c) => ownerOf(c, 4)),
    [2, 1, 0, 0, 1],
  );
});

test('ownerOf always names a shard in range, and shard 0 when there is one', () => {
  for (let n = 1; n <= 16; n++) {
    for (let i = 0; i < 200; i++) {
      const owner = ownerOf(`ch-${i}`, n);
      assert.ok(Number.isInteger(owner) && owner >= 0 && owner < n);
    }
  }
  assert.equal(ownerOf('anything', 1), 0);
});

test('ownerOf spreads channels roughly evenly', () => {
  const counts = [0, 0, 0, 0];
  for (let i = 0; i < 4000; i++) counts[ownerOf(`room:${i}`, 4)]!++;
  for (const c of counts) assert.ok(c > 800 && c < 1200, `uneven: ${counts}`);
});
