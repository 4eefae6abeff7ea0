/**
 * The benchmarks' /proc readings of a server process (bench/common/proc.ts):
 * the count of wakes from sleep that the many-channel report divides by
 * publications.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { processWakeups } from '../bench/common/proc';

test("processWakeups counts the times a process's threads slept and were woken", async () => {
  const before = processWakeups(process.pid);
  assert.ok(Number.isInteger(before) && before >= 0, `a count (got ${before})`);
  // Each timer wait blocks this thread in epoll until the timer wakes it.
  // (A wait can end without a sleep of its own when the loop was woken for something else meanwhile.)
  for (let i = 0; i < 10; i++) await sleep(5);
  const after = processWakeups(process.pid);
  assert.ok(after >= before + 5, `10 sleeps woke this process at least 5 times (before ${before}, after ${after})`);
});

test('processWakeups is NaN for a process that is gone', () => {
  // A pid that existed and has exited: a child that ran to completion.
  const pid = Number(execFileSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' }).trim());
  assert.ok(Number.isNaN(processWakeups(pid)));
});
