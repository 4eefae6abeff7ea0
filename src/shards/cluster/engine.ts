/**
 * The engine of one shard, chosen by `engine.type`: the broker and presence
 * manager its owned channels use, and with Redis the node control bus (every
 * shard publishes on it; shard 0 also listens, announces and answers).
 */
import { MemoryBroker } from '../../broker/memory';
import { MemoryPresence } from '../../broker/presence-memory';
import { RedisPresence } from '../../broker/presence-redis';
import { RedisBroker } from '../../broker/redis';
import { RedisNodeBus } from '../../broker/redis-node-bus';
import { connectShards, whenReady } from '../../broker/redis-partitions';
import type { Broker } from '../../broker/broker';
import type { PresenceManager } from '../../broker/presence';
import type { Config } from '../../config/types';
import type { Logger } from '../../common/log';
import { NodeControl, type NodeIdentity } from './node-control';
import type { Shard } from '../shard';

/** How often the memory broker drops expired history, ms. */
const BROKER_SWEEP_MS = 5_000;

/** A shard's engine. */
export interface Engine {
  readonly broker: Broker;
  readonly presence: PresenceManager;
  /** Resolves once the engine's connections are up, or after `engine.redis.connect_timeout` (never rejects). */
  ready(): Promise<void>;
  /** Connects the shard to other nodes (Redis only): user actions, node list, surveys. */
  attach(shard: Shard, identity: NodeIdentity): void;
  /** Stops timers and closes connections, so the thread's loop can empty. */
  close(): void;
}

/** Builds the engine `config.engine.type` names for shard `shardId`. */
export function createEngine(config: Config, shardId: number, log: Logger): Engine {
  if (config.engine.type === 'redis') return redisEngine(config, shardId, log);
  const broker = new MemoryBroker();
  // Expired history and stream metas are dropped in the background, so memory follows live channels.
  const sweep = setInterval(() => broker.sweep(), BROKER_SWEEP_MS);
  sweep.unref();
  return {
    broker,
    presence: new MemoryPresence(),
    ready: () => Promise.resolve(),
    attach: () => undefined,
    close: () => clearInterval(sweep),
  };
}

function redisEngine(config: Config, shardId: number, log: Logger): Engine {
  const redis = config.engine.redis;
  const shards = connectShards(redis, `switchyard-shard-${shardId}`, log);
  const broker = new RedisBroker(shards, { prefix: redis.prefix, ioTimeout: redis.io_timeout, connectTimeout: redis.connect_timeout, log });
  const presence = new RedisPresence(shards, {
    prefix: redis.prefix,
    ttl: redis.presence_ttl,
    updateInterval: config.client.presence_update_interval,
    log,
  });
  let control: NodeControl | null = null;
  return {
    broker,
    presence,
    ready: () => Promise.all(shards.flatMap((s) => [whenReady(s.command, redis.connect_timeout), whenReady(s.subscriber, redis.connect_timeout)])).then(() => undefined),
    attach(shard, identity) {
      const bus = new RedisNodeBus(shards[0]!, redis.prefix, identity.uid);
      shard.bus = bus;
      shard.nodeUid = identity.uid;
      if (shardId !== 0) return;
      control = new NodeControl(bus, identity, shard, redis.io_timeout, log);
      shard.nodeControl = control;
      const started = control;
      void whenReady(shards[0]!.subscriber, redis.connect_timeout).then(() => started.start());
    },
    close() {
      control?.stop();
      presence.close();
      void broker.close();
    },
  };
}
