/**
 * The start-up check of the engines: before the shards start, every Redis
 * section and NATS server the config uses is connected once, each within its
 * own connect timeout. What cannot be reached is reported, so the process
 * exits with a clear error instead of serving clients it cannot deliver to.
 * (At run time an outage never stops a process: see redis-shards.ts and
 * nats-link.ts.)
 */
import { connect } from '@nats-io/transport-node';
import type { Config, RedisConfig } from '../config/types';
import type { Logger } from '../common/log';
import { connectPartitions, whenReady } from './redis-partitions';
import { redisTargets } from '../config/redis-topology';

/** The Redis sections in use, by path. */
function redisSections(config: Config): [string, RedisConfig][] {
  const out: [string, RedisConfig][] = [];
  const brokerType = config.broker.enabled ? config.broker.type : config.engine.type;
  const presenceType = config.presence_manager.enabled ? config.presence_manager.type : config.engine.type;
  if (brokerType === 'redis') out.push(config.broker.enabled ? ['broker.redis', config.broker.redis] : ['engine.redis', config.engine.redis]);
  if (presenceType === 'redis') out.push(config.presence_manager.enabled ? ['presence_manager.redis', config.presence_manager.redis] : ['engine.redis', config.engine.redis]);
  return out.filter(([path], i) => out.findIndex(([p]) => p === path) === i);
}

async function probeRedis(path: string, section: RedisConfig, log: Logger): Promise<string[]> {
  const shards = connectPartitions(section, 'switchyard-probe', log);
  const targets = redisTargets(section);
  try {
    await Promise.all(shards.map((s) => whenReady(s.command, section.connect_timeout)));
    return shards
      .filter((s) => s.command.status !== 'ready')
      .map((s) => `${path}: Redis at ${targets[s.index]!.label} did not answer within connect_timeout (${section.connect_timeout} ms)`);
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
    return [`broker.nats: NATS at ${nats.url} did not answer within dial_timeout (${nats.dial_timeout} ms): ${(err as Error).message}`];
  }
}

/** Connects to every engine the config uses once; resolves with one line per engine that could not be reached. */
export async function probeEngines(config: Config, log: Logger): Promise<string[]> {
  const checks: Promise<string[]>[] = redisSections(config).map(([path, section]) => probeRedis(path, section, log));
  if (config.broker.enabled && config.broker.type === 'nats') checks.push(probeNats(config));
  return (await Promise.all(checks)).flat();
}
