/**
 * The TLS section every TLS-capable part of the config shares (Centrifugo's
 * one TLS object): the gRPC API server, and the HTTP and gRPC proxies as
 * clients. Part of the one schema in schema.ts.
 */
import { boolean, string, type Group } from './nodes';
import type { TlsConfig } from '../types';
import type { FieldsFor } from './nodes';

const PEM = 'PEM text, a path to a PEM file, or base64 of PEM text';

/** A `tls` group; `role` decides which fields its docs describe as used. */
export function tlsGroup(role: 'server' | 'client'): Group<FieldsFor<TlsConfig>> {
  const server = role === 'server';
  return {
    kind: 'group',
    fields: {
      enabled: boolean(false, server ? 'Serve with TLS (needs `cert_pem` and `key_pem`).' : 'Connect with TLS.'),
      cert_pem: string('', server ? `Certificate chain the server presents (${PEM}).` : `Client certificate for mutual TLS (${PEM}); "" for none.`),
      key_pem: string('', `Private key of \`cert_pem\` (${PEM}).`),
      server_ca_pem: string('', server ? 'Not used by a server.' : `CA certificates the server certificate must chain to (${PEM}); "" uses the system store.`),
      client_ca_pem: string('', server ? `CA certificates client certificates must chain to (${PEM}); setting it requires a client certificate (mutual TLS).` : 'Not used by a client.'),
      insecure_skip_verify: boolean(false, server ? 'Not used by a server.' : 'Development only: do not verify the server certificate.'),
      server_name: string('', server ? 'Not used by a server.' : 'Name the server certificate must carry (and the SNI sent); "" uses the host of the endpoint.'),
    },
  };
}
