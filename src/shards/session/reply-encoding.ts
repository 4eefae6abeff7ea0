/**
 * Replies in the connection's protocol. Command handlers and pushes build
 * replies as JSON text (low rate); a Protobuf connection gets them converted
 * to Protobuf Replies with the same content, and a JSON connection cannot be
 * sent one that carries a binary payload (Centrifugo closes it with 3506).
 * Publications on the fan-out path are encoded per protocol at the owner and
 * never come through here as text for Protobuf connections.
 */
import { PING_FRAME } from '../../protocol/json';
import { PING_REPLY, replyFromJson, replyJsonHasBinary } from '../../protocol/protobuf/codec';
import type { EncodedReply, ProtocolType } from '../../protocol/names';

/** A JSON-text reply encoded for `protocol`; null when a JSON client cannot receive it (binary payload: 3506). */
export function encodeReplyFor(protocol: ProtocolType, json: string): EncodedReply | null {
  if (protocol === 'protobuf') return json === PING_FRAME ? PING_REPLY : replyFromJson(json);
  return replyJsonHasBinary(json) ? null : json;
}
