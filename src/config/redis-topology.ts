/**
 * Which Redis shards a Redis section of the config names, in Centrifugo's
 * order of precedence: `cluster_address` (one Redis Cluster per item), else
 * `sentinel_address` (one Sentinel-managed master per item, all with
 * `sentinel_master_name`), else `address` (URLs, see redis-address.ts). Items
 * of `cluster_address` and `sentinel_address` are `host:port` lists,
 * comma-separated, as Centrifugo writes them.
 */
import type { RedisConfig } from './types';
import { withoutPassword } from '../common/without-password';
import { parseRedisAddress, redisAddressErrors, RedisAddressError, type HostPort, type RedisAddress } from '../common/redis-address';

/** One shard to connect to: a parsed address plus the Sentinel credentials of the config. */
export interface RedisTarget extends RedisAddress {
  /** The address as the config wrote it, without its password (for logs and errors). */
  readonly label: string;
  /** Sentinel only: the ACL user towards the Sentinels. */
  readonly sentinelUser?: string;
}

/** The default Sentinel port. */
const SENTINEL_PORT = 26379;

function hostPorts(item: string, defaultPort: number): HostPort[] {
  return item.split(',').map((part) => {
    const text = part.trim();
    const explicitPort = /:\d+$/.test(text) && !/^[^[]*:.*:/.test(text);
    // Reuse the URL parser's host:port rules; a bare address is a single server to it.
    let parsed: RedisAddress;
    try {
      parsed = parseRedisAddress(explicitPort || text.startsWith('[') ? text : `${text}:${defaultPort}`);
    } catch {
      throw new RedisAddressError(`"${text}" is not host:port`);
    }
    if (parsed.kind !== 'single' || text.includes('/')) throw new RedisAddressError(`"${text}" is not host:port`);
    return parsed.nodes[0]!;
  });
}

/** The shards of a Redis section; throws RedisAddressError on a malformed item (validation reports it first). */
export function redisTargets(config: RedisConfig): RedisTarget[] {
  if (config.cluster_address.length > 0) {
    return config.cluster_address.map((item) => ({ kind: 'cluster', nodes: hostPorts(item, 6379), tls: false, label: item }));
  }
  if (config.sentinel_address.length > 0) {
    return config.sentinel_address.map((item) => ({
      kind: 'sentinel',
      nodes: hostPorts(item, SENTINEL_PORT),
      tls: false,
      label: item,
      masterName: config.sentinel_master_name,
      ...(config.sentinel_password ? { sentinelPassword: config.sentinel_password } : {}),
      ...(config.sentinel_user ? { sentinelUser: config.sentinel_user } : {}),
    }));
  }
  return config.address.map((text) => ({ ...parseRedisAddress(text), label: withoutPassword(text) }));
}

function listErrors(items: readonly string[], path: string, defaultPort: number): string[] {
  const errors: string[] = [];
  items.forEach((item, i) => {
    try {
      if (item.trim() === '') throw new RedisAddressError('empty address');
      hostPorts(item, defaultPort);
    } catch (err) {
      errors.push(`${path}[${i}] ${JSON.stringify(item)}: ${(err as Error).message}`);
    }
  });
  return errors;
}

/** Config errors of one Redis section at `path` (e.g. "engine.redis"), each naming its key. */
export function redisConfigErrors(config: RedisConfig, path: string): string[] {
  if (config.cluster_address.length > 0) return listErrors(config.cluster_address, `${path}.cluster_address`, 6379);
  const errors: string[] = [];
  if (config.sentinel_address.length > 0) {
    errors.push(...listErrors(config.sentinel_address, `${path}.sentinel_address`, SENTINEL_PORT));
    if (config.sentinel_master_name === '') errors.push(`${path}.sentinel_master_name is required with ${path}.sentinel_address`);
  } else {
    errors.push(...redisAddressErrors(config.address, `${path}.address`));
  }
  if (config.sharded_pubsub && config.cluster_address.length === 0) errors.push(`${path}.sharded_pubsub needs Redis Cluster: set ${path}.cluster_address`);
  return errors;
}
