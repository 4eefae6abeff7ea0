/**
 * The Redis broker: links switchyard processes. One instance per shard
 * thread, used by the owner shard of each channel (so calls for one channel
 * come from one thread, in order). Keys and messages are Centrifugo's layout
 * (centrifugo.md §7) with switchyard's own encoding (message-codec.ts):
 *
 *   <prefix>.client.<ch>         PUB/SUB channel of a switchyard channel
 *   <prefix>.stream.<ch>         stream of publications (entry id = offset), MAXLEN history_size, PEXPIRE history_ttl
 *   <prefix>.stream.meta.<ch>    hash {e: epoch, s: top offset}, PEXPIRE history_meta_ttl
 *   <prefix>.result.<ch>.<key>   idempotent publish result "offset:epoch"
 *
 * Publish is one Lua script (lua/publish.lua). History reads of a channel
 * this node subscribes to also publish a sync marker in the same script, and
 * resolve only once the marker came back on PUB/SUB: by then every
 * publication the read included that this node will ever receive was
 * delivered. That is what OwnedChannels.recover's merge relies on.
 *
 * After the PUB/SUB connection comes back, each subscribed channel's position
 * is compared with the last one seen here; a difference (publications made
 * during the outage, or Redis lost the stream) is reported with onLost.
 */
import { randomUUID } from 'node:crypto';
import type { ClientInfo } from '../../protocol/json';
import type { Logger } from '../../common/log';
import {
  UnrecoverablePositionError,
  type Broker,
  type BrokerEvents,
  type HistoryQuery,
  type HistoryResult,
  type Publication,
  type PublishOptions,
  type PublishResult,
  type StreamPosition,
} from '../broker';
import { newEpoch } from '../memory';
import { decodeMessage, decodePublication, encodeJoinLeave, encodePlainMessage, encodePublication, encodeSync } from '../message-codec';
import { readLua, RedisKeys, shardIndex, whenReady, type RedisPartition } from './partitions';
import { SubscriptionSet } from './subscriptions';

/** How long after a sharded PUB/SUB node went the gap check runs (ioredis has resubscribed by then), ms. */
const SHARD_MOVE_SETTLE_MS = 2_000;

/** Scripts, loaded once per process thread. */
const PUBLISH_LUA = readLua('publish.lua');
const HISTORY_LUA = readLua('history.lua');

type StreamEntry = [id: string, fields: string[]];

interface Waiting {
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/** Settings of a RedisBroker. */
export interface RedisBrokerOptions {
  readonly prefix: string;
  /** How long a sync marker may take to come back, ms (engine.redis.io_timeout). */
  readonly ioTimeout: number;
  /** How long start() waits for the first connection, ms (engine.redis.connect_timeout). */
  readonly connectTimeout: number;
  /** Replicas a publish with history must reach before it resolves (engine.redis.wait_replicas); 0 does not wait. */
  readonly waitReplicas?: number;
  readonly log: Logger;
}

/** Broker over Redis shards. */
export class RedisBroker implements Broker {
  private events: BrokerEvents | null = null;
  private readonly keys: RedisKeys;
  private readonly subscriptions: SubscriptionSet[];
  /** Last position seen per subscribed channel (from publications and history reads). */
  private readonly positions = new Map<string, StreamPosition>();
  /** Sync markers in flight, by token. */
  private readonly waiting = new Map<string, Waiting>();
  private readonly id = randomUUID();
  private nextToken = 1;

