/**
 * The Protobuf encoding of Centrifugo client protocol v2 (binary WebSocket
 * frames; messages varint-delimited). Commands are decoded into the same
 * shape the JSON dispatcher uses (protocol/json.ts Command), payloads as
 * RawPayload carriers. Replies are built as JSON text by the command
 * handlers and converted here (low rate); publications and join/leave pushes
 * on the fan-out path are encoded directly.
 */
import { Disconnects } from '../codes';
import { DisconnectError } from '../errors';
import type { ClientInfo, Command } from '../json';
import { payloadToBytes } from '../payload';
import { fromMessage, hasBinaryField, toMessage } from './convert';
import { splitDelimited } from '../framing';
import { writePublicationReply } from './publication';
import { parseWithRaw, type RawObject } from './raw-json';
import { CommandType, ConnectRequestType, EmulationRequestType, PushType, ReplyType } from './schema';
import protobuf from 'protobufjs';
import type { EncodedReply } from '../names';
import { checkCommand } from '../command-shape';
import { decodeUtf8Strict } from '../input-guards';

type Plain = Record<string, unknown>;

/**
 * A Reader whose strings are strict UTF-8: bytes that are not valid UTF-8
 * become a string ending in a lone surrogate, which no name check accepts
 * (protocol/input-guards.ts isWellFormed: 107 for a channel), instead of
 * protobufjs's lossy decoding, under which different bytes can read as the
 * same channel.
 */
class StrictUtf8Reader extends protobuf.Reader {
  override string(): string {
    const bytes = this.bytes();
    return decodeUtf8Strict(bytes) ?? `${Buffer.from(bytes).toString('utf8')}${ILL_FORMED_MARK}`;
  }
}

/** Appended to a string read from invalid UTF-8: a lone low surrogate makes it ill-formed. */
const ILL_FORMED_MARK = '\udfff';

/** Decodes one Command message. Bytes that are not a Command, or a malformed one (command-shape.ts): disconnect 3501. */
export function decodeCommand(message: Uint8Array): Command {
  let decoded: Plain;
  try {
    decoded = CommandType.decode(new StrictUtf8Reader(message)) as unknown as Plain;
  } catch {
    throw new DisconnectError(Disconnects.badRequest);
  }
  const cmd = fromMessage(CommandType, decoded) as Command;
  checkCommand(cmd, false);
  return cmd;
}

/** Decodes a binary frame of varint-delimited Commands; an empty frame, malformed framing or messages: disconnect 3501. */
export function decodeCommands(frame: Uint8Array): Command[] {
  if (frame.length === 0) throw new DisconnectError(Disconnects.badRequest);
  return splitDelimited(frame).map(decodeCommand);
}

/** Converts a JSON-encoded Reply (as the command handlers build them) to a Protobuf Reply. */
export function replyFromJson(json: string): Uint8Array {
  return ReplyType.encode(toMessage(ReplyType, parseWithRaw(json) as RawObject)).finish();
}

/** Converts a JSON-encoded Reply holding a push to the bare Protobuf Push (unidirectional transports). */
export function pushFromJson(json: string): Uint8Array {
  const reply = parseWithRaw(json) as RawObject;
  const push = (reply['push'] ?? {}) as RawObject;
  return PushType.encode(toMessage(PushType, push)).finish();
}

/** Reply fields a push is taken from (client.proto). */
const REPLY_PUSH_FIELD = 4;
const REPLY_CONNECT_FIELD = 5;
const LENGTH_DELIMITED = 2;

/**
 * The bare Push of one Protobuf Reply (unidirectional transports send pushes
 * unwrapped), or null when it has none (a ping, a command result). A push
 * reply gives a view of its push bytes (no copy); the connect reply's
 * ConnectResult is re-encoded as the Push's `connect` (the two messages
 * number their fields differently), once per connection.
 */
export function pushOfReply(reply: EncodedReply): Uint8Array | null {
  if (typeof reply === 'string' || reply.length === 0) return null;
  const reader = protobuf.Reader.create(reply);
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (wireType === LENGTH_DELIMITED && field === REPLY_PUSH_FIELD) return reader.bytes();
    if (wireType === LENGTH_DELIMITED && field === REPLY_CONNECT_FIELD) {
      const connect = (ReplyType.decode(reply) as unknown as { connect: unknown }).connect;
      return PushType.encode({ connect }).finish();
    }
    reader.skipType(wireType);
  }
  return null;
}

