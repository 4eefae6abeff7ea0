/**
 * The publish proxy: the backend decides (alone) a client publication and may
 * rewrite it. Request `{client, transport, protocol, encoding, user, channel,
 * data|b64data, meta}`; result `{data|b64data, skip_history, tags}`.
 */
import { callProxy, type ProxyCaller } from './proxy-client';
import type { ProxyEndpoint } from './proxy-endpoint';
import { resultBoolean, resultJson, resultStringMap } from './proxy-result';

/** The backend's decision: publish, possibly changed. */
export interface PublishProxyReply {
  /** Replacement data, JSON text; undefined keeps the client's. */
  readonly data?: string;
  /** Publication tags. */
  readonly tags?: Record<string, string>;
  /** Do not keep this publication in history. */
  readonly skipHistory: boolean;
}

/** Asks the publish proxy about `user` publishing `data` (JSON text) into `channel`. */
export async function proxyPublish(
  proxy: ProxyEndpoint,
  caller: ProxyCaller,
  user: string,
  channel: string,
  data: string,
): Promise<PublishProxyReply> {
  const result = await callProxy(proxy, caller, 'publish', { user, channel }, data);
  const replaced = resultJson(result, 'data', 'b64data');
  const tags = resultStringMap(result, 'tags');
  return {
    ...(replaced !== undefined ? { data: replaced } : {}),
    ...(tags ? { tags } : {}),
    skipHistory: resultBoolean(result, 'skip_history'),
  };
}
