/**
 * Server API `channels` and `info`: answers gathered from every shard of this
 * process and, with Redis, from every other live node (node control).
 */
import type { ShardContext } from '../shards/context';
import type { ShardStats } from '../shards/stats';
import { nodeInfo, type NodeInfo } from '../shards/cluster/node-control';
import { optionalString, type Params } from './params';

/** `channels`: `{pattern?}` → `{channels: {name: {num_clients}}}` summed over shards and nodes. */
export async function apiChannels(shard: ShardContext, params: Params): Promise<unknown> {
  const pattern = optionalString(params, 'pattern');
  const request = { op: 'channels' as const, ...(pattern ? { pattern } : {}) };
  const [local, others] = await Promise.all([
    shard.gather<Record<string, number>>(request),
    shard.node.bus ? shard.ask<Record<string, number>[][]>(0, { op: 'survey', request }) : Promise.resolve([]),
  ]);
  const channels: Record<string, { num_clients: number }> = {};
  for (const part of [...local, ...others.flat()]) {
    for (const [name, count] of Object.entries(part)) {
      channels[name] = { num_clients: (channels[name]?.num_clients ?? 0) + count };
    }
  }
  return { channels };
}

/** `info`: this node with a per-shard breakdown, then every other live node (as last announced). */
export async function apiInfo(shard: ShardContext): Promise<unknown> {
  const [shards, others] = await Promise.all([
    shard.gather<ShardStats>({ op: 'stats' }),
    shard.node.bus ? shard.ask<NodeInfo[]>(0, { op: 'nodes' }) : Promise.resolve([]),
  ]);
  return { nodes: [nodeInfo(shard.node.identity, shards), ...others] };
}
