/** The soak report in Markdown: the verdict per check with its figures, then the details. */
import type { SoakResult } from './result';
import { heapSection } from './heap-table';
import { environmentText } from './service-env';

const table = (counts: Readonly<Record<string, number>>): string =>
  Object.entries(counts)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ') || 'none';

/** The warm-up's faults in words: `2 shard-kill, 1 slow-consumers`. */
function warmupText(result: SoakResult): string {
  const counts = new Map<string, number>();
  for (const fault of result.warmupFaults) counts.set(fault.kind, (counts.get(fault.kind) ?? 0) + 1);
  return [...counts].map(([kind, n]) => `${n} ${kind}`).join(', ') || 'no fault';
}

/** Renders `result` as Markdown. */
export function soakMarkdown(result: SoakResult): string {
  const e = result.environment;
  const o = result.options;
  const p = result.publications;
  const d = result.deliveries;
  const lines = [
    '# Chaos soak',
    '',
    `Commit ${e.commit}, Node ${e.node}, ${e.cpu} × ${e.cores}, ${e.platform}, ${e.date}; ${Math.round(result.seconds)} s in all.`,
    '',
    `switchyard ×${o.shards} on the Redis engine (private redis-server, appendonly, fsync always), server environment ${environmentText(result.serverEnvironment)}${o.unitEnvironment ? ' (deploy/switchyard.service)' : ' (`--without-unit-env`)'}; ${o.connections} subscriber connections on ${o.channels} recoverable channels (${Math.round(o.connections / o.channels)} per channel, \`force_recovery\`), ${o.ratePerSecond} publications/s through \`/api/publish\`; ${Math.round(o.warmupMs / 1000)} s warm-up, then ${warmupText(result)} (the warm-up's faults, then ${Math.round(o.settleMs / 1000)} s without faults, after which RSS and fds are read), then ${Math.round(o.faultPhaseMs / 1000)} s of faults, then ${Math.round(o.settleMs / 1000)} s without faults before the end readings.`,
    '',
    `**${result.pass ? 'PASS' : 'FAIL'}**`,
    '',
    '| check | result | figures |',
    '|---|---|---|',
    ...result.checks.map((c) => `| ${c.name} | ${c.pass ? 'pass' : '**FAIL**'} | ${c.figures} |`),
    '',
    '## Figures',
    '',
    '| what | count |',
    '|---|---:|',
    `| connections | ${o.connections} |`,
    `| channels | ${o.channels} |`,
    `| publications attempted | ${p.attempted} |`,
    `| publications acknowledged | ${p.acknowledged} |`,
    `| publications failed (not acknowledged) | ${p.failed} |`,
    `| deliveries expected | ${d.expected} |`,
    `| deliveries live | ${d.live} |`,
    `| deliveries by recovery | ${d.recovered} |`,
    `| losses (expected, never received) | ${d.missing} |`,
    `| failed recoveries | ${result.recoveries.failed} |`,
    `| duplicates | ${d.duplicates} |`,
    `| out of order | ${d.outOfOrder} |`,
    `| shard kills | ${result.faults.shardKills} |`,
    `| Redis restarts | ${result.faults.redisRestarts} |`,
    `| config reloads | ${result.faults.reloads} |`,
    `| slow-consumer phases | ${result.faults.slowPhases} |`,
    `| slow consumers (each phase) | ${result.clients.slowConsumers} |`,
    `| slow consumers cut / resumed | ${result.clients.slowCut} / ${result.clients.slowResumed} |`,
    `| reconnects | ${result.clients.reconnects} |`,
    `| resubscribes after an unsubscribe push or error | ${result.clients.resubscribes} |`,
    `| server RSS before any fault / after warm-up / at the end | ${(result.resources.beforeFaults.rssBytes / 1048576).toFixed(1)} / ${(result.resources.afterWarmup.rssBytes / 1048576).toFixed(1)} / ${(result.resources.atEnd.rssBytes / 1048576).toFixed(1)} MiB |`,
    `| RSS settled (stopped falling) after warm-up / at the end after | ${(result.resources.afterWarmup.settledAfterMs / 1000).toFixed(0)} / ${(result.resources.atEnd.settledAfterMs / 1000).toFixed(0)} s |`,
    `| server V8 heaps in use after warm-up / at the end | ${(result.resources.afterWarmup.heapUsedBytes / 1048576).toFixed(1)} / ${(result.resources.atEnd.heapUsedBytes / 1048576).toFixed(1)} MiB |`,
    `| server V8 heaps resident after warm-up / at the end | ${(result.resources.afterWarmup.heapPhysicalBytes / 1048576).toFixed(1)} / ${(result.resources.atEnd.heapPhysicalBytes / 1048576).toFixed(1)} MiB |`,
    `| server open fds after warm-up / at the end | ${result.resources.afterWarmup.openFds} / ${result.resources.atEnd.openFds} |`,
    '',
    `Publish failures: ${table(p.failures)}${p.skipped > 0 ? `; ${p.skipped} skipped (too many in flight)` : ''}.`,
    `Close codes seen by clients: ${table(result.clients.closeCodes)}; by slow consumers when they read again: ${table(result.clients.slowCloseCodes)}.`,
    `Unsubscribe pushes: ${table(result.clients.unsubscribeCodes)}. Subscribe errors: ${table(result.clients.subscribeErrors)}.`,
    '',
    '## Faults',
    '',
    '| at (s) | fault | took (ms) | what |',
    '|---:|---|---:|---|',
    ...result.warmupFaults.map((f) => `| warm-up | ${f.kind} | ${f.tookMs} | ${f.detail} |`),
    ...result.faults.events.map((f) => `| ${(f.atMs / 1000).toFixed(0)} | ${f.kind} | ${f.tookMs} | ${f.detail} |`),
    '',
  ];
  lines.push(...heapSection(result.resources.afterWarmup, result.resources.atEnd));
  lines.push(
    '## Server resources every 10 s',
    '',
    'RSS and open descriptors after warm-up and at the end are read right after a garbage collection in every server thread; these are not.',
    '',
    '| at (s) | RSS (MiB) | open fds | threads |',
    '|---:|---:|---:|---:|',
    ...result.resources.timeline.map((t) => `| ${t.atS} | ${(t.rssBytes / 1048576).toFixed(1)} | ${t.openFds} | ${t.threads} |`),
    '',
  );
  if (d.lossSamples.length > 0) {
    lines.push('## Losses (first subscribers)', '', '| channel | start offset | missing | first missing offsets | live | recovered |', '|---|---:|---:|---|---:|---:|');
    for (const s of d.lossSamples) lines.push(`| ${s.channel} | ${s.startOffset} | ${s.missing} | ${s.firstMissing.join(', ')} | ${s.live} | ${s.recovered} |`);
    lines.push('');
  }
  if (d.orderSamples.length > 0) {
    lines.push('## Duplicates and out-of-order arrivals (first subscribers)', '');
    for (const s of d.orderSamples) {
      lines.push(`${s.channel}: ${s.anomalies.map((a) => `${a.offset} after ${a.top} (${a.duplicate ? 'duplicate' : 'out of order'}, ${a.via === 0 ? 'live' : 'recovered'})`).join('; ')}`, '', '```', ...s.history, '```', '');
    }
  }
  if (result.recoveries.firstFailures.length > 0) {
    lines.push('## Failed recoveries (first)', '', '| at (s) | channel | from offset | from epoch | answered offset | answered epoch |', '|---:|---|---:|---|---:|---|');
    for (const f of result.recoveries.firstFailures) lines.push(`| ${(f.atMs / 1000).toFixed(1)} | ${f.channel} | ${f.fromOffset} | ${f.fromEpoch} | ${f.toOffset} | ${f.toEpoch} |`);
    lines.push('');
  }
  return lines.join('\n');
}
