/**
 * Replies to bare pushes, for unidirectional transports (JSON protocol).
 *
 * The shard hands every transport Reply messages. A unidirectional client
 * gets Push messages without the Reply wrapper (centrifugo.md §1.4, §2):
 * - `{"push":X}` becomes `X`;
 * - the connect reply `{"id":N,"connect":R}` becomes the push `{"connect":R}`;
 * - the empty reply `{}` (a ping) stays `{}`.
 * Other replies (command results, errors) have no push form and are dropped:
 * a unidirectional client sends no command but its connect, and a connect
 * error is turned into a disconnect by the dispatcher.
 *
 * The shard writes these replies itself, always in these exact shapes, so the
 * conversion is slicing: no parsing.
 */
import { Disconnects, shouldReconnect, UnidirectionalConnectDisconnects, type DisconnectCode } from '../protocol/codes';
import type { EncodedReply } from './names';
import { isConnectRequestShape } from './command-shape';
import { jsonTooDeep } from './input-guards';

const PUSH_PREFIX = '{"push":';
const ID_PREFIX = '{"id":';
const CONNECT_FIELD = '"connect":';
const PUSH_PREFIX_BYTES = new TextEncoder().encode(PUSH_PREFIX);
const utf8 = new TextDecoder();

function hasPushPrefix(bytes: Uint8Array): boolean {
  if (bytes.length <= PUSH_PREFIX_BYTES.length) return false;
  for (let i = 0; i < PUSH_PREFIX_BYTES.length; i++) if (bytes[i] !== PUSH_PREFIX_BYTES[i]) return false;
  return true;
}

/**
 * The bare push of one JSON reply, or null when the reply has none. Byte
 * replies (topic frames, always `{"push":…}`) stay bytes: a view, not a copy.
 */
export function replyToPush(reply: EncodedReply): EncodedReply | null {
  if (typeof reply !== 'string') {
    if (hasPushPrefix(reply)) return reply.subarray(PUSH_PREFIX.length, reply.length - 1);
    return replyToPush(utf8.decode(reply));
  }
  if (reply.startsWith(PUSH_PREFIX)) return reply.slice(PUSH_PREFIX.length, -1);
  if (reply === '{}') return reply;
  if (reply.startsWith(ID_PREFIX)) {
    const comma = reply.indexOf(',', ID_PREFIX.length);
    if (comma > 0 && reply.startsWith(CONNECT_FIELD, comma + 1)) return '{' + reply.slice(comma + 1);
  }
  return null;
}

/** The bare pushes of a batch of replies, in order. */
export function repliesToPushes(replies: readonly EncodedReply[]): EncodedReply[] {
  const out: EncodedReply[] = [];
  for (const reply of replies) {
    const push = replyToPush(reply);
    if (push !== null) out.push(push);
  }
  return out;
}

/**
 * The `disconnect` push sent before a unidirectional connection closes, or
 * null for code 3000 (connection closed: nothing to tell, as Centrifugo).
 */
export function disconnectPush(code: number, reason: string): string | null {
  if (code === Disconnects.connectionClosed.code) return null;
  return `{"disconnect":{"code":${code},"reason":${JSON.stringify(reason)}}}`;
}

/** One connect error code turned into a disconnect on unidirectional transports. */
export interface UniDisconnectTransform {
  /** The connect error code (reply error) to match. */
  readonly code: number;
  /** The disconnect that ends the connection instead. */
  readonly to: {
    readonly code: number;
    readonly reason: string;
  };
}

/**
 * The disconnect that ends a unidirectional connection whose connect failed
 * with a reply error `code`: the configured transform for it
 * (`client.connect_code_to_unidirectional_disconnect`), else Centrifugo's
 * default mapping, else 3004 internal server error.
 */
export function connectErrorDisconnect(code: number, custom?: { readonly enabled: boolean; readonly transforms: readonly UniDisconnectTransform[] }): DisconnectCode {
  if (custom?.enabled) {
    const transform = custom.transforms.find((t) => t.code === code);
    if (transform) return { code: transform.to.code, reason: transform.to.reason, reconnect: shouldReconnect(transform.to.code) };
  }
  return UnidirectionalConnectDisconnects[code] ?? Disconnects.serverError;
}

/**
 * Parses a ConnectRequest sent as JSON text (request body, `cf_connect`, or
 * the first uni WebSocket message). `null` is an empty request; anything but
 * an object (including no text at all), JSON nested deeper than
 * MAX_JSON_DEPTH, or a field of the wrong type (`"token": 5`) is malformed:
 * null is returned.
 */
export function parseConnectRequest(text: string): Record<string, unknown> | null {
  if (jsonTooDeep(text)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (parsed === null) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) return null;
  return isConnectRequestShape(parsed as Record<string, unknown>) ? (parsed as Record<string, unknown>) : null;
}
