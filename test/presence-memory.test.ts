/** The memory presence manager with large channels (the shared contract is in broker-contract.test.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryPresence } from '../src/broker/presence-memory';

test('10,000 entries in one channel: counts stay exact and a listing returns them all', async () => {
  const p = new MemoryPresence();
  for (let i = 0; i < 10_000; i++) await p.add('big', { user: `u${i % 2500}`, client: `c${i}` }, i % 4);
  assert.deepEqual(await p.stats('big'), { numClients: 10_000, numUsers: 2500 });
  assert.equal((await p.presence('big')).size, 10_000);
  for (let i = 0; i < 10_000; i += 2) await p.remove('big', `c${i}`);
  assert.deepEqual(await p.stats('big'), { numClients: 5000, numUsers: 1250 });
});
