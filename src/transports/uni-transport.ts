/**
 * What every unidirectional transport shares: it carries bare pushes, joins
 * no uWS topics unless it overrides that (the Writer hands it topic frames one
 * by one), has a session
 * id for the connect result, and counts the bytes it wrote that its stream has
 * not taken yet (for the 3008 slow-consumer check).
 */
import { randomUUID } from 'node:crypto';
import type { ClientTransport } from '../shards/session/transport';
import type { EncodedReply, ProtocolType, TransportName } from '../protocol/names';

/** Base of the unidirectional transports (uni-websocket.ts, uni-http.ts, uni-grpc.ts). */
export abstract class UnidirectionalTransport implements ClientTransport {
  abstract readonly name: TransportName;
  /** JSON, but for uni_grpc. */
  readonly protocol: ProtocolType = 'json';
  readonly unidirectional = true;
  /** Off unless the transport has uWS topics of its own (uni_websocket). */
  readonly nativeTopics: boolean = false;
  readonly session = randomUUID();
  /** Bytes written but not yet taken by the stream (an estimate where the stream only says "drained"). */
  protected pending = 0;

  subscribe(_topic: string): void {}

  unsubscribe(_topic: string): void {}

  bufferedAmount(): number {
    return this.pending;
  }

  abstract send(replies: readonly EncodedReply[]): void;
  abstract end(code: number, reason: string): void;
  abstract close(): void;
}
