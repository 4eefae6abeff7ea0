/** A ladder run that prints each step and moves the progress bar (bench:fanout and bench:sweep). */
import { say } from '../common/output';
import type { Progress } from '../common/progress';
import { systemLabel, type SystemSpec } from '../common/targets';
import type { Generator } from './generator';
import { runLadder, type LadderSpec, type SystemRun } from './ladder';
import { stepLine } from './lines';

/** Runs a ladder; each step prints its line, and the bar advances by the ladder's length in all. */
export async function runLadderWithProgress(generator: Generator, spec: SystemSpec, ladder: LadderSpec, progress: Progress, tag: string): Promise<SystemRun> {
  progress.show(`${tag}${systemLabel(spec)}: starting`);
  let done = 0;
  const run = await runLadder(generator, spec, ladder, ({ label }, step) => {
    done++;
    progress.clear();
    say(stepLine(label, step));
    progress.advance(1, `${tag}${label} ${Math.round(step.offeredRate / 1000)}k/s`);
  });
  progress.advance(ladder.rates.length - done);
  progress.clear();
  say(`  ${run.system.label}: ${run.stoppedBecause}`);
  return run;
}
