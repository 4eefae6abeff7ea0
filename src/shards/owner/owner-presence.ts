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

/**
 * How long a failed ask is remembered, ms: longer than a notice can take to
 * arrive (a full mailbox retries it for up to 10 s, messaging/postman.ts).
 */
const FAILED_ASK_KEPT_MS = 15_000;

/** Presence and join/leave of the channels this shard owns. */
export class OwnerPresence {
  /**
   * The last join or leave of a client still in progress, by channel and
   * client id, when one is (an ask, or a step queued behind one), or an ask
   * that failed lately. It resolves whether a leave after it should act:
   * false after an ask that failed. Further joins and leaves of that client
   * run after it, in arrival order.
   */
  private readonly pending = new Map<string, Promise<boolean>>();
  /** Restarts of each shard seen (forgetShard): a step of a client whose shard restarted since it arrived is dropped. */
  private readonly restarts = new Map<number, number>();

  constructor(
    private readonly presence: PresenceManager,
    private readonly broker: Broker,
    /** The channel's rules in force, or undefined when its name no longer resolves (a reload removed its namespace). */
    private readonly resolve: (channel: string) => ResolvedChannel | undefined,
    private readonly log: Logger,
  ) {}

  /**
   * A client joined. Without `answer` (a notice) presence is added and the
   * join push emitted; with it, `answer` runs once presence holds the client,
   * and the push follows it.
   */
  join(msg: JoinNotice, answer?: AskAnswer): void {
    const key = clientKey(msg.ch, msg.info.client);
    if (answer) this.after(key, msg.from, (_, alive) => this.ask(msg, answer, alive));
    else if (this.pending.has(key)) this.after(key, msg.from, () => this.announceJoin(msg));
    else void this.announceJoin(msg);
  }

  /** A client left: its presence entry goes and the leave push is emitted (after its join, if that is in progress). */
  leave(channel: string, info: ClientInfo, from: number): void {
    const key = clientKey(channel, info.client);
    // A failed ask left no entry and pushed no join: nothing to undo.
    if (this.pending.has(key)) this.after(key, from, (acts) => (acts ? this.announceLeave(channel, info) : Promise.resolve(true)));
    else void this.announceLeave(channel, info);
  }

  /**
   * Runs `step` after the client's join or leave in progress, if any (it
   * must not reject); drops it when the client's shard (`from`) restarted
   * meanwhile, since forgetShard removed its clients. `alive` tells a step
   * whether that shard is still the one it came from.
   */
  private after(key: string, from: number, step: (leaveActs: boolean, alive: () => boolean) => Promise<boolean>): void {
    const seen = this.restarts.get(from) ?? 0;
    const alive = (): boolean => (this.restarts.get(from) ?? 0) === seen;
    const tail = (this.pending.get(key) ?? Promise.resolve(true)).then((acts) => (alive() ? step(acts, alive) : false));
    this.pending.set(key, tail);
    const forget = (): void => {
      if (this.pending.get(key) === tail) this.pending.delete(key);
    };
    // After a failed ask, a leave its socket sent before the answer reached it may still come; kept
    // a while, the entry makes that leave do nothing (no leave push without a join).
    void tail.then((leaveActs) => (leaveActs ? forget() : setTimeout(forget, FAILED_ASK_KEPT_MS).unref()));
  }

  /**
   * Adds the entry and answers; resolves whether the client joined (then the
   * join push is out). An entry added for a shard that restarted meanwhile
   * is removed again, unanswered.
   */
  private async ask(msg: JoinNotice, answer: AskAnswer, alive: () => boolean): Promise<boolean> {
    const options = this.resolve(msg.ch)?.options;
    let recorded = true;
    if (options?.presence) {
      try {
        await this.presence.add(msg.ch, msg.info, msg.from);
      } catch (err) {
        this.log.warn('could not add presence; the subscribe fails', { channel: msg.ch, client: msg.info.client, error: err });
        recorded = false;
      }
    }
    if (!alive()) {
      if (options?.presence && recorded) await this.presence.remove(msg.ch, msg.info.client).catch(() => undefined);
      return false;
    }
    let joined = false;
    try {
      joined = (await answer(!recorded)) && recorded;
    } catch (err) {
      this.log.error('answering a join failed', { channel: msg.ch, error: err });
    }
    if (options?.presence && recorded && !joined) await this.presence.remove(msg.ch, msg.info.client).catch(() => undefined);
    if (joined && alive() && options?.join_leave && !msg.silent) await this.broker.publishJoin(msg.ch, msg.info).catch(() => undefined);
    return joined;
  }

  private async announceJoin(msg: JoinNotice): Promise<boolean> {
    const options = this.resolve(msg.ch)?.options;
    if (options?.presence) void this.presence.add(msg.ch, msg.info, msg.from).catch(() => undefined);
    if (options?.join_leave && !msg.silent) void this.broker.publishJoin(msg.ch, msg.info).catch(() => undefined);
    return true;
  }

  private async announceLeave(channel: string, info: ClientInfo): Promise<boolean> {
    const options = this.resolve(channel)?.options;
    if (options?.presence) void this.presence.remove(channel, info.client).catch(() => undefined);
    if (options?.join_leave) void this.broker.publishLeave(channel, info).catch(() => undefined);
    return true;
  }

  /** A restarted shard's clients are gone: their entries go, and their leave pushes are emitted. */
  forgetShard(shard: number): void {
    this.restarts.set(shard, (this.restarts.get(shard) ?? 0) + 1);
    void this.presence.removeShard(shard).then((removed) => {
      for (const [channel, infos] of removed) {
        if (!this.resolve(channel)?.options.join_leave) continue;
        for (const info of infos) void this.broker.publishLeave(channel, info).catch(() => undefined);
      }
    });
  }
}

function clientKey(channel: string, client: string): string {
  return `${channel}\0${client}`;
}
