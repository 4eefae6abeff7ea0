/**
 * Messages between shards. Control messages are a discriminated union encoded
 * with msgpack into ring records of kind CONTROL; publication frames travel as
 * raw bytes in records of kind PUBLICATION, so a publication is encoded once
 * at its owner and copied as bytes from there on.
 */
import { Decoder, Encoder } from '@msgpack/msgpack';
import type { WireError } from '../protocol/errors';

/** Ring record kinds. */
export const RecordKind = Object.freeze({
  /** Body: msgpack of a ShardMessage. */
  CONTROL: 1,
  /** Body: [u16 channel length][channel UTF-8][frame bytes]. */
  PUBLICATION: 2,
});

/** Message type tags. */
export const MessageType = Object.freeze({
  SUBSCRIBE_SHARD: 1,
  SUBSCRIBE_SHARD_OK: 2,
  UNSUBSCRIBE_SHARD: 3,
  PUBLISH: 4,
  RESPONSE: 5,
  LOCAL_ACTION: 6,
  DROPPED: 7,
});

/** A shard asks a channel's owner to send it the channel's publications. */
export interface SubscribeShard {
  readonly t: typeof MessageType.SUBSCRIBE_SHARD;
  readonly ch: string;
  readonly from: number;
}

/** The owner's answer; every publication after it reaches the shard. */
export interface SubscribeShardOk {
  readonly t: typeof MessageType.SUBSCRIBE_SHARD_OK;
  readonly ch: string;
}

/** A shard no longer has local subscribers of the channel. */
export interface UnsubscribeShard {
  readonly t: typeof MessageType.UNSUBSCRIBE_SHARD;
  readonly ch: string;
  readonly from: number;
}

/** Publish into a channel; sent to its owner, answered with a Response. */
export interface PublishMessage {
  readonly t: typeof MessageType.PUBLISH;
  readonly rid: number;
  readonly from: number;
  readonly ch: string;
  /** Raw JSON text of the data. */
  readonly data: string;
  /** Publisher info (client publications): user, client. */
  readonly user?: string;
  readonly client?: string;
  readonly tags?: Record<string, string>;
}

/** The answer to a request (PUBLISH or LOCAL_ACTION). */
export interface ResponseMessage {
  readonly t: typeof MessageType.RESPONSE;
  readonly rid: number;
  readonly result?: unknown;
  readonly error?: WireError;
}

/** A server API action every shard applies to its own connections. */
export type LocalAction =
  | { readonly op: 'subscribe'; readonly user: string; readonly channel: string; readonly client?: string; readonly session?: string; readonly data?: string }
  | { readonly op: 'unsubscribe'; readonly user: string; readonly channel: string; readonly client?: string; readonly session?: string }
  | {
      readonly op: 'disconnect';
      readonly user: string;
      readonly client?: string;
      readonly session?: string;
      readonly whitelist?: string[];
      readonly code: number;
      readonly reason: string;
    }
  | { readonly op: 'refresh'; readonly user: string; readonly client?: string; readonly session?: string; readonly expired?: boolean; readonly expire_at?: number }
  | { readonly op: 'channels'; readonly pattern?: string }
  | { readonly op: 'stats' };

/** Asks a shard to apply a LocalAction; answered with a Response. */
export interface LocalActionMessage {
  readonly t: typeof MessageType.LOCAL_ACTION;
  readonly rid: number;
  readonly from: number;
  readonly action: LocalAction;
}

/** The owner could not deliver publications of `ch` to this shard (its mailbox was full). */
export interface DroppedMessage {
  readonly t: typeof MessageType.DROPPED;
  readonly ch: string;
}

/** Every control message between shards. */
export type ShardMessage =
  | SubscribeShard
  | SubscribeShardOk
  | UnsubscribeShard
  | PublishMessage
  | ResponseMessage
  | LocalActionMessage
  | DroppedMessage;

// One encoder and decoder per thread: msgpack's one-shot encode() builds a new
// Encoder per call, which costs several times the encoding itself.
const encoder = new Encoder({ ignoreUndefined: true });
const decoder = new Decoder();

/** Encodes a control message for a CONTROL record (a copy: the encoder reuses its buffer). */
export function encodeMessage(msg: ShardMessage): Uint8Array {
  return encoder.encode(msg).slice();
}

/** Decodes a CONTROL record body. */
export function decodeMessage(body: Uint8Array): ShardMessage {
  return decoder.decode(body) as ShardMessage;
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

/** The header part of a PUBLICATION record for `channel`. */
export function publicationHeader(channel: string): Uint8Array {
  const name = utf8.encode(channel);
  const header = new Uint8Array(2 + name.length);
  header[0] = name.length & 0xff;
  header[1] = name.length >>> 8;
  header.set(name, 2);
  return header;
}

/** Splits a PUBLICATION record body into channel and frame (the frame is a view into body). */
export function readPublication(body: Uint8Array): { channel: string; frame: Uint8Array } {
  const len = (body[0] ?? 0) | ((body[1] ?? 0) << 8);
  return { channel: utf8Decoder.decode(body.subarray(2, 2 + len)), frame: body.subarray(2 + len) };
}
