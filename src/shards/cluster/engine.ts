/*
 * src/shards/cluster/: a shard's links beyond itself: its engine (broker,
 * presence, bus to other nodes), node control on shard 0, server API actions
 * applied to local connections, emulation routing. May import (in shards): the
 * parts above, commands, context.ts.
 */
/**
 * The engine of one shard, chosen by `engine.type`: the broker and presence
 * manager its owned channels use, and with Redis the bus to other nodes
 * (every shard publishes on it; shard 0's node control also listens,
 * announces and answers).
 */
import { MemoryBroker } from '../../broker/memory';
import { MemoryPresence } from '../../broker/presence-memory';
import { RedisPresence } from '../../broker/presence-redis';
import { RedisBroker } from '../../broker/redis';
import { RedisNodeBus } from '../../broker/redis-node-bus';
import { connectPartitions, whenReady } from '../../broker/redis-partitions';
import type { Broker } from '../../broker/broker';
import type { PresenceManager } from '../../broker/presence';
import type { Config } from '../../config/types';
import type { Logger } from '../../common/log';
import type { NodeBus } from '../../broker/node-bus';

/** How often the memory broker drops expired history, ms. */
const BROKER_SWEEP_MS = 5_000;

/** A shard's engine. */
export interface Engine {
  readonly broker: Broker;
  readonly presence: PresenceManager;
  /** The bus to other nodes (Redis only): user actions, node list, surveys; null on a single node. */
  readonly bus: NodeBus | null;
  /** Resolves once the engine's connections are up, or after `engine.redis.connect_timeout` (never rejects). */
  ready(): Promise<void>;
  /** Resolves once the bus can take subscriptions (node control starts listening then); never on a single node. */
  busReady(): Promise<void>;
  /** Stops timers and closes connections, so the thread's loop can empty. */
  close(): void;
}

/** Builds the engine `config.engine.type` names for shard `shardId` of the node `nodeUid`. */
export function createEngine(config: Config, shardId: number, nodeUid: string, log: Logger): Engine {
  if (config.engine.type === 'redis') return redisEngine(config, shardId, nodeUid, log);
  const broker = new MemoryBroker();
  // Expired history and stream metas are dropped in the background, so memory follows live channels.
  const sweep = setInterval(() => broker.sweep(), BROKER_SWEEP_MS);
  sweep.unref();
  return {
    broker,
    presence: new MemoryPresence(),
    bus: null,
    ready: () => Promise.resolve(),
    busReady: () => new Promise<void>(() => undefined),
    close: () => clearInterval(sweep),
  };
}

function redisEngine(config: Config, shardId: number, nodeUid: string, log: Logger): Engine {
  const redis = config.engine.redis;
  const partitions = connectPartitions(redis, `switchyard-shard-${shardId}`, log);
  const broker = new RedisBroker(partitions, { prefix: redis.prefix, ioTimeout: redis.io_timeout, connectTimeout: redis.connect_timeout, log });
  const presence = new RedisPresence(partitions, {
    prefix: redis.prefix,
    ttl: redis.presence_ttl,
    updateInterval: config.client.presence_update_interval,
    log,
  });
  return {
    broker,
    presence,
    bus: new RedisNodeBus(partitions[0]!, redis.prefix, nodeUid),
    ready: () => Promise.all(partitions.flatMap((s) => [whenReady(s.command, redis.connect_timeout), whenReady(s.subscriber, redis.connect_timeout)])).then(() => undefined),
    busReady: () => whenReady(partitions[0]!.subscriber, redis.connect_timeout),
    close() {
      presence.close();
      void broker.close();
    },
  };
}
