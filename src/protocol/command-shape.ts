/**
 * What makes a decoded command malformed, as Centrifugo decides it: its JSON
 * decoder refuses a field of the wrong type (`"channel": 5`, `"id": 1e300`,
 * `"recover": "yes"`), and its handlers refuse a channel command without a
 * channel; both close the connection with 3501. The field types are
 * client.proto's (protobuf/schema.ts): string, bool, 32- and 64-bit integers
 * in range, objects for messages and maps, arrays for repeated fields, any
 * JSON for `bytes` (carried as raw JSON). `null` is an absent field; unknown
 * fields are ignored.
 *
 * A JSON command nested deeper than MAX_JSON_DEPTH is not parsed at all: its
 * top-level members are read without descending (topLevelCommand), and its
 * request becomes a RejectedRequest that the dispatcher answers with 107 in
 * reply to the command's id.
 */
import protobuf from 'protobufjs';
import { Disconnects, Errors } from './codes';
import { DisconnectError, ReplyError } from './errors';
import { TOO_DEEP_MESSAGE } from './input-guards';
import { COMMAND_METHODS, type Command } from './command';
import { CommandType, ConnectRequestType } from './protobuf/schema';

type Check = (value: unknown) => boolean;

const INTEGER_RANGES: Readonly<Record<string, readonly [number, number]>> = {
  uint32: [0, 2 ** 32 - 1],
  int32: [-(2 ** 31), 2 ** 31 - 1],
  uint64: [0, 2 ** 64],
  int64: [-(2 ** 63), 2 ** 63],
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The check of one value of a field's type (not its repetition). */
function scalarCheck(field: protobuf.Field): Check {
  if (field.resolvedType instanceof protobuf.Type) {
    const inner = messageCheck(field.resolvedType);
    return (v) => isObject(v) && inner(v);
  }
  const range = INTEGER_RANGES[field.type];
  if (range) {
    const [min, max] = range;
    return (v) => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
  }
  switch (field.type) {
    case 'string':
      return (v) => typeof v === 'string';
    case 'bool':
      return (v) => typeof v === 'boolean';
    case 'bytes':
      return () => true;
    default:
      return (v) => typeof v === 'number';
  }
}

function fieldCheck(field: protobuf.Field): Check {
  const one = scalarCheck(field);
  if (field.map) return (v) => isObject(v) && Object.values(v).every((x) => x !== null && one(x));
  if (field.repeated) return (v) => Array.isArray(v) && v.every((x) => x !== null && one(x));
  return one;
}

const built = new Map<protobuf.Type, (obj: Record<string, unknown>) => boolean>();

/** A check of every known field of a message type (built once per type; recursive types reuse it). */
function messageCheck(type: protobuf.Type): (obj: Record<string, unknown>) => boolean {
  const existing = built.get(type);
  if (existing) return existing;
  const checks: [string, Check][] = [];
  const check = (obj: Record<string, unknown>): boolean => {
    for (const [name, ok] of checks) {
      const v = obj[name];
      if (v !== undefined && v !== null && !ok(v)) return false;
    }
    return true;
  };
  built.set(type, check);
  for (const field of type.fieldsArray) checks.push([field.name, fieldCheck(field)]);
  return check;
}

const commandFields = messageCheck(CommandType);
const connectRequestFields = messageCheck(ConnectRequestType);

/** Requests that name a channel, which must not be empty (Centrifugo: "channel required", 3501). */
const CHANNEL_REQUESTS = ['subscribe', 'unsubscribe', 'publish', 'presence', 'presence_stats', 'history', 'sub_refresh'] as const;

/**
 * Throws DisconnectError(3501) for a malformed command: a field of the wrong
 * type (JSON only: Protobuf's decoder types every field), or a channel
 * request with an empty or missing channel.
 */
export function checkCommand(cmd: Command, json: boolean): void {
  if (json && !commandFields(cmd as Record<string, unknown>)) throw new DisconnectError(Disconnects.badRequest);
  for (const method of CHANNEL_REQUESTS) {
    const request = cmd[method];
    if (request === undefined || request === null || request instanceof RejectedRequest) continue;
    const channel = request['channel'];
    if (typeof channel !== 'string' || channel === '') throw new DisconnectError(Disconnects.badRequest);
  }
}

/** Whether a JSON ConnectRequest (unidirectional transports) has every known field of its type. */
export function isConnectRequestShape(request: Record<string, unknown>): boolean {
  return connectRequestFields(request);
}

/** A request the decoder refused without parsing it; the dispatcher answers its command with the error. */
export class RejectedRequest {
  constructor(readonly error: ReplyError) {}
}

const TOO_DEEP = new RejectedRequest(new ReplyError(Errors.badRequest, TOO_DEEP_MESSAGE));

const SPACE = /\s/;

function skipSpace(text: string, at: number): number {
  while (at < text.length && SPACE.test(text[at]!)) at++;
  return at;
}

/** Index just past the string starting at `at` (a `"`), or -1. */
function stringEnd(text: string, at: number): number {
  for (let i = at + 1; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (c === '"') return i + 1;
  }
  return -1;
}

/** Index just past the value starting at `at`, without parsing it (nesting counted, strings skipped), or -1. */
function valueEnd(text: string, at: number): number {
  const first = text[at];
  if (first === '"') return stringEnd(text, at);
  if (first !== '[' && first !== '{') {
    let i = at;
    while (i < text.length && !',}] \t\r\n'.includes(text[i]!)) i++;
    return i > at ? i : -1;
  }
  let depth = 0;
  for (let i = at; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      i = stringEnd(text, i) - 1;
      if (i < 0) return -1;
    } else if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') {
      if (--depth === 0) return i + 1;
    }
  }
  return -1;
}

function parseOr(text: string, fallback: unknown): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return fallback;
  }
}

/**
 * The command of a JSON line nested too deep to parse: its `id` (when a
 * number) and each request field present, as a RejectedRequest (107). Throws
 * DisconnectError(3501) when the line is not an object of members.
 */
export function topLevelCommand(text: string): Command {
  const bad = (): never => {
    throw new DisconnectError(Disconnects.badRequest);
  };
  const out: Record<string, unknown> = {};
  let at = skipSpace(text, 0);
  if (text[at] !== '{') bad();
  at = skipSpace(text, at + 1);
  while (text[at] !== '}') {
    if (text[at] !== '"') bad();
    const keyEnd = stringEnd(text, at);
    if (keyEnd < 0) bad();
    const key = parseOr(text.slice(at, keyEnd), null);
    at = skipSpace(text, keyEnd);
    if (text[at] !== ':') bad();
    const start = skipSpace(text, at + 1);
    const end = valueEnd(text, start);
    if (end < 0) bad();
    const value = text.slice(start, end);
    if (key === 'id') out['id'] = value[0] === '[' || value[0] === '{' ? value : parseOr(value, value);
    else if ((COMMAND_METHODS as readonly unknown[]).includes(key) && value !== 'null') out[key as string] = TOO_DEEP;
    at = skipSpace(text, end);
    if (text[at] === ',') at = skipSpace(text, at + 1);
    else if (text[at] !== '}') bad();
  }
  if (skipSpace(text, at + 1) !== text.length) bad();
  return out as Command;
}
