/**
 * The `subscribe` command, in three steps: validate the request, authorize the
 * channel, then commit (join the channel's topic through its owner).
 */
import { Errors } from '../../protocol/codes';
import { ReplyError } from '../../protocol/errors';
import type { Connection } from '../connection';
import type { Shard } from '../shard';
import type { CommandHandler } from './types';
import { encodeError, encodeResult } from '../../protocol/json';
import { grant, recoveryFailed, subscribeResult } from '../subscription-options';

function validate(
  shard: Shard,
  conn: Connection,
  request: Readonly<Record<string, unknown>>,
): { channel: string; resolved: ReturnType<Shard['rules']['resolve']> } {
  const channel = request['channel'];
  const resolved = shard.rules.resolve(channel);
  const name = channel as string;
  if (conn.channels.has(name) || conn.pending.has(name)) throw new ReplyError(Errors.alreadySubscribed);
  const limit = shard.config.client.channel_limit;
  if (limit > 0 && conn.channels.size + conn.pending.size >= limit) throw new ReplyError(Errors.limitExceeded);
  authorize(shard, conn, name, resolved, request);
  return { channel: name, resolved };
}

function authorize(
  shard: Shard,
  conn: Connection,
  channel: string,
  resolved: ReturnType<Shard['rules']['resolve']>,
  request: Readonly<Record<string, unknown>>,
): void {
  const token = request['token'];
  // Subscription tokens arrive with JWT support; until then a token cannot be verified.
  if (typeof token === 'string' && token !== '') throw new ReplyError(Errors.permissionDenied);
  shard.rules.checkSubscribe(channel, resolved, conn.user);
}

export const handleSubscribe: CommandHandler = (shard, conn, request, id) => {
  // Validation throws synchronously, so its error joins the replies of the same frame.
  const { channel, resolved } = validate(shard, conn, request);
  const granted = grant(shard.rules, resolved, conn.user, request, shard.config.client.recovery_max_publication_limit);
  // The reply is queued when the socket joins the topic, ahead of the channel's next publication.
  const onAttached = (outcome: Parameters<typeof subscribeResult>[1]): void => {
    if (granted.rejectUnrecovered && recoveryFailed(granted, outcome)) {
      shard.local.leave(conn, channel);
      shard.writer.send(conn, encodeError(id, new ReplyError(Errors.unrecoverablePosition).toJSON()));
      return;
    }
    shard.writer.send(conn, encodeResult(id, 'subscribe', subscribeResult(granted, outcome)));
  };
  return shard.local.join(conn, channel, onAttached, granted.join).then(() => null);
};
