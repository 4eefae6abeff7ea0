/** Writes a fan-out run as JSON (stamped), Markdown and HTML into bench/results. */
import type { Environment } from '../../mailbox/environment';
import { jsonText, writeResults } from '../../common/output';
import type { SystemRun } from '../ladder';
import type { FanoutOptions } from '../options';
import { fanoutHtml } from './html';
import { fanoutMarkdown } from './markdown';
import { summarize } from './summary';

/** Everything a fan-out run produced. */
export interface FanoutRun {
  readonly environment: Environment;
  readonly options: FanoutOptions;
  readonly runs: readonly SystemRun[];
  /** Wall time of the whole run, s. */
  readonly seconds: number;
}

/** The JSON form: the run, each system stamped with its shard count, and the summary's ratios. */
function toJson(run: FanoutRun): unknown {
  const summary = summarize(run.runs);
  return {
    benchmark: 'fanout',
    environment: run.environment,
    options: run.options,
    seconds: Math.round(run.seconds),
    referenceRate: summary.referenceRate,
    summary: summary.systems.map((s) => ({
      system: s.run.system.id,
      shards: s.run.system.shards,
      highestSustainedRate: s.best?.offeredRate ?? 0,
      capacityVsYardstick: s.capacityVsYardstick,
      capacityVsWs: s.capacityVsWs,
      p50VsYardstick: s.p50VsYardstick,
      p99VsYardstick: s.p99VsYardstick,
      cpuPerDeliveryVsYardstick: s.cpuPerDeliveryVsYardstick,
      limit: s.limit,
    })),
    shardNote: summary.shardNote,
    runs: run.runs,
  };
}

/** Writes <out>.json, <out>.md and <out>.html into `dir` (default bench/results); returns their paths. */
export function writeFanoutReport(out: string, run: FanoutRun, dir?: string): string[] {
  return writeResults({ [`${out}.json`]: jsonText(toJson(run)), [`${out}.md`]: fanoutMarkdown(run), [`${out}.html`]: fanoutHtml(run) }, dir);
}
