/**
 * The file-descriptor guard's pace (src/acceptor/fd-guard.ts): a count every
 * second from half the limit on, and below it a delay of 100× what the last
 * count took, between 1 s (5 s below a quarter of the limit) and 30 s, so
 * counting many descriptors stays under 1 % of a core. And the count itself
 * on this process.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openSync, closeSync } from 'node:fs';
import { countOpenFds, nextSampleDelay, readFdLimit } from '../src/acceptor/fd-guard';

test('from half the limit on, the descriptors are counted every second, however long a count takes', () => {
  assert.equal(nextSampleDelay(500, 1000, 0.1), 1000);
  assert.equal(nextSampleDelay(900, 1000, 200), 1000);
});

test('below half the limit, the next count waits 100x the last one, between 1 s (5 s below a quarter) and 30 s', () => {
  assert.equal(nextSampleDelay(300, 1000, 0.2), 1000);
  assert.equal(nextSampleDelay(300, 1000, 20), 2000);
  assert.equal(nextSampleDelay(100, 1000, 0.2), 5000);
  assert.equal(nextSampleDelay(40_000, 1_048_576, 70), 7000);
  assert.equal(nextSampleDelay(400_000, 1_048_576, 900), 30_000);
});

test('countOpenFds counts this process\'s descriptors; readFdLimit reads the soft limit', () => {
  const before = countOpenFds();
  assert.ok(before > 0);
  const fds = Array.from({ length: 20 }, () => openSync('/dev/null', 'r'));
  try {
    assert.equal(countOpenFds(), before + 20);
  } finally {
    for (const fd of fds) closeSync(fd);
  }
  assert.equal(readFdLimit('Max open files            1024                 4096                 files\n'), 1024);
  assert.equal(readFdLimit('Max open files            unlimited            unlimited            files\n'), 0);
  assert.equal(readFdLimit(''), 0);
});
