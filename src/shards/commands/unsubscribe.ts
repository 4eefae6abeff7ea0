/** The `unsubscribe` command: leave the channel's topic. Unknown channels are fine (`{}`), as in Centrifugo. */
import type { CommandHandler } from './types';
import { EMPTY_RESULT } from './types';
import { deleteReleasing } from '../../common/small-collections';

export const handleUnsubscribe: CommandHandler = (shard, conn, request) => {
  const channel = request['channel'];
  shard.rules.resolve(channel);
  const name = channel as string;
  deleteReleasing(conn, 'serverSide', name);
  deleteReleasing(conn, 'authorizing', name);
  conn.grants.delete(name);
  shard.local.leave(conn, name);
  return EMPTY_RESULT;
};
