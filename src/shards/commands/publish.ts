/** The `publish` command: check permission, then publish through the channel's owner. */
import { Errors } from '../../protocol/codes';
import { ReplyError } from '../../protocol/errors';
import { payloadToJson } from '../../protocol/json';
import type { CommandHandler } from './types';
import { EMPTY_RESULT } from './types';

export const handlePublish: CommandHandler = (shard, conn, request) => {
  const channel = request['channel'];
  const resolved = shard.rules.resolve(channel);
  const name = channel as string;
  if (request['data'] === undefined) throw new ReplyError(Errors.badRequest);
  shard.rules.checkPublish(resolved, conn.user, conn.channels.has(name));
  return shard
    .publish(name, payloadToJson(request['data']), { publisher: { user: conn.user, client: conn.id, connInfo: conn.connInfo } })
    .then(() => EMPTY_RESULT);
};
