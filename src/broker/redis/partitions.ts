/**
 * Connections to the Redis shards of `engine.redis.address`, and which shard
 * holds a channel. Each address is one shard with two connections: commands
 * (commands issued in one event-loop turn go out in one write, see
 * redis/turn-writes.ts; a Cluster sends each command to its slot's node) and
 * PUB/SUB. Channels spread over shards by jump consistent hash of
 * the channel name, so adding a shard moves only about 1/N of the channels.
 *
 * Faults: commands fail at once while a connection is down (no offline
 * queue, no retries), so a caller learns the outcome instead of waiting; the
 * connection itself reconnects forever with a capped backoff. Each loss and
 * each return is logged once per connection.
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { RedisConfig } from '../../config/types';
import type { Logger } from '../../common/log';
import type { RedisAddress } from '../../common/redis-address';
import { redisTargets, type RedisTarget } from '../../config/redis-topology';
import { TurnBatchedRedis } from './turn-writes';

/** A command or PUB/SUB connection to one shard. */
export type RedisClient = Redis | Cluster;

/** One Redis shard. */
export interface RedisPartition {
  readonly index: number;
  /** Command connection (turn-batched writes on a standalone or Sentinel master). */
  readonly command: RedisClient;
  /** PUB/SUB connection (subscriber mode). */
  readonly subscriber: RedisClient;
  /** A Redis Cluster: keys of one channel carry the channel as a hash tag. */
  readonly cluster: boolean;
  /**
   * With `sharded_pubsub`: the connections of sharded PUB/SUB (one per node,
   * kept on the node of each channel's slot by ioredis). Channels go there;
   * `subscriber` keeps node control on classic PUB/SUB.
   */
  readonly shardedSubscriber?: Cluster;
}

/** Longest wait between reconnect attempts, ms. */
const MAX_RECONNECT_DELAY_MS = 2_000;
/** The first step of the reconnect backoff, ms. */
const FIRST_RECONNECT_DELAY_MS = 100;

/** FNV-1a, 64 bits, over the UTF-8 bytes of `text`. */
export function fnv1a64(text: string): bigint {
  let hash = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash;
}

/** Jump consistent hash (Lamping & Veach): a bucket in [0, buckets) for a 64-bit key. */
export function jumpHash(key: bigint, buckets: number): number {
  let b = -1;
  let j = 0;
  while (j < buckets) {
    b = j;
    key = (key * 2862933555777941757n + 1n) & 0xffffffffffffffffn;
    j = Math.floor(((b + 1) * 2 ** 31) / (Number(key >> 33n) + 1));
  }
  return b;
}

/** The shard index of a channel among `count` shards. */
export function shardIndex(channel: string, count: number): number {
  return count <= 1 ? 0 : jumpHash(fnv1a64(channel), count);
}

function tlsOptions(config: RedisConfig, address: RedisAddress): ConnectionOptions | undefined {
  const t = config.tls;
  if (!t.enabled && !address.tls) return undefined;
  return {
    ...(t.ca_pem ? { ca: t.ca_pem } : {}),
    ...(t.cert_pem ? { cert: t.cert_pem } : {}),
    ...(t.key_pem ? { key: t.key_pem } : {}),
    ...(t.server_name ? { servername: t.server_name } : {}),
    ...(t.insecure_skip_verify ? { rejectUnauthorized: false } : {}),
  };
}

function baseOptions(config: RedisConfig, address: RedisAddress, name: string): RedisOptions {
  const user = address.user ?? config.user;
  const password = address.password ?? config.password;
  const tls = tlsOptions(config, address);
  return {
    connectionName: name,
    ...(user ? { username: user } : {}),
    ...(password ? { password } : {}),
    db: address.db ?? config.db,
    ...(tls ? { tls } : {}),
    connectTimeout: config.connect_timeout,
    commandTimeout: config.io_timeout,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResubscribe: false,
    // Not ioredis auto-pipelining: it keeps one pipeline in flight and so serializes a shard's publishes behind round trips (redis/turn-writes.ts).
    enableAutoPipelining: false,
    retryStrategy: (attempt: number) => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS),
  };
}

