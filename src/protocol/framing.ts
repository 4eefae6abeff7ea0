/**
 * Framing of several Replies or Commands in one frame: newline-joined JSON,
 * and varint-delimited Protobuf (each message prefixed with its length as a
 * varint). Both directions live here, with the varint helpers the Protobuf
 * encoders share.
 */
import { Disconnects } from './codes';
import { DisconnectError } from './errors';
import type { EncodedReply } from './names';

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

const NEWLINE = 0x0a;
const utf8 = new TextEncoder();

/**
 * Joins JSON replies (text or UTF-8 bytes) with `\n` into one frame: a string
 * when every reply is text, bytes otherwise.
 */
export function joinJson(replies: readonly EncodedReply[]): string | Uint8Array {
  if (replies.length === 1) return replies[0]!;
  if (replies.every((r) => typeof r === 'string')) return (replies as readonly string[]).join('\n');
  const parts = replies.map((r) => (typeof r === 'string' ? utf8.encode(r) : r));
  let size = parts.length - 1;
  for (const p of parts) size += p.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (let i = 0; i < parts.length; i++) {
    if (i > 0) out[at++] = NEWLINE;
    out.set(parts[i]!, at);
    at += parts[i]!.length;
  }
  return out;
}

/** Number of bytes of a varint holding `n`. */
export function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

/** Writes `n` as a varint at `at`; returns the offset after it. */
export function writeVarint(out: Uint8Array, at: number, n: number): number {
  while (n >= 0x80) {
    out[at++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  out[at++] = n;
  return at;
}

/** Concatenates messages, each prefixed with its length as a varint (Protobuf framing). */
export function joinDelimited(messages: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const m of messages) size += varintSize(m.length) + m.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const m of messages) {
    at = writeVarint(out, at, m.length);
    out.set(m, at);
    at += m.length;
  }
  return out;
}
