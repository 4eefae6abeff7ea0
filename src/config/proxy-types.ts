/**
 * The config types of proxies to the application backend and of TLS
 * sections (part of the validated Config in types.ts, which re-exports
 * them). Durations are milliseconds.
 */
import type { TlsSettings } from '../common/tls';

/** A TLS section (Centrifugo's one TLS object): `grpc_api.tls`, a proxy's `http.tls` and `grpc.tls`. */
export type TlsConfig = TlsSettings;

/** One `http.status_to_code_transforms` item of a proxy: an HTTP status turned into an error or a disconnect. */
export interface StatusToCodeTransform {
  /** HTTP status to match. */
  readonly status_code: number;
  /** The error the client gets; code 0 when this is a disconnect. */
  readonly to_error: { readonly code: number; readonly message: string; readonly temporary: boolean };
  /** The disconnect the connection gets; code 0 when this is an error. */
  readonly to_disconnect: { readonly code: number; readonly reason: string };
}

/** One proxy to the application backend, HTTP or gRPC by its endpoint. */
export interface ProxyConfig {
  /** `http(s)://` URL (JSON POST) or gRPC address (`grpc://host:port` or `host:port`); "" when not configured. */
  readonly endpoint: string;
  /** How long one proxy request may take, ms. */
  readonly timeout: number;
  /** Headers of the client's connection request forwarded to the backend (case-insensitive names). */
  readonly http_headers: readonly string[];
  /** Metadata keys of a unidirectional gRPC client's request forwarded to the backend. */
  readonly grpc_metadata: readonly string[];
  /** Headers the client sent in its connect command (`headers`) forwarded to the backend. */
  readonly emulated_headers: readonly string[];
  /** Send `b64data` (base64) instead of `data` (raw JSON). */
  readonly binary_encoding: boolean;
  /** Add the connection's `meta` (from its token or connect proxy) to the request. */
  readonly include_connection_meta: boolean;
  readonly http: {
    /** TLS towards an `https://` endpoint. */
    readonly tls: TlsConfig;
    /** Headers added to every request; forwarded headers win over them. */
    readonly static_headers: Readonly<Record<string, string>>;
    /** Statuses other than 200 turned into client errors or disconnects. */
    readonly status_to_code_transforms: readonly StatusToCodeTransform[];
  };
  readonly grpc: {
    /** TLS towards a gRPC endpoint. */
    readonly tls: TlsConfig;
    /** Per-call credentials: metadata key (with `credentials_value`); "" for none. */
    readonly credentials_key: string;
    readonly credentials_value: string;
    /** gzip requests. */
    readonly compression: boolean;
    /** Metadata added to every request; forwarded headers win over them. */
    readonly static_metadata: Readonly<Record<string, string>>;
  };
}

/** `client.proxy.connect` and `client.proxy.refresh`: a proxy plus its switch. */
export interface ClientProxyConfig extends ProxyConfig {
  /** Use this proxy. */
  readonly enabled: boolean;
}

/** An entry of `proxies`: a proxy namespaces refer to by name. */
export interface NamedProxyConfig extends ProxyConfig {
  /** Unique name, used in `*_proxy_name` options. */
  readonly name: string;
}
