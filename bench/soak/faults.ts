/**
 * The soak's faults and when they strike: every period (a minute) starts
 * with a shard kill, and the other faults (Redis restart, config reload,
 * slow consumers) take turns at even spacing within the period. Each fault
 * is run to its end before the next is due, and leaves one FaultEvent.
 */
import type { ClientPool } from './client-pool';
import type { Publisher } from './publisher';
import type { PrivateRedis } from './redis-server';
import type { SoakServer } from './server-process';

/** Every kind of fault, the shard kill first. */
export const FAULT_KINDS = Object.freeze(['shard-kill', 'redis-restart', 'reload', 'slow-consumers'] as const);

/** The kinds of fault. */
export type FaultKind = (typeof FAULT_KINDS)[number];

/** One fault, as planned. */
export interface PlannedFault {
  readonly kind: FaultKind;
  /** When it is due, ms after the fault phase began. */
  readonly atMs: number;
}

/** One fault, as it happened. */
export interface FaultEvent extends PlannedFault {
  /** How long running it took, ms (the Redis downtime; the slow phase). */
  readonly tookMs: number;
  /** What it did: the shard killed, the reload's status… */
  readonly detail: string;
}

/** Time between the warm-up's shard kills, ms: each replacement is up and its clients are back before the next kill. */
const WARMUP_KILL_SPACING_MS = 8_000;

/**
 * The faults of the warm-up, before the reading the end is compared with:
 * every shard killed once (in turn), then one slow-consumer phase. A
 * replacement shard's V8 heap grows in the reconnect wave it serves and is
 * not given back, so the reference reading follows one restart of every
 * shard, not of the first only. Redis restarts and reloads left no step in
 * RSS (bench/README.md, "Chaos soak") and are not part of it.
 */
export function warmupFaults(shards: number): PlannedFault[] {
  const plan: PlannedFault[] = [];
  for (let shard = 0; shard < shards; shard++) plan.push({ kind: 'shard-kill', atMs: shard * WARMUP_KILL_SPACING_MS });
  plan.push({ kind: 'slow-consumers', atMs: shards * WARMUP_KILL_SPACING_MS });
  return plan;
}

/**
 * The fault plan of a phase of `phaseMs`: a kill at the start of every
 * period, `othersPerPeriod` other faults spaced within it, taking turns.
 * Only the kinds in `kinds` run; a slot whose kind is left out stays empty.
 */
export function planFaults(phaseMs: number, periodMs: number, othersPerPeriod: number, kinds: readonly FaultKind[] = FAULT_KINDS): PlannedFault[] {
  const others = kinds.filter((k) => k !== 'shard-kill');
  const plan: PlannedFault[] = [];
  let turn = 0;
  for (let start = 0; start < phaseMs; start += periodMs) {
    if (kinds.includes('shard-kill')) plan.push({ kind: 'shard-kill', atMs: start });
    for (let k = 1; k <= othersPerPeriod && others.length > 0; k++) {
      const atMs = start + (k * periodMs) / (othersPerPeriod + 1);
      if (atMs < phaseMs) plan.push({ kind: others[turn++ % others.length]!, atMs });
    }
  }
  return plan;
}

/** What the faults act on. */
export interface FaultTargets {
  readonly server: SoakServer;
  readonly redis: PrivateRedis;
  readonly clients: ClientPool;
  readonly publisher: Publisher;
  readonly shards: number;
  /** How long slow consumers stop reading while the bulk channel fills, ms. */
  readonly slowMs: number;
}

/** Bulk publications while consumers are slow: size, bytes, and rate, per second. */
const BULK_BYTES = 32 * 1024;
const BULK_PER_SECOND = 50;

/** Runs the plan from now; resolves with what happened once the last fault ended. */
export async function runFaults(plan: readonly PlannedFault[], targets: FaultTargets, log: (line: string) => void): Promise<FaultEvent[]> {
  const began = Date.now();
  const events: FaultEvent[] = [];
  let kills = 0;
  for (const fault of plan) {
    const wait = began + fault.atMs - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const started = Date.now();
    let detail = '';
    switch (fault.kind) {
      case 'shard-kill': {
        const shard = kills++ % targets.shards;
        targets.server.crash(shard);
        detail = `shard ${shard}`;
        break;
      }
      case 'redis-restart':
        detail = `redis-server pid ${targets.redis.pid} SIGTERM, restarted`;
        await targets.redis.restart();
        detail += ` as pid ${targets.redis.pid}`;
        break;
      case 'reload':
        detail = `SIGHUP: ${await targets.server.reload()}`;
        break;
      case 'slow-consumers': {
        targets.clients.pauseSlow();
        const count = Math.round((targets.slowMs / 1000) * BULK_PER_SECOND);
        await targets.publisher.bulk(count, BULK_BYTES, BULK_PER_SECOND);
        targets.clients.resumeSlow();
        detail = `${count} bulk publications of ${BULK_BYTES} bytes while the slow consumers read nothing`;
        break;
      }
      default: {
        const never: never = fault.kind;
        throw new Error(`unknown fault ${String(never)}`);
      }
    }
    const event = { ...fault, tookMs: Date.now() - started, detail };
    events.push(event);
    log(`fault at ${(fault.atMs / 1000).toFixed(0)} s: ${fault.kind} (${detail}, ${event.tookMs} ms)`);
  }
  return events;
}
