/**
 * Hands a channel's fan-out records (publications and join/leave pushes) to
 * this shard's subscribers of it, and ends the subscriptions a lost
 * publication breaks. A positioned subscriber must see every offset of its
 * stream in order: a gap or a new epoch ends its subscription (2500/3010),
 * and the SDK resubscribes and recovers.
 */
import { Disconnects } from '../../protocol/codes';
import { FanoutKind, keptFrame, type Fanout } from '../messaging/fanout';
import type { LocalChannel, LocalChannelsHost } from './local-channel';

/** Direct publications kept per channel while it waits for its owner's OK; later ones are dropped (counted unmatched). */
const EARLY_LIMIT = 1024;

/** Delivers fan-out records to local channels and counts them. */
export class ChannelDelivery {
  /** Publications handed to this shard's subscribers since start: each publication counts once per local subscriber of its channel. */
  delivered = 0;
  /** Fan-out records that found no active local channel (a bucket's false positive, or a subscriber just gone) (counter). */
  unmatched = 0;

  constructor(private readonly host: LocalChannelsHost) {}

  /** A fan-out record for `local`'s channel arrived (undefined: this shard has no such channel). */
  deliver(local: LocalChannel | undefined, f: Fanout): void {
    if (!local || !local.active) {
      if (local && f.offset === 0 && f.kind !== FanoutKind.JOIN_LEAVE && local.waiting !== null) this.holdEarly(local, f);
      else this.unmatched++;
      return;
    }
    if (f.binary && local.topics.hasJsonSubscribers()) this.closeJsonSubscribers(f.channel, local, f.kind === FanoutKind.JOIN_LEAVE);
    if (f.kind === FanoutKind.JOIN_LEAVE) {
      local.topics.deliverJoinLeave(f);
      return;
    }
    if (f.offset > 0) this.checkPosition(f.channel, local, f.offset, f.epoch);
    this.delivered += local.subscribers.size;
    local.topics.deliverPublication(f);
  }

  /**
   * Publications of the channel were lost on the way here (see
   * LocalChannels.onDropped): positioned subscriptions end and recover; the
   * others are disconnected with 3008 (3010 when `unrecoverable`) unless
   * `positionedOnly`.
   */
  dropped(channel: string, local: LocalChannel, positionedOnly: boolean, unrecoverable: boolean): void {
    local.position = null;
    // Lost for good (a broker without history): the client must learn of the gap; 3010 asks it to reconnect.
    const { code, reason } = unrecoverable ? Disconnects.insufficientState : Disconnects.slow;
    for (const conn of [...local.subscribers]) {
      if (local.positioned?.has(conn)) this.host.insufficientState(conn, channel);
      else if (!positionedOnly) this.host.disconnect(conn, code, reason);
    }
  }

  /** Keeps a copy of a direct publication that arrived before the owner's OK (the record's bytes are valid only during the call). */
  private holdEarly(local: LocalChannel, f: Fanout): void {
    const early = (local.early ??= []);
    if (early.length >= EARLY_LIMIT) {
      this.unmatched++;
      return;
    }
    const keep = (frame: Uint8Array | null): Uint8Array | null => (frame ? keptFrame(frame) : null);
    early.push({ ...f, full: keep(f.full), deltaFull: keep(f.deltaFull), delta: keep(f.delta), pbFull: keep(f.pbFull), pbDelta: keep(f.pbDelta) });
  }

  /**
   * A binary payload reached a channel with JSON subscribers (or, for a
   * join/leave, JSON join/leave receivers): they cannot receive it, 3506.
   */
  private closeJsonSubscribers(channel: string, local: LocalChannel, joinLeaveOnly: boolean): void {
    const { code, reason } = Disconnects.inappropriateProtocol;
    for (const conn of [...local.subscribers]) {
      if (conn.transport.protocol !== 'json') continue;
      if (joinLeaveOnly && !conn.modes.get(channel)?.joinLeave) continue;
      this.host.disconnect(conn, code, reason);
    }
  }

  /** Publications reach this shard in stream order; a gap or a new epoch ends positioned subscriptions. */
  private checkPosition(channel: string, local: LocalChannel, offset: number, epoch: string): void {
    const seen = local.position;
    local.position = { offset, epoch };
    if (!seen || (seen.epoch === epoch && offset === seen.offset + 1)) return;
    if (seen.epoch === epoch && offset <= seen.offset) {
      // Not newer than what was seen: cannot happen on a FIFO; keep the higher position.
      local.position = seen;
      return;
    }
    for (const conn of [...(local.positioned ?? [])]) this.host.insufficientState(conn, channel);
  }
}
