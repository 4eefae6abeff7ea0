/**
 * The direct publish path: a publication of a channel that needs nothing
 * from its owner is published by the shard that received it, with no owner
 * round trip. How depends on the broker:
 *
 * - Memory broker: it is encoded once here, stamped, and its bytes are
 *   posted straight to every shard the subscriber table names for the
 *   channel's bucket (and handed to this shard's own subscribers through its
 *   arrival order); the publish is answered at once.
 * - Redis broker: this shard PUBLISHes it on its own Redis command
 *   connection (broker.publish without history: one PUBLISH, no Lua) and
 *   answers when Redis has taken it. It comes back on the PUB/SUB
 *   subscription of the channel's owner, which fans it out as any other
 *   publication (owned-channels.ts deliver), so every publication of a
 *   channel still reaches the subscribing shards from one place, in the
 *   order Redis ran the PUBLISHes (docs/architecture.md, Publish).
 *
 * A channel needs nothing from its owner when the broker is memory or Redis
 * (NATS publishes through the owner) and its namespace keeps no history (so
 * no offsets, recovery or positioning), has no deltas, no presence and no
 * join/leave; and the publish asks for no idempotency key, version or delta.
 * Everything else takes the owner path (owned-channels.ts). With the memory
 * broker both paths stamp their records, so the receiving shards keep the
 * order of publishes a client made one after the other, whichever path each
 * took (messaging/arrival-order.ts).
 */
import type { Broker, Publication, StreamPosition } from '../../broker/broker';
import type { Config } from '../../config/types';
import { bump, type ShardMetrics } from '../../metrics/shard-metrics';
import { SubscriberTable } from '../../common/subscriber-table';
import type { ChannelRules, ResolvedChannel } from '../access/channel-rules';
import type { PublishParams } from '../context';
import { channelHash } from '../messaging/owner-of';
import { FanoutKind, fanoutParts, type Fanout } from '../messaging/fanout';
import type { Postman } from '../messaging/postman';
import { isBinaryPublication, jsonPublicationFrame, protobufPublicationFrame } from './publication-frames';
import { publishToBroker } from './direct-broker';

/** What the direct path reads from the config in force (it changes on reload; read it at each use). */
export interface DirectSettings {
  readonly config: Config;
  readonly rules: ChannelRules;
  readonly metrics: ShardMetrics;
}

/** Counters of the direct path. */
export interface DirectStats {
  /** Publications fanned out here without their owner. */
  publications: number;
  /** Records posted to other shards for them. */
  records: number;
  /** Records a full mailbox refused (each followed by a DROPPED notice, as on the owner path). */
  dropped: number;
  /** Publications this shard published to the Redis broker itself, without their owner. */
  brokerPublications: number;
}

/** The position of every publication without history. */
const NO_POSITION: StreamPosition = Object.freeze({ offset: 0, epoch: '' });
const NO_POSITION_NOW: Promise<StreamPosition> = Promise.resolve(NO_POSITION);
/** How often an answer waiting for the overflow queues to empty looks again, ms. */
const WRITTEN_POLL_MS = 1;

/** How a publication that needs nothing from its owner is published (see the file comment). */
export const enum DirectRoute {
  /** Through its owner. */
  OWNER = 0,
  /** Fanned out by this shard (memory broker). */
  FANOUT = 1,
  /** Published to the broker by this shard (Redis broker). */
  BROKER = 2,
}

/** The broker type the publishes of this config go through. */
function brokerType(config: Config): string {
  return config.broker.enabled ? config.broker.type : config.engine.type;
}

/** Whether a channel, published with `params`, needs nothing from its owner, whatever the broker (see the file comment). */
function channelNeedsNoOwner(rules: ChannelRules, resolved: ResolvedChannel, params: PublishParams): boolean {
  const o = resolved.options;
  return (
    rules.history(resolved) === undefined &&
    !o.force_recovery &&
    !o.force_positioning &&
    o.allowed_delta_types.length === 0 &&
    !o.delta_publish &&
    !o.presence &&
    !o.join_leave &&
    params.idempotencyKey === undefined &&
    !params.version &&
    !params.delta
  );
}

/** Publish parameters that ask nothing of the owner: what a channel needs regardless of how it is published. */
const PLAIN_PUBLISH: PublishParams = Object.freeze({});

