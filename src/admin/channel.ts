/**
 * The admin UI's view of one channel (`POST <prefix>/admin/channel`
 * `{"channel"}`): its owner shard on this node, its subscriber count over
 * every shard and node, and its presence, presence stats and the newest
 * publications of its history. Each part runs through the server API's one
 * method table (api/methods.ts), so it follows the same rules and answers
 * the same errors (108 where the namespace keeps no presence or history);
 * a part that fails carries its `{"error"}` and the others are still shown.
 */
import { callMethod } from '../api/methods';
import type { ShardContext } from '../shards/context';
import { ownerOf } from '../shards/messaging/owner-of';

/** Publications of the history tail shown, newest first. */
export const HISTORY_TAIL = 10;

/** The view of `channel` (a non-empty string; the methods check the rest). */
export async function channelView(shard: ShardContext, channel: string): Promise<unknown> {
  const [channels, presenceStats, presence, history] = await Promise.all([
    callMethod(shard, 'channels', { pattern: channel }),
    callMethod(shard, 'presence_stats', { channel }),
    callMethod(shard, 'presence', { channel }),
    callMethod(shard, 'history', { channel, limit: HISTORY_TAIL, reverse: true }),
  ]);
  // The pattern is a glob: a name holding `*` or `?` may match others, so only the exact name counts.
  const found = 'result' in channels ? (channels.result as { channels: Record<string, { num_clients: number }> }).channels[channel] : undefined;
  return {
    channel,
    owner_shard: ownerOf(channel, shard.count),
    shard_count: shard.count,
    num_clients: found?.num_clients ?? 0,
    presence_stats: presenceStats,
    presence,
    history,
  };
}
