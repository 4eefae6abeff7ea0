/**
 * Server API methods that act on a user's live connections, wherever they
 * are: each shard applies the action to its own connections, and with Redis
 * every other node's shards too (node control).
 */
import { jsonOrBase64, subscribeOptions } from '../auth/claims';
import { TokenError } from '../auth/errors';
import { Disconnects, Errors } from '../protocol/codes';
import { ReplyError } from '../protocol/errors';
import type { LocalAction } from '../shards/messaging/messages';
import type { ShardContext } from '../shards/context';
import { optionalBoolean, optionalObject, optionalString, requiredString, type Params } from './params';
import { integerField } from './request-fields';

/** Applies a user action on every shard of this process and, with Redis, on every other node. */
function everywhere(shard: ShardContext, action: LocalAction): Promise<void> {
  return shard.everywhere(action);
}

/** Runs a claims reader on request fields, turning its complaint into a 107 that names the field. */
function requestFields<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof TokenError) throw new ReplyError(Errors.badRequest, err.message);
    throw err;
  }
}

/**
 * `subscribe`: `{user, channel, client?, session?, info?|b64info?, data?|b64data?, expire_at?, override?, recover_since?}` → `{}`.
 * The subscription is server-side; once `expire_at` (Unix seconds) passes the connection is closed with 3006.
 * `recover_since: {offset, epoch}` recovers from there where the channel is recoverable (`force_recovery`,
 * or the override's), the missed publications coming in the subscribe push.
 */
export async function apiSubscribe(shard: ShardContext, params: Params): Promise<unknown> {
  const user = requiredString(params, 'user');
  const channel = requiredString(params, 'channel');
  shard.rules.resolve(channel);
  const options = requestFields(() => subscribeOptions(params, 'request'));
  const expireAt = integerField(params, 'expire_at');
  const since = optionalObject(params, 'recover_since');
  await everywhere(shard, {
    op: 'subscribe',
    user,
    channel,
    client: optionalString(params, 'client'),
    session: optionalString(params, 'session'),
    ...(options.data !== undefined ? { data: options.data } : {}),
    ...(options.info !== undefined ? { info: options.info } : {}),
    ...(expireAt > 0 ? { expire_at: expireAt } : {}),
    ...(options.override ? { override: options.override } : {}),
    ...(since ? { recover_since: { offset: integerField(since, 'offset'), epoch: optionalString(since, 'epoch') } } : {}),
  });
  return {};
}

/** `unsubscribe`: `{user, channel, client?, session?}` → `{}`. */
export async function apiUnsubscribe(shard: ShardContext, params: Params): Promise<unknown> {
  const user = requiredString(params, 'user');
  const channel = requiredString(params, 'channel');
  shard.rules.resolve(channel);
  await everywhere(shard, {
    op: 'unsubscribe',
    user,
    channel,
    client: optionalString(params, 'client'),
    session: optionalString(params, 'session'),
  });
  return {};
}

/** `disconnect`: `{user, client?, session?, whitelist?, disconnect?: {code, reason}}` → `{}`. Default code 3503. */
export async function apiDisconnect(shard: ShardContext, params: Params): Promise<unknown> {
  const user = requiredString(params, 'user');
  const custom = optionalObject(params, 'disconnect');
  let code = Disconnects.forceNoReconnect.code;
  let reason = Disconnects.forceNoReconnect.reason;
  if (custom) {
    code = integerField(custom, 'code');
    reason = optionalString(custom, 'reason');
    if (code < 3000 || code > 4999) throw new ReplyError(Errors.badRequest, 'disconnect.code must be in 3000..4999');
    if (Buffer.byteLength(reason) > 123) throw new ReplyError(Errors.badRequest, 'disconnect.reason longer than 123 bytes');
  }
  const whitelist = params['whitelist'];
  if (whitelist !== undefined && (!Array.isArray(whitelist) || whitelist.some((w) => typeof w !== 'string'))) {
    throw new ReplyError(Errors.badRequest, 'whitelist must be an array of strings');
  }
  await everywhere(shard, {
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

/** `refresh`: `{user, client?, session?, expired?, expire_at?, info?|b64info?}` → `{}`. */
export async function apiRefresh(shard: ShardContext, params: Params): Promise<unknown> {
  const user = requiredString(params, 'user');
  const expireAt = integerField(params, 'expire_at');
  const info = requestFields(() => jsonOrBase64(params, 'info', 'b64info'));
  await everywhere(shard, {
    op: 'refresh',
    user,
    client: optionalString(params, 'client'),
    session: optionalString(params, 'session'),
    expired: optionalBoolean(params, 'expired'),
    ...(expireAt > 0 ? { expire_at: expireAt } : {}),
    ...(info !== undefined ? { info } : {}),
  });
  return {};
}
