/**
 * TLS material of `http_server.tls`: Centrifugo v6's `cert_pem`/`key_pem`
 * (PEM text, base64 of PEM text, or a file path) and v5's
 * `cert_pem_file`/`key_pem_file` (paths). Validation reads and parses both,
 * and checks that the key belongs to the certificate, so a bad file is a
 * config error naming its key rather than a shard that cannot listen.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isPlainObject } from './check';
import type { HttpServerTlsConfig } from './types';

/** The PEM texts of a TLS config. */
export interface TlsMaterial {
  readonly cert: string;
  readonly key: string;
}

const PEM_BEGIN = '-----BEGIN ';

/** What a `*_pem` value holds: PEM text, base64 of PEM text, or a file path. */
export function pemForm(value: string): 'pem' | 'base64' | 'path' {
  if (value.includes(PEM_BEGIN)) return 'pem';
  if (/^[A-Za-z0-9+/=\s]+$/.test(value) && Buffer.from(value, 'base64').toString('utf8').includes(PEM_BEGIN)) return 'base64';
  return 'path';
}

/** The PEM text a `*_pem` value holds: itself, its base64 decoding, or the file it names. */
function pemOf(value: string, file: string, path: string, errors: string[]): string | null {
  if (file !== '') return readPem(file, `${path}_file`, errors);
  const form = pemForm(value);
  if (form === 'pem') return value;
  if (form === 'base64') return Buffer.from(value, 'base64').toString('utf8');
  return readPem(value, path, errors);
}

function readPem(file: string, path: string, errors: string[]): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    errors.push(`${path}: cannot read ${JSON.stringify(file)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    return null;
  }
}

/** Errors of one TLS section (at `path`, e.g. `http_server.tls`) in checked form, each naming its key. */
export function tlsErrors(tls: unknown, path: string): string[] {
  if (!isPlainObject(tls) || tls['enabled'] !== true) return [];
  const errors: string[] = [];
  const material = readTls(tls as unknown as HttpServerTlsConfig, path, errors);
  if (!material) return errors;
  let cert: X509Certificate | null = null;
  try {
    cert = new X509Certificate(material.cert);
  } catch (err) {
    errors.push(`${path}.cert_pem is not a PEM certificate: ${(err as Error).message}`);
  }
  try {
    const key = createPrivateKey(material.key);
    if (cert && !cert.checkPrivateKey(key)) errors.push(`${path}.key_pem is not the private key of ${path}.cert_pem's certificate`);
  } catch (err) {
    errors.push(`${path}.key_pem is not a PEM private key: ${(err as Error).message}`);
  }
  return errors;
}

/** Reads the certificate and key of an enabled TLS config; null (errors appended) when one is missing or unreadable. */
export function readTls(tls: HttpServerTlsConfig, path: string, errors: string[]): TlsMaterial | null {
  const missing = (what: string): void => {
    errors.push(`${path}.enabled needs ${path}.${what}_pem or ${path}.${what}_pem_file`);
  };
  const both = (what: string): void => {
    errors.push(`${path}.${what}_pem and ${path}.${what}_pem_file are both set; set one`);
  };
  const before = errors.length;
  if (tls.cert_pem === '' && tls.cert_pem_file === '') missing('cert');
  if (tls.key_pem === '' && tls.key_pem_file === '') missing('key');
  if (tls.cert_pem !== '' && tls.cert_pem_file !== '') both('cert');
  if (tls.key_pem !== '' && tls.key_pem_file !== '') both('key');
  if (errors.length > before) return null;
  const cert = pemOf(tls.cert_pem, tls.cert_pem_file, `${path}.cert_pem`, errors);
  const key = pemOf(tls.key_pem, tls.key_pem_file, `${path}.key_pem`, errors);
  return cert !== null && key !== null ? { cert, key } : null;
}

/** Errors of `http_server`: the TLS section, and an internal port that is the client port. */
export function httpServerErrors(server: unknown): string[] {
  if (!isPlainObject(server)) return [];
  const errors = tlsErrors(server['tls'], 'http_server.tls');
  const port = server['port'];
  const internal = server['internal_port'];
  if (typeof internal === 'number' && internal !== 0 && internal === port) {
    errors.push(`http_server.internal_port (${internal}) must differ from http_server.port; 0 means no internal port`);
  }
  return errors;
}
