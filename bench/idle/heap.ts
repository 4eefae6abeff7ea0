/**
 * `npm run bench:idle-heap`: what the JavaScript heap holds per idle
 * connection, object by object. It starts one switchyard server, opens and
 * closes WARMUP_CONNECTIONS connections, takes a heap snapshot of every shard
 * thread, opens N connections (each connected and subscribed to a personal
 * channel, as bench:idle does), takes the snapshots again, and writes what
 * grew per connection: by kind of object (V8's type and constructor or
 * internal name) and by kind and holder (the object and property pointing
 * at it). bench:idle says how many bytes a connection costs; this says which
 * objects they are. Writes bench/results/<out>.json and .md.
 *
 *   --connections N (default 5000)   --system switchyard-1 (switchyard-N, optionally @DIR)
 *   --top N (rows per table, default 25)   --workers 2   --keep (keep the .heapsnapshot files)   --out idle-heap
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { describeEnvironment, type Environment } from '../mailbox/environment';
import { sleep } from '../common/clock';
import { growthPerUnit, mergeSummaries, summarizeSnapshot, type HeapGrowth, type HeapSummary } from '../common/heap-snapshot-diff';
import { jsonText, say, writeResults } from '../common/output';
import { thousands } from '../common/stats';
import { launchTarget, parseSystem, systemLabel, type SystemSpec, type Target } from '../common/targets';
import { LoadGenerator } from '../loadgen/pool';
import { SETTLE_MS, WARMUP_CONNECTIONS } from './settings';

/** The figures of one run. */
interface HeapRun {
  readonly system: string;
  readonly connections: number;
  /** Self bytes of every object in the shard heaps, per connection. */
  readonly bytesPerConnection: number;
  readonly byKind: readonly HeapGrowth[];
  readonly byHolder: readonly HeapGrowth[];
}

/** Snapshots of every shard thread, summed. */
async function snapshot(target: Target, spec: SystemSpec, dir: string, name: string): Promise<HeapSummary> {
  const files = await target.writeHeapSnapshots(path.join(dir, name), spec.shards);
  if (files.length !== spec.shards) throw new Error(`${spec.shards} shard snapshots asked, ${files.length} written`);
  return mergeSummaries(files.map((f) => summarizeSnapshot(f.file)));
}

async function measure(loadgen: LoadGenerator, spec: SystemSpec, connections: number, dir: string, top: number): Promise<HeapRun> {
  const target = await launchTarget(spec, { heapSnapshots: true });
  try {
    const warmup = await loadgen.open(target.wsUrl, Array.from({ length: WARMUP_CONNECTIONS }, (_, i) => `warmup-${i}`));
    await warmup.close();
    await sleep(SETTLE_MS);
    const before = await snapshot(target, spec, dir, 'before');
    const session = await loadgen.open(target.wsUrl, Array.from({ length: connections }, (_, i) => `personal-${i}`));
    await sleep(SETTLE_MS);
    const after = await snapshot(target, spec, dir, 'after');
    await session.close();
    return {
      system: systemLabel(spec),
      connections,
      bytesPerConnection: (after.totalBytes - before.totalBytes) / connections,
      byKind: growthPerUnit(before.byKind, after.byKind, connections).slice(0, top),
      byHolder: growthPerUnit(before.byHolder, after.byHolder, connections).slice(0, top),
    };
  } finally {
    await target.stop();
  }
}

function table(title: string, rows: readonly HeapGrowth[]): string[] {
  return [
    `| bytes per connection | objects per connection | ${title} |`,
    '|---:|---:|---|',
    ...rows.map((r) => `| ${r.bytesPerUnit.toFixed(1)} | ${r.countPerUnit.toFixed(2)} | \`${r.key.replaceAll('|', '\\|').replaceAll('`', "'")}\` |`),
  ];
}

function markdown(environment: Environment, run: HeapRun): string {
  return [
    '# Heap per idle connection',
    '',
    `Commit ${environment.commit}, Node ${environment.node}, ${environment.cpu} × ${environment.cores}, ${environment.platform}, ${environment.date}.`,
    `${run.system}: heap snapshots of every shard thread (after a garbage collection) before and after ${thousands(run.connections)} connections, ` +
      `each connected and subscribed to a personal channel; ${WARMUP_CONNECTIONS} connections were opened and closed before the first. Produced by \`npm run bench:idle-heap\`.`,
    '',
    `**${run.bytesPerConnection.toFixed(0)} bytes of JavaScript objects per connection** (self sizes; V8's used heap, which bench:idle reads, also counts what the snapshot leaves out).`,
    '',
    '## By kind',
    '',
    ...table('kind (V8 node type and constructor or internal name)', run.byKind),
    '',
    '## By kind and holder',
    '',
    ...table('kind ← holder.property (the first object found pointing at it; `[]`: an element or internal slot)', run.byHolder),
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { connections: { type: 'string' }, system: { type: 'string' }, top: { type: 'string' }, workers: { type: 'string' }, keep: { type: 'boolean' }, out: { type: 'string' } },
    strict: true,
  });
  const connections = Number(values.connections ?? 5000);
  if (!Number.isInteger(connections) || connections < 1) throw new Error('--connections must be a positive integer');
  const top = Number(values.top ?? 25);
  if (!Number.isInteger(top) || top < 1) throw new Error('--top must be a positive integer');
  const spec = parseSystem(values.system ?? 'switchyard-1');
  if (spec.kind !== 'switchyard') throw new Error('--system must be a switchyard system (switchyard-N): the baselines have no shard threads');
  const environment = describeEnvironment();
  say(`heap per idle connection: ${environment.commit}, Node ${environment.node}; ${systemLabel(spec)}, ${thousands(connections)} connections`);
  const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-heap-'));
  const loadgen = LoadGenerator.start(Number(values.workers ?? Math.min(2, availableParallelism())));
  let run: HeapRun;
  try {
    run = await measure(loadgen, spec, connections, dir, top);
  } finally {
    await loadgen.close();
    if (values.keep) say(`snapshots kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
  say(`  ${run.bytesPerConnection.toFixed(0)} bytes of JavaScript objects per connection; largest: ${run.byKind.slice(0, 3).map((r) => `${r.key} ${r.bytesPerUnit.toFixed(0)} B`).join(', ')}`);
  const out = values.out ?? 'idle-heap';
  const written = writeResults({ [`${out}.json`]: jsonText({ benchmark: 'idle-heap', environment, settleMs: SETTLE_MS, run }), [`${out}.md`]: markdown(environment, run) });
  say(`written: ${written.join(', ')}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`idle heap benchmark failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
