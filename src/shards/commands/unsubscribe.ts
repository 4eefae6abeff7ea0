/** The `unsubscribe` command: leave the channel's topic. Unknown channels are fine (`{}`), as in Centrifugo. */
import type { CommandHandler } from './types';
import { EMPTY_RESULT } from './types';

export const handleUnsubscribe: CommandHandler = (shard, conn, request) => {
  const channel = request['channel'];
  shard.rules.resolve(channel);
  const name = channel as string;
  conn.serverSide.delete(name);
  conn.authorizing.delete(name);
  conn.grants.delete(name);
  shard.local.leave(conn, name);
  return EMPTY_RESULT;
};
