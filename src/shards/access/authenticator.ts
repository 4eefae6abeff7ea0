/**
 * The seam where connection credentials are decided, in Centrifugo's order:
 *
 * 1. a token: verified with `client.token` (expired → 109, invalid → 3500,
 *    empty user with `disallow_anonymous_connection_tokens` → 3507);
 * 2. no token and the connect proxy enabled: the backend decides;
 * 3. a user named by the trusted `client.user_id_http_header`;
 * 4. anonymous, when `client.allow_anonymous_connect_without_token` or
 *    `client.insecure`;
 * 5. otherwise disconnect 3501.
 *
 * Server-side subscriptions from the token (`channels`, `subs`) or the proxy
 * come back with the credentials; an unknown namespace among them is 102.
 *
 * The admin web UI's live tail (a connection on the admin endpoint, whose
 * transport says `adminTail`) is decided apart: it must present an admin
 * tail token signed with `admin.secret` (expired → 109, anything else →
 * 3500) and is subscribed, server-side, to the one channel the token names,
 * without presence or join/leave. No other connection can present one: an
 * admin token is not a JWT, so `client.token` refuses it.
 */
import { verifyAdminToken } from '../../auth/admin-token';
import { createGrant, type ChannelGrant, type GrantSource } from '../../auth/grant';
import type { SubscribeOptions } from '../../auth/claims';
import { proxyConnect } from '../../auth/proxy/connect-proxy';
import type { AuthServices } from '../../auth/services';
import type { Config } from '../../config/types';
import type { Logger } from '../../common/log';
import { Disconnects, Errors } from '../../protocol/codes';
import { DisconnectError, ReplyError } from '../../protocol/errors';
import { payloadToJson } from '../../protocol/json';
import type { ChannelRules } from './channel-rules';
import type { Connection } from '../session/connection';
import { callerOf, proxyFailure } from './proxy-caller';
import { tokenFailure } from './token-answers';

/** Who a connection is, once authenticated. */
export interface Credentials {
  /** User id; "" for anonymous. */
  readonly user: string;
  /** Connection info, JSON text. */
  readonly info?: string;
  /** Connection expiry, ms since epoch; 0 = never. */
  readonly expireAt: number;
  /** Connection meta for proxies, JSON text. */
  readonly meta?: string;
  /** Data for the connect result (from the connect proxy), JSON text. */
  readonly data?: string;
  /** Server-side subscriptions from the token or the connect proxy. */
  readonly subs: ReadonlyMap<string, ChannelGrant>;
  /** Channels the client asks for in its connect `subs` may become server-side subscriptions (not with the connect proxy). */
  readonly honorClientChannels: boolean;
}

/** Decides credentials for a connect request of a connection. */
export type Authenticator = (request: Readonly<Record<string, unknown>>, conn: Connection) => Credentials | Promise<Credentials>;

/** The upgrade-request headers a connection must keep: those some proxy forwards, and the user id header. */
export function keptHeaderNames(config: Config, auth: AuthServices): string[] {
  const names = new Set(auth.proxies.forwardedHeaders);
  if (config.client.user_id_http_header !== '') names.add(config.client.user_id_http_header.toLowerCase());
  return [...names];
}

/** Server-side subscription grants for `subs`, after checking every namespace (unknown → 102). */
function serverGrants(rules: ChannelRules, subs: ReadonlyMap<string, SubscribeOptions>, source: GrantSource): Map<string, ChannelGrant> {
  const out = new Map<string, ChannelGrant>();
  for (const [channel, options] of subs) {
    rules.resolve(channel);
    out.set(channel, createGrant(source, options));
  }
  return out;
}

/** Credentials of an admin live-tail connection (see the file comment). */
function adminTailCredentials(config: Config, rules: ChannelRules, token: unknown, log: Logger, client: string): Credentials {
  const check = config.admin.enabled && typeof token === 'string' ? verifyAdminToken(config.admin.secret, token, 'tail') : null;
  if (check?.ok !== true || check.claims.channel === '') {
    if (check?.ok === false && check.problem === 'expired') throw new ReplyError(Errors.tokenExpired);
    log.info('admin tail connection refused', { client, reason: check?.ok === false ? check.problem : 'no admin tail token' });
    throw new DisconnectError(Disconnects.invalidToken);
  }
  const subs = serverGrants(rules, new Map([[check.claims.channel, { override: { presence: false, join_leave: false } }]]), 'admin_tail');
  return { user: '', expireAt: 0, subs, honorClientChannels: false };
}

/** The authenticator for the configured features. */
export function createAuthenticator(config: Config, auth: AuthServices, rules: ChannelRules, log: Logger): Authenticator {
  const anonymousAllowed = config.client.insecure || config.client.allow_anonymous_connect_without_token;
  const userHeader = config.client.user_id_http_header.toLowerCase();

  const fromToken = async (token: string, conn: Connection): Promise<Credentials> => {
    const claims = await auth.connectionTokens.connectionClaims(token).catch((err: unknown) => {
      throw tokenFailure(err, 'connect', log, { client: conn.id });
    });
    if (claims.user === '' && config.client.disallow_anonymous_connection_tokens) {
      throw new DisconnectError(Disconnects.permissionDenied);
    }
    return {
      user: claims.user,
      ...(claims.info !== undefined ? { info: claims.info } : {}),
      expireAt: config.client.insecure ? 0 : claims.expireAt,
      ...(claims.meta !== undefined ? { meta: claims.meta } : {}),
      subs: serverGrants(rules, claims.subs, 'connection_token'),
      honorClientChannels: true,
    };
  };

  const fromProxy = async (request: Readonly<Record<string, unknown>>, conn: Connection): Promise<Credentials | null> => {
    const proxy = auth.proxies.connect!;
    const subs = request['subs'];
    const reply = await proxyConnect(proxy, callerOf(conn), {
      ...(request['data'] !== undefined ? { data: payloadToJson(request['data']) } : {}),
      name: typeof request['name'] === 'string' ? request['name'] : '',
      version: typeof request['version'] === 'string' ? request['version'] : '',
      channels: typeof subs === 'object' && subs !== null && !Array.isArray(subs) ? Object.keys(subs) : [],
    }).catch((err: unknown) => {
      throw proxyFailure(err, log, { client: conn.id, proxy: 'connect' });
    });
    if (!reply) return null;
    return {
      user: reply.user,
      ...(reply.info !== undefined ? { info: reply.info } : {}),
      expireAt: reply.expireAt,
      ...(reply.meta !== undefined ? { meta: reply.meta } : {}),
      ...(reply.data !== undefined ? { data: reply.data } : {}),
      subs: serverGrants(rules, reply.subs, 'connect_proxy'),
      honorClientChannels: false,
    };
  };

  return async (request, conn) => {
    const token = request['token'];
    if (conn.transport.adminTail === true) return adminTailCredentials(config, rules, token, log, conn.id);
    if (typeof token === 'string' && token !== '') return fromToken(token, conn);
    if (auth.proxies.connect) {
      const credentials = await fromProxy(request, conn);
      if (credentials) return credentials;
    }
    const headerUser = userHeader !== '' ? conn.headers[userHeader] : undefined;
    if (headerUser !== undefined && headerUser !== '') return { user: headerUser, expireAt: 0, subs: new Map(), honorClientChannels: true };
    if (anonymousAllowed) return { user: '', expireAt: 0, subs: new Map(), honorClientChannels: true };
    // Centrifugo: no credentials found → bad request.
    throw new DisconnectError(Disconnects.badRequest);
  };
}
