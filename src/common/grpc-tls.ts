/**
 * gRPC server credentials from a TLS section (`grpc_api.tls`,
 * `uni_grpc.tls`): insecure when it is off; the certificate and key when it
 * is on; with `client_ca_pem`, client certificates signed by it are required
 * (mutual TLS). Kept apart from tls.ts so config validation does not load
 * grpc-js.
 */
import * as grpc from '@grpc/grpc-js';
import { loadPem, type TlsSettings } from './tls';

/** Server credentials of the TLS section at `path`; throws an Error naming the key of a PEM that does not load. */
export function grpcServerCredentials(tls: TlsSettings, path: string): grpc.ServerCredentials {
  if (!tls.enabled) return grpc.ServerCredentials.createInsecure();
  const clientCa = tls.client_ca_pem ? loadPem(tls.client_ca_pem, `${path}.client_ca_pem`) : null;
  const pair = { cert_chain: loadPem(tls.cert_pem, `${path}.cert_pem`), private_key: loadPem(tls.key_pem, `${path}.key_pem`) };
  return grpc.ServerCredentials.createSsl(clientCa, [pair], clientCa !== null);
}
