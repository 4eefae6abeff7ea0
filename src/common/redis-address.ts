/**
 * Redis addresses as `engine.redis.address` writes them, parsed into what a
 * connection needs. One address is one Redis shard: a single server, a
 * Sentinel-managed master, or a Redis Cluster.
 *
 *   host:port                                      plain TCP
 *   redis://[user:password@]host[:port][/db]       plain TCP
 *   rediss://…                                     TLS
 *   redis+sentinel://[user:password@]host:port?sentinel_master_name=NAME&addr=host2:port2[&sentinel_password=P]
 *   redis+cluster://[user:password@]host:port?addr=host2:port2
 */

/** A host and port. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** One parsed address. */
export interface RedisAddress {
  readonly kind: 'single' | 'sentinel' | 'cluster';
  /** The server (single), the sentinels, or the cluster seed nodes. */
  readonly nodes: readonly HostPort[];
  /** From the address; undefined when it names none (the config keys apply). */
  readonly user?: string;
  readonly password?: string;
  readonly db?: number;
  /** `rediss://`. */
  readonly tls: boolean;
  /** Sentinel only: the master's name. */
  readonly masterName?: string;
  /** Sentinel only: the sentinels' password. */
  readonly sentinelPassword?: string;
}

/** The default Redis port. */
const DEFAULT_PORT = 6379;
/** The default Sentinel port. */
const DEFAULT_SENTINEL_PORT = 26379;

/** A malformed address; the message says what is wrong (the caller adds the key path). */
export class RedisAddressError extends Error {
  readonly code = 'SY_REDIS_ADDRESS';
}

function hostPort(text: string, defaultPort: number): HostPort {
  const m = /^(\[[^\]]+\]|[^:/?#@\s]+)(?::(\d{1,5}))?$/.exec(text);
  if (!m) throw new RedisAddressError(`"${text}" is not host:port`);
  const port = m[2] === undefined ? defaultPort : Number(m[2]);
  if (port < 1 || port > 65535) throw new RedisAddressError(`port ${port} is out of range 1..65535`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

/** Parses one address; throws RedisAddressError naming the problem. */
export function parseRedisAddress(text: string): RedisAddress {
  const trimmed = text.trim();
  if (trimmed === '') throw new RedisAddressError('empty address');
  if (!trimmed.includes('://')) return { kind: 'single', nodes: [hostPort(trimmed, DEFAULT_PORT)], tls: false };
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new RedisAddressError(`"${trimmed}" is not a URL`);
  }
  const scheme = url.protocol.replace(/:$/, '');
  const kind = scheme === 'redis+sentinel' ? 'sentinel' : scheme === 'redis+cluster' ? 'cluster' : scheme === 'redis' || scheme === 'rediss' ? 'single' : null;
  if (!kind) throw new RedisAddressError(`unknown scheme "${scheme}://" (use redis://, rediss://, redis+sentinel:// or redis+cluster://)`);
  const defaultPort = kind === 'sentinel' ? DEFAULT_SENTINEL_PORT : DEFAULT_PORT;
  // URL() lower-cases and validates the host; re-read it from the text to keep IPv6 brackets simple.
  const first = hostPort(url.host, defaultPort);
  const nodes = [first, ...url.searchParams.getAll('addr').map((a) => hostPort(a, defaultPort))];
  if (kind === 'single' && nodes.length > 1) throw new RedisAddressError('addr= is only for redis+sentinel:// and redis+cluster://');
  const path = url.pathname.replace(/^\//, '');
  let db: number | undefined;
  if (path !== '') {
    if (!/^\d+$/.test(path)) throw new RedisAddressError(`database "${path}" is not a number`);
    if (kind === 'cluster') throw new RedisAddressError('Redis Cluster has only database 0');
    db = Number(path);
  }
  const masterName = url.searchParams.get('sentinel_master_name') ?? undefined;
  if (kind === 'sentinel' && !masterName) throw new RedisAddressError('redis+sentinel:// needs ?sentinel_master_name=NAME');
  const sentinelPassword = url.searchParams.get('sentinel_password') ?? undefined;
  return {
    kind,
    nodes,
    tls: scheme === 'rediss',
    ...(url.username ? { user: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(db !== undefined ? { db } : {}),
    ...(masterName ? { masterName } : {}),
    ...(sentinelPassword ? { sentinelPassword } : {}),
  };
}

/** Config errors of `engine.redis.address`, each naming the item's path. */
export function redisAddressErrors(addresses: readonly string[], path: string): string[] {
  const errors: string[] = [];
  if (addresses.length === 0) errors.push(`${path} must name at least one Redis address`);
  addresses.forEach((a, i) => {
    try {
      const parsed = parseRedisAddress(a);
      if (parsed.kind === 'cluster' && addresses.length > 1) errors.push(`${path}[${i}]: a Redis Cluster shards by itself; give it as the only address`);
    } catch (err) {
      errors.push(`${path}[${i}] ${JSON.stringify(a)}: ${(err as Error).message}`);
    }
  });
  return errors;
}
