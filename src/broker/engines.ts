/**
 * Which broker and presence manager a shard thread uses, as Centrifugo v6
 * chooses them: `engine` gives both (memory or Redis); an enabled `broker`
 * section replaces the broker (memory, Redis or NATS) and an enabled
 * `presence_manager` section the presence manager (memory or Redis). The
 * broker also carries node control between processes (none with memory).
 * Two parts on the same Redis section share its connections.
 */
import type { Config, RedisConfig, RedisPresenceConfig } from '../config/types';
import type { Logger } from '../log';
import type { Broker } from './broker';
import { MemoryBroker } from './memory';
import { NatsBroker } from './nats';
import { NatsControlBus } from './nats-control';
import { NatsLink } from './nats-link';
import type { PresenceManager } from './presence';
import { MemoryPresence } from './presence-memory';
import { RedisPresence } from './presence-redis';
import { RedisBroker } from './redis';
import { RedisControlBus } from './redis-control';
import { connectShards, whenReady, type RedisShard } from './redis-shards';

/** How often the memory broker drops expired history, ms. */
const BROKER_SWEEP_MS = 5_000;

/** The node control bus of a broker (the shape of the shards' ControlBus). */
export interface NodeBus {
  publish(to: string | null, message: string): Promise<void>;
  listen(onMessage: (message: string) => void): Promise<void>;
}

/** A shard thread's broker and presence manager. */
export interface EngineParts {
  readonly broker: Broker;
  readonly presence: PresenceManager;
  /** The node control bus of this process as `uid`; null when the broker links no processes (memory). */
  controlBus(uid: string): NodeBus | null;
  /** How long a node control request (a survey of other nodes) may take, ms. */
  readonly controlTimeout: number;
  /** Resolves once the control bus can listen (at most the connect timeout later). */
  controlReady(): Promise<void>;
  /** Resolves once every connection is up, or after its connect timeout (never rejects). */
  ready(): Promise<void>;
  /** Stops timers and closes connections. */
  close(): void;
}

interface RedisLink {
  readonly config: RedisConfig;
  readonly shards: RedisShard[];
}

function redisReady(link: RedisLink): Promise<void> {
  const t = link.config.connect_timeout;
  return Promise.all(link.shards.flatMap((s) => [whenReady(s.command, t), whenReady(s.subscriber, t)])).then(() => undefined);
}

/** Builds the broker and presence manager the config names for shard `shardId`. */
export function createEngineParts(config: Config, shardId: number, log: Logger): EngineParts {
  const name = `switchyard-shard-${shardId}`;
  const brokerType = config.broker.enabled ? config.broker.type : config.engine.type;
  const presenceType = config.presence_manager.enabled ? config.presence_manager.type : config.engine.type;
  const redisLinks = new Map<RedisConfig, RedisLink>();
  const redisLink = (section: RedisConfig): RedisLink => {
    let link = redisLinks.get(section);
    if (!link) {
      link = { config: section, shards: connectShards(section, redisLinks.size === 0 ? name : `${name}-${redisLinks.size}`, log) };
      redisLinks.set(section, link);
    }
    return link;
  };
  const waits: (() => Promise<void>)[] = [];
  const closers: (() => void)[] = [];

  let broker: Broker;
  let controlBus: (uid: string) => NodeBus | null = () => null;
  let controlReady: () => Promise<void> = () => Promise.resolve();
  let controlTimeout = config.engine.redis.io_timeout;
  if (brokerType === 'nats') {
    const nats = config.broker.nats;
    const link = new NatsLink(nats, name, log);
    broker = new NatsBroker(link, nats, log);
    controlBus = (uid) => new NatsControlBus(link, nats, uid);
    controlReady = () => link.connected;
    // A survey waits for other nodes' answers, so it gets at least the Redis default.
    controlTimeout = Math.max(nats.write_timeout, 4_000);
    waits.push(() => Promise.race([link.connected, new Promise<void>((r) => setTimeout(r, nats.dial_timeout).unref())]));
    closers.push(() => void link.close());
  } else if (brokerType === 'redis') {
    const section = config.broker.enabled ? config.broker.redis : config.engine.redis;
    const link = redisLink(section);
    broker = new RedisBroker(link.shards, {
      prefix: section.prefix,
      ioTimeout: section.io_timeout,
      connectTimeout: section.connect_timeout,
      waitReplicas: section.wait_replicas,
      log,
    });
    controlBus = (uid) => new RedisControlBus(link.shards[0]!, section.prefix, uid);
    controlReady = () => whenReady(link.shards[0]!.subscriber, section.connect_timeout);
    controlTimeout = section.io_timeout;
  } else {
    const memory = new MemoryBroker();
    // Expired history and stream metas are dropped in the background, so memory follows live channels.
    const sweep = setInterval(() => memory.sweep(), BROKER_SWEEP_MS);
    sweep.unref();
    closers.push(() => clearInterval(sweep));
    broker = memory;
  }

  let presence: PresenceManager;
  if (presenceType === 'redis') {
    const section: RedisPresenceConfig = config.presence_manager.enabled ? config.presence_manager.redis : config.engine.redis;
    const link = redisLink(section);
    const redisPresence = new RedisPresence(link.shards, {
      prefix: section.prefix,
      ttl: section.presence_ttl,
      updateInterval: config.client.presence_update_interval,
      log,
    });
    closers.push(() => redisPresence.close());
    presence = redisPresence;
  } else {
    presence = new MemoryPresence();
  }

  for (const link of redisLinks.values()) {
    waits.push(() => redisReady(link));
    // The Redis broker closes its own connections; presence-only links are closed here.
    if (brokerType !== 'redis' || link.config !== (config.broker.enabled ? config.broker.redis : config.engine.redis)) {
      closers.push(() => {
        for (const s of link.shards) (s.command.disconnect(), s.subscriber.disconnect());
      });
    }
  }
  closers.push(() => void broker.close());

  return {
    broker,
    presence,
    controlBus,
    controlTimeout,
    controlReady,
    ready: () => Promise.all(waits.map((w) => w())).then(() => undefined),
    close: () => {
      for (const close of closers) close();
    },
  };
}
