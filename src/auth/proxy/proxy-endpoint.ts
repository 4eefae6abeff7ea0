/**
 * One proxy as a shard calls it: the settings of its config section,
 * resolved once (proxy-registry.ts builds them).
 */
import type { TlsSettings } from '../../common/tls';
import type { ProxyConfig, StatusToCodeTransform } from '../../config/types';

/** One proxy, ready to call. */
export interface ProxyEndpoint {
  /** "default" or the `proxies` entry name. */
  readonly name: string;
  /** Where its config lives (`client.proxy.connect`, `proxies[2]`), for messages. */
  readonly path: string;
  /** "http": JSON POSTs to `endpoint`; "grpc": calls to the CentrifugoProxy service at `endpoint`. */
  readonly kind: 'http' | 'grpc';
  /** The URL requests are POSTed to, or the gRPC address (`grpc://host:port` or `host:port`). */
  readonly endpoint: string;
  /** Request timeout, ms. */
  readonly timeoutMs: number;
  /** Upgrade-request headers to forward, lower case. */
  readonly httpHeaders: readonly string[];
  /** Request metadata keys of unidirectional gRPC connections to forward, lower case. */
  readonly grpcMetadata: readonly string[];
  /** Connect-command headers to forward, lower case. */
  readonly emulatedHeaders: readonly string[];
  /** Payloads go as `b64data`. */
  readonly binary: boolean;
  /** Requests carry the connection's `meta`. */
  readonly includeMeta: boolean;
  /** Headers added to every request. */
  readonly staticHeaders: Readonly<Record<string, string>>;
  /** TLS towards an https:// endpoint; null for the system defaults. */
  readonly httpTls: TlsSettings | null;
  /** HTTP statuses turned into client errors or disconnects. */
  readonly statusTransforms: readonly StatusToCodeTransform[];
  /** The gRPC-specific settings (TLS, per-call credentials, gzip, static metadata). */
  readonly grpc: ProxyConfig['grpc'];
}

/** Whether an endpoint is an HTTP one (else a gRPC address), as Centrifugo tells them apart. */
export function isHttpEndpoint(endpoint: string): boolean {
  return /^https?:\/\//i.test(endpoint);
}

