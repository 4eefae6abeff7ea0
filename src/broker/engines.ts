/**
 * Which broker and presence manager a shard thread uses, as Centrifugo v6
 * chooses them: `engine` gives both (memory or Redis); an enabled `broker`
 * section replaces the broker (memory, Redis or NATS) and an enabled
 * `presence_manager` section the presence manager (memory or Redis). The
 * broker also carries node control between processes (none with memory).
 * Two parts on the same Redis section share its connections.
 */
import type { Config, RedisConfig, RedisPresenceConfig } from '../config/types';
import type { Logger } from '../common/log';
import type { Broker } from './broker';
import type { NodeBus } from './node-bus';
import { MemoryBroker } from './memory';
import { NatsBroker } from './nats/broker';
import { NatsNodeBus } from './nats/node-bus';
import { NatsLink } from './nats/link';
import type { PresenceManager } from './presence';
import { MemoryPresence } from './presence-memory';
import { RedisPresence } from './redis/presence';
import { RedisBroker } from './redis/broker';
import { RedisNodeBus } from './redis/node-bus';
import { connectPartitions, whenReady, type RedisPartition } from './redis/partitions';

/** How often the memory broker drops expired history, ms. */
const BROKER_SWEEP_MS = 5_000;

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
  readonly shards: RedisPartition[];
}

function redisReady(link: RedisLink): Promise<void> {
  const t = link.config.connect_timeout;
  const clients = link.shards.flatMap((s) => [s.command, s.subscriber, ...(s.shardedSubscriber ? [s.shardedSubscriber] : [])]);
  return Promise.all(clients.map((c) => whenReady(c, t))).then(() => undefined);
}

/** Connections opened for one shard thread, shared by its parts; closed with them. */
class Links {
  readonly redis = new Map<RedisConfig, RedisLink>();
  readonly waits: (() => Promise<void>)[] = [];
  readonly closers: (() => void)[] = [];

  constructor(
    readonly name: string,
    readonly log: Logger,
  ) {}

  /** The connections of a Redis section, opened on first use. */
  redisLink(section: RedisConfig): RedisLink {
    let link = this.redis.get(section);
    if (!link) {
      link = { config: section, shards: connectPartitions(section, this.redis.size === 0 ? this.name : `${this.name}-${this.redis.size}`, this.log) };
      this.redis.set(section, link);
      const opened = link;
      this.waits.push(() => redisReady(opened));
    }
    return link;
  }
}

type BrokerPart = Pick<EngineParts, 'broker' | 'controlBus' | 'controlTimeout' | 'controlReady'>;

function brokerPart(config: Config, links: Links): BrokerPart {
  const type = config.broker.enabled ? config.broker.type : config.engine.type;
  const log = links.log;
  if (type === 'nats') {
    const nats = config.broker.nats;
    const link = new NatsLink(nats, links.name, log);
    links.waits.push(() => Promise.race([link.connected, new Promise<void>((r) => setTimeout(r, nats.dial_timeout).unref())]));
    links.closers.push(() => void link.close());
    return {
      broker: new NatsBroker(link, nats, log),
      controlBus: (uid) => new NatsNodeBus(link, nats, uid),
      // A survey waits for other nodes' answers, so it gets at least the Redis default.
      controlTimeout: Math.max(nats.write_timeout, 4_000),
      controlReady: () => link.connected,
    };
  }
  if (type === 'redis') {
    const section = config.broker.enabled ? config.broker.redis : config.engine.redis;
    const link = links.redisLink(section);
    const options = { prefix: section.prefix, ioTimeout: section.io_timeout, connectTimeout: section.connect_timeout, waitReplicas: section.wait_replicas, log };
    return {
      broker: new RedisBroker(link.shards, options),
      controlBus: (uid) => new RedisNodeBus(link.shards[0]!, section.prefix, uid, log),
      controlTimeout: section.io_timeout,
      controlReady: () => whenReady(link.shards[0]!.subscriber, section.connect_timeout),
    };
  }
  const memory = new MemoryBroker();
  // Expired history and stream metas are dropped in the background, so memory follows live channels.
  const sweep = setInterval(() => memory.sweep(), BROKER_SWEEP_MS);
  sweep.unref();
  links.closers.push(() => clearInterval(sweep));
  return { broker: memory, controlBus: () => null, controlTimeout: config.engine.redis.io_timeout, controlReady: () => Promise.resolve() };
}

function presencePart(config: Config, links: Links): PresenceManager {
  const type = config.presence_manager.enabled ? config.presence_manager.type : config.engine.type;
  if (type !== 'redis') return new MemoryPresence();
  const section: RedisPresenceConfig = config.presence_manager.enabled ? config.presence_manager.redis : config.engine.redis;
  const link = links.redisLink(section);
  const presence = new RedisPresence(link.shards, {
    prefix: section.prefix,
    ttl: section.presence_ttl,
    updateInterval: config.client.presence_update_interval,
    log: links.log,
  });
  links.closers.push(() => presence.close());
  return presence;
}

/** Builds the broker and presence manager the config names for shard `shardId`. */
export function createEngineParts(config: Config, shardId: number, log: Logger): EngineParts {
  const links = new Links(`switchyard-shard-${shardId}`, log);
  const part = brokerPart(config, links);
  const presence = presencePart(config, links);
  // The broker closes its own connections (the Redis broker disconnects its link); the others are closed here.
  const brokerLink = part.broker instanceof RedisBroker ? (config.broker.enabled ? config.broker.redis : config.engine.redis) : null;
  for (const link of links.redis.values()) {
    if (link.config === brokerLink) continue;
    links.closers.push(() => {
      for (const s of link.shards) (s.command.disconnect(), s.subscriber.disconnect(), s.shardedSubscriber?.disconnect());
    });
  }
  links.closers.push(() => void part.broker.close());
  return {
    ...part,
    presence,
    ready: () => Promise.all(links.waits.map((w) => w())).then(() => undefined),
    close: () => {
      for (const close of links.closers) close();
    },
  };
}