/** A connection to `address`; `batched` (command connections) batches each turn's commands into one write, except on a Cluster. */
function connect(config: RedisConfig, address: RedisTarget, name: string, batched: boolean, shardedSubscribers = false): RedisClient {
  const Client = batched ? TurnBatchedRedis : Redis;
  const options = baseOptions(config, address, name);
  if (address.kind === 'cluster') {
    const clusterOptions: ClusterOptions = {
      redisOptions: options,
      enableOfflineQueue: false,
      enableAutoPipelining: false,
      clusterRetryStrategy: (attempt: number) => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS),
      ...(shardedSubscribers ? { shardedSubscribers: true } : {}),
    };
    return new Cluster(address.nodes.map((n) => ({ host: n.host, port: n.port })), clusterOptions);
  }
  if (address.kind === 'sentinel') {
    return new Client({
      ...options,
      sentinels: address.nodes.map((n) => ({ host: n.host, port: n.port })),
      name: address.masterName!,
      ...(address.sentinelPassword ? { sentinelPassword: address.sentinelPassword } : {}),
      ...(address.sentinelUser ? { sentinelUsername: address.sentinelUser } : {}),
      sentinelRetryStrategy: (attempt: number) => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS),
      // A failover is found by asking the Sentinels again when the master connection drops.
      failoverDetector: true,
    });
  }
  const node = address.nodes[0]!;
  return new Client({ ...options, host: node.host, port: node.port });
}

/**
 * The PUB/SUB connection of a Redis Cluster shard: a plain connection to one
 * node, moving to the next seed node at each reconnect. Classic PUB/SUB
 * reaches every node of a cluster, so any live node serves; a plain
 * connection (unlike ioredis's cluster subscriber) reports its losses, so the
 * subscriptions are restored and checked for gaps (SubscriptionSet).
 */
function clusterSubscriber(config: RedisConfig, address: RedisTarget, name: string): Redis {
  const nodes = address.nodes;
  let next = 0;
  const client: Redis = new Redis({
    ...baseOptions(config, address, name),
    host: nodes[0]!.host,
    port: nodes[0]!.port,
    retryStrategy: (attempt: number) => {
      next = (next + 1) % nodes.length;
      // The connector reads host and port from these options at each connect.
      client.options.host = nodes[next]!.host;
      client.options.port = nodes[next]!.port;
      return Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS);
    },
  });
  return client;
}

/**
 * Logs a connection's losses and returns once each, keeps its 'error' events
 * from crashing the thread, and connects again when ioredis gives a
 * connection up on its own.
 *
 * ioredis ends a connection for good (status 'end', no further retries) when
 * its connector is told to disconnect while it is still connecting: with
 * Sentinel's `failoverDetector`, a +switch-master that arrives while a
 * reconnect is asking a Sentinel for the master does exactly that, and the
 * connection stayed down (a shard's PUB/SUB connection after a failover, its
 * subscribers silently missing publications). Only `disconnect()` or `quit()`
 * called by switchyard ends a connection here; any other 'end' is answered by
 * a new connect after the first backoff step.
 */
function watch(client: RedisClient, label: string, log: Logger): void {
  let state: 'connecting' | 'up' | 'down' = 'connecting';
  let closedByUs = false;
  const disconnect = client.disconnect.bind(client);
  client.disconnect = (reconnect?: boolean): void => {
    if (!reconnect) closedByUs = true;
    disconnect(reconnect);
  };
  const quit = client.quit.bind(client);
  client.quit = ((...args: Parameters<typeof client.quit>) => {
    closedByUs = true;
    return quit(...args);
  }) as typeof client.quit;
  client.on('end', () => {
    if (closedByUs) return;
    log.warn('redis connection given up by the client library; connecting again', { connection: label });
    setTimeout(() => {
      if (!closedByUs && client.status === 'end') client.connect().catch(() => undefined);
    }, FIRST_RECONNECT_DELAY_MS).unref();
  });
  client.on('ready', () => {
    if (state === 'down') log.info('redis connection restored', { connection: label });
    state = 'up';
  });
  const lost = (err?: unknown): void => {
    // 'end' (or a disconnect under way) is a disconnect we asked for (shutdown), not an outage.
    if (state === 'down' || client.status === 'end' || (client as unknown as { manuallyClosing?: boolean }).manuallyClosing) return;
    const was = state;
    state = 'down';
    const error = err instanceof Error ? err.message : undefined;
    if (was === 'up') log.warn('redis connection lost; reconnecting', { connection: label, ...(error ? { error } : {}) });
    else log.warn('redis not reachable; retrying', { connection: label, ...(error ? { error } : {}) });
  };
  client.on('error', (err: unknown) => lost(err));
  client.on('close', () => lost());
}

