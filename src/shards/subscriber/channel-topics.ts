/**
 * One local channel's uWS topics, per protocol: which sockets are on the
 * plain, delta and join/leave topics, and the delivery of the owner's
 * fan-out frames to them. JSON topics get the JSON frames, Protobuf topics
 * (`channel\0p`, `\0pd`, `\0pj`) the Protobuf ones; a delta subscriber gets
 * its first publication full, then joins its protocol's delta topic. A
 * socket with a tags filter stays off the plain topic: it gets matching
 * publications one by one (filtered-subscribers.ts).
 */
import type { Connection, SubscriptionMode } from '../session/connection';
import { deltaTopic, joinLeaveTopic, keptFrame, plainTopic, protocolBit, type Fanout } from '../messaging/fanout';
import { SmallSet } from '../../common/small-collections';
import type { Writer } from '../session/writer';
import type { TagsFilter } from '../../protocol/tags-filter';
import { FilteredSubscribers } from './filtered-subscribers';

const textDecoder = new TextDecoder();

/** Topic membership and delivery of one channel on this shard. */
export class ChannelTopics {
  /**
   * Delta subscribers that have not had their first (full) publication yet;
   * null when none (most channels never have one, and an empty set costs 32
   * bytes per channel).
   */
  private deltaFresh: SmallSet<Connection> | null = null;
  // Counters per protocol as plain fields, not [json, protobuf] arrays: an array and its backing store cost 64 bytes per channel each.
  /** Delta subscribers on the JSON delta topic. */
  private deltaJson = 0;
  /** Delta subscribers on the Protobuf delta topic. */
  private deltaProtobuf = 0;
  /** Plain subscribers on the JSON plain topic. */
  private plainJson = 0;
  /** Plain subscribers on the Protobuf plain topic. */
  private plainProtobuf = 0;
  /** JSON subscribers on the channel. */
  private attachedJson = 0;
  /** Protobuf subscribers on the channel. */
  private attachedProtobuf = 0;
  /** Subscribers with a tags filter; null until the channel has one on this shard. */
  private filtered: FilteredSubscribers | null = null;

  constructor(
    private readonly channel: string,
    private readonly writer: Writer,
  ) {}

  /** Puts a socket on the topics its mode asks for; with a tags filter, on the filtered list instead of the plain topic. */
  add(conn: Connection, mode: SubscriptionMode, filter?: TagsFilter): void {
    const protocol = conn.transport.protocol;
    const json = protocol !== 'protobuf';
    if (json) this.attachedJson++;
    else this.attachedProtobuf++;
    if (filter) {
      this.filtered ??= new FilteredSubscribers(this.writer);
      this.filtered.add(conn, filter);
    } else if (mode.delta) {
      (this.deltaFresh ??= new SmallSet()).add(conn);
    } else {
      // Publications queued before this point belong to earlier subscribers only.
      this.writer.flushChannel(plainTopic(this.channel, protocol));
      this.writer.subscribe(conn, plainTopic(this.channel, protocol));
      if (json) this.plainJson++;
      else this.plainProtobuf++;
    }
    if (mode.joinLeave) {
      this.writer.flushChannel(joinLeaveTopic(this.channel, protocol));
      this.writer.subscribe(conn, joinLeaveTopic(this.channel, protocol));
    }
  }

  /** Takes a socket off its topics; `open` when the socket still exists. */
  remove(conn: Connection, mode: SubscriptionMode, open: boolean): void {
    const protocol = conn.transport.protocol;
    const json = protocol !== 'protobuf';
    if (json) this.attachedJson--;
    else this.attachedProtobuf--;
    if (this.filtered?.delete(conn)) {
      if (this.filtered.size === 0) this.filtered = null;
    } else if (mode.delta) {
      if (this.deltaFresh?.delete(conn)) {
        if (this.deltaFresh.size === 0) this.deltaFresh = null;
      } else {
        if (json) this.deltaJson--;
        else this.deltaProtobuf--;
        this.writer.unsubscribe(conn, deltaTopic(this.channel, protocol), open);
      }
    } else {
      if (json) this.plainJson--;
      else this.plainProtobuf--;
      this.writer.unsubscribe(conn, plainTopic(this.channel, protocol), open);
    }
    if (mode.joinLeave) this.writer.unsubscribe(conn, joinLeaveTopic(this.channel, protocol), open);
  }

  /** Protocol bits of the sockets on the channel. */
  protocolsInUse(): number {
    return (this.attachedJson > 0 ? protocolBit('json') : 0) | (this.attachedProtobuf > 0 ? protocolBit('protobuf') : 0);
  }

  /** Whether a JSON socket is on the channel. */
  hasJsonSubscribers(): boolean {
    return this.attachedJson > 0;
  }

  /** Queues a join/leave push for the join/leave topics. Frames are views into the mailbox: the writer keeps copies. */
  deliverJoinLeave(f: Fanout): void {
    if (f.full) this.writer.publish(joinLeaveTopic(this.channel), keptFrame(f.full));
    if (f.pbFull) this.writer.publish(joinLeaveTopic(this.channel, 'protobuf'), keptFrame(f.pbFull), 'protobuf');
  }

  /** Queues a publication for the plain and delta topics of each protocol. */
  deliverPublication(f: Fanout): void {
    const { plainJson, plainProtobuf, deltaJson, deltaProtobuf } = this;
    if (f.full && plainJson > 0) this.writer.publish(plainTopic(this.channel), keptFrame(f.full));
    const forDelta = f.delta ?? f.deltaFull;
    if (forDelta && deltaJson > 0) this.writer.publish(deltaTopic(this.channel), keptFrame(forDelta));
    if (f.pbFull && plainProtobuf > 0) this.writer.publish(plainTopic(this.channel, 'protobuf'), keptFrame(f.pbFull), 'protobuf');
    const forDeltaProtobuf = f.pbDelta ?? f.pbFull;
    if (forDeltaProtobuf && deltaProtobuf > 0) this.writer.publish(deltaTopic(this.channel, 'protobuf'), keptFrame(forDeltaProtobuf), 'protobuf');
    if (this.deltaFresh !== null) this.startDeltas(f);
    if (this.filtered !== null) this.filtered.deliver(f);
  }

  /** Delta subscribers get their first publication full; afterwards they are on the delta topic like the rest. */
  private startDeltas(f: Fanout): void {
    const fresh = this.deltaFresh!;
    for (const conn of fresh) {
      const protocol = conn.transport.protocol;
      const full = protocol === 'protobuf' ? f.pbFull : f.deltaFull;
      if (!full) continue;
      const topic = deltaTopic(this.channel, protocol);
      // Frames queued for the topic before this point are older than the full publication sent here.
      this.writer.flushChannel(topic);
      this.writer.send(conn, protocol === 'protobuf' ? keptFrame(full) : textDecoder.decode(full));
      this.writer.subscribe(conn, topic);
      if (protocol === 'protobuf') this.deltaProtobuf++;
      else this.deltaJson++;
      fresh.delete(conn);
    }
    // A socket leaving during a send may have dropped the set already (and a new one may have started).
    if (this.deltaFresh === fresh && fresh.size === 0) this.deltaFresh = null;
  }
}
