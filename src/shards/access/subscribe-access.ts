/**
 * Whether a client may subscribe to a channel, and what the subscription
 * carries (a grant), in Centrifugo's order:
 *
 * 1. a private (`$`) channel needs a token (103);
 * 2. a subscription token decides: expired → 109, invalid → 103, JWKS
 *    unreachable → 100; a token for another channel, user or client →
 *    disconnect 3500;
 * 3. a user-limited channel (`#42,43`) admits the users it lists;
 * 4. the subscribe proxy decides where enabled (its error or disconnect
 *    passes through; a failure is 100);
 * 5. `allow_subscribe_for_client` (+ `_for_anonymous`), then `client.insecure`;
 * 6. otherwise 103.
 *
 * A grant whose expiry has already passed is 110. A grant is refreshed by
 * the client (`sub_refresh`) unless the namespace enables the sub_refresh proxy.
 */
import { createGrant, ttlSeconds, type ChannelGrant } from '../../auth/grant';
import { proxySubscribe } from '../../auth/proxy/subscribe-proxy';
import { Disconnects, Errors } from '../../protocol/codes';
import { DisconnectError, ReplyError } from '../../protocol/errors';
import { payloadToJson } from '../../protocol/json';
import type { ResolvedChannel } from './channel-rules';
import type { Connection } from '../session/connection';
import { callerOf, proxyFailure } from './proxy-caller';
import type { ShardContext } from '../context';
import { tokenFailure } from './token-answers';

type Request = Readonly<Record<string, unknown>>;

/** 110 when the grant expired already; the grant otherwise. */
function unexpired(access: ChannelGrant): ChannelGrant {
  if (access.expireAt > 0 && ttlSeconds(access.expireAt, Date.now()) <= 0) throw new ReplyError(Errors.expired);
  return access;
}

/**
 * Verifies a subscription token presented by `conn` for `channel` (on
 * subscribe or sub_refresh) and checks it is this channel's, this user's and,
 * when bound, this client's (else disconnect 3500).
 */
export async function subscriptionTokenClaims(shard: ShardContext, conn: Connection, channel: string, token: string) {
  const claims = await shard.auth.subscriptionTokens.subscriptionClaims(token);
  const mismatch = claims.channel !== channel ? 'channel' : claims.user !== conn.user ? 'user' : claims.client !== '' && claims.client !== conn.id ? 'client' : '';
  if (mismatch !== '') {
    shard.log.info(`subscription token ${mismatch} mismatch`, { client: conn.id, user: conn.user, channel });
    throw new DisconnectError(Disconnects.invalidToken);
  }
  return claims;
}

/** Decides a client subscribe; synchronous unless a token or the subscribe proxy is involved. */
export function authorizeSubscribe(
  shard: ShardContext,
  conn: Connection,
  channel: string,
  resolved: ResolvedChannel,
  request: Request,
): ChannelGrant | Promise<ChannelGrant> {
  const clientSideRefresh = !resolved.options.sub_refresh_proxy_enabled;
  const token = request['token'];
  if (typeof token === 'string' && token !== '') {
    return subscriptionTokenClaims(shard, conn, channel, token).then(
      (claims) => unexpired(createGrant('subscription_token', claims, claims.expireAt, clientSideRefresh)),
      (err: unknown) => {
        throw tokenFailure(err, 'subscribe', shard.log, { client: conn.id, user: conn.user, channel });
      },
    );
  }
  const permission = shard.rules.subscribePermission(channel, resolved, conn.user);
  if (permission !== 'subscribe_proxy') return createGrant(permission, {}, 0, clientSideRefresh);
  const proxy = shard.auth.proxies.channel('subscribe', resolved.options.subscribe_proxy_name);
  const data = request['data'] !== undefined ? payloadToJson(request['data']) : undefined;
  return proxySubscribe(proxy, callerOf(conn), conn.user, channel, data).then(
    (reply) => unexpired(createGrant('subscribe_proxy', reply, reply.expireAt, clientSideRefresh)),
    (err: unknown) => {
      throw proxyFailure(err, shard.log, { client: conn.id, channel, proxy: 'subscribe' });
    },
  );
}