/** Opens both connections of every shard; they connect in the background. */
export function connectPartitions(config: RedisConfig, name: string, log: Logger): RedisPartition[] {
  const targets = redisTargets(config);
  return targets.map((address, index) => {
    const label = targets.length > 1 ? `${address.label} (partition ${index})` : address.label;
    const command = connect(config, address, name, true);
    const subscriber = address.kind === 'cluster' ? clusterSubscriber(config, address, `${name}-sub`) : connect(config, address, `${name}-sub`, false);
    watch(command, `${label} commands`, log);
    watch(subscriber, `${label} pubsub`, log);
    const cluster = address.kind === 'cluster';
    if (!cluster || !config.sharded_pubsub) return { index, command, subscriber, cluster };
    const sharded = connect(config, address, `${name}-ssub`, false, true) as Cluster;
    watch(sharded, `${label} sharded pubsub`, log);
    return { index, command, subscriber, cluster, shardedSubscriber: sharded };
  });
}

/** Resolves once the client is ready, or after `timeoutMs` (the caller goes on either way). */
export function whenReady(client: RedisClient, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      client.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    client.once('ready', done);
  });
}

/** Reads a Lua script shipped next to this module (src/broker/redis/lua, copied to dist/src/broker/redis/lua by the build). */
export function readLua(name: string): string {
  return readFileSync(`${__dirname}/lua/${name}`, 'utf8');
}

/** Key and channel names of one prefix; in a cluster, a channel's keys share its hash tag. */
export class RedisKeys {
  /** `sharded`: PUB/SUB channels carry the channel as a hash tag too (sharded PUB/SUB, one slot with its keys). */
  /** `<prefix>.client.`: the start of every channel's PUB/SUB name (kept, as every received message is checked against it). */
  private readonly clientHead: string;

  constructor(
    readonly prefix: string,
    readonly sharded = false,
  ) {
    this.clientHead = `${prefix}.client.`;
  }

  private tagged(channel: string, cluster: boolean): string {
    return cluster ? `{${channel}}` : channel;
  }

  /** The PUB/SUB channel of a switchyard channel. */
  pubsub(channel: string): string {
    return this.sharded ? `${this.prefix}.client.{${channel}}` : `${this.prefix}.client.${channel}`;
  }

  /** The switchyard channel of a PUB/SUB channel, or null when it is not one of ours. */
  channelOf(pubsub: string): string | null {
    if (!pubsub.startsWith(this.clientHead)) return null;
    const rest = pubsub.slice(this.clientHead.length);
    return this.sharded && rest.startsWith('{') && rest.endsWith('}') ? rest.slice(1, -1) : rest;
  }

  stream(channel: string, cluster: boolean): string {
    return `${this.prefix}.stream.${this.tagged(channel, cluster)}`;
  }

  meta(channel: string, cluster: boolean): string {
    return `${this.prefix}.stream.meta.${this.tagged(channel, cluster)}`;
  }

  result(channel: string, key: string, cluster: boolean): string {
    return `${this.prefix}.result.${this.tagged(channel, cluster)}.${key}`;
  }

  presenceData(channel: string, cluster: boolean): string {
    return `${this.prefix}.presence.data.${this.tagged(channel, cluster)}`;
  }

  presenceExpire(channel: string, cluster: boolean): string {
    return `${this.prefix}.presence.expire.${this.tagged(channel, cluster)}`;
  }

  /** Subscribed by every PUB/SUB connection for its whole life, never published to (see SubscriptionSet). */
  get anchor(): string {
    return `${this.prefix}.anchor`;
  }

  /** Node control: every node. */
  get control(): string {
    return `${this.prefix}.control`;
  }

  /** Node control: one node. */
  node(uid: string): string {
    return `${this.prefix}.node.${uid}`;
  }
}
