/**
 * The reader side of varint-delimited framing (each Protobuf message prefixed
 * with its length as a varint); the writer side is joinDelimited in
 * src/shards/transport.ts.
 */
import { Disconnects } from './codes';
import { DisconnectError } from './errors';

/** Largest length prefix accepted: 5 varint bytes (32 bits), as Centrifugo's reader. */
const MAX_VARINT_BYTES = 5;

/**
 * Splits a frame into its messages (views into `frame`). A truncated or
 * oversized varint, or a length past the end of the frame, is a protocol
 * violation: disconnect 3501.
 */
export function splitDelimited(frame: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  while (at < frame.length) {
    let length = 0;
    let shift = 0;
    let done = false;
    for (let i = 0; i < MAX_VARINT_BYTES && at < frame.length; i++) {
      const b = frame[at++]!;
      length += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if (b < 0x80) {
        done = true;
        break;
      }
    }
    if (!done || at + length > frame.length) throw new DisconnectError(Disconnects.badRequest);
    out.push(frame.subarray(at, at + length));
    at += length;
  }
  return out;
}
