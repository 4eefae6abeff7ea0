/** The memory presence manager: exact counts, crash cleanup, and large channels. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryPresence } from '../src/broker/presence-memory';

test('add, re-add, remove and stats', async () => {
  const p = new MemoryPresence();
  await p.add('ch', { user: 'u1', client: 'c1' }, 0);
  await p.add('ch', { user: 'u1', client: 'c2' }, 1);
  await p.add('ch', { user: 'u2', client: 'c3', conn_info: '{"a":1}' }, 1);
  await p.add('ch', { user: 'u2', client: 'c3', conn_info: '{"a":2}' }, 1);
  assert.deepEqual(await p.stats('ch'), { numClients: 3, numUsers: 2 });
  assert.equal((await p.presence('ch')).get('c3')?.conn_info, '{"a":2}');
  assert.equal(await p.remove('ch', 'c1'), true);
  assert.equal(await p.remove('ch', 'c1'), false);
  assert.deepEqual(await p.stats('ch'), { numClients: 2, numUsers: 2 });
  assert.deepEqual(await p.stats('other'), { numClients: 0, numUsers: 0 });
});

test('a crashed shard\'s entries disappear and are reported per channel', async () => {
  const p = new MemoryPresence();
  await p.add('a', { user: 'u1', client: 'c1' }, 0);
  await p.add('a', { user: 'u2', client: 'c2' }, 2);
  await p.add('b', { user: 'u2', client: 'c2' }, 2);
  const removed = await p.removeShard(2);
  assert.deepEqual([...removed.keys()].sort(), ['a', 'b']);
  assert.deepEqual(await p.stats('a'), { numClients: 1, numUsers: 1 });
  assert.deepEqual(await p.stats('b'), { numClients: 0, numUsers: 0 });
});

test('10,000 entries in one channel: counts stay exact and a listing returns them all', async () => {
  const p = new MemoryPresence();
  for (let i = 0; i < 10_000; i++) await p.add('big', { user: `u${i % 2500}`, client: `c${i}` }, i % 4);
  assert.deepEqual(await p.stats('big'), { numClients: 10_000, numUsers: 2500 });
  assert.equal((await p.presence('big')).size, 10_000);
  for (let i = 0; i < 10_000; i += 2) await p.remove('big', `c${i}`);
  assert.deepEqual(await p.stats('big'), { numClients: 5000, numUsers: 1250 });
});
