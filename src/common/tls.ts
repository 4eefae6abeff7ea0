/**
 * TLS settings as Centrifugo writes them (one shape for every TLS section:
 * the gRPC API server, gRPC and HTTP proxies), and the PEM values they hold:
 * each may be the PEM text itself, a path to a PEM file, or the PEM text in
 * base64, as in Centrifugo.
 */
import { existsSync, readFileSync } from 'node:fs';

/** One TLS section of the config (`grpc_api.tls`, a proxy's `http.tls` or `grpc.tls`). */
export interface TlsSettings {
  /** Use TLS. */
  readonly enabled: boolean;
  /** Certificate chain this side presents (a server's own, or a client's for mutual TLS); "" for none. */
  readonly cert_pem: string;
  /** Private key of `cert_pem`; "" for none. */
  readonly key_pem: string;
  /** CA certificates a client trusts for the server's certificate; "" uses the system store. */
  readonly server_ca_pem: string;
  /** CA certificates a server checks client certificates against; setting it requires them (mutual TLS). */
  readonly client_ca_pem: string;
  /** A client does not verify the server's certificate (development only). */
  readonly insecure_skip_verify: boolean;
  /** Name a client checks the server certificate for (and sends as SNI); "" uses the host. */
  readonly server_name: string;
}

const PEM_MARK = '-----BEGIN';

/**
 * The PEM bytes of a config value: PEM text, a file holding it, or base64
 * of PEM text. Throws an Error whose message starts with `path`.
 */
export function loadPem(value: string, path: string): Buffer {
  if (value.includes(PEM_MARK)) return Buffer.from(value);
  if (existsSync(value)) {
    let text: Buffer;
    try {
      text = readFileSync(value);
    } catch (err) {
      throw new Error(`${path}: cannot read ${JSON.stringify(value)}: ${(err as Error).message}`);
    }
    if (!text.includes(PEM_MARK)) throw new Error(`${path}: the file ${JSON.stringify(value)} holds no PEM block`);
    return text;
  }
  if (/^[A-Za-z0-9+/=\s]+$/.test(value)) {
    const decoded = Buffer.from(value, 'base64');
    if (decoded.includes(PEM_MARK)) return decoded;
  }
  throw new Error(`${path} is neither PEM text, nor a readable file, nor base64-encoded PEM`);
}

/** Every error of one TLS section (`server` sections must have a certificate and key); none when it is off. */
export function tlsErrors(tls: TlsSettings, path: string, role: 'server' | 'client'): string[] {
  if (!tls.enabled) return [];
  const errors: string[] = [];
  if (role === 'server' && (tls.cert_pem === '' || tls.key_pem === '')) errors.push(`${path}: a TLS server needs cert_pem and key_pem`);
  if ((tls.cert_pem === '') !== (tls.key_pem === '')) errors.push(`${path}: cert_pem and key_pem go together`);
  for (const key of ['cert_pem', 'key_pem', 'server_ca_pem', 'client_ca_pem'] as const) {
    if (tls[key] === '') continue;
    try {
      loadPem(tls[key], `${path}.${key}`);
    } catch (err) {
      errors.push((err as Error).message);
    }
  }
  return errors;
}

/** Node `tls.connect` options of a client TLS section (HTTPS proxies). */
export function clientTlsOptions(tls: TlsSettings, path: string): { ca?: Buffer; cert?: Buffer; key?: Buffer; servername?: string; rejectUnauthorized: boolean } {
  return {
    ...(tls.server_ca_pem ? { ca: loadPem(tls.server_ca_pem, `${path}.server_ca_pem`) } : {}),
    ...(tls.cert_pem ? { cert: loadPem(tls.cert_pem, `${path}.cert_pem`) } : {}),
    ...(tls.key_pem ? { key: loadPem(tls.key_pem, `${path}.key_pem`) } : {}),
    ...(tls.server_name ? { servername: tls.server_name } : {}),
    rejectUnauthorized: !tls.insecure_skip_verify,
  };
}
