/**
 * The owner side of channels: for each channel this shard owns (ownerOf), the
 * set of shards that have local subscribers, and the broker subscription. A
 * publication is encoded here once and its bytes go to each subscribed shard.
 *
 * Ordering: a shard is added to a channel's set in the same step that sends it
 * SUBSCRIBE_SHARD_OK, on the same FIFO mailbox that carries publications, so the
 * shard receives exactly the publications fanned out after its OK.
 */
import type { Broker, Publication, PublishOptions, StreamPosition } from '../broker/broker';
import { encodePublication, encodePush } from '../protocol/json';
import { MessageType, publicationHeader } from './messages';
import type { Postman } from './postman';

interface OwnedChannel {
  readonly shards: Set<number>;
  /** Serializes subscribe/unsubscribe steps for this channel. */
  tail: Promise<void>;
}

/** Counters of the owner side. */
export interface OwnerStats {
  channels: number;
  publications: number;
  /** Fan-out messages a full mailbox refused (each followed by a DROPPED notice). */
  dropped: number;
}

/** Channels owned by this shard. */
export class OwnedChannels {
  private readonly channels = new Map<string, OwnedChannel>();
  readonly stats: OwnerStats = { channels: 0, publications: 0, dropped: 0 };

  constructor(
    private readonly broker: Broker,
    private readonly postman: Postman,
  ) {}

  /** A shard wants the channel's publications. */
  addShard(channel: string, shard: number): void {
    const owned = this.channel(channel);
    owned.tail = owned.tail
      .then(async () => {
        if (owned.shards.size === 0) await this.broker.subscribe(channel);
        owned.shards.add(shard);
        this.postman.send(shard, { t: MessageType.SUBSCRIBE_SHARD_OK, ch: channel });
      })
      .catch(() => {
        // The broker refused; the shard gets no OK and its subscribers time out with 100.
      });
  }

  /** A shard has no local subscribers of the channel any more. */
  removeShard(channel: string, shard: number): void {
    const owned = this.channels.get(channel);
    if (!owned) return;
    owned.tail = owned.tail
      .then(async () => {
        owned.shards.delete(shard);
        if (owned.shards.size === 0) {
          await this.broker.unsubscribe(channel);
          if (owned.shards.size === 0 && this.channels.get(channel) === owned) {
            this.channels.delete(channel);
            this.stats.channels = this.channels.size;
          }
        }
      })
      .catch(() => undefined);
  }

  /** Forgets a shard that was restarted (its subscribers are gone). */
  forgetShard(shard: number): void {
    for (const channel of [...this.channels.keys()]) {
      if (this.channels.get(channel)?.shards.has(shard)) this.removeShard(channel, shard);
    }
  }

  /** Publishes through the broker; the broker calls deliver() for subscribed channels. */
  publish(channel: string, pub: Omit<Publication, 'offset'>, opts: PublishOptions): Promise<StreamPosition> {
    return this.broker.publish(channel, pub, opts);
  }

  /** Fans a publication out to every subscribed shard (broker event). */
  deliver(channel: string, pub: Publication): void {
    const owned = this.channels.get(channel);
    if (!owned || owned.shards.size === 0) return;
    this.stats.publications++;
    const frame = Buffer.from(encodePush(channel, 'pub', encodePublication(pub)));
    const header = publicationHeader(channel);
    for (const shard of owned.shards) {
      if (!this.postman.sendPublication(shard, channel, header, frame)) this.stats.dropped++;
    }
  }

  /** Number of owned channels with at least one subscribed shard. */
  get size(): number {
    return this.channels.size;
  }

  private channel(name: string): OwnedChannel {
    let owned = this.channels.get(name);
    if (!owned) {
      owned = { shards: new Set(), tail: Promise.resolve() };
      this.channels.set(name, owned);
      this.stats.channels = this.channels.size;
    }
    return owned;
  }
}
