/**
 * How switchyard carries a payload (`data`, `info`, `conn_info`, `chan_info`,
 * RPC and connect data…) inside the server: as ONE string, the "carrier",
 * through commands, the broker, history, Redis and msgpack.
 *
 * - A payload whose bytes are valid JSON is carried as that JSON text (raw
 *   newlines removed, as Centrifugo does when it writes JSON frames; they can
 *   only be whitespace between tokens in valid JSON).
 * - Any other bytes (Protobuf clients may publish anything, the server API
 *   takes `b64data`) are carried as U+0000 followed by their base64. JSON text
 *   never starts with NUL, so the two cannot be confused.
 *
 * JSON-protocol clients cannot receive a binary payload: the connection is
 * closed with 3506 (inappropriate protocol), as in Centrifugo.
 */
import { decodeUtf8Strict, jsonTooDeep } from './input-guards';

/** First character of the carrier of a binary (non-JSON) payload. */
export const BINARY_MARK = '\u0000';

/** Whether a carrier holds binary (non-JSON) bytes. */
export function isBinaryPayload(carrier: string): boolean {
  return carrier.charCodeAt(0) === 0;
}

/** The carrier of a payload's bytes: their JSON text when they are valid JSON, else the binary form. */
export function payloadFromBytes(bytes: Uint8Array): string {
  if (bytes.length > 0) {
    let text: string | null = null;
    text = decodeUtf8Strict(bytes);
    // JSON nested past MAX_JSON_DEPTH is carried as binary: nothing ever walks a binary payload recursively.
    if (text !== null && jsonTooDeep(text)) text = null;
    try {
      if (text !== null) JSON.parse(text);
    } catch {
      text = null;
    }
    if (text !== null) return text.includes('\n') ? text.replace(/\n/g, '') : text;
  }
  return BINARY_MARK + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/**
 * The carrier of base64-encoded bytes (the server API's `b64data`): like any
 * bytes, JSON when they are valid JSON (Centrifugo's JSON encoder accepts
 * those too), binary otherwise.
 */
export function payloadFromBase64(base64: string): string {
  return payloadFromBytes(Buffer.from(base64, 'base64'));
}

/** The bytes a carrier stands for (JSON text as UTF-8). */
export function payloadToBytes(carrier: string): Uint8Array {
  return isBinaryPayload(carrier) ? Buffer.from(carrier.slice(1), 'base64') : Buffer.from(carrier, 'utf8');
}

/**
 * The JSON text to splice into a JSON-protocol message for a carrier: the
 * JSON payload itself, or for a binary payload the carrier as a JSON string
 * (`"\u0000…"`), which marks the message as not sendable to JSON clients and
 * which the Protobuf converter turns back into the bytes.
 */
export function payloadJson(carrier: string): string {
  return isBinaryPayload(carrier) ? JSON.stringify(carrier) : carrier;
}

/** A JSON text fragment (from payloadJson) that stands for a binary payload. */
export function isBinaryPayloadJson(json: string): boolean {
  return json.startsWith('"\\u0000');
}

/** The bytes a payloadJson fragment stands for. */
export function payloadJsonToBytes(json: string): Uint8Array {
  return isBinaryPayloadJson(json) ? payloadToBytes(JSON.parse(json) as string) : Buffer.from(json, 'utf8');
}

/**
 * A payload decoded from a Protobuf command, already in carrier form. Command
 * handlers read request payloads with payloadToJson (protocol/json.ts), which
 * passes these through instead of serializing a parsed JSON value.
 */
export class RawPayload {
  constructor(readonly carrier: string) {}
}
