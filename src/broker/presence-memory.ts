/**
 * Presence in the owner shard's memory. Adding, removing and counting are
 * O(1) per entry (users are counted with a per-channel map), so a channel
 * with many thousands of entries costs no more per join than a small one;
 * only a full `presence` listing walks the entries.
 */
import type { ClientInfo } from '../protocol/json';
import type { PresenceManager, PresenceStats } from './presence';

interface ChannelPresence {
  readonly clients: Map<string, { info: ClientInfo; shard: number }>;
  /** user → number of its clients in the channel. */
  readonly users: Map<string, number>;
}

/** In-memory PresenceManager. */
export class MemoryPresence implements PresenceManager {
  private readonly channels = new Map<string, ChannelPresence>();

  async add(channel: string, info: ClientInfo, shard: number): Promise<void> {
    let entry = this.channels.get(channel);
    if (!entry) {
      entry = { clients: new Map(), users: new Map() };
      this.channels.set(channel, entry);
    }
    const existing = entry.clients.get(info.client);
    if (existing) this.uncountUser(entry, existing.info.user);
    entry.clients.set(info.client, { info, shard });
    entry.users.set(info.user, (entry.users.get(info.user) ?? 0) + 1);
  }

  async remove(channel: string, client: string): Promise<boolean> {
    const entry = this.channels.get(channel);
    const existing = entry?.clients.get(client);
    if (!entry || !existing) return false;
    entry.clients.delete(client);
    this.uncountUser(entry, existing.info.user);
    if (entry.clients.size === 0) this.channels.delete(channel);
    return true;
  }

  async presence(channel: string): Promise<ReadonlyMap<string, ClientInfo>> {
    const out = new Map<string, ClientInfo>();
    for (const [client, { info }] of this.channels.get(channel)?.clients ?? []) out.set(client, info);
    return out;
  }

  async stats(channel: string): Promise<PresenceStats> {
    const entry = this.channels.get(channel);
    return { numClients: entry?.clients.size ?? 0, numUsers: entry?.users.size ?? 0 };
  }

  async removeShard(shard: number): Promise<Map<string, ClientInfo[]>> {
    const removed = new Map<string, ClientInfo[]>();
    for (const [channel, entry] of this.channels) {
      for (const [client, { info, shard: holder }] of entry.clients) {
        if (holder !== shard) continue;
        entry.clients.delete(client);
        this.uncountUser(entry, info.user);
        const list = removed.get(channel) ?? [];
        list.push(info);
        removed.set(channel, list);
      }
      if (entry.clients.size === 0) this.channels.delete(channel);
    }
    return removed;
  }

  private uncountUser(entry: ChannelPresence, user: string): void {
    const n = (entry.users.get(user) ?? 1) - 1;
    if (n <= 0) entry.users.delete(user);
    else entry.users.set(user, n);
  }
}
