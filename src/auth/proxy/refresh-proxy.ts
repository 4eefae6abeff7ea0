/**
 * The refresh proxy: when a connection expires, the backend decides whether it
 * lives on. Request `{client, transport, protocol, encoding, user, meta}`;
 * result `{expired, expire_at, info|b64info, meta}`.
 */
import { callProxy, type ProxyCaller } from './proxy-client';
import type { ProxyEndpoint } from './proxy-endpoint';
import { resultBoolean, resultExpireAt, resultJson, resultRawJson } from './proxy-result';

/** The backend's decision. */
export interface RefreshProxyReply {
  /** The connection ends (3005). A missing result counts as expired. */
  readonly expired: boolean;
  /** New expiry, ms since epoch; 0 = never. */
  readonly expireAt: number;
  /** New connection info, JSON text. */
  readonly info?: string;
  /** New connection meta, JSON text. */
  readonly meta?: string;
}

/** Asks the refresh proxy about `user`'s connection. */
export async function proxyRefresh(proxy: ProxyEndpoint, caller: ProxyCaller, user: string): Promise<RefreshProxyReply> {
  const result = await callProxy(proxy, caller, 'refresh', { user });
  if (!result) return { expired: true, expireAt: 0 };
  const info = resultJson(result, 'info', 'b64info');
  const meta = resultRawJson(result, 'meta');
  return {
    expired: resultBoolean(result, 'expired'),
    expireAt: resultExpireAt(result),
    ...(info !== undefined ? { info } : {}),
    ...(meta !== undefined ? { meta } : {}),
  };
}
