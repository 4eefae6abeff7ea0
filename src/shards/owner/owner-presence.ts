/**
 * The owner side of presence and join/leave pushes, for the channels this
 * shard owns: who joined and left (from the shards holding the sockets), the
 * presence entries, and the order of the pushes.
 *
 * A join the subscriber waits for (an ask: PRESENCE_JOIN with a request id,
 * or a RECOVER with `join`) is answered only once presence holds the client,
 * as Centrifugo adds presence before it replies to a subscribe; its join push
 * follows the answer, so the joining socket, which joins at the answer,
 * receives its own join as in Centrifugo. A leave of a client whose ask is
 * still in flight waits for that ask, so a leave push never precedes its join
 * push and a presence entry added late is still removed.
 */
import type { Broker } from '../../broker/broker';
import type { PresenceManager } from '../../broker/presence';
import type { Logger } from '../../common/log';
import type { ClientInfo } from '../../protocol/json';
import type { ResolvedChannel } from '../access/channel-rules';

/** One join as the owner receives it. */
export interface JoinNotice {
  readonly ch: string;
  readonly info: ClientInfo;
  /** The shard holding the connection. */
  readonly from: number;
  /** Re-announcing after an owner restart: add presence, emit no join push. */
  readonly silent?: boolean;
}

/**
 * Answers an ask once presence holds the client (`failed`: it could not be
 * recorded); resolves whether the client joined. The join push is emitted
 * once it has; an entry added for a join that then failed (a RECOVER whose
 * read failed) is removed.
 */
export type AskAnswer = (failed: boolean) => boolean | Promise<boolean>;

/** Presence and join/leave of the channels this shard owns. */
export class OwnerPresence {
  /**
   * Asks not finished (presence write, answer, join push), by channel and
   * client id; each resolves whether the client joined.
   */
  private readonly asks = new Map<string, Promise<boolean>>();

  constructor(
    private readonly presence: PresenceManager,
    private readonly broker: Broker,
    /** The channel's rules in force, or undefined when its name no longer resolves (a reload removed its namespace). */
    private readonly resolve: (channel: string) => ResolvedChannel | undefined,
    private readonly log: Logger,
  ) {}

  /**
   * A client joined. Without `answer` (a notice) presence is added and the
   * join push emitted at once; with it, `answer` runs once presence holds the
   * client, and the push follows it.
   */
  join(msg: JoinNotice, answer?: AskAnswer): void {
    const options = this.resolve(msg.ch)?.options;
    const keeps = options?.presence === true;
    const pushes = options?.join_leave === true && !msg.silent;
    if (!answer) {
      if (keeps) void this.presence.add(msg.ch, msg.info, msg.from).catch(() => undefined);
      if (pushes) void this.broker.publishJoin(msg.ch, msg.info).catch(() => undefined);
      return;
    }
    const key = askKey(msg.ch, msg.info.client);
    const added = keeps
      ? this.presence.add(msg.ch, msg.info, msg.from).then(
          () => true,
          (err: unknown) => {
            this.log.warn('could not add presence; the subscribe fails', { channel: msg.ch, client: msg.info.client, error: err });
            return false;
          },
        )
      : Promise.resolve(true);
    const done = added.then(async (recorded) => {
      let joined = false;
      try {
        joined = (await answer(!recorded)) && recorded;
      } catch (err) {
        this.log.error('answering a join failed', { channel: msg.ch, error: err });
      }
      if (recorded && !joined) await this.presence.remove(msg.ch, msg.info.client).catch(() => undefined);
      if (joined && pushes) await this.broker.publishJoin(msg.ch, msg.info).catch(() => undefined);
      return joined;
    });
    this.asks.set(key, done);
    void done.finally(() => {
      if (this.asks.get(key) === done) this.asks.delete(key);
    });
  }

  /** A client left: its presence entry goes and the leave push is emitted, after its ask if one is in flight. */
  leave(channel: string, info: ClientInfo): void {
    const run = (): void => {
      const options = this.resolve(channel)?.options;
      if (options?.presence) void this.presence.remove(channel, info.client).catch(() => undefined);
      if (options?.join_leave) void this.broker.publishLeave(channel, info).catch(() => undefined);
    };
    const ask = this.asks.get(askKey(channel, info.client));
    if (!ask) {
      run();
      return;
    }
    // A failed ask left no entry and pushed no join: nothing to undo.
    void ask.then((joined) => {
      if (joined) run();
    });
  }

  /** A restarted shard's clients are gone: their entries go, and their leave pushes are emitted. */
  forgetShard(shard: number): void {
    void this.presence.removeShard(shard).then((removed) => {
      for (const [channel, infos] of removed) {
        if (!this.resolve(channel)?.options.join_leave) continue;
        for (const info of infos) void this.broker.publishLeave(channel, info).catch(() => undefined);
      }
    });
  }
}

function askKey(channel: string, client: string): string {
  return `${channel}\0${client}`;
}
