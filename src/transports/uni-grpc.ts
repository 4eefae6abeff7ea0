/**
 * The unidirectional gRPC transport (Centrifugo's uni_grpc): the service
 * `centrifugal.centrifugo.unistream.CentrifugoUniStream`, one server-streaming
 * method `Consume(ConnectRequest) returns (stream Push)`, on its own port
 * (`uni_grpc.address`, `uni_grpc.port`). Pushes are Protobuf-encoded, bare.
 *
 * Where it runs: grpc-js listens with Node's `net`, which on Node 20 cannot
 * share a port between worker threads (no SO_REUSEPORT), so the gRPC server
 * runs in shard 0 only; its streams are connections of shard 0 like any
 * other, with the full dispatcher and cross-shard channels.
 *
 * The connection's protocol is Protobuf: the shard hands this transport
 * Protobuf Replies (publications encoded once per protocol at the owner,
 * other replies converted by the Writer), and it sends the Push inside each.
 * Like Centrifugo, gRPC streams get no `{}` ping pushes (the empty ping Reply
 * has no Push): HTTP/2 keepalive pings watch them.
 */
import * as grpc from '@grpc/grpc-js';
import type { Config } from '../config/types';
import { grpcServerCredentials } from '../common/grpc-tls';
import { Disconnects } from '../protocol/codes';
import { decodeConnectRequest, pushFromJson, pushOfReply } from '../protocol/protobuf/codec';
import type { Connection } from '../shards/session/connection';
import { dispatchConnect } from '../shards/commands/dispatcher';
import type { ShardContext } from '../shards/context';
import type { EncodedReply } from '../protocol/names';
import { disconnectPush } from '../protocol/uni-push';
import { UnidirectionalTransport } from './uni-transport';

/** Full name of the gRPC service. */
export const UNI_GRPC_SERVICE = 'centrifugal.centrifugo.unistream.CentrifugoUniStream';
/** The gRPC path of Consume. */
export const UNI_GRPC_CONSUME_PATH = `/${UNI_GRPC_SERVICE}/Consume`;

/** Server keepalive (Centrifugo's): ping an idle stream every 25 s, drop it when unanswered for 5 s. */
const KEEPALIVE_TIME_MS = 25_000;
const KEEPALIVE_TIMEOUT_MS = 5_000;
/** Clients may ping at most this often (Centrifugo's enforcement policy), ms. */
const MIN_CLIENT_PING_MS = 5_000;

type ConnectRequest = Record<string, unknown>;
type ConsumeCall = grpc.ServerWritableStream<ConnectRequest, Uint8Array>;


/** Bare Protobuf pushes over one Consume stream. */
export class UniGrpcTransport extends UnidirectionalTransport {
  readonly name = 'uni_grpc';
  override readonly protocol = 'protobuf';
  private finished = false;

  /** `gone` is called once, when the stream ended or the client cancelled it. */
  constructor(
    private readonly call: ConsumeCall,
    private readonly gone: () => void,
  ) {
    super();
    call.on('cancelled', () => this.finish());
    call.on('close', () => this.finish());
    call.on('error', () => this.finish());
  }

  send(replies: readonly EncodedReply[]): void {
    for (const reply of replies) {
      const push = pushOfReply(reply);
      if (push !== null) this.write(push);
    }
  }

  end(code: number, reason: string): void {
    const push = disconnectPush(code, reason);
    if (push !== null && !this.finished) this.write(pushFromJson(`{"push":${push}}`));
    this.close();
  }

  close(): void {
    if (!this.finished) this.call.end();
    this.finish();
  }

  private write(push: Uint8Array): void {
    if (this.finished) return;
    const size = push.length;
    this.pending += size;
    this.call.write(push, () => {
      this.pending -= size;
    });
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.gone();
  }
}

/** The running gRPC server of shard 0. */
export interface UniGrpcServer {
  /** The port it listens on. */
  readonly port: number;
  /** Stops it at once, cutting open streams (drain and crash, after their connections were ended). */
  close(): void;
}

/** The Consume handler: a new connection of `shard`, its connect request the call's request. */
function consume(shard: ShardContext, call: ConsumeCall): void {
  let conn: Connection | null = null;
  const transport = new UniGrpcTransport(call, () => {
    if (conn) shard.onClose(conn);
  });
  if (shard.draining) {
    transport.end(Disconnects.shutdown.code, Disconnects.shutdown.reason);
    return;
  }
  const headers: Record<string, string> = {};
  for (const name of shard.keptHeaders) {
    const value = call.metadata.get(name)[0];
    if (typeof value === 'string' && value !== '') headers[name] = value;
  }
  if (shard.admission.admit() !== null) {
    // Over a connection limit (HTTP transports answer 503 there): ended with 3504, connection limit.
    transport.end(Disconnects.connectionLimit.code, Disconnects.connectionLimit.reason);
    return;
  }
  conn = shard.open(transport, headers);
  dispatchConnect(shard, conn, call.request);
}

/** The service definition, with raw-bytes responses (pushes are encoded by the transport). */
const SERVICE: grpc.ServiceDefinition = {
  Consume: {
    path: UNI_GRPC_CONSUME_PATH,
    requestStream: false,
    responseStream: true,
    requestSerialize: () => Buffer.alloc(0),
    // Malformed bytes throw: grpc-js answers the call with an INTERNAL status.
    requestDeserialize: (bytes: Buffer): ConnectRequest => decodeConnectRequest(bytes),
    responseSerialize: (push: Uint8Array): Buffer => Buffer.from(push.buffer, push.byteOffset, push.byteLength),
    responseDeserialize: (bytes: Buffer): Uint8Array => bytes,
  },
};

/** Starts the gRPC server for `shard` (shard 0); rejects when it cannot bind. */
export function startUniGrpc(config: Config, shard: ShardContext): Promise<UniGrpcServer> {
  const options = config.uni_grpc;
  const server = new grpc.Server({
    'grpc.keepalive_time_ms': KEEPALIVE_TIME_MS,
    'grpc.keepalive_timeout_ms': KEEPALIVE_TIMEOUT_MS,
    'grpc.http2.min_ping_interval_without_data_ms': MIN_CLIENT_PING_MS,
    ...(options.max_receive_message_size > 0 ? { 'grpc.max_receive_message_length': options.max_receive_message_size } : {}),
  });
  server.addService(SERVICE, { Consume: (call: ConsumeCall) => consume(shard, call) });
  const host = options.address === '' ? '0.0.0.0' : options.address.includes(':') ? `[${options.address}]` : options.address;
  return new Promise((resolve, reject) => {
    let credentials: grpc.ServerCredentials;
    try {
      credentials = grpcServerCredentials(options.tls, 'uni_grpc.tls');
    } catch (err) {
      server.forceShutdown();
      reject(err);
      return;
    }
    server.bindAsync(`${host}:${options.port}`, credentials, (err, port) => {
      if (err) {
        server.forceShutdown();
        reject(err);
        return;
      }
      resolve({ port, close: () => server.forceShutdown() });
    });
  });
}