/** The `tags` of the publication in a Protobuf push Reply; undefined when it has none. */
export function publicationTagsOfReply(reply: Uint8Array): Readonly<Record<string, string>> | undefined {
  const decoded = ReplyType.decode(reply) as unknown as { push?: { pub?: { tags?: Record<string, string> } } };
  const tags = decoded.push?.pub?.tags;
  return tags && Object.keys(tags).length > 0 ? tags : undefined;
}

/** Whether a JSON-encoded Reply carries a binary payload, which JSON clients cannot receive (3506). */
export function replyJsonHasBinary(json: string): boolean {
  if (!json.includes('"\\u0000')) return false;
  return hasBinaryField(ReplyType, parseWithRaw(json) as RawObject);
}

/** The empty Reply (server ping): zero bytes, framed as a single 0x00. */
export const PING_REPLY = new Uint8Array(0);

function clientInfoMessage(info: ClientInfo): Plain {
  return {
    user: info.user,
    client: info.client,
    ...(info.conn_info !== undefined ? { conn_info: payloadToBytes(info.conn_info) } : {}),
    ...(info.chan_info !== undefined ? { chan_info: payloadToBytes(info.chan_info) } : {}),
  };
}

/**
 * A publication push Reply for Protobuf subscribers (written byte by byte:
 * publication.ts). `data` replaces the payload bytes (a fossil patch, with
 * `delta`); by default the publication's own.
 */
export const encodePublicationReply = writePublicationReply;

/** A join or leave push Reply for Protobuf subscribers. */
export function encodeJoinLeaveReply(channel: string, kind: 'join' | 'leave', info: ClientInfo): Uint8Array {
  return ReplyType.encode({ push: { channel, [kind]: { info: clientInfoMessage(info) } } }).finish();
}

/** The body of a POST /emulation request. */
export interface EmulationRequest {
  readonly node: string;
  readonly session: string;
  /** The commands, framed as on the connection's stream. */
  readonly data: Uint8Array;
}

/** Decodes an EmulationRequest; malformed bytes throw DisconnectError(3501). */
export function decodeEmulationRequest(bytes: Uint8Array): EmulationRequest {
  try {
    const m = EmulationRequestType.decode(bytes) as unknown as { node: string; session: string; data: Uint8Array };
    return { node: m.node, session: m.session, data: m.data };
  } catch {
    throw new DisconnectError(Disconnects.badRequest);
  }
}

/** Encodes an EmulationRequest (clients, tests). */
export function encodeEmulationRequest(req: EmulationRequest): Uint8Array {
  return EmulationRequestType.encode(req).finish();
}

/** Decodes a ConnectRequest (unidirectional transports) into the JSON request shape; malformed bytes: 3501. */
export function decodeConnectRequest(bytes: Uint8Array): Plain {
  try {
    return fromMessage(ConnectRequestType, ConnectRequestType.decode(new StrictUtf8Reader(bytes)) as unknown as Plain);
  } catch {
    throw new DisconnectError(Disconnects.badRequest);
  }
}

/** Encodes Commands given as plain objects (bytes fields as Uint8Array) into one delimited frame: for clients and tests. */
export function encodeCommands(commands: readonly Plain[]): Uint8Array {
  const writer = CommandType.encodeDelimited(commands[0] ?? {});
  for (let i = 1; i < commands.length; i++) CommandType.encodeDelimited(commands[i]!, writer);
  return writer.finish();
}

/** Decodes one Reply (no length prefix) into a plain object (64-bit numbers as numbers, bytes as Uint8Array): for clients and tests. */
export function decodeReply(message: Uint8Array): Plain {
  return ReplyType.toObject(ReplyType.decode(message), { longs: Number }) as Plain;
}

/** Decodes a delimited frame of Replies into plain objects: for clients and tests. */
export function decodeReplies(frame: Uint8Array): Plain[] {
  return splitDelimited(frame).map(decodeReply);
}

/** Decodes a bare Push into a plain object: for clients and tests of unidirectional transports. */
export function decodePush(bytes: Uint8Array): Plain {
  return PushType.toObject(PushType.decode(bytes), { longs: Number }) as Plain;
}
