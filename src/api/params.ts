/**
 * Reading server API request fields. A missing or mistyped field is a
 * ReplyError 107 whose message names the field.
 */
import { Errors } from '../protocol/codes';
import { ReplyError } from '../protocol/errors';
import { payloadFromBase64 } from '../protocol/payload';
import { decodeUtf8Strict, jsonTooDeep, TOO_DEEP_MESSAGE } from '../protocol/input-guards';
import { keepRawData, keptRawData } from './raw-data';

/** A decoded API request object. */
export type Params = Readonly<Record<string, unknown>>;

function bad(message: string): ReplyError {
  return new ReplyError(Errors.badRequest, message);
}

/** A required non-empty string field. */
export function requiredString(params: Params, name: string): string {
  const v = params[name];
  if (typeof v !== 'string' || v === '') throw bad(`${name} required`);
  return v;
}

/** An optional string field ("" when absent). */
export function optionalString(params: Params, name: string): string {
  const v = params[name];
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw bad(`${name} must be a string`);
  return v;
}

/** An optional boolean field (false when absent). */
export function optionalBoolean(params: Params, name: string): boolean {
  const v = params[name];
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw bad(`${name} must be a boolean`);
  return v;
}

/** An optional object field, or undefined. */
export function optionalObject(params: Params, name: string): Params | undefined {
  const v = params[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw bad(`${name} must be an object`);
  return v as Params;
}

/** Optional publication tags: a map of string to string. */
export function optionalTags(params: Params): Record<string, string> | undefined {
  const tags = optionalObject(params, 'tags');
  if (!tags) return undefined;
  for (const [k, v] of Object.entries(tags)) {
    if (typeof v !== 'string') throw bad(`tags.${k} must be a string`);
  }
  return Object.keys(tags).length > 0 ? (tags as Record<string, string>) : undefined;
}

/**
 * The payload carrier (protocol/payload.ts) of `data` (JSON) or `b64data`
 * (base64 bytes; unless they are valid JSON only Protobuf clients can
 * receive them, JSON subscribers are disconnected with 3506). One is required.
 */
export function requiredData(params: Params): string {
  const b64 = params['b64data'];
  if (b64 !== undefined && b64 !== null && params['data'] === undefined) {
    if (typeof b64 !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) throw bad('b64data must be standard base64');
    return payloadFromBase64(b64);
  }
  if (params['data'] === undefined) throw bad('data required');
  // The text as the client sent it when the body showed where it is (raw-data.ts); otherwise serialized again.
  return keptRawData(params) ?? JSON.stringify(params['data']);
}

/**
 * The request object of an API body, or the message of a 400 (code 107):
 * bytes that are not UTF-8 (they would be changed silently into U+FFFD),
 * JSON nested deeper than MAX_JSON_DEPTH (checked before parsing, so a huge
 * nested body costs a scan of its first levels only), JSON that does not
 * parse, or a value that is not an object.
 */
export function parseApiBody(body: Uint8Array): Params | string {
  const text = decodeUtf8Strict(body);
  if (text === null) return 'bad request: body is not valid UTF-8';
  if (jsonTooDeep(text)) return TOO_DEEP_MESSAGE;
  let params: unknown;
  try {
    params = JSON.parse(text);
  } catch {
    return 'bad request: body is not valid JSON';
  }
  if (typeof params !== 'object' || params === null || Array.isArray(params)) return 'bad request: body must be a JSON object';
  keepRawData(params as Params, text);
  return params as Params;
}
