/**
 * Presence in Redis, shared by every process: per channel a hash client id →
 * ClientInfo (`<prefix>.presence.data.<ch>`) and a sorted set client id →
 * expiry (`<prefix>.presence.expire.<ch>`, ms on Redis's clock). Readers drop
 * expired entries first (lua/presence-get.lua).
 *
 * One instance per shard thread, used by the owner shard of each channel. It
 * remembers the entries it added (with the shard holding each connection)
 * and refreshes them all every `client.presence_update_interval`, pipelined,
 * so the entries of a process that dies expire after `engine.redis.presence_ttl`.
 * Writes never reject: a failed write is logged once per outage and repaired
 * by the next refresh (an entry whose removal failed expires).
 */
import type { Logger } from '../../common/log';
import type { ClientInfo } from '../../protocol/json';
import type { PresenceManager, PresenceStats } from '../presence';
import { readLua, RedisKeys, shardIndex, type RedisPartition } from './partitions';

const ADD_LUA = readLua('presence-add.lua');
const GET_LUA = readLua('presence-get.lua');

/** Most entries written by one refresh command. */
const REFRESH_BATCH = 256;

/** Settings of a RedisPresence. */
export interface RedisPresenceOptions {
  readonly prefix: string;
  /** Entry lifetime without a refresh, ms. */
  readonly ttl: number;
  /** Refresh period, ms. */
  readonly updateInterval: number;
  readonly log: Logger;
}

interface PresenceCommands {
  sy_presence_add(...args: (string | number)[]): Promise<unknown>;
  sy_presence_get(...args: string[]): Promise<string[]>;
}

/** PresenceManager over Redis shards. */
export class RedisPresence implements PresenceManager {
  private readonly keys: RedisKeys;
  /** Entries this instance added: channel → client → entry. */
  private readonly mine = new Map<string, Map<string, { info: ClientInfo; shard: number }>>();
  private readonly timer: NodeJS.Timeout;
  private failing = false;

  constructor(
    private readonly shards: readonly RedisPartition[],
    private readonly options: RedisPresenceOptions,
  ) {
    this.keys = new RedisKeys(options.prefix);
    for (const shard of shards) {
      shard.command.defineCommand('sy_presence_add', { numberOfKeys: 2, lua: ADD_LUA });
      shard.command.defineCommand('sy_presence_get', { numberOfKeys: 2, lua: GET_LUA });
    }
    this.timer = setInterval(() => this.refresh(), options.updateInterval);
    this.timer.unref();
  }

  private shardOf(channel: string): RedisPartition {
    return this.shards[shardIndex(channel, this.shards.length)]!;
  }

  private commands(shard: RedisPartition): PresenceCommands {
    return shard.command as unknown as PresenceCommands;
  }

  private write(entries: Promise<unknown>): Promise<void> {
    return entries.then(
      () => {
        if (this.failing) this.options.log.info('redis presence writes work again');
        this.failing = false;
      },
      (err: unknown) => {
        if (!this.failing) this.options.log.warn('redis presence write failed; the next refresh repairs it', { error: (err as Error).message });
        this.failing = true;
      },
    );
  }

  private addEntries(channel: string, entries: [string, ClientInfo][]): Promise<void> {
    const shard = this.shardOf(channel);
    const args: (string | number)[] = [this.keys.presenceData(channel, shard.cluster), this.keys.presenceExpire(channel, shard.cluster), this.options.ttl];
    for (const [client, info] of entries) args.push(client, JSON.stringify(info));
    return this.write(this.commands(shard).sy_presence_add(...args));
  }

  async add(channel: string, info: ClientInfo, shard: number): Promise<void> {
    let entries = this.mine.get(channel);
    if (!entries) {
      entries = new Map();
      this.mine.set(channel, entries);
    }
    entries.set(info.client, { info, shard });
    await this.addEntries(channel, [[info.client, info]]);
  }

  async remove(channel: string, client: string): Promise<boolean> {
    const entries = this.mine.get(channel);
    const had = entries?.delete(client) ?? false;
    if (entries?.size === 0) this.mine.delete(channel);
    const shard = this.shardOf(channel);
    const data = this.keys.presenceData(channel, shard.cluster);
    const expire = this.keys.presenceExpire(channel, shard.cluster);
    await this.write(Promise.all([shard.command.hdel(data, client), shard.command.zrem(expire, client)]));
    return had;
  }

  async presence(channel: string): Promise<ReadonlyMap<string, ClientInfo>> {
    const shard = this.shardOf(channel);
    const flat = await this.commands(shard).sy_presence_get(this.keys.presenceData(channel, shard.cluster), this.keys.presenceExpire(channel, shard.cluster));
    const out = new Map<string, ClientInfo>();
    for (let i = 0; i + 1 < flat.length; i += 2) out.set(flat[i]!, JSON.parse(flat[i + 1]!) as ClientInfo);
    return out;
  }

  async stats(channel: string): Promise<PresenceStats> {
    const entries = await this.presence(channel);
    const users = new Set<string>();
    for (const info of entries.values()) users.add(info.user);
    return { numClients: entries.size, numUsers: users.size };
  }

  async removeShard(shard: number): Promise<Map<string, ClientInfo[]>> {
    const removed = new Map<string, ClientInfo[]>();
    for (const [channel, entries] of [...this.mine]) {
      for (const [client, entry] of [...entries]) {
        if (entry.shard !== shard) continue;
        const list = removed.get(channel) ?? [];
        list.push(entry.info);
        removed.set(channel, list);
        await this.remove(channel, client);
      }
    }
    return removed;
  }

  /** Re-adds every entry of this instance, pushing its expiry on by a ttl. */
  refresh(): void {
    for (const [channel, entries] of this.mine) {
      const all = [...entries].map(([client, e]): [string, ClientInfo] => [client, e.info]);
      for (let i = 0; i < all.length; i += REFRESH_BATCH) void this.addEntries(channel, all.slice(i, i + REFRESH_BATCH));
    }
  }

  /** Stops refreshing (the connections belong to the broker). */
  close(): void {
    clearInterval(this.timer);
  }
}
