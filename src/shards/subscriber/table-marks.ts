/**
 * This shard's marks in the process's subscriber table
 * (common/subscriber-table.ts): for each channel-hash bucket and protocol,
 * whether this shard has a local channel of that bucket with subscribers of
 * that protocol, so that a shard taking a direct publication knows where to
 * post it. A channel counts for a protocol in its bucket from before its
 * first joiner of that protocol can be answered until it is forgotten or its
 * last socket of that protocol leaves (LocalChannel.tableBits).
 */
import { SubscriberTable } from '../../common/subscriber-table';
import { ProtocolBit } from '../messaging/fanout';
import { channelHash } from '../messaging/owner-of';
import type { LocalChannel } from './local-channel';

/** Marks and unmarks this shard's channels in the subscriber table; does nothing without a table. */
export class TableMarks {
  constructor(
    private readonly shardId: number,
    /** The process's subscriber table; null: no direct path (then nothing is marked). */
    private table: SubscriberTable | null,
  ) {}

  /** Stops writing to the table (the shard stops; the acceptor clears its bits). */
  leave(): void {
    this.table = null;
  }

  /** The channel's bucket in the table (0 without a table). */
  bucketOf(channel: string): number {
    return this.table ? SubscriberTable.bucketOf(channelHash(channel)) : 0;
  }

  /** Counts the channel in its bucket for the protocols of `bits` it does not count for yet. */
  mark(local: LocalChannel, bits: number): void {
    const table = this.table;
    if (!table) return;
    const add = bits & ~local.tableBits;
    if (add & ProtocolBit.JSON) table.add(local.bucket, 0, this.shardId);
    if (add & ProtocolBit.PROTOBUF) table.add(local.bucket, 1, this.shardId);
    local.tableBits |= add;
  }

  /** Stops counting the channel in its bucket for the protocols of `bits`. */
  unmark(local: LocalChannel, bits: number): void {
    const table = this.table;
    if (!table) return;
    const remove = bits & local.tableBits;
    if (remove & ProtocolBit.JSON) table.remove(local.bucket, 0, this.shardId);
    if (remove & ProtocolBit.PROTOBUF) table.remove(local.bucket, 1, this.shardId);
    local.tableBits &= ~remove;
  }
}
