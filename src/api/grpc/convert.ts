/**
 * Between gRPC API messages and the JSON shapes the HTTP API methods take
 * and return, so both transports run the same methods (../methods.ts).
 *
 * Requests: a decoded message becomes the object an HTTP API body would be.
 * Fields the client did not set are left out (proto3 sends no defaults), a
 * `bytes` payload `x` goes as `b64x` (base64 of the exact bytes) where the
 * HTTP API has such a field (`data`/`b64data`, `info`/`b64info`), and as the
 * JSON value its bytes hold otherwise. A `BoolValue` always has its `value`.
 *
 * Results: JSON values of payload fields (`data`, `info`, `conn_info`…)
 * become their JSON bytes, `b64x` strings their decoded bytes; keys the
 * message does not have (switchyard's extras, such as `info`'s per-shard
 * breakdown) are dropped.
 */
import protobuf from 'protobufjs';
import { Errors } from '../../protocol/codes';
import { ReplyError } from '../../protocol/errors';
import type { Params } from '../params';

type Plain = Record<string, unknown>;

interface LongLike {
  toNumber(): number;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The HTTP API request object of a decoded gRPC request message. */
export function messageToParams(type: protobuf.Type, message: Plain): Params {
  const out: Plain = {};
  for (const field of type.fieldsArray) {
    if (!Object.prototype.hasOwnProperty.call(message, field.name)) continue;
    const v = message[field.name];
    if (v === null || v === undefined) continue;
    if (field.map) {
      const entries = Object.entries(v as Plain);
      if (entries.length > 0) out[field.name] = Object.fromEntries(entries.map(([k, x]) => [k, valueToParam(field, x)]));
    } else if (field.repeated) {
      const items = v as unknown[];
      if (items.length > 0) out[field.name] = items.map((x) => valueToParam(field, x));
    } else if (field.type === 'bytes') {
      bytesToParam(type, field.name, v as Uint8Array, out);
    } else {
      out[field.name] = valueToParam(field, v);
    }
  }
  if (type.name === 'BoolValue' && out['value'] === undefined) out['value'] = false;
  return out;
}

function valueToParam(field: protobuf.Field, v: unknown): unknown {
  if (field.resolvedType instanceof protobuf.Type) return messageToParams(field.resolvedType, v as Plain);
  if (typeof v === 'object' && v !== null && 'toNumber' in v) return (v as LongLike).toNumber();
  return v;
}

/** A bytes field: `b64<name>` when the HTTP API has it, else the JSON value the bytes hold (107 when they are not JSON). */
function bytesToParam(type: protobuf.Type, name: string, bytes: Uint8Array, out: Plain): void {
  if (bytes.length === 0) return;
  const b64 = `b64${name}`;
  if (type.fields[b64] !== undefined || name === 'info') {
    out[b64] = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
    return;
  }
  try {
    out[name] = JSON.parse(strictUtf8.decode(bytes)) as unknown;
  } catch {
    throw new ReplyError(Errors.badRequest, `${name} must hold JSON`);
  }
}

/** The message object (for `type.fromObject`) of an HTTP API result object. */
export function resultToMessage(type: protobuf.Type, json: Plain): Plain {
  const out: Plain = {};
  for (const field of type.fieldsArray) {
    if (field.type === 'bytes' && !field.repeated && !field.map) {
      const bytes = payloadBytes(json, field.name);
      if (bytes) out[field.name] = bytes;
      continue;
    }
    const v = json[field.name];
    if (v === null || v === undefined) continue;
    if (field.map) {
      out[field.name] = Object.fromEntries(Object.entries(v as Plain).map(([k, x]) => [k, valueToMessage(field, x)]));
    } else if (field.repeated) {
      out[field.name] = (v as unknown[]).map((x) => valueToMessage(field, x));
    } else {
      out[field.name] = valueToMessage(field, v);
    }
  }
  return out;
}

function valueToMessage(field: protobuf.Field, v: unknown): unknown {
  return field.resolvedType instanceof protobuf.Type ? resultToMessage(field.resolvedType, v as Plain) : v;
}

/** The bytes of a payload field of a result: its JSON value, or its `b64` twin decoded. */
function payloadBytes(json: Plain, name: string): Buffer | undefined {
  const value = json[name];
  if (value !== undefined && value !== null) return Buffer.from(JSON.stringify(value));
  const b64 = json[`b64${name}`];
  return typeof b64 === 'string' ? Buffer.from(b64, 'base64') : undefined;
}

/** Encodes a JSON-shaped object as a message of `type`. */
export function encodeMessage(type: protobuf.Type, json: Plain): Uint8Array {
  return type.encode(type.fromObject(resultToMessage(type, json))).finish();
}
