/**
 * What one soak run found: the figures, and a pass/fail verdict per check,
 * built from the client workers' checks, the publisher's counts, the fault
 * events and the server's resource readings.
 */
import type { Environment } from '../mailbox/environment';
import type { CheckReport, DeliveryCounts, LossSample, OrderSample, ProgressReport } from './client-messages';
import type { FaultEvent } from './faults';
import type { SoakOptions } from './options';
import type { PublisherCounts } from './publisher';
import type { CollectedReading, ResourceReading, SettledReading } from './server-process';
import type { FailedRecovery } from './subscriber';

/** One check of the verdict. */
export interface Check {
  readonly name: string;
  readonly pass: boolean;
  /** The figures behind it, in words. */
  readonly figures: string;
}

/** The server's resources at one moment of the run. */
export interface TimelinePoint extends ResourceReading {
  /** Seconds since the soak began. */
  readonly atS: number;
}

/** What a result and the parts it is built from both carry. */
interface RunFacts {
  readonly environment: Environment;
  /** Variables the server process got on top of the soak's environment (deploy/switchyard.service's). */
  readonly serverEnvironment: Readonly<Record<string, string>>;
  readonly options: SoakOptions;
  /** Wall time of the whole run, s. */
  readonly seconds: number;
  readonly publications: PublisherCounts;
  /** Subscribers at the end, and whether the server process still ran. */
  readonly final: ProgressReport & { readonly serverRunning: boolean };
}

/** The whole run. */
export interface SoakResult extends RunFacts {
  readonly deliveries: DeliveryCounts & {
    readonly lossSamples: readonly LossSample[];
    readonly orderSamples: readonly OrderSample[];
  };
  readonly recoveries: { readonly failed: number; readonly firstFailures: readonly FailedRecovery[] };
  readonly faults: { readonly shardKills: number; readonly redisRestarts: number; readonly reloads: number; readonly slowPhases: number; readonly events: readonly FaultEvent[] };
  readonly clients: {
    readonly reconnects: number;
    readonly resubscribes: number;
    readonly slowConsumers: number;
    readonly slowCut: number;
    readonly slowResumed: number;
    readonly closeCodes: Readonly<Record<string, number>>;
    readonly unsubscribeCodes: Readonly<Record<string, number>>;
    readonly subscribeErrors: Readonly<Record<string, number>>;
    readonly slowCloseCodes: Readonly<Record<string, number>>;
  };
  readonly warmupFaults: readonly FaultEvent[];
  readonly resources: { readonly beforeFaults: CollectedReading; readonly afterWarmup: SettledReading; readonly atEnd: SettledReading; readonly timeline: readonly TimelinePoint[] };
  readonly checks: readonly Check[];
  readonly pass: boolean;
}

/** The parts a result is built from. */
export interface ResultParts extends RunFacts {
  readonly reports: readonly CheckReport[];
  readonly events: readonly FaultEvent[];
  /** The warm-up's faults (not counted in the fault figures). */
  readonly warmupEvents: readonly FaultEvent[];
  /** Read after warm-up publishing, before any fault. */
  readonly beforeFaults: CollectedReading;
  /** Read once RSS stopped falling after the warm-up's faults. */
  readonly afterWarmup: SettledReading;
  /** Read once RSS stopped falling after the settle time. */
  readonly atEnd: SettledReading;
  /** Readings every 10 s from the end of warm-up on. */
  readonly timeline: readonly TimelinePoint[];
}

const sum = (reports: readonly CheckReport[], pick: (r: CheckReport) => number): number => reports.reduce((s, r) => s + pick(r), 0);

function mergeCounts(tables: readonly Readonly<Record<string, number>>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const table of tables) for (const [k, v] of Object.entries(table)) out[k] = (out[k] ?? 0) + v;
  return out;
}

/** Relative change from `before` to `after` (0.05 = 5 % more). */
export function change(before: number, after: number): number {
  return before > 0 ? (after - before) / before : Number.NaN;
}

const percent = (x: number): string => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} %`;
const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MiB`;

