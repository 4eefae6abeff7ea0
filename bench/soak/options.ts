/**
 * The soak's options: how long it runs, how many connections and channels,
 * how fast it publishes, and how often each fault strikes. `--ci` picks the
 * short form CI runs (about 75 s, 1,000 connections, one of each fault).
 */
import { parseArgs } from 'node:util';
import { FAULT_KINDS, type FaultKind } from './faults';

/** Everything one soak run needs to know. */
export interface SoakOptions {
  /** Length of the fault phase, ms (faults run only inside it). */
  readonly faultPhaseMs: number;
  /** Publishing without faults before the warm-up faults (one shard kill, one slow-consumer phase), ms. */
  readonly warmupMs: number;
  /** Publishing without faults after the warm-up's faults and after the fault phase, before each leak-check reading, ms (the same both times, so the two readings are alike). */
  readonly settleMs: number;
  /** Subscriber connections, each on one recoverable channel. */
  readonly connections: number;
  /** Recoverable channels; connection j subscribes to channel j mod channels. */
  readonly channels: number;
  /** Publications per second through the server API, spread round-robin over the channels. */
  readonly ratePerSecond: number;
  /** Connections that also join the bulk channel and stop reading in each slow-consumer fault. */
  readonly slowConsumers: number;
  /** Length of a fault period, ms: each starts with a shard kill. */
  readonly faultEveryMs: number;
  /** Faults other than the shard kill in each period, evenly spaced; they take turns: Redis restart, reload, slow consumers. */
  readonly othersPerPeriod: number;
  /** Shard threads of the server. */
  readonly shards: number;
  /** `shards.max_young_generation_mb` of the server (`--young-mb`; 0: V8's default), null: the server's default. */
  readonly youngGenerationMb: number | null;
  /** Worker threads holding the subscriber connections. */
  readonly clientThreads: number;
  /** Whether the server gets deploy/switchyard.service's `Environment=` lines (true unless `--without-unit-env`). */
  readonly unitEnvironment: boolean;
  /** Directory the report goes to (`soak.json`, `soak.md`). */
  readonly outDir: string;
  /** The kinds of fault that run (all by default; `--faults` picks some, to see what one kind does alone). */
  readonly faults: readonly FaultKind[];
  /** Allowed growth of RSS and of open fds from warm-up to the end, as a fraction (0.1 = 10 %); less at the end is no failure. */
  readonly resourceTolerance: number;
}

/** The kinds named by `--faults` (comma-separated), all of them when it is absent. */
function faultKinds(raw: string | undefined): FaultKind[] {
  if (raw === undefined) return [...FAULT_KINDS];
  const kinds = raw.split(',').map((k) => k.trim());
  for (const kind of kinds) {
    if (!(FAULT_KINDS as readonly string[]).includes(kind)) throw new Error(`--faults must name some of ${FAULT_KINDS.join(', ')} (got ${kind || 'nothing'})`);
  }
  return [...new Set(kinds as FaultKind[])];
}

/** `--young-mb N`: a whole number of MiB, 0 or more (0: V8's default young generation); absent: null. */
function youngMb(raw: string | undefined): number | null {
  if (raw === undefined) return null;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`--young-mb must be a whole number of MiB, 0 or more (got ${raw})`);
  return value;
}

/** Parses `--minutes N` (default 10), `--connections`, `--channels`, `--rate`, `--shards`, `--young-mb N`, `--period S` (fault period, default 60), `--faults KIND,…`, `--without-unit-env`, `--out DIR` and `--ci`. */
export function soakOptions(argv: readonly string[], defaultOut: string): SoakOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      minutes: { type: 'string' },
      connections: { type: 'string' },
      channels: { type: 'string' },
      rate: { type: 'string' },
      shards: { type: 'string' },
      'young-mb': { type: 'string' },
      period: { type: 'string' },
      faults: { type: 'string' },
      'without-unit-env': { type: 'boolean' },
      out: { type: 'string' },
      ci: { type: 'boolean' },
    },
  });
  const ci = values.ci === true;
  const number = (name: string, raw: string | undefined, fallback: number): number => {
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number (got ${raw})`);
    return value;
  };
  const minutes = number('minutes', values.minutes, ci ? 1 : 10);
  const connections = Math.round(number('connections', values.connections, ci ? 1000 : 10_000));
  const channels = Math.round(number('channels', values.channels, ci ? 8 : 40));
  return {
    faultPhaseMs: minutes * 60_000,
    warmupMs: ci ? 8_000 : 30_000,
    // Slow consumers that were cut reconnect and recover their backlog over some 30 s after a slow phase.
    settleMs: 30_000,
    connections,
    channels,
    ratePerSecond: number('rate', values.rate, channels),
    slowConsumers: Math.max(2, Math.min(50, Math.round(connections / 200))),
    // A shard kill every minute; the CI form's one minute also has one of each other fault, the full form two others a minute.
    faultEveryMs: number('period', values.period, 60) * 1000,
    othersPerPeriod: ci ? 3 : 2,
    shards: Math.round(number('shards', values.shards, 2)),
    youngGenerationMb: youngMb(values['young-mb']),
    clientThreads: connections >= 4000 ? 4 : 2,
    faults: faultKinds(values.faults),
    unitEnvironment: values['without-unit-env'] !== true,
    outDir: values.out ?? defaultOut,
    resourceTolerance: 0.1,
  };
}
