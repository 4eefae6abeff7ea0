/**
 * bench/common/heap-snapshot-diff.ts on real snapshots of this process: what
 * grows between two snapshots is found by kind and by holder, per unit.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { writeHeapSnapshot } from 'node:v8';
import { growthPerUnit, mergeSummaries, summarizeSnapshot } from '../bench/common/heap-snapshot-diff';

/** The objects the test adds between the two snapshots. */
class HeapProbe {
  constructor(
    readonly index: number,
    readonly label: string,
  ) {}
}

const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-heap-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('the objects added between two snapshots are counted per unit, by kind and by holder', () => {
  const kept: { probes: HeapProbe[] } = { probes: [] };
  const before = summarizeSnapshot(writeHeapSnapshot(path.join(dir, 'before.heapsnapshot')));
  for (let i = 0; i < 2000; i++) kept.probes.push(new HeapProbe(i, `probe-${i}`));
  const afterSummary = summarizeSnapshot(writeHeapSnapshot(path.join(dir, 'after.heapsnapshot')));
  assert.equal(kept.probes.length, 2000);
  const byKind = growthPerUnit(before.byKind, afterSummary.byKind, 2000);
  const probe = byKind.find((r) => r.key === 'object HeapProbe');
  assert.ok(probe, JSON.stringify(byKind.slice(0, 10)));
  assert.equal(probe.countPerUnit, 1);
  assert.ok(probe.bytesPerUnit >= 16, `a HeapProbe is at least a header and two fields: ${probe.bytesPerUnit}`);
  // Strings are counted by type only: the labels, one per probe (more or less: V8 shares some).
  assert.ok((byKind.find((r) => r.key === 'string')?.countPerUnit ?? 0) >= 0.9);
  const held = growthPerUnit(before.byHolder, afterSummary.byHolder, 2000).filter((r) => r.key.startsWith('object HeapProbe ← '));
  // Summed over holders in objects, not per-unit fractions (their float sum is not exactly 1).
  assert.equal(Math.round(held.reduce((sum, r) => sum + r.countPerUnit, 0) * 2000), 2000, 'every probe has one holder entry');
  // Largest growth first.
  for (let i = 1; i < byKind.length; i++) assert.ok(byKind[i - 1]!.bytesPerUnit >= byKind[i]!.bytesPerUnit);
  const merged = mergeSummaries([before, afterSummary]);
  assert.equal(merged.totalBytes, before.totalBytes + afterSummary.totalBytes);
  assert.equal(merged.byKind.get('object HeapProbe')?.count, 2000);
});

test('growth per unit refuses a unit count that is not positive', () => {
  const empty = new Map();
  assert.throws(() => growthPerUnit(empty, empty, 0), /units must be > 0/);
  assert.throws(() => growthPerUnit(empty, empty, Number.NaN), /units must be > 0/);
});
