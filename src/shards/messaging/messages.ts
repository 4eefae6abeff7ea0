/*
 * src/shards/messaging/: how shards talk: the message union, fan-out records,
 * the Postman (mailboxes and the shard's own FIFO), request bookkeeping with
 * timeouts, and ownerOf. May import (in shards): nothing.
 */
/**
 * Messages between shards. Shard messages are a discriminated union encoded
 * with msgpack into ring records of kind MESSAGE; publication frames travel as
 * raw bytes in records of kind FANOUT (fanout.ts), so a publication is encoded once
 * at its owner and copied as bytes from there on.
 */
import { Decoder, Encoder } from '@msgpack/msgpack';
import type { SubscribeOverride } from '../../auth/claims';
import type { WireError } from '../../protocol/errors';
import type { ClientInfo } from '../../protocol/json';
import type { Publication } from '../../broker/broker';

/**
 * What became of an emulation request: `ok` (commands handed to the
 * session), `no_session` (no such session on the node; it may just have
 * ended), `no_node` (no such live node).
 */
export type EmulationOutcome = 'ok' | 'no_session' | 'no_node';

/**
 * The commands of an emulation request: newline-joined JSON text, or
 * varint-delimited Protobuf bytes. Each session decodes them in its own
 * protocol (text as UTF-8 bytes for Protobuf, bytes as UTF-8 text for JSON).
 */
export type EmulatedCommands = string | Uint8Array;

/** Ring record kinds. */
export const RecordKind = Object.freeze({
  /** Body: msgpack of a ShardMessage. */
  MESSAGE: 1,
  /** Body: a fan-out record (fanout.ts): header, then the encoded frames. */
  FANOUT: 2,
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
  RECOVER: 8,
  RECOVER_RESULT: 9,
  PRESENCE_JOIN: 10,
  PRESENCE_LEAVE: 11,
  OWNER_QUERY: 12,
  EMULATION: 13,
  SUBSCRIBE_SHARD_FAILED: 14,
  CONFIG_SWITCH: 15,
  PRESENCE_JOINED: 16,
});

/**
 * A shard asks a channel's owner to send it the channel's publications, in
 * the protocols of `p`; sent again whenever that set changes.
 */
export interface SubscribeShard {
  readonly t: typeof MessageType.SUBSCRIBE_SHARD;
  readonly ch: string;
  readonly from: number;
  /** Protocol bits (fanout.ts ProtocolBit) the shard's subscribers need; JSON only when absent. */
  readonly p?: number;
  /**
   * 1: count only. The shard subscribes the channel on its broker itself
   * (LocalChannel.registrar); the owner only counts it among the node's
   * channels (info's num_channels), and sends no answer and no publication.
   */
  readonly c?: 1;
}

/** The owner's answer; every publication after it reaches the shard, encoded for the protocols of `p`. */
export interface SubscribeShardOk {
  readonly t: typeof MessageType.SUBSCRIBE_SHARD_OK;
  readonly ch: string;
  /** The protocol bits now applied for this shard; JSON only when absent. */
  readonly p?: number;
}

/**
 * The owner could not subscribe the channel on its broker: the shard's
 * waiting subscribers get error 100 now instead of waiting out the owner
 * timeout. Answers one SUBSCRIBE_SHARD, like an OK, on the same FIFO.
 */
export interface SubscribeShardFailed {
  readonly t: typeof MessageType.SUBSCRIBE_SHARD_FAILED;
  readonly ch: string;
  readonly error: WireError;
}

/** A shard no longer has local subscribers of the channel. */
export interface UnsubscribeShard {
  readonly t: typeof MessageType.UNSUBSCRIBE_SHARD;
  readonly ch: string;
  readonly from: number;
  /** 1: ends a count-only registration (SubscribeShard.c). */
  readonly c?: 1;
}