  constructor(
    private readonly shards: readonly RedisPartition[],
    private readonly options: RedisBrokerOptions,
  ) {
    this.keys = new RedisKeys(options.prefix, shards.some((s) => s.shardedSubscriber));
    this.subscriptions = shards.map(
      (shard) =>
        new SubscriptionSet(shard.shardedSubscriber ?? shard.subscriber, this.keys.anchor, {
          onRestored: () => this.checkAfterRestore(shard.index),
          sharded: Boolean(shard.shardedSubscriber),
          waitMs: options.ioTimeout,
          onRefused: (pubsub, reason) => this.onRefused(pubsub, reason),
        }),
    );
    for (const shard of shards) {
      shard.command.defineCommand('sy_publish', { numberOfKeys: 3, lua: PUBLISH_LUA });
      shard.command.defineCommand('sy_history', { numberOfKeys: 2, lua: HISTORY_LUA });
      if (!shard.shardedSubscriber) {
        shard.subscriber.on('message', (pubsub: string, message: string) => this.onMessage(pubsub, message));
        continue;
      }
      shard.shardedSubscriber.on('smessage', (pubsub: string, message: string) => this.onMessage(pubsub, message));
      // ioredis moves a node's shard subscriptions by itself when the node goes (failover); what was
      // published meanwhile is found by the same gap check as after an outage, once it settled.
      shard.shardedSubscriber.on('-node', () => setTimeout(() => this.events && this.checkAfterRestore(shard.index), SHARD_MOVE_SETTLE_MS).unref());
    }
  }

  /** Starts delivering; waits (at most connect_timeout) for the connections, never rejects. */
  async start(events: BrokerEvents): Promise<void> {
    this.events = events;
    await Promise.all(this.shards.flatMap((s) => [whenReady(s.command, this.options.connectTimeout), whenReady(s.subscriber, this.options.connectTimeout)]));
  }

  private shardOf(channel: string): RedisPartition {
    return this.shards[shardIndex(channel, this.shards.length)]!;
  }

  async publish(channel: string, pub: Omit<Publication, 'offset'>, opts: PublishOptions): Promise<PublishResult> {
    const shard = this.shardOf(channel);
    const payload = encodePublication(pub);
    const history = opts.history && opts.history.size > 0 && opts.history.ttl > 0 ? opts.history : undefined;
    if (!history && !opts.idempotencyKey) {
      await this.send(shard, channel, encodePlainMessage(payload));
      return { position: { offset: 0, epoch: '' }, duplicate: false };
    }
    const reply = (await this.runPublish(shard, [
      this.keys.stream(channel, shard.cluster),
      this.keys.meta(channel, shard.cluster),
      opts.idempotencyKey ? this.keys.result(channel, opts.idempotencyKey, shard.cluster) : this.keys.meta(channel, shard.cluster),
      payload,
      history?.size ?? 0,
      history?.ttl ?? 0,
      history?.metaTtl ?? 0,
      newEpoch(),
      this.keys.pubsub(channel),
      opts.idempotentResultTtl ?? 300_000,
      opts.delta ? '1' : '0',
      opts.idempotencyKey ? '1' : '0',
      shard.shardedSubscriber ? '1' : '0',
      String(opts.version ?? 0),
      opts.versionEpoch ?? '',
    ])) as [string, number];
    const [offset, epoch] = reply[0].split(':') as [string, string];
    return { position: { offset: Number(offset), epoch }, duplicate: reply[1] === 1 };
  }

  /** Runs publish.lua; with waitReplicas, pipelined with WAIT on the same node, failing when too few replicas have it. */
  private async runPublish(shard: RedisPartition, args: (string | number)[]): Promise<unknown> {
    const replicas = this.options.waitReplicas ?? 0;
    if (replicas === 0) return (shard.command as unknown as ScriptCommands).sy_publish(...args);
    const pipeline = shard.command.pipeline() as unknown as ScriptCommands & { call(...a: (string | number)[]): unknown; exec(): Promise<[Error | null, unknown][] | null> };
    pipeline.sy_publish(...args);
    pipeline.call('WAIT', replicas, Math.max(1, Math.floor(this.options.ioTimeout / 2)));
    let results: [Error | null, unknown][] | null;
    try {
      results = await pipeline.exec();
    } catch (err) {
      this.afterClusterError(shard, err);
      throw err;
    }
    if (!results) throw new Error('redis publish pipeline was discarded');
    const [[publishError, reply], [waitError, reached]] = results as [[Error | null, unknown], [Error | null, unknown]];
    if (publishError) {
      this.afterClusterError(shard, publishError);
      throw publishError;
    }
    if (waitError) throw waitError;
    if ((reached as number) < replicas) throw new Error(`publication reached ${String(reached)} of ${replicas} Redis replicas in time`);
    return reply;
  }

