/**
 * Config types of the operator sections: where the shards listen (client
 * port, internal port, TLS) and how they log. Part of Config (types.ts).
 */
import type { LogLevel } from '../common/log';

/** `http_server.tls`: TLS for every transport and the API on the client port. */
export interface HttpServerTlsConfig {
  /** Serve the client port over TLS (wss://, https://). */
  readonly enabled: boolean;
  /** The certificate chain: PEM text, base64 of PEM text, or a file path; "" when `cert_pem_file` is used. */
  readonly cert_pem: string;
  /** The private key: PEM text, base64 of PEM text, or a file path; "" when `key_pem_file` is used. */
  readonly key_pem: string;
  /** Path of a PEM certificate chain file; "" when `cert_pem` is used. */
  readonly cert_pem_file: string;
  /** Path of a PEM private key file; "" when `key_pem` is used. */
  readonly key_pem_file: string;
}

/** `http_server`: where the shards listen. */
export interface HttpServerConfig {
  /** Interface to bind; "" means all interfaces. */
  readonly address: string;
  /** TCP port shared by every shard (SO_REUSEPORT); 0 picks a free port at start. */
  readonly port: number;
  /** Interface of the internal port; "" means `address`. */
  readonly internal_address: string;
  /** Port serving the server API, /metrics and /health instead of the client port; 0 means none (all on `port`). */
  readonly internal_port: number;
  readonly tls: HttpServerTlsConfig;
}

/** `log`: what is logged, how and where. */
export interface LogConfig {
  readonly level: LogLevel;
  /** "auto": JSON lines unless stderr is a terminal; "json" or "text" always. */
  readonly format: 'auto' | 'text' | 'json';
  /** Append log lines to this file instead of writing them to stderr; "" for stderr. */
  readonly file: string;
}
