/**
 * What happens when a connection or a subscription reaches its expiry (the
 * keepalive timer notices; see keepalive.ts for when):
 *
 * - refreshed by the client (tokens): nothing arrived in time, so the
 *   connection is closed with 3005, a client-side subscription gets an
 *   unsubscribe push 2501 (the SDK resubscribes with a fresh token) and a
 *   server-side one closes the connection with 3006;
 * - refreshed by a proxy: the backend is asked. "expired" (or no result) ends
 *   it as above; a new `expire_at` extends it; a proxy that fails gives it
 *   another minute, as Centrifugo does.
 */
import { ProxyError } from '../../auth/errors';
import { ttlSeconds } from '../../auth/grant';
import { proxyRefresh } from '../../auth/proxy/refresh-proxy';
import { proxySubRefresh } from '../../auth/proxy/sub-refresh-proxy';
import { Disconnects, Unsubscribes } from '../../protocol/codes';
import { DisconnectError } from '../../protocol/errors';
import { encodePush } from '../../protocol/json';
import { ConnState, type Connection } from '../session/connection';
import { callerOf } from './proxy-caller';
import type { ShardContext } from '../context';

/** How long a failed refresh proxy call extends a connection or subscription, ms. */
export const PROXY_FAILURE_GRACE_MS = 60_000;

/** Longest expiry a refresh may set, from now, ms (Centrifugo's cap: a year). */
export const MAX_TTL_MS = 365 * 24 * 3600 * 1000;

/** The connection is past its expiry (plus `client.expired_close_delay` when the client refreshes it). */
export function connectionExpired(shard: ShardContext, conn: Connection): void {
  if (conn.clientSideRefresh || !shard.auth.proxies.refresh) {
    shard.disconnect(conn, Disconnects.expired.code, Disconnects.expired.reason);
    return;
  }
  if (conn.refreshing) return;
  conn.refreshing = true;
  proxyRefresh(shard.auth.proxies.refresh, callerOf(conn), conn.user).then(
    (reply) => {
      conn.refreshing = false;
      if (conn.state === ConnState.Closed) return;
      const now = Date.now();
      if (!reply.expired && reply.expireAt > 0 && ttlSeconds(reply.expireAt, now) > 0) {
        conn.expiresAt = Math.min(reply.expireAt, now + MAX_TTL_MS);
        shard.keepalive.recheckSoon(conn);
        if (reply.info !== undefined) conn.connInfo = reply.info;
        if (reply.meta !== undefined) conn.meta = reply.meta;
        return;
      }
      // Expired, or no new expiry: Centrifugo closes the connection then.
      shard.disconnect(conn, Disconnects.expired.code, Disconnects.expired.reason);
    },
    (err: unknown) => {
      conn.refreshing = false;
      if (err instanceof ProxyError) {
        shard.log.warn('refresh proxy failed; connection extended', { client: conn.id, reason: err.message });
        conn.expiresAt = Date.now() + PROXY_FAILURE_GRACE_MS;
        shard.keepalive.recheckSoon(conn);
        return;
      }
      const d = err instanceof DisconnectError ? err.disconnect : Disconnects.expired;
      shard.disconnect(conn, d.code, d.reason);
    },
  );
}

/** The subscription is past its expiry plus `client.expired_sub_close_delay`. */
export function subscriptionExpired(shard: ShardContext, conn: Connection, channel: string): void {
  const grant = conn.grants.get(channel);
  if (!grant) return;
  if (grant.refreshing) return;
  const resolved = shard.rules.resolve(channel);
  if (grant.clientSideRefresh || !resolved.options.sub_refresh_proxy_enabled) {
    endExpiredSubscription(shard, conn, channel);
    return;
  }
  const proxy = shard.auth.proxies.channel('sub_refresh', resolved.options.sub_refresh_proxy_name);
  grant.refreshing = true;
  proxySubRefresh(proxy, callerOf(conn), conn.user, channel).then(
    (reply) => {
      grant.refreshing = false;
      if (conn.grants.get(channel) !== grant || conn.state === ConnState.Closed) return;
      const now = Date.now();
      if (reply.expired || (reply.expireAt > 0 && ttlSeconds(reply.expireAt, now) < 0)) {
        endExpiredSubscription(shard, conn, channel);
        return;
      }
      grant.expireAt = Math.min(reply.expireAt, now + MAX_TTL_MS);
      shard.keepalive.recheckSoon(conn);
      if (reply.info !== undefined) grant.info = reply.info;
    },
    (err: unknown) => {
      grant.refreshing = false;
      if (conn.grants.get(channel) !== grant || conn.state === ConnState.Closed) return;
      if (err instanceof ProxyError) {
        shard.log.warn('sub_refresh proxy failed; subscription extended', { client: conn.id, channel, reason: err.message });
        grant.expireAt = Date.now() + PROXY_FAILURE_GRACE_MS;
        shard.keepalive.recheckSoon(conn);
        return;
      }
      endExpiredSubscription(shard, conn, channel);
    },
  );
}

/** Ends an expired subscription: unsubscribe 2501 client-side; disconnect 3006 server-side. */
export function endExpiredSubscription(shard: ShardContext, conn: Connection, channel: string): void {
  conn.grants.delete(channel);
  if (conn.serverSide?.has(channel)) {
    shard.disconnect(conn, Disconnects.subExpired.code, Disconnects.subExpired.reason);
    return;
  }
  shard.local.leave(conn, channel);
  shard.writer.send(conn, encodePush(channel, 'unsubscribe', JSON.stringify({ code: Unsubscribes.expired.code, reason: Unsubscribes.expired.reason })));
}
