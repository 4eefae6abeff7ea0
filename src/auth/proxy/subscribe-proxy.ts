/**
 * The subscribe proxy: the backend decides a subscription without a token.
 * Request `{client, transport, protocol, encoding, user, channel, token, meta,
 * data|b64data}`; result `{expire_at, info|b64info, data|b64data, override}`.
 */
import type { SubscribeOptions } from '../claims';
import { callProxy, type ProxyCaller } from './proxy-client';
import type { ProxyEndpoint } from './proxy-endpoint';
import { resultExpireAt, resultSubscribeOptions } from './proxy-result';

/** The backend's grant. */
export interface SubscribeProxyReply extends SubscribeOptions {
  /** Subscription expiry, ms since epoch; 0 = never. */
  readonly expireAt: number;
}

/** Asks the subscribe proxy whether `user` may subscribe to `channel`; `data` is the subscribe command's data (JSON text). */
export async function proxySubscribe(
  proxy: ProxyEndpoint,
  caller: ProxyCaller,
  user: string,
  channel: string,
  data?: string,
): Promise<SubscribeProxyReply> {
  const result = await callProxy(proxy, caller, 'subscribe', { user, channel }, data);
  return { ...resultSubscribeOptions(result, 'result'), expireAt: resultExpireAt(result) };
}
