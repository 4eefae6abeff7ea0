/**
 * Every configured proxy, resolved once per shard: the connect and refresh
 * proxies (`client.proxy.*`), and the channel and RPC proxies by name, where
 * "default" is the one in `channel.proxy.<kind>` / `rpc.proxy` and any other
 * name an entry of `proxies`. Validation guaranteed that every enabled
 * `*_proxy_name` resolves.
 */
import type { Config, ProxyConfig } from '../../config/types';

/** One proxy, ready to call. */
export interface ProxyEndpoint {
  /** "default" or the `proxies` entry name. */
  readonly name: string;
  /** The URL requests are POSTed to. */
  readonly endpoint: string;
  /** Request timeout, ms. */
  readonly timeoutMs: number;
  /** Upgrade-request headers to forward, lower case. */
  readonly httpHeaders: readonly string[];
  /** Connect-command headers to forward, lower case. */
  readonly emulatedHeaders: readonly string[];
  /** Payloads go as `b64data`. */
  readonly binary: boolean;
  /** Requests carry the connection's `meta`. */
  readonly includeMeta: boolean;
  /** Headers added to every request. */
  readonly staticHeaders: Readonly<Record<string, string>>;
}

/** Kinds of channel proxies. */
export type ChannelProxyKind = 'subscribe' | 'publish' | 'sub_refresh';

/** The name a proxy option refers to when it keeps its default. */
export const DEFAULT_PROXY_NAME = 'default';

function endpointOf(name: string, proxy: ProxyConfig): ProxyEndpoint {
  return {
    name,
    endpoint: proxy.endpoint,
    timeoutMs: proxy.timeout,
    httpHeaders: proxy.http_headers.map((h) => h.toLowerCase()),
    emulatedHeaders: proxy.emulated_headers.map((h) => h.toLowerCase()),
    binary: proxy.binary_encoding,
    includeMeta: proxy.include_connection_meta,
    staticHeaders: proxy.http.static_headers,
  };
}

/** The proxies of one config. */
export class ProxyRegistry {
  /** The connect proxy, when enabled. */
  readonly connect: ProxyEndpoint | null;
  /** The refresh proxy, when enabled. */
  readonly refresh: ProxyEndpoint | null;
  /** Lower-case names of the upgrade-request headers some proxy forwards: the ones a shard keeps per connection. */
  readonly forwardedHeaders: ReadonlySet<string>;
  /** Some proxy forwards connect-command headers, so connections keep them. */
  readonly usesEmulatedHeaders: boolean;
  private readonly named = new Map<string, ProxyEndpoint>();
  private readonly defaults: Readonly<Record<ChannelProxyKind | 'rpc', ProxyEndpoint>>;

  constructor(config: Config) {
    const c = config.client.proxy;
    this.connect = c.connect.enabled ? endpointOf(DEFAULT_PROXY_NAME, c.connect) : null;
    this.refresh = c.refresh.enabled ? endpointOf(DEFAULT_PROXY_NAME, c.refresh) : null;
    for (const p of config.proxies) this.named.set(p.name, endpointOf(p.name, p));
    const ch = config.channel.proxy;
    this.defaults = {
      subscribe: endpointOf(DEFAULT_PROXY_NAME, ch.subscribe),
      publish: endpointOf(DEFAULT_PROXY_NAME, ch.publish),
      sub_refresh: endpointOf(DEFAULT_PROXY_NAME, ch.sub_refresh),
      rpc: endpointOf(DEFAULT_PROXY_NAME, config.rpc.proxy),
    };
    const all = [...(this.connect ? [this.connect] : []), ...(this.refresh ? [this.refresh] : []), ...this.named.values(), ...Object.values(this.defaults)];
    this.forwardedHeaders = new Set(all.flatMap((p) => p.httpHeaders));
    this.usesEmulatedHeaders = all.some((p) => p.emulatedHeaders.length > 0);
  }

  /** The channel proxy of `kind` named `name`. */
  channel(kind: ChannelProxyKind, name: string): ProxyEndpoint {
    return this.byName(kind, name);
  }

  /** The RPC proxy named `name`. */
  rpc(name: string): ProxyEndpoint {
    return this.byName('rpc', name);
  }

  private byName(kind: ChannelProxyKind | 'rpc', name: string): ProxyEndpoint {
    const proxy = name === DEFAULT_PROXY_NAME ? this.defaults[kind] : this.named.get(name);
    if (!proxy || proxy.endpoint === '') throw new Error(`no ${kind} proxy named ${JSON.stringify(name)}`);
    return proxy;
  }
}
