/**
 * Every server API method's request fields with their types, as Centrifugo
 * v6's api.proto declares them, checked before a method runs: a field of the
 * wrong type is error 107 naming it. `null` counts as absent (protobuf JSON)
 * and unknown fields are ignored, as Centrifugo's decoder does. 64-bit
 * integers may be numbers or decimal strings (protobuf JSON). PRO-only
 * fields (`label_filter`, `all_users`) are accepted and have no effect, as in
 * Centrifugo OSS.
 */
import { Errors } from '../protocol/codes';
import { ReplyError } from '../protocol/errors';
import type { Params } from './params';

/** The type of one field. An object spec is a nested message. */
export type FieldType = 'string' | 'bool' | 'int' | 'uint' | 'json' | 'strings' | 'tags' | 'message' | 'messages' | { readonly [field: string]: FieldType };

/** A request's fields. */
export type RequestFields = { readonly [field: string]: FieldType };

const STREAM_POSITION: RequestFields = { offset: 'uint', epoch: 'string' };
const BOOL_VALUE: RequestFields = { value: 'bool' };
const PRO_TARGETING: RequestFields = { label_filter: 'message', all_users: 'bool' };
const PUBLISH_OPTIONS: RequestFields = {
  data: 'json',
  b64data: 'string',
  skip_history: 'bool',
  tags: 'tags',
  idempotency_key: 'string',
  delta: 'bool',
  version: 'uint',
  version_epoch: 'string',
};

/** The request fields of every method switchyard serves (api.proto's messages). */
export const REQUEST_FIELDS: Readonly<Record<string, RequestFields>> = Object.freeze({
  publish: { channel: 'string', ...PUBLISH_OPTIONS },
  broadcast: { channels: 'strings', ...PUBLISH_OPTIONS },
  subscribe: {
    channel: 'string',
    user: 'string',
    expire_at: 'int',
    info: 'json',
    b64info: 'string',
    client: 'string',
    data: 'json',
    b64data: 'string',
    recover_since: STREAM_POSITION,
    override: { presence: BOOL_VALUE, join_leave: BOOL_VALUE, force_recovery: BOOL_VALUE, force_positioning: BOOL_VALUE, force_push_join_leave: BOOL_VALUE },
    session: 'string',
    ...PRO_TARGETING,
  },
  unsubscribe: { channel: 'string', user: 'string', client: 'string', session: 'string', ...PRO_TARGETING },
  disconnect: { user: 'string', disconnect: { code: 'uint', reason: 'string' }, client: 'string', whitelist: 'strings', session: 'string', ...PRO_TARGETING },
  presence: { channel: 'string' },
  presence_stats: { channel: 'string' },
  history: { channel: 'string', limit: 'int', since: STREAM_POSITION, reverse: 'bool' },
  history_remove: { channel: 'string' },
  info: {},
  rpc: { method: 'string', params: 'json' },
  // `b64info` is switchyard's addition (api.proto has `info` only), for binary connection info.
  refresh: { user: 'string', client: 'string', expired: 'bool', expire_at: 'int', info: 'json', b64info: 'string', session: 'string', ...PRO_TARGETING },
  channels: { pattern: 'string' },
  batch: { commands: 'messages', parallel: 'bool' },
});

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What a value of this type must be, for the error message. */
function expected(type: FieldType): string {
  if (typeof type === 'object') return 'an object';
  switch (type) {
    case 'string':
      return 'a string';
    case 'bool':
      return 'a boolean';
    case 'int':
      return 'an integer';
    case 'uint':
      return 'a non-negative integer';
    case 'strings':
      return 'an array of strings';
    case 'tags':
      return 'an object of strings';
    case 'message':
      return 'an object';
    case 'messages':
      return 'an array of objects';
    case 'json':
      return 'JSON';
  }
}

/** An integer as protobuf JSON carries it: a number, or a decimal string (64-bit fields); within JavaScript's safe range. */
function integer(value: unknown, unsigned: boolean): boolean {
  const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) && (!unsigned || n >= 0);
}

function valid(type: FieldType, value: unknown): boolean {
  if (typeof type === 'object') return isObject(value);
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'bool':
      return typeof value === 'boolean';
    case 'int':
    case 'uint':
      return integer(value, type === 'uint');
    case 'strings':
      return Array.isArray(value) && value.every((v) => typeof v === 'string');
    case 'tags':
      return isObject(value);
    case 'message':
      return isObject(value);
    case 'messages':
      return Array.isArray(value);
    case 'json':
      return true;
  }
}

/** The entries of each field table, made once (every API call checks its method's table). */
const entriesOf = new WeakMap<RequestFields, readonly (readonly [string, FieldType])[]>();

function fieldEntries(fields: RequestFields): readonly (readonly [string, FieldType])[] {
  let entries = entriesOf.get(fields);
  if (entries === undefined) {
    entries = Object.entries(fields);
    entriesOf.set(fields, entries);
  }
  return entries;
}

/** Checks `params` against `fields`; throws 107 naming the first mistyped field (`disconnect.code`). */
export function checkRequestFields(fields: RequestFields, params: Params, parent = ''): void {
  for (const [name, type] of fieldEntries(fields)) {
    const value = params[name];
    if (value === undefined || value === null) continue;
    const path = parent === '' ? name : `${parent}.${name}`;
    if (!valid(type, value)) throw new ReplyError(Errors.badRequest, `${path} must be ${expected(type)}`);
    if (typeof type === 'object') checkRequestFields(type, value as Params, path);
    if (type === 'tags') {
      for (const [k, v] of Object.entries(value as Params)) if (typeof v !== 'string') throw new ReplyError(Errors.badRequest, `${path}.${k} must be a string`);
    }
  }
}

/** A 64-bit integer field already checked by checkRequestFields, as a number (0 when absent). */
export function integerField(params: Params, name: string): number {
  const v = params[name];
  return v === undefined || v === null ? 0 : Number(v);
}