/** Builds the result and its checks. */
export function buildResult(parts: ResultParts): SoakResult {
  const { reports, events, options } = parts;
  const failedRecoveries = reports.flatMap((r) => r.tally.failedRecoveries);
  const count = (kind: FaultEvent['kind']): number => events.filter((e) => e.kind === kind).length;
  const deliveries = {
    expected: sum(reports, (r) => r.expected),
    live: sum(reports, (r) => r.live),
    recovered: sum(reports, (r) => r.recovered),
    missing: sum(reports, (r) => r.missing),
    subscribersWithLoss: sum(reports, (r) => r.subscribersWithLoss),
    duplicates: sum(reports, (r) => r.duplicates),
    outOfOrder: sum(reports, (r) => r.outOfOrder),
    lossSamples: reports.flatMap((r) => r.samples).slice(0, 20),
    orderSamples: reports.flatMap((r) => r.orderSamples).slice(0, 10),
  };
  const clients = {
    reconnects: sum(reports, (r) => r.tally.reconnects),
    resubscribes: sum(reports, (r) => r.tally.resubscribes),
    slowConsumers: options.slowConsumers,
    slowCut: sum(reports, (r) => r.tally.slowCut),
    slowResumed: sum(reports, (r) => r.tally.slowResumed),
    closeCodes: mergeCounts(reports.map((r) => r.tally.closeCodes)),
    unsubscribeCodes: mergeCounts(reports.map((r) => r.tally.unsubscribeCodes)),
    subscribeErrors: mergeCounts(reports.map((r) => r.tally.subscribeErrors)),
    slowCloseCodes: mergeCounts(reports.map((r) => r.tally.slowCloseCodes)),
  };
  const faults = { shardKills: count('shard-kill'), redisRestarts: count('redis-restart'), reloads: count('reload'), slowPhases: count('slow-consumers'), events };
  const rss = change(parts.afterWarmup.rssBytes, parts.atEnd.rssBytes);
  const fds = change(parts.afterWarmup.openFds, parts.atEnd.openFds);
  const tol = options.resourceTolerance;
  const ran = (kind: FaultEvent['kind'], happened: boolean): boolean => !options.faults.includes(kind) || happened;
  const reloadsApplied = events.filter((e) => e.kind === 'reload' && e.detail.endsWith('applied')).length;
  const checks: Check[] = [
    {
      name: 'every acknowledged publication reached every subscriber (live or by recovery)',
      pass: deliveries.missing === 0 && deliveries.expected > 0,
      figures: `${deliveries.expected} deliveries expected, ${deliveries.live} live + ${deliveries.recovered} by recovery, ${deliveries.missing} missing at ${deliveries.subscribersWithLoss} subscribers`,
    },
    { name: 'no recovery failed (recovered=false or a new epoch)', pass: failedRecoveries.length === 0, figures: `${failedRecoveries.length} failed recoveries` },
    { name: 'no duplicate, every stream in offset order', pass: deliveries.duplicates === 0 && deliveries.outOfOrder === 0, figures: `${deliveries.duplicates} duplicates, ${deliveries.outOfOrder} out of order` },
    {
      name: 'every fault ran: shard kills, Redis restarts, reloads, slow consumers cut and resumed',
      // Only the kinds `--faults` picked must have run (all of them unless it was given).
      pass:
        ran('shard-kill', faults.shardKills > 0) &&
        ran('redis-restart', faults.redisRestarts > 0) &&
        ran('reload', faults.reloads > 0 && reloadsApplied === faults.reloads) &&
        ran('slow-consumers', faults.slowPhases > 0 && clients.slowCut > 0 && clients.slowResumed === clients.slowCut),
      figures: `${faults.shardKills} shard kills, ${faults.redisRestarts} Redis restarts, ${reloadsApplied}/${faults.reloads} reloads applied, ${faults.slowPhases} slow phases: ${clients.slowCut} slow consumers cut, ${clients.slowResumed} resumed`,
    },
    {
      name: 'the server survived and every subscriber is subscribed at the end',
      pass: parts.final.serverRunning && parts.final.ready === parts.final.total && parts.final.caughtUp === parts.final.total,
      figures: `server ${parts.final.serverRunning ? 'running' : 'GONE'}; ${parts.final.ready}/${parts.final.total} subscribed, ${parts.final.caughtUp} caught up`,
    },
    {
      // A leak check: memory given back (a kill can free what a shard held at warm-up) is no failure.
      name: `RSS at the end at most ${tol * 100} % above after warm-up`,
      pass: rss <= tol,
      figures: `${mib(parts.afterWarmup.rssBytes)} → ${mib(parts.atEnd.rssBytes)} (${percent(rss)})`,
    },
    {
      name: `open file descriptors at the end at most ${tol * 100} % above after warm-up`,
      pass: fds <= tol,
      figures: `${parts.afterWarmup.openFds} → ${parts.atEnd.openFds} (${percent(fds)})`,
    },
  ];
  return {
    environment: parts.environment,
    serverEnvironment: parts.serverEnvironment,
    options,
    seconds: parts.seconds,
    publications: parts.publications,
    deliveries,
    recoveries: { failed: failedRecoveries.length, firstFailures: failedRecoveries.slice(0, 20) },
    faults,
    clients,
    final: parts.final,
    warmupFaults: parts.warmupEvents,
    resources: { beforeFaults: parts.beforeFaults, afterWarmup: parts.afterWarmup, atEnd: parts.atEnd, timeline: parts.timeline },
    checks,
    pass: checks.every((c) => c.pass),
  };
}