/** Publish into a channel; sent to its owner, answered with a Response. */
export interface PublishMessage {
  readonly t: typeof MessageType.PUBLISH;
  readonly rid: number;
  readonly from: number;
  readonly ch: string;
  /** Raw JSON text of the data. */
  readonly data: string;
  /** The publisher, for client publications. */
  readonly info?: ClientInfo;
  readonly tags?: Readonly<Record<string, string>>;
  /** Do not keep this publication in history. */
  readonly skipHistory?: boolean;
  readonly idempotencyKey?: string;
  /** Send it as a fossil delta to delta subscribers. */
  readonly delta?: boolean;
  /** Skip it when the history has this version or a newer one (PublishParams.version). */
  readonly version?: number;
  readonly versionEpoch?: string;
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
  | {
      readonly op: 'subscribe';
      readonly user: string;
      readonly channel: string;
      readonly client?: string;
      readonly session?: string;
      /** Data for the subscribe push, JSON text. */
      readonly data?: string;
      /** Channel info, JSON text. */
      readonly info?: string;
      /** Subscription expiry, Unix seconds (0 or absent = never): disconnect 3006 once it passes. */
      readonly expire_at?: number;
      /** Channel option overrides. */
      readonly override?: SubscribeOverride;
      /** Recover from this position (where the channel is recoverable): the subscribe push carries the missed publications. */
      readonly recover_since?: { readonly offset: number; readonly epoch: string };
    }
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
  | {
      readonly op: 'refresh';
      readonly user: string;
      readonly client?: string;
      readonly session?: string;
      readonly expired?: boolean;
      /** New connection expiry, Unix seconds. */
      readonly expire_at?: number;
      /** New connection info, JSON text. */
      readonly info?: string;
    }
  | { readonly op: 'channels'; readonly pattern?: string }
  | { readonly op: 'stats' }
  /** Connections of one user on the shard (client.user_connection_limit). */
  | { readonly op: 'user_connections'; readonly user: string }
  /** Shard 0 only (node control): the other live nodes. */
  | { readonly op: 'nodes' }
  /** Shard 0 only (node control): ask every other node, answer what they said. */
  | { readonly op: 'survey'; readonly request: { readonly op: 'channels'; readonly pattern?: string } };

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
  /** Only positioned subscriptions are ended (the broker may have lost publications); the rest stay. */
  readonly positionedOnly?: boolean;
  /** The broker lost publications it keeps no history of: every subscriber is disconnected with 3010 (reconnect). */
  readonly unrecoverable?: boolean;
}

/** A stream position as it crosses threads. */
export interface WirePosition {
  readonly offset: number;
  readonly epoch: string;
}

/**
 * A positioned subscribe asks the owner for the stream position (and, when
 * recovering, the publications since the client's position). The channel is
 * already active on the asking shard; the answer travels on the same FIFO as
 * the channel's publications, so the socket joins exactly at that position.
 */
export interface RecoverMessage {
  readonly t: typeof MessageType.RECOVER;
  readonly rid: number;
  readonly from: number;
  readonly ch: string;
  /** The client's position, when it asks to recover. */
  readonly since?: WirePosition;
  /** Recover only the latest publication (cache mode). */
  readonly cache?: boolean;
  /** Most publications a recovery may return. */
  readonly limit: number;
  /**
   * The joining client, when the channel keeps presence: the owner adds it to
   * presence before the read (as Centrifugo does before its reply), and emits
   * the join push after the answer.
   */
  readonly join?: ClientInfo;
}

/** The owner's answer to RECOVER. */
export interface RecoverResultMessage {
  readonly t: typeof MessageType.RECOVER_RESULT;
  readonly rid: number;
  readonly ch: string;
  /** The stream top the socket joins at. */
  readonly top?: WirePosition;
  /** Set when a recovery was asked: whether it succeeded. */
  readonly recovered?: boolean;
  /** Recovered publications (empty unless recovered). */
  readonly pubs?: Publication[];
  readonly error?: WireError;
}

