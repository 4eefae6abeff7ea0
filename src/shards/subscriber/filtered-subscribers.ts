/**
 * Subscribers of one channel on this shard that sent a tags filter (`tf`).
 * They cannot share the channel's uWS topic (its C++ publish writes to every
 * socket on it), so they are kept off it and each matching publication is
 * queued for them one by one through the Writer, in the order the owner
 * fanned the publications out. A channel without filtered subscribers never
 * creates this object: its publications go to the topic as before and pay
 * one null check.
 *
 * The tags of a publication are read from the fan-out frame that is there
 * (the JSON frame, or else the Protobuf one), once per publication, only for
 * channels that have filtered subscribers on this shard.
 */
import { keptFrame, type Fanout } from '../messaging/fanout';
import type { Connection } from '../session/connection';
import type { Writer } from '../session/writer';
import { matchTags, type Tags, type TagsFilter } from '../../protocol/tags-filter';
import { publicationTagsOfReply } from '../../protocol/protobuf/codec';

const textDecoder = new TextDecoder();

/** The tags of the publication a fan-out carries; undefined when it has none. */
export function fanoutTags(f: Fanout): Tags | undefined {
  if (f.full) {
    const text = textDecoder.decode(f.full);
    // Most publications carry no tags: skip the parse when the key cannot be there.
    if (!text.includes('"tags"')) return undefined;
    const reply = JSON.parse(text) as { push?: { pub?: { tags?: Tags } } };
    return reply.push?.pub?.tags;
  }
  if (f.pbFull) return publicationTagsOfReply(f.pbFull);
  return undefined;
}

/** The filtered subscribers of one channel, with their filters. */
export class FilteredSubscribers {
  private readonly members = new Map<Connection, TagsFilter>();

  constructor(private readonly writer: Writer) {}

  /** Number of filtered subscribers. */
  get size(): number {
    return this.members.size;
  }

  add(conn: Connection, filter: TagsFilter): void {
    this.members.set(conn, filter);
  }

  /** Removes a subscriber; false when it was not a filtered one. */
  delete(conn: Connection): boolean {
    return this.members.delete(conn);
  }

  /** Queues a publication for each subscriber whose filter its tags pass, in that subscriber's protocol. */
  deliver(f: Fanout): void {
    const tags = fanoutTags(f);
    for (const [conn, filter] of this.members) {
      if (!matchTags(filter, tags)) continue;
      // Frames are views into the mailbox: the Writer keeps copies.
      const frame = conn.transport.protocol === 'protobuf' ? f.pbFull : f.full;
      if (frame) this.writer.send(conn, keptFrame(frame));
    }
  }
}