/**
 * Whether each shard with subscribers of the channel holds the channel's
 * broker subscription itself instead of registering with the channel's owner:
 * with the Redis broker, for a channel whose namespace needs nothing from its
 * owner (the direct path's channel test, whatever the publish asks). Redis
 * then delivers each publication to every subscribing shard's own PUB/SUB
 * connection, so it crosses no mailbox. Decided when a shard's first
 * subscriber of the channel arrives, under the config in force then.
 */
export function subscribesItself(config: Config, rules: ChannelRules, resolved: ResolvedChannel): boolean {
  return brokerType(config) === 'redis' && channelNeedsNoOwner(rules, resolved, PLAIN_PUBLISH);
}

/** Which way a channel, published with `params` under `config`, is published. */
export function directRouteOf(config: Config, rules: ChannelRules, resolved: ResolvedChannel, params: PublishParams): DirectRoute {
  const broker = brokerType(config);
  if (broker !== 'memory' && broker !== 'redis') return DirectRoute.OWNER;
  if (!channelNeedsNoOwner(rules, resolved, params)) return DirectRoute.OWNER;
  return broker === 'memory' ? DirectRoute.FANOUT : DirectRoute.BROKER;
}

/** Publishes channels that need no owner, from the shard that received them. */
export class DirectFanout {
  readonly stats: DirectStats = { publications: 0, records: 0, dropped: 0, brokerPublications: 0 };

  constructor(
    private readonly self: number,
    private readonly table: SubscriberTable,
    private readonly postman: Postman,
    private readonly settings: DirectSettings,
    /** This shard's broker instance (its own Redis connections). */
    private readonly broker: Broker,
  ) {}

  /**
   * Publishes `data` into `channel` directly, or returns null when the
   * channel needs its owner. Throws what resolving the channel throws.
   */
  publish(channel: string, data: string, params: PublishParams): Promise<StreamPosition> | null {
    const { config, rules, metrics } = this.settings;
    const route = directRouteOf(config, rules, rules.resolve(channel), params);
    if (route === DirectRoute.OWNER) return null;
    bump(metrics.nodeSent, 'publication');
    if (route === DirectRoute.BROKER) {
      this.stats.brokerPublications++;
      return publishToBroker(this.broker, channel, data, params);
    }
    bump(metrics.nodeReceived, 'publication');
    const bucket = SubscriberTable.bucketOf(channelHash(channel));
    const json = this.table.shards(bucket, 0);
    const protobuf = this.table.shards(bucket, 1);
    const targets = json | protobuf;
    if (targets === 0) return NO_POSITION_NOW;
    this.stats.publications++;
    const pub: Publication = params.info || params.tags ? { data, offset: 0, info: params.info, tags: params.tags } : { data, offset: 0 };
    const binary = isBinaryPublication(pub);
    const f: Fanout = {
      kind: FanoutKind.PUBLICATION,
      stamp: this.table.stamp(),
      channel,
      offset: 0,
      at: performance.timeOrigin + performance.now(),
      epoch: '',
      binary,
      full: json !== 0 && !binary ? jsonPublicationFrame(channel, pub) : null,
      deltaFull: null,
      delta: null,
      pbFull: protobuf !== 0 ? protobufPublicationFrame(channel, pub) : null,
      pbDelta: null,
    };
    let parts: Uint8Array[] | null = null;
    for (let shard = 0, rest = targets; rest !== 0; shard++, rest >>>= 1) {
      if ((rest & 1) === 0) continue;
      if (shard === this.self) {
        this.postman.sendFanoutToSelf(f);
        continue;
      }
      parts ??= fanoutParts(f);
      this.stats.records++;
      if (!this.postman.sendFanout(shard, channel, parts)) this.stats.dropped++;
    }
    return this.postman.allWritten() ? NO_POSITION_NOW : whenWritten(this.postman);
  }
}

/** Resolves once every accepted record is in a ring: a publish is answered only when its records can be seen. */
export function whenWritten<T>(postman: Postman, value: T = NO_POSITION as T): Promise<T> {
  return new Promise((resolve) => {
    const look = (): void => {
      if (postman.allWritten()) resolve(value);
      else setTimeout(look, WRITTEN_POLL_MS);
    };
    look();
  });
}
