/**
 * The `sub_refresh` command: the client presents a new subscription token
 * before its subscription expires. Answers `{expires, ttl}` (or `{}`). An
 * empty channel, or a subscription refreshed by the sub_refresh proxy, is
 * disconnect 3501; a channel the client is not subscribed to 103; an empty
 * token 107; an invalid token, or one for another channel, user or client,
 * 3500; a token whose `expire_at` has passed, 110.
 *
 * An expired token is answered `{}` and the subscription keeps its old expiry,
 * so it ends with 2501 and the SDK resubscribes with a fresh token.
 * (Centrifugo answers `{}` too but drops the subscription's expiry, which would
 * let it live on without a valid token.)
 */
import { TokenError } from '../../auth/errors';
import { createGrant, ttlSeconds } from '../../auth/grant';
import { Disconnects, Errors } from '../../protocol/codes';
import { DisconnectError, ReplyError } from '../../protocol/errors';
import { ConnState } from '../session/connection';
import { MAX_TTL_MS } from '../access/expiry';
import { subscriptionTokenClaims } from '../access/subscribe-access';
import { tokenFailure } from '../access/token-answers';
import type { CommandHandler } from './types';

/** Handles `sub_refresh` (see the file comment for every answer). */
export const handleSubRefresh: CommandHandler = async (shard, conn, request) => {
  const channel = request['channel'];
  if (typeof channel !== 'string' || channel === '') throw new DisconnectError(Disconnects.badRequest);
  if (!conn.channels.has(channel)) throw new ReplyError(Errors.permissionDenied);
  if (conn.grants.get(channel)?.clientSideRefresh === false) throw new DisconnectError(Disconnects.badRequest);
  const token = request['token'];
  if (typeof token !== 'string' || token === '') throw new ReplyError(Errors.badRequest);
  let claims;
  try {
    claims = await subscriptionTokenClaims(shard, conn, channel, token);
  } catch (err) {
    if (err instanceof TokenError && err.code === 'SY_TOKEN_EXPIRED') return '{}';
    throw tokenFailure(err, 'sub_refresh', shard.log, { client: conn.id, user: conn.user, channel });
  }
  if (conn.state === ConnState.Closed) return null;
  const now = Date.now();
  const expireAt = claims.expireAt > 0 ? Math.min(claims.expireAt, now + MAX_TTL_MS) : 0;
  if (expireAt > 0 && ttlSeconds(expireAt, now) < 0) throw new ReplyError(Errors.expired);
  const access = conn.grants.get(channel);
  if (access) {
    access.expireAt = expireAt;
    access.info = claims.info;
  } else {
    conn.grants.set(channel, createGrant('subscription_token', claims, expireAt));
  }
  shard.keepalive.recheckSoon(conn);
  return expireAt > 0 ? `{"expires":true,"ttl":${ttlSeconds(expireAt, now)}}` : '{}';
};
