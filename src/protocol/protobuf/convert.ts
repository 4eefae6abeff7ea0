/**
 * Schema-aware conversion between decoded Protobuf messages and the JSON
 * shapes the rest of the server uses. `bytes` fields are the only fields whose
 * representation differs: payload carriers (src/protocol/payload.ts) on the
 * server side, raw bytes on the wire.
 */
import protobuf from 'protobufjs';
import { isBinaryPayloadJson, payloadFromBytes, payloadJsonToBytes, RawPayload } from '../payload';
import { RAW, type RawObject } from './raw-json';

type Plain = Record<string, unknown>;

interface LongLike {
  toNumber(): number;
}

/** A decoded message as a plain object: absent and empty fields left out, 64-bit numbers as numbers, bytes as RawPayload. */
export function fromMessage(type: protobuf.Type, msg: Plain): Plain {
  const out: Plain = {};
  for (const field of type.fieldsArray) {
    if (!Object.prototype.hasOwnProperty.call(msg, field.name)) continue;
    const v = msg[field.name];
    if (v === null || v === undefined) continue;
    if (field.map) {
      const entries = Object.entries(v as Plain);
      if (entries.length > 0) out[field.name] = Object.fromEntries(entries.map(([k, x]) => [k, fromValue(field, x)]));
    } else if (field.repeated) {
      const items = v as unknown[];
      if (items.length > 0) out[field.name] = items.map((x) => fromValue(field, x));
    } else {
      out[field.name] = fromValue(field, v);
    }
  }
  return out;
}

function fromValue(field: protobuf.Field, v: unknown): unknown {
  if (field.resolvedType instanceof protobuf.Type) return fromMessage(field.resolvedType, v as Plain);
  if (field.type === 'bytes') return new RawPayload(payloadFromBytes(v as Uint8Array));
  if (typeof v === 'object' && v !== null && 'toNumber' in v) return (v as LongLike).toNumber();
  return v;
}

/**
 * A JSON object parsed with parseWithRaw as an object protobufjs encodes as
 * `type`: bytes fields from the exact JSON source of their value (payloadJson
 * fragments), unknown members dropped.
 */
export function toMessage(type: protobuf.Type, obj: RawObject): Plain {
  const out: Plain = {};
  for (const field of type.fieldsArray) {
    const v = obj[field.name];
    if (v === null || v === undefined) continue;
    if (field.type === 'bytes' && !field.repeated && !field.map) {
      out[field.name] = payloadJsonToBytes(obj[RAW][field.name]!);
    } else if (field.map) {
      out[field.name] = Object.fromEntries(Object.entries(v as Plain).map(([k, x]) => [k, toValue(field, x)]));
    } else if (field.repeated) {
      out[field.name] = (v as unknown[]).map((x) => toValue(field, x));
    } else {
      out[field.name] = toValue(field, v);
    }
  }
  return out;
}

function toValue(field: protobuf.Field, v: unknown): unknown {
  return field.resolvedType instanceof protobuf.Type ? toMessage(field.resolvedType, v as RawObject) : v;
}

/** Whether any `bytes` field of a JSON object parsed with parseWithRaw holds a binary payload. */
export function hasBinaryField(type: protobuf.Type, obj: RawObject): boolean {
  for (const field of type.fieldsArray) {
    const v = obj[field.name];
    if (v === null || v === undefined) continue;
    if (field.type === 'bytes' && !field.repeated && !field.map) {
      if (isBinaryPayloadJson(obj[RAW][field.name]!)) return true;
    } else if (field.resolvedType instanceof protobuf.Type) {
      const rt = field.resolvedType;
      const items = field.map ? Object.values(v as Plain) : field.repeated ? (v as unknown[]) : [v];
      for (const x of items) if (hasBinaryField(rt, x as RawObject)) return true;
    }
  }
  return false;
}
