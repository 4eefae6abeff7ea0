/**
 * The claims of connection and subscription tokens, read from a verified
 * payload into typed records. A claim of the wrong type makes the token
 * invalid. JSON claims (`info`, `data`, `meta`) are kept as JSON text, ready
 * to be spliced into frames; their `b64` variants must decode to JSON, since
 * JSON-protocol clients cannot receive binary.
 */
import { invalidToken } from './errors';

/** Channel option overrides a token or proxy may set for one subscription (`{"presence": {"value": true}}`). */
export interface SubscribeOverride {
  readonly presence?: boolean;
  readonly join_leave?: boolean;
  readonly force_push_join_leave?: boolean;
  readonly force_recovery?: boolean;
  readonly force_positioning?: boolean;
}

/** Options of one server-side subscription in a connection token's `subs`. */
export interface SubscribeOptions {
  /** Channel info (JSON text), sent with presence, join/leave and the client's publications. */
  readonly info?: string;
  /** Data (JSON text) for the subscribe result. */
  readonly data?: string;
  readonly override?: SubscribeOverride;
}

/** What a connection token grants. */
export interface ConnectClaims {
  /** User id ("" for anonymous). */
  readonly user: string;
  /** Connection info, JSON text. */
  readonly info?: string;
  /** Connection expiry, ms since epoch; 0 = never (`expire_at`, or `exp` when `expire_at` is absent). */
  readonly expireAt: number;
  /** Server-side subscriptions: `subs` when present, else `channels`. */
  readonly subs: ReadonlyMap<string, SubscribeOptions>;
  /** Server-only metadata for proxies, JSON text. */
  readonly meta?: string;
}

/** What a subscription token grants. */
export interface SubscribeClaims {
  readonly user: string;
  readonly channel: string;
  /** Client id the token is bound to; "" for any client of the user. */
  readonly client: string;
  readonly info?: string;
  readonly data?: string;
  /** Subscription expiry, ms since epoch; 0 = never. */
  readonly expireAt: number;
  readonly override?: SubscribeOverride;
}

type Payload = Readonly<Record<string, unknown>>;

const OVERRIDE_KEYS = ['presence', 'join_leave', 'force_push_join_leave', 'force_recovery', 'force_positioning'] as const;

/** Reads a connection token's claims; throws an invalid TokenError for a claim of the wrong type or a `channel` claim. */
export function connectClaims(payload: Payload, userIdClaim: string): ConnectClaims {
  if (payload['channel'] !== undefined && payload['channel'] !== '') {
    throw invalidToken('a connection token must not carry a channel claim (that is a subscription token)');
  }
  const subs = new Map<string, SubscribeOptions>();
  const subsClaim = payload['subs'];
  if (subsClaim !== undefined && subsClaim !== null) {
    if (!isObject(subsClaim)) throw invalidToken('subs must be an object');
    for (const [channel, options] of Object.entries(subsClaim)) subs.set(channel, subscribeOptions(options, `subs.${channel}`));
  }
  if (subs.size === 0) for (const channel of stringList(payload, 'channels')) subs.set(channel, {});
  return {
    user: userId(payload, userIdClaim),
    ...optional('info', jsonOrBase64(payload, 'info', 'b64info')),
    expireAt: expireAt(payload),
    subs,
    ...optional('meta', json(payload['meta'])),
  };
}

/** Reads a subscription token's claims; throws an invalid TokenError for a claim of the wrong type or a missing channel. */
export function subscribeClaims(payload: Payload, userIdClaim: string): SubscribeClaims {
  const channel = stringClaim(payload, 'channel');
  if (channel === '') throw invalidToken('a subscription token needs a channel claim');
  const options = subscribeOptions(payload, 'token');
  return {
    user: userId(payload, userIdClaim),
    channel,
    client: stringClaim(payload, 'client'),
    ...options,
    expireAt: expireAt(payload),
  };
}

/** `info`/`b64info`, `data`/`b64data` and `override` of a subscription (token, `subs` entry, or proxy result). */
export function subscribeOptions(value: unknown, where: string): SubscribeOptions {
  if (!isObject(value)) throw invalidToken(`${where} must be an object`);
  const override = value['override'];
  return {
    ...optional('info', jsonOrBase64(value, 'info', 'b64info')),
    ...optional('data', jsonOrBase64(value, 'data', 'b64data')),
    ...(override !== undefined && override !== null ? { override: subscribeOverride(override, `${where}.override`) } : {}),
  };
}

/** Reads an `override` object: each key `{"value": bool}`. */
export function subscribeOverride(value: unknown, where: string): SubscribeOverride {
  if (!isObject(value)) throw invalidToken(`${where} must be an object`);
  const out: Record<string, boolean> = {};
  for (const key of OVERRIDE_KEYS) {
    const item = value[key];
    if (item === undefined || item === null) continue;
    if (!isObject(item) || (item['value'] !== undefined && typeof item['value'] !== 'boolean')) {
      throw invalidToken(`${where}.${key} must be {"value": true|false}`);
    }
    out[key] = item['value'] === true;
  }
  return out;
}

/**
 * JSON text of `value`, or undefined when absent. Text is re-serialized, so
 * it never carries a raw newline (frames are newline-joined).
 */
export function json(value: unknown): string | undefined {
  return value === undefined || value === null ? undefined : JSON.stringify(value);
}

/**
 * JSON text of field `name`, or of the base64 field `b64name` decoded (which
 * wins, as in Centrifugo); undefined when both are absent. Base64 that is not
 * JSON cannot reach a JSON client and makes the token invalid.
 */
export function jsonOrBase64(source: Payload, name: string, b64name: string): string | undefined {
  const b64 = source[b64name];
  if (b64 !== undefined && b64 !== null && b64 !== '') {
    if (typeof b64 !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) {
      throw invalidToken(`${b64name} must be standard base64`);
    }
    try {
      return JSON.stringify(JSON.parse(Buffer.from(b64, 'base64').toString('utf8')));
    } catch {
      throw invalidToken(`${b64name} must hold JSON: JSON-protocol clients cannot receive binary`);
    }
  }
  return json(source[name]);
}

/** The user id: the `user_id_claim` path (dotted) when set, else `sub`. */
function userId(payload: Payload, userIdClaim: string): string {
  if (userIdClaim === '') return stringClaim(payload, 'sub');
  let node: unknown = payload;
  for (const part of userIdClaim.split('.')) node = isObject(node) ? node[part] : undefined;
  if (node === undefined || node === null) return '';
  return typeof node === 'string' ? node : JSON.stringify(node);
}

/** `expire_at` when present (0 or less = never), else `exp`; ms since epoch, 0 = never. */
function expireAt(payload: Payload): number {
  const explicit = payload['expire_at'];
  if (explicit !== undefined && explicit !== null) {
    if (typeof explicit !== 'number' || !Number.isFinite(explicit)) throw invalidToken('expire_at must be a number');
    return explicit > 0 ? Math.floor(explicit) * 1000 : 0;
  }
  const exp = payload['exp'];
  return typeof exp === 'number' && exp > 0 ? Math.floor(exp) * 1000 : 0;
}

function stringClaim(payload: Payload, name: string): string {
  const value = payload[name];
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw invalidToken(`${name} must be a string`);
  return value;
}

function stringList(payload: Payload, name: string): string[] {
  const value = payload[name];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw invalidToken(`${name} must be an array of strings`);
  return value as string[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `{[key]: value}` when value is defined, else `{}` (for optional fields under exactOptionalPropertyTypes-style records). */
function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}
