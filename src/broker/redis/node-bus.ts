/**
 * The node control bus over Redis PUB/SUB: `<prefix>.control` reaches every
 * node, `<prefix>.node.<uid>` one node. It always uses the first Redis shard,
 * so every node meets every other there whatever the channel sharding.
 */
import type { Logger } from '../../common/log';
import type { NodeBus } from '../node-bus';
import { RedisKeys, type RedisPartition } from './partitions';
import { SubscriptionSet } from './subscriptions';

/** NodeBus over the first Redis shard. */
export class RedisNodeBus implements NodeBus {
  private readonly keys: RedisKeys;
  private subscriptions: SubscriptionSet | null = null;

  constructor(
    private readonly shard: RedisPartition,
    prefix: string,
    private readonly uid: string,
    private readonly log: Logger,
  ) {
    this.keys = new RedisKeys(prefix);
  }

  async publish(to: string | null, message: string): Promise<void> {
    await this.shard.command.publish(to === null ? this.keys.control : this.keys.node(to), message);
  }

  async listen(onMessage: (message: string) => void): Promise<void> {
    const control = this.keys.control;
    const mine = this.keys.node(this.uid);
    if (!this.subscriptions) {
      // The set resubscribes both channels after a reconnect.
      this.subscriptions = new SubscriptionSet(this.shard.subscriber, this.keys.anchor, {
        onRefused: (channel, reason) =>
          this.log.error('redis refused to subscribe a node bus channel again after a reconnect; other nodes cannot reach this one through it', { channel, reason }),
      });
      this.shard.subscriber.on('message', (channel: string, message: string) => {
        if (channel === control || channel === mine) onMessage(message);
      });
    }
    await Promise.all([this.subscriptions.subscribe(control), this.subscriptions.subscribe(mine)]);
  }
}
