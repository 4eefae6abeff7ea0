/**
 * Cross-key rules of the engine sections and consumers: the Redis sections
 * that are in use must name valid shards, a NATS broker cannot serve channels
 * with history, and an enabled consumer needs its connection and table.
 */
import { redisConfigErrors } from './redis-topology';
import type { ChannelOptions, Config } from './types';

/** Which Redis sections the config uses, by path. */
function usedRedisSections(config: Config): [string, Config['engine']['redis'] | Config['broker']['redis']][] {
  const used: [string, Config['engine']['redis'] | Config['broker']['redis']][] = [];
  const brokerApart = config.broker.enabled;
  const presenceApart = config.presence_manager.enabled;
  if (config.engine.type === 'redis' && !(brokerApart && presenceApart)) used.push(['engine.redis', config.engine.redis]);
  if (brokerApart && config.broker.type === 'redis') used.push(['broker.redis', config.broker.redis]);
  if (presenceApart && config.presence_manager.type === 'redis') used.push(['presence_manager.redis', config.presence_manager.redis]);
  return used;
}

function keepsHistory(options: ChannelOptions): boolean {
  return options.history_size > 0 && options.history_ttl > 0;
}

/** Channels with history under a NATS broker, each named by its options' path. */
function natsHistoryErrors(config: Config): string[] {
  if (!config.broker.enabled || config.broker.type !== 'nats') return [];
  const why = 'needs a broker that keeps history, and the NATS broker (broker.type "nats") keeps none: remove history_size/history_ttl here or use a Redis broker';
  const errors: string[] = [];
  if (keepsHistory(config.channel.without_namespace)) errors.push(`channel.without_namespace.history_size ${why}`);
  config.channel.namespaces.forEach((ns, i) => {
    if (keepsHistory(ns)) errors.push(`channel.namespaces[${i}].history_size (namespace "${ns.name}") ${why}`);
  });
  return errors;
}

function consumerErrors(config: Config): string[] {
  const errors: string[] = [];
  config.consumers.forEach((c, i) => {
    if (!c.enabled) return;
    const path = `consumers[${i}].postgresql`;
    if (c.postgresql.dsn === '') errors.push(`${path}.dsn is required when consumer "${c.name}" is enabled`);
    if (c.postgresql.outbox_table_name === '') errors.push(`${path}.outbox_table_name is required when consumer "${c.name}" is enabled`);
  });
  return errors;
}

/** Every engine and consumer problem of a config whose keys are each valid. */
export function engineErrors(config: Config): string[] {
  const errors: string[] = [];
  for (const [path, section] of usedRedisSections(config)) errors.push(...redisConfigErrors(section, path));
  errors.push(...natsHistoryErrors(config));
  const pm = config.presence_manager;
  if (pm.enabled && pm.type === 'redis' && config.client.presence_update_interval >= pm.redis.presence_ttl) {
    errors.push('client.presence_update_interval must be less than presence_manager.redis.presence_ttl');
  }
  errors.push(...consumerErrors(config));
  return errors;
}
