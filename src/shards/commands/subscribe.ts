/**
 * The `subscribe` command, in three steps: validate the request, authorize the
 * channel, then commit (join the channel's topic through its owner).
 */
import { Errors } from '../../protocol/codes';
import { ReplyError } from '../../protocol/errors';
import type { Connection } from '../connection';
import type { Shard } from '../shard';
import { EMPTY_RESULT, type CommandHandler } from './types';
import { encodeResult } from '../../protocol/json';

function validate(shard: Shard, conn: Connection, request: Readonly<Record<string, unknown>>): string {
  const channel = request['channel'];
  const resolved = shard.rules.resolve(channel);
  const name = channel as string;
  if (conn.channels.has(name) || conn.pending.has(name)) throw new ReplyError(Errors.alreadySubscribed);
  const limit = shard.config.client.channel_limit;
  if (limit > 0 && conn.channels.size + conn.pending.size >= limit) throw new ReplyError(Errors.limitExceeded);
  authorize(shard, conn, name, resolved, request);
  return name;
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
  const channel = validate(shard, conn, request);
  // The reply is queued when the socket joins the topic, ahead of the channel's next publication.
  return shard.local
    .join(conn, channel, () => shard.writer.send(conn, encodeResult(id, 'subscribe', EMPTY_RESULT)))
    .then(() => null);
};
