/*
 * src/auth/proxy/grpc/: proxies whose endpoint is a gRPC address: the
 * CentrifugoProxy messages and the call. The request fields, the timeout,
 * the forwarded headers (as metadata) and the reading of the answer are the
 * HTTP proxies' (../proxy-client.ts).
 */
/**
 * One gRPC proxy call: the request message built from the same fields an
 * HTTP proxy POSTs, metadata from the same forwarded headers, the proxy's
 * timeout as the call's deadline, and the response (`result`, `error`,
 * `disconnect`) turned into the HTTP proxies' JSON answer shape, so one
 * reader decides both. A call that fails (no answer in time, a status other
 * than OK, bytes that do not decode) is a ProxyError: error 100 for the
 * client. One grpc-js channel per proxy and shard, opened on first use.
 */
import * as grpc from '@grpc/grpc-js';
import { clientTlsOptions } from '../../../common/tls';
import { decodeStrict, messageToJsonShape, NotJsonError } from '../../../protocol/protobuf/json-shape';
import { ProxyError } from '../../errors';
import type { ProxyEndpoint } from '../proxy-endpoint';
import { proxyRpc, type ProxyMethod } from './proxy-proto';

/** grpc-js's number for gzip (CompressionAlgorithms.gzip). */
const GZIP = 2;

const channels = new WeakMap<ProxyEndpoint, grpc.Client>();

/** The channel of a gRPC proxy, created on first use. */
function channelOf(proxy: ProxyEndpoint): grpc.Client {
  let client = channels.get(proxy);
  if (client) return client;
  const options: grpc.ChannelOptions = {};
  if (proxy.grpc.compression) options['grpc.default_compression_algorithm'] = GZIP;
  let credentials = grpc.credentials.createInsecure();
  const tls = proxy.grpc.tls;
  if (tls.enabled) {
    const o = clientTlsOptions(tls, `${proxy.path}.grpc.tls`);
    const skip = o.rejectUnauthorized ? {} : { rejectUnauthorized: false, checkServerIdentity: () => undefined };
    credentials = grpc.credentials.createSsl(o.ca ?? null, o.key ?? null, o.cert ?? null, skip);
    if (o.servername) {
      options['grpc.ssl_target_name_override'] = o.servername;
      options['grpc.default_authority'] = o.servername;
    }
  }
  client = new grpc.Client(proxy.endpoint.replace(/^grpc:\/\//i, ''), credentials, options);
  channels.set(proxy, client);
  return client;
}

/** Per-call metadata: static metadata, then the forwarded headers (which win), then the per-call credentials. */
function metadataOf(proxy: ProxyEndpoint, headers: Readonly<Record<string, string>>): grpc.Metadata {
  const metadata = new grpc.Metadata();
  for (const [key, value] of Object.entries(proxy.grpc.static_metadata)) metadata.set(key.toLowerCase(), value);
  for (const [key, value] of Object.entries(headers)) metadata.set(key.toLowerCase(), value);
  if (proxy.grpc.credentials_key !== '') metadata.set(proxy.grpc.credentials_key.toLowerCase(), proxy.grpc.credentials_value);
  return metadata;
}

/**
 * Calls `method` on a gRPC proxy with `request` (a plain object in the
 * request message's shape, bytes as Uint8Array) and resolves with the
 * answer in the HTTP proxies' JSON shape: `{result?, error?, disconnect?}`.
 */
export function callGrpcProxy(
  proxy: ProxyEndpoint,
  method: ProxyMethod,
  request: Readonly<Record<string, unknown>>,
  headers: Readonly<Record<string, string>>,
): Promise<Record<string, unknown>> {
  const rpc = proxyRpc(method);
  let bytes: Buffer;
  try {
    bytes = Buffer.from(rpc.requestType.encode(rpc.requestType.fromObject(request)).finish());
  } catch (err) {
    return Promise.reject(new ProxyError(`proxy ${proxy.endpoint}: cannot encode the ${method} request: ${(err as Error).message}`));
  }
  return new Promise((resolve, reject) => {
    channelOf(proxy).makeUnaryRequest(
      rpc.path,
      (b: Buffer) => b,
      (b: Buffer) => b,
      bytes,
      metadataOf(proxy, headers),
      { deadline: Date.now() + proxy.timeoutMs },
      (err, answer) => {
        if (err) {
          const cause = err.code === grpc.status.DEADLINE_EXCEEDED ? `no answer within ${proxy.timeoutMs} ms` : `${grpc.status[err.code]}: ${err.details}`;
          reject(new ProxyError(`proxy ${proxy.endpoint}: ${cause}`));
          return;
        }
        try {
          resolve(messageToJsonShape(rpc.responseType, decodeStrict(rpc.responseType, answer!)));
        } catch (e) {
          const why = e instanceof NotJsonError ? e.message : `the answer is not a ${rpc.responseType.name}`;
          reject(new ProxyError(`proxy ${proxy.endpoint}: ${why}`));
        }
      },
    );
  });
}

/** Closes the channels of these proxies (shard stop). */
export function closeGrpcProxies(proxies: Iterable<ProxyEndpoint>): void {
  for (const proxy of proxies) {
    channels.get(proxy)?.close();
    channels.delete(proxy);
  }
}
