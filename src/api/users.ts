/**
 * Server API methods that act on a user's live connections, wherever they
 * are: each shard applies the action to its own connections.
 */
import { Disconnects, Errors } from '../protocol/codes';
import { ReplyError } from '../protocol/errors';
import type { Shard } from '../shards/shard';
import { optionalBoolean, optionalInteger, optionalObject, optionalString, requiredString, type Params } from './params';

/** `subscribe`: `{user, channel, client?, session?, data?}` → `{}`. */
export async function apiSubscribe(shard: Shard, params: Params): Promise<unknown> {
  const user = requiredString(params, 'user');
  const channel = requiredString(params, 'channel');
  shard.rules.resolve(channel);
  const data = params['data'] !== undefined ? JSON.stringify(params['data']) : undefined;
  await shard.gather({
    op: 'subscribe',
    user,
    channel,
    client: optionalString(params, 'client'),
    session: optionalString(params, 'session'),
    ...(data !== undefined ? { data } : {}),
  });
  return {};
}

/** `unsubscribe`: `{user, channel, client?, session?}` → `{}`. */
export async function apiUnsubscribe(shard: Shard, params: Params): Promise<unknown> {
  const user = requiredString(params, 'user');
  const channel = requiredString(params, 'channel');
  shard.rules.resolve(channel);
  await shard.gather({
    op: 'unsubscribe',
    user,
    channel,
    client: optionalString(params, 'client'),
    session: optionalString(params, 'session'),
  });
  return {};
}

/** `disconnect`: `{user, client?, session?, whitelist?, disconnect?: {code, reason}}` → `{}`. Default code 3503. */
export async function apiDisconnect(shard: Shard, params: Params): Promise<unknown> {
  const user = requiredString(params, 'user');
  const custom = optionalObject(params, 'disconnect');
  let code = Disconnects.forceNoReconnect.code;
  let reason = Disconnects.forceNoReconnect.reason;
  if (custom) {
    code = optionalInteger(custom, 'code');
    reason = optionalString(custom, 'reason');
    if (code < 3000 || code > 4999) throw new ReplyError(Errors.badRequest, 'disconnect.code must be in 3000..4999');
    if (Buffer.byteLength(reason) > 123) throw new ReplyError(Errors.badRequest, 'disconnect.reason longer than 123 bytes');
  }
  const whitelist = params['whitelist'];
  if (whitelist !== undefined && (!Array.isArray(whitelist) || whitelist.some((w) => typeof w !== 'string'))) {
    throw new ReplyError(Errors.badRequest, 'whitelist must be an array of strings');
  }
  await shard.gather({
    op: 'disconnect',
    user,
    client: optionalString(params, 'client'),
    session: optionalString(params, 'session'),
    ...(whitelist ? { whitelist: whitelist as string[] } : {}),
    code,
    reason,
  });
  return {};
}

/** `refresh`: `{user, client?, session?, expired?, expire_at?}` → `{}`. */
export async function apiRefresh(shard: Shard, params: Params): Promise<unknown> {
  const user = requiredString(params, 'user');
  const expireAt = optionalInteger(params, 'expire_at');
  await shard.gather({
    op: 'refresh',
    user,
    client: optionalString(params, 'client'),
    session: optionalString(params, 'session'),
    expired: optionalBoolean(params, 'expired'),
    ...(expireAt > 0 ? { expire_at: expireAt } : {}),
  });
  return {};
}
