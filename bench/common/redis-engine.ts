/**
 * The Redis a benchmarked switchyard runs its engine on: a private
 * redis-server on a free loopback port, started beside the switchyard child
 * and stopped with it, so no other process (tests of other checkouts, other
 * benchmarks) shares its keys or its CPU.
 */
import { randomBytes } from 'node:crypto';
import { startPrivateRedis, type PrivateRedis } from '../../test/helpers/redis';

/** A running private Redis for one benchmarked server. */
export interface BenchRedis {
  /** The `engine` config section pointing switchyard at it (a key prefix of its own). */
  readonly engine: Readonly<Record<string, unknown>>;
  /** Stops the redis-server. */
  stop(): Promise<void>;
}

/** Starts a private redis-server (no persistence) and returns the engine section for it. */
export async function startBenchRedis(): Promise<BenchRedis> {
  const redis: PrivateRedis = await startPrivateRedis(false);
  return {
    engine: { type: 'redis', redis: { address: redis.url, prefix: `bench.${randomBytes(4).toString('hex')}` } },
    stop: () => redis.stop(),
  };
}
