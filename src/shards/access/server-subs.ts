/**
 * Server-side subscriptions: the ones a connection gets at connect (from its
 * token or the connect proxy, its personal channel, and the channels it asks
 * for in its connect `subs` where it could subscribe by itself), and the ones
 * the server API adds later. The client does not subscribe to them; it learns
 * of them from the connect result's `subs` or from a `subscribe` push.
 */
import type { ProtocolType } from '../../protocol/names';
import { createGrant, withGrant, type ChannelGrant } from '../../auth/grant';
import { Disconnects, Errors } from '../../protocol/codes';
import { DisconnectError, ReplyError } from '../../protocol/errors';
import { applyOverride } from './channel-rules';
import type { Credentials } from './authenticator';
import type { Connection } from '../session/connection';
import type { ShardContext } from '../context';
import type { JoinOutcome } from '../subscriber/local-channels';
import { grant as negotiate, subscribeResult, type Granted } from './subscription-options';
import { deleteReleasing, SmallSet } from '../../common/small-collections';

type Request = Readonly<Record<string, unknown>>;

/** The connect command's `subs` map (channel → recovery hints), or {}. */
function connectSubs(request: Request): Readonly<Record<string, Request>> {
  const subs = request['subs'];
  return typeof subs === 'object' && subs !== null && !Array.isArray(subs) ? (subs as Record<string, Request>) : {};
}

/**
 * Every server-side subscription a new connection of `user` gets. Throws
 * 102 for an unknown personal-channel namespace, disconnect 3501 for an
 * unknown namespace among the client's own `subs` (as Centrifugo), and
 * disconnect 3505 past `client.channel_limit`.
 */
export function serverSubscriptions(shard: ShardContext, credentials: Credentials, request: Request): Map<string, ChannelGrant> {
  const out = new Map(credentials.subs);
  const user = credentials.user;
  const personal = shard.config.client.subscribe_to_user_personal_channel;
  if (personal.enabled && user !== '') {
    const channel = shard.rules.personalChannel(user);
    shard.rules.resolve(channel);
    if (!out.has(channel)) out.set(channel, createGrant('personal_channel'));
  }
  if (credentials.honorClientChannels) {
    for (const channel of Object.keys(connectSubs(request))) {
      if (out.has(channel)) continue;
      let resolved;
      try {
        resolved = shard.rules.resolve(channel);
      } catch (err) {
        if (err instanceof ReplyError && err.code === Errors.unknownChannel.code) throw new DisconnectError(Disconnects.badRequest);
        continue;
      }
      if (shard.rules.mayAutoSubscribe(channel, resolved, user)) out.set(channel, createGrant('connect_request'));
    }
  }
  const limit = shard.config.client.channel_limit;
  if (limit > 0 && out.size > limit) throw new DisconnectError(Disconnects.channelLimit);
  return out;
}

/** One server-side subscription about to be joined. */
interface Plan {
  readonly channel: string;
  readonly access: ChannelGrant;
  readonly granted: Granted;
  readonly protocol: ProtocolType;
}

/** Negotiates one server-side subscription and records it on the connection (`serverSide`, `grants`). */
function plan(shard: ShardContext, conn: Connection, channel: string, access: ChannelGrant, ask: Request): Plan {
  const resolved = applyOverride(shard.rules.resolve(channel), access.override);
  const granted = negotiate(shard.rules, resolved, conn.user, ask, shard.config.client.recovery_max_publication_limit, access.info);
  (conn.serverSide ??= new SmallSet()).add(channel);
  conn.grants.set(channel, access);
  shard.keepalive.recheckSoon(conn);
  return { channel, access, granted, protocol: conn.transport.protocol };
}

/** The SubscribeResult JSON of a server-side subscription (no `expires`: the client cannot refresh it). */
function resultOf(p: Plan, outcome: JoinOutcome | null): string {
  return withGrant(subscribeResult(p.granted, outcome, {}, p.protocol), p.access, Date.now(), false);
}

/** Joins a planned subscription; resolves with its result once the socket is on the channel. */
function join(shard: ShardContext, conn: Connection, p: Plan): Promise<string> {
  let result = '{}';
  return shard.local
    .join(conn, p.channel, (outcome) => {
      result = resultOf(p, outcome);
    }, p.granted.join)
    .then(
      () => result,
      (err: unknown) => {
        deleteReleasing(conn, 'serverSide', p.channel);
        conn.grants.delete(p.channel);
        throw err;
      },
    );
}

/**
 * Puts the connection on one server-side channel (server API `subscribe`);
 * resolves with its SubscribeResult JSON once the socket is on it.
 */
export function joinServerSide(shard: ShardContext, conn: Connection, channel: string, access: ChannelGrant, ask: Request = {}): Promise<string> {
  return join(shard, conn, plan(shard, conn, channel, access, ask));
}

/** The connect result's `subs`, and what to do once the connect reply is queued. */
export interface ConnectSubscriptions {
  /** The `subs` object of the connect result, JSON text. */
  readonly json: string;
  /** Puts the socket on the channels; null when it is on them already. */
  readonly attach: (() => void) | null;
}

/**
 * Prepares every connect-time server-side subscription (`request` is the
 * connect command, whose `subs` carry recovery hints).
 *
 * When no subscription is positioned or keeps presence, every result is
 * known in advance: the reply goes first and the socket joins the channels
 * right after it, so no publication of theirs can precede the reply.
 * Positioned ones need the owner's stream position in the result, and
 * presence ones must be in presence before the reply (as in Centrifugo), so
 * then the socket joins them all first and the reply follows (a publication
 * of a channel joined early may then be written just before the reply, and
 * the SDK drops it; see docs/architecture.md).
 */
export async function connectSubscriptions(shard: ShardContext, conn: Connection, subs: ReadonlyMap<string, ChannelGrant>, request: Request): Promise<ConnectSubscriptions> {
  const hints = connectSubs(request);
  const plans = [...subs].map(([channel, access]) => plan(shard, conn, channel, access, hints[channel] ?? {}));
  const entry = (p: Plan, result: string): string => `${JSON.stringify(p.channel)}:${result}`;
  if (plans.every((p) => !p.granted.positioned && !p.granted.join.presence)) {
    const attach = (): void => {
      for (const p of plans) {
        join(shard, conn, p).catch((err: unknown) => {
          // A channel the client or the API unsubscribed meanwhile is fine; an owner that failed is not.
          if (!conn.serverSide?.has(p.channel)) return;
          shard.log.warn('server-side subscription failed after connect', { client: conn.id, channel: p.channel, error: err });
          shard.disconnect(conn, Disconnects.serverError.code, Disconnects.serverError.reason);
        });
      }
    };
    return { json: `{${plans.map((p) => entry(p, resultOf(p, null))).join(',')}}`, attach };
  }
  const entries = await Promise.all(plans.map(async (p) => entry(p, await join(shard, conn, p))));
  return { json: `{${entries.join(',')}}`, attach: null };
}