/** Who joined or left a channel on the sending shard. */
interface PresenceChange {
  readonly ch: string;
  readonly from: number;
  readonly info: ClientInfo;
}

/** A client joined: add presence, emit join. */
export interface PresenceJoinMessage extends PresenceChange {
  readonly t: typeof MessageType.PRESENCE_JOIN;
  /** Re-announcing after an owner restart: add presence, emit no join. */
  readonly silent?: boolean;
  /**
   * Set when the socket waits to join: the owner answers PRESENCE_JOINED
   * once presence holds the client, and emits the join push after that answer.
   */
  readonly rid?: number;
}

/**
 * The owner's answer to a PRESENCE_JOIN with `rid`: presence holds the
 * client (or, with `error`, could not record it). It travels on the FIFO that
 * carries the channel's publications, so the socket joins at that point.
 */
export interface PresenceJoinedMessage {
  readonly t: typeof MessageType.PRESENCE_JOINED;
  readonly rid: number;
  readonly ch: string;
  readonly error?: WireError;
}

/** A client left: remove presence, emit leave. */
export interface PresenceLeaveMessage extends PresenceChange {
  readonly t: typeof MessageType.PRESENCE_LEAVE;
}

/** A read of the owner's channel state, answered with a Response. */
export type OwnerQuery =
  | { readonly op: 'history'; readonly ch: string; readonly limit: number; readonly since?: WirePosition; readonly reverse?: boolean }
  | { readonly op: 'history_remove'; readonly ch: string }
  | { readonly op: 'presence'; readonly ch: string }
  | { readonly op: 'presence_stats'; readonly ch: string };

/** Asks a channel's owner an OwnerQuery. */
export interface OwnerQueryMessage {
  readonly t: typeof MessageType.OWNER_QUERY;
  readonly rid: number;
  readonly from: number;
  readonly query: OwnerQuery;
}

/**
 * Commands of an emulated session (HTTP-streaming, SSE) from `POST
 * /emulation`, answered with a Response whose result is an
 * EmulationOutcome. Without `node`: sent to the shard holding the session,
 * which feeds `data` to it. With `node` (another process): sent to shard 0,
 * which forwards it over node control.
 */
export interface EmulationMessage {
  readonly t: typeof MessageType.EMULATION;
  readonly rid: number;
  readonly from: number;
  /** Target node uid, when it is not this process. */
  readonly node?: string;
  readonly session: string;
  /** The commands: newline-joined JSON text, or varint-delimited Protobuf bytes (a view: copy to keep). */
  readonly data: string | Uint8Array;
}

/**
 * The sender switched to reloaded config `v`: everything it posted before
 * this was produced under the previous config (shards/config-switch.ts).
 */
export interface ConfigSwitchMessage {
  readonly t: typeof MessageType.CONFIG_SWITCH;
  readonly from: number;
  readonly v: number;
}

/** Every message between shards. */
export type ShardMessage =
  | SubscribeShard
  | SubscribeShardOk
  | SubscribeShardFailed
  | UnsubscribeShard
  | PublishMessage
  | ResponseMessage
  | LocalActionMessage
  | DroppedMessage
  | RecoverMessage
  | RecoverResultMessage
  | PresenceJoinMessage
  | PresenceLeaveMessage
  | PresenceJoinedMessage
  | OwnerQueryMessage
  | EmulationMessage
  | ConfigSwitchMessage;

// One encoder and decoder per thread: msgpack's one-shot encode() builds a new
// Encoder per call, which costs several times the encoding itself.
const encoder = new Encoder({ ignoreUndefined: true });
const decoder = new Decoder();

/** Encodes a shard message for a MESSAGE record (a copy: the encoder reuses its buffer). */
export function encodeMessage(msg: ShardMessage): Uint8Array {
  return encoder.encode(msg).slice();
}

/** Decodes a MESSAGE record body. */
export function decodeMessage(body: Uint8Array): ShardMessage {
  return decoder.decode(body) as ShardMessage;
}