  /**
   * A pipeline (publish + WAIT) is not redirected by ioredis when a slot moved
   * (failover), so the slot map is refreshed here and the next publish goes to
   * the new master; this one fails with 100.
   */
  private afterClusterError(shard: RedisPartition, err: unknown): void {
    if (!shard.cluster || !/^(MOVED|ASK|CLUSTERDOWN|TRYAGAIN)|Connection is closed/.test((err as Error).message ?? '')) return;
    (shard.command as unknown as { refreshSlotsCache(cb?: () => void): void }).refreshSlotsCache(() => undefined);
  }

  /** Publishes a message on the channel's PUB/SUB channel (sharded or classic). */
  private async send(shard: RedisPartition, channel: string, message: string): Promise<void> {
    const pubsub = this.keys.pubsub(channel);
    await (shard.shardedSubscriber ? shard.command.spublish(pubsub, message) : shard.command.publish(pubsub, message));
  }

  /** Publishes a join event to every node subscribed to the channel. */
  async publishJoin(channel: string, info: ClientInfo): Promise<void> {
    await this.send(this.shardOf(channel), channel, encodeJoinLeave('join', info));
  }

  /** Publishes a leave event to every node subscribed to the channel. */
  async publishLeave(channel: string, info: ClientInfo): Promise<void> {
    await this.send(this.shardOf(channel), channel, encodeJoinLeave('leave', info));
  }

  async subscribe(channel: string): Promise<void> {
    await this.subscriptions[this.shardOf(channel).index]!.subscribe(this.keys.pubsub(channel));
  }

  async unsubscribe(channel: string): Promise<void> {
    this.positions.delete(channel);
    await this.subscriptions[this.shardOf(channel).index]!.unsubscribe(this.keys.pubsub(channel));
  }

  history(channel: string, query: HistoryQuery): Promise<HistoryResult> {
    return this.read(channel, query, true);
  }

  /** Reads history; `note` records the position as this node's baseline for the channel. */
  private async read(channel: string, query: HistoryQuery, note: boolean): Promise<HistoryResult> {
    const shard = this.shardOf(channel);
    const subs = this.subscriptions[shard.index]!;
    const sync = subs.has(this.keys.pubsub(channel)) && subs.live;
    const token = sync ? `${this.id}.${this.nextToken++}` : '';
    const reverse = Boolean(query.reverse);
    const since = query.since?.offset;
    const from = reverse ? (since !== undefined ? `${since - 1}-0` : '+') : since !== undefined ? `${since + 1}-0` : '-';
    const to = reverse ? '-' : '+';
    // The marker's deadline starts now, so the whole read takes at most io_timeout.
    const arrived = sync ? this.expectMarker(token) : null;
    // Its timer may fire while the script is still in flight: keep that from being an unhandled rejection.
    arrived?.catch(() => undefined);
    let reply: [number, string, StreamEntry[]];
    try {
      reply = (await (shard.command as unknown as ScriptCommands).sy_history(
        this.keys.stream(channel, shard.cluster),
        this.keys.meta(channel, shard.cluster),
        newEpoch(),
        query.metaTtl,
        query.limit === 0 ? '0' : '1',
        from,
        to,
        Math.max(query.limit, 0),
        reverse ? '1' : '0',
        sync ? this.keys.pubsub(channel) : '',
        sync ? encodeSync(token) : '',
        shard.shardedSubscriber ? '1' : '0',
      )) as [number, string, StreamEntry[]];
    } catch (err) {
      if (arrived) this.cancelMarker(token);
      throw err;
    }
    if (arrived) await arrived;
    const position = { offset: Number(reply[0]), epoch: reply[1] };
    if (sync && note) this.notePosition(channel, position);
    if (query.since && query.since.epoch !== '' && query.since.epoch !== position.epoch) throw new UnrecoverablePositionError();
    const publications = reply[2].map(([id, fields]) => decodePublication(fields[1]!, Number(id.split('-')[0])));
    return { publications, position };
  }

  async removeHistory(channel: string): Promise<void> {
    const shard = this.shardOf(channel);
    await shard.command.del(this.keys.stream(channel, shard.cluster));
  }

