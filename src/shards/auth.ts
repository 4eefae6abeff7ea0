/**
 * The seam where connection credentials are decided. JWT verification plugs
 * in here (its own issue); until then a connect without a token is accepted as
 * anonymous when `client.insecure` or `client.allow_anonymous_connect_without_token`
 * is set, and a connect with a token is refused as Centrifugo refuses a token
 * it has no key for: disconnect 3500.
 */
import type { Config } from '../config/types';
import { Disconnects } from '../protocol/codes';
import { DisconnectError } from '../protocol/errors';

/** Who a connection is, once authenticated. */
export interface Credentials {
  /** User id; "" for anonymous. */
  readonly user: string;
  /** Raw JSON text of connection info, if any. */
  readonly info?: string;
  /** Connection expiry, ms since epoch; 0 = never. */
  readonly expireAt: number;
}

/** Decides credentials for a connect request (may be async: token verification, proxies). */
export type Authenticator = (request: Readonly<Record<string, unknown>>) => Credentials | Promise<Credentials>;

/** The authenticator for the configured features. */
export function createAuthenticator(config: Config): Authenticator {
  return (request) => {
    const token = request['token'];
    if (typeof token === 'string' && token !== '') throw new DisconnectError(Disconnects.invalidToken);
    if (config.client.insecure || config.client.allow_anonymous_connect_without_token) {
      return { user: '', expireAt: 0 };
    }
    // Centrifugo: no credentials found → bad request.
    throw new DisconnectError(Disconnects.badRequest);
  };
}
