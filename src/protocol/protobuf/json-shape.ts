/**
 * Between decoded Protobuf messages and the JSON shapes Centrifugo's JSON
 * APIs use for the same messages (the server API's bodies, the proxies'
 * answers), for the two places that speak both: the gRPC server API and
 * the gRPC proxies.
 *
 * Message → JSON shape: fields that were not on the wire are left out
 * (proto3 sends no defaults), 64-bit numbers become numbers, a `bytes` field
 * `x` becomes `b64x` (base64 of the exact bytes) where the message has such
 * a twin field or `b64` names `x`, and otherwise the JSON value its bytes
 * hold. A `BoolValue` always has its `value`.
 *
 * JSON shape → message: a `bytes` field takes the JSON text of `x`, or the
 * decoded `b64x`; keys the message does not have are dropped.
 */
import protobuf from 'protobufjs';

type Plain = Record<string, unknown>;

interface LongLike {
  toNumber(): number;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** A bytes field that should hold JSON but does not; the message names the field. */
export class NotJsonError extends Error {
  readonly code = 'SY_NOT_JSON';
}

/**
 * The JSON shape of a decoded message. `b64` lists bytes fields that go as
 * their `b64` twin even when the message has none (the server API's
 * `refresh.info`).
 */
export function messageToJsonShape(type: protobuf.Type, message: Plain, b64: readonly string[] = []): Plain {
  const out: Plain = {};
  for (const field of type.fieldsArray) {
    if (!Object.prototype.hasOwnProperty.call(message, field.name)) continue;
    const v = message[field.name];
    if (v === null || v === undefined) continue;
    if (field.map) {
      const entries = Object.entries(v as Plain);
      if (entries.length > 0) out[field.name] = Object.fromEntries(entries.map(([k, x]) => [k, valueToJson(field, x, b64)]));
    } else if (field.repeated) {
      const items = v as unknown[];
      if (items.length > 0) out[field.name] = items.map((x) => valueToJson(field, x, b64));
    } else if (field.type === 'bytes') {
      bytesToJson(type, field.name, v as Uint8Array, out, b64);
    } else {
      out[field.name] = valueToJson(field, v, b64);
    }
  }
  if (type.name === 'BoolValue' && out['value'] === undefined) out['value'] = false;
  return out;
}

function valueToJson(field: protobuf.Field, v: unknown, b64: readonly string[]): unknown {
  if (field.resolvedType instanceof protobuf.Type) return messageToJsonShape(field.resolvedType, v as Plain, b64);
  if (typeof v === 'object' && v !== null && 'toNumber' in v) return (v as LongLike).toNumber();
  return v;
}

function bytesToJson(type: protobuf.Type, name: string, bytes: Uint8Array, out: Plain, b64: readonly string[]): void {
  if (bytes.length === 0) return;
  const twin = `b64${name}`;
  if (type.fields[twin] !== undefined || b64.includes(name)) {
    out[twin] = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
    return;
  }
  try {
    out[name] = JSON.parse(strictUtf8.decode(bytes)) as unknown;
  } catch {
    throw new NotJsonError(`${name} must hold JSON`);
  }
}

/** The message object (for `type.fromObject`) of a JSON shape. */
export function jsonShapeToMessage(type: protobuf.Type, json: Plain): Plain {
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
  return field.resolvedType instanceof protobuf.Type ? jsonShapeToMessage(field.resolvedType, v as Plain) : v;
}

/** The bytes of a payload field: the JSON text of its value, or its `b64` twin decoded. */
function payloadBytes(json: Plain, name: string): Buffer | undefined {
  const value = json[name];
  if (value !== undefined && value !== null) return Buffer.from(JSON.stringify(value));
  const b64 = json[`b64${name}`];
  return typeof b64 === 'string' ? Buffer.from(b64, 'base64') : undefined;
}

/** Encodes a JSON shape as a message of `type`. */
export function encodeJsonShape(type: protobuf.Type, json: Plain): Uint8Array {
  return type.encode(type.fromObject(jsonShapeToMessage(type, json))).finish();
}

/**
 * Decodes bytes strictly: as a plain Uint8Array (protobufjs's Buffer reader
 * cuts a string whose length runs past the end short instead of failing;
 * its generic reader throws), and the decode must end exactly at the end.
 * Throws on malformed bytes.
 */
export function decodeStrict(type: protobuf.Type, bytes: Uint8Array): Plain {
  const reader = protobuf.Reader.create(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const message = type.decode(reader) as unknown as Plain;
  if (reader.pos !== reader.len) throw new Error(`${type.name}: ${reader.len - reader.pos} bytes left over`);
  return message;
}
