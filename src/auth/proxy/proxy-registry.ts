/**
 * Every configured proxy, resolved once per shard: the connect and refresh
 * proxies (`client.proxy.*`), and the channel and RPC proxies by name, where
 * "default" is the one in `channel.proxy.<kind>` / `rpc.proxy` and any other
 * name an entry of `proxies`. Validation guaranteed that every enabled
 * `*_proxy_name` resolves. An endpoint is HTTP (`http(s)://`) or gRPC
 * (anything else: `grpc://host:port` or `host:port`), as in Centrifugo.
 */
import type { Config, ProxyConfig } from '../../config/types';
import { isHttpEndpoint, type ProxyEndpoint } from './proxy-endpoint';
import { closeGrpcProxies } from './grpc/grpc-caller';
import { closeTlsAgents } from './http-post';

export type { ProxyEndpoint } from './proxy-endpoint';

/** Kinds of channel proxies. */
export type ChannelProxyKind = 'subscribe' | 'publish' | 'sub_refresh';

/** The name a proxy option refers to when it keeps its default. */
export const DEFAULT_PROXY_NAME = 'default';

function endpointOf(name: string, path: string, proxy: ProxyConfig): ProxyEndpoint {
  return {
    name,
    path,
    kind: proxy.endpoint === '' || isHttpEndpoint(proxy.endpoint) ? 'http' : 'grpc',
    endpoint: proxy.endpoint,
    timeoutMs: proxy.timeout,
    httpHeaders: proxy.http_headers.map((h) => h.toLowerCase()),
    grpcMetadata: proxy.grpc_metadata.map((h) => h.toLowerCase()),
    emulatedHeaders: proxy.emulated_headers.map((h) => h.toLowerCase()),
    binary: proxy.binary_encoding,
    includeMeta: proxy.include_connection_meta,
    staticHeaders: proxy.http.static_headers,
    httpTls: proxy.http.tls.enabled ? proxy.http.tls : null,
    statusTransforms: proxy.http.status_to_code_transforms,
    grpc: proxy.grpc,
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
  private readonly all: readonly ProxyEndpoint[];
  private readonly defaults: Readonly<Record<ChannelProxyKind | 'rpc', ProxyEndpoint>>;

  constructor(config: Config) {
    const c = config.client.proxy;
    this.connect = c.connect.enabled ? endpointOf(DEFAULT_PROXY_NAME, 'client.proxy.connect', c.connect) : null;
    this.refresh = c.refresh.enabled ? endpointOf(DEFAULT_PROXY_NAME, 'client.proxy.refresh', c.refresh) : null;
    config.proxies.forEach((p, i) => this.named.set(p.name, endpointOf(p.name, `proxies[${i}]`, p)));
    const ch = config.channel.proxy;
    this.defaults = {
      subscribe: endpointOf(DEFAULT_PROXY_NAME, 'channel.proxy.subscribe', ch.subscribe),
      publish: endpointOf(DEFAULT_PROXY_NAME, 'channel.proxy.publish', ch.publish),
      sub_refresh: endpointOf(DEFAULT_PROXY_NAME, 'channel.proxy.sub_refresh', ch.sub_refresh),
      rpc: endpointOf(DEFAULT_PROXY_NAME, 'rpc.proxy', config.rpc.proxy),
    };
    const all = [...(this.connect ? [this.connect] : []), ...(this.refresh ? [this.refresh] : []), ...this.named.values(), ...Object.values(this.defaults)];
    this.all = all;
    this.forwardedHeaders = new Set(all.flatMap((p) => [...p.httpHeaders, ...p.grpcMetadata]));
    this.usesEmulatedHeaders = all.some((p) => p.emulatedHeaders.length > 0);
  }

  /** Closes the gRPC channels and TLS keep-alive sockets opened for these proxies (a stopping shard). */
  close(): void {
    closeGrpcProxies(this.all);
    closeTlsAgents(this.all);
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
