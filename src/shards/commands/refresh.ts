/**
 * The `refresh` command: the client presents a new connection token before
 * its connection expires. Answers `{expires, ttl}` (or `{}` for a token that
 * never expires). An empty token, or a connection refreshed by the refresh
 * proxy, is disconnect 3501; an expired token 3005; an invalid token, or one
 * of another user, 3500; a token whose `expire_at` has passed, 110. A token
 * whose server-side channels differ from the connection's disconnects with
 * 3010 so the client reconnects with them, as Centrifugo does.
 */
import type { ChannelGrant } from '../../auth/grant';
import { ttlSeconds } from '../../auth/grant';
import { Disconnects, Errors } from '../../protocol/codes';
import { DisconnectError, ReplyError } from '../../protocol/errors';
import { ConnState, joinedOrPending, type Connection } from '../session/connection';
import { MAX_TTL_MS } from '../access/expiry';
import { tokenFailure } from '../access/token-answers';
import type { CommandHandler } from './types';

/** Whether a token's server-side channels differ from the ones the connection got from its token. */
function tokenChannelsChanged(conn: Connection, subs: ReadonlyMap<string, unknown>): boolean {
  for (const channel of subs.keys()) if (!joinedOrPending(conn, channel)) return true;
  for (const [channel, access] of conn.grants as Map<string, ChannelGrant>) {
    if (access.source === 'connection_token' && !subs.has(channel)) return true;
  }
  return false;
}

/** Handles `refresh` (see the file comment for every answer). */
export const handleRefresh: CommandHandler = async (shard, conn, request) => {
  const token = request['token'];
  if (typeof token !== 'string' || token === '') throw new DisconnectError(Disconnects.badRequest);
  // The refresh proxy refreshes this connection: the client is not supposed to.
  if (!conn.clientSideRefresh) throw new DisconnectError(Disconnects.badRequest);
  const claims = await shard.auth.connectionTokens.connectionClaims(token).catch((err: unknown) => {
    throw tokenFailure(err, 'refresh', shard.log, { client: conn.id, user: conn.user });
  });
  if (conn.state === ConnState.Closed) return null;
  if (claims.user !== conn.user) {
    shard.log.info('refresh token user mismatch', { client: conn.id, user: conn.user });
    throw new DisconnectError(Disconnects.invalidToken);
  }
  if (claims.meta !== undefined) conn.meta = claims.meta;
  if (tokenChannelsChanged(conn, claims.subs)) throw new DisconnectError(Disconnects.insufficientState);
  const now = Date.now();
  if (claims.expireAt > 0 && ttlSeconds(claims.expireAt, now) <= 0) throw new ReplyError(Errors.expired);
  conn.expiresAt = claims.expireAt > 0 ? Math.min(claims.expireAt, now + MAX_TTL_MS) : 0;
  shard.keepalive.recheckSoon(conn);
  if (claims.info !== undefined) conn.connInfo = claims.info;
  return conn.expiresAt > 0 ? `{"expires":true,"ttl":${ttlSeconds(conn.expiresAt, now)}}` : '{}';
};
