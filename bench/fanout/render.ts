/**
 * Renders a fan-out, sweep or features result's Markdown and HTML again from
 * its JSON, after a change to the reports, without measuring again:
 * `node dist/bench/fanout/render.js bench/results/fanout.json` (or
 * fanout-channels.json, sweep.json, features.json).
 * Each ladder's stop reason is worded again from its last step.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { jsonText, say, writeResults } from '../common/output';
import { writeFeaturesReport, type FeaturesRun } from '../features/report';
import { failureReason, type SystemRun } from './ladder';
import type { SustainBounds } from './step';
import { writeChannelsReport } from './report/channels';
import { sweepHtml, sweepMarkdown, type SweepResult } from './report/sweep-report';
import { writeFanoutReport, type FanoutRun } from './report/write';

/** The run with its stop reason worded from its last step. */
function reworded(run: SystemRun, bounds: SustainBounds): SystemRun {
  const last = run.steps.at(-1);
  return last && !last.sustained ? { ...run, stoppedBecause: failureReason(last, bounds) } : run;
}

function main(): void {
  const file = process.argv[2];
  if (!file) throw new Error('usage: render.js <result>.json');
  const result = JSON.parse(readFileSync(file, 'utf8')) as { benchmark?: string };
  const dir = path.dirname(file);
  const name = path.basename(file, '.json');
  let written: string[];
  if (result.benchmark === 'fanout' || result.benchmark === 'fanout-channels') {
    const run = result as unknown as FanoutRun;
    const again = { ...run, runs: run.runs.map((r) => reworded(r, run.options.bounds)) };
    written = result.benchmark === 'fanout' ? writeFanoutReport(name, again, dir) : writeChannelsReport(name, again, dir);
  } else if (result.benchmark === 'sweep') {
    const sweep = result as SweepResult;
    const again: SweepResult = { ...sweep, runs: sweep.runs.map((r) => ({ ...r, run: reworded(r.run, sweep.options.bounds) })) };
    written = writeResults({ [`${name}.json`]: jsonText(again), [`${name}.md`]: sweepMarkdown(again), [`${name}.html`]: sweepHtml(again) }, dir);
  } else if (result.benchmark === 'features') {
    const run = result as unknown as FeaturesRun;
    written = writeFeaturesReport({ ...run, options: { ...run.options, out: name } }, dir);
  } else {
    throw new Error(`${file} is not a fan-out, sweep or features result`);
  }
  say(`written: ${written.join(', ')}`);
}

main();
