/**
 * What this shard's subscriber side sends a channel's owner about single
 * sockets: the asks a join waits on, and the presence notices of announced
 * subscribers.
 *
 * An ask carries a request id, and the socket waits in LocalChannel.asking
 * under that id until the owner answers on the FIFO that carries the
 * channel's publications:
 *   - a positioned join sends RECOVER (with the client's ClientInfo as `join`
 *     on a presence channel), answered by RECOVER_RESULT;
 *   - any other join on a presence channel sends PRESENCE_JOIN with the id,
 *     answered by PRESENCE_JOINED once the owner holds the entry.
 * A socket that stops waiting for an ask that carried a presence join sends
 * PRESENCE_LEAVE on the same FIFO, so the owner removes the entry once it has
 * added it (owner/owner-presence.ts keeps a client's joins and leaves of a
 * channel in order).
 */
import type { Connection } from '../session/connection';
import { clientInfoOf } from '../session/connection';
import { MessageType, type ShardMessage } from '../messaging/messages';
import { ownerOf } from '../messaging/owner-of';
import type { Postman } from '../messaging/postman';
import { deleteReleasing, SmallMap } from '../../common/small-collections';
import type { LocalChannel, Waiter } from './local-channel';

/** A socket waiting for the owner's answer to its ask. */
export interface Ask {
  readonly conn: Connection;
  readonly waiter: Waiter;
}

/** Sends the owner asks and presence notices of this shard's sockets, and keeps the asks' request ids. */
export class OwnerAsks {
  private nextRid = 1;

  constructor(
    private readonly shardId: number,
    private readonly shardCount: number,
    private readonly postman: Postman,
  ) {}

  /**
   * Sends the socket's ask for the channel (RECOVER when `positioned`, else
   * PRESENCE_JOIN) and records it in `local.asking`. False, with nothing
   * recorded, when the owner's mailbox is full.
   */
  send(conn: Connection, channel: string, local: LocalChannel, waiter: Waiter, positioned: boolean): boolean {
    const o = waiter.options;
    const rid = this.nextRid++;
    const info = o.presence ? clientInfoOf(conn, o.chanInfo) : null;
    const ask: ShardMessage = info && !positioned
      ? { t: MessageType.PRESENCE_JOIN, rid, ch: channel, from: this.shardId, info }
      : {
          t: MessageType.RECOVER,
          rid,
          from: this.shardId,
          ch: channel,
          ...(o.recover ? { since: o.recover } : {}),
          ...(o.cache ? { cache: true } : {}),
          limit: o.recoveryLimit ?? 0,
          ...(info ? { join: info } : {}),
        };
    // Recorded before the send: an answer can never find it missing.
    (local.asking ??= new SmallMap()).set(rid, { conn, waiter });
    if (this.postman.send(ownerOf(channel, this.shardCount), ask)) return true;
    deleteReleasing(local, 'asking', rid);
    return false;
  }

  /** Takes the ask `rid` off the channel (the owner answered it); null when its socket stopped waiting. */
  take(local: LocalChannel, rid: number): Ask | null {
    const ask = local.asking?.get(rid);
    if (!ask) return null;
    deleteReleasing(local, 'asking', rid);
    return ask;
  }

  /**
   * The socket stops waiting for every ask it has on the channel; `each` is
   * called with each one's waiter. An ask that carried a presence join is
   * undone with a PRESENCE_LEAVE.
   */
  dropAll(conn: Connection, channel: string, local: LocalChannel, each?: (waiter: Waiter) => void): void {
    for (const [rid, ask] of local.asking ?? []) {
      if (ask.conn !== conn) continue;
      deleteReleasing(local, 'asking', rid);
      if (ask.waiter.options.presence) this.leave(conn, channel, ask.waiter.options.chanInfo);
      each?.(ask.waiter);
    }
  }

  /** Tells the owner the socket joined the channel (presence, join/leave); `silent`: no join push (a re-announce). */
  join(conn: Connection, channel: string, silent: boolean, chanInfo?: string): void {
    this.postman.sendNotice(ownerOf(channel, this.shardCount), {
      t: MessageType.PRESENCE_JOIN,
      ch: channel,
      from: this.shardId,
      info: clientInfoOf(conn, chanInfo),
      ...(silent ? { silent: true } : {}),
    });
  }

  /** Tells the owner the socket left the channel (or gave up a join whose ask carried its presence). */
  leave(conn: Connection, channel: string, chanInfo: string | undefined): void {
    this.postman.sendNotice(ownerOf(channel, this.shardCount), {
      t: MessageType.PRESENCE_LEAVE,
      ch: channel,
      from: this.shardId,
      info: clientInfoOf(conn, chanInfo),
    });
  }
}
