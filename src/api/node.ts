/** Server API `channels` and `info`: answers gathered from every shard. */
import { hostname } from 'node:os';
import type { Shard } from '../shards/shard';
import type { ShardStats } from '../shards/local-actions';
import { VERSION } from '../version';
import { optionalString, type Params } from './params';

/** `channels`: `{pattern?}` → `{channels: {name: {num_clients}}}` summed over shards. */
export async function apiChannels(shard: Shard, params: Params): Promise<unknown> {
  const pattern = optionalString(params, 'pattern');
  const parts = await shard.gather<Record<string, number>>({ op: 'channels', ...(pattern ? { pattern } : {}) });
  const channels: Record<string, { num_clients: number }> = {};
  for (const part of parts) {
    for (const [name, count] of Object.entries(part)) {
      channels[name] = { num_clients: (channels[name]?.num_clients ?? 0) + count };
    }
  }
  return { channels };
}

/** Identity of this process in `info`. */
export interface NodeIdentity {
  readonly uid: string;
  readonly name: string;
}

/** `info`: one node (this process) with totals and a per-shard breakdown. */
export async function apiInfo(shard: Shard, node: NodeIdentity): Promise<unknown> {
  const shards = await shard.gather<ShardStats>({ op: 'stats' });
  const sum = (key: 'num_clients' | 'num_users' | 'owned_channels' | 'num_subs') => shards.reduce((n, s) => n + s[key], 0);
  return {
    nodes: [
      {
        uid: node.uid,
        name: node.name || hostname(),
        version: VERSION,
        num_clients: sum('num_clients'),
        // A user with connections on several shards is counted once per shard.
        num_users: sum('num_users'),
        // Every channel with subscribers has exactly one owner, so owned channels count each once.
        num_channels: sum('owned_channels'),
        num_subs: sum('num_subs'),
        uptime: Math.max(...shards.map((s) => s.uptime)),
        shards,
      },
    ],
  };
}
