/**
 * A grant: why one connection may be on one channel, and what the
 * subscription carries from its token or proxy (info, data, overrides,
 * expiry). Kept per subscription in `Connection.grants`; the keepalive timer
 * ends it when it expires unrefreshed.
 */
import type { SubscribeOptions, SubscribeOverride } from './claims';

/** What allowed a subscription. */
export type GrantSource =
  /** A subscription token (client-side). */
  | 'subscription_token'
  /** A user-limited channel listing the user after `#`. */
  | 'user_limited'
  /** The subscribe proxy. */
  | 'subscribe_proxy'
  /** The namespace's `allow_subscribe_for_client`. */
  | 'client_allowed'
  /** `client.insecure`. */
  | 'insecure'
  /** A connection token's `channels` or `subs` (server-side). */
  | 'connection_token'
  /** The connect proxy's `channels` or `subs` (server-side). */
  | 'connect_proxy'
  /** `client.subscribe_to_user_personal_channel` (server-side). */
  | 'personal_channel'
  /** A server-side subscription the client asked for in its connect `subs` (server-side). */
  | 'connect_request'
  /** The server API `subscribe` method (server-side). */
  | 'server_api'
  /** The admin web UI's live tail, from an admin tail token (server-side; src/admin). */
  | 'admin_tail';

/** One subscription's grant. */
export interface ChannelGrant {
  readonly source: GrantSource;
  /** Expiry, ms since epoch; 0 = never. Moved by sub_refresh. */
  expireAt: number;
  /** The client refreshes it (`sub_refresh` with a new token); false when the sub_refresh proxy does. */
  readonly clientSideRefresh: boolean;
  /** Channel info, JSON text; replaced by sub_refresh. */
  info: string | undefined;
  /** Data for the subscribe result or push, JSON text. */
  readonly data: string | undefined;
  /** Channel option overrides. */
  readonly override: SubscribeOverride | undefined;
  /** A sub_refresh proxy call is in flight. */
  refreshing: boolean;
}

/** A grant from its source and options; `expireAt` in ms (0 = never). */
export function createGrant(
  source: GrantSource,
  options: SubscribeOptions = {},
  expireAt = 0,
  clientSideRefresh = true,
): ChannelGrant {
  return {
    source,
    expireAt,
    clientSideRefresh,
    info: options.info,
    data: options.data,
    override: options.override,
    refreshing: false,
  };
}

/** Seconds left until `expireAt` (ms), counted from the current whole second, as Centrifugo's `ttl`. */
export function ttlSeconds(expireAt: number, nowMs: number): number {
  return Math.floor(expireAt / 1000) - Math.floor(nowMs / 1000);
}

/**
 * Adds the grant's fields to a subscribe result (JSON object text): `data`,
 * and `expires`/`ttl` when the client must refresh it (`clientRefresh`: false
 * for server-side subscriptions, which the client cannot refresh). `{}` stays
 * `{}` for a plain grant.
 */
export function withGrant(resultJson: string, grant: ChannelGrant, nowMs: number, clientRefresh = true): string {
  let fields = '';
  if (clientRefresh && grant.expireAt > 0 && grant.clientSideRefresh) fields += `"expires":true,"ttl":${ttlSeconds(grant.expireAt, nowMs)}`;
  if (grant.data !== undefined) fields += `${fields === '' ? '' : ','}"data":${grant.data}`;
  if (fields === '') return resultJson;
  return resultJson === '{}' ? `{${fields}}` : `{${fields},${resultJson.slice(1)}`;
}
