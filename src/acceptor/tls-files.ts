/**
 * uWS's SSLApp reads the certificate and key from files. PEM text given in
 * the config (`cert_pem`/`key_pem` as text or base64) is written to a private
 * temporary directory (mode 0700, files 0600) removed at exit; paths are
 * used as they are.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pemForm, readTls } from '../config/tls';
import type { HttpServerTlsConfig } from '../config/types';
import type { TlsFiles } from '../worker/lifecycle';

/** The files for the shards, and how to remove the temporary ones. */
export interface PreparedTls {
  readonly files: TlsFiles;
  cleanup(): void;
}

/** Files for an enabled TLS config (validated already), or null when TLS is off. */
export function prepareTlsFiles(tls: HttpServerTlsConfig): PreparedTls | null {
  if (!tls.enabled) return null;
  const certPath = tls.cert_pem_file || (pemForm(tls.cert_pem) === 'path' ? tls.cert_pem : '');
  const keyPath = tls.key_pem_file || (pemForm(tls.key_pem) === 'path' ? tls.key_pem : '');
  if (certPath && keyPath) return { files: { certFile: certPath, keyFile: keyPath }, cleanup: () => undefined };
  const errors: string[] = [];
  const material = readTls(tls, 'http_server.tls', errors);
  if (!material) throw new Error(errors.join('; '));
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-tls-'));
  const write = (name: string, text: string): string => {
    const file = join(dir, name);
    writeFileSync(file, text, { mode: 0o600 });
    return file;
  };
  return {
    files: { certFile: certPath || write('cert.pem', material.cert), keyFile: keyPath || write('key.pem', material.key) },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
