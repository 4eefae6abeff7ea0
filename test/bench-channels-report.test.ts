/**
 * The many-channel report (bench/fanout/report/channels.ts) with a system
 * named more than once, as interleaved rounds are run
 * (`--systems a,b@DIR,a,b@DIR`): each run keeps its own column in the
 * per-rate tables. Rendered from a committed result of such a run.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { channelsMarkdown } from '../bench/fanout/report/channels';
import type { FanoutRun } from '../bench/fanout/report/write';

const RESULT = 'bench/results/fanout-channels-redis-own-subscriptions-x4.json';

test('a system named twice gets a column per run, each with its own figures', () => {
  const run = JSON.parse(readFileSync(RESULT, 'utf8')) as FanoutRun;
  const ids = run.runs.map((r) => r.system.id);
  assert.ok(new Set(ids).size < ids.length, 'the fixture names a system twice');
  const markdown = channelsMarkdown(run);
  const cpuRow = markdown.split('\n').find((line) => line.startsWith('| 2.0k/s |'));
  assert.ok(cpuRow, 'a row for 2k/s');
  const cells = cpuRow.split('|').slice(2, -1).map((c) => c.trim());
  const expected = run.runs.map((r) => r.steps.find((s) => s.offeredRate === 2000)!.server.cpuMicrosPerDelivery.toFixed(1));
  assert.equal(new Set(expected).size, expected.length, 'the runs measured different figures');
  assert.deepEqual(
    cells.map((c) => c.split(' ')[0]),
    expected,
  );
});

test('the wakes table gives each run its wakes per publication and its ratio to the yardstick; n/a where a result predates them', () => {
  const run = JSON.parse(readFileSync(RESULT, 'utf8')) as FanoutRun;
  const before = channelsMarkdown(run).split('\n');
  const heading = '## Server wakes per publication at each rate every system ran';
  const oldRow = before.slice(before.indexOf(heading)).find((line) => line.startsWith('| 2.0k/s |'));
  assert.ok(oldRow, 'a wakes row for 2k/s');
  assert.ok(
    oldRow.split('|').slice(2, -1).every((c) => c.trim().startsWith('n/a')),
    oldRow,
  );
  // The first run as the yardstick, and wakes of 0.4, 0.8, 1.2, 1.6 per publication.
  const first = run.runs[0]!;
  const runs = [{ ...first, system: { ...first.system, id: 'uws' } }, ...run.runs.slice(1)].map((r, i) => ({
    ...r,
    steps: r.steps.map((s) => ({ ...s, server: { ...s.server, wakesPerDelivery: 0.4 * (i + 1) } })),
  }));
  const lines = channelsMarkdown({ ...run, runs }).split('\n');
  const at = lines.indexOf(heading);
  assert.ok(at > 0, 'the wakes section is there');
  const row = lines.slice(at).find((line) => line.startsWith('| 2.0k/s |'));
  assert.ok(row);
  assert.deepEqual(
    row
      .split('|')
      .slice(2, -1)
      .map((c) => c.trim().replace(/ ✗| \(LG-bound\)/g, '')),
    ['0.40 (1.00×)', '0.80 (2.00×)', '1.20 (3.00×)', '1.60 (4.00×)'],
  );
});
