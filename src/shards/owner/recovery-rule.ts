/**
 * Centrifugo's recovery rule, as the owner applies it to a positioned
 * subscribe that asks to recover from a client position.
 */
import type { StreamPosition } from '../../broker/broker';
import type { RecoverMessage } from '../messaging/messages';
import type { Publication } from '../../broker/broker';

/**
 * Centrifugo's recovery rule, all or nothing: recovered when the client's
 * epoch is the stream's (or empty) and every publication after its offset is
 * still held and no more than the limit; otherwise nothing is returned.
 * Cache mode returns only the latest publication.
 */
export function recoveryOutcome(
  msg: Pick<RecoverMessage, 'since' | 'cache' | 'limit'>,
  pubs: readonly Publication[],
  top: StreamPosition,
): { recovered: boolean; pubs: Publication[] } {
  const since = msg.since!;
  if (since.epoch !== '' && since.epoch !== top.epoch) return { recovered: false, pubs: [] };
  if (msg.cache) {
    const latest = pubs[pubs.length - 1];
    return latest && latest.offset === top.offset ? { recovered: true, pubs: [latest] } : { recovered: false, pubs: [] };
  }
  const missed = top.offset - since.offset;
  if (missed === 0) return { recovered: true, pubs: [] };
  if (missed < 0 || (msg.limit > 0 && missed > msg.limit)) return { recovered: false, pubs: [] };
  const after = pubs.filter((p) => p.offset > since.offset);
  const complete = after.length === missed && after[0]?.offset === since.offset + 1;
  return complete ? { recovered: true, pubs: after } : { recovered: false, pubs: [] };
}

/**
 * What a RECOVER reads from the broker: the position alone for a positioned
 * subscribe that does not recover; the latest publication in cache mode;
 * otherwise only the publications after the client's offset (at most one
 * more than the recovery limit, enough to tell it was exceeded). Reading the
 * whole stream for each of them made a reconnect wave (thousands of
 * subscribers recovering after a shard restart) pull history_size
 * publications per subscriber out of Redis: gigabytes of replies.
 * The epoch is left out of `since`: recoveryOutcome compares it, and answers
 * recovered=false with the stream's position instead of an error.
 */
export function recoveryRead(msg: Pick<RecoverMessage, 'since' | 'cache' | 'limit'>): { limit: number; since?: StreamPosition; reverse?: boolean } {
  if (!msg.since) return { limit: 0 };
  if (msg.cache) return { limit: 1, reverse: true };
  return { limit: msg.limit > 0 ? msg.limit + 1 : -1, since: { offset: msg.since.offset, epoch: '' } };
}
