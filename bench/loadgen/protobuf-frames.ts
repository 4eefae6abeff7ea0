/**
 * The Protobuf side of the load generator: a subscriber's first frame, the
 * pong, and a binary frame split into its varint-delimited Replies. A
 * publication push (a Reply whose first field is `push`, tag 0x22) goes to
 * the fast path that only reads the stamp inside its payload bytes (the
 * payload is the same JSON text as on the JSON protocol); anything else is
 * decoded with switchyard's codec and handed on as JSON text, so the session
 * treats replies of both protocols alike.
 */
import { decodeReply, encodeCommands } from '../../src/protocol/protobuf/codec';
import { splitDelimited } from '../../src/protocol/framing';
import type { LineHandlers } from './frames';
import { readStamp, STAMP_PREFIX } from './payload';

/** First byte of a Reply that carries a push (field 4, length-delimited). */
const PUSH_TAG = 0x22;
const STAMP = Buffer.from(STAMP_PREFIX);
/** The empty Command (the pong), varint-delimited: a single 0x00. */
export const PROTOBUF_PONG = new Uint8Array([0]);

/** Connect and subscribe (SubscribeRequest fields, `channel` among them) in one frame. */
export function protobufHandshake(subscribe: Readonly<Record<string, unknown>>): Uint8Array {
  return encodeCommands([{ id: 1, connect: {} }, { id: 2, subscribe }]);
}

/** Walks the Replies of one binary frame. */
export function scanProtobufFrame(frame: Buffer, handlers: LineHandlers): void {
  for (const message of splitDelimited(frame)) {
    if (message.length > 0 && message[0] === PUSH_TAG) {
      const bytes = Buffer.from(message.buffer, message.byteOffset, message.byteLength);
      const at = bytes.indexOf(STAMP);
      handlers.onPublication(at >= 0 ? readStamp(bytes, at + STAMP.length, bytes.length) : Number.NaN);
    } else {
      handlers.onOther(JSON.stringify(decodeReply(message)));
    }
  }
}
