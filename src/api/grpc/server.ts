/**
 * The gRPC server API (`grpc_api`): Centrifugo's `CentrifugoApi` service,
 * each method running the HTTP API's method of the same name on the shard
 * that serves it (API_METHODS: one method table, two transports).
 *
 * Where it runs: shard 0, like the unidirectional gRPC transport, because
 * grpc-js listens with Node's `net`, which cannot share a port between
 * worker threads on Node 20; the methods reach every other shard and node
 * through ShardContext as the HTTP API does.
 *
 * Calls: with `grpc_api.key` set, each unary call must carry the metadata
 * `authorization: apikey <key>`, else UNAUTHENTICATED (Centrifugo's check;
 * reflection streams are not checked, as in Centrifugo). A request that
 * does not decode is INVALID_ARGUMENT; one over the receive limit is
 * RESOURCE_EXHAUSTED (grpc-js); while draining, UNAVAILABLE. Method errors
 * come in the response's `error`, or as statuses in "transport" error mode
 * (status.ts).
 */
import { timingSafeEqual } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import type protobuf from 'protobufjs';
import { decodeStrict } from '../../protocol/protobuf/json-shape';
import type { Config } from '../../config/types';
import { grpcServerCredentials } from '../../common/grpc-tls';
import type { ShardContext } from '../../shards/context';
import { API_METHODS, callMethod } from '../methods';
import { encodeMessage, messageToParams } from './convert';
import { reflectionDefinition, REFLECTION_SERVICES, serveReflection } from './reflection';
import { API_SERVICE, GRPC_API_METHODS, type GrpcApiMethod } from './schema';
import { transportError, wantsTransportErrors } from './status';

/** A request that did not decode: answered INVALID_ARGUMENT by the handler instead of crashing the call. */
const MALFORMED = Symbol('malformed request');

type Request = Record<string, unknown> | typeof MALFORMED;
type Call = grpc.ServerUnaryCall<Request, Uint8Array>;
type Callback = grpc.sendUnaryData<Uint8Array>;

/** The running gRPC API server of shard 0. */
export interface GrpcApiServer {
  /** The port it listens on. */
  readonly port: number;
  /** Stops it at once, cutting calls in flight. */
  close(): void;
}

/** Whether the call carries `authorization: apikey <key>` (compared in constant time). */
function authorized(call: Call, expected: Buffer): boolean {
  const given = call.metadata.get('authorization')[0];
  if (typeof given !== 'string') return false;
  const bytes = Buffer.from(given);
  return bytes.length === expected.length && timingSafeEqual(bytes, expected);
}

/** A request decoder that answers MALFORMED instead of throwing (strict: see decodeStrict). */
function decoder(type: protobuf.Type): (bytes: Buffer) => Request {
  return (bytes) => {
    try {
      return decodeStrict(type, bytes);
    } catch {
      return MALFORMED;
    }
  };
}

/** One method's handler: check, convert, run the HTTP API method, convert back. */
function handler(shard: ShardContext, config: Config, method: GrpcApiMethod): (call: Call, callback: Callback) => void {
  return (call, callback) => {
    // The key and the error mode are read from the shard's current config, so a reload applies to the next call.
    const current = shard.config;
    const key = current.grpc_api.key === '' ? null : Buffer.from(`apikey ${current.grpc_api.key}`);
    if (key && !authorized(call, key)) {
      callback({ code: grpc.status.UNAUTHENTICATED, details: 'unauthenticated' });
      return;
    }
    if (shard.draining) {
      callback({ code: grpc.status.UNAVAILABLE, details: 'shutting down' });
      return;
    }
    const request = call.request;
    if (request === MALFORMED) {
      callback({ code: grpc.status.INVALID_ARGUMENT, details: `malformed ${method.requestType.name}` });
      return;
    }
    let params: Record<string, unknown>;
    try {
      params = { ...messageToParams(method.requestType, request) };
    } catch (err) {
      callback({ code: grpc.status.INVALID_ARGUMENT, details: (err as Error).message });
      return;
    }
    // An empty batch is a batch of nothing (proto3 does not send an empty list).
    if (method.name === 'batch' && params['commands'] === undefined) params['commands'] = [];
    void callMethod(shard, method.name, params).then((outcome) => {
      if ('error' in outcome && wantsTransportErrors(current, call.metadata)) {
        callback(transportError(outcome.error));
        return;
      }
      // BatchResponse is the batch result itself; every other response is `{error}` or `{result}`.
      const body = method.name === 'batch' && 'result' in outcome ? (outcome.result as Record<string, unknown>) : outcome;
      callback(null, encodeMessage(method.responseType, body as Record<string, unknown>));
    });
  };
}

/** The service definition and handlers of every method the HTTP API also has. */
function apiService(shard: ShardContext, config: Config): { definition: grpc.ServiceDefinition; handlers: grpc.UntypedServiceImplementation } {
  const definition: Record<string, grpc.MethodDefinition<Request, Uint8Array>> = {};
  const handlers: grpc.UntypedServiceImplementation = {};
  for (const method of GRPC_API_METHODS) {
    if (!Object.hasOwn(API_METHODS, method.name)) continue;
    definition[method.grpcName] = {
      path: `/${API_SERVICE}/${method.grpcName}`,
      requestStream: false,
      responseStream: false,
      requestSerialize: () => Buffer.alloc(0),
      requestDeserialize: decoder(method.requestType),
      responseSerialize: (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
      responseDeserialize: (bytes: Buffer) => bytes,
    };
    handlers[method.grpcName] = handler(shard, config, method);
  }
  return { definition, handlers };
}

/** Starts the gRPC API for `shard` (shard 0); rejects when it cannot bind or its TLS files do not load. */
export function startGrpcApi(config: Config, shard: ShardContext): Promise<GrpcApiServer> {
  const options = config.grpc_api;
  const server = new grpc.Server(options.max_receive_message_size > 0 ? { 'grpc.max_receive_message_length': options.max_receive_message_size } : {});
  const { definition, handlers } = apiService(shard, config);
  server.addService(definition, handlers);
  if (options.reflection) {
    for (const service of REFLECTION_SERVICES) server.addService(reflectionDefinition(service), { ServerReflectionInfo: serveReflection });
  }
  if (options.key === '' && shard.id === 0) shard.log.warn('grpc_api.key is empty: the gRPC API accepts calls without a key');
  const host = options.address === '' ? '0.0.0.0' : options.address.includes(':') ? `[${options.address}]` : options.address;
  return new Promise((resolve, reject) => {
    let creds: grpc.ServerCredentials;
    try {
      creds = grpcServerCredentials(options.tls, 'grpc_api.tls');
    } catch (err) {
      reject(err);
      return;
    }
    server.bindAsync(`${host}:${options.port}`, creds, (err, port) => {
      if (err) {
        server.forceShutdown();
        reject(err);
        return;
      }
      resolve({ port, close: () => server.forceShutdown() });
    });
  });
}
