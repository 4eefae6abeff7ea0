/**
 * The JSON encoding of Centrifugo client protocol v2.
 *
 * A WebSocket text frame carries one or more Command objects joined with `\n`.
 * Replies and pushes go out the same way. `data`, `info` and the like are
 * embedded as raw JSON (not base64), so the server keeps payloads as JSON text
 * and splices them into frames without parsing them again.
 */
import { Disconnects } from './codes';
import { DisconnectError } from './errors';
import { payloadJson, RawPayload } from './payload';
import { checkCommand, topLevelCommand } from './command-shape';
import { jsonTooDeep } from './input-guards';
import type { Command } from './command';

export { COMMAND_METHODS, commandMethod, type Command, type CommandMethod } from './command';

/**
 * Splits a text frame into commands, Centrifugo's way: a frame with no
 * command, a blank line between commands, malformed JSON, a line that is not
 * an object, or a field of the wrong type (command-shape.ts) is a protocol
 * violation: disconnect 3501. A line nested deeper than MAX_JSON_DEPTH is
 * not parsed; its request is rejected with 107 (topLevelCommand).
 */
export function decodeCommands(frame: string): Command[] {
  const out: Command[] = [];
  const lines = frame.trimEnd().split('\n');
  for (const line of lines) {
    // Only the end of a frame may be blank (a trailing newline).
    const text = line.trim();
    if (text === '') throw new DisconnectError(Disconnects.badRequest);
    out.push(decodeLine(text));
  }
  return out;
}

function decodeLine(text: string): Command {
  if (jsonTooDeep(text)) {
    const cmd = topLevelCommand(text);
    checkCommand(cmd, true);
    return cmd;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new DisconnectError(Disconnects.badRequest);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new DisconnectError(Disconnects.badRequest);
  }
  checkCommand(parsed as Command, true);
  return parsed as Command;
}

/** `{"id":N,"<method>":<resultJson>}`; resultJson is already JSON text. */
export function encodeResult(id: number, method: string, resultJson: string): string {
  return `{"id":${id},"${method}":${resultJson}}`;
}

/** `{"id":N,"error":{...}}`. */
export function encodeError(id: number, error: { code: number; message: string; temporary?: boolean }): string {
  return `{"id":${id},"error":${JSON.stringify(error)}}`;
}

/** A push wrapped in a Reply: `{"push":{"channel":…,"<kind>":<bodyJson>}}`. */
export function encodePush(channel: string, kind: string, bodyJson: string): string {
  return `{"push":{"channel":${JSON.stringify(channel)},"${kind}":${bodyJson}}}`;
}

/**
 * The disconnect push, wrapped in a Reply, that emulated transports
 * (HTTP-streaming, SSE) write before ending their stream:
 * `{"push":{"disconnect":{"code":…,"reason":"…"}}}` (no channel).
 */
export function encodeDisconnectPush(code: number, reason: string): string {
  return `{"push":{"disconnect":${JSON.stringify({ code, reason })}}}`;
}

/** A push about the connection itself (no channel), wrapped in a Reply: `{"push":{"<kind>":<bodyJson>}}`. */
export function encodeConnectionPush(kind: string, bodyJson: string): string {
  return `{"push":{"${kind}":${bodyJson}}}`;
}

/** The server ping: an empty Reply. */
export const PING_FRAME = '{}';

/** Publisher info as sent in publications and join/leave: ClientInfo. */
export interface ClientInfo {
  readonly user: string;
  readonly client: string;
  /** Raw JSON text of the connection info, when the connection has one. */
  readonly conn_info?: string;
  /** Raw JSON text of the channel info, when the subscription has one. */
  readonly chan_info?: string;
}

/** Encodes ClientInfo, splicing the raw-JSON info fields. */
export function encodeClientInfo(info: ClientInfo): string {
  let out = `{"user":${JSON.stringify(info.user)},"client":${JSON.stringify(info.client)}`;
  if (info.conn_info !== undefined) out += `,"conn_info":${payloadJson(info.conn_info)}`;
  if (info.chan_info !== undefined) out += `,"chan_info":${payloadJson(info.chan_info)}`;
  return out + '}';
}

/** Fields of a Publication as switchyard carries them: `data` is a payload carrier (protocol/payload.ts). */
export interface PublicationFields {
  readonly data: string;
  readonly info?: ClientInfo;
  readonly offset?: number;
  readonly tags?: Readonly<Record<string, string>>;
}

/** Encodes a Publication object. `dataText` replaces the data as it goes on the wire. */
function publicationJson(pub: PublicationFields, dataJson: string, delta: boolean): string {
  let out = `{"data":${dataJson}`;
  if (pub.info) out += `,"info":${encodeClientInfo(pub.info)}`;
  if (pub.offset) out += `,"offset":${pub.offset}`;
  if (pub.tags && Object.keys(pub.tags).length > 0) out += `,"tags":${JSON.stringify(pub.tags)}`;
  if (delta) out += ',"delta":true';
  return out + '}';
}

/** Encodes a Publication object. */
export function encodePublication(pub: PublicationFields): string {
  return publicationJson(pub, payloadJson(pub.data), false);
}

/**
 * Encodes a Publication for a subscriber that negotiated fossil deltas. The
 * JSON protocol then carries `data` as a JSON string: the full payload's text,
 * or (with `patch`) the fossil patch and `"delta":true`; the SDK decodes both.
 */
export function encodeDeltaPublication(pub: PublicationFields, patch?: string): string {
  return patch === undefined ? publicationJson(pub, JSON.stringify(pub.data), false) : publicationJson(pub, JSON.stringify(patch), true);
}

/**
 * The carrier (protocol/payload.ts) of a payload received from a client or
 * the API: a parsed JSON value serialized back to text (JSON.stringify never
 * writes a raw newline, which would split the frame), or a Protobuf
 * command's payload as decoded.
 */
export function payloadToJson(value: unknown): string {
  return value instanceof RawPayload ? value.carrier : JSON.stringify(value);
}