  async close(): Promise<void> {
    this.events = null;
    for (const w of this.waiting.values()) {
      clearTimeout(w.timer);
      w.reject(new Error('broker closed'));
    }
    this.waiting.clear();
    for (const shard of this.shards) {
      shard.command.disconnect();
      shard.subscriber.disconnect();
      shard.shardedSubscriber?.disconnect();
    }
  }

  private onMessage(pubsub: string, text: string): void {
    const channel = this.keys.channelOf(pubsub);
    if (channel === null) return;
    let message;
    try {
      message = decodeMessage(text);
    } catch (err) {
      this.options.log.warn('undecodable redis message ignored', { channel, error: (err as Error).message });
      return;
    }
    if (!message) return;
    switch (message.kind) {
      case 'pub':
        if (message.position.offset > 0) this.notePosition(channel, message.position);
        this.events?.onPublication(channel, message.pub, message.position, message.prev);
        return;
      case 'join':
        this.events?.onJoin?.(channel, message.info);
        return;
      case 'leave':
        this.events?.onLeave?.(channel, message.info);
        return;
      case 'sync': {
        const w = this.waiting.get(message.token);
        if (!w) return;
        this.waiting.delete(message.token);
        clearTimeout(w.timer);
        w.resolve();
        return;
      }
      default: {
        const never: never = message;
        this.options.log.warn('unknown redis message', { message: never });
      }
    }
  }

  private notePosition(channel: string, position: StreamPosition): void {
    const seen = this.positions.get(channel);
    if (!seen || seen.epoch !== position.epoch || seen.offset < position.offset) this.positions.set(channel, position);
  }

  private expectMarker(token: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(token);
        reject(new Error('redis sync marker did not arrive in time'));
      }, this.options.ioTimeout);
      this.waiting.set(token, { resolve, reject, timer });
    });
  }

  private cancelMarker(token: string): void {
    const w = this.waiting.get(token);
    if (!w) return;
    clearTimeout(w.timer);
    this.waiting.delete(token);
    w.resolve();
  }

  /**
   * Redis refused to subscribe a channel again after a reconnect (its ACL
   * changed meanwhile): nothing reaches its subscribers any more, so they are
   * told as for a channel whose publications were lost for good.
   */
  private onRefused(pubsub: string, reason: string): void {
    const channel = this.keys.channelOf(pubsub);
    if (channel === null) {
      this.options.log.error('redis refused to subscribe the anchor channel again after a reconnect', { pubsub, reason });
      return;
    }
    this.options.log.error('redis refused to subscribe a channel again after a reconnect; its subscribers are told', { channel, reason });
    this.positions.delete(channel);
    this.events?.onLost?.(channel, true);
  }

  /** The PUB/SUB connection of shard `index` is back: find channels whose stream moved meanwhile. */
  private checkAfterRestore(index: number): void {
    const channels = [...this.positions.keys()].filter((ch) => this.shardOf(ch).index === index);
    this.options.log.info('redis subscriptions restored', { shard: index, positioned_channels: channels.length });
    // The command connection may come back a moment after the PUB/SUB one.
    void whenReady(this.shards[index]!.command, this.options.ioTimeout).then(() => {
      for (const channel of channels) this.checkChannel(channel);
    });
  }

  /** Reports onLost when the channel's stream is not where this node last saw it. */
  private checkChannel(channel: string): void {
    this.read(channel, { limit: 0, metaTtl: 0 }, false).then(
      (now) => {
        // Publications delivered since the restore moved `seen` on; the shards check those for gaps.
        const seen = this.positions.get(channel);
        if (!seen || (seen.epoch === now.position.epoch && seen.offset === now.position.offset)) return;
        this.positions.set(channel, now.position);
        this.events?.onLost?.(channel);
      },
      () => this.events?.onLost?.(channel),
    );
  }
}

/** The Lua commands defined on each command connection. */
interface ScriptCommands {
  sy_publish(...args: (string | number)[]): Promise<unknown>;
  sy_history(...args: (string | number)[]): Promise<unknown>;
}
