/**
 * The Redis-engine rows of the many-channel report: each `switchyard-redis-N`
 * system (and its `@DIR` "before" build) against switchyard ×N on the memory
 * engine measured in the same run, as ratios: highest sustained
 * publications/s (the issue 12 target is ≥ 0.7×) and server CPU per
 * publication at the highest rate both sustained (the switchyard process
 * only; the private redis-server's own CPU is not counted).
 */
import { rate, ratio, times } from '../../common/stats';
import { stepAt, type SystemRun } from '../ladder';
import { capacity } from './summary';

/** One Redis system against its memory twin. */
export interface RedisVsMemory {
  readonly system: string;
  readonly memory: string;
  /** Highest sustained publications/s, Redis and memory. */
  readonly capacity: number;
  readonly memoryCapacity: number;
  readonly capacityVsMemory: number;
  /** The highest rate both sustained (NaN: none), and server CPU per publication there, µs. */
  readonly rate: number;
  readonly cpuMicros: number;
  readonly memoryCpuMicros: number;
  readonly cpuVsMemory: number;
}

const REDIS_ID = /^switchyard-redis-(\d+)(?:-.+)?$/;

/** Every Redis system of the run paired with its memory twin (same shard count); none when either is missing. */
export function redisVsMemory(runs: readonly SystemRun[]): RedisVsMemory[] {
  return runs.flatMap((run) => {
    const match = REDIS_ID.exec(run.system.id);
    const twin = match ? runs.find((r) => r.system.id === `switchyard-${match[1]}`) : undefined;
    if (!twin) return [];
    const both = run.steps.filter((s) => s.sustained && stepAt(twin, s.offeredRate)?.sustained).map((s) => s.offeredRate);
    const at = both.length > 0 ? Math.max(...both) : Number.NaN;
    const cpu = stepAt(run, at)?.server.cpuMicrosPerDelivery ?? Number.NaN;
    const memoryCpu = stepAt(twin, at)?.server.cpuMicrosPerDelivery ?? Number.NaN;
    return [
      {
        system: run.system.label,
        memory: twin.system.label,
        capacity: capacity(run),
        memoryCapacity: capacity(twin),
        capacityVsMemory: ratio(capacity(run), capacity(twin)),
        rate: at,
        cpuMicros: cpu,
        memoryCpuMicros: memoryCpu,
        cpuVsMemory: ratio(cpu, memoryCpu),
      },
    ];
  });
}

/** Heads of the Redis-against-memory table. */
export const REDIS_VS_MEMORY_HEADS = ['system', 'against', 'highest sustained pubs/s', '× memory', 'at the highest rate both sustained', 'server µs/publication', '× memory'];

/** The table's rows. */
export function redisVsMemoryRows(runs: readonly SystemRun[]): string[][] {
  return redisVsMemory(runs).map((r) => [
    r.system,
    r.memory,
    `${rate(r.capacity)} vs ${rate(r.memoryCapacity)}`,
    times(r.capacityVsMemory),
    Number.isNaN(r.rate) ? 'none' : rate(r.rate),
    `${r.cpuMicros.toFixed(1)} vs ${r.memoryCpuMicros.toFixed(1)}`,
    times(r.cpuVsMemory),
  ]);
}
