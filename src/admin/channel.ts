/**
 * The admin UI's view of one channel (`POST <prefix>/admin/channel`
 * `{"channel"}`): its owner shard on this node, its subscriber count over
 * every shard and node, and its presence, presence stats and the newest
 * publications of its history. Each part runs through the server API's one
 * method table (api/methods.ts), so it follows the same rules and answers
 * the same errors (108 where the namespace keeps no presence or history);
 * a part that fails carries its `{"error"}` and the others are still shown.
 */
import { API_METHODS } from '../api/methods';
import type { Params } from '../api/params';
import { ReplyError, toWireError } from '../protocol/errors';
import type { ShardContext } from '../shards/context';
import { ownerOf } from '../shards/messaging/owner-of';

/** Publications of the history tail shown, newest first. */
export const HISTORY_TAIL = 10;

/** One part of the view: a method's result, or its error. */
type Part = { readonly result: unknown } | { readonly error: unknown };

async function part(shard: ShardContext, method: string, params: Params): Promise<Part> {
  try {
    return { result: await API_METHODS[method]!(shard, params) };
  } catch (err) {
    if (!(err instanceof ReplyError)) shard.log.warn('admin channel view part failed', { method, error: (err as Error).message });
    return { error: toWireError(err) };
  }
}

/** The view of `channel` (a non-empty string; the methods check the rest). */
export async function channelView(shard: ShardContext, channel: string): Promise<unknown> {
  const [channels, presenceStats, presence, history] = await Promise.all([
    part(shard, 'channels', { pattern: channel }),
    part(shard, 'presence_stats', { channel }),
    part(shard, 'presence', { channel }),
    part(shard, 'history', { channel, limit: HISTORY_TAIL, reverse: true }),
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
