/**
 * The start-up check of the engines: before the shards start, every Redis
 * section and NATS server the config uses is connected once, each within its
 * own connect timeout. What cannot be reached is reported, and so is a Redis
 * whose user may not do what the engine does there (redis/permissions.ts),
 * so the process exits with a clear error instead of serving clients it
 * cannot deliver to.
 * (At run time an outage never stops a process: see redis/partitions.ts and
 * nats/link.ts.)
 */
import { connect } from '@nats-io/transport-node';
import type { Config, RedisConfig } from '../config/types';
import type { Logger } from '../common/log';
import { connectPartitions, type RedisClient } from './redis/partitions';
import { isRedisRefusal } from './redis/refusal';
import { redisPermissionProblems } from './redis/permissions';
import { redisTargets } from '../config/redis-topology';
import { withoutPassword } from '../common/without-password';
import { natsServers } from './nats/servers';
import { natsPermissionProblems } from './nats/permissions';

/** The Redis sections in use, by path, and whether each carries publications (PUB/SUB). */
function redisSections(config: Config): [string, RedisConfig, boolean][] {
  const out: [string, RedisConfig, boolean][] = [];
  const brokerType = config.broker.enabled ? config.broker.type : config.engine.type;
  const presenceType = config.presence_manager.enabled ? config.presence_manager.type : config.engine.type;
  if (brokerType === 'redis') out.push(config.broker.enabled ? ['broker.redis', config.broker.redis, true] : ['engine.redis', config.engine.redis, true]);
  if (presenceType === 'redis') out.push(config.presence_manager.enabled ? ['presence_manager.redis', config.presence_manager.redis, false] : ['engine.redis', config.engine.redis, false]);
  return out.filter(([path], i) => out.findIndex(([p]) => p === path) === i);
}

/**
 * Waits for `client` to be ready, at most `timeoutMs`; resolves at once with
 * Redis's answer when Redis refuses the connection itself (a wrong password,
 * a disabled user, a database index out of range), else with null.
 */
function readyOrRefused(client: RedisClient, timeoutMs: number): Promise<Error | null> {
  return new Promise((resolve) => {
    const finish = (refusal: Error | null): void => {
      clearTimeout(timer);
      client.off('error', onError);
      client.off('ready', onReady);
      resolve(refusal);
    };
    const onError = (err: unknown): void => {
      if (isRedisRefusal(err)) finish(err as Error);
    };
    const onReady = (): void => finish(null);
    const timer = setTimeout(() => finish(null), timeoutMs);
    client.on('error', onError);
    client.on('ready', onReady);
  });
}

async function probeRedis(path: string, section: RedisConfig, pubsub: boolean, log: Logger): Promise<string[]> {
  const shards = connectPartitions(section, 'switchyard-probe', log);
  const targets = redisTargets(section);
  try {
    const refusals = await Promise.all(
      shards.map(async (s) => {
        const [command, subscriber] = await Promise.all([readyOrRefused(s.command, section.connect_timeout), readyOrRefused(s.subscriber, section.connect_timeout)]);
        return command ?? subscriber;
      }),
    );
    const problems: string[] = [];
    for (const s of shards) {
      const label = targets[s.index]!.label;
      const refusal = refusals[s.index];
      if (refusal) {
        problems.push(`${path}: Redis at ${label} refused the connection: ${refusal.message} (check the user, password and database of ${path})`);
        continue;
      }
      if (s.command.status !== 'ready' || (pubsub && s.subscriber.status !== 'ready')) {
        problems.push(`${path}: Redis at ${label} did not answer within connect_timeout (${section.connect_timeout} ms)`);
        continue;
      }
      problems.push(...(await redisPermissionProblems(s, { path, prefix: section.prefix, pubsub, label })));
    }
    return problems;
  } finally {
    for (const s of shards) (s.command.disconnect(), s.subscriber.disconnect(), s.shardedSubscriber?.disconnect());
  }
}

async function probeNats(config: Config): Promise<string[]> {
  const nats = config.broker.nats;
  try {
    const nc = await connect({ ...natsServers(nats.url), timeout: nats.dial_timeout, reconnect: false, name: 'switchyard-probe' });
    try {
      return await natsPermissionProblems(nc, nats, withoutPassword(nats.url));
    } finally {
      await nc.close();
    }
  } catch (err) {
    if (err instanceof Error && err.name === 'AuthorizationError') {
      return [`broker.nats: NATS at ${withoutPassword(nats.url)} refused the connection: ${err.message} (check the credentials in broker.nats.url)`];
    }
    return [`broker.nats: NATS at ${withoutPassword(nats.url)} did not answer within dial_timeout (${nats.dial_timeout} ms): ${(err as Error).message}`];
  }
}

/** Connects to every engine the config uses once; resolves with one line per problem: an engine not reached, or refusing the connection or what the server needs. */
export async function probeEngines(config: Config, log: Logger): Promise<string[]> {
  const checks: Promise<string[]>[] = redisSections(config).map(([path, section, pubsub]) => probeRedis(path, section, pubsub, log));
  if (config.broker.enabled && config.broker.type === 'nats') checks.push(probeNats(config));
  return (await Promise.all(checks)).flat();
}
