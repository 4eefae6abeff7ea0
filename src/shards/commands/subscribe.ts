/**
 * The `subscribe` command, in three steps: validate the request, authorize the
 * channel (subscribe-access.ts: token, user-limited channel, proxy, options),
 * then commit (join the channel's topic through its owner).
 */
import type { ChannelGrant } from '../../auth/grant';
import { withGrant } from '../../auth/grant';
import { Errors } from '../../protocol/codes';
import { ReplyError } from '../../protocol/errors';
import { applyOverride, type ResolvedChannel } from '../access/channel-rules';
import { ConnState, holdsChannel, type Connection } from '../session/connection';
import type { ShardContext } from '../context';
import { authorizeSubscribe } from '../access/subscribe-access';
import type { CommandHandler } from './types';
import { encodeError, encodeResult } from '../../protocol/json';
import { grant, recoveryFailed, subscribeResult } from '../access/subscription-options';
import { deleteReleasing, SmallSet } from '../../common/small-collections';

type Request = Readonly<Record<string, unknown>>;

/** The channel and its options; throws 107/102 for the name, 105 when already subscribed, 106 past the limit. */
function validate(shard: ShardContext, conn: Connection, request: Request): { channel: string; resolved: ResolvedChannel } {
  const channel = request['channel'];
  const resolved = shard.rules.resolve(channel);
  const name = channel as string;
  if (holdsChannel(conn, name)) throw new ReplyError(Errors.alreadySubscribed);
  const limit = shard.config.client.channel_limit;
  if (limit > 0 && conn.channels.size + (conn.pending?.size ?? 0) + (conn.authorizing?.size ?? 0) >= limit) throw new ReplyError(Errors.limitExceeded);
  shard.rules.checkName(name, resolved);
  return { channel: name, resolved };
}

/**
 * The grant, now or (token, proxy) later. While it is decided the channel
 * counts as subscribed; an unsubscribe meanwhile cancels the subscribe (100).
 */
function authorize(shard: ShardContext, conn: Connection, channel: string, resolved: ResolvedChannel, request: Request): ChannelGrant | Promise<ChannelGrant> {
  const access = authorizeSubscribe(shard, conn, channel, resolved, request);
  if (!(access instanceof Promise)) return access;
  (conn.authorizing ??= new SmallSet()).add(channel);
  const settle = (): void => {
    if (!deleteReleasing(conn, 'authorizing', channel)) throw new ReplyError(Errors.internal, 'unsubscribed while authorizing');
  };
  return access.then(
    (g) => {
      settle();
      return g;
    },
    (err: unknown) => {
      deleteReleasing(conn, 'authorizing', channel);
      throw err;
    },
  );
}

/** Joins the channel; the reply is queued when the socket joins the topic, ahead of the channel's next publication. */
function commit(shard: ShardContext, conn: Connection, id: number, channel: string, resolved: ResolvedChannel, request: Request, access: ChannelGrant): Promise<null> {
  const effective = applyOverride(resolved, access.override);
  const granted = grant(shard.rules, effective, conn.user, request, shard.config.client.recovery_max_publication_limit, access.info);
  const onAttached = (outcome: Parameters<typeof subscribeResult>[1]): void => {
    if (granted.rejectUnrecovered && recoveryFailed(granted, outcome)) {
      shard.local.leave(conn, channel);
      shard.writer.send(conn, encodeError(id, new ReplyError(Errors.unrecoverablePosition).toJSON()));
      return;
    }
    conn.grants.set(channel, access);
    shard.keepalive.recheckSoon(conn);
    shard.writer.send(conn, encodeResult(id, 'subscribe', withGrant(subscribeResult(granted, outcome, {}, conn.transport.protocol), access, Date.now())));
  };
  return shard.local.join(conn, channel, onAttached, granted.join).then(() => null);
}

/** Handles `subscribe`; the reply is written when the socket joins the channel. */
export const handleSubscribe: CommandHandler = (shard, conn, request, id) => {
  // Validation (and a decision that needs no token or proxy) throws synchronously, so its error joins the replies of the same frame.
  const { channel, resolved } = validate(shard, conn, request);
  const access = authorize(shard, conn, channel, resolved, request);
  if (!(access instanceof Promise)) return commit(shard, conn, id, channel, resolved, request, access);
  return access.then((g) => (conn.state === ConnState.Closed ? null : commit(shard, conn, id, channel, resolved, request, g)));
};
