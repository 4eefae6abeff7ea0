/**
 * The sub_refresh proxy: when a subscription expires, the backend decides
 * whether it lives on. Request `{client, transport, protocol, encoding, user,
 * channel, meta}`; result `{expired, expire_at, info|b64info}`.
 */
import { callProxy, type ProxyCaller } from './proxy-client';
import type { ProxyEndpoint } from './proxy-endpoint';
import { resultBoolean, resultExpireAt, resultJson } from './proxy-result';

/** The backend's decision. */
export interface SubRefreshProxyReply {
  /** The subscription ends. A missing result counts as expired. */
  readonly expired: boolean;
  /** New expiry, ms since epoch; 0 = never. */
  readonly expireAt: number;
  /** New channel info, JSON text. */
  readonly info?: string;
}

/** Asks the sub_refresh proxy about `user`'s subscription to `channel`. */
export async function proxySubRefresh(proxy: ProxyEndpoint, caller: ProxyCaller, user: string, channel: string): Promise<SubRefreshProxyReply> {
  const result = await callProxy(proxy, caller, 'sub_refresh', { user, channel });
  if (!result) return { expired: true, expireAt: 0 };
  const info = resultJson(result, 'info', 'b64info');
  return { expired: resultBoolean(result, 'expired'), expireAt: resultExpireAt(result), ...(info !== undefined ? { info } : {}) };
}
