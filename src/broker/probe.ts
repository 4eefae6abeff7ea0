/**
 * The start-up check of the engines: before the shards start, every Redis
 * section and NATS server the config uses is connected once, each within its
 * own connect timeout. What cannot be reached is reported, and so is a Redis
 * whose user may not do what the engine does there (redis-permissions.ts),
 * so the process exits with a clear error instead of serving clients it
 * cannot deliver to.
 * (At run time an outage never stops a process: see redis-shards.ts and
 * nats-link.ts.)
 */
import { connect } from '@nats-io/transport-node';
import type { Config, RedisConfig } from '../config/types';
import type { Logger } from '../common/log';
import { connectPartitions, whenReady } from './redis-partitions';
import { redisPermissionProblems } from './redis-permissions';
import { redisTargets } from '../config/redis-topology';
import { withoutPassword } from '../common/without-password';

/** The Redis sections in use, by path, and whether each carries publications (PUB/SUB). */
function redisSections(config: Config): [string, RedisConfig, boolean][] {
  const out: [string, RedisConfig, boolean][] = [];
  const brokerType = config.broker.enabled ? config.broker.type : config.engine.type;
  const presenceType = config.presence_manager.enabled ? config.presence_manager.type : config.engine.type;
  if (brokerType === 'redis') out.push(config.broker.enabled ? ['broker.redis', config.broker.redis, true] : ['engine.redis', config.engine.redis, true]);
  if (presenceType === 'redis') out.push(config.presence_manager.enabled ? ['presence_manager.redis', config.presence_manager.redis, false] : ['engine.redis', config.engine.redis, false]);
  return out.filter(([path], i) => out.findIndex(([p]) => p === path) === i);
}

async function probeRedis(path: string, section: RedisConfig, pubsub: boolean, log: Logger): Promise<string[]> {
  const shards = connectPartitions(section, 'switchyard-probe', log);
  const targets = redisTargets(section);
  try {
    await Promise.all(shards.flatMap((s) => [whenReady(s.command, section.connect_timeout), whenReady(s.subscriber, section.connect_timeout)]));
    const problems: string[] = [];
    for (const s of shards) {
      const label = targets[s.index]!.label;
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
    const nc = await connect({ servers: nats.url.split(',').map((s) => s.trim()), timeout: nats.dial_timeout, reconnect: false, name: 'switchyard-probe' });
    await nc.close();
    return [];
  } catch (err) {
    return [`broker.nats: NATS at ${withoutPassword(nats.url)} did not answer within dial_timeout (${nats.dial_timeout} ms): ${(err as Error).message}`];
  }
}

/** Connects to every engine the config uses once; resolves with one line per engine that could not be reached. */
export async function probeEngines(config: Config, log: Logger): Promise<string[]> {
  const checks: Promise<string[]>[] = redisSections(config).map(([path, section, pubsub]) => probeRedis(path, section, pubsub, log));
  if (config.broker.enabled && config.broker.type === 'nats') checks.push(probeNats(config));
  return (await Promise.all(checks)).flat();
}
